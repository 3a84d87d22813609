"""One report file through the stages: extract -> assemble -> match -> type -> validate.

`ingest_file` is a function of one file and the loaded schema (`Context`), so the batch
can run it in worker processes; it never raises: a file that cannot be read comes back
as a failed report with a one-line reason.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from extractors import ExtractionError, detect_format, extract
from extractors.base import Document, RawTable
from normalize.memo import Memo
from normalize.numbers import CodeTable, Style, Value
from normalize.text import clean_cell, legacy_font_encoding
from pipeline.assemble import EXTRA, VALUE_COLUMNS_JOINT, StatsTable, assemble_table, statistics_tables
from pipeline.metadata import read_metadata
from pipeline.missed_tables import names_indicators, statistics_lookalike
from pipeline.models import Fact, Finding, TableRow
from pipeline.scores import classify, count_header_rows, header_paths, read_scores
from pipeline.validate import ReportData, apply_severities, required_indicators, validate, value_types
from pipeline.validate_scores import validate_scores
from pipeline.values import TypedValue, table_style, type_row
from schema.load import (
    Indicator,
    Indicators,
    Layout,
    Relations,
    Rules,
    SchemaError,
    ScoreConfig,
    Units,
    load_agencies,
    load_agency_names,
    load_indicators,
    load_label_rules,
    load_layout,
    load_overrides,
    load_relations,
    load_rules,
    load_score_config,
    load_templates,
    load_units,
)
from schema.match import Match, Matcher
from schema.registry import AgencyRegistry

if TYPE_CHECKING:
    from pipeline.write import Rows

LEGACY_SAMPLE = 40  # blocks, and rows of each table, read for a legacy font encoding
TYPED_ROWS_KEPT = 65_536  # ~23 MB of typed rows a process (~350 bytes each, measured)


@dataclass(frozen=True)
class Context:
    """The schema data one run uses, loaded once. The underscored fields cache what is
    derived from it; not init fields, so `dataclasses.replace` starts them empty."""

    layout: Layout
    units: Units
    indicators: Indicators
    matcher: Matcher
    templates: list[str]
    registry: AgencyRegistry
    rules: Rules
    relations: Relations
    scores: ScoreConfig
    _required: dict = field(default_factory=dict, init=False, compare=False, repr=False)  # (form, year) -> indicators
    _typing: dict = field(default_factory=dict, init=False, compare=False, repr=False)  # indicator id -> typing
    _typed: Memo = field(default_factory=lambda: Memo(TYPED_ROWS_KEPT), init=False, compare=False, repr=False)
    value_types: dict = field(default_factory=dict, init=False, compare=False, repr=False)  # indicator id -> type

    def __post_init__(self) -> None:
        self.value_types.update(value_types(self.matcher.indicators_by_id))

    def required(self, template: str, year: int | None) -> tuple[Indicator, ...]:
        """The indicators a report of this form and year must fill, worked out once a run."""
        if (template, year) not in self._required:
            self._required[template, year] = required_indicators(self.matcher.indicators_by_id, template, year)
        return self._required[template, year]

    def typing(self, indicator_id: str | None) -> tuple[str | None, str | None, CodeTable | None]:
        """(value type, unit, code table) that a row's indicator imposes on its value; a
        group's rows carry no value type. Worked out once a run, not once a row."""
        got = self._typing.get(indicator_id)
        if got is None:
            ind = self.matcher.indicator(indicator_id) if indicator_id else None
            if ind is None:
                got = (None, None, None)
            else:
                codes = CodeTable(tuple(ind.codes.items())) if ind.codes else None
                got = (ind.type if ind.type != "group" else None, ind.unit, codes)
            # one object for every indicator typed alike: `typed` keys rows by it
            self._typing[indicator_id] = got = self._typing.setdefault(got, got)
        return got

    def typed(self, row: TableRow, style: Style, indicator_id: str | None) -> TypedValue:
        """The row's typed value. Most rows repeat one of another report ("0", "Có", "100"
        under the same unit and typing): each distinct row is typed once, the cache
        emptied when it holds TYPED_ROWS_KEPT rows so that a backfill's memory stays flat."""
        typing = self.typing(indicator_id)  # not the id: most indicators are typed alike
        # id(): typings are interned and kept for the run, and a code table hashes in Python
        key = (row.unit, row.value, row.note, style, id(typing))
        got = self._typed.get(key)
        if got is None:
            got = self._typed.keep(key, type_row(row, self.units, style, *typing))
        return got

    @classmethod
    def load(cls, overrides: Path | None = None) -> Context:
        """The schema data; `overrides` replaces schema/overrides.csv (an analyst's own file)."""
        indicators = load_indicators()
        try:
            matcher = Matcher(
                indicators, load_label_rules(), load_overrides(overrides) if overrides else load_overrides()
            )
        except ValueError as exc:
            raise SchemaError(str(exc)) from exc
        return cls(
            registry=AgencyRegistry(load_agencies(), load_agency_names()),
            rules=load_rules(),
            scores=load_score_config(),
            relations=load_relations(),
            layout=load_layout(),
            units=load_units(),
            indicators=indicators,
            matcher=matcher,
            templates=list(load_templates().templates),
        )


