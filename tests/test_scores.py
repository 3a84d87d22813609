"""Seed 004, the province's PAR-Index analysis: its score tables and their checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.run_file import ingest_file
from tests.conftest import SEED


@pytest.fixture(scope="module")
def seed(ctx):
    return ingest_file(SEED["004"], SEED["004"].parent, ctx)


def value(scores, table, measure, year=None, label=None, code=None):
    (s,) = [
        s
        for s in scores
        if s["table"] == table
        and s["measure"] == measure
        and s["year"] == year
        and (label is None or s["criterion_label"] == label)
        and (code is None or s["criterion_code"] == code)
    ]
    return s["value"]


def test_par_index_totals_and_components(seed):
    s = seed.scores
    assert value(s, "par_summary", "achieved", 2023, "Điểm tổng hợp") == 81.70
    assert value(s, "par_summary", "achieved", 2022, "Điểm tổng hợp") == 83.14
    assert value(s, "par_summary", "max", 2023, "Điểm đánh giá, thẩm định") == 68.0  # printed "68,00"
    assert value(s, "par_summary", "achieved", 2023, "Điểm đánh giá, thẩm định") == 55.08  # printed "55.08"
    assert value(s, "par_summary", "ratio", 2023, "Điểm đánh giá, thẩm định") == 81.0
    components = {
        lbl: value(s, "par_components", "achieved", 2023, lbl)
        for lbl in ("Điểm thăm định", "Chỉ số SIPAS", "Khảo sát CC, LĐ quản lý", "Tác động PT KT-XH", "Kết quả chung")
    }
    assert components == {
        "Điểm thăm định": 51.61,
        "Chỉ số SIPAS": 8.19,
        "Khảo sát CC, LĐ quản lý": 18.44,
        "Tác động PT KT-XH": 3.47,
        "Kết quả chung": 81.70,
    }
    assert value(s, "par_components", "achieved", 2022, "Kết quả chung") == 83.14
    assert value(s, "par_components", "rank", 2023, "Điểm thăm định") == 61
    assert value(s, "par_components", "ratio", 2022, "Tác động PT KT-XH") == 68.62
    assert value(s, "par_fields", "rank", 2023, code="1") == 39
    assert value(s, "par_fields", "rank_change", None, code="1") == -17


# Phụ lục 1: code, maximum, achieved, responsible agency, as printed
SHORTFALL = [
    ("1.3.2", 1, 0.8308, "Sở Nội vụ"),
    ("1.6", 1, 0.9375, "Sở Kế hoạch và Đầu tư"),
    ("1.7", 1.5, 1.2573, "Văn phòng UBND tỉnh"),
    ("3.2.1", 0.5, 0, "Văn phòng UBND tỉnh"),
    ("3.2.3", 1, 0.7701, "Văn phòng UBND tỉnh"),
    ("3.4.1", 1.5, 1.4994, "Văn phòng UBND tỉnh"),
    ("3.4.2", 1.5, 1.4919, "Văn phòng UBND tỉnh"),
    ("3.4.3", 1, 0.9984, "Văn phòng UBND tỉnh"),
    ("5.3.1", 0.75, 0.5, "Sở Nội vụ"),
    ("5.4", 1.5, 1, "Sở Nội vụ"),
    ("5.6", 0.5, 0, "Sở Nội vụ"),
    ("6.1.1", 1, 0.9363, "Sở Tài chính"),
    ("6.1.2", 1, 0, "Sở Tài chính"),
    ("6.1.3", 1, 0.6675, "Sở Tài chính"),
    ("6.3.3", 1, 0, "Sở Tài chính"),
    ("6.3.4", 1, 0, "Sở Tài chính"),
    ("7.1.2", 1, 0.5, "Sở Thông tin và Truyền thông"),
    ("7.1.4", 1, 0.4706, "Sở Thông tin và Truyền thông"),
    ("7.3.4", 1, 0, "Sở Thông tin và Truyền thông"),
    ("7.3.5", 0.5, 0.2934, "Sở Thông tin và Truyền thông"),
    ("7.3.6", 1.5, 0.8276, "Sở Thông tin và Truyền thông"),
    ("7.3.7", 1.5, 0.3759, "Sở Thông tin và Truyền thông"),
    ("8.2", 1, 0, "Sở Kế hoạch và Đầu tư"),
    ("8.3.1", 0.5, 0, "Sở Kế hoạch và Đầu tư"),
    ("8.4", 1.5, 0.75, "Sở Tài chính"),
    ("8.5", 2, 1.225, "Sở Kế hoạch và Đầu tư"),
]


def test_appendix_1_all_26_criteria(seed):
    rows = [s for s in seed.scores if s["table"] == "shortfall_criteria"]
    got = []
    for code in dict.fromkeys(s["criterion_code"] for s in rows):
        of = {s["measure"]: s for s in rows if s["criterion_code"] == code}
        got.append((code, of["max"]["value"], of["achieved"]["value"], of["max"]["agency"]))
    assert got == SHORTFALL
    # 7.3.7: numbers on one page, label and agency on the next, joined
    (label,) = {s["criterion_label"] for s in rows if s["criterion_code"] == "7.3.7"}
    assert label == "Thực hiện thanh toán trực tuyến"
    # "1.225" achieved of a maximum of 2 is a score, 1.225, not 1225
    assert round(sum(mx - ac for _, mx, ac, _ in got), 4) == 12.9183  # the figure the text states


def test_survey_criteria(seed):
    s = [r for r in seed.scores if r["table"] == "survey_criteria"]
    assert value(s, "survey_criteria", "achieved", 2023, code="3.2.1") == 3.4497
    assert value(s, "survey_criteria", "max", 2023, code="(1)") == 1.0
    assert value(s, "survey_criteria", "achieved", 2023, code="(1)") == 0.837  # "0,837"
    assert value(s, "survey_criteria", "achieved", 2023, code="(5)") == 0.8435  # "0.8435": the other separator
    assert value(s, "survey_criteria", "shortfall", 2023, code="(27)") == -0.3714  # printed "- 0,3714"
    assert len({r["criterion_code"] for r in s if r["criterion_code"] and r["criterion_code"].startswith("(")}) == 27


def test_appendix_5_cells_keep_their_header_path(seed):
    cells = {(c["table_no"], c["row_no"], c["header_path"]): c["text"] for c in seed.cells}
    table = max(c["table_no"] for c in seed.cells)
    assert cells[(table, 5, "Chức danh")] == "CÁN BỘ"
    assert cells[(table, 5, "Trình độ / Học vấn / TNC3")] == "1.164"
    assert cells[(table, 6, "Trình độ / Chuyên môn / Đại học")] == "83"
    assert cells[(table, 6, "Số người đạt chuẩn theo quy định")] == "107"
    assert cells[(table, 5, "Tỷ lệ đạt chuẩn theo quy định")] == "95,28"


def test_the_seed_is_consistent(seed):
    assert seed.report["status"] == "ok"
    assert not [f for f in seed.findings if f["rule"].startswith(("score", "rank", "subcriteria", "text_total"))]


def run_edited(ctx, tmp_path: Path, old: str, new: str):
    text = SEED["004"].read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "004.txt"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return ingest_file(path, tmp_path, ctx)


@pytest.mark.parametrize(
    ("old", "new", "rule", "words"),
    [
        ("1\t0.8308\t83.08%", "1\t0.8308\t88.08%", "score_ratio_mismatch", "0.8308 of 1 is 83.08 %"),
        ("<b>61/63</b>", "<b>64/63</b>", "rank_range", "rank 64/63 outside 1–63"),
        ("Năm 2023\t51,61\t8,19", "Năm 2023\t51,61\t9,19", "score_total_mismatch", "not the published Kết quả chung"),
        ("1,0\t0,837\t- 0,163", "1,0\t0,937\t- 0,163", "subcriteria_sum_mismatch", "(1)–(4) add up to 3.5497"),
        ("2\t1.225\t61.25%", "2\t1.325\t66.25%", "text_total_mismatch", "give 12,8183"),
    ],
)
def test_each_score_check_fires_on_an_edited_number(ctx, tmp_path, old, new, rule, words):
    result = run_edited(ctx, tmp_path, old, new)
    found = [f for f in result.findings if f["rule"] == rule]
    assert len(found) == 1 and words in found[0]["message"], [f["message"] for f in found]
