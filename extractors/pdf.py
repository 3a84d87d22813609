"""PDF reports (Word exported to PDF): ruled tables over many pages, text around them.

Per page: characters printed twice to fake bold ("SSốố") are deduplicated first; tables
are found from their ruling lines; the text outside them is kept as lines for the title
block and narrative. A table that goes on at the top of the next page with the same
columns is one table: its rows are appended, the first of them marked as following a
page break (the repeated header and the row cut in two are repaired by assembly, as for
text). A PDF without a text layer is a scan and needs OCR; one that needs a password
cannot be read.

Two routes read a page: PDFium (pdf_fast.py) where it can vouch for the page, ten times
faster, and pdfplumber for the rest; both give the same cells (tests/test_pdf_routes.py).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException

from extractors.base import Document, ExtractionError, RawRow, RawTable, TextBlock
from extractors.pdf_fast import read_page


@dataclass(frozen=True)
class PdfSettings:
    # A table continues one on the previous page when it starts within this share of the
    # page's height from the top (room for a running header).
    continuation_top: float = 0.2
    # Read pages through PDFium where it can vouch for them (pdf_fast.py); False reads
    # every page with pdfplumber alone.
    fast: bool = True


SETTINGS = PdfSettings()


def extract_pdf(data: bytes, settings: PdfSettings = SETTINGS) -> Document:
    fast = _open_pdfium(data) if settings.fast else None
    plumber = None if fast is not None else _open_plumber(data)
    try:
        n_pages = len(fast) if fast is not None else len(plumber.pages)  # type: ignore[union-attr]
        pieces: list[_Piece] = []
        lines: list[tuple[int, float, str]] = []
        n_chars = 0
        for index in range(n_pages):
            page = _fast_page(fast, index) if fast is not None else None
            if page is None:  # the fast route cannot vouch for this page: pdfplumber reads it
                plumber = plumber or _open_plumber(data)
                page = _plumber_page(plumber.pages[index])
            page_pieces, page_lines, page_chars = page
            pieces += page_pieces
            lines += page_lines
            n_chars += page_chars
    finally:
        if fast is not None:
            fast.close()
        if plumber is not None:
            plumber.close()
    if n_chars == 0:
        raise ExtractionError("scanned document without a text layer: it needs OCR before it can be read")
    tables = _join_pieces(pieces, settings)
    starts = [(t.rows[0].page or 0, top) for t, top in tables]
    blocks = []
    for n, (page_no, top, text) in enumerate(lines, start=1):
        nxt = next((i for i, s in enumerate(starts) if s > (page_no, top)), None)
        blocks.append(TextBlock(text=text, line_no=n, page=page_no, before_table=nxt))
    return Document(format="pdf", tables=tuple(t for t, _ in tables), blocks=tuple(blocks), n_pages=n_pages)


def _open_pdfium(data: bytes) -> pdfium.PdfDocument | None:
    """None when PDFium cannot open the file: pdfplumber then opens it and says why."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return None


def _open_plumber(data: bytes):
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfplumber wraps pdfminer's errors in PdfminerException(args=(cause,))
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise ExtractionError(
                "the PDF is protected by a password: ask the agency for an unprotected copy"
            ) from None
        if isinstance(cause, PDFEncryptionError):
            raise ExtractionError(f"the PDF uses an encryption this reader cannot open ({cause})") from None
        if isinstance(cause, PDFSyntaxError | PSException | ValueError | KeyError | TypeError):
            raise ExtractionError(f"damaged PDF ({type(cause).__name__}): export it again from Word") from None
        raise


@dataclass
class _Piece:
    page: int
    top: float  # in points from the top of the page
    top_share: float  # the same, as a share of the page's height
    rows: list[RawRow]
    n_cols: int


_Page = tuple[list[_Piece], list[tuple[int, float, str]], int]  # tables, lines outside them, chars