@dataclass
class FileResult:
    report: dict
    # rows (facts as Facts, the others as dicts); ranges of Arrow tables once a worker packed
    # them for the parent (pipeline.write.Rows)
    facts: list[Fact] | Rows = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    cells: list[dict] | Rows = field(default_factory=list)  # tables.parquet rows
    scores: list[dict] | Rows = field(default_factory=list)  # scores.parquet rows
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, for the benchmark
    seconds: float = 0.0


def rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _empty_report(source_file: str, fmt: str) -> dict:
    return {
        "report_id": None,
        "source_file": source_file,
        "sha256": None,
        "format": fmt,
        "agency": None,
        "agency_level": "unknown",
        "period_type": "unknown",
        "period_num": None,
        "year": None,
        "report_no": None,
        "template": None,
        "status": "failed",
        "error": None,
        "n_rows": 0,
        "n_matched": 0,
    }


def failed_result(path: Path, root: Path, error: str) -> FileResult:
    """What the batch records for a file it could not have read (killed, timed out)."""
    report = _empty_report(rel(path, root), path.suffix.lower().lstrip(".") or "unknown")
    try:
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        report.update(report_id=sha[:16], sha256=sha, size_bytes=len(data))
    except OSError:
        pass
    report["error"] = error
    return FileResult(report)


def internal_error(exc: Exception) -> str:
    return f"internal error ({type(exc).__name__}: {exc}); the file was skipped, please report it"


def ingest_file(path: Path, root: Path, ctx: Context) -> FileResult:
    started = time.perf_counter()
    source_file = rel(path, root)
    report = _empty_report(source_file, path.suffix.lower().lstrip(".") or "unknown")
    result = FileResult(report)
    try:
        data = path.read_bytes()
    except OSError as exc:
        report["error"] = f"cannot read the file: {exc.strerror or exc}"
        return result
    sha = hashlib.sha256(data).hexdigest()
    report.update(report_id=sha[:16], sha256=sha, size_bytes=len(data))
    fmt = detect_format(data, path.suffix)
    report["format"] = fmt if fmt in {"txt", "docx", "pdf", "xlsx"} else report["format"]
    try:
        clock = time.perf_counter()
        doc = extract(data, fmt)
        result.timings["extract"] = time.perf_counter() - clock
        _process(doc, ctx, result)
    except ExtractionError as exc:
        report["error"] = str(exc)
    except Exception as exc:  # a bug of ours must cost one file, not the batch
        report["error"] = internal_error(exc)
    result.seconds = time.perf_counter() - started
    return result


