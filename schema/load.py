"""Validated loading of the data files under schema/.

Everything a province or a year changes (indicators, aliases, agencies, rules, column
headers) is a data file here; this module only checks and types it, so that a typo in a
YAML file fails the run at start with the file and field named, not halfway through.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError, field_validator
from rapidfuzz.distance import Levenshtein

from normalize.memo import Memo
from normalize.text import loose_key, strip_diacritics

SCHEMA_DIR = Path(__file__).resolve().parent


class SchemaError(Exception):
    """A file under schema/ is malformed; the message names file and field."""


# libyaml's safe loader when PyYAML was built with it (the wheels are): the same documents,
# parsed in C; the pure-Python loader took a second of every run's start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        return model.model_validate(raw)
    except FileNotFoundError as exc:
        raise SchemaError(f"{path}: missing") from exc
    except yaml.YAMLError as exc:
        raise SchemaError(f"{path}: not valid YAML ({exc})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SchemaError(f"{path}: {where}: {first['msg']}") from exc


# A header cell is short; a longer cell is a row's text, never searched for a misspelt
# header word (and a search costs its length).
_LONGEST_HEADER_CELL = 120


class RoleKeys(BaseModel):
    equals: list[str] = []
    contains: list[str] = []

    def matches(self, cell: str) -> bool:
        key = loose_key(cell)
        return bool(key) and (key in self.equals or any(k in key for k in self.contains))

    def nearly_matches(self, cell: str, min_length: int) -> bool:
        """Like `matches`, one letter off (typed, dropped, doubled) a key of `min_length`
        letters or more: "Chỉ tiu thống kê" names the label column as surely as "Chỉ tiêu"."""
        key = loose_key(cell)
        return any(_one_edit(k, key) for k in self.equals if len(k) >= min_length) or any(
            _one_edit_within(k, key) for k in self.contains if len(k) >= min_length
        )


def _one_edit(a: str, b: str) -> bool:
    return abs(len(a) - len(b)) <= 1 and Levenshtein.distance(a, b, score_cutoff=1) <= 1


def _one_edit_within(needle: str, key: str) -> bool:
    """Some stretch of `key` is at most one edit from `needle`."""
    n = len(needle)
    return any(
        _one_edit(needle, key[i : i + width]) for width in (n - 1, n, n + 1) for i in range(len(key) - width + 1)
    )


class Continuation(BaseModel):
    """When a table without a header of its own continues the statistics table before it."""

    max_lines_between: int = 3
    max_line_length: int = 60
    page_marks: list[str] = []  # regexes: lines that may stand between the parts

    @field_validator("page_marks")
    @classmethod
    def _compiles(cls, marks: list[str]) -> list[str]:
        for mark in marks:
            try:
                re.compile(mark)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {mark!r} ({exc})") from None
        return marks

    def is_page_mark(self, line: str) -> bool:
        folded = " ".join(strip_diacritics(line).lower().split())
        return len(line) <= self.max_line_length and any(re.search(p, folded) for p in self.page_marks)


class Layout(BaseModel):
    roles: dict[str, RoleKeys]
    required: list[str]
    required_when_rows_name_indicators: list[str] = []
    typo_min_length: int = 6
    continuation: Continuation = Continuation()

    def model_post_init(self, _context: object) -> None:
        self._role_of: Memo[str, str | None] = Memo(65_536)  # a backfill's first rows are many

    def roles_in(self, line: str) -> set[str]:
        """The roles whose header words a line of text holds ("STT Chỉ tiêu Kết quả Ghi chú"):
        a table header that lost its cell boundaries."""
        key = loose_key(line)
        return {role for role, keys in self.roles.items() if any(k in key for k in [*keys.equals, *keys.contains])}

    def role_of(self, cell: str) -> str | None:
        """The role a header cell names: by its words, else by a word one letter off. Every
        role's exact words are tried first, so a typo never takes a cell from the role
        it names exactly. Cached: the same header cells open every report of a form."""
        if cell in self._role_of:
            return self._role_of[cell]
        role = next((r for r, keys in self.roles.items() if keys.matches(cell)), None)
        if role is None and len(cell) <= _LONGEST_HEADER_CELL:
            role = next((r for r, k in self.roles.items() if k.nearly_matches(cell, self.typo_min_length)), None)
        return self._role_of.keep(cell, role)


@cache
def load_layout(path: Path = SCHEMA_DIR / "layout.yaml") -> Layout:
    return read_yaml(path, Layout)  # type: ignore[return-value]


class Unit(BaseModel):
    expect: str
    aliases: list[str]


class Units(BaseModel):
    units: dict[str, Unit]

    def model_post_init(self, _context: object) -> None:
        self._by_key = {loose_key(a): uid for uid, u in self.units.items() for a in [uid, *u.aliases]}
        self._resolved: dict[str | None, tuple[str | None, str | None]] = {}

    def canonical(self, unit_raw: str | None) -> str | None:
        """'Cơ quan, đơn vị' -> 'co_quan_don_vi'; None when the spelling is not known."""
        if not unit_raw:
            return None
        return self._by_key.get(loose_key(unit_raw))

    def expect_of(self, unit_id: str | None) -> str | None:
        return self.units[unit_id].expect if unit_id in self.units else None

    def resolve(self, unit_raw: str | None) -> tuple[str | None, str | None]:
        """(canonical id, expected value kind) of a printed unit; a handful of spellings
        make every report, so each is looked up once a run (every row asks twice)."""
        got = self._resolved.get(unit_raw)
        if got is None:
            unit_id = self.canonical(unit_raw)
            got = self._resolved[unit_raw] = (unit_id, self.expect_of(unit_id))
        return got


@cache
def load_units(path: Path = SCHEMA_DIR / "units.yaml") -> Units:
    return read_yaml(path, Units)  # type: ignore[return-value]


class Indicator(BaseModel):
    id: str
    section: str | None
    parent: str | None
    label: str
    unit: str | None
    type: str
    codes: dict[str, int] | None = None
    templates: list[str]
    aliases: list[str] = []
    valid_from: int | None = None
    valid_to: int | None = None
    replaced_by: str | None = None


class Indicators(BaseModel):
    indicators: list[Indicator]

    def model_post_init(self, _context: object) -> None:
        ids = [i.id for i in self.indicators]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate indicator ids: {', '.join(dupes)}")
        known = set(ids)
        for ind in self.indicators:
            for ref in (ind.parent, ind.replaced_by):
                if ref is not None and ref not in known:
                    raise ValueError(f"{ind.id}: refers to unknown indicator {ref}")

    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}


class Template(BaseModel):
    level: str
    description: str
    valid_from: int | None = None
    valid_to: int | None = None


class Templates(BaseModel):
    templates: dict[str, Template]


class LabelRules(BaseModel):
    abbreviations: dict[str, str]
    phrases: dict[str, str] = {}
    contrasts: list[list[str]] = []
    qualifiers: list[str] = []


class Override(BaseModel):
    label: str
    section: str | None = None
    indicator_id: str
    note: str | None = None


@cache
def load_indicators(path: Path = SCHEMA_DIR / "indicators.yaml") -> Indicators:
    indicators: Indicators = read_yaml(path, Indicators)  # type: ignore[assignment]
    templates = load_templates().templates
    for ind in indicators.indicators:
        unknown = set(ind.templates) - set(templates)
        if unknown:
            raise SchemaError(f"{path}: {ind.id}: unknown template(s) {sorted(unknown)}")
    return indicators


@cache
def load_templates(path: Path = SCHEMA_DIR / "templates.yaml") -> Templates:
    return read_yaml(path, Templates)  # type: ignore[return-value]


@cache
def load_label_rules(path: Path = SCHEMA_DIR / "labels.yaml") -> LabelRules:
    return read_yaml(path, LabelRules)  # type: ignore[return-value]


def load_overrides(path: Path = SCHEMA_DIR / "overrides.csv") -> list[Override]:
    """Analysts' manual matches; read on every run (not cached) so an edit takes effect."""
    import csv

    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        # a row without an indicator_id is a question not yet answered: not an override
        rows = [
            r for r in csv.DictReader(fh) if (r.get("label") or "").strip() and (r.get("indicator_id") or "").strip()
        ]
    try:
        return [Override.model_validate({k: (v or None) for k, v in r.items() if k}) for r in rows]
    except ValidationError as exc:
        raise SchemaError(f"{path}: {exc.errors()[0]['msg']}") from exc


