"""quality_report.html: one self-contained page about a run, written beside the Parquet.

Read from the Parquet the run wrote, so the page shows exactly what the dashboards get:
per report its metadata, status and match coverage; the findings by severity with row,
label and numbers; the labels left unmatched with their best candidates; two charts
(matched share per agency, findings per section) drawn as inline SVG, no scripts.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.read_output import batches, scan
from pipeline.review import review_rows

REPORT_COLUMNS = [
    "source_file",
    "format",
    "agency",
    "agency_level",
    "period_type",
    "period_num",
    "year",
    "template",
    "status",
    "n_rows",
    "n_matched",
    "error",
]

CSS = """
body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px;color:#222;font-size:14px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0;width:100%}td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
th{background:#eef3f8;text-align:left}.num{text-align:right}.error{color:#a00}.warning{color:#a60}.info{color:#357}
.ok{color:#070}.failed{color:#a00;font-weight:bold}.small{font-size:12px;color:#555}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _bars(title: str, items: list[tuple[str, float]], unit: str, width: int = 640) -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return f"<p class='small'>{_e(title)}: nothing to show.</p>"
    top = max(v for _, v in items) or 1
    bar_h, label_w = 22, 260
    rows = []
    for n, (label, value) in enumerate(items):
        y = n * bar_h
        w = (width - label_w - 60) * value / top
        rows.append(
            f"<text x='{label_w - 6}' y='{y + 15}' text-anchor='end' font-size='12'>{_e(label[:40])}</text>"
            f"<rect x='{label_w}' y='{y + 3}' width='{w:.1f}' height='{bar_h - 6}' fill='#4a7ab5'/>"
            f"<text x='{label_w + w + 4:.1f}' y='{y + 15}' font-size='12'>{value:g}{unit}</text>"
        )
    height = bar_h * len(items)
    return (
        f"<figure><figcaption><b>{_e(title)}</b></figcaption><svg role='img' aria-label='{_e(title)}' "
        f"width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg'>{''.join(rows)}</svg></figure>"
    )


MAX_LISTED = 500  # findings shown per severity; the rest are in findings.parquet
# Reports shown: a quarter's batch whole; of a backfill every failed file and the first
# others, so that the page still opens (4 000 rows made 1.5 MB; the archive's 150 000
# would make ~55 MB).
MAX_REPORTS = 1000
SEVERITIES = ("error", "warning", "info")


def _findings_summary(out_dir: Path) -> tuple[dict[str, int], Counter, dict[str, list[dict]]]:
    """Per severity the count and the first MAX_LISTED findings, and the count per section,
    in one pass over findings.parquet: memory does not grow with the run. Counted in Arrow;
    only the findings listed become Python dicts (a backfill has millions of findings)."""
    totals: Counter = Counter(dict.fromkeys(SEVERITIES, 0))
    per_section: Counter = Counter()
    listed: dict[str, list[dict]] = {s: [] for s in SEVERITIES}
    columns = ["source_file", "row_no", "rule", "severity", "message", "section", "label_raw"]
    for batch in batches(out_dir / "findings.parquet", columns):
        totals.update(_counts(batch["severity"]))
        per_section.update(_counts(pc.fill_null(batch["section"], "report")))
        wanted = [s for s in SEVERITIES if len(listed[s]) < MAX_LISTED]
        if wanted:
            for f in batch.filter(pc.is_in(batch["severity"], pa.array(wanted))).to_pylist():
                if len(listed[f["severity"]]) < MAX_LISTED:
                    listed[f["severity"]].append(f)
    return totals, per_section, listed


def _counts(column: pa.Array) -> dict[str, int]:
    return {c["values"]: c["counts"] for c in pc.value_counts(column).to_pylist()}


def render(out_dir: Path) -> str:
    manifest = json.loads((out_dir / "_manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    parts = [
        f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>cchc quality report</title>"
        f"<style>{CSS}</style></head><body>",
        "<h1>CCHC ingestion: quality report</h1>",
        f"<p class='small'>Run {_e(manifest['started_at'])} – {_e(manifest['finished_at'])}, input "
        f"{_e(manifest['input_root'])}, cchc {_e(manifest['cchc_version'])}, contract "
        f"{_e(manifest['contract_version'])}.</p>",
        f"<p id='summary'>{counts['files']} files: {counts['ok']} ok, {counts['warning']} warning, "
        f"{counts['failed']} failed; {counts['facts']} rows, {counts['matched']} matched; findings: "
        + ", ".join(f"{n} {_e(s)}" for s, n in counts["findings"].items())
        + ".</p>",
    ]

    parts.append(
        "<h2>Reports</h2><table id='reports'><tr><th>File</th><th>Format</th><th>Agency</th><th>Level</th>"
        "<th>Period</th><th>Form</th><th>Status</th><th class='num'>Rows</th><th class='num'>Matched</th>"
        "<th>Error</th></tr>"
    )
    by_agency: dict[str, list[int]] = {}
    listed_reports = 0
    for r in scan(out_dir / "reports.parquet", REPORT_COLUMNS):
        if r["n_rows"]:
            acc = by_agency.setdefault(r["agency"] or r["source_file"], [0, 0])
            acc[0] += r["n_matched"]
            acc[1] += r["n_rows"]
        if listed_reports >= MAX_REPORTS and r["status"] != "failed":
            continue
        listed_reports += 1
        share = f"{100 * r['n_matched'] / r['n_rows']:.0f} %" if r["n_rows"] else "–"
        period = f"{r['period_type']} {r['period_num'] or ''} {r['year'] or ''}".strip()
        parts.append(
            f"<tr><td>{_e(r['source_file'])}</td><td>{_e(r['format'])}</td><td>{_e(r['agency'])}</td>"
            f"<td>{_e(r['agency_level'])}</td><td>{_e(period)}</td><td>{_e(r['template'])}</td>"
            f"<td class='{_e(r['status'])}'>{_e(r['status'])}</td><td class='num'>{r['n_rows']}</td>"
            f"<td class='num'>{share}</td><td>{_e(r['error'])}</td></tr>"
        )
    parts.append("</table>")
    if listed_reports < counts["files"]:
        parts.append(
            f"<p class='small'>the first {MAX_REPORTS} and every failed one are listed; "
            f"{counts['files'] - listed_reports} more in reports.parquet</p>"
        )
    parts.append(
        _bars("Matched share per agency", [(a, round(100 * m / n, 1)) for a, (m, n) in sorted(by_agency.items())], " %")
    )
    totals, per_section, listed = _findings_summary(out_dir)
    parts.append(_bars("Findings per section", sorted(per_section.items()), ""))

    parts.append("<h2>Findings</h2>")
    for severity in SEVERITIES:
        group = listed[severity]
        parts.append(f"<h3 class='{severity}'>{severity} ({totals[severity]})</h3>")
        if not group:
            continue
        parts.append(
            f"<table class='findings {severity}'><tr><th>File</th><th>Row</th><th>Label</th><th>Rule</th>"
            "<th>Message</th></tr>"
        )
        for f in group:
            parts.append(
                f"<tr><td>{_e(f['source_file'])}</td><td class='num'>{_e(f['row_no'])}</td>"
                f"<td>{_e(f['label_raw'])}</td><td>{_e(f['rule'])}</td><td>{_e(f['message'])}</td></tr>"
            )
        parts.append("</table>")
        if totals[severity] > MAX_LISTED:
            parts.append(f"<p class='small'>and {totals[severity] - MAX_LISTED} more in findings.parquet</p>")

    pending = review_rows(out_dir, below=90.0)
    parts.append(f"<h2>Labels to review ({len(pending)})</h2>")
    if pending:
        parts.append(
            "<p class='small'>Run <code>cchc review</code> to get them as a CSV to fill in.</p>"
            "<table id='review'><tr><th>Section</th><th>Label</th><th>Seen in</th><th>Candidates</th></tr>"
        )
        for r in pending:
            cands = ", ".join(c for c in (r["candidate_1"], r["candidate_2"], r["candidate_3"]) if c)
            parts.append(
                f"<tr><td>{_e(r['section'])}</td><td>{_e(r['label'])}</td><td>{_e(r['seen_in'])}</td>"
                f"<td>{_e(cands)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html_report(out_dir: Path) -> Path:
    target = out_dir / "quality_report.html"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(render(out_dir), encoding="utf-8")
    tmp.replace(target)
    return target
