"""The batch: find the files, run each through the stages, write the outputs.

Only the pipeline knows the order of the stages; run_file.py takes one file through them,
workers.py spreads files over processes, write.py streams the rows to Parquet.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import pipeline
from pipeline.html_report import write_html_report
from pipeline.models import Finding
from pipeline.read_output import RowsByFile
from pipeline.run_file import Context, finding_row, indicator_rows, rel
from pipeline.workers import PoolSettings, run_files
from pipeline.write import CONTRACT_VERSION, SCHEMAS, OutputWriter, arrow_without_pandas, remove_stale_temporaries
from schema.load import SCHEMA_DIR

# What `cchc ingest` looks at. Legacy .doc/.xls/.rtf are taken so that they are reported
# with what to do about them; anything else (README, images) is listed as skipped.
REPORT_SUFFIXES = {".txt", ".docx", ".pdf", ".xlsx", ".doc", ".xls", ".rtf"}


DUPLICATES_LISTED = 3  # other copies named in a duplicate_submission finding


class UsageError(Exception):
    """The run cannot start or write at all (exit code 2)."""


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
            skipped.append({"path": rel(Path(dirpath), root), "reason": "directory already visited (symlink loop)"})
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith((".", "~$")):
                skipped.append({"path": rel(path, root), "reason": "hidden or Office lock file"})
            elif path.suffix.lower() in REPORT_SUFFIXES:
                files.append(path)
            else:
                reason = f"not a report file type ({path.suffix or 'no extension'})"
                skipped.append({"path": rel(path, root), "reason": reason})
    files.sort(key=lambda p: rel(p, root))
    skipped.sort(key=lambda s: s["path"])
    return files, skipped


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
    reused: int = 0
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.reports if r["status"] == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def duplicate_submissions(reports: list[dict]) -> list[dict]:
    """Two reports of one agency for one period: a finding on both; both are kept."""
    groups: dict[tuple, list[dict]] = {}
    for rep in reports:
        if rep["status"] != "failed" and rep["agency"] and rep["period_type"] != "unknown" and rep["year"]:
            groups.setdefault((rep["agency"], rep["period_type"], rep["period_num"], rep["year"]), []).append(rep)
    out = []
    for (agency, ptype, pnum, year), group in groups.items():
        if len(group) < 2:
            continue
        period = f"{ptype} {pnum or ''}/{year}".replace(" /", "/")
        for rep in group:
            # a few names and a count: a message that lists every copy grows with the square
            # of the group, and a backfill can hold hundreds of copies of one report
            others = [o["source_file"] for o in group[: DUPLICATES_LISTED + 1] if o is not rep][:DUPLICATES_LISTED]
            listed = ", ".join(others)
            if len(group) - 1 > DUPLICATES_LISTED:
                listed += f" and {len(group) - 1 - DUPLICATES_LISTED} more"
            out.append(
                finding_row(
                    Finding(
                        rule="duplicate_submission",
                        severity="warning",
                        message=f"{agency} has another report for {period}: {listed}; all are kept, "
                        f"remove the ones that are superseded",
                    ),
                    rep,
                )
            )
    return sorted(out, key=lambda f: f["source_file"])


def schema_fingerprint() -> str:
    """The schema files and the code version: rows of an earlier run are reusable only
    when neither changed (a new alias can change a match)."""
    digest = hashlib.sha256(pipeline.__version__.encode())
    for path in sorted(SCHEMA_DIR.rglob("*")):
        if path.suffix in {".yaml", ".csv"}:
            digest.update(path.relative_to(SCHEMA_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


OUTPUTS_PER_FILE = ("facts", "findings", "tables", "scores")


@dataclass
class _Previous:
    """What an earlier run wrote to OUT_DIR, for --incremental: its report rows, and a
    forward cursor over each per-file table (the tables are never loaded whole)."""

    reports: dict[str, dict]  # source_file -> report row
    cursors: dict[str, RowsByFile]

    @classmethod
    def load(cls, out_dir: Path, fingerprint: str, notes: list[str]) -> _Previous | None:
        manifest = out_dir / "_manifest.json"
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            if meta.get("schema_fingerprint") != fingerprint:
                notes.append("the schema or cchc changed since the last run: every file is read again")
                return None
            reports = {r["source_file"]: r for r in pq.read_table(out_dir / "reports.parquet").to_pylist()}
            cursors = {n: RowsByFile(out_dir / f"{n}.parquet") for n in OUTPUTS_PER_FILE}
            older = [n for n, c in cursors.items() if not set(SCHEMAS[n].names) <= set(c.schema.names)]
            if older:
                for cursor in cursors.values():
                    cursor.close()
                notes.append(
                    f"the earlier output lacks columns of this version ({', '.join(older)}): every file is read"
                )
                return None
        except (OSError, ValueError, pa.ArrowException) as exc:
            notes.append(f"no usable earlier output in {out_dir} ({type(exc).__name__}): every file is read")
            return None
        return cls(reports, cursors)

    def reusable(self, path: Path, root: Path) -> dict | None:
        old = self.reports.get(rel(path, root))
        if old is None or old["status"] == "failed" or not old["sha256"]:
            return None
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None
        return old if sha == old["sha256"] else None

    def rows(self, report: dict) -> dict[str, pa.Table]:
        """Each per-file table's rows of one reused report; files must come in input order."""
        out = {n: self.cursors[n].take(report["source_file"]) for n in OUTPUTS_PER_FILE}
        if out["facts"].num_rows != (report["n_rows"] or 0):
            raise UsageError(
                f"the earlier output does not hold {report['source_file']}'s {report['n_rows']} rows "
                f"in the order cchc writes them (edited by hand?): run again without --incremental"
            )
        findings = out["findings"]  # duplicate_submission is recomputed for the whole batch
        out["findings"] = findings.filter(pc.not_equal(findings["rule"], "duplicate_submission"))
        return out

    def close(self) -> None:
        for cursor in self.cursors.values():
            cursor.close()


