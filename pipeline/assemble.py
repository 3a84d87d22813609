"""Raw rows -> statistics-table rows: column roles, page-break repair, hierarchy.

The steps, in order, each forced by the seed reports:
1. Column roles from the header rows (STT | Chỉ tiêu | Đơn vị tính | Số liệu | Ghi chú),
   whichever words and order the template uses.
2. Header rows repeated at page breaks dropped (001–003 repeat both header rows), and the
   row of column numbers many forms print under the header ("(1) (2) (3) (4) (5)").
3. Rows short of cells aligned: the last rows of 000 lack the leading STT cell.
4. Continuations joined into the row they belong to: a note or unit cut by a page break
   (000 l.49, 003 l.148, 001 "Có = 1" / "Không = 0"), and a label cut mid-phrase
   (002 "…các đơn vị sự" + "ngành công lập tự chủ hoàn toàn"; 003 "…bị kỷ" + "luật.").
5. Levels, header rows, sections and parents from the STT numbering.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

from extractors.base import Document, RawRow, RawTable
from normalize.memo import Memo
from normalize.text import clean_cell, loose_key
from pipeline.models import TableRow
from schema.load import Layout

ROLES = ("stt", "label", "unit", "value", "note")
# A column headed with words that name no role ("Lũy kế", "Kế hoạch" beside "Số liệu"):
# a column the form does not have. Its cells go to the note in brackets, never to the value.
EXTRA = "extra"
# Two value columns ("Kết quả quý" | "Kết quả lũy kế") are kept side by side, never run
# together: "5" and "120" joined by a space would read as the number 5 120.
VALUE_COLUMNS_JOINT = " | "


@dataclass(frozen=True)
class TableShape:
    roles: tuple[str | None, ...]  # one per column
    header_rows: int
    header_keys: tuple[tuple[str, ...], ...]  # loose keys of the header rows, to spot repeats
    # The role a header cell names (Layout.role_of): a header repeated at a page break and
    # typed again, with another typo or wording, is still a header (see _names_columns_only).
    role_of: Callable[[str], str | None] | None = field(default=None, compare=False, repr=False)

    @property
    def header_start(self) -> int:
        """The first header row's index: rows above it are a title inside the table."""
        return self.header_rows - len(self.header_keys)


def find_shape(
    table: RawTable, layout: Layout, max_header_rows: int = 3, required: Sequence[str] | None = None
) -> TableShape | None:
    """The statistics table's column roles, or None when this is not a statistics table
    (its header names fewer roles than `required`, by default the layout's)."""
    rows = table.rows
    required = layout.required if required is None else required
    for start in range(min(max_header_rows, len(rows))):
        first = [layout.role_of(c) for c in rows[start].cells]
        if "label" not in first or ("stt" not in first and "value" not in first):
            continue
        # A header cell's words wrapped onto a row of their own ("Chỉ tiêu thống kê (Sử dụng
        # trong kỳ" + "báo cáo hàng quý, 6 tháng, năm)") sit between the first header row
        # and the row of role words below it: part of the header, naming no column.
        wrapped = int(
            start + 2 < len(rows) and _wraps_header(rows[start + 1], layout) and _is_role_row(rows[start + 2], layout)
        )
        n = max(len(r.cells) for r in rows[start : start + 2 + wrapped])
        roles: list[str | None] = [*first, *([None] * (n - len(first)))]
        used = 1
        below_at = start + 1 + wrapped
        unnamed: set[int] = set()  # columns a lower header row heads with words of no role
        if below_at < len(rows) and _is_role_row(rows[below_at], layout):
            used = 2 + wrapped
            for i, cell in enumerate(rows[below_at].cells):
                r = layout.role_of(cell)
                if r is not None and i < n:
                    roles[i] = r
                elif r is None and clean_cell(cell):
                    unnamed.add(i)
        # A merged header cell gives its role to the columns it covers (Word's gridSpan),
        # unless a lower header row names them, or heads them with words of no role.
        for header in rows[start : start + used]:
            for i, span in enumerate(header.spans[:n]):
                if span == 0 and roles[i] is None and i > 0 and i not in unnamed:
                    roles[i] = roles[i - 1]
        # "Kết quả thống kê" spans unit and value: a column left without a role after a
        # unit column is that span's second half.
        for i in range(1, n):
            if roles[i] is None and roles[i - 1] == "unit" and i not in unnamed:
                roles[i] = "value"
        # Likewise "Chỉ tiêu thống kê" merged over two columns, in a text export that keeps
        # no merges: a column with no header words at all right after the label column is
        # the label's second half (sub-items indented by a column of their own).
        for i in range(1, n):
            if roles[i] is None and roles[i - 1] == "label" and i not in unnamed and not _header_text(rows, start, i):
                roles[i] = "label"
        roles = [EXTRA if r is None and i in unnamed else r for i, r in enumerate(roles)]
        if not all(req in roles for req in required):
            continue
        keys = tuple(tuple(map(loose_key, r.cells)) for r in rows[start : start + used])
        return TableShape(tuple(roles), start + used, keys, layout.role_of)
    return None


