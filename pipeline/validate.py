"""The checks a careful reviewer makes, run over one report's typed rows.

Each rule is a small generator registered under a stable name; it yields what it found,
with the numbers in the message. Severities come from schema/rules.yaml (an analyst
changes them there); the relations between indicators come from schema/relations.yaml.
A validator that cries wolf gets ignored: rules check only what the report states, and a
relation is checked only when every number it needs is printed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from normalize.numbers import Expect, parse_code_table, read_number
from pipeline.claims import claim_matches, claim_regex
from pipeline.models import Fact, Finding
from schema.load import Indicator, Relations, Rules


@dataclass(frozen=True)
class Hit:
    """What a rule found; the runner turns it into a Finding with the configured severity."""

    message: str
    row_no: int | None = None
    indicator_id: str | None = None
    explained: bool = False  # the report itself explains it (a note states the gap)


@dataclass
class ReportData:
    facts: list[Fact]
    indicators: dict[str, Indicator]
    relations: Relations
    template: str | None = None
    year: int | None = None
    narrative: str = ""  # the report's running text, for the narrative-vs-table rule
    unit_expect: Callable[[str | None], str | None] = lambda _unit: None
    required: tuple[Indicator, ...] | None = None  # required_indicators, when the caller keeps them per form
    types: dict[str, str] | None = None  # indicator id -> value type, when the caller keeps it per run
    by_id: dict[str, Fact] = field(init=False)
    by_kind: dict[str, list[Fact]] = field(init=False)  # value_kind -> facts, in row order
    repeated: bool = field(init=False)  # some indicator is read from more than one row

    def __post_init__(self) -> None:
        if self.types is None:
            self.types = value_types(self.indicators)
        self.by_id, self.by_kind = {}, {}
        self.repeated = False
        for f in self.facts:
            if f.indicator_id:
                if f.indicator_id not in self.by_id:
                    self.by_id[f.indicator_id] = f
                else:
                    self.repeated = True
            self.by_kind.setdefault(f.value_kind, []).append(f)

    def value(self, indicator_id: str) -> float | None:
        f = self.by_id.get(indicator_id)
        return None if f is None else f.value_num


Rule = Callable[[ReportData], Iterator[Hit]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


def validate(data: ReportData, rules: Rules) -> list[Finding]:
    findings: list[Finding] = []
    for name, fn in RULES.items():
        config = rules.rules.get(name)
        if config is None or config.severity == "off":
            continue
        for hit in fn(data):
            severity = config.explained_severity if hit.explained and config.explained_severity else config.severity
            if severity != "off":
                findings.append(
                    Finding(
                        rule=name,
                        severity=severity,
                        message=hit.message,
                        row_no=hit.row_no,
                        indicator_id=hit.indicator_id,
                    )
                )
    return findings


def apply_severities(findings: list[Finding], rules: Rules) -> list[Finding]:
    """Findings of the other stages take the severity the analyst set in rules.yaml."""
    out = []
    for f in findings:
        config = rules.rules.get(f.rule)
        if config is None:
            out.append(f)
        elif config.severity != "off":
            out.append(replace(f, severity=config.severity))
    return out


def _num(x: float) -> str:
    """A number as the report would print it: 1.197, 99,47."""
    text = f"{x:,.4f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _label(f: Fact) -> str:
    return f"'{f.label_raw}' (row {f.row_no})"


# --- ranges and types: checks of one row at a time ---------------------------------------

RowCheck = Callable[[ReportData, Fact], "str | None"]


def row_rule(name: str, kinds: tuple[str, ...] | None = None) -> Callable[[RowCheck], RowCheck]:
    """A rule that looks at one row: the check returns the message, or None when the row is
    fine. `kinds`: the value kinds it can fire on; other rows are not shown to it."""

    def register(check: RowCheck) -> RowCheck:
        def run(d: ReportData) -> Iterator[Hit]:
            rows = d.facts if kinds is None else sorted((f for k in kinds for f in d.by_kind.get(k, ())), key=_row_no)
            for f in rows:
                message = check(d, f)
                if message:
                    yield Hit(message, f.row_no, f.indicator_id)

        RULES[name] = run
        return check

    return register


def _row_no(f: Fact) -> int:
    return f.row_no


def value_types(indicators: dict[str, Indicator]) -> dict[str, str]:
    """Indicator id -> value type: the rules ask it of every row, a dict answers at once."""
    return {i.id: i.type for i in indicators.values()}


def _type(d: ReportData, f: Fact) -> str | None:
    return d.types.get(f.indicator_id)  # type: ignore[union-attr,arg-type]


@row_rule("percent_range", kinds=("percent",))
def percent_range(d: ReportData, f: Fact) -> str | None:
    if f.value_kind == "percent" and f.value_num is not None and not 0 <= f.value_num <= 100:
        return f"{_label(f)} is a rate of {_num(f.value_num)} %, outside 0–100"
    return None


@row_rule("bool_range", kinds=("bool",))
def bool_range(d: ReportData, f: Fact) -> str | None:
    if f.value_kind == "bool" and f.value_num not in (None, 0.0, 1.0):
        return f"{_label(f)} is a yes/no row (Có = 1, Không = 0) but holds {_num(f.value_num)}"
    return None


@row_rule("code_range", kinds=("code",))
def code_range(d: ReportData, f: Fact) -> str | None:
    if f.value_kind != "code" or f.value_num is None:
        return None
    table = parse_code_table(f.unit_raw)
    ind = d.indicators.get(f.indicator_id or "")
    codes = {c for _, c in table.codes} if table else set((ind.codes or {}).values()) if ind else set()
    if codes and f.value_num not in codes:
        listed = ", ".join(str(c) for c in sorted(codes))
        return f"{_label(f)} holds {_num(f.value_num)}, not one of its codes ({listed})"
    return None


@row_rule("count_negative", kinds=("count", "decimal"))
def count_negative(d: ReportData, f: Fact) -> str | None:
    if f.value_kind in ("count", "decimal") and (f.value_num or 0) < 0 and _type(d, f) == "count":
        return f"{_label(f)} counts {_num(f.value_num)}: a count cannot be negative"
    return None


@row_rule("count_not_whole", kinds=("decimal",))
def count_not_whole(d: ReportData, f: Fact) -> str | None:
    if f.value_kind == "decimal" and _type(d, f) == "count":
        return f"{_label(f)} counts {_num(f.value_num)}: a count is a whole number"
    return None


@rule("unit_type_mismatch")
def unit_type_mismatch(d: ReportData) -> Iterator[Hit]:
    """Every row is looked at, so this is a loop of its own rather than a row rule: a
    report prints a handful of unit cells, each read once, and most rows stop at the
    indicator's type."""
    printed: dict[str | None, str | None] = {}  # unit cell -> the kind it names
    types = d.types or {}
    for f in d.facts:
        kind = types.get(f.indicator_id)  # type: ignore[arg-type]
        if kind != "count" and kind != "percent":
            continue
        unit = f.unit_raw
        if unit not in printed:
            printed[unit] = d.unit_expect(unit)
        if kind == "count" and printed[unit] == "percent":
            message = f"counts things but its unit is printed as '{unit}'; the value {f.value_raw} is read as a count"
        elif kind == "percent" and printed[unit] == "count":
            message = f"is a rate but its unit is printed as '{unit}'; the value {f.value_raw} is read as a percentage"
        else:
            continue
        yield Hit(f"{_label(f)} {message}", f.row_no, f.indicator_id)