def run_batch(
    root: Path,
    out_dir: Path,
    on_file: Callable[[str], None] | None = None,
    settings: PoolSettings | None = None,
    incremental: bool = False,
    overrides: Path | None = None,
    on_total: Callable[[int], None] | None = None,
) -> BatchSummary:
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
    ctx = Context.load(overrides)
    arrow_without_pandas()
    settings = settings or PoolSettings()
    started = datetime.now(UTC)
    notes = [f"removed {n}, left by an interrupted run" for n in remove_stale_temporaries(out_dir)]
    fingerprint = schema_fingerprint()
    files, skipped = discover(root)
    if on_total:
        on_total(len(files))
    previous = _Previous.load(out_dir, fingerprint, notes) if incremental else None
    if previous is not None:
        gone = sorted(set(previous.reports) - {rel(p, root) for p in files})
        if gone:
            notes.append(
                f"{len(gone)} file(s) of the earlier run are no longer in {root} and are dropped: "
                + ", ".join(gone[:5])
                + (" …" if len(gone) > 5 else "")
            )
    try:
        writer = OutputWriter(out_dir)
    except OSError as exc:
        raise UsageError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    reports: list[dict] = []
    timings: Counter = Counter()  # seconds per stage over the batch (worker time, not wall time)
    severities: Counter = Counter()
    worst: list[dict] = []
    n_matched = reused = 0
    try:
        reuse = {p: previous.reusable(p, root) for p in files} if previous else {}
        to_read = [p for p in files if not reuse.get(p)]
        results = run_files(to_read, root, ctx, settings, on_file)
        for path in files:
            old = reuse.get(path)
            if old:
                reused += 1
                if on_file:
                    on_file(rel(path, root))
                report = old
                tables = previous.rows(report)  # type: ignore[union-attr]
                for name, table in tables.items():
                    writer.add(name, table)
                kept = tables["findings"].to_pylist()
            else:
                result = next(results)
                timings.update(result.timings)
                report = result.report
                writer.add("facts", result.facts)
                writer.add("findings", result.findings)
                writer.add("tables", result.cells)
                writer.add("scores", result.scores)
                kept = result.findings
            reports.append(report)
            n_matched += report["n_matched"] or 0
            severities.update(f["severity"] for f in kept)
            worst = _worst(worst, kept)
        if previous is not None:
            previous.close()  # before the new files are renamed over the ones it reads
        duplicates = duplicate_submissions(reports)
        writer.add("findings", duplicates)
        severities.update(f["severity"] for f in duplicates)
        worst = _worst(worst, duplicates)
        clock = time.perf_counter()
        writer.add("reports", reports)
        writer.add("indicators", indicator_rows(ctx.indicators))
        n_facts = writer.counts["facts"]
        manifest = {
            "contract_version": CONTRACT_VERSION,
            "cchc_version": pipeline.__version__,
            "schema_fingerprint": fingerprint,
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "input_root": str(root.resolve()),
            "incremental": incremental,
            "files": [
                {"source_file": r["source_file"], "sha256": r["sha256"], "status": r["status"], "error": r["error"]}
                for r in reports
            ],
            "skipped": skipped,
            "notes": notes,
            "stage_seconds": {k: round(v, 3) for k, v in sorted(timings.items())},
            "counts": {
                "files": len(reports),
                "ok": sum(r["status"] == "ok" for r in reports),
                "warning": sum(r["status"] == "warning" for r in reports),
                "failed": sum(r["status"] == "failed" for r in reports),
                "reused": reused,
                "facts": n_facts,
                "matched": n_matched,
                "findings": dict(sorted(severities.items())),
            },
        }
        writer.commit(manifest)
        timings["write"] += time.perf_counter() - clock
        try:
            write_html_report(out_dir)
        except Exception as exc:  # the report is a view of the output: losing it must not lose the run
            notes.append(f"quality_report.html not written ({type(exc).__name__}: {exc})")
    except OSError as exc:
        writer.abort()
        raise UsageError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    except BaseException:
        writer.abort()
        raise
    finally:
        if previous is not None:
            previous.close()
    return BatchSummary(reports, n_facts, n_matched, severities, skipped, out_dir, worst, reused, notes, dict(timings))


_RANK = {"error": 0, "warning": 1, "info": 2}


def _rank(f: dict) -> tuple:
    return _RANK.get(f["severity"], 3), f["source_file"], f["row_no"] or 0


def _worst(worst: list[dict], new: list[dict], keep: int = 5) -> list[dict]:
    """The `keep` most severe findings of the batch so far (first files first)."""
    if len(worst) == keep:  # most files add nothing worse than the five kept: no sort
        last = _rank(worst[-1])
        new = [f for f in new if _RANK.get(f["severity"], 3) <= last[0] and _rank(f) < last]
    return sorted([*worst, *new], key=_rank)[:keep] if new else worst