def _header_text(rows: tuple[RawRow, ...], start: int, col: int) -> bool:
    """Whether the first header row has words in column `col`."""
    cells = rows[start].cells
    return col < len(cells) and bool(clean_cell(cells[col]))


def _is_role_row(row: RawRow, layout: Layout) -> bool:
    """A second header row: role words ("Đơn vị tính", "Số liệu"), and beside two of them
    perhaps a few words naming no role ("Lũy kế", "Kế hoạch": a column the form does not
    have, which then has no role and is never read as the value). Never a number: a row
    of data names a role now and then ('Số lượng' as its unit) but holds its value."""
    cells = [c for c in map(clean_cell, row.cells) if c]
    roles = [layout.role_of(c) for c in cells]
    named = {r for r in roles if r is not None}
    unnamed = [c for c, r in zip(cells, roles, strict=True) if r is None]
    if not unnamed:
        return bool(named)
    return len(named) >= 2 and len(unnamed) < len(named) and not any(_NUMBERISH.fullmatch(c) for c in unnamed)


_NUMBERISH = re.compile(r"[\d\s.,/%()+-]+")


def _wraps_header(row: RawRow, layout: Layout) -> bool:
    """Text naming no column, or nothing: what a header cell wrapped onto a row of its own
    leaves (in Word, the row under cells merged down can be empty). Only taken as such
    above a row of role words, which no row of data ever stands above."""
    return not any(layout.role_of(t) for t in map(clean_cell, row.cells) if t)


@dataclass(frozen=True)
class StatsTable:
    """A statistics table, with the header-less tables that continue it joined on."""

    table: RawTable  # the first part's index; its rows then the others'
    shape: TableShape
    parts: tuple[RawTable, ...]
    between: tuple[tuple[str, ...], ...] = ()  # the lines that stood before each part after the first
    # Told by its rows, not by its header alone: the indices of parts joined across text
    # that is not page furniture, and whether the header lacked a role `required` asks for.
    joined_by_rows: tuple[int, ...] = ()
    header_short: bool = False
    # Tables right after it, of its width and with no header, left unjoined: text stood
    # between and their rows did not tell (too few, or not the form's).
    declined: tuple[int, ...] = ()


