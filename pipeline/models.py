"""What the road builds between extraction and Parquet: table rows, findings, reports."""

from __future__ import annotations

from dataclasses import dataclass

# Slotted dataclasses, not pydantic: built by our own code only, a few hundred a report
# (see extractors/base.py).


@dataclass(slots=True)
class TableRow:
    """One row of a statistics table after page-break repair, cells cleaned as printed."""

    row_no: int  # 1-based within the report
    table_no: int
    line_no: int | None  # provenance: first source line (TXT) or row index (DOCX/XLSX)
    page: int | None
    stt: str | None
    label: str
    unit: str | None
    value: str | None
    note: str | None
    level: int  # 1 section, 2 group, 3 item, 4 sub-item
    is_header: bool
    section: str | None  # top-level section as printed: "I".."VII" or "1".."7"
    parent_row_no: int | None  # the group header this row sits under
    repairs: tuple[str, ...] = ()  # what assembly joined into this row, for `cchc show`


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str  # error | warning | info
    message: str
    row_no: int | None = None
    indicator_id: str | None = None
