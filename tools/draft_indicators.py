"""Draft schema/indicators.yaml from the seed reports' tables (run once, then curate by hand).

Kept so the next engineer sees where the schema came from; the YAML, not this script, is
the source of truth. Rows with the same label key in the same section are one indicator
across templates; the curated file then adds aliases and fixes what words alone cannot.

    python tools/draft_indicators.py > /tmp/draft.yaml
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from normalize.numbers import parse_code_table
from normalize.text import match_key, strip_diacritics
from schema.load import load_units
from tests.conftest import SEED, rows_of_bytes

TEMPLATES = {"huyen_2023": ["000", "002"], "so_2023": ["001"], "tinh_2023": ["003"]}
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7}
SECTION_NAME = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII"}


def slug(label: str, limit: int = 64) -> str:
    words = re.findall(r"[a-z0-9]+", strip_diacritics(label).lower())
    out = ""
    for w in words:
        if len(out) + len(w) + 1 > limit:
            break
        out = f"{out}_{w}" if out else w
    return out


def value_type(unit: str | None, values: list[str], is_header: bool) -> tuple[str, dict | None]:
    codes = parse_code_table(unit)
    if codes:
        return ("bool" if codes.is_bool else "code"), {k: v for k, v in codes.codes}
    expect = load_units().expect_of(load_units().canonical(unit))
    if expect:
        return expect, None
    if any(re.match(r"^\d", v) for v in values if v):
        return ("percent" if any("%" in v for v in values) else "count"), None
    return ("group" if is_header else "text"), None


def main() -> None:
    indicators: dict[tuple, dict] = {}
    order: list[tuple] = []
    units = load_units()
    for template, seeds in TEMPLATES.items():
        for seed in seeds:
            rows = rows_of_bytes(SEED[seed].read_bytes())
            by_no = {r.row_no: r for r in rows}
            seen: dict[tuple, int] = {}
            for r in rows:
                sec = ROMAN.get(r.section or "") or int(r.section or 0)
                base = (sec, match_key(r.label))
                seen[base] = seen.get(base, 0) + 1
                key = (*base, seen[base])
                parent = by_no.get(r.parent_row_no) if r.parent_row_no else None
                if key not in indicators:
                    # The same indicator worded a little differently in another template.
                    vt, _ = value_type(r.unit, [r.value or ""], r.is_header)
                    near = [
                        (fuzz.token_sort_ratio(base[1], k[1]), k)
                        for k in order
                        if k[0] == sec and template not in indicators[k]["templates"] and indicators[k]["type"] == vt
                    ]
                    score, best = max(near, default=(0, None))
                    if score >= 92:
                        indicators[best]["aliases"].append(r.label)
                        key = best
                if key not in indicators:
                    vt, codes = value_type(r.unit, [r.value or ""], r.is_header)
                    indicators[key] = {
                        "id": f"{SECTION_NAME[sec].lower()}.{slug(r.label)}"
                        + (f"_{seen[base]}" if seen[base] > 1 else ""),
                        "section": SECTION_NAME[sec],
                        "parent": parent and (sec, match_key(parent.label), 1),
                        "label": r.label,
                        "unit": units.canonical(r.unit) if not codes else ("bool" if vt == "bool" else "code"),
                        "type": vt,
                        **({"codes": codes} if codes else {}),
                        "templates": [],
                        "aliases": [],
                    }
                    order.append(key)
                ind = indicators[key]
                if template not in ind["templates"]:
                    ind["templates"].append(template)
    used: set[str] = set()
    for key in order:
        ind = indicators[key]
        base, n = ind["id"], 2
        while ind["id"] in used:
            ind["id"], n = f"{base}_{n}", n + 1
        used.add(ind["id"])
    out = []
    for key in order:
        ind = dict(indicators[key])
        parent = ind.pop("parent")
        ind = {
            "id": ind["id"],
            "section": ind["section"],
            "parent": indicators[parent]["id"] if parent in indicators else None,
            **{k: v for k, v in ind.items() if k not in {"id", "section"}},
        }
        if not ind["aliases"]:
            ind.pop("aliases")
        out.append(ind)
    yaml.safe_dump({"indicators": out}, sys.stdout, allow_unicode=True, sort_keys=False, width=200)


if __name__ == "__main__":
    main()