class Agency(BaseModel):
    name: str
    level: str
    aliases: list[str] = []
    codes: list[str] = []
    valid_from: int | None = None
    valid_to: int | None = None


class AgencyNames(BaseModel):
    """How a title names an agency the registry does not list (schema/agency_names.yaml)."""

    cues: list[str]
    heads: list[str]
    ends: list[str]
    levels: dict[str, list[str]]


@cache
def load_agency_names(path: Path = SCHEMA_DIR / "agency_names.yaml") -> AgencyNames:
    return read_yaml(path, AgencyNames)  # type: ignore[return-value]


class AgencyFile(BaseModel):
    province: str
    agencies: list[Agency]


@cache
def load_agencies(folder: Path = SCHEMA_DIR / "agencies") -> tuple[Agency, ...]:
    """Every province file in schema/agencies/, in name order."""
    out: list[Agency] = []
    for path in sorted(folder.glob("*.yaml")):
        data: AgencyFile = read_yaml(path, AgencyFile)  # type: ignore[assignment]
        for a in data.agencies:
            if a.level not in {"tinh", "so", "huyen", "xa"}:
                raise SchemaError(f"{path}: {a.name}: level must be tinh, so, huyen or xa, not {a.level!r}")
        out.extend(data.agencies)
    return tuple(out)


