"""Table rows -> typed values, with what the row itself says its value should be.

The expectation comes from the most trusted source available: the matched indicator's
value type, then a code table in the unit cell, then the unit's canonical kind. It is
what settles "1.197" (people: 1197) against "1.225" (a score: 1.225).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from normalize.numbers import (
    CodeTable,
    Expect,
    Style,
    Value,
    column_style,
    note_fraction,
    parse_code_table,
    parse_value,
)
from pipeline.models import TableRow
from schema.load import Units


@dataclass(frozen=True)
class TypedValue:
    value: Value
    unit: str | None  # canonical unit id
    expect: Expect
    codes: CodeTable | None
    note_fraction: tuple[float, float] | None
    # facts.parquet's value_kind, value_num, value_den, value_text, unit, value_rule,
    # note_num, note_den: worked out once a distinct row (the result is cached), not once a row
    columns: tuple = field(init=False, compare=False)
    ambiguous: bool = field(init=False, compare=False)  # the value's, read once a row

    def __post_init__(self) -> None:
        v, fraction = self.value, self.note_fraction
        columns = (v.kind.value, v.num, v.den, v.text, self.unit, v.rule, *(fraction or (None, None)))
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "ambiguous", v.ambiguous)


def table_style(rows: list[TableRow]) -> Style:
    """The value column's number convention, from the values only one locale can read."""
    return column_style([r.value for r in rows if r.value])


def type_row(
    row: TableRow,
    units: Units,
    style: Style,
    indicator_type: str | None = None,
    indicator_unit: str | None = None,
    indicator_codes: CodeTable | None = None,
) -> TypedValue:
    unit_id, unit_kind = units.resolve(row.unit)
    return _typed(
        row.unit, row.value, row.note, unit_id, unit_kind, style, indicator_type, indicator_unit, indicator_codes
    )


def _typed(
    unit: str | None,
    raw: str | None,
    note: str | None,
    unit_id: str | None,
    unit_kind: str | None,
    style: Style,
    indicator_type: str | None,
    indicator_unit: str | None,
    indicator_codes: CodeTable | None,
) -> TypedValue:
    codes = parse_code_table(unit) or indicator_codes
    if indicator_type:
        expect = Expect(indicator_type)
    elif codes is not None:
        expect = Expect.BOOL if codes.is_bool else Expect.CODE
    else:
        expect = Expect(unit_kind or Expect.UNKNOWN)
    if codes is not None and unit_id is None:
        unit_id = "bool" if codes.is_bool else "code"
    value = parse_value(raw, expect, codes, style)
    return TypedValue(value, indicator_unit or unit_id, expect, codes, note_fraction(note))