def statistics_tables(
    doc: Document, layout: Layout, names_indicators: Callable[[RawTable], bool] | None = None
) -> tuple[list[StatsTable], list[RawTable]]:
    """The document's statistics tables and its other tables.

    A Word table split in two, or a text export with a page footer inside the table, gives
    a second table without a header; left alone, its rows would be kept only cell by cell
    (tables.parquet), with nothing in facts to say half the report is missing. Where the
    header or the page furniture do not settle it, `names_indicators` (lent by the
    pipeline: assembly knows no schema) asks the rows whether they are the form's.
    """
    stats: list[StatsTable] = []
    other: list[RawTable] = []
    for table in doc.tables:
        shape = find_shape(table, layout)
        if shape is not None:
            stats.append(StatsTable(table, shape, (table,)))
            continue
        last = stats[-1] if stats else None
        follows = last is not None and last.parts[-1].index == table.index - 1 and _fits(table, last)
        between = [b.text for b in doc.blocks if b.before_table == table.index] if follows else []
        by_rows = not _only_furniture(between, layout)
        if names_indicators is not None and (not follows or by_rows):
            short = _short_shape(table, layout)
            if short is not None and names_indicators(table):
                stats.append(StatsTable(table, short, (table,), header_short=True))
                continue
        if last is not None and follows and (not by_rows or (names_indicators is not None and names_indicators(table))):
            first, *rest = table.rows
            rows = (*last.table.rows, replace(first, break_before=True), *rest)
            joined = RawTable(index=last.table.index, rows=rows)
            stats[-1] = replace(
                last,
                table=joined,
                parts=(*last.parts, table),
                between=(*last.between, tuple(between)),
                joined_by_rows=(*last.joined_by_rows, table.index) if by_rows else last.joined_by_rows,
            )
            continue
        if last is not None and follows:
            stats[-1] = replace(last, declined=(*last.declined, table.index))
        other.append(table)
    return stats, other


def _short_shape(table: RawTable, layout: Layout) -> TableShape | None:
    """The shape of a header naming fewer roles than the layout requires, every one of
    its first row's cells a role word: a row of data naming a role here and there ('Số
    lượng' as a unit, 'danh mục' in a label) is never taken for a header. Every column
    must have a role and one only the value's: a header that names one column over two
    ('Kết quả thống kê' over the units and the numbers, its second row lost or upside
    down) would read the units as the values."""
    if not layout.required_when_rows_name_indicators:
        return None
    shape = find_shape(table, layout, required=layout.required_when_rows_name_indicators)
    if shape is None or None in shape.roles or shape.roles.count("value") != 1:
        return None
    first = table.rows[shape.header_start]
    return shape if all(layout.role_of(c) for c in map(clean_cell, first.cells) if c) else None


def _fits(table: RawTable, last: StatsTable) -> bool:
    """As many columns as the statistics table, or one fewer (a missing STT column)."""
    n = len(last.shape.roles)
    return n - 1 <= max((len(r.cells) for r in table.rows), default=0) <= n


def _only_furniture(between: list[str], layout: Layout) -> bool:
    rule = layout.continuation
    return len(between) <= rule.max_lines_between and all(map(rule.is_page_mark, between))


_ROMAN = re.compile(r"^(?=[IVXL])(XL|L?X{0,3})(IX|IV|V?I{0,3})\.?$")
_ROMAN_FIRST = "IVXL"
_DOTTED = re.compile(r"^\d+(\.\d+)*\.?$")
_SUBITEM_STT = {"trongdo", "trongdocó", "gom"}


def _looks_like_stt(cell: str) -> bool:
    c = clean_cell(cell)
    return bool(_ROMAN.match(c) or _DOTTED.match(c) or loose_key(c) in _SUBITEM_STT or c in {"-", "+", "*"})


class RoleCells(NamedTuple):
    """A row's cells by role, cleaned as printed; "" where the table has no such column."""

    stt: str
    label: str
    unit: str
    value: str
    note: str


@dataclass(slots=True)
class _Draft:
    raw: RawRow
    cells: RoleCells
    repairs: tuple[str, ...] = ()


# Rows read, by the table's column roles: a raw row -> (its first key, its cells by role,
# what reading them repaired). A batch's rows repeat (96 % of a text corpus's rows are a
# row read before: the same label, unit and value, "0", "Có" or blank), and reading one
# (alignment, five cleaned cells) was a third of assembly.
ROWS_KEPT = 32_768  # rows a table layout, ~10 MB
_ROWS_READ: dict[tuple[str | None, ...], Memo[tuple[str, ...], tuple[str, RoleCells, tuple[str, ...]]]] = {}


