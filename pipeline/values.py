"""Table rows -> typed values, with what the row itself says its value should be.

The expectation comes from the most trusted source available: the matched indicator's
value type, then a code table in the unit cell, then the unit's canonical kind. It is
what settles "1.197" (people: 1197) against "1.225" (a score: 1.225).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    codes = parse_code_table(row.unit) or indicator_codes
    unit_id = units.canonical(row.unit)
    if indicator_type:
        expect = Expect(indicator_type)
    elif codes is not None:
        expect = Expect.BOOL if codes.is_bool else Expect.CODE
    else:
        expect = Expect(units.expect_of(unit_id) or Expect.UNKNOWN)
    if codes is not None and unit_id is None:
        unit_id = "bool" if codes.is_bool else "code"
    value = parse_value(row.value, expect, codes, style)
    return TypedValue(value, indicator_unit or unit_id, expect, codes, note_fraction(row.note))
