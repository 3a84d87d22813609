"""A statistics table cut in two by something that is not a page break the extractor
knows: a page footer left in a text export, a Word table split by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from pipeline.run_file import ingest_file
from tests.conftest import SEED

COMPARED = ("label_raw", "stt", "section", "unit_raw", "value_raw", "note_raw", "indicator_id", "value_num")


@pytest.fixture(scope="module")
def seed(ctx):
    lines = SEED["001"].read_text(encoding="utf-8").split("\n")
    table = [i for i, line in enumerate(lines) if "\t" in line]
    return lines, table[len(table) // 2], ingest_file(SEED["001"], SEED["001"].parent, ctx)


def facts(result) -> list[tuple]:
    return [tuple(f[c] for c in COMPARED) for f in result.facts]


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("cut", [["Trang 2/5"], ["", "- 2 -", ""], ["Trang 2", "Phụ lục (tiếp theo)"]])
def test_a_footer_inside_the_table_does_not_cut_it(tmp_path, ctx, seed, cut):
    lines, mid, whole = seed
    got = ingest_file(write(tmp_path, lines[:mid] + cut + lines[mid:]), tmp_path, ctx)
    assert facts(got) == facts(whole) and not got.cells
    (note,) = [f for f in got.findings if f["rule"] == "table_continued"]
    assert f"'{cut[0] or cut[1]}'" in note["message"] and note["severity"] == "info"


def rules(result, rule: str) -> list[dict]:
    return [f for f in result.findings if f["rule"] == rule]


@pytest.mark.parametrize(
    "between",
    [
        ["DANH SÁCH VĂN BẢN ĐÃ BAN HÀNH"],
        ["Kết quả thực hiện các nhiệm vụ còn lại được tổng hợp trong bảng dưới đây, theo từng lĩnh vực."],
        ["", "Ghi chú: tiếp theo bảng.", ""],
    ],
)
def test_the_rest_of_the_table_after_a_title_or_paragraph_is_joined_by_its_rows(tmp_path, ctx, seed, between):
    """Not page furniture, so the header-less table might be of another kind; its rows
    name the form's indicators, so it is the statistics table continued. It was kept cell
    by cell, the report "ok" with half its facts missing and nothing said."""
    lines, mid, whole = seed
    got = ingest_file(write(tmp_path, [*lines[:mid], *between, *lines[mid:]]), tmp_path, ctx)
    assert facts(got) == facts(whole) and not got.cells
    (note,) = rules(got, "table_continued_after_text")
    assert note["severity"] == "warning" and f"'{next(b for b in between if b)}'" in note["message"]
    assert not rules(got, "table_continued")


def test_a_table_of_another_kind_after_a_title_is_not_joined(tmp_path, ctx, seed):
    """Same width, no statistics header, a title between: rows read through the
    statistics columns would put dates and document numbers among facts."""
    lines, _, whole = seed
    documents = [f"{i}\tKế hoạch số {10 + i}/KH-SLĐTBXH\t{i:02d}/02/2023\tSở LĐ-TB&XH\t" for i in range(1, 13)]
    got = ingest_file(write(tmp_path, [*lines, "DANH SÁCH VĂN BẢN ĐÃ BAN HÀNH", *documents]), tmp_path, ctx)
    assert facts(got) == facts(whole)
    kept = {(c["row_no"], c["col_no"]): c["text"] for c in got.cells}
    assert [kept[(n, 2)] for n in range(1, 13)] == [f"Kế hoạch số {10 + n}/KH-SLĐTBXH" for n in range(1, 13)]
    assert len(kept) == 12 * 4  # every filled cell, none read as a fact
    assert not rules(got, "table_continued") and not rules(got, "table_continued_after_text")
    (note,) = rules(got, "table_not_continued")
    assert note["severity"] == "info" and "tables.parquet" in note["message"]


def test_a_few_rows_after_a_paragraph_are_kept_and_said(tmp_path, ctx, seed):
    """Two rows cannot tell whose they are: kept cell by cell, with a finding."""
    lines, _, whole = seed
    table = [i for i, line in enumerate(lines) if "\t" in line]
    cut = table[-2]
    got = ingest_file(write(tmp_path, [*lines[:cut], "Ghi chú: tiếp theo bảng.", *lines[cut:]]), tmp_path, ctx)
    assert facts(got) == facts(whole)[: len(facts(got))] and len(facts(got)) < len(facts(whole)) and got.cells
    assert len(rules(got, "table_not_continued")) == 1


def test_a_table_of_another_width_is_not_joined(tmp_path, ctx, seed):
    lines, _, whole = seed
    signature = ["Nơi nhận:\tGIÁM ĐỐC", "- Sở Nội vụ;\t(đã ký)"]
    got = ingest_file(write(tmp_path, [*lines, "Trang 5", *signature]), tmp_path, ctx)
    assert facts(got) == facts(whole)
    assert not rules(got, "table_continued") and not rules(got, "table_not_continued")


@pytest.mark.parametrize("seed_key", ["000", "001", "002", "003"])
def test_a_form_without_a_unit_column_is_read_by_its_rows(tmp_path, ctx, seed_key):
    """'STT | Chỉ tiêu | Số liệu | Ghi chú': an agency's own form. Its header alone does not
    tell it from a score table; its rows do. Every indicator and value as in the seed, or
    lost where the unit cell held the only reading ('Có = 1 Không = 0' codes); no unit
    printed, the canonical unit the indicator's."""
    whole = ingest_file(SEED[seed_key], SEED[seed_key].parent, ctx)
    lines = [
        "\t".join([*c[:2], *c[3:]]) if len(c := line.split("\t")) >= 5 else line
        for line in SEED[seed_key].read_text(encoding="utf-8").split("\n")
    ]
    got = ingest_file(write(tmp_path, lines), tmp_path, ctx)
    before = {f.line_no: (f.indicator_id, f.value_num) for f in whole.facts}
    assert not [f for f in got.facts if f.indicator_id not in (before[f.line_no][0], None)]
    assert not [f for f in got.facts if f.value_num not in (before[f.line_no][1], None)]
    kept = sum(1 for f in got.facts if f.indicator_id and (f.indicator_id, f.value_num) == before[f.line_no])
    assert kept >= 0.9 * sum(1 for f in whole.facts if f.indicator_id)
    assert all(f.unit_raw is None for f in got.facts)
    assert {f.unit for f in got.facts if f.indicator_id} == {f.unit for f in whole.facts if f.indicator_id}
    (note,) = rules(got, "statistics_header_short")
    assert note["severity"] == "warning" and "no unit column" in note["message"]


def test_a_word_table_split_in_two(tmp_path, ctx, seed):
    """The second Word table has no header; a page-footer paragraph stands between."""
    lines, mid, whole = seed
    table_lines = [line.split("\t") for line in lines if "\t" in line]
    first = next(i for i, line in enumerate(lines) if "\t" in line)
    split = mid - first
    doc = Document()
    for line in lines[:first]:
        doc.add_paragraph(line.replace("*", ""))
    for n, part in enumerate((table_lines[:split], table_lines[split:])):
        if n:
            doc.add_paragraph("Trang 2")
        table = doc.add_table(rows=0, cols=5)
        for cells in part:
            row = table.add_row()
            for i, text in enumerate(cells[:5]):
                row.cells[i].text = text
    path = tmp_path / "report.docx"
    doc.save(path)
    got = ingest_file(path, tmp_path, ctx)
    assert [f[:2] for f in facts(got)] == [f[:2] for f in facts(whole)]
    assert [f[-2:] for f in facts(got)] == [f[-2:] for f in facts(whole)]
    assert [f["rule"] for f in got.findings].count("table_continued") == 1
