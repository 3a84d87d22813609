"""Each validation rule on the seed rows that trigger it, and the consistent seed rows that must not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.run_file import Context, ingest_file
from schema.load import RuleConfig, Rules, load_rules
from tests.conftest import SEED


def run(ctx: Context, tmp_path: Path, key: str, *edits: tuple[str, str], rules: Rules | None = None) -> list[dict]:
    """Findings for seed `key` with each (old, new) line fragment replaced exactly once."""
    text = SEED[key].read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / f"{key}.txt"
    path.write_text(text, encoding="utf-8")
    if rules is not None:
        ctx = replace(ctx, rules=rules)  # the caches derived from the schema start empty
    result = ingest_file(path, tmp_path, ctx)
    assert result.report["status"] != "failed", result.report["error"]
    return result.findings


def by_rule(findings: list[dict], rule: str) -> list[dict]:
    return [f for f in findings if f["rule"] == rule]


def test_consistent_seeds_raise_no_error(ctx, tmp_path):
    for key in ("001", "003"):
        assert not [f for f in run(ctx, tmp_path, key) if f["severity"] == "error"], key
    # the rates that agree with their counts: 33,33 = 7/21 (001), 47,37 = 9/19 (002),
    # 99,47 = 933/938 and 96 = 1.201/1.252 (000), 63,1 % = 12/19 (003)
    for key in ("000", "001", "002", "003"):
        findings = run(ctx, tmp_path, key)
        assert not by_rule(findings, "ratio_mismatch") and not by_rule(findings, "note_ratio_mismatch"), key


def test_parts_against_total(ctx, tmp_path):
    (f,) = by_rule(run(ctx, tmp_path, "000"), "parts_sum_mismatch")
    assert f["severity"] == "error" and f["indicator_id"] == "iii.tong_so_tthc_dang_co_hieu_luc"
    assert "= 273" in f["message"] and "273 (Số TTHC áp dụng tại UBND cấp huyện:)" in f["message"]
    assert "= 403" in f["message"]
    found = {f["indicator_id"]: f for f in by_rule(run(ctx, tmp_path, "002"), "parts_sum_mismatch")}
    tthc = found["iii.tong_so_tthc_dang_co_hieu_luc"]  # "Trong đó có 16 TTHC dùng chung": explained
    assert tthc["severity"] == "info" and "gap of 16" in tthc["message"] and "= 405" in tthc["message"]
    sncl = found["vi.so_luong_don_vi_su_nghiep_cong_lap_sncl_thuc_hien_co_che_tu_chu"]
    assert sncl["severity"] == "error" and "= 31" in sncl["message"] and "= 1" in sncl["message"]


def test_unit_versus_type(ctx, tmp_path):
    (f,) = by_rule(run(ctx, tmp_path, "002"), "unit_type_mismatch")
    assert f["indicator_id"] == "i.so_nhiem_vu_de_ra_trong_ke_hoach" and "'%'" in f["message"]
    assert f["severity"] == "warning"


def test_narrative_versus_table(ctx, tmp_path):
    found = by_rule(run(ctx, tmp_path, "002"), "narrative_mismatch")
    messages = " | ".join(f["message"] for f in found)
    assert len(found) == 2
    assert "8 for 'Số nhiệm vụ đã hoàn thành' (row 4) where the table has 9" in messages
    assert "20 for 'Số nhiệm vụ đề ra trong kế hoạch' (row 3) where the table has 19" in messages
    assert "40 for 'Tỷ lệ hoàn thành Kế hoạch CCHC năm" in messages and "has 47,37" in messages
    assert "1.145" not in messages and "611" not in messages  # the prose agrees with the table there


def test_ratio_recomputed_from_counts(ctx, tmp_path):
    (f,) = by_rule(run(ctx, tmp_path, "001", ("%\t33,33\t", "%\t43,33\t")), "ratio_mismatch")
    assert f["severity"] == "error" and "43,33" in f["message"] and "gives 33,3333 %" in f["message"]


def test_ratio_from_its_own_note(ctx, tmp_path):
    (f,) = by_rule(run(ctx, tmp_path, "000", ("%\t99,47\t", "%\t89,47\t")), "note_ratio_mismatch")
    assert "89,47" in f["message"] and "933/938" in f["message"]
    (g,) = by_rule(run(ctx, tmp_path, "003", ("\t63,1%\t", "\t68,1%\t")), "note_ratio_mismatch")
    assert "12/19" in g["message"]


def test_part_exceeds_whole(ctx, tmp_path):
    edit = ("Số nhiệm vụ đã hoàn thành\tNhiệm vụ\t7\t", "Số nhiệm vụ đã hoàn thành\tNhiệm vụ\t27\t")
    (f,) = by_rule(run(ctx, tmp_path, "001", edit), "part_exceeds_whole")
    assert f["indicator_id"] == "i.so_nhiem_vu_da_hoan_thanh" and "= 27 exceeds" in f["message"]
    assert "= 21" in f["message"]


@pytest.mark.parametrize(
    ("rule", "edit", "words"),
    [
        (
            "percent_range",
            ("Tỷ lệ hài lòng trong kỳ báo cáo\t%\t100", "Tỷ lệ hài lòng trong kỳ báo cáo\t%\t120"),
            "120 %, outside 0–100",
        ),
        (
            "bool_range",
            (
                "Liên thông từ UBND tỉnh đến UBND cấp xã.\tCó = 1 Không = 0\t1",
                "Liên thông từ UBND tỉnh đến UBND cấp xã.\tCó = 1 Không = 0\t2",
            ),
            "holds 2",
        ),
        ("code_range", ("Kết hợp = 2\t0", "Kết hợp = 2\t3"), "not one of its codes (0, 1, 2)"),
        (
            "count_negative",
            ("Tổng số biên chế được giao trong năm\tNgười\t94", "Tổng số biên chế được giao trong năm\tNgười\t-94"),
            "cannot be negative",
        ),
        (
            "count_not_whole",
            ("Tổng số biên chế được giao trong năm\tNgười\t94", "Tổng số biên chế được giao trong năm\tNgười\t94,5"),
            "a whole number",
        ),
    ],
)
def test_ranges(ctx, tmp_path, rule, edit, words):
    (f,) = by_rule(run(ctx, tmp_path, "000", edit), rule)
    assert words in f["message"] and f["severity"] == "error"
    assert not by_rule(run(ctx, tmp_path, "000"), rule)


def test_an_indicator_printed_twice_with_two_values_is_said(ctx, tmp_path):
    row = "\tSố văn bản chỉ đạo CCHC đã ban hành\tVăn bản\t5\t"
    (f,) = by_rule(run(ctx, tmp_path, "001", (row, f"{row}\n{row.replace('5', '6')}")), "indicator_repeated")
    assert f["severity"] == "warning" and f["indicator_id"] == "i.so_van_ban_chi_dao_cchc_da_ban_hanh"
    assert "= 6 is read as" in f["message"] and "= 5: which of the two" in f["message"]
    assert not by_rule(run(ctx, tmp_path, "001", (row, f"{row}\n{row}")), "indicator_repeated")  # the same row twice
    for key in ("000", "001", "002", "003"):
        assert not by_rule(run(ctx, tmp_path, key), "indicator_repeated"), key


def test_completeness_is_one_finding_per_report(ctx, tmp_path):
    (f,) = by_rule(run(ctx, tmp_path, "001"), "missing_required")
    assert f["severity"] == "info" and f["row_no"] is None and "form so_2023" in f["message"]
    assert "left blank (i.so_phong_ban_da_kiem_tra" in f["message"]


def test_severity_is_set_by_the_analyst(ctx, tmp_path):
    rules = load_rules().model_copy(deep=True)
    rules.rules["parts_sum_mismatch"] = RuleConfig(severity="warning", example="x")
    rules.rules["unmatched_label"] = RuleConfig(severity="off", example="x")
    (f,) = by_rule(run(ctx, tmp_path, "000", rules=rules), "parts_sum_mismatch")
    assert f["severity"] == "warning"
    edit = ("Số lượng phiếu khảo sát\tSố lượng\t68", "Số con mèo được nuôi tại cơ quan\tSố lượng\t68")
    assert not by_rule(run(ctx, tmp_path, "000", edit, rules=rules), "unmatched_label")
    assert by_rule(run(ctx, tmp_path, "000", edit), "unmatched_label")


def test_a_report_with_errors_is_a_warning(ctx, tmp_path):
    path = tmp_path / "000.txt"
    path.write_bytes(SEED["000"].read_bytes())
    assert ingest_file(path, tmp_path, ctx).report["status"] == "warning"
    path.write_bytes(SEED["001"].read_bytes())
    assert ingest_file(path, tmp_path, ctx).report["status"] == "ok"


def test_a_number_the_column_and_the_row_read_differently_is_left_empty_and_said(ctx, tmp_path):
    """000 writes thousands the vi way (2.437, 7.496): '1,996' on a count row is 1,996
    there and 1996 to the row; neither is settled, so neither is stored."""
    edit = ("cấp huyện giải quyết và trả kết quả\t\t1.996", "cấp huyện giải quyết và trả kết quả\t\t1,996")
    path = tmp_path / "000.txt"
    path.write_text(SEED["000"].read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    result = ingest_file(path, tmp_path, ctx)
    (fact,) = [f for f in result.facts if f["value_raw"] == "1,996"]
    assert fact["value_num"] is None and fact["value_rule"] == "column_style_against_row"
    (f,) = by_rule(result.findings, "ambiguous_number")
    assert f["row_no"] == fact["row_no"] and "1.996 or 1996" in f["message"] and "its row can hold" in f["message"]
