"""cchc command line: parse the arguments, call the pipeline, print. No logic here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.run import BatchSummary, UsageError, discover, run_batch
from pipeline.workers import PoolSettings
from schema.load import SchemaError

app = typer.Typer(
    help="Turn CCHC reform reports (TXT, DOCX, PDF, XLSX) into one validated Parquet dataset.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()


@app.callback()
def main() -> None:
    """cchc: CCHC report ingestion."""


@app.command()
def ingest(
    input_dir: Annotated[Path, typer.Argument(help="Folder with the reports; walked recursively, never modified.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Where the Parquet files and _manifest.json go.")] = Path(
        "data/clean"
    ),
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes reading files at once (default: the number of cores).")
    ] = PoolSettings().workers,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0, help="Seconds one file may take before it is recorded as failed.")
    ] = PoolSettings().timeout,
    incremental: Annotated[
        bool,
        typer.Option("--incremental", help="Keep the rows of files whose bytes did not change since the last run."),
    ] = False,
) -> None:
    """Read every report under INPUT_DIR and write facts, reports, findings, tables, scores and
    indicators Parquet files plus _manifest.json to --out (each replaced atomically).

    Exit code 0: all files ingested; 1: some files failed (the others were written);
    2: nothing could be done (bad folder, output not writable, broken schema files).
    """
    try:
        n_files = len(discover(input_dir)[0]) if input_dir.is_dir() else 0
        show_bar = n_files > 1 and err.is_terminal
        with Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=err,
            disable=not show_bar,
        ) as progress:
            task = progress.add_task("", total=n_files)

            def on_file(name: str) -> None:
                progress.update(task, advance=1, description=name)

            summary = run_batch(
                input_dir, out_dir, on_file=on_file, settings=PoolSettings(workers, timeout), incremental=incremental
            )
    except (UsageError, SchemaError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    _print_summary(summary)
    raise typer.Exit(summary.exit_code)


def _print_summary(s: BatchSummary) -> None:
    by_status = {k: sum(r["status"] == k for r in s.reports) for k in ("ok", "warning", "failed")}
    share = f"{100 * s.n_matched / s.n_facts:.1f}%" if s.n_facts else "n/a"
    out.print(
        f"{len(s.reports)} file(s): {by_status['ok']} ok, {by_status['warning']} warning, "
        f"{by_status['failed']} failed; {s.n_facts} rows, {s.n_matched} matched ({share})."
    )
    if s.findings_by_severity:
        parts = ", ".join(f"{n} {sev}" for sev, n in sorted(s.findings_by_severity.items()))
        out.print(f"findings: {parts}")
        for f in s.top_findings:
            where = f"{f['source_file']}" + (f" row {f['row_no']}" if f["row_no"] else "")
            out.print(f"  [{f['severity']}] {where}: {f['message']}", markup=False, highlight=False)
    if s.reused:
        out.print(f"{s.reused} unchanged file(s) kept from the last run (--incremental)")
    for note in s.notes:
        out.print(f"note: {note}", highlight=False)
    if s.skipped:
        out.print(f"skipped {len(s.skipped)} file(s) that are not reports (listed in _manifest.json)")
    for r in s.failed:
        out.print(f"[red]failed[/red] {r['source_file']}: {r['error']}", highlight=False)
    out.print(f"written to {s.out_dir}/")


if __name__ == "__main__":
    sys.exit(app())