@row_rule("note_ratio_mismatch", kinds=("percent",))
def note_ratio_mismatch(d: ReportData, f: Fact) -> str | None:
    if f.value_kind != "percent" or f.value_num is None or not f.note_den:
        return None
    if _rate_differs(f.value_num, f.value_raw, f.note_num, f.note_den):
        return (
            f"{_label(f)} = {f.value_raw} but its note states {_num(f.note_num)}/"
            f"{_num(f.note_den)} = {_num(100 * f.note_num / f.note_den)} %"
        )
    return None


# --- relations between indicators ------------------------------------------------------


@rule("part_exceeds_whole")
def part_exceeds_whole(d: ReportData) -> Iterator[Hit]:
    for part_id, whole_id in d.relations.part_of:
        part, whole = d.value(part_id), d.value(whole_id)
        if part is not None and whole is not None and part > whole:
            p, w = d.by_id[part_id], d.by_id[whole_id]
            yield Hit(f"{_label(p)} = {_num(part)} exceeds {_label(w)} = {_num(whole)}", p.row_no, part_id)


def _note_numbers(*notes: str | None) -> set[float]:
    out = set()
    for note in notes:
        for token in re.findall(r"\d[\d.,]*\d|\d", note or ""):
            r = read_number(token, Expect.COUNT)
            if r.value is not None:
                out.add(float(r.value))
    return out


@rule("parts_sum_mismatch")
def parts_sum_mismatch(d: ReportData) -> Iterator[Hit]:
    for rel in d.relations.sum_of:
        total = d.value(rel.total)
        printed = [p for p in rel.parts if p in d.by_id]
        if total is None or len(printed) < 2 or any(d.value(p) is None for p in printed):
            continue
        parts = sum(d.value(p) for p in printed)  # type: ignore[misc]
        if abs(parts - total) < 1e-9:
            continue
        gap = abs(parts - total)
        notes = [d.by_id[i].note_raw for i in [rel.total, *printed]]
        explained = gap in _note_numbers(*notes)
        t = d.by_id[rel.total]
        terms = " + ".join(f"{_num(d.value(p))} ({d.by_id[p].label_raw.lstrip('- ')})" for p in printed)
        why = f"; the note explains the gap of {_num(gap)}" if explained else ""
        yield Hit(
            f"{_label(t)} = {_num(total)} but its parts add up to {terms} = {_num(parts)}{why}",
            t.row_no,
            rel.total,
            explained,
        )


def _printed_decimals(raw: str | None) -> int:
    m = re.search(r"[.,](\d+)\s*%?\s*$", raw or "")
    return len(m.group(1)) if m and len(m.group(1)) != 3 else 0