def _piece(cells_by_row: list[list[str | None]], page_no: int, top: float, height: float) -> _Piece | None:
    rows = [
        RawRow(cells=tuple(_unwrap(c or "") for c in cells), spans=_spans(cells), line_no=n, page=page_no)
        for n, cells in enumerate(cells_by_row, start=1)
    ]
    return _Piece(page_no, top, top / height, rows, len(rows[0].cells)) if rows else None


def _fast_page(doc: pdfium.PdfDocument, index: int) -> _Page | None:
    try:
        page = doc[index]
    except pdfium.PdfiumError:  # a page PDFium cannot load: pdfplumber may, or says why
        return None
    try:
        read = read_page(page)
        if read is None:
            return None
        height = float(page.get_height())
    except pdfium.PdfiumError:
        return None
    finally:
        page.close()
    pieces = [p for t in read.tables if (p := _piece(t.rows, index + 1, t.top, height))]
    return pieces, [(index + 1, top, text) for top, text in read.lines], read.n_chars


def _plumber_page(page) -> _Page:
    page = page.dedupe_chars()
    found = page.find_tables()
    bboxes = [t.bbox for t in found]
    pieces = [p for t in found if (p := _piece(t.extract(), page.page_number, float(t.bbox[1]), float(page.height)))]
    outside = page.filter(
        lambda obj, boxes=bboxes: (
            obj.get("object_type") != "char"
            or not any(
                b[0] <= obj["x0"] and obj["x1"] <= b[2] and b[1] <= obj["top"] and obj["bottom"] <= b[3] for b in boxes
            )
        )
    )
    lines = [
        (page.page_number, line["top"], line["text"].strip())
        for line in outside.extract_text_lines()
        if line["text"].strip()
    ]
    return pieces, lines, len(page.chars)


def _unwrap(text: str) -> str:
    """Join lines the PDF wrapped inside one token: "Kế hoạch số 11/KH-" + "UBND" is
    "11/KH-UBND" (Vietnamese is never hyphenated by syllable, so a line ending in an
    attached "-" or "/" ends inside a code), and a URL cut anywhere stays one URL."""
    if "\n" not in text:
        return text
    if re.fullmatch(r"[\d.,/%\s]+", text):  # one number wrapped in a narrow cell: "1.201/1.25" + "2"
        return re.sub(r"\s+", "", text)
    lines = text.split("\n")
    out = lines[0]
    for line in lines[1:]:
        last = out.rsplit(" ", 1)[-1]
        glued = re.search(r"\S[-/_]$", out) or "://" in last or last.startswith(("http", "www."))
        out = f"{out}{line}" if glued and line[:1].strip() else f"{out}\n{line}"
    return out


def _spans(cells: list[str | None]) -> tuple[int, ...]:
    """pdfplumber gives a merged cell's text in its first column and None in the others."""
    spans = [1] * len(cells)
    for i, c in enumerate(cells):
        if c is None and i > 0:
            spans[i] = 0
            j = i - 1
            while j > 0 and spans[j] == 0:
                j -= 1
            spans[j] += 1
    return tuple(spans)


def _join_pieces(pieces: list[_Piece], settings: PdfSettings) -> list[tuple[RawTable, float]]:
    tables: list[tuple[list[RawRow], float]] = []
    previous: _Piece | None = None
    for piece in pieces:
        continues = (
            previous is not None
            and piece.page == previous.page + 1
            and piece.n_cols == previous.n_cols
            and piece.top_share <= settings.continuation_top
            and piece is _first_on_page(pieces, piece.page)
        )
        if continues:
            first, *rest = piece.rows
            tables[-1][0].extend([replace(first, break_before=True), *rest])
        else:
            tables.append((list(piece.rows), piece.top))
        previous = piece
    return [(RawTable(index=i, rows=tuple(rows)), top) for i, (rows, top) in enumerate(tables)]


def _first_on_page(pieces: list[_Piece], page: int) -> _Piece | None:
    return next((p for p in pieces if p.page == page), None)
