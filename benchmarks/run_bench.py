"""Ingest synthetic corpora and print throughput, memory and where the time goes.

    .venv/bin/python benchmarks/run_bench.py --sizes 1000 5000 10000 [--workers 2] [--mix …]
    .venv/bin/python benchmarks/run_bench.py --sizes 1000 4000 10000 --mix txt=1   # TXT per core
    .venv/bin/python benchmarks/run_bench.py --sizes 500 --mix docx=1        # DOCX per core

Prints per corpus: files/s, files/s per core (files/s over the cores the workers can use:
every cost of the batch counts, the parent's writing and the pipes included), rows/s, PDF
pages/s, peak RSS of the batch process and of its largest worker, CPU seconds of the
batch (all processes) and of its parent alone, and seconds per stage summed over the
workers (extract, assemble, match, values, validate, scores) plus the parent's final write.

Each batch runs in a process of its own (`--one`), so its peak RSS is the batch's alone:
generating the corpus in the measuring process would count the generator's memory too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.make_corpus import make_corpus, parse_mix  # noqa: E402
from pipeline.workers import PoolSettings  # noqa: E402

CORES = os.cpu_count() or 1
PDF_PAGES = {"000": 7, "001": 6, "002": 10, "003": 4}  # pages of the cached fixture renders


def _peak_rss_mb() -> float:
    """This process's own peak (VmHWM). Not ru_maxrss: Linux carries that across exec, so it
    would report the generator process this one was started from when that was larger."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def measure_one(corpus: Path, workers: int) -> dict:
    """Run one batch in this process and return its numbers."""
    from pipeline.run import run_batch

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        summary = run_batch(corpus, Path(out), settings=PoolSettings(workers, 300))
        wall = time.perf_counter() - start
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall": wall,
        "cpu_parent": me.ru_utime + me.ru_stime,
        "cpu_workers": children.ru_utime + children.ru_stime,
        "facts": summary.n_facts,
        "failed": len(summary.failed),
        "rss_mb": _peak_rss_mb(),
        "worker_mb": children.ru_maxrss / 1024,
        "stages": summary.timings,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--workers", type=int, default=PoolSettings().workers)
    parser.add_argument("--mix", default="txt=0.7,docx=0.25,pdf=0.05")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # child: measure this corpus
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.workers)))
        return
    mix = parse_mix(args.mix)
    print(f"workers={args.workers} mix={args.mix}")
    print(
        f"{'N':>7}{'wall s':>9}{'files/s':>9}{'/s/core':>9}{'rows/s':>9}{'pdf p/s':>9}{'RSS MB':>8}{'worker MB':>10}"
        f"{'CPU s':>7}{'parent':>7}  stages (s, summed over workers)"
    )
    for n in args.sizes:
        corpus = make_corpus(n, mix)
        pages = sum(PDF_PAGES[p.stem.split("_")[1]] for p in corpus.glob("*.pdf"))
        child = [sys.executable, __file__, "--one", str(corpus), "--workers", str(args.workers)]
        m = json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        wall = m["wall"]
        stages = " ".join(f"{k}={v:.1f}" for k, v in sorted(m["stages"].items()))
        pdf_rate = f"{pages / wall:9.1f}" if pages else f"{'-':>9}"
        cpu = m["cpu_parent"] + m["cpu_workers"]
        print(
            f"{n:>7}{wall:>9.1f}{n / wall:>9.1f}{n / wall / min(args.workers, CORES):>9.1f}{m['facts'] / wall:>9.0f}"
            f"{pdf_rate}{m['rss_mb']:>8.0f}{m['worker_mb']:>10.0f}{cpu:>7.1f}{m['cpu_parent']:>7.1f}  {stages}"
            + (f"  FAILED={m['failed']}" if m["failed"] else ""),
            flush=True,
        )


if __name__ == "__main__":
    main()