def _process(doc: Document, ctx: Context, result: FileResult) -> None:
    report = result.report
    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        result.timings[stage] = result.timings.get(stage, 0.0) + now - clock[0]
        clock[0] = now

    report.update(n_tables=len(doc.tables), encoding=doc.encoding)
    if not doc.tables:
        raise ExtractionError(_no_table(doc, ctx.layout))
    # A report typed in a legacy font reads as garbage throughout: its title block and the
    # first page of each table tell (200 rows and blocks cost ~3 % of a report's instructions)
    sample = " ".join(
        [
            *(b.text for b in doc.blocks[:LEGACY_SAMPLE]),
            *(" ".join(r.cells) for t in doc.tables for r in t.rows[:LEGACY_SAMPLE]),
        ]
    )
    legacy = legacy_font_encoding(sample)
    if legacy:
        font = {"TCVN3": "TCVN3 (.VnTime)", "VNI": "VNI (VNI-Times)"}[legacy]
        raise ExtractionError(
            f"typed in the legacy {font} font encoding, so its text reads as garbage: convert it "
            f"to Unicode (Unikey: Công cụ → Chuyển mã) and send it again"
        )
    rows: list[TableRow] = []
    named: dict[int, bool] = {}  # asked of a table at most once: matching 24 labels a column

    def names(table: RawTable) -> bool:
        if table.index not in named:
            named[table.index] = names_indicators(table, ctx.matcher, ctx.templates)
        return named[table.index]

    stats, other = statistics_tables(doc, ctx.layout, names)
    for st in stats:
        rows.extend(assemble_table(st.table, st.shape, first_row_no=len(rows) + 1, judge=ctx.matcher.continues))
    first_stats = stats[0].table.index if stats else None
    meta = read_metadata(doc, first_stats, rows, report["source_file"], ctx.registry)
    report.update(
        agency=meta.agency,
        agency_level=meta.agency_level,
        period_type=meta.period_type,
        period_num=meta.period_num,
        year=meta.year,
        report_no=meta.report_no,
        metadata_source=meta.source_summary,
    )
    findings: list[Finding] = list(meta.findings)
    findings += [_continued(st) for st in stats if len(st.parts) > len(st.joined_by_rows) + 1]
    findings += [_continued_after_text(st, t) for st in stats for t in st.joined_by_rows]
    findings += [_header_short(st, ctx.layout) for st in stats if st.header_short]
    findings += [_not_continued(st, t) for st in stats for t in st.declined]
    findings += [_extra_column(st, i) for st in stats for i, r in enumerate(st.shape.roles) if r == EXTRA]
    lap("assemble")
    if not rows:
        unread = [t for t in other if classify(t, ctx.scores) is None]
        lookalike = statistics_lookalike(unread, ctx.layout, ctx.matcher, ctx.templates)
        findings.append(
            lookalike
            or Finding(
                rule="no_statistics_table",
                severity="info",
                message=f"no statistics table (STT | Chỉ tiêu | … | Số liệu) among "
                f"{len(doc.tables)} table(s); they are kept cell by cell in tables.parquet",
            )
        )
    matches = _match(rows, ctx, report, findings)
    lap("match")
    result.facts = _facts(rows, matches, ctx, report, findings)
    lap("values")
    findings = apply_severities(findings, ctx.rules)
    text = "\n".join(b.text for b in doc.blocks)  # the running text: narrative, title, footnotes
    data = ReportData(
        facts=result.facts,
        indicators=ctx.matcher.indicators_by_id,
        relations=ctx.relations,
        template=report["template"],
        year=report["year"],
        narrative=text,
        unit_expect=lambda unit: ctx.units.resolve(unit)[1],
        required=ctx.required(report["template"], report["year"]) if report["template"] else None,
        types=ctx.value_types,
    )
    findings += validate(data, ctx.rules)
    lap("validate")
    base = {"report_id": report["report_id"], "source_file": report["source_file"]}
    for table in other:
        kind = classify(table, ctx.scores)
        if kind is None:
            result.cells.extend(_cells(table, report))
        else:
            result.scores.extend(read_scores(table, kind[0], kind[1], ctx.scores, report["year"], base))
    if result.scores:
        findings += validate_scores(result.scores, ctx.scores, ctx.rules, text)
    lap("scores")
    where = {f.row_no: (f.section, f.label_raw) for f in result.facts}
    result.findings = [finding_row(f, report, *where.get(f.row_no, (None, None))) for f in findings]
    report.update(
        status="ok", error=None, n_rows=len(result.facts), n_matched=sum(1 for f in result.facts if f.indicator_id)
    )
    if any(f.severity == "error" for f in findings):
        report["status"] = "warning"


def _no_table(doc: Document, layout: Layout) -> str:
    """Why no table was found, with what to do when the cause is recognisable."""
    blocks = doc.blocks[:500]
    roles = [layout.role_of(b.text) for b in blocks]
    if any(a == "stt" and b == "label" for a, b in pairwise(roles)):  # "STT", "Chỉ tiêu …" as lines
        return (
            "its table comes one cell per line (as LibreOffice saves Word as text), so its rows cannot be "
            "told apart: send the Word file, or save it as text from Word (cells separated by tabs)"
        )
    header = next((b.text for b in blocks if len(layout.roles_in(b.text)) >= 3), None)
    if header is not None and doc.format == "pdf":
        return (
            f"the table's header is there ('{header}') but no ruling lines to find its cells by (a table "
            f"drawn without borders): send the Word file, or export the PDF with the table's borders shown"
        )
    if header is not None:
        return (
            f"the table's header is there ('{header}') but its columns are not separated by tabs (aligned "
            f"with spaces?): send the Word file, or save it as text from Word"
        )
    return "no table found: this does not look like a CCHC report"


