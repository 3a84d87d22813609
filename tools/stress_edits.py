"""Edit the four table seeds many ways at once and count values that land on another
indicator. Prints one line per misread trial and a total; exits 1 if any.

    .venv/bin/python tools/stress_edits.py [--seed N] [--trials N]

Ground truth without line bookkeeping: every count cell of the seed is first given a value
of its own (1000, 1001, …), and the unedited report read once says which indicator each
of those values belongs to. A trial then applies a table shape (tools/sweep_shapes.py), a
letter dropped from a fifth of the labels, and eight labels cut in two, with or without a
page break, half of them with the value on the second half. Any marked value read on
another indicator is a misread; a marked value not read at all is lost (a wrong number is
worse than a missing one: only misreads fail).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.models import Fact
from pipeline.run_file import Context, ingest_file
from tests.conftest import SEED
from tools.sweep_shapes import SEEDS, shapes

MARK = 1000  # marked values: MARK + k for the k-th count cell of the seed


def read(ctx: Context, lines: list[str]) -> list[Fact]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        return ingest_file(path, path.parent, ctx).facts  # type: ignore[return-value]


def marked(seed: str) -> list[str]:
    """The seed with each count cell (one to three digits) given a value of its own."""
    out, k = [], 0
    for line in SEED[seed].read_text(encoding="utf-8").split("\n"):
        cells = line.split("\t")
        col = 2 if len(cells) == 4 else 3  # 000's last rows lack their STT cell
        if len(cells) >= 4 and re.fullmatch(r"\d{1,3}", cells[col].strip()):
            cells[col] = str(MARK + k)
            k += 1
            line = "\t".join(cells)
        out.append(line)
    return out


def _label_column(cells: list[str]) -> int | None:
    return next((j for j, c in enumerate(cells) if len(c.split()) >= 3), None)


def edited(rng: random.Random, lines: list[str], skip: set[str]) -> tuple[str, list[str]]:
    name, lines, _ = rng.choice([s for s in shapes(lines) if s[0] not in skip and not s[0].startswith("split")])
    lines = list(lines)
    data = [i for i, line in enumerate(lines) if len(line.split("\t")) >= 4 and not line.startswith("STT")]
    for i in rng.sample(data, len(data) // 5):  # a letter dropped from a fifth of the labels
        cells = lines[i].split("\t")
        col = _label_column(cells)
        if col is None:
            continue
        words = cells[col].split(" ")
        w = rng.randrange(len(words))
        if len(words[w]) > 3:
            j = rng.randrange(1, len(words[w]) - 1)
            words[w] = words[w][:j] + words[w][j + 1 :]
        cells[col] = " ".join(words)
        lines[i] = "\t".join(cells)
    for i in sorted(rng.sample(data, 8), reverse=True):  # labels cut, from the bottom up
        cells = lines[i].split("\t")
        col = _label_column(cells)
        if col is None:
            continue
        words = cells[col].split()
        k = rng.randrange(1, len(words))
        first, rest = list(cells), [""] * len(cells)
        first[col], rest[col] = " ".join(words[:k]), " ".join(words[k:])
        value = col + 2
        if value < len(cells) and cells[value].strip() and rng.random() < 0.5:
            first[value], rest[value] = "", cells[value]
        gap = ["", "", ""] if rng.random() < 0.7 else []
        lines[i : i + 1] = ["\t".join(first), *gap, "\t".join(rest)]
    return name, lines


def stress(ctx: Context, seed: str, trials: int, rng: random.Random, skip: set[str]) -> tuple[int, int, int]:
    """(trials with a misread value, marked values lost, marked values) over the trials."""
    base = marked(seed)
    truth = {f.indicator_id: f.value_num for f in read(ctx, base) if f.indicator_id and (f.value_num or 0) >= MARK}
    values = set(truth.values())
    misread = lost = 0
    for _ in range(trials):
        name, lines = edited(rng, base, skip)
        facts = read(ctx, lines)
        wrong = [
            f for f in facts if f.value_num in values and f.indicator_id and truth.get(f.indicator_id) != f.value_num
        ]
        got = {f.indicator_id: f.value_num for f in facts if f.indicator_id}
        lost += sum(1 for ind, v in truth.items() if got.get(ind) != v)
        if wrong:
            misread += 1
            print(
                f"{seed} {name}: "
                + "; ".join(f"'{f.label_raw[:40]}' -> {f.indicator_id} {f.value_num:g}" for f in wrong[:3])
            )
    return misread, lost, len(truth) * trials


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trials", type=int, default=60, help="per seed report")
    args = parser.parse_args()
    ctx, rng = Context.load(), random.Random(args.seed)
    totals = [0, 0, 0]
    for seed in SEEDS:
        for n, got in enumerate(stress(ctx, seed, args.trials, rng, {"markdown_pipes"})):
            totals[n] += got
    misread, lost, values = totals
    print(f"trials {args.trials * len(SEEDS)}: {misread} with a misread value; {lost} of {values} marked values lost")
    return 1 if totals[0] else 0


if __name__ == "__main__":
    sys.exit(main())