class RuleConfig(BaseModel):
    severity: str
    example: str
    explained_severity: str | None = None


class Rules(BaseModel):
    rules: dict[str, RuleConfig]

    def model_post_init(self, _context: object) -> None:
        for name, rule in self.rules.items():
            for sev in (rule.severity, rule.explained_severity):
                if sev is not None and sev not in {"error", "warning", "info", "off"}:
                    raise ValueError(f"{name}: severity must be error, warning, info or off, not {sev!r}")


class SumOf(BaseModel):
    total: str
    parts: list[str]


class RatioOf(BaseModel):
    ratio: str
    numerator: str | None = None
    denominator: str | None = None
    fraction: str | None = None  # an indicator whose value is printed as "part/whole"


class NarrativeClaim(BaseModel):
    pattern: str
    values: dict[str, str]


class Relations(BaseModel):
    part_of: list[tuple[str, str]] = []
    sum_of: list[SumOf] = []
    ratio_of: list[RatioOf] = []
    narrative: list[NarrativeClaim] = []

    def ids(self) -> set[str]:
        out = {i for pair in self.part_of for i in pair}
        out |= {i for s in self.sum_of for i in [s.total, *s.parts]}
        out |= {i for r in self.ratio_of for i in (r.ratio, r.numerator, r.denominator, r.fraction) if i}
        out |= {i for n in self.narrative for i in n.values.values()}
        return out


@cache
def load_rules(path: Path = SCHEMA_DIR / "rules.yaml") -> Rules:
    return read_yaml(path, Rules)  # type: ignore[return-value]


@cache
def load_relations(path: Path = SCHEMA_DIR / "relations.yaml") -> Relations:
    relations: Relations = read_yaml(path, Relations)  # type: ignore[assignment]
    unknown = sorted(relations.ids() - {i.id for i in load_indicators().indicators})
    if unknown:
        raise SchemaError(f"{path}: unknown indicator ids: {', '.join(unknown)}")
    return relations


class ScoreTableKind(BaseModel):
    name: str
    header: list[str]


class ScoreTotal(BaseModel):
    table: str
    total: str


class TextTotal(BaseModel):
    pattern: str
    table: str


class ScoreChecks(BaseModel):
    max_rank: int
    totals: list[ScoreTotal] = []
    subcriteria: list[str] = []
    text_totals: list[TextTotal] = []


class ScoreConfig(BaseModel):
    tables: list[ScoreTableKind]
    measures: dict[str, list[str]]
    agency_columns: list[str]
    year_label: str
    change_label: list[str]
    checks: ScoreChecks


@cache
def load_score_config(path: Path = SCHEMA_DIR / "scores.yaml") -> ScoreConfig:
    return read_yaml(path, ScoreConfig)  # type: ignore[return-value]
