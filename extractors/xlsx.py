"""Excel reports (.xlsx): each visible sheet, title rows above the table, the table.

Merged cells are read once (openpyxl keeps the value in the top-left cell only); hidden
rows and columns are skipped. A number stored as a number is written out the way the
report's own convention prints it — digits, no grouping, a decimal comma ("1197",
"99,47") — so that it parses exactly like the text version and never reads as
ambiguous; a cell formatted as a percentage (0,9947 shown as 99,47 %) becomes "99,47%",
and a fixed number of decimals in the format is the number of decimals written (a rate
computed by a formula is stored as 0.33333333333333331 and shown as 33,33 %).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from extractors.base import Document, ExtractionError, RawRow, RawTable, TextBlock
from extractors.ziputil import check_zip


def extract_xlsx(data: bytes) -> Document:
    check_zip(data, "Excel")
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        raise ExtractionError(
            f"damaged Excel file ({type(exc).__name__}): open it in Excel and save it again"
        ) from None
    tables: list[RawTable] = []
    blocks: list[TextBlock] = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        covered = {
            (r, c)
            for rng in ws.merged_cells.ranges
            for r in range(rng.min_row, rng.max_row + 1)
            for c in range(rng.min_col, rng.max_col + 1)
            if (r, c) != (rng.min_row, rng.min_col)
        }
        spans = {(rng.min_row, rng.min_col): rng.max_col - rng.min_col + 1 for rng in ws.merged_cells.ranges}
        cols = [c for c in range(1, (ws.max_column or 0) + 1) if not ws.column_dimensions[get_column_letter(c)].hidden]
        rows: list[RawRow] = []
        for r in range(1, (ws.max_row or 0) + 1):
            if ws.row_dimensions[r].hidden:
                continue
            cells = tuple("" if (r, c) in covered else _cell_text(ws.cell(r, c)) for c in cols)
            if not any(cells):
                continue
            if not rows and sum(bool(c) for c in cells) < 2:
                # above the table: the title block
                blocks.append(TextBlock(text=next(c for c in cells if c), line_no=r, before_table=len(tables)))
                continue
            row_spans = tuple(0 if (r, c) in covered else min(spans.get((r, c), 1), len(cols)) for c in cols)
            rows.append(RawRow(cells=cells, spans=row_spans, line_no=r))
        if rows:
            tables.append(RawTable(index=len(tables), rows=tuple(rows)))
    return Document(format="xlsx", tables=tuple(tables), blocks=tuple(blocks))


def _cell_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int | float):
        number_format = cell.number_format or ""
        # Excel keeps 15 significant digits: 0.1 + 0.2 is 0.3 to it, 0.30000000000000004 to Python
        d = Decimal(value if isinstance(value, int) else format(value, ".15g"))
        percent = _is_percent(number_format)
        d *= 100 if percent else 1
        places = _decimal_places(number_format)
        if places is not None:  # as the sheet shows it: a rate computed by a formula, 7/21 as 33,33 %
            d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return _decimal_comma(d) + ("%" if percent or _shows_percent_sign(number_format) else "")
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


_FIXED = re.compile(r"^[#,]*0+(?:\.(0+))?%?$")
# What a number format prints as is: a quoted text, an escaped character, a [colour] or
# [condition]. A "%" there is a sign, not a percent format: 99.5 under 0.0"%" shows
# "99.5%", where 0.995 under 0.0% shows "99.5%" too.
_LITERAL = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _is_percent(number_format: str) -> bool:
    """The format multiplies by 100: a "%" outside quotes, escapes and brackets."""
    return "%" in _LITERAL.sub("", number_format.split(";")[0])


def _shows_percent_sign(number_format: str) -> bool:
    """A literal "%" the format prints after the number (0.0"%", 0.0\\%)."""
    first = number_format.split(";")[0]
    return "%" in first and not _is_percent(first)


def _decimal_places(number_format: str) -> int | None:
    """Decimals a fixed number format shows ("0.00%" 2, "#,##0" 0), None for General and
    anything else: those show the stored value, which is written out whole."""
    first = number_format.split(";")[0].strip()
    m = _FIXED.match(first)
    return len(m.group(1) or "") if m else None


def _decimal_comma(d: Decimal) -> str:
    """1197 -> "1197"; 99.47 -> "99,47"; 1e-05 -> "0,00001" (never scientific notation)."""
    text = format(d.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
