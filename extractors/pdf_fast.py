"""The fast route through a born-digital PDF page: PDFium reads, pdfplumber decides.

pdfplumber parses every glyph and path of a page into Python objects (pdfminer), which
costs ~0.2 s a page on this machine. PDFium (pypdfium2, already installed with
pdfplumber) parses the page in C. Here PDFium supplies the ruling lines and the text,
and pdfplumber's own table finder — pure geometry, fast — turns the lines into cells,
so both routes find the same tables with the same merged cells.

A page the fast route cannot vouch for returns None and is read by pdfplumber instead:
rotated pages, text drawn twice to fake bold (pdfplumber deduplicates it char by char),
content inside form XObjects (whose coordinates are their own), and curves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import pypdfium2 as pdfium
import pypdfium2.raw as raw
from pdfplumber.table import TableFinder

# A cell's text is what PDFium finds in the cell's box shrunk by this much (points):
# PDFium takes any glyph whose box touches the query, and an accent or a descender can
# reach across a ruling line into the next cell.
CELL_INSET_X = 1.0
CELL_INSET_Y = 2.0
# Runs of text whose tops differ by less than this are one line (pdfplumber's y_tolerance).
LINE_TOLERANCE = 3.0
_LINE_END = re.compile("\r\n|\ufffe")


@dataclass
class FastTable:
    top: float  # from the top of the page, in points
    rows: list[list[str | None]]  # None where a merged cell covers the position


@dataclass
class FastPage:
    tables: list[FastTable]
    lines: list[tuple[float, str]]  # text outside the tables: (top, text), top to bottom
    n_chars: int


class _EdgePage:
    """The two attributes of a pdfplumber page that its table finder reads."""

    def __init__(self, edges: list[dict], bbox: tuple[float, float, float, float]) -> None:
        self.edges = edges
        self.bbox = bbox


def read_page(page: pdfium.PdfPage) -> FastPage | None:
    if page.get_rotation() % 360:
        return None
    left, bottom, right, top = page.get_mediabox()
    objects = list(page.get_objects(max_depth=1))
    if any(o.type == raw.FPDF_PAGEOBJ_FORM for o in objects):
        return None
    edges = _edges(objects, top)
    if edges is None or _fake_bold(objects):
        return None
    textpage = page.get_textpage()
    try:
        finder = TableFinder(_EdgePage(edges, (left, 0.0, right, top - bottom)))
        tables, boxes = [], []
        for table in finder.tables:
            rows = [[_cell_text(textpage, cell, top) for cell in row.cells] for row in table.rows]
            if rows:
                tables.append(FastTable(top=float(table.bbox[1]), rows=rows))
                boxes.append(table.bbox)
        return FastPage(tables=tables, lines=_lines_outside(textpage, boxes, top), n_chars=textpage.count_chars())
    finally:
        textpage.close()


def _cell_text(textpage: pdfium.PdfTextPage, cell: tuple | None, page_top: float) -> str | None:
    if cell is None:
        return None
    x0, cell_top, x1, cell_bottom = cell
    text = textpage.get_text_bounded(
        left=x0 + CELL_INSET_X,
        bottom=page_top - cell_bottom + CELL_INSET_Y,
        right=x1 - CELL_INSET_X,
        top=page_top - cell_top - CELL_INSET_Y,
    )
    # PDFium joins a line that ends in "-" to the next and marks the place with U+0002;
    # pdfplumber keeps the break, and the extractor's _unwrap decides what it means.
    text = text.replace("\r\n", "\n").replace("\x02", "-\n")
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _edges(objects: list, page_top: float) -> list[dict] | None:
    """Horizontal and vertical segments of every painted path, in pdfplumber's terms
    (top-based), as pdfplumber would derive them from lines, rects and curves."""
    edges: list[dict] = []
    x, y = raw.c_float(), raw.c_float()
    fill, stroke = raw.c_int(), raw.c_int()
    for obj in objects:
        if obj.type != raw.FPDF_PAGEOBJ_PATH:
            continue
        raw.FPDFPath_GetDrawMode(obj.raw, fill, stroke)
        if not fill.value and not stroke.value:  # a clipping path, not drawn
            continue
        a, b, c, d, e, f = obj.get_matrix().get()
        points: list[tuple[float, float]] = []
        closed = False
        for i in range(raw.FPDFPath_CountSegments(obj.raw)):
            segment = raw.FPDFPath_GetPathSegment(obj.raw, i)
            kind = raw.FPDFPathSegment_GetType(segment)
            if kind == raw.FPDF_SEGMENT_BEZIERTO:
                return None
            raw.FPDFPathSegment_GetPoint(segment, x, y)
            point = (a * x.value + c * y.value + e, page_top - (b * x.value + d * y.value + f))
            if kind == raw.FPDF_SEGMENT_MOVETO and points:
                edges.extend(_pairs(points, closed))
                points = []
            points.append(point)
            closed = closed or bool(raw.FPDFPathSegment_GetClose(segment))
        edges.extend(_pairs(points, closed))
    return edges


def _pairs(points: list[tuple[float, float]], closed: bool) -> list[dict]:
    if closed and len(points) > 2:
        points = [*points, points[0]]
    out = []
    for (x0, t0), (x1, t1) in pairwise(points):
        if abs(x0 - x1) < 0.01:
            orientation = "v"
        elif abs(t0 - t1) < 0.01:
            orientation = "h"
        else:
            continue
        left, right, top, bottom = min(x0, x1), max(x0, x1), min(t0, t1), max(t0, t1)
        out.append(
            {
                "x0": left,
                "x1": right if orientation == "h" else left,
                "top": top,
                "bottom": bottom if orientation == "v" else top,
                "width": right - left if orientation == "h" else 0.0,
                "height": bottom - top if orientation == "v" else 0.0,
                "orientation": orientation,
                "object_type": "line",
            }
        )
    return out


def _fake_bold(objects: list) -> bool:
    """Two text objects at (almost) the same place: a word printed twice to look bold."""
    seen: set[tuple[int, int, int, int]] = set()
    for obj in objects:
        if obj.type != raw.FPDF_PAGEOBJ_TEXT:
            continue
        key = tuple(round(v) for v in obj.get_bounds())
        if key in seen:
            return True
        seen.add(key)  # type: ignore[arg-type]
    return False


def _lines_outside(textpage: pdfium.PdfTextPage, boxes: list[tuple], page_top: float) -> list[tuple[float, str]]:
    """The page's text lines that lie outside every table, merged and ordered the way
    pdfplumber's extract_text_lines does: runs at one height are one line, left to right."""
    text = textpage.get_text_range()
    n_chars = textpage.count_chars()
    runs: list[tuple[float, float, str]] = []
    start = 0
    # A line ends at a generated CR LF, or at U+FFFE: PDFium's mark for a line that ends
    # in a hyphen, which pdfplumber prints as "-" and a line break. Text indices are char
    # indices, so each line's first char gives its position.
    for sep in [*_LINE_END.finditer(text), None]:
        end = sep.start() if sep else len(text)
        piece = text[start:end] + ("-" if sep and sep.group() == "\ufffe" else "")
        first = start + (len(piece) - len(piece.lstrip()))
        if piece.strip() and first < n_chars:
            x0, _, x1, y1 = textpage.get_charbox(first)
            top = page_top - y1
            mid_x = (x0 + x1) / 2
            inside = any(b[0] <= mid_x <= b[2] and b[1] <= top + 1 <= b[3] for b in boxes)
            if not inside:
                runs.append((top, x0, piece.strip()))
        start = sep.end() if sep else len(text)
    runs.sort()
    lines: list[tuple[float, list[tuple[float, str]]]] = []
    for top, x0, piece in runs:
        if lines and top - lines[-1][0] < LINE_TOLERANCE:
            lines[-1][1].append((x0, piece))
        else:
            lines.append((top, [(x0, piece)]))
    return [(top, " ".join(p for _, p in sorted(parts))) for top, parts in lines]
