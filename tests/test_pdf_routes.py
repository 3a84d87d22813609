"""The two routes through a PDF page: PDFium where it can vouch for the page, pdfplumber
for the rest. They must read the same cells; the fast one must step aside when unsure."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from extractors.pdf import PdfSettings, extract_pdf
from extractors.pdf_fast import read_page
from tests.conftest import RAW, ROOT
from tests.pdfgen import one_page_pdf

FIXTURES = ROOT / "tests" / "fixtures"
PDFS = sorted(FIXTURES.glob("0*.pdf")) + sorted(RAW.glob("*.pdf"))
PLUMBER = PdfSettings(fast=False)


def grid(words: list[list[str]], bold_twice: bool = False) -> bytes:
    """A ruled table of `words`, 100 x 20 pt cells; with bold_twice every word is drawn a
    second time 0.3 pt to the right, as some exporters fake bold."""
    n_rows, n_cols = len(words), len(words[0])
    x0, top = 50, 780
    ops = []
    for r in range(n_rows + 1):
        ops.append(f"{x0} {top - 20 * r} m {x0 + 100 * n_cols} {top - 20 * r} l S")
    for c in range(n_cols + 1):
        ops.append(f"{x0 + 100 * c} {top} m {x0 + 100 * c} {top - 20 * n_rows} l S")
    for r, row in enumerate(words):
        for c, word in enumerate(row):
            for dx in (0, 0.3) if bold_twice else (0,):
                ops.append(f"BT /F1 10 Tf {x0 + 100 * c + 4 + dx} {top - 20 * r - 14} Td ({word}) Tj ET")
    ops.append(f"BT /F1 12 Tf {x0} 800 Td (BAO CAO SO 12) Tj ET")
    return "\n".join(ops).encode()


WORDS = [["STT", "Chi tieu", "So lieu"], ["1", "Nhiem vu", "1.197"], ["2", "Ty le", "99,47"]]


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_both_routes_read_the_same_cells(path):
    data = path.read_bytes()
    fast, slow = extract_pdf(data), extract_pdf(data, PLUMBER)
    assert len(fast.tables) == len(slow.tables) > 0
    for a, b in zip(fast.tables, slow.tables, strict=True):
        assert [(r.cells, r.spans, r.page, r.break_before) for r in a.rows] == [
            (r.cells, r.spans, r.page, r.break_before) for r in b.rows
        ]
    # the text around the tables: every line the fast route keeps, pdfplumber keeps too,
    # in the same order (pdfplumber also keeps header lines that poke out of the table)
    slow_lines = iter(b.text for b in slow.blocks)
    assert all(any(text == other for other in slow_lines) for text in (b.text for b in fast.blocks))


def test_fast_route_reads_a_ruled_table():
    page = pdfium.PdfDocument(one_page_pdf(grid(WORDS)))[0]
    read = read_page(page)
    assert read is not None
    assert [t.rows for t in read.tables] == [WORDS]
    assert [text for _, text in read.lines] == ["BAO CAO SO 12"]


@pytest.mark.parametrize(
    "content, rotate, why",
    [
        (grid(WORDS, bold_twice=True), 0, "fake bold"),
        (grid(WORDS), 90, "rotated page"),
        (grid(WORDS) + b"\n10 10 m 20 20 30 20 40 10 c S", 0, "a curve"),
    ],
)
def test_fast_route_steps_aside_and_pdfplumber_reads_the_page(content, rotate, why):
    data = one_page_pdf(content, rotate)
    assert read_page(pdfium.PdfDocument(data)[0]) is None, why
    doc = extract_pdf(data)
    assert doc.tables == extract_pdf(data, PLUMBER).tables  # the page went to pdfplumber
    if not rotate:
        assert [list(r.cells) for r in doc.tables[0].rows] == WORDS  # "STT", not "SSTTTT"
