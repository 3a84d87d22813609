"""Plain-text reports: Word saved as text, tables as tab-separated lines.

In these exports a table row is one line with its cells separated by tabs (a Markdown
converter writes "| STT | Chỉ tiêu | … |" instead: read the same way), and the end
of a page shows as a run of blank lines inside the table (000: 13 such runs, ~16 rows a
page), sometimes followed by the repeated column header (001–003). Text outside tables
(title block, narrative, signature) comes out as blocks for the metadata stage.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from extractors.base import Document, ExtractionError, RawRow, RawTable, TextBlock
from normalize.memo import Memo


@dataclass(frozen=True)
class TextSettings:
    # A table is "at the start" of the file, so that its page numbers can be counted,
    # when at most this many non-blank lines precede it: the title block of 000/001/003
    # has 4–5 lines; a narrative report (002) has ~80 and its pages cannot be known.
    title_block_max_lines: int = 15
    # Share of printable characters a legacy-code-page decoding must reach to be trusted.
    min_printable_share: float = 0.97


SETTINGS = TextSettings()


def decode(data: bytes, settings: TextSettings = SETTINGS) -> tuple[str, str]:
    """Bytes -> (text, encoding name). UTF-8 (with or without BOM), UTF-16, or Windows-1258."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), "utf-16"
    even_nuls = data[0:2000:2].count(0)
    odd_nuls = data[1:2000:2].count(0)
    sample = min(len(data), 2000) // 2 or 1
    if odd_nuls / sample > 0.3 and even_nuls / sample < 0.05:
        return _strict(data, "utf-16-le"), "utf-16-le"
    if even_nuls / sample > 0.3 and odd_nuls / sample < 0.05:
        return _strict(data, "utf-16-be"), "utf-16-be"
    if b"\x00" in data[:8192]:
        raise ExtractionError("binary content (NUL bytes), not a text report: check the file type")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1258, the Vietnamese code page: it writes tones as combining marks, so the
    # decoded text must be NFC-normalised before anything compares it.
    text = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text) / max(len(text), 1)
    if "\ufffd" not in text and printable >= settings.min_printable_share:
        return text, "cp1258"
    raise ExtractionError("cannot decode the text: not UTF-8, UTF-16 or Windows-1258; save it as UTF-8")


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ExtractionError(
            f"the file claims {encoding} but byte {exc.start} is invalid; save it again as UTF-8"
        ) from None


_BLANK = re.compile(r"^\s*$")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^[\s|:-]*-{3,}[\s|:-]*$")  # "|---|:---:|" under a Markdown header


def _pipe_cells(line: str) -> tuple[str, ...] | None:
    """The cells of a Markdown table line, or None when the line is text."""
    if _PIPE_ROW.match(line):
        return tuple(cell.strip() for cell in line.strip()[1:-1].split("|"))
    return None


# A footnote printed at the foot of a page, inside a table that goes on ("<sup>1</sup> Nhiều
# đơn vị trùng tỷ lệ" in 004): kept as a text block, the table is not cut in two.
_FOOTNOTE = re.compile(r"^\s*<sup>\s*\w{1,3}\s*</sup>")


# A table line's cells, by the line: the rows of a form repeat report after report, and
# one tuple for all of them makes every later lookup of the row (assembly reads each
# distinct row once) compare and hash strings already hashed.
_CELLS: Memo[str, tuple[str, ...]] = Memo(65_536)


def extract_text(data: bytes, settings: TextSettings = SETTINGS) -> Document:
    text, encoding = decode(data, settings)
    lines = text.splitlines()
    tables: list[RawTable] = []
    blocks: list[TextBlock] = []
    rows: list[RawRow] = []
    pending_break = False
    nonblank_before_first_table = 0
    page: int | None = None

    def close_table() -> None:
        nonlocal rows
        if rows:
            tables.append(RawTable(index=len(tables), rows=tuple(rows)))
            rows = []

    for line_no, line in enumerate(lines, start=1):
        if "\t" in line:
            cells: tuple[str, ...] | None = _CELLS.get(line)
            if cells is None:
                cells = _CELLS.keep(line, tuple(line.split("\t")))
        else:
            cells = _pipe_cells(line)
            if cells is not None and _PIPE_RULE.match(line):
                continue  # the rule under a Markdown header: not a row, not a break
        if cells is not None:
            if not rows:
                # A table's pages are known only when it opens the document.
                page = 1 if (not tables and nonblank_before_first_table <= settings.title_block_max_lines) else None
                pending_break = False
            elif pending_break and page is not None:
                page += 1
            rows.append(RawRow(cells, (), line_no, page, pending_break))
            pending_break = False
        elif _BLANK.match(line):
            if rows:
                pending_break = True
        elif rows and _FOOTNOTE.match(line):
            pending_break = True
            blocks.append(TextBlock(text=line, line_no=line_no, page=page, before_table=None))
        else:
            close_table()
            if not tables:
                nonblank_before_first_table += 1
            blocks.append(TextBlock(text=line, line_no=line_no, before_table=None))
    close_table()
    return Document(format="txt", tables=tuple(tables), blocks=tuple(_link_blocks(blocks, tables)), encoding=encoding)


def _link_blocks(blocks: list[TextBlock], tables: list[RawTable]) -> list[TextBlock]:
    """Tell each block which table follows it, so the title block of a table can be found."""
    starts = [t.rows[0].line_no or 0 for t in tables]
    for b in blocks:  # blocks made just now, by extract_text: set in place (replace cost 6 µs a block)
        b.before_table = next((i for i, s in enumerate(starts) if s > (b.line_no or 0)), None)
    return blocks
