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


@pytest.mark.parametrize("title", ["DANH SÁCH VĂN BẢN ĐÃ BAN HÀNH", "Biểu 2"])
def test_a_table_after_a_title_is_not_joined(tmp_path, ctx, seed, title):
    """Short, but not page furniture: the next table may be of another kind, whose rows
    read through this table's columns would put dates and document numbers among facts."""
    lines, mid, whole = seed
    got = ingest_file(write(tmp_path, [*lines[:mid], title, *lines[mid:]]), tmp_path, ctx)
    assert len(got.facts) < len(whole.facts) and got.cells
    assert not [f for f in got.findings if f["rule"] == "table_continued"]


def test_a_table_after_a_paragraph_or_of_another_width_is_not_joined(tmp_path, ctx, seed):
    lines, mid, whole = seed
    paragraph = "Kết quả thực hiện các nhiệm vụ còn lại được tổng hợp trong bảng dưới đây, theo từng lĩnh vực."
    got = ingest_file(write(tmp_path, [*lines[:mid], paragraph, *lines[mid:]]), tmp_path, ctx)
    assert len(got.facts) < len(whole.facts) and got.cells  # the rest kept cell by cell, not guessed
    signature = ["Nơi nhận:\tGIÁM ĐỐC", "- Sở Nội vụ;\t(đã ký)"]
    got = ingest_file(write(tmp_path, [*lines, "Trang 5", *signature]), tmp_path, ctx)
    assert facts(got) == facts(whole)
    assert not [f for f in got.findings if f["rule"] == "table_continued"]


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
