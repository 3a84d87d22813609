"""The analyst's loop for labels the matcher could not settle.

`cchc review` lists the unmatched and low-confidence labels of the last run, once per
distinct label and section, with the best candidates; the analyst writes an indicator_id
in the last column; `cchc review --apply` adds those rows to the overrides file, which the
next `cchc ingest` applies (`match_method = manual`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

REVIEW_COLUMNS = [
    "label",
    "section",
    "seen_in",
    "rows",
    "current_id",
    "score",
    "candidate_1",
    "candidate_2",
    "candidate_3",
    "indicator_id",
]
OVERRIDE_COLUMNS = ["label", "section", "indicator_id", "note"]


def review_rows(out_dir: Path, below: float) -> list[dict]:
    """Labels unmatched or matched below `below`, grouped by (label, section)."""
    table = pq.read_table(
        out_dir / "facts.parquet",
        columns=["source_file", "row_no", "section", "label_raw", "indicator_id", "match_score", "match_method"],
    )
    # only the weak rows become Python objects: a large run has millions of facts
    weak_rows = pc.or_(
        pc.equal(table["match_method"], "unmatched"),
        pc.and_(pc.equal(table["match_method"], "fuzzy"), pc.less(table["match_score"], below)),
    )
    facts = table.filter(weak_rows).to_pylist()
    findings = pq.read_table(out_dir / "findings.parquet", columns=["source_file", "row_no", "rule", "message"])
    candidates = {
        (f["source_file"], f["row_no"]): f["message"]
        for f in findings.to_pylist()
        if f["rule"] in ("unmatched_label", "match_review")
    }
    groups: dict[tuple[str, str | None], dict] = {}
    for f in facts:
        weak = f["match_method"] == "unmatched" or (f["match_method"] == "fuzzy" and (f["match_score"] or 0) < below)
        if not weak:
            continue
        key = (f["label_raw"], f["section"])
        g = groups.setdefault(
            key,
            {
                "label": f["label_raw"],
                "section": f["section"] or "",
                "seen_in": [],
                "rows": 0,
                "current_id": f["indicator_id"] or "",
                "score": f["match_score"],
                "candidates": [],
            },
        )
        g["rows"] += 1
        if f["source_file"] not in g["seen_in"]:
            g["seen_in"].append(f["source_file"])
        message = candidates.get((f["source_file"], f["row_no"]), "")
        for part in message.split("nearest: ")[-1].split(", ") if "nearest: " in message else []:
            if part and part != "none" and part not in g["candidates"]:
                g["candidates"].append(part)
    out = []
    for g in sorted(groups.values(), key=lambda g: (g["section"], g["label"])):
        cands = [*g.pop("candidates"), "", "", ""][:3]
        out.append(
            {
                **g,
                "seen_in": "; ".join(g["seen_in"]),
                "candidate_1": cands[0],
                "candidate_2": cands[1],
                "candidate_3": cands[2],
                "indicator_id": "",
            }
        )
    return out


def write_review(rows: list[dict], path: Path) -> None:
    # utf-8-sig: Excel opens it with the Vietnamese letters intact
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=REVIEW_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def apply_review(review: Path, overrides: Path, known_ids: set[str]) -> tuple[int, list[str]]:
    """Append the filled rows of a review CSV to the overrides file; returns (added, problems)."""
    with review.open(encoding="utf-8-sig", newline="") as fh:
        filled = [r for r in csv.DictReader(fh) if (r.get("indicator_id") or "").strip()]
    problems = [
        f"'{r['label']}': unknown indicator_id {r['indicator_id'].strip()}"
        for r in filled
        if r["indicator_id"].strip() not in known_ids
    ]
    if problems:
        return 0, problems
    existing: list[dict] = []
    if overrides.exists():
        with overrides.open(encoding="utf-8-sig", newline="") as fh:
            existing = list(csv.DictReader(fh))
    seen = {(r["label"], r.get("section") or "") for r in existing}
    added = [
        {
            "label": r["label"],
            "section": r.get("section") or "",
            "indicator_id": r["indicator_id"].strip(),
            "note": f"from review of {r.get('seen_in', '')}"[:200],
        }
        for r in filled
        if (r["label"], r.get("section") or "") not in seen
    ]
    tmp = overrides.with_name(f".{overrides.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=OVERRIDE_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows([*existing, *added])
    tmp.replace(overrides)
    return len(added), []