def _continued(st: StatsTable) -> Finding:
    parts = [(t, lines) for t, lines in zip(st.parts[1:], st.between, strict=True) if t.index not in st.joined_by_rows]
    later = ", ".join(f"{t.index + 1} ({len(t.rows)} rows)" for t, _ in parts)
    between = _quoted(tuple(line for _, lines in parts for line in lines))
    return Finding(
        rule="table_continued",
        severity="info",
        message=f"table(s) {later} have no header of their own and are read as the continuation of "
        f"statistics table {st.table.index + 1}; between them: {between}",
    )


def _continued_after_text(st: StatsTable, index: int) -> Finding:
    part, between = next((t, lines) for t, lines in zip(st.parts[1:], st.between, strict=True) if t.index == index)
    return Finding(
        rule="table_continued_after_text",
        severity="warning",
        message=f"table {index + 1} ({len(part.rows)} rows) has no header of its own and text that is not "
        f"a page footer stands before it, but its rows name the form's indicators: read as the "
        f"continuation of statistics table {st.table.index + 1}; check that it is ("
        f"{_quoted(between)} stood between them)",
    )


def _not_continued(st: StatsTable, index: int) -> Finding:
    return Finding(
        rule="table_not_continued",
        severity="info",
        message=f"table {index + 1} has no header naming the statistics columns and as many columns as table "
        f"{st.table.index + 1} before it, but text stands between them and its rows do not tell "
        f"that they are the form's (too few, or naming other things): kept cell by cell in "
        f"tables.parquet, not read as facts",
    )


def _extra_column(st: StatsTable, col: int) -> Finding:
    rows = st.table.rows[st.shape.header_start : st.shape.header_rows]
    texts = (text for r in rows if col < len(r.cells) and (text := clean_cell(r.cells[col])))
    heading = " / ".join(dict.fromkeys(texts))  # a cell merged down repeats its words
    return Finding(
        rule="column_not_in_form",
        severity="info",
        message=f"table {st.table.index + 1}'s column {col + 1} is headed '{heading}', no column of the form "
        f"(schema/layout.yaml): its cells are kept in each row's note in brackets, never read as values",
    )


def _header_short(st: StatsTable, layout: Layout) -> Finding:
    first = st.table.rows[st.shape.header_start]
    header = " | ".join(c for c in map(clean_cell, first.cells) if c)
    missing = ", ".join(r for r in layout.required if r not in st.shape.roles)
    return Finding(
        rule="statistics_header_short",
        severity="warning",
        message=f"table {st.table.index + 1}'s header ('{header}') names no {missing} column, but its rows "
        f"name the form's indicators: read as the statistics table, no row's {missing} printed (a fact's "
        f"canonical unit is its indicator's)",
    )


def _quoted(lines: tuple[str, ...]) -> str:
    return "; ".join(f"'{line}'" for line in lines) or "nothing"


def _match(rows: list[TableRow], ctx: Context, report: dict, findings: list[Finding]) -> list[Match]:
    by_no = {r.row_no: r for r in rows}
    # plain tuples, each a Query's fields: see Matcher.match
    queries = [(r.label, r.section, by_no[r.parent_row_no].label if r.parent_row_no else None) for r in rows]
    result = ctx.matcher.match(queries, ctx.templates)
    report["template"] = result.template
    matches = list(result.matches)
    for r, m in zip(rows, matches, strict=True):
        yielded = ""
        if m.yielded:  # nearest to an indicator that a row printing its label in full holds
            ind_id, at = m.yielded
            holder = (
                f"row {rows[at].row_no} ('{rows[at].label}')" if at is not None else "a row printing its label in full"
            )
            yielded = f"; nearer still is {ind_id}, which {holder} names"
        if m.method == "unmatched":
            names = ", ".join(f"{i} ({s:.0f})" for i, s in m.candidates)
            findings.append(
                Finding(
                    rule="unmatched_label",
                    severity="warning",
                    row_no=r.row_no,
                    message=f"no indicator for '{r.label}'; nearest: {names or 'none'}{yielded}",
                )
            )
        elif m.needs_review:
            runner_up = next((f"{i} ({s:.0f})" for i, s in m.candidates if i != m.indicator_id), "none")
            findings.append(
                Finding(
                    rule="match_review",
                    severity="info",
                    row_no=r.row_no,
                    indicator_id=m.indicator_id,
                    message=f"'{r.label}' matched {m.indicator_id} at {m.score:.0f}; "
                    f"runner-up {runner_up}{yielded}: confirm in schema/overrides.csv",
                )
            )
    return matches


