"""The analyst's commands on the samples: export, review, show, the HTML report, --help."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli import app
from tests.conftest import ROOT, SEED

FIXTURES = ROOT / "tests" / "fixtures"
runner = CliRunner()


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("in")
    for key in ("000", "001", "002", "003"):
        shutil.copy(SEED[key], src / SEED[key].name)
    out = tmp_path_factory.mktemp("out")
    assert runner.invoke(app, ["ingest", str(src), "--out", str(out)]).exit_code == 0
    return out


def test_export_consolidated_table(ingested, tmp_path):
    target = tmp_path / "tong-hop.xlsx"
    result = runner.invoke(app, ["export", "--xlsx", str(target), "--from", str(ingested)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(target)
    assert wb.sheetnames == ["6 tháng-2023", "Quý 1-2023"]
    ws = wb["Quý 1-2023"]
    assert ws.freeze_panes == "D3"
    head = [c.value for c in ws[1]]
    assert head[:3] == ["Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính"] and head[-1] == "Tổng toàn tỉnh"
    col = {name: i for i, name in enumerate(head)}
    rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=3) if r[0].value}
    planned = rows["i.so_nhiem_vu_de_ra_trong_ke_hoach"]
    assert planned[col["Sở Lao động - Thương binh và Xã hội"]] == 21
    assert planned[col["UBND huyện Cù Lao Dung"]] == 19
    assert planned[col["UBND thành phố Sóc Trăng"]] == 21
    assert planned[col["Tổng toàn tỉnh"]] == 61  # a count adds up
    rate = rows["i.ty_le_hoan_thanh_ke_hoach_cchc_nam_luy_ke_den_thoi_diem_bao_cao"]
    assert rate[col["Sở Lao động - Thương binh và Xã hội"]] == 33.33 and rate[col["Tổng toàn tỉnh"]] is None
    plan = rows["iii.ke_hoach_ra_soat_tthc"]  # yes/no: the number of agencies answering "Có"
    assert [
        plan[col[a]]
        for a in ("Sở Lao động - Thương binh và Xã hội", "UBND huyện Cù Lao Dung", "UBND thành phố Sóc Trăng")
    ] == [1, 1, 1]
    assert plan[col["Tổng toàn tỉnh"]] == 3
    assert rows["II"][1] == "Cải cách thể chế"  # a section header row before its indicators
    assert list(rows).index("II") < list(rows).index("ii.so_vbqppl_da_ban_hanh")


def fill(sheet: Path, rows: list[dict]) -> None:
    """What the analyst does in Excel: write indicator ids into the sheet."""
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_review_round_trip_into_a_manual_match(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    text = (
        SEED["001"]
        .read_text(encoding="utf-8")
        .replace("Số văn bản chỉ đạo CCHC đã ban hành", "Số văn bản điều hành về cải cách đã phát hành")
    )
    (src / "so.txt").write_text(text, encoding="utf-8")
    out, sheet, overrides = tmp_path / "out", tmp_path / "review.csv", tmp_path / "overrides.csv"
    overrides.write_text("label,section,indicator_id,note\n", encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(src), "--out", str(out), "--overrides", str(overrides)]).exit_code == 0
    assert runner.invoke(app, ["review", "--from", str(out), "--csv", str(sheet)]).exit_code == 0
    with sheet.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    (row,) = [r for r in rows if r["label"] == "Số văn bản điều hành về cải cách đã phát hành"]
    assert row["section"] == "I" and row["seen_in"] == "so.txt" and row["indicator_id"] == ""
    row["indicator_id"] = "i.so_van_ban_chi_dao_cchc_da_ban_hanh"
    fill(sheet, rows)
    result = runner.invoke(app, ["review", "--apply", "--csv", str(sheet), "--overrides", str(overrides)])
    assert result.exit_code == 0 and "1 manual match" in result.output
    assert runner.invoke(app, ["ingest", str(src), "--out", str(out), "--overrides", str(overrides)]).exit_code == 0
    facts = pq.read_table(out / "facts.parquet").to_pylist()
    (fact,) = [f for f in facts if f["label_raw"] == "Số văn bản điều hành về cải cách đã phát hành"]
    assert (fact["indicator_id"], fact["match_method"], fact["value_num"]) == (
        "i.so_van_ban_chi_dao_cchc_da_ban_hanh",
        "manual",
        5.0,
    )
    # a wrong id is refused, and nothing is added
    row["indicator_id"] = "i.no_such_indicator"
    fill(sheet, rows)
    result = runner.invoke(app, ["review", "--apply", "--csv", str(sheet), "--overrides", str(overrides)])
    assert result.exit_code == 1 and "unknown indicator_id i.no_such_indicator" in " ".join(result.output.split())


def test_show_explains_one_file(tmp_path):
    result = runner.invoke(app, ["show", str(SEED["002"])])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "UBND huyện Cù Lao Dung" in text and "huyen_2023" in text
    assert "…" not in text  # nothing cut off
    assert "i.so_nhiem_vu_de_ra_trong_ke_hoach" in text and "exact 100" in text
    assert "count 1197" not in text and "count 1145 (column_style_vi)" in text  # the rule behind the value
    assert "unit_type_mismatch" in text and "narrative_mismatch" in text
    png = tmp_path / "page.png"
    result = runner.invoke(app, ["show", str(FIXTURES / "003.pdf"), "--debug", "2", "--png", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = runner.invoke(app, ["show", str(SEED["003"]), "--debug", "1"])
    assert result.exit_code == 2 and "not a PDF" in result.output


@pytest.mark.parametrize("command", ["ingest", "show", "review", "export"])
def test_help_says_what_each_command_writes(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert {"ingest": "_manifest.json", "show": "Writes nothing", "review": "CSV", "export": "sheet"}[command] in (
        " ".join(result.output.split())
    )


def test_an_internal_error_is_one_line_and_a_log(tmp_path):
    code = (
        "import cli, pipeline.run as r\n"
        "def boom(*a, **k): raise RuntimeError('simulated bug')\n"
        "cli.run_batch = boom\n"
        f"import sys; sys.argv = ['cchc', 'ingest', {str(tmp_path)!r}, '--out', {str(tmp_path / 'o')!r}]\n"
        "cli.main_entry()\n"
    )
    # The log lands in the temporary folder: point it at tmp_path so test runs leave nothing behind.
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    assert "internal error (RuntimeError: simulated bug); please report it with" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    log = Path(done.stderr.split("please report it with ")[1].strip())
    assert log.parent == tmp_path and "simulated bug" in log.read_text(encoding="utf-8")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_quality_report_renders_in_a_browser(ingested, tmp_path):
    page = ingested / "quality_report.html"
    html = page.read_text(encoding="utf-8")
    assert "UBND huyện Cù Lao Dung" in html and "parts_sum_mismatch" in html and "<svg" in html
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium (see .ci/run) to test the HTML report in a browser")
        pytest.skip("no Chromium here; CI installs it")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'p'}",
    ]
    shot = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert dom.count("<tr>") > 10 and "Matched share per agency" in dom and "<rect" in dom


def test_quality_report_counts_every_finding(ingested, monkeypatch):
    """The report's counts (made in Arrow) and its lists (the first findings of each
    severity, in file order) against findings.parquet read whole."""
    from collections import Counter

    from pipeline import html_report

    monkeypatch.setattr(html_report, "MAX_LISTED", 3)
    rows = pq.read_table(ingested / "findings.parquet").to_pylist()
    totals, per_section, listed = html_report._findings_summary(ingested)
    assert {s: n for s, n in totals.items() if n} == dict(Counter(f["severity"] for f in rows))
    assert per_section == Counter(f["section"] or "report" for f in rows)
    for severity, shown in listed.items():
        first = [f for f in rows if f["severity"] == severity][:3]
        assert [(f["source_file"], f["rule"], f["message"]) for f in shown] == [
            (f["source_file"], f["rule"], f["message"]) for f in first
        ]
    assert any(len(shown) == 3 for shown in listed.values())


def test_quality_report_of_a_backfill_lists_every_failed_file_and_the_first_others(tmp_path, monkeypatch):
    from pipeline import html_report
    from pipeline.run import run_batch

    src = tmp_path / "in"
    src.mkdir()
    for key in ("000", "001", "003"):
        shutil.copy(SEED[key], src / SEED[key].name)
    (src / "zz_hong.pdf").write_bytes(b"not a pdf at all")
    run_batch(src, tmp_path / "out")
    monkeypatch.setattr(html_report, "MAX_REPORTS", 2)
    page = html_report.render(tmp_path / "out")
    reports = page.split("<table id='reports'>")[1].split("</table>")[0]
    assert reports.count("<tr>") == 1 + 3  # header, the first two, the failed one
    first, second, third = sorted(SEED[key].name for key in ("000", "001", "003"))  # file order
    assert first in reports and second in reports and third not in reports
    assert "zz_hong.pdf" in reports and "failed" in reports
    assert "the first 2 and every failed one are listed; 1 more in reports.parquet" in page
    agencies = page.split("aria-label='Matched share per agency'")[1].split("</svg>")[0]
    assert agencies.count("<rect") == 3  # the chart still counts every agency


def test_a_filtered_scan_reads_only_the_row_groups_it_keeps_from(tmp_path, monkeypatch):
    """The HTML report's weak matches are a handful among a run's facts: each row group is
    filtered on the columns the filter reads, and read whole only when a row passes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.read_output import scan

    path = tmp_path / "facts.parquet"
    methods = ["exact"] * 4 + ["exact", "unmatched", "fuzzy", "exact"] + ["exact"] * 4
    table = pa.table({"match_method": methods, "label_raw": [f"label {i}" for i in range(12)]})
    pq.write_table(table, path, row_group_size=4)
    read = []
    original = pq.ParquetFile.read_row_group
    monkeypatch.setattr(
        pq.ParquetFile,
        "read_row_group",
        lambda self, i, columns: read.append((i, columns)) or original(self, i, columns),
    )

    def weak(b):
        return pc.not_equal(b["match_method"], "exact")

    got = list(scan(path, ["label_raw", "match_method"], weak, where_reads=["match_method"]))
    assert got == list(scan(path, ["label_raw", "match_method"], weak))  # what the batched scan finds
    assert [g["label_raw"] for g in got] == ["label 5", "label 6"]
    assert [i for i, columns in read if "label_raw" in columns] == [1]  # the other groups: one column read
