"""Score tables of PAR-Index / SIPAS analysis reports -> scores.parquet rows (long format).

One reader for all of them, driven by schema/scores.yaml: a table is recognised by the
words of its header; each column's header path (the header cells above it, merged cells
carried across) says what it measures and for which year; a row gives a criterion code
and label, or only a year ("Năm 2023"), or nothing (the ratio and rank lines printed
under a year's points in 004's component table). A row whose values and label were cut
apart by a page break (Phụ lục 1, criterion 7.3.7) is joined back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.base import RawTable
from normalize.numbers import Expect, Kind, parse_value
from normalize.text import clean_cell, loose_key
from schema.load import ScoreConfig

_CODE = re.compile(r"^(\(\d+\)|\d+(\.\d+)*\.?|[IVX]+\.?|[A-Z]\.)$")
_NUMERIC = re.compile(r"^[+-]?\s*\d[\d.,]*\s*%?$|^\d+\s*/\s*\d+")


def header_paths(table: RawTable, n_header: int) -> list[str]:
    """Each column's header cells joined with " / ", top to bottom; a merged cell (printed
    once, empty cells after it) is carried to the columns it covers, except in the lowest
    header row, whose empty cells are empty."""
    width = max(len(r.cells) for r in table.rows)
    grid: list[list[str]] = []
    for depth, row in enumerate(table.rows[:n_header]):
        cells = [clean_cell(c) for c in row.cells] + [""] * (width - len(row.cells))
        if depth < n_header - 1:
            parent = grid[-1] if grid else None
            for i in range(1, width):
                # carried right only within the span of the cell above it (spans nest)
                same_parent = parent is None or parent[i] == parent[i - 1]
                covered = row.spans[i] == 0 if row.spans else True
                if not cells[i] and covered and same_parent and cells[i - 1]:
                    cells[i] = cells[i - 1]
        grid.append(cells)
    paths = []
    for col in range(width):
        parts: list[str] = []
        for cells in grid:
            if cells[col] and cells[col] not in parts:
                parts.append(cells[col])
        paths.append(" / ".join(parts))
    return paths


def count_header_rows(table: RawTable, max_rows: int = 4) -> int:
    """Leading rows up to the first that starts with a code or a year, or holds a number."""
    for n, row in enumerate(table.rows[:max_rows]):
        cells = [clean_cell(c) for c in row.cells]
        first = cells[0] if cells else ""
        if n and (
            _CODE.match(first)
            or re.match(r"^năm \d{4}$", first.lower())
            or any(_NUMERIC.match(c) for c in cells[1:] if c)
        ):
            return n
    return min(max_rows, len(table.rows))


def classify(table: RawTable, config: ScoreConfig) -> tuple[str, int] | None:
    n_header = count_header_rows(table)
    words = loose_key(" ".join(c for r in table.rows[:n_header] for c in r.cells))
    for kind in config.tables:
        if all(w in words for w in kind.header):
            return kind.name, n_header
    return None


@dataclass(frozen=True)
class _Column:
    index: int
    path: str
    measure: str | None
    year: int | None
    agency: bool


def _columns(paths: list[str], config: ScoreConfig) -> list[_Column]:
    out = []
    for i, path in enumerate(paths):
        key = loose_key(path)
        measure = next((m for m, words in config.measures.items() if any(w in key for w in words)), None)
        if measure == "change" and any(w in key for w in config.measures["rank"]):
            measure = "rank_change"  # "Tăng/giảm / Xếp hạng": places gained or lost
        # "so với năm 2022" names the base of a comparison, not the year a figure is for
        year = None if "sovoi" in key else re.search(r"nam(\d{4})", key)
        out.append(
            _Column(
                i, path, measure, int(year.group(1)) if year else None, any(w in key for w in config.agency_columns)
            )
        )
    return out


def read_scores(
    table: RawTable, kind: str, n_header: int, config: ScoreConfig, report_year: int | None, base: dict
) -> list[dict]:
    columns = _columns(header_paths(table, n_header), config)
    # the header repeated on every page is not a row
    header_keys = {tuple(loose_key(c) for c in r.cells) for r in table.rows[:n_header]}
    body = [r for r in table.rows[n_header:] if tuple(loose_key(c) for c in r.cells) not in header_keys]
    rows = [[clean_cell(c) for c in r.cells] for r in body]
    pages = [r.page for r in body]
    rows, pages = _join_split_rows(rows, pages, columns)
    year_re = re.compile(config.year_label)
    out: list[dict] = []
    label = code = None
    row_year = None
    heading = False  # the previous row named a criterion and printed no value
    for row_no, (cells, page) in enumerate(zip(rows, pages, strict=True), start=1):
        cells = cells + [""] * (len(columns) - len(cells))
        first = cells[0]
        new_code = first if _CODE.match(first) else None
        agency = next((c for c, col in zip(cells, columns, strict=False) if col.agency and c), None)
        texts = [
            c
            for c, col in zip(cells, columns, strict=False)
            if c and not col.agency and not _is_value(c) and not (new_code and col.index == 0)
        ]
        row_label = " ".join(texts) if texts else None
        year_match = year_re.match(loose_key(row_label or ""))
        is_change = bool(row_label) and any(w in loose_key(row_label) for w in config.change_label)
        if year_match:
            row_year, label, code = int(year_match.group(1)), None, None
        elif is_change:
            row_year = None
        elif row_label or new_code:
            # a total printed under its heading ("3.2.1 Xây dựng …" then "Tác động …: 4,0 3,4497")
            # belongs to the heading's code
            code = new_code or (code if heading else None)
            label, row_year = row_label, None
        heading = bool(row_label or new_code) and not any(_is_value(c) for c in cells[1:] if c)
        maxima = [
            v
            for v in (_value(cells[c.index], "max").num for c in columns if c.measure == "max" and c.index < len(cells))
            if v is not None
        ]
        for col in columns:
            raw = cells[col.index] if col.index < len(cells) else ""
            if not raw or not _is_value(raw) or col.agency or (new_code and col.index == 0):
                continue
            measure = "change" if is_change else (col.measure or "achieved")
            value = _value(raw, measure, upper=max(maxima) if maxima and measure == "achieved" else None)
            if value.kind is Kind.FRACTION:  # "61/63": a rank among 63
                measure = "rank"
            elif value.kind is Kind.PERCENT and measure == "achieved":
                measure = "ratio"
            out.append(
                {
                    **base,
                    "table": kind,
                    "criterion_code": code,
                    # a row that only names a year measures the column's criterion
                    "criterion_label": label or _criterion_of(col.path, config) or "",
                    "agency": agency,
                    "year": col.year or row_year or (None if measure in ("change", "rank_change") else report_year),
                    "measure": measure,
                    "value": value.num,
                    "value_raw": raw,
                    "page": page,
                    "row_no": row_no,
                }
            )
    return out


def _is_value(text: str) -> bool:
    """A number, a percentage, a rank "61/63", or the dash printed for no value."""
    return bool(_NUMERIC.match(text)) or text.strip() in ("-", "–")


def _value(raw: str, measure: str, upper: float | None = None):
    expect = Expect.PERCENT if measure in ("ratio",) else Expect.DECIMAL
    # "- 0,5503": in a score table a sign set apart from its number is still its sign
    return parse_value(re.sub(r"^([+-])\s+(?=\d)", r"\1", raw.strip()), expect, upper=upper)


def _criterion_of(path: str, config: ScoreConfig) -> str:
    """The deepest part of a column's header path that names a criterion rather than a
    measure or a year: "Điểm tổng hợp / Điểm tối đa quy định" -> "Điểm tổng hợp"."""
    parts = [p for p in path.split(" / ") if not re.search(r"nam\d{4}", loose_key(p))]
    named = [p for p in parts if not any(w in loose_key(p) for words in config.measures.values() for w in words)]
    return (named or parts or [""])[-1]


def _join_split_rows(
    rows: list[list[str]], pages: list[int | None], columns: list[_Column]
) -> tuple[list[list[str]], list[int | None]]:
    """Phụ lục 1, 7.3.7: the code and the numbers on one page, the label and the agency on
    the next. A row with a code and numbers but no label, followed by a row with a label
    and no code nor numbers, is one row."""
    out, out_pages = [], []
    skip = False
    for i, cells in enumerate(rows):
        if skip:
            skip = False
            continue
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        has_label = any(
            c and not _NUMERIC.match(c) and not columns[j].agency
            for j, c in enumerate(cells[1:], start=1)
            if j < len(columns)
        )
        if (
            nxt
            and _CODE.match(cells[0] or "")
            and not has_label
            and not nxt[0]
            and not any(_NUMERIC.match(c) for c in nxt if c)
        ):
            merged = [c or (nxt[j] if j < len(nxt) else "") for j, c in enumerate(cells)]
            out.append(merged)
            out_pages.append(pages[i])
            skip = True
        else:
            out.append(cells)
            out_pages.append(pages[i])
    return out, out_pages