def _facts(
    rows: list[TableRow], matches: list[Match], ctx: Context, report: dict, findings: list[Finding]
) -> list[Fact]:
    facts = []
    styles = {t: table_style([r for r in rows if r.table_no == t]) for t in {r.table_no for r in rows}}
    report_id, source_file = report["report_id"], report["source_file"]
    for r, m in zip(rows, matches, strict=True):
        typed = ctx.typed(r, styles[r.table_no], m.indicator_id)
        kind, num, den, text, unit, rule, note_num, note_den = typed.columns
        if typed.ambiguous or (r.value and VALUE_COLUMNS_JOINT in r.value):
            findings.append(_unsettled(r, typed.value))
        unnamed = [x for x in r.repairs if x.startswith("unnamed column")] if r.repairs else None
        if unnamed:
            findings.append(
                Finding(
                    rule="unnamed_column",
                    severity="info",
                    row_no=r.row_no,
                    message=f"'{r.label}': " + "; ".join(unnamed) + " (no header names that column)",
                )
            )
        facts.append(
            Fact(  # positional, in the columns' order: by keyword it costs twice as much
                report_id,
                source_file,
                r.row_no,
                r.page,
                r.section,
                r.stt,
                r.is_header,
                r.label,  # label_raw
                r.unit,  # unit_raw
                r.value,  # value_raw
                r.note,  # note_raw
                m.indicator_id,
                m.score,  # match_score
                m.method,  # match_method
                kind,  # value_kind
                num,  # value_num
                den,  # value_den
                text,  # value_text
                unit,
                r.table_no,
                r.line_no,
                r.level,
                r.parent_row_no,
                rule,  # value_rule
                note_num,
                note_den,
                "; ".join(r.repairs) if r.repairs else None,  # repairs
            )
        )
    return facts


def _unsettled(r: TableRow, v: Value) -> Finding:
    """Why a value the row prints is left empty, when the row itself cannot settle it
    (two value columns, or a number two readings fit)."""
    if r.value and VALUE_COLUMNS_JOINT in r.value:
        rule = "value_columns"
        message = f"'{r.label}' has values in several value columns ({r.value}): which one is meant is not settled"
    else:  # v.ambiguous
        rule = "ambiguous_number"
        message = f"'{r.value}' can be read as {' or '.join(f'{c:g}' for c in v.candidates)}; "
        if v.rule == "column_style_against_row":
            message += "the reading its column's other numbers use is not one its row can hold (a count, a rate)"
        else:
            message += "nothing in the row or its column settles it"
    return Finding(rule=rule, severity="warning", row_no=r.row_no, message=f"{message}, so the value is left empty")


def _cells(table: RawTable, report: dict) -> Iterator[dict]:
    header = header_paths(table, count_header_rows(table)) if table.rows else []
    for row_no, row in enumerate(table.rows, start=1):
        for col_no, cell in enumerate(row.cells, start=1):
            text = clean_cell(cell)
            if text:
                yield {
                    "report_id": report["report_id"],
                    "source_file": report["source_file"],
                    "table_no": table.index + 1,
                    "row_no": row_no,
                    "col_no": col_no,
                    "header_path": header[col_no - 1] if col_no <= len(header) else None,
                    "text": text,
                    "page": row.page,
                }


def indicator_rows(indicators: Indicators) -> list[dict]:
    return [
        {
            "indicator_id": i.id,
            "section": i.section,
            "parent_id": i.parent,
            "label": i.label,
            "unit": i.unit,
            "value_type": i.type,
            "codes": "; ".join(f"{k} = {v}" for k, v in i.codes.items()) if i.codes else None,
            "templates": ",".join(i.templates),
            "valid_from": i.valid_from,
            "valid_to": i.valid_to,
            "replaced_by": i.replaced_by,
            "aliases": " | ".join(i.aliases) or None,
        }
        for i in indicators.indicators
    ]


def finding_row(f: Finding, report: dict, section: str | None = None, label: str | None = None) -> dict:
    """A finding with the section and label of the row it points at, so that
    findings.parquet reads on its own (and the HTML report needs no pass over facts)."""
    return {
        "report_id": report["report_id"],
        "source_file": report["source_file"],
        "row_no": f.row_no,
        "indicator_id": f.indicator_id,
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "section": section,
        "label_raw": label,
    }
