"""What every extractor hands on: raw tables and text blocks with provenance.

Extractors know nothing of the indicator schema or of which table is the statistics
table; they report what the file holds, cell by cell, and where.

Plain slotted dataclasses, not pydantic models: our own parsing builds them (nothing here
comes from a file unchecked), a report makes hundreds of rows, and validating each row
cost more than reading it. Rows and blocks are not frozen for the same reason (a frozen
dataclass sets each field through object.__setattr__); nothing changes them after
extraction.
"""

from __future__ import annotations

from dataclasses import dataclass


class ExtractionError(Exception):
    """The file cannot be read as a report. The message is shown to the analyst as is:
    one line that says what is wrong and what to do."""


@dataclass(slots=True)
class RawRow:
    cells: tuple[str, ...]  # as extracted: not cleaned, not aligned to column roles
    # Grid columns each cell covers: 1 for a plain cell, k for the first column of a cell
    # merged across k columns, 0 for the columns it covers (read once, left empty). Empty
    # tuple: all 1 (text files know no merges).
    spans: tuple[int, ...] = ()
    line_no: int | None = None  # 1-based line in a text file; row index in DOCX/XLSX
    page: int | None = None
    break_before: bool = False  # a page break (text: a run of blank lines) precedes the row


@dataclass(frozen=True, slots=True)
class RawTable:
    index: int  # 0-based order of the table in the document
    rows: tuple[RawRow, ...]


@dataclass(slots=True)
class TextBlock:
    """A paragraph or line outside the tables: title block, narrative, signature."""

    text: str
    line_no: int | None = None
    page: int | None = None
    before_table: int | None = None  # index of the next table, None after the last one


@dataclass(frozen=True, slots=True)
class Document:
    format: str
    tables: tuple[RawTable, ...]
    blocks: tuple[TextBlock, ...]
    n_pages: int | None = None
    encoding: str | None = None  # text files: how the bytes were decoded
