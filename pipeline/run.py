"""The batch: find the files, run each through the stages, write the outputs.

Only this module knows the order of the stages:
    extract -> assemble -> match -> type values -> validate -> write.
Each file is processed on its own (`ingest_file` is a function of one file), so one bad
file costs only itself and the batch can be spread over processes.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pipeline
from extractors import ExtractionError, detect_format, extract
from extractors.base import Document, RawTable
from normalize.numbers import CodeTable
from normalize.text import clean_cell
from pipeline.assemble import assemble_table, find_shape
from pipeline.metadata import read_metadata
from pipeline.models import Finding, TableRow
from pipeline.validate import ReportData, apply_severities, validate
from pipeline.values import table_style, type_row
from pipeline.write import CONTRACT_VERSION, SCHEMAS, to_table, write_outputs
from schema.load import (
    Indicators,
    Layout,
    Relations,
    Rules,
    SchemaError,
    Units,
    load_agencies,
    load_indicators,
    load_label_rules,
    load_layout,
    load_overrides,
    load_relations,
    load_rules,
    load_templates,
    load_units,
)
from schema.match import Match, Matcher, Query
from schema.registry import AgencyRegistry

# What `cchc ingest` looks at. Legacy .doc/.xls/.rtf are taken so that they are reported
# with what to do about them; anything else (README, images) is listed as skipped.
REPORT_SUFFIXES = {".txt", ".docx", ".pdf", ".xlsx", ".doc", ".xls", ".rtf"}


class UsageError(Exception):
    """The run cannot start or write at all (exit code 2)."""


@dataclass(frozen=True)
class Context:
    """The schema data one run uses, loaded once."""

    layout: Layout
    units: Units
    indicators: Indicators
    matcher: Matcher
    templates: list[str]
    registry: AgencyRegistry
    rules: Rules
    relations: Relations

    @classmethod
    def load(cls) -> Context:
        indicators = load_indicators()
        try:
            matcher = Matcher(indicators, load_label_rules(), load_overrides())
        except ValueError as exc:
            raise SchemaError(str(exc)) from exc
        return cls(
            registry=AgencyRegistry(load_agencies()),
            rules=load_rules(),
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
    facts: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)  # tables.parquet rows
    seconds: float = 0.0


# --- discovery ----------------------------------------------------------------------


def discover(root: Path) -> tuple[list[Path], list[dict]]:
    """Report files under root in a stable order, and what was skipped and why.

    Directory symlinks are followed once: a link back to an ancestor (a loop) is skipped.
    """
    files: list[Path] = []
    skipped: list[dict] = []
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen_dirs:
            skipped.append({"path": _rel(Path(dirpath), root), "reason": "directory already visited (symlink loop)"})
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith((".", "~$")):
                skipped.append({"path": _rel(path, root), "reason": "hidden or Office lock file"})
            elif path.suffix.lower() in REPORT_SUFFIXES:
                files.append(path)
            else:
                reason = f"not a report file type ({path.suffix or 'no extension'})"
                skipped.append({"path": _rel(path, root), "reason": reason})
    files.sort(key=lambda p: _rel(p, root))
    skipped.sort(key=lambda s: s["path"])
    return files, skipped


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


# --- one file -----------------------------------------------------------------------


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


def ingest_file(path: Path, root: Path, ctx: Context) -> FileResult:
    started = time.perf_counter()
    source_file = _rel(path, root)
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
        doc = extract(data, fmt)
        _process(doc, ctx, result)
    except ExtractionError as exc:
        report["error"] = str(exc)
    except Exception as exc:  # a bug of ours must cost one file, not the batch
        report["error"] = f"internal error ({type(exc).__name__}: {exc}); the file was skipped, please report it"
    result.seconds = time.perf_counter() - started
    return result


def _process(doc: Document, ctx: Context, result: FileResult) -> None:
    report = result.report
    report.update(n_tables=len(doc.tables), encoding=doc.encoding)
    if not doc.tables:
        raise ExtractionError("no table found: this does not look like a CCHC report")
    rows: list[TableRow] = []
    other: list[RawTable] = []
    stats_tables: list[int] = []
    for table in doc.tables:
        shape = find_shape(table, ctx.layout)
        if shape is None:
            other.append(table)
            continue
        stats_tables.append(table.index)
        rows.extend(assemble_table(table, shape, first_row_no=len(rows) + 1, judge=ctx.matcher.continues))
    meta = read_metadata(doc, stats_tables[0] if stats_tables else None, rows, report["source_file"], ctx.registry)
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
    if not rows:
        findings.append(
            Finding(
                rule="no_statistics_table",
                severity="info",
                message=f"no statistics table (STT | Chỉ tiêu | … | Số liệu) among "
                f"{len(doc.tables)} table(s); they are kept cell by cell in tables.parquet",
            )
        )
    matches = _match(rows, ctx, report, findings)
    result.facts = _facts(rows, matches, ctx, report, findings)
    findings = apply_severities(findings, ctx.rules)
    data = ReportData(
        facts=result.facts,
        indicators=ctx.matcher.indicators_by_id,
        relations=ctx.relations,
        template=report["template"],
        year=report["year"],
        narrative="\n".join(b.text for b in doc.blocks),
        unit_expect=lambda unit: ctx.units.expect_of(ctx.units.canonical(unit)),
    )
    findings += validate(data, ctx.rules)
    result.cells = [c for t in other for c in _cells(t, report)]
    result.findings = [_finding_row(f, report) for f in findings]
    report.update(
        status="ok", error=None, n_rows=len(result.facts), n_matched=sum(1 for f in result.facts if f["indicator_id"])
    )
    if any(f.severity == "error" for f in findings):
        report["status"] = "warning"


def _match(rows: list[TableRow], ctx: Context, report: dict, findings: list[Finding]) -> list[Match]:
    by_no = {r.row_no: r for r in rows}
    queries = [Query(r.label, r.section, by_no[r.parent_row_no].label if r.parent_row_no else None) for r in rows]
    result = ctx.matcher.match(queries, ctx.templates)
    report["template"] = result.template
    matches = result.matches
    for r, m in zip(rows, matches, strict=True):
        names = ", ".join(f"{i} ({s:.0f})" for i, s in m.candidates)
        if m.method == "unmatched":
            findings.append(
                Finding(
                    rule="unmatched_label",
                    severity="warning",
                    row_no=r.row_no,
                    message=f"no indicator for '{r.label}'; nearest: {names or 'none'}",
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
                    f"runner-up {runner_up}: confirm in schema/overrides.csv",
                )
            )
    return matches


def _facts(
    rows: list[TableRow], matches: list[Match], ctx: Context, report: dict, findings: list[Finding]
) -> list[dict]:
    facts = []
    styles = {t: table_style([r for r in rows if r.table_no == t]) for t in {r.table_no for r in rows}}
    for r, m in zip(rows, matches, strict=True):
        ind = ctx.matcher.indicator(m.indicator_id) if m.indicator_id else None
        value_type = ind.type if ind and ind.type not in {"group"} else None
        codes = CodeTable(tuple(ind.codes.items())) if ind and ind.codes else None
        typed = type_row(r, ctx.units, styles[r.table_no], value_type, ind.unit if ind else None, codes)
        v = typed.value
        if v.ambiguous:
            findings.append(
                Finding(
                    rule="ambiguous_number",
                    severity="warning",
                    row_no=r.row_no,
                    message=f"'{r.value}' can be read as {' or '.join(f'{c:g}' for c in v.candidates)}; "
                    f"nothing in the row or its column settles it, so the value is left empty",
                )
            )
        facts.append(
            {
                "report_id": report["report_id"],
                "source_file": report["source_file"],
                "row_no": r.row_no,
                "page": r.page,
                "section": r.section,
                "stt": r.stt,
                "is_header": r.is_header,
                "label_raw": r.label,
                "unit_raw": r.unit,
                "value_raw": r.value,
                "note_raw": r.note,
                "indicator_id": m.indicator_id,
                "match_score": m.score,
                "match_method": m.method,
                "value_kind": v.kind.value,
                "value_num": v.num,
                "value_den": v.den,
                "value_text": v.text,
                "unit": typed.unit,
                "table_no": r.table_no,
                "line_no": r.line_no,
                "level": r.level,
                "parent_row_no": r.parent_row_no,
                "value_rule": v.rule,
                "note_num": typed.note_fraction[0] if typed.note_fraction else None,
                "note_den": typed.note_fraction[1] if typed.note_fraction else None,
                "repairs": "; ".join(r.repairs) or None,
            }
        )
    return facts


def _cells(table: RawTable, report: dict) -> Iterator[dict]:
    header = [clean_cell(c) for c in table.rows[0].cells] if table.rows else []
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


def _indicator_rows(indicators: Indicators) -> list[dict]:
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


def _finding_row(f: Finding, report: dict) -> dict:
    return {"report_id": report["report_id"], "source_file": report["source_file"], **f.model_dump()}


# --- the batch ----------------------------------------------------------------------


@dataclass
class BatchSummary:
    reports: list[dict]
    n_facts: int
    n_matched: int
    findings_by_severity: Counter
    skipped: list[dict]
    out_dir: Path
    top_findings: list[dict]

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.reports if r["status"] == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def _flag_duplicate_submissions(results: list[FileResult]) -> None:
    """Two reports of one agency for one period: a finding on both; both are kept."""
    groups: dict[tuple, list[FileResult]] = {}
    for r in results:
        rep = r.report
        if rep["status"] != "failed" and rep["agency"] and rep["period_type"] != "unknown" and rep["year"]:
            groups.setdefault((rep["agency"], rep["period_type"], rep["period_num"], rep["year"]), []).append(r)
    for (agency, ptype, pnum, year), group in groups.items():
        if len(group) < 2:
            continue
        for r in group:
            others = ", ".join(o.report["source_file"] for o in group if o is not r)
            period = f"{ptype} {pnum or ''}/{year}".replace(" /", "/")
            r.findings.append(
                _finding_row(
                    Finding(
                        rule="duplicate_submission",
                        severity="warning",
                        message=f"{agency} has another report for {period}: {others}; both are kept, "
                        f"remove the one that is superseded",
                    ),
                    r.report,
                )
            )


def run_batch(root: Path, out_dir: Path, on_file: Callable[[str], None] | None = None) -> BatchSummary:
    if not root.is_dir():
        raise UsageError(f"input folder not found or not a folder: {root}")
    if not os.access(root, os.R_OK | os.X_OK):
        raise UsageError(f"input folder is not readable: {root}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out_dir}: {exc.strerror or exc}") from exc
    if not os.access(out_dir, os.W_OK):
        raise UsageError(f"output folder is not writable: {out_dir}")
    ctx = Context.load()
    started = datetime.now(UTC)
    files, skipped = discover(root)
    results = []
    for path in files:
        if on_file:
            on_file(_rel(path, root))
        results.append(ingest_file(path, root, ctx))
    _flag_duplicate_submissions(results)
    facts = [f for r in results for f in r.facts]
    findings = [f for r in results for f in r.findings]
    reports = [r.report for r in results]
    tables = {
        "facts": to_table(facts, SCHEMAS["facts"]),
        "reports": to_table(reports, SCHEMAS["reports"]),
        "findings": to_table(findings, SCHEMAS["findings"]),
        "tables": to_table((c for r in results for c in r.cells), SCHEMAS["tables"]),
        "scores": to_table([], SCHEMAS["scores"]),
        "indicators": to_table(_indicator_rows(ctx.indicators), SCHEMAS["indicators"]),
    }
    severities = Counter(f["severity"] for f in findings)
    manifest = {
        "contract_version": CONTRACT_VERSION,
        "cchc_version": pipeline.__version__,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "input_root": str(root.resolve()),
        "files": [
            {"source_file": r["source_file"], "sha256": r["sha256"], "status": r["status"], "error": r["error"]}
            for r in reports
        ],
        "skipped": skipped,
        "counts": {
            "files": len(reports),
            "ok": sum(r["status"] == "ok" for r in reports),
            "warning": sum(r["status"] == "warning" for r in reports),
            "failed": sum(r["status"] == "failed" for r in reports),
            "facts": len(facts),
            "matched": sum(1 for f in facts if f["indicator_id"]),
            "findings": dict(sorted(severities.items())),
        },
    }
    try:
        write_outputs(out_dir, tables, manifest)
    except OSError as exc:
        raise UsageError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    rank = {"error": 0, "warning": 1, "info": 2}
    top = sorted(findings, key=lambda f: (rank.get(f["severity"], 3), f["source_file"], f["row_no"] or 0))[:5]
    return BatchSummary(reports, len(facts), manifest["counts"]["matched"], severities, skipped, out_dir, top)
