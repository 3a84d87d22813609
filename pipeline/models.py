"""What the road builds between extraction and Parquet: table rows, findings, reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

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


class Fact(NamedTuple):
    """A row of facts.parquet, its fields in the file's column order (pipeline/write.py's
    FACTS; a test holds them equal). A tuple, not a dict: a report makes ~180, built in
    half the time of a 27-key dict, and a worker turns them into Arrow columns by one
    transposition in C (`zip(*facts)`) instead of 27 passes of lookups — together 5 % of a
    text report's work. Read by name, `fact.value_num`, or `fact["value_num"]` as a row
    of the Parquet file reads."""

    report_id: str | None
    source_file: str
    row_no: int
    page: int | None
    section: str | None
    stt: str | None
    is_header: bool
    label_raw: str
    unit_raw: str | None
    value_raw: str | None
    note_raw: str | None
    indicator_id: str | None
    match_score: float
    match_method: str
    value_kind: str
    value_num: float | None
    value_den: float | None
    value_text: str | None
    unit: str | None
    table_no: int
    line_no: int | None
    level: int
    parent_row_no: int | None
    value_rule: str
    note_num: float | None
    note_den: float | None
    repairs: str | None

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        return getattr(self, key) if isinstance(key, str) else tuple.__getitem__(self, key)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str  # error | warning | info
    message: str
    row_no: int | None = None
    indicator_id: str | None = None
