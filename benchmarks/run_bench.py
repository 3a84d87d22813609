"""Ingest synthetic corpora and print throughput, memory and where the time goes.

    .venv/bin/python benchmarks/run_bench.py --sizes 1000 5000 10000 [--workers 2] [--mix …]
    .venv/bin/python benchmarks/run_bench.py --sizes 400 --mix txt=1 --workers 1   # per-core TXT

Prints per corpus: files/s, rows/s, PDF pages/s, peak RSS of the batch process and of
its largest worker, and seconds per stage summed over the workers (extract, assemble,
match, values, validate, scores) plus the parent's write time.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.make_corpus import make_corpus, parse_mix  # noqa: E402
from pipeline.run import run_batch  # noqa: E402
from pipeline.workers import PoolSettings  # noqa: E402

PDF_PAGES = {"000": 7, "001": 6, "002": 10, "003": 4}  # pages of the cached fixture renders


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--workers", type=int, default=PoolSettings().workers)
    parser.add_argument("--mix", default="txt=0.7,docx=0.25,pdf=0.05")
    args = parser.parse_args()
    mix = parse_mix(args.mix)
    print(f"workers={args.workers} mix={args.mix}")
    print(f"{'N':>7}{'wall s':>9}{'files/s':>9}{'rows/s':>9}{'pdf p/s':>9}{'RSS MB':>8}{'worker MB':>10}  stages (s)")
    for n in args.sizes:
        corpus = make_corpus(n, mix)
        pages = sum(PDF_PAGES[p.stem.split("_")[1]] for p in corpus.glob("*.pdf"))
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            summary = run_batch(corpus, Path(out), settings=PoolSettings(args.workers, 300))
            wall = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        stages = " ".join(f"{k}={v:.1f}" for k, v in sorted(summary.timings.items()))
        pdf_rate = f"{pages / wall:9.1f}" if pages else f"{'-':>9}"
        print(
            f"{n:>7}{wall:>9.1f}{n / wall:>9.1f}{summary.n_facts / wall:>9.0f}{pdf_rate}{rss:>8.0f}{worker:>10.0f}"
            f"  {stages}",
            flush=True,
        )


if __name__ == "__main__":
    main()
