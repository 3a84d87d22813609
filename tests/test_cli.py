"""`cchc ingest` end to end: contract, exit codes, bad files beside good ones."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli import app
from tests.conftest import RAW, ROOT

CHECKER = ROOT.parent / "shared" / "tools" / "check_contract.py"


@pytest.fixture()
def batch(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    shutil.copytree(RAW, src)
    (src / "empty.txt").write_bytes(b"")
    (src / "sub").mkdir()
    (src / "sub" / "garbage.txt").write_bytes(bytes(range(256)) * 40)
    return src


def test_bad_files_fail_alone_and_exit_code_is_1(batch: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["ingest", str(batch), "--out", str(out)])
    assert result.exit_code == 1, result.output
    reports = pq.read_table(out / "reports.parquet").to_pylist()
    by_file = {r["source_file"]: r for r in reports}
    assert list(by_file) == sorted(by_file)  # stable order: sorted relative path
    assert by_file["empty.txt"]["status"] == "failed" and by_file["empty.txt"]["error"] == "the file is empty"
    garbage = by_file["sub/garbage.txt"]
    assert garbage["status"] == "failed" and "binary content" in garbage["error"]
    assert "Traceback" not in result.output
    assert "failed sub/garbage.txt: binary content" in " ".join(result.output.split())
    facts = pq.read_table(out / "facts.parquet").to_pylist()
    assert {f["source_file"] for f in facts} == {
        "2023-Q1_UBND-TP-Soc-Trang_phu-luc.txt",
        "2023-Q1_So-LDTBXH_phu-luc.txt",
        "2023-Q1_So-LDTBXH_phu-luc.docx",
        "2023-Q1_UBND-huyen-Cu-Lao-Dung_bao-cao.txt",
        "2023-Q1_UBND-huyen-Cu-Lao-Dung_bao-cao.pdf",
        "2023-6T_So-Ngoai-vu_phu-luc.txt",
    }
    ok = by_file["2023-Q1_So-LDTBXH_phu-luc.txt"]
    assert ok["status"] in {"ok", "warning"} and ok["n_rows"] == sum(
        f["source_file"] == ok["source_file"] for f in facts
    )
    manifest = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["failed"] == 2
    assert {"path": "SOURCES.md", "reason": "not a report file type (.md)"} in manifest["skipped"]


def test_output_matches_contract_and_is_deterministic(tmp_path: Path):
    out1, out2 = tmp_path / "a", tmp_path / "b"
    for out in (out1, out2):
        assert CliRunner().invoke(app, ["ingest", str(RAW), "--out", str(out)]).exit_code == 0
    for name in ("facts", "reports", "findings", "tables", "scores", "indicators"):
        assert pq.read_table(out1 / f"{name}.parquet").equals(pq.read_table(out2 / f"{name}.parquet")), name
    facts = pq.read_table(out1 / "facts.parquet")
    assert facts.schema.field("row_no").type == "int32" and facts.schema.field("value_num").type == "double"
    if CHECKER.exists():
        done = subprocess.run([sys.executable, str(CHECKER), str(out1)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout


def test_usage_errors_exit_2(tmp_path: Path):
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "input folder not found" in result.output
    (tmp_path / "in").mkdir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "in"), "--out", str(blocker / "sub")])
    assert result.exit_code == 2 and "cannot create the output folder" in result.output


def test_seed_004_is_ingested_without_crash(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(RAW / "2023-nam_So-Noi-vu_PAR-Index-SIPAS.txt", src)
    result = CliRunner().invoke(app, ["ingest", str(src), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    (report,) = pq.read_table(tmp_path / "o" / "reports.parquet").to_pylist()
    # 13 tables: three of them run on past a footnote at the foot of a page, which no longer cuts them
    assert report["status"] == "ok" and report["n_tables"] == 13
    scores = pq.read_table(tmp_path / "o" / "scores.parquet").to_pylist()
    assert {"table": "par_summary", "year": 2023, "value": 81.7, "value_raw": "81.70"}.items() <= next(
        s for s in scores if s["value_raw"] == "81.70" and s["table"] == "par_summary"
    ).items()
    cells = pq.read_table(tmp_path / "o" / "tables.parquet").to_pylist()
    assert any(c["text"] == "Bí thư Đảng ủy" for c in cells)  # Phụ lục 5, kept cell by cell


def test_duplicate_submission_flags_both_and_keeps_both(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    seed = RAW / "2023-Q1_So-LDTBXH_phu-luc.txt"
    shutil.copy(seed, src / "a.txt")
    # the same report sent again, re-saved with a BOM: other bytes, same agency and period
    (src / "b.txt").write_bytes(b"\xef\xbb\xbf" + seed.read_bytes())
    result = CliRunner().invoke(app, ["ingest", str(src), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    findings = [
        f for f in pq.read_table(tmp_path / "o" / "findings.parquet").to_pylist() if f["rule"] == "duplicate_submission"
    ]
    assert sorted(f["source_file"] for f in findings) == ["a.txt", "b.txt"]
    assert "quy 1/2023" in findings[0]["message"] and findings[0]["severity"] == "warning"
    reports = pq.read_table(tmp_path / "o" / "reports.parquet").to_pylist()
    assert [r["n_rows"] for r in reports] == [185, 185]


def test_a_long_finding_is_printed_on_one_line(tmp_path: Path):
    """A log of the run keeps one finding a line, however long its file names."""
    src = tmp_path / "in"
    src.mkdir()
    seed = RAW / "2023-Q1_So-LDTBXH_phu-luc.txt"
    long_a, long_b = "a" * 80 + ".txt", "b" * 80 + ".txt"
    shutil.copy(seed, src / long_a)
    (src / long_b).write_bytes(b"\xef\xbb\xbf" + seed.read_bytes())
    result = CliRunner().invoke(app, ["ingest", str(src), "--out", str(tmp_path / "o")])
    lines = [line for line in result.output.splitlines() if "has another report" in line]
    assert len(lines) == 2 and all(len(line) > 200 for line in lines)
    assert all(line.endswith("all are kept, remove the ones that are superseded") for line in lines)


def test_duplicate_submission_names_three_others_and_counts_the_rest():
    from pipeline.run import duplicate_submissions

    reports = [
        {
            "report_id": str(n),
            "source_file": f"{n}.txt",
            "status": "ok",
            "agency": "Sở Nội vụ",
            "period_type": "quy",
            "period_num": 1,
            "year": 2024,
        }
        for n in range(6)
    ]
    findings = duplicate_submissions(reports)
    assert len(findings) == 6
    for f in findings:
        me = f["source_file"]
        others = [r["source_file"] for r in reports if r["source_file"] != me][:3]
        assert f"quy 1/2024: {', '.join(others)} and 2 more;" in f["message"], f["message"]