def _read_row(cells: tuple[str, ...], roles: tuple[str | None, ...]) -> tuple[str, RoleCells, tuple[str, ...]]:
    aligned = _align(cells, len(roles))
    missing = _missing_roles(roles)
    if missing is None:
        by_role, repairs = _by_role(aligned, roles)
    else:  # every column named once: the common case, a cell per role
        by_role = dict(zip(roles, map(clean_cell, aligned), strict=True))
        for role in missing:
            by_role[role] = ""
        repairs = []
    read = RoleCells(**by_role)
    if read.label[:1] in _NUMBER_STARTS:
        read, repairs = _numbered_label(read, repairs)
    return _first_key(cells), read, tuple(repairs)


# A label opening with its row's number ("6. Số liệu về xử lý kỷ luật", "II. Cải cách thể
# chế", "1.1.1 Số TTHC…", "a) Số…"): forms typed by hand put it there, the STT cell empty
# or holding it again. Read there, the row lost its section ("Số vấn đề phát hiện" of IV
# read as I's) and, starting with a digit, was joined to the row above as a fragment.
_NUMBER_STARTS = frozenset("0123456789IVXabcdđeghi")
_NUMBERED_LABEL = re.compile(r"((?:[IVX]{1,4}|\d{1,2})\.|\d{1,2}(?:\.\d{1,2}){1,3}\.?|\d{1,2}\)|[a-iđ]\))\s+")


def _numbered_label(cells: RoleCells, repairs: list[str]) -> tuple[RoleCells, list[str]]:
    """The number moved from the label to the STT when the STT cell is empty or holds the
    same number; the label must go on with a capital ('3 và 4 có phát sinh' is a fragment)."""
    m = _NUMBERED_LABEL.match(cells.label)
    if m is None or not cells.label[m.end() : m.end() + 1].isupper():
        return cells, repairs
    number = m.group(1)
    if cells.stt and cells.stt.rstrip(".") != number.rstrip(".)"):
        return cells, repairs
    repair = f"STT '{number}' read from the label" if not cells.stt else f"STT '{number}' repeated in the label dropped"
    return cells._replace(stt=cells.stt or number, label=cells.label[m.end() :]), [*repairs, repair]


def _align(row_cells: tuple[str, ...], n: int) -> tuple[str, ...] | list[str]:
    """Cells padded to the table's width. A short row lost its leading cells (a DOCX
    gridBefore, 000's last rows) unless its first cell is an STT, then it lost trailing ones."""
    if len(row_cells) == n:
        return row_cells  # most rows
    cells = list(row_cells)
    while len(cells) > n and not cells[-1].strip():
        cells.pop()
    if len(cells) > n:  # more cells than columns: keep the surplus in the last column
        surplus = [c for c in cells[n - 1 :] if c.strip()]
        numbers = sum(any(ch.isdigit() for ch in c) for c in surplus)
        # a unit word may join its number ("33,33" "%"); two numbers must stay two (not "12 500")
        cells = [*cells[: n - 1], (VALUE_COLUMNS_JOINT if numbers > 1 else " ").join(surplus)]
    if len(cells) < n:
        missing = n - len(cells)
        cells = cells + [""] * missing if _looks_like_stt(cells[0]) else [""] * missing + cells
    return cells


def _join(a: str, b: str) -> str:
    return f"{a} {b}".strip() if a else b


_SENTENCE_END = (".", ":", ";", "!", "?")


