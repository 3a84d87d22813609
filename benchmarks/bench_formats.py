"""Per-format speed of the pipeline on the fixture reports, next to the PDF floor.

    .venv/bin/python benchmarks/bench_formats.py [--repeat 3]

For PDF the floor is pdfplumber alone opening the same file and extracting its tables
(`page.extract_tables()` on every page): the pipeline cannot be faster than the library
it reads with, so the ratio says how much the pipeline adds on top.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

from pipeline.run_file import Context, ingest_file  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
KEYS = ("000", "001", "002", "003")


def timed(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ctx = Context.load()
    ingest_file(FIXTURES / "000.txt" if (FIXTURES / "000.txt").exists() else FIXTURES / "000.docx", FIXTURES, ctx)
    print(f"{'file':10}{'pages':>6}{'pipeline s':>12}{'floor s':>9}{'ratio':>7}{'pages/s':>9}")
    total_pages = total_pipe = total_floor = 0.0
    for key in KEYS:
        path = FIXTURES / f"{key}.pdf"
        with pdfplumber.open(path) as pdf:
            pages = len(pdf.pages)

        def floor(path=path) -> None:
            with pdfplumber.open(path) as pdf:
                for page in pdf.pages:
                    page.extract_tables()

        pipe = timed(lambda path=path: ingest_file(path, FIXTURES, ctx), args.repeat)
        low = timed(floor, args.repeat)
        total_pages, total_pipe, total_floor = total_pages + pages, total_pipe + pipe, total_floor + low
        print(f"{key + '.pdf':10}{pages:>6}{pipe:>12.2f}{low:>9.2f}{pipe / low:>7.2f}{pages / pipe:>9.1f}")
    print(
        f"{'all PDF':10}{int(total_pages):>6}{total_pipe:>12.2f}{total_floor:>9.2f}"
        f"{total_pipe / total_floor:>7.2f}{total_pages / total_pipe:>9.1f}"
    )
    for fmt in ("docx", "xlsx"):
        files = [FIXTURES / f"{k}.{fmt}" for k in KEYS]
        per_file = timed(lambda files=files: [ingest_file(f, FIXTURES, ctx) for f in files], args.repeat) / len(files)
        print(f"{fmt}: {1 / per_file:.1f} files/s on one core ({1000 * per_file:.0f} ms per report)")


if __name__ == "__main__":
    main()
