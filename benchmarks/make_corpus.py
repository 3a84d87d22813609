"""A synthetic corpus of N reports made from the seed templates, for the benchmarks.

    .venv/bin/python benchmarks/make_corpus.py --n 1000 [--mix txt=0.7,docx=0.25,pdf=0.05]

TXT and DOCX reports are the four table seeds with their numbers, agency and period
varied (DOCX written by the fixture script's own renderer). PDFs are rendered once —
the committed fixtures are that cache, LibreOffice is not needed here — and copied.
The corpus is written under benchmarks/.cache/ and reused when it already exists.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schema.load import Units, load_units  # noqa: E402
from tests.fixtures.make_fixtures import SEEDS, make_docx  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
FIXTURES = ROOT / "tests" / "fixtures"
DEPARTMENTS = ["SỞ TƯ PHÁP", "SỞ TÀI CHÍNH", "SỞ XÂY DỰNG", "SỞ Y TẾ", "SỞ NGOẠI VỤ", "SỞ CÔNG THƯƠNG"]
DISTRICTS = ["huyện Kế Sách", "huyện Long Phú", "huyện Mỹ Tú", "huyện Mỹ Xuyên", "huyện Thạnh Trị", "huyện Trần Đề"]
QUARTERS = ["I", "II", "III", "IV"]


def vary(text: str, rnd: random.Random, units: Units) -> str:
    """Other numbers, another agency, another period; the table's shape untouched.

    Numbers vary as another agency's would: counts (by their unit cell) by one factor a
    report, so parts stay within their totals; yes/no and code cells and rates as printed.
    (Generator 1 drew every number at random, so "Có = 1" rows held 237 and rates 345: ~34
    findings a report, where the real reports have ~4; a benchmark of those measured the
    findings more than the reports.)"""
    factor = rnd.uniform(0.5, 1.5)
    lines = []
    for line in text.split("\n"):
        cells = line.split("\t")
        if len(cells) == 5 and re.fullmatch(r"\d{1,3}", cells[3]) and units.resolve(cells[2] or None)[1] == "count":
            cells[3] = str(round(int(cells[3]) * factor))
        lines.append("\t".join(cells))
    out = "\n".join(lines)
    out = out.replace("SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", rnd.choice(DEPARTMENTS))
    out = out.replace("huyện Cù Lao Dung", rnd.choice(DISTRICTS)).replace("HUYỆN CÙ LAO DUNG", "HUYỆN MỸ TÚ")
    quarter, year = rnd.choice(QUARTERS), rnd.choice(["2022", "2023", "2024"])
    return re.sub(r"QUÝ I([ /])(NĂM )?2023", lambda m: f"QUÝ {quarter}{m.group(1)}{m.group(2) or ''}{year}", out)


GENERATOR = 2  # in the cache's folder name: a corpus of another generator is not reused


def make_corpus(n: int, mix: dict[str, float], seed: int = 1) -> Path:
    target = CACHE / (f"corpus-g{GENERATOR}-{n}-" + "-".join(f"{k}{v:g}" for k, v in sorted(mix.items())))
    if target.exists() and sum(1 for _ in target.iterdir()) == n:
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    rnd = random.Random(seed)
    keys = list(SEEDS)
    texts = {k: p.read_text(encoding="utf-8") for k, p in SEEDS.items()}
    units = load_units()
    kinds = [k for k, share in mix.items() for _ in range(round(share * n))]
    kinds = (kinds + ["txt"] * n)[:n]
    rnd.shuffle(kinds)
    with tempfile.TemporaryDirectory() as tmp:
        for i, kind in enumerate(kinds):
            key = keys[i % len(keys)]
            name = target / f"{i:06d}_{key}.{kind}"
            if kind == "pdf":
                shutil.copy(FIXTURES / f"{key}.pdf", name)
                continue
            text = vary(texts[key], rnd, units)
            if kind == "txt":
                name.write_text(text, encoding="utf-8")
            else:
                src = Path(tmp) / f"{key}.txt"
                src.write_text(text, encoding="utf-8")
                make_docx(src, name)
    return target


def parse_mix(text: str) -> dict[str, float]:
    return {k: float(v) for k, v in (part.split("=") for part in text.split(","))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--mix", default="txt=0.7,docx=0.25,pdf=0.05")
    args = parser.parse_args()
    print(make_corpus(args.n, parse_mix(args.mix)))


if __name__ == "__main__":
    main()
