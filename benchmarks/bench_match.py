"""Matching time per report, on the seed tables as printed and with every label perturbed.

    .venv/bin/python benchmarks/bench_match.py [--repeat 200]

Target (issue 4): under 5 ms for a 150-row report on one core. Printed per seed: rows,
ms per report for exact labels (the common case: lookups) and for labels with a typo in
every row (the worst case: every row goes through rapidfuzz.process.cdist).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schema.load import load_indicators, load_label_rules
from schema.match import Matcher
from tests.conftest import SEED, rows_of_bytes
from tests.test_match import queries, typo

TEMPLATES = ["huyen_2023", "so_2023", "tinh_2023"]


def per_report_ms(fn, repeat: int) -> float:
    fn()  # warm caches, as in a batch
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return 1000 * (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    print(f"{'seed':6}{'rows':>6}{'exact ms':>11}{'typo ms':>10}")
    for key in ("000", "001", "002", "003"):
        rows = rows_of_bytes(SEED[key].read_bytes())
        matcher = Matcher(load_indicators(), load_label_rules(), [])
        exact = queries(rows)
        rnd = random.Random(1)
        typos = queries(rows, lambda r, rnd=rnd: typo(r.label, rnd))
        # A fresh matcher per typo run would re-pay key caching; a batch keeps one matcher.
        t_exact = per_report_ms(lambda q=exact, m=matcher: m.match(q, TEMPLATES), args.repeat)
        t_typo = per_report_ms(lambda q=typos, m=matcher: m.match(q, TEMPLATES), max(args.repeat // 4, 1))
        print(f"{key:6}{len(rows):>6}{t_exact:>11.2f}{t_typo:>10.2f}")


if __name__ == "__main__":
    main()