def _rate_differs(printed: float, raw: str | None, numerator: float, denominator: float) -> bool:
    """A printed rate is accepted within one unit of its last printed digit: rounding
    (33,33 for 7/21) and truncation (63,1 for 12/19) both stay within it."""
    exact = 100 * numerator / denominator
    unit = 10.0 ** -_printed_decimals(raw)
    return abs(printed - exact) > unit + 1e-9


@rule("ratio_mismatch")
def ratio_mismatch(d: ReportData) -> Iterator[Hit]:
    for rel in d.relations.ratio_of:
        ratio = d.by_id.get(rel.ratio)
        if ratio is None or ratio.value_num is None:
            continue
        if rel.fraction:
            frac = d.by_id.get(rel.fraction)
            if frac is None or frac.value_den is None:
                continue
            num, den, source = frac.value_num, frac.value_den, f"{_label(frac)} = {frac.value_raw}"
        else:
            num, den = d.value(rel.numerator or ""), d.value(rel.denominator or "")
            if num is None or den is None:
                continue
            source = (
                f"{_label(d.by_id[rel.numerator])} = {_num(num)} of "  # type: ignore[index]
                f"{_label(d.by_id[rel.denominator])} = {_num(den)}"
            )  # type: ignore[index]
        if den and _rate_differs(ratio.value_num, ratio.value_raw, num, den):
            yield Hit(
                f"{_label(ratio)} = {ratio.value_raw} but {source} gives {_num(100 * num / den)} %",
                ratio.row_no,
                rel.ratio,
            )


@rule("narrative_mismatch")
def narrative_mismatch(d: ReportData) -> Iterator[Hit]:
    if not d.narrative:
        return
    # whitespace collapsed by split/join: re.sub(r"\s+") took 0.45 ms on a 10 000-character narrative
    text = " ".join(unicodedata.normalize("NFC", d.narrative).lower().split())
    for claim in d.relations.narrative:
        for m in claim_matches(claim_regex(claim.pattern), text):
            wrong = []
            for name, indicator_id in claim.values.items():
                fact = d.by_id.get(indicator_id)
                if fact is None or fact.value_num is None:
                    continue
                token = m.group(name).rstrip(".,")
                expect = Expect.PERCENT if d.indicators[indicator_id].type == "percent" else Expect.COUNT
                said = read_number(token, expect).value
                if said is None:
                    continue
                tolerance = 10.0 ** -_printed_decimals(token) if expect is Expect.PERCENT else 0.0
                if abs(float(said) - fact.value_num) > tolerance + 1e-9:
                    wrong.append(f"{_num(float(said))} for {_label(fact)} where the table has {fact.value_raw}")
            if wrong:
                first = d.by_id[next(iter(claim.values.values()))] if claim.values else None
                yield Hit(
                    f"the text says '{m.group(0)}': " + "; ".join(wrong),
                    first.row_no if first else None,
                    next(iter(claim.values.values()), None),
                )


@rule("indicator_repeated")
def indicator_repeated(d: ReportData) -> Iterator[Hit]:
    """Two rows read as one indicator with different values (the report prints its label
    twice; the schema has it once): which is the form's row the report does not settle,
    and the relations above read the first."""
    if not d.repeated:
        return
    for f in d.facts:
        first = d.by_id.get(f.indicator_id) if f.indicator_id else None
        if first is not None and first is not f and (f.value_num, f.value_text) != (first.value_num, first.value_text):
            yield Hit(
                f"{_label(f)} = {f.value_raw} is read as {f.indicator_id}, and so is {_label(first)} = "
                f"{first.value_raw}: which of the two is the form's row is not settled",
                f.row_no,
                f.indicator_id,
            )


# --- completeness ----------------------------------------------------------------------


def required_indicators(indicators: dict[str, Indicator], template: str, year: int | None) -> tuple[Indicator, ...]:
    """What a report of this form and year must fill: no group headers, no free text, only
    indicators valid that year."""
    return tuple(
        i
        for i in indicators.values()
        if template in i.templates
        and i.type not in ("group", "text")
        and (year is None or ((i.valid_from or 0) <= year <= (i.valid_to or 9999)))
    )


@rule("missing_required")
def missing_required(d: ReportData) -> Iterator[Hit]:
    if not d.template:
        return
    required = d.required if d.required is not None else required_indicators(d.indicators, d.template, d.year)
    by_id = d.by_id
    missing = [i.id for i in required if i.id not in by_id]
    blank = [i.id for i in required if (f := by_id.get(i.id)) is not None and f.value_kind == "empty"]
    if missing or blank:

        def show(ids: list[str]) -> str:
            return ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")

        parts = [
            f"{len(missing)} missing ({show(missing)})" if missing else "",
            f"{len(blank)} left blank ({show(blank)})" if blank else "",
        ]
        yield Hit(f"of the {len(required)} indicators of form {d.template}, " + " and ".join(p for p in parts if p))


__all__ = ["RULES", "Hit", "ReportData", "apply_severities", "rule", "validate"]
