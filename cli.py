"""cchc command line: parse the arguments, call the pipeline, print. No logic here."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.run import BatchSummary, UsageError, run_batch
from pipeline.workers import PoolSettings
from schema.load import SCHEMA_DIR, SchemaError, load_indicators

OVERRIDES = SCHEMA_DIR / "overrides.csv"
OverridesOption = Annotated[
    Path, typer.Option("--overrides", help="The analysts' manual matches (label, section, indicator_id).")
]

app = typer.Typer(
    help="Turn CCHC reform reports (TXT, DOCX, PDF, XLSX) into one validated Parquet dataset.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Messages are never folded: a path cut at column 80 cannot be copied back into a command.
err = Console(stderr=True, soft_wrap=True)
# Lines are not folded either (a log keeps one finding a line); `show`'s table takes the
# width, wide when writing to a file or a pipe, where rich would otherwise use 80 columns.
out = Console(width=None if sys.stdout.isatty() else 160, soft_wrap=True)


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
    overrides: OverridesOption = OVERRIDES,
) -> None:
    """Read every report under INPUT_DIR and write facts, reports, findings, tables, scores and
    indicators Parquet files plus _manifest.json to --out (each replaced atomically).

    Exit code 0: all files ingested; 1: some files failed (the others were written);
    2: nothing could be done (bad folder, output not writable, broken schema files).
    """
    try:
        with Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=err,
            disable=not err.is_terminal,
        ) as progress:
            task = progress.add_task("", total=None)

            def on_total(n_files: int) -> None:  # the batch walks the folder once and says how many
                progress.update(task, total=n_files, visible=n_files > 1)

            def on_file(name: str) -> None:
                progress.update(task, advance=1, description=name)

            summary = run_batch(
                input_dir,
                out_dir,
                on_file=on_file,
                on_total=on_total,
                settings=PoolSettings(workers, timeout),
                incremental=incremental,
                overrides=overrides,
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
    out.print(f"written to {s.out_dir}/ (open quality_report.html for the details)")


@app.command()
def show(
    file: Annotated[Path, typer.Argument(help="One report file (TXT, DOCX, PDF, XLSX).", exists=True, dir_okay=False)],
    debug: Annotated[
        int | None, typer.Option("--debug", help="PDF only: draw the table cells found on this page into a PNG.")
    ] = None,
    png: Annotated[Path, typer.Option("--png", help="Where --debug writes its picture.")] = Path("debug.png"),
    overrides: OverridesOption = OVERRIDES,
) -> None:
    """How one file is read: its metadata, every row with its match and parsed value (and the
    rule that decided it), and the findings. Writes nothing unless --debug is given."""
    from rich.table import Table

    from pipeline.run_file import Context, ingest_file

    try:
        ctx = Context.load(overrides)
    except SchemaError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    result = ingest_file(file.resolve(), file.resolve().parent, ctx)
    r = result.report
    out.print(
        f"[bold]{r['source_file']}[/bold]: {r['format']}, {r['status']}" + (f" — {r['error']}" if r["error"] else ""),
        highlight=False,
    )
    out.print(
        f"agency {r['agency']} ({r['agency_level']}), period {r['period_type']} {r['period_num'] or ''} "
        f"{r['year'] or ''}, report {r['report_no']}, form {r['template']}; read from: "
        f"{r.get('metadata_source')}",
        highlight=False,
    )
    by_row: dict[int | None, list[dict]] = {}
    for f in result.findings:
        by_row.setdefault(f["row_no"], []).append(f)
    columns = ("row", "page", "STT", "label", "indicator", "match", "value", "read as", "findings")
    lines = []
    for f in result.facts:
        number = "" if f.value_num is None else f"{f.value_num:g}"
        read = f"{f.value_kind} {number}".strip()
        if f.value_den is not None:
            read += f"/{f.value_den:g}"
        notes = "; ".join(f"[{x['severity']}] {x['rule']}" for x in by_row.get(f.row_no, []))
        lines.append(
            (
                str(f.row_no),
                str(f.page or ""),
                f.stt or "",
                f.label_raw,
                f.indicator_id or "–",
                f"{f.match_method} {f.match_score or 0:.0f}",
                f.value_raw or "",
                f"{read} ({f.value_rule})",
                notes,
            )
        )
    if out.is_terminal:
        table = Table(show_lines=False, highlight=False)
        for name in columns:
            table.add_column(name, overflow="fold")  # fold, never cut: ids are copied from here
        for line in lines:
            table.add_row(*line)
        if lines:
            out.print(table)
    else:  # piped or redirected: one tab-separated line per row, for grep and spreadsheets
        for line in [columns, *lines] if lines else []:
            out.print("\t".join(line), markup=False, highlight=False, soft_wrap=True)
    for f in result.findings:
        where = f"row {f['row_no']}" if f["row_no"] else "report"
        out.print(f"[{f['severity']}] {where} {f['rule']}: {f['message']}", markup=False, highlight=False)
    if debug is not None:
        _debug_png(file, debug, png)


def _debug_png(file: Path, page_no: int, png: Path) -> None:
    import pdfplumber

    from extractors import detect_format

    if detect_format(file.read_bytes(), file.suffix) != "pdf":
        err.print("error: --debug draws PDF pages; this file is not a PDF")
        raise typer.Exit(2)
    with pdfplumber.open(file) as pdf:
        if not 1 <= page_no <= len(pdf.pages):
            err.print(f"error: the PDF has pages 1–{len(pdf.pages)}, not {page_no}")
            raise typer.Exit(2)
        page = pdf.pages[page_no - 1].dedupe_chars()
        page.to_image(resolution=110).debug_tablefinder().save(png)
    out.print(f"page {page_no} with the table cells found drawn on it: {png}")


@app.command()
def review(
    out_dir: Annotated[Path, typer.Option("--from", help="The output folder of the last ingest.")] = Path("data/clean"),
    csv_file: Annotated[
        Path, typer.Option("--csv", help="The review sheet to write (or to read with --apply).")
    ] = Path("data/clean/review.csv"),
    below: Annotated[float, typer.Option("--below", help="Also list fuzzy matches scoring under this.")] = 90.0,
    apply: Annotated[bool, typer.Option("--apply", help="Add the filled rows of --csv to the overrides file.")] = False,
    overrides: OverridesOption = OVERRIDES,
) -> None:
    """Unmatched and low-confidence labels of the last run, one row per label with its best
    candidates, in a CSV: fill its indicator_id column, then `cchc review --apply` adds them to
    the overrides file and the next `cchc ingest` matches them (match_method = manual)."""
    from pipeline.review import apply_review, review_rows, write_review

    if apply:
        if not csv_file.exists():
            err.print(f"error: no review sheet at {csv_file}; run `cchc review` first")
            raise typer.Exit(2)
        added, problems = apply_review(csv_file, overrides, {i.id for i in load_indicators().indicators})
        for p in problems:
            err.print(f"error: {p}")
        if problems:
            raise typer.Exit(1)
        out.print(f"{added} manual match(es) added to {overrides}; run `cchc ingest` again to apply them")
        return
    if not (out_dir / "facts.parquet").exists():
        err.print(f"error: no ingest output in {out_dir}; run `cchc ingest` first")
        raise typer.Exit(2)
    rows = review_rows(out_dir, below)
    write_review(rows, csv_file)
    out.print(
        f"{len(rows)} label(s) to review written to {csv_file}: fill the indicator_id column, then run "
        f"`cchc review --apply --csv {csv_file}`"
    )


@app.command()
def export(
    xlsx: Annotated[Path, typer.Option("--xlsx", help="The workbook to write.")],
    out_dir: Annotated[Path, typer.Option("--from", help="The output folder of the last ingest.")] = Path("data/clean"),
) -> None:
    """The consolidated table the Department sends upward: one sheet per period, indicators
    down (template order, by section), agencies across, a province total where adding up
    makes sense (counts; for yes/no rows the number of agencies answering "Có")."""
    from pipeline.export import export_xlsx

    if not (out_dir / "facts.parquet").exists():
        err.print(f"error: no ingest output in {out_dir}; run `cchc ingest` first")
        raise typer.Exit(2)
    sheets = export_xlsx(out_dir, xlsx)
    out.print(f"{xlsx}: {len(sheets)} sheet(s): {', '.join(sheets)}")


def main_entry() -> None:
    """The console script. A bug of ours still ends in one line a person can act on; the
    traceback goes to a log file for the maintainers, never to the analyst's screen."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted: the previous output is left as it was")
        sys.exit(130)
    except Exception as exc:
        import tempfile
        import traceback

        log = Path(tempfile.gettempdir()) / f"cchc-error-{os.getpid()}.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        err.print(f"internal error ({type(exc).__name__}: {exc}); please report it with {log}", markup=False)
        sys.exit(2)


if __name__ == "__main__":
    main_entry()