# Decides whether `label` continues `previous` when the text alone cannot: a fragment that
# starts with a capital ("…đã tích hợp lên" + "Cổng DVC quốc gia"). Asked with or without a
# page break seen between them: a Word table keeps the halves of a row cut in a PDF and
# converted back as two rows, with no trace of the break (the judge's own test, that the
# joined label is an indicator's and the first half is not, is what makes it safe).
# The pipeline passes one built on the indicator schema; assembly itself knows no schema.
JoinJudge = Callable[[str, str, bool], bool]  # (label above, fragment, across a page break)


def _continuation(c: RoleCells, prev: _Draft | None, after_break: bool, judge: JoinJudge | None) -> str | None:
    """Which repair applies when the row `c` is a fragment of `prev`, or None when it is a row."""
    if prev is None:
        return None
    if c.stt or c.value:
        return None
    if not c.label and (c.note or c.unit):
        return "continuation_cells"  # only a note and/or unit: never a row of its own
    label = c.label
    # A label fragment starts in lower case or with a digit (002 PDF: "…mức độ" + "3 và 4 có
    # phát sinh hồ sơ)"); every label of the templates starts with a capital, a dash or a
    # bracket. It may carry the rest of other cells cut by the same break (a code table).
    starts_mid_sentence = label[:1].islower() or label[:1].isdigit()
    if starts_mid_sentence and not prev.cells.label.endswith(_SENTENCE_END):
        return "continuation_label"
    # A bracketed remark alone right after a page break ("Số đơn vị sự nghiệp trực thuộc sở
    # ngành" + "(nếu có)") ends the label above: no label of the forms is a remark alone.
    if after_break and label.startswith("(") and label.endswith(")"):
        return "continuation_label"
    # across a break a typo may be forgiven, unless the row above has a value to carry along
    if label and judge is not None and judge(prev.cells.label, label, after_break and not prev.cells.value):
        return "continuation_label_schema"
    return None


def _value_continuation(c: RoleCells, prev: _Draft | None, after_break: bool, judge: JoinJudge | None) -> str | None:
    """Whether the row `c`, carrying a value, is the rest of `prev`: a row cut in two with
    its value on the second part (a cell centred vertically), so `prev` has none. Alone, the
    value sat on a row without a label, and the next row's label was joined onto it; with
    the label's second half, it was matched as a row of its own: values on other
    indicators. A value alone is the rest only right after a page break: in a table
    converted from a PDF (a row a line) it may be the next row's, centred."""
    if prev is None or prev.cells.value or not prev.cells.label:
        return None
    if not c.label:
        return "continuation_value" if after_break else None
    # lower case only: a label starting with a digit and carrying a value may be a row whose
    # number was mistyped into its label ("7.. Dịch vụ công trực tuyến")
    if c.label[:1].islower() and not prev.cells.label.endswith(_SENTENCE_END):
        return "continuation_value"
    # The unit on the row above and the value on this one, no unit here: one row's cells
    # cut in two, break or not; a typo in the label is forgiven as across a break.
    cut_cells = bool(prev.cells.unit) and not c.unit
    if judge is not None and judge(prev.cells.label, c.label, after_break or cut_cells):
        return "continuation_value_schema"
    return None


