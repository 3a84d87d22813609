"""Checks of a report's score rows (scores.parquet), as a reviewer of the PAR Index reads them.

Printed figures are accepted within half a unit of their last printed digit each, carried
through what a check computes: summed over the figures it adds up (81,71 against 81,70
passes: four rounded components), propagated through a division for a ratio (9.10 of
9.50 may print as 95.84 %: the report divided the unrounded 9.105).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator

from normalize.numbers import Expect, read_number
from pipeline.models import Finding
from pipeline.validate import Hit
from schema.load import Rules, ScoreConfig


def _half_unit(raw: str | None) -> float:
    m = re.search(r"[.,](\d+)\s*%?\s*$", raw or "")
    return 0.5 * 10.0 ** -(len(m.group(1)) if m else 0)


def _key(s: dict) -> tuple:
    return s["table"], s["criterion_code"], s["criterion_label"], s["year"]


def _by_measure(scores: list[dict]) -> dict[tuple, dict[str, dict]]:
    out: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for s in scores:
        if s["value"] is not None:
            out[_key(s)].setdefault(s["measure"], s)
    return out


def _name(key: tuple) -> str:
    table, code, label, year = key
    return f"{table} {code or ''} '{label}'{f' ({year})' if year else ''}".replace("  ", " ")


def ratio_checks(scores: list[dict]) -> Iterator[Hit]:
    for key, m in _by_measure(scores).items():
        if {"max", "achieved", "ratio"} <= set(m) and m["max"]["value"]:
            a, mx = m["achieved"]["value"], m["max"]["value"]
            exact = 100 * a / mx
            # the report divides the unrounded achieved score (maxima are set by regulation,
            # exact): its rounding carries through the division
            slack = _half_unit(m["ratio"]["value_raw"]) + 100 * _half_unit(m["achieved"]["value_raw"]) / mx
            if abs(exact - m["ratio"]["value"]) > slack + 1e-9:
                yield Hit(
                    f"{_name(key)}: ratio {m['ratio']['value_raw']} but {m['achieved']['value_raw']} of "
                    f"{m['max']['value_raw']} is {exact:.2f} %"
                )


def rank_checks(scores: list[dict], max_rank: int) -> Iterator[Hit]:
    for s in scores:
        if s["measure"] == "rank" and s["value"] is not None and not 1 <= s["value"] <= max_rank:
            yield Hit(f"{_name(_key(s))}: rank {s['value_raw']} outside 1–{max_rank}")


def total_checks(scores: list[dict], config: ScoreConfig) -> Iterator[Hit]:
    for check in config.checks.totals:
        by_year: dict[int | None, list[dict]] = defaultdict(list)
        for s in scores:
            if s["table"] == check.table and s["measure"] == "achieved" and s["value"] is not None:
                by_year[s["year"]].append(s)
        for year, rows in by_year.items():
            total = next((s for s in rows if s["criterion_label"] == check.total), None)
            parts = [s for s in rows if s is not total]
            if total is None or len(parts) < 2:
                continue
            got = sum(s["value"] for s in parts)
            slack = sum(_half_unit(s["value_raw"]) for s in [*parts, total])
            if abs(got - total["value"]) > slack + 1e-9:
                terms = " + ".join(s["value_raw"] for s in parts)
                yield Hit(
                    f"{check.table} ({year}): {terms} = {got:.4g}, not the published {check.total} {total['value_raw']}"
                )


def subcriteria_checks(scores: list[dict], config: ScoreConfig) -> Iterator[Hit]:
    for table in config.checks.subcriteria:
        rows = [s for s in scores if s["table"] == table and s["measure"] == "achieved" and s["value"] is not None]
        group: dict | None = None
        parts: list[dict] = []
        for s in [*rows, None]:
            numbered = s is not None and re.fullmatch(r"\(\d+\)", s["criterion_code"] or "")
            if numbered:
                parts.append(s)
                continue
            if group is not None and len(parts) >= 2:
                got = sum(p["value"] for p in parts)
                slack = sum(_half_unit(p["value_raw"]) for p in [*parts, group])
                if abs(got - group["value"]) > slack + 1e-9:
                    codes = f"{parts[0]['criterion_code']}–{parts[-1]['criterion_code']}"
                    yield Hit(
                        f"{table} {group['criterion_code'] or ''} '{group['criterion_label']}': "
                        f"{codes} add up to {got:.4f}, not {group['value_raw']}"
                    )
            group, parts = s, []


def text_total_checks(scores: list[dict], config: ScoreConfig, text: str) -> Iterator[Hit]:
    prose = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower())
    for check in config.checks.text_totals:
        pattern = check.pattern.replace("{n}", r"(?P<n>\d[\d.,]*)")
        m = re.search(pattern, prose)
        if not m:
            continue
        stated = read_number(m.group("n").rstrip(".,"), Expect.DECIMAL).value
        rows = _by_measure([s for s in scores if s["table"] == check.table])
        pairs = [(v["max"], v["achieved"]) for v in rows.values() if "max" in v and "achieved" in v]
        if stated is None or not pairs:
            continue
        got = sum(mx["value"] - ac["value"] for mx, ac in pairs)
        if abs(got - float(stated)) > 0.00005 * len(pairs) + 1e-9:
            yield Hit(
                f"the text says '{m.group(0)}' but the {len(pairs)} rows of {check.table} give {got:.4f}".replace(
                    ".", ",", 1
                )
            )


def validate_scores(scores: list[dict], config: ScoreConfig, rules: Rules, text: str) -> list[Finding]:
    checks = {
        "score_ratio_mismatch": ratio_checks(scores),
        "rank_range": rank_checks(scores, config.checks.max_rank),
        "score_total_mismatch": total_checks(scores, config),
        "subcriteria_sum_mismatch": subcriteria_checks(scores, config),
        "text_total_mismatch": text_total_checks(scores, config, text),
    }
    findings = []
    for name, hits in checks.items():
        rule = rules.rules.get(name)
        if rule is None or rule.severity == "off":
            continue
        findings.extend(Finding(rule=name, severity=rule.severity, message=h.message) for h in hits)
    return findings
