"""Hostile and broken inputs, interrupted runs, repeated and incremental runs.

Every case is built in a temporary folder; the README lists them with what happens.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.run import run_batch
from pipeline.workers import PoolSettings
from tests.conftest import RAW, ROOT, SEED
from tests.pdfgen import one_page_pdf

FIXTURES = ROOT / "tests" / "fixtures"


def slow_pdf(n: int) -> bytes:
    """A valid one-page PDF of n tiny ruling lines and one curve: the curve sends the page
    to pdfplumber (the fast route declines curves), which must weigh every line (20 000
    lines take ~3 s on this machine)."""
    ops = "".join(
        f"{10 + (i % 500)} {10 + (i // 500) % 780} m {11 + (i % 500)} {10 + (i // 500) % 780} l S\n" for i in range(n)
    ).encode()
    ops += b"10 10 m 20 20 30 20 40 10 c S\n"
    return one_page_pdf(ops)


def cp1258(text: str) -> bytes:
    """Vietnamese in Windows-1258: base letters it has precomposed (â ê ô ơ ư ă), tones as
    combining marks, as legacy Windows programs wrote it."""
    quality = "\u0302\u0306\u031b"  # circumflex, breve, horn: part of the letter, not a tone
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            nfd = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", nfd[0] + "".join(m for m in nfd[1:] if m in quality))
            out += (base + "".join(m for m in nfd[1:] if m not in quality)).encode("cp1258")
    return bytes(out)


def zip_bomb(path: Path, unpacked_mb: int = 300) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(unpacked_mb):
                fh.write(chunk)


# TCVN3 (ABC), the 8-bit Vietnamese font encoding of .VnTime: lower case; the capitals
# with tone marks were typed with the .VnTimeH font, on the same codes as the lower case.
_TCVN3 = dict(
    zip(
        "àảãáạăằẳẵắặâầẩẫấậđèẻẽéẹêềểễếệìỉĩíịòỏõóọôồổỗốộơờởỡớợùủũúụưừửữứựỳỷỹýỵĂÂÊÔƠƯĐ",
        "µ¶·¸¹¨»¼½¾Æ©ÇÈÉÊË®ÌÎÏÐÑªÒÓÔÕÖ×ØÜÝÞßáâãä«åæçèé¬êëìíîïñòóô\xadõö÷øùúûüýþ¡¢£¤¥¦§",
        strict=True,
    )
)


def tcvn3(text: str) -> str:
    """How a report typed in .VnTime reads once its bytes are taken for Unicode."""
    return "".join(_TCVN3.get(ch) or _TCVN3.get(ch.lower(), ch) for ch in unicodedata.normalize("NFC", text))


TABLE = SEED["001"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """One batch holding every hostile case beside a good report; returns the reports by file."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "good.txt").write_text(TABLE, encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "zero.docx").write_bytes(b"")
    data = (FIXTURES / "001.docx").read_bytes()
    (root / "truncated.docx").write_bytes(data[: len(data) // 3])
    zip_bomb(root / "bomb.docx")
    shutil.copy(FIXTURES / "encrypted_user_password.pdf", root / "locked.pdf")
    shutil.copy(FIXTURES / "encrypted_owner_password.pdf", root / "owner-only.pdf")
    shutil.copy(FIXTURES / "001.docx", root / "word-named.pdf")
    (root / "utf16.txt").write_bytes(TABLE.encode("utf-16"))
    (root / "windows-1258.txt").write_bytes(cp1258(TABLE))
    (root / "garbage.txt").write_bytes(os.urandom(4096))
    (root / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    (root / "legacy.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    (root / "Báo cáo quý I năm 2023.txt").write_text(TABLE, encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling.txt").symlink_to(root / "nowhere.txt")
    (root / "big.txt").write_text("Đoạn văn bản tường thuật dài.\n" * 700_000 + TABLE, encoding="utf-8")
    (root / "not-a-report.txt").write_text("Kính gửi: Sở Nội vụ\nNội dung công văn, không có bảng.\n", encoding="utf-8")
    (root / "tcvn3.txt").write_text(tcvn3(TABLE), encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    summary = run_batch(root, out, settings=PoolSettings(workers=2, timeout=60))
    assert summary.exit_code == 1
    reports = {r["source_file"]: r for r in pq.read_table(out / "reports.parquet").to_pylist()}
    return out, reports


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("good.txt", "ok", None),
        ("empty.txt", "failed", "the file is empty"),
        ("zero.docx", "failed", "the file is empty"),
        ("truncated.docx", "failed", "damaged Word file"),
        ("bomb.docx", "failed", "zip bomb"),
        ("locked.pdf", "failed", "protected by a password"),
        ("owner-only.pdf", "ok", None),
        ("word-named.pdf", "ok", None),
        ("utf16.txt", "ok", None),
        ("windows-1258.txt", "ok", None),
        ("garbage.txt", "failed", "not a text report"),
        ("legacy.doc", "failed", "save it as .docx"),
        ("legacy.xls", "failed", "save it as .xlsx"),
        ("Báo cáo quý I năm 2023.txt", "ok", None),
        ("dangling.txt", "failed", "cannot read the file"),
        ("big.txt", "ok", None),
        ("not-a-report.txt", "failed", "no table found"),
        ("tcvn3.txt", "failed", "legacy TCVN3 (.VnTime) font encoding"),
    ],
)
def test_each_hostile_input(hostile, name, status, words):
    _, reports = hostile
    report = reports[name]
    assert report["status"] == status, report["error"]
    if words:
        assert words in report["error"] and "\n" not in report["error"]
    else:
        assert report["n_rows"] in (121, 185) and report["n_matched"] == report["n_rows"]


def test_a_file_that_reads_for_too_long_is_stopped(tmp_path):
    (tmp_path / "slow.pdf").write_bytes(slow_pdf(20000))  # ~3 s of pdfplumber
    (tmp_path / "good.txt").write_text(TABLE, encoding="utf-8")
    started = time.monotonic()
    summary = run_batch(tmp_path, tmp_path / "out", settings=PoolSettings(workers=2, timeout=1.0))
    assert time.monotonic() - started < 10
    reports = {r["source_file"]: r for r in summary.reports}
    assert reports["slow.pdf"]["status"] == "failed"
    assert reports["slow.pdf"]["error"].startswith("timed out after 1 s")
    assert reports["good.txt"]["status"] == "ok" and reports["good.txt"]["n_rows"] == 185


def test_a_slow_file_in_a_chunk_costs_only_itself(tmp_path):
    """Files travel to a worker in chunks; when a chunk outlives the limit, its files are
    read again one by one, so that only the slow one fails."""
    names = [f"r{i:02}.txt" for i in range(12)]
    for name in names:
        (tmp_path / name).write_text(TABLE, encoding="utf-8")
    (tmp_path / "r05-slow.pdf").write_bytes(slow_pdf(20000))
    started = time.monotonic()
    settings = PoolSettings(workers=1, timeout=1.0, chunk_files=16, chunk_bytes=10**9)  # chunks of 3 files
    summary = run_batch(tmp_path, tmp_path / "out", settings=settings)
    assert time.monotonic() - started < 15
    reports = {r["source_file"]: r for r in summary.reports}
    assert reports["r05-slow.pdf"]["error"].startswith("timed out after 1 s")
    assert all(reports[n]["status"] == "ok" and reports[n]["n_rows"] == 185 for n in names)


def test_a_crash_in_a_chunk_costs_only_its_file_and_progress_counts_each_file_once(tmp_path, monkeypatch):
    import pipeline.workers

    def ingest_file(path, root, ctx):
        if path.name == "r05.txt":
            os._exit(1)  # as a crash in C code, or the kernel's out-of-memory killer, ends a worker
        return original(path, root, ctx)

    original = pipeline.workers.ingest_file
    monkeypatch.setattr(pipeline.workers, "ingest_file", ingest_file)  # the forked workers inherit it
    names = [f"r{i:02}.txt" for i in range(12)]
    for name in names:
        (tmp_path / name).write_text(TABLE, encoding="utf-8")
    started: list[str] = []
    settings = PoolSettings(workers=1, timeout=60, chunk_files=16, chunk_bytes=10**9)
    summary = run_batch(tmp_path, tmp_path / "out", on_file=started.append, settings=settings)
    reports = {r["source_file"]: r for r in summary.reports}
    assert reports["r05.txt"]["error"] == "the reader crashed on this file"
    assert all(reports[n]["n_rows"] == 185 for n in names if n != "r05.txt")
    assert started == names


def test_rows_arrow_cannot_take_cost_one_file(tmp_path, monkeypatch):
    """A worker turns its rows into Arrow before sending them, a chunk of files at a time: a
    value Arrow refuses fails that file with the internal-error message, and the batch, its
    worker and the other files of its chunk included, goes on."""
    import pipeline.workers

    def ingest_file(path, root, ctx):
        result = original(path, root, ctx)
        if path.name == "bad.txt":
            result.facts[0] = result.facts[0]._replace(value_num="not a number")
        return result

    original = pipeline.workers.ingest_file
    monkeypatch.setattr(pipeline.workers, "ingest_file", ingest_file)  # the forked workers inherit it
    for name in ("bad.txt", "good.txt", "more.txt"):
        (tmp_path / name).write_text(TABLE, encoding="utf-8")
    summary = run_batch(tmp_path, tmp_path / "out", settings=PoolSettings(workers=1, timeout=60))
    reports = {r["source_file"]: r for r in summary.reports}
    assert reports["bad.txt"]["status"] == "failed" and reports["bad.txt"]["error"].startswith("internal error (")
    assert [reports[n]["n_rows"] for n in ("good.txt", "more.txt")] == [185, 185]


def test_good_files_lose_nothing_among_bad_ones(hostile):
    out, reports = hostile
    facts = pq.read_table(out / "facts.parquet").to_pylist()
    good = [n for n, r in reports.items() if r["status"] != "failed"]
    for name in good:
        assert sum(f["source_file"] == name for f in facts) == reports[name]["n_rows"] > 0
    # the text versions in UTF-16 and Windows-1258 read exactly like the UTF-8 one
    labels = {n: [f["label_raw"] for f in facts if f["source_file"] == n] for n in good}
    assert labels["utf16.txt"] == labels["windows-1258.txt"] == labels["good.txt"]
    manifest = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    assert any("symlink loop" in s["reason"] for s in manifest["skipped"])


def run_cli(args: list[str], **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw
    )


def test_a_killed_run_leaves_every_output_file_whole(tmp_path):
    """SIGKILL at several moments of a run: each Parquet file is readable and is either the
    previous run's or the new run's, never half-written; the next run cleans up."""
    src = tmp_path / "in"
    shutil.copytree(RAW, src)
    for key in ("000", "001", "002", "003"):
        shutil.copy(FIXTURES / f"{key}.pdf", src / f"copy-{key}.pdf")  # a run of several seconds
    out = tmp_path / "out"
    assert run_cli(["ingest", str(src), "--out", str(out), "--workers", "2"]).wait(timeout=300) == 0
    names = sorted(p.name for p in out.glob("*.parquet"))
    before = {n: pq.read_table(out / n) for n in names}
    (src / "2023-Q1_So-LDTBXH_phu-luc.txt").unlink()  # the next run changes the output
    after_dir = tmp_path / "after"
    assert run_cli(["ingest", str(src), "--out", str(after_dir), "--workers", "2"]).wait(timeout=300) == 0
    after = {n: pq.read_table(after_dir / n) for n in names}
    assert not before["facts.parquet"].equals(after["facts.parquet"])
    for delay in (0.3, 1.5, 3.0, 5.0):
        proc = run_cli(["ingest", str(src), "--out", str(out), "--workers", "2"], start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        for n in names:
            table = pq.read_table(out / n)
            assert table.equals(before[n]) or table.equals(after[n]), (delay, n)
        json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
        before = {n: pq.read_table(out / n) for n in names}  # a late kill may have committed
    assert run_cli(["ingest", str(src), "--out", str(out)]).wait(timeout=300) == 0
    assert not list(out.glob(".*tmp*"))
    for n in names:
        assert pq.read_table(out / n).equals(after[n])


def test_spawned_workers_give_the_same_output(tmp_path, monkeypatch):
    """Where processes cannot fork (Windows, macOS), the schema context is pickled to
    each worker: it must pickle, and the output must not change."""
    import pipeline.workers

    src = tmp_path / "in"
    src.mkdir()
    for name in ("2023-Q1_So-LDTBXH_phu-luc.txt", "2023-6T_So-Ngoai-vu_phu-luc.txt", "2023-Q1_So-LDTBXH_phu-luc.docx"):
        shutil.copy(RAW / name, src / name)
    run_batch(src, tmp_path / "forked", settings=PoolSettings(workers=2, timeout=120))
    monkeypatch.setattr(pipeline.workers.mp, "get_all_start_methods", lambda: ["spawn"])
    run_batch(src, tmp_path / "spawned", settings=PoolSettings(workers=2, timeout=120))
    for name in ("facts", "reports", "findings"):
        forked, spawned = (pq.read_table(tmp_path / d / f"{name}.parquet") for d in ("forked", "spawned"))
        assert forked.num_rows > 0 and forked.equals(spawned), name


def test_a_run_leaves_pandas_unimported_and_its_output_as_with_pandas(tmp_path):
    """pyarrow's check for pandas objects is made with pandas hidden (it costs 0.6 s a run);
    the rows are plain Python values, so the output is the one pyarrow gives with pandas."""
    script = (
        "import sys\n"
        "if sys.argv[2] == 'with': import pandas\n"
        "from pathlib import Path\n"
        "from pipeline.run import run_batch\n"
        "from pipeline.workers import PoolSettings\n"
        "run_batch(Path(sys.argv[1]), Path(sys.argv[3]), settings=PoolSettings(workers=2, timeout=120))\n"
        "print('pandas' in sys.modules)\n"
    )
    imported = {}
    for mode in ("with", "without"):
        done = subprocess.run(
            [sys.executable, "-c", script, str(RAW), mode, str(tmp_path / mode)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        imported[mode] = done.stdout.split()[-1]
    assert imported == {"with": "True", "without": "False"}
    for name in ("facts", "reports", "findings", "tables", "scores"):
        with_pandas, without = (pq.read_table(tmp_path / m / f"{name}.parquet") for m in ("with", "without"))
        assert with_pandas.num_rows > 0 and with_pandas.equals(without), name
        assert with_pandas.schema.equals(without.schema, check_metadata=True), name


def test_same_output_with_one_worker_or_two(tmp_path):
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        run_batch(RAW, out, settings=PoolSettings(workers=workers, timeout=120))
        outs.append(out)
    for name in ("facts", "reports", "findings", "tables", "scores", "indicators"):
        assert pq.read_table(outs[0] / f"{name}.parquet").equals(pq.read_table(outs[1] / f"{name}.parquet")), name


def test_incremental_keeps_unchanged_files_and_replaces_changed_ones(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for key in ("000", "001", "003"):
        shutil.copy(SEED[key], src / SEED[key].name)
    out, full = tmp_path / "out", tmp_path / "full"
    run_batch(src, out, settings=PoolSettings(workers=1, timeout=0))
    # one changed, one added, one removed
    changed = src / SEED["001"].name
    changed.write_text(changed.read_text(encoding="utf-8").replace("Nhiệm vụ\t7\t", "Nhiệm vụ\t8\t"), encoding="utf-8")
    shutil.copy(SEED["002"], src / SEED["002"].name)
    (src / SEED["003"].name).unlink()
    summary = run_batch(src, out, settings=PoolSettings(workers=1, timeout=0), incremental=True)
    assert summary.reused == 1  # 000 only
    assert any("no longer in" in n and SEED["003"].name in n for n in summary.notes)
    run_batch(src, full, settings=PoolSettings(workers=1, timeout=0))
    for name in ("facts", "reports", "findings", "tables", "scores"):
        assert pq.read_table(out / f"{name}.parquet").equals(pq.read_table(full / f"{name}.parquet")), name
    facts = pq.read_table(out / "facts.parquet").to_pylist()
    done = [f for f in facts if f["source_file"] == changed.name and f["label_raw"] == "Số nhiệm vụ đã hoàn thành"]
    assert [f["value_num"] for f in done] == [8.0]


def test_incremental_reuse_streams_rows_across_batches_in_any_position(tmp_path, monkeypatch):
    """Reused files before and after re-read ones, their rows split over many small
    batches, and the duplicate_submission findings the earlier run appended last: the
    incremental output equals a full run's, row for row."""
    import pipeline.read_output

    monkeypatch.setattr(pipeline.read_output, "BATCH_ROWS", 37)
    src = tmp_path / "in"
    src.mkdir()
    for n in range(6):  # six copies of one report: duplicate_submission findings on each
        shutil.copy(SEED["001"], src / f"copy_{n}.txt")
    shutil.copy(SEED["003"], src / "so_ngoai_vu.txt")
    out, full = tmp_path / "out", tmp_path / "full"
    run_batch(src, out, settings=PoolSettings(workers=1, timeout=0))
    middle = src / "copy_3.txt"
    middle.write_text(middle.read_text(encoding="utf-8").replace("Nhiệm vụ\t7\t", "Nhiệm vụ\t8\t"), encoding="utf-8")
    summary = run_batch(src, out, settings=PoolSettings(workers=1, timeout=0), incremental=True)
    assert summary.reused == 6
    run_batch(src, full, settings=PoolSettings(workers=1, timeout=0))
    for name in ("facts", "reports", "findings", "tables", "scores"):
        assert pq.read_table(out / f"{name}.parquet").equals(pq.read_table(full / f"{name}.parquet")), name


def test_incremental_refuses_an_output_not_in_cchc_order(tmp_path):
    """Rows shuffled by hand cannot be taken file by file: the run stops with a clear
    error and the earlier output is left as it was."""
    from pipeline.run import UsageError

    src = tmp_path / "in"
    src.mkdir()
    for key in ("001", "003"):
        shutil.copy(SEED[key], src / SEED[key].name)
    out = tmp_path / "out"
    run_batch(src, out, settings=PoolSettings(workers=1, timeout=0))
    facts = pq.read_table(out / "facts.parquet")
    pq.write_table(facts.take(list(range(facts.num_rows))[::-1]), out / "facts.parquet")
    before = (out / "facts.parquet").read_bytes()
    with pytest.raises(UsageError, match="without --incremental"):
        run_batch(src, out, settings=PoolSettings(workers=1, timeout=0), incremental=True)
    assert (out / "facts.parquet").read_bytes() == before


def test_facts_travel_to_arrow_by_position_so_their_fields_are_the_columns():
    from collections import namedtuple

    from pipeline.models import Fact
    from pipeline.write import FACTS, to_table

    assert Fact._fields == tuple(FACTS.names)
    fact = Fact(*[None] * len(Fact._fields))._replace(source_file="a.txt", row_no=1, value_num=1197.0)
    assert to_table([fact], FACTS).to_pylist()[0] == fact._asdict()
    shuffled = namedtuple("Shuffled", [*Fact._fields[1:], Fact._fields[0]])
    with pytest.raises(TypeError, match="not in the columns' order"):
        to_table([shuffled(*fact[1:], fact[0])], FACTS)


def test_a_chunks_files_are_written_as_one_piece_and_in_order(tmp_path):
    """A worker's chunk crosses the pipe as one table, each file's rows a range of it; the
    writer joins consecutive ranges back (Parquet encodes one-report pieces 1.8 times
    slower) and keeps the input order whatever comes between."""
    from pipeline.models import Fact
    from pipeline.write import FACTS, OutputWriter, Rows, to_table

    def facts(source: str, n: int) -> pa.Table:
        empty = Fact(*[None] * len(Fact._fields))
        return to_table([empty._replace(source_file=source, row_no=i) for i in range(n)], FACTS)

    chunk, other = facts("chunk", 6), facts("other", 2)
    writer = OutputWriter(tmp_path)
    writer.add("facts", Rows(chunk, 0, 2))
    writer.add("facts", Rows(chunk, 2, 5))  # the next file of the chunk: joined
    assert writer.pending["facts"] == [Rows(chunk, 0, 5)]
    writer.add("facts", Rows(other, 0, 2))
    writer.add("facts", Rows(chunk, 5, 6))  # after another table: a piece of its own
    assert len(writer.pending["facts"]) == 3
    writer.commit({})
    got = pq.read_table(tmp_path / "facts.parquet").select(["source_file", "row_no"]).to_pylist()
    want = [("chunk", i) for i in range(5)] + [("other", 0), ("other", 1), ("chunk", 5)]
    assert [(r["source_file"], r["row_no"]) for r in got] == want


def test_a_text_report_loads_no_reader_of_other_formats():
    """Every worker imported pdfplumber, pypdfium2, openpyxl and python-docx on its first
    file, text or not: 0.3 s each, ten times a text report's own cost."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.run_file import Context, ingest_file\n"
        "result = ingest_file(Path(sys.argv[1]), Path(sys.argv[1]).parent, Context.load())\n"
        "print(result.report['status'], len(result.facts))\n"
        "print(*sorted(m for m in ('pdfplumber', 'pypdfium2', 'openpyxl', 'docx') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(SEED["001"])], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    status, loaded = done.stdout.split("\n")[:2]
    assert status == "ok 185" and loaded == "", done.stderr