def assemble_table(
    table: RawTable, shape: TableShape, first_row_no: int, judge: JoinJudge | None = None
) -> list[TableRow]:
    roles = shape.roles
    rows_read = _ROWS_READ.get(roles)
    if rows_read is None:
        rows_read = _ROWS_READ.setdefault(roles, Memo(ROWS_KEPT))
    drafts: list[_Draft] = []
    after_break = False  # a page break, or a header repeated by one, came since the last row
    header_words = {k for row in shape.header_keys for k in row if k}
    # The first filled cell of a header row, repeated or not, is a header word; of a column
    # numbering row, "1" or "a". Most rows are ruled out by that one cell.
    furniture_starts = header_words | {"1", "a"}
    for raw in table.rows[shape.header_rows :]:
        after_break = after_break or raw.break_before
        read = rows_read.get(raw.cells)
        if read is None:
            read = rows_read.keep(raw.cells, _read_row(raw.cells, roles))
        first_key, cells, repairs = read
        if first_key in furniture_starts:
            keys = tuple(map(loose_key, raw.cells))
            if (
                _is_header_repeat(keys, header_words)
                or keys in shape.header_keys
                or _is_column_numbering(keys)
                or _names_columns_only(raw.cells, shape.role_of)
            ):
                after_break = True  # the column header (or its numbering row) repeated at a page break
                continue
        if not any(cells):
            continue  # an empty row carries nothing
        prev = drafts[-1] if drafts else None
        # a row with an STT is a row of its own, and one with a value too but for the rest
        # of a row cut in two (most rows: no call)
        if cells.stt or (cells.value and ((not after_break and not cells.label) or prev is None or prev.cells.value)):
            repair = None
        elif cells.value:
            repair = _value_continuation(cells, prev, after_break, judge)
        else:
            repair = _continuation(cells, prev, after_break, judge)
        after_break = False
        if repair is not None and prev is not None:
            where = f"line {raw.line_no}" if raw.line_no else f"row {len(drafts) + 1}"
            _absorb(prev, cells, (f"{repair} from {where}",))
            if judge is not None and len(drafts) > 1 and not prev.cells.stt:
                _fold_into_above(drafts, judge)
            continue
        drafts.append(_Draft(raw, cells, repairs))
    return _structure(drafts, table.index, first_row_no)


def _fold_into_above(drafts: list[_Draft], judge: JoinJudge) -> None:
    """A label cut twice ("…đã đăng tại" + "Chuyên mục CCHC trên Trang Thông tin điện tử" +
    "của đơn vị"): its middle, a capital fragment, completes nothing alone, so the judge
    left it a row; with its rest joined it may complete the row above. Asked only when a
    fragment has just joined a row without STT, and never of two values."""
    above, middle = drafts[-2], drafts[-1]
    if (above.cells.value and middle.cells.value) or not judge(above.cells.label, middle.cells.label, False):
        return
    where = f"line {middle.raw.line_no}" if middle.raw.line_no else f"row {len(drafts)}"
    _absorb(above, middle.cells, (f"continuation_label_schema from {where}", *middle.repairs))
    drafts.pop()


def _absorb(draft: _Draft, fragment: RoleCells, repairs: tuple[str, ...]) -> None:
    """The fragment's label, unit and note joined onto the draft's, its value taken when
    the draft has none, and said so."""
    c = draft.cells
    draft.cells = c._replace(
        label=_join(c.label, fragment.label),
        unit=_join(c.unit, fragment.unit),
        note=_join(c.note, fragment.note),
        value=c.value or fragment.value,
    )
    draft.repairs = (*draft.repairs, *repairs)


@lru_cache(maxsize=64)
def _missing_roles(roles: tuple[str | None, ...]) -> tuple[str, ...] | None:
    """The roles a table lacks when each of its columns has a role of its own, else None."""
    if None in roles or EXTRA in roles or len(set(roles)) < len(roles):
        return None
    return tuple(r for r in ROLES if r not in roles)


def _by_role(cells: tuple[str, ...] | list[str], roles: tuple[str | None, ...]) -> tuple[dict[str, str], list[str]]:
    """Cells by role when a role spans columns or a column has none, and what that repaired."""
    by_role = dict.fromkeys(ROLES, "")
    unnamed: list[str] = []
    for col, (role, text) in enumerate(zip(roles, map(clean_cell, cells), strict=True), start=1):
        if not text:
            continue
        if role is None:  # a column the header does not name: kept in the note, never a value
            unnamed.append(f"column {col}: '{text}'")
            role, text = "note", f"[{text}]"
        elif role == EXTRA:  # said once for the table (pipeline/run_file.py)
            role, text = "note", f"[{text}]"
        joint = VALUE_COLUMNS_JOINT if role == "value" else " "  # a label split over two columns is one
        by_role[role] = f"{by_role[role]}{joint}{text}" if by_role[role] else text
    return by_role, [f"unnamed {u}, kept in the note" for u in unnamed]


def _first_key(cells: tuple[str, ...]) -> str:
    for cell in cells:
        key = loose_key(cell)
        if key:
            return key
    return ""


def _is_header_repeat(keys: tuple[str, ...], header_words: set[str]) -> bool:
    """A row whose every filled cell is a header cell (the header repeated at a page
    break, or only some of its rows)."""
    filled = 0
    for k in keys:
        if k:
            if k not in header_words:
                return False  # most rows: at their STT or label
            filled += 1
    return filled >= 2


def _names_columns_only(cells: tuple[str, ...], role_of: Callable[[str], str | None] | None) -> bool:
    """A row whose every filled cell names a column, two at least: the header typed again
    after a page break with other words or typos ("Chỉ têu thống kê") than the first."""
    if role_of is None:
        return False
    filled = [c for c in map(clean_cell, cells) if c]
    return len(filled) >= 2 and all(role_of(c) is not None for c in filled)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _is_column_numbering(keys: tuple[str, ...]) -> bool:
    """The row many forms print under the header to number its columns: "(1) (2) (3) (4)
    (5)", "1 2 3 4 5" or "A B C D E". Structure, not a row of the report."""
    filled = [k for k in keys if k]
    if len(filled) < 3:
        return False
    return filled == [str(i) for i in range(1, len(filled) + 1)] or filled == list(_LETTERS[: len(filled)])


@lru_cache(maxsize=4096)  # a handful of STTs ("1", "1.2", "II", "-") make every table
def _stt_level(stt: str, roman_scheme: bool) -> int | None:
    s = stt.strip()
    if not s:
        return None
    if loose_key(s) in _SUBITEM_STT:
        return 4
    if roman_scheme:
        if _ROMAN.match(s):
            return 1
        if _DOTTED.match(s):
            return 2 if "." not in s.rstrip(".") else 3
        return 3
    if _DOTTED.match(s):
        return min(s.rstrip(".").count(".") + 1, 4)
    return 4


def _structure(drafts: list[_Draft], table_no: int, first_row_no: int) -> list[TableRow]:
    roman_scheme = any(_ROMAN.match(s) for d in drafts if (s := d.cells.stt) and s[0] in _ROMAN_FIRST)
    levels: list[int] = []
    for d in drafts:
        stt, label = d.cells.stt, d.cells.label
        level = _stt_level(stt, roman_scheme)
        if label[:1] in "-+–•" and (level is None or level >= 2):
            level = 4  # "- Số TTHC áp dụng tại UBND cấp xã": a part of the row above
        if level is None:
            prev = levels[-1] if levels else 2
            level = 3 if roman_scheme else max(3, min(prev, 4))
        levels.append(level)

    out: list[TableRow] = []
    section: str | None = None
    stack: list[tuple[int, int]] = []  # (level, row_no) of open header rows
    for i, (d, level) in enumerate(zip(drafts, levels, strict=True)):
        row_no = first_row_no + i
        nxt = levels[i + 1] if i + 1 < len(levels) else 0
        # A header row opens a group: a section, or a row without a unit whose next row
        # is deeper ("4 Thực hiện nhiệm vụ UBND tỉnh giao | | 0" still is one).
        is_header = level == 1 or (not d.cells.unit and nxt > level)
        if level == 1:
            section = d.cells.stt.rstrip(".") or section
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1] if stack else None
        if is_header:
            stack.append((level, row_no))
        c = d.cells
        out.append(  # positional, in TableRow's order: keywords cost 3× (1 µs a row)
            TableRow(
                row_no,
                table_no,
                d.raw.line_no,
                d.raw.page,
                c.stt or None,
                c.label,
                c.unit or None,
                c.value or None,
                c.note or None,
                level,
                is_header,
                section,
                parent,
                d.repairs,
            )
        )
    return out
