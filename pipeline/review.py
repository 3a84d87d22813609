"""The analyst's loop for labels the matcher could not settle.

`cchc review` lists the unmatched and low-confidence labels of the last run, once per
distinct label and section, with the best candidates; the analyst writes an indicator_id
in the last column; `cchc review --apply` adds those rows to the overrides file, which the
next `cchc ingest` applies (`match_method = manual`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.read_output import scan

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


SEEN_IN_LISTED = 5  # file names per label in the CSV; the count says how many in all


def review_rows(out_dir: Path, below: float) -> list[dict]:
    """Labels unmatched or matched below `below`, grouped by (label, section).

    Both Parquet files are scanned a batch at a time and only weak rows become Python
    objects, so memory follows the number of distinct labels, not the size of the run.
    """
    candidates: dict[tuple[str | None, str | None], list[str]] = {}
    for f in scan(
        out_dir / "findings.parquet",
        ["rule", "message", "section", "label_raw"],
        lambda b: pc.is_in(b["rule"], value_set=pa.array(["unmatched_label", "match_review"])),
    ):
        message = f["message"]
        found = candidates.setdefault((f["label_raw"], f["section"]), [])
        for part in message.split("nearest: ")[-1].split(", ") if "nearest: " in message else []:
            if part and part != "none" and part not in found:
                found.append(part)

    def weak(b: pa.RecordBatch) -> pa.Array:
        fuzzy_low = pc.and_(pc.equal(b["match_method"], "fuzzy"), pc.less(b["match_score"], below))
        return pc.fill_null(pc.or_(pc.equal(b["match_method"], "unmatched"), fuzzy_low), False)

    groups: dict[tuple[str, str | None], dict] = {}
    columns = ["source_file", "section", "label_raw", "indicator_id", "match_score", "match_method"]
    for f in scan(out_dir / "facts.parquet", columns, weak, where_reads=["match_method", "match_score"]):
        g = groups.setdefault(
            (f["label_raw"], f["section"]),
            {
                "label": f["label_raw"],
                "section": f["section"] or "",
                "seen_in": [],
                "files": 0,
                "rows": 0,
                "current_id": f["indicator_id"] or "",
                "score": f["match_score"],
            },
        )
        g["rows"] += 1
        if not g["seen_in"] or g["last"] != f["source_file"]:  # facts are in file order
            g["files"] += 1
            g["last"] = f["source_file"]
            if len(g["seen_in"]) < SEEN_IN_LISTED:
                g["seen_in"].append(f["source_file"])
    out = []
    for g in sorted(groups.values(), key=lambda g: (g["section"], g["label"])):
        cands = [*candidates.get((g["label"], g["section"] or None), []), "", "", ""][:3]
        more = g["files"] - len(g["seen_in"])
        seen_in = "; ".join(g["seen_in"]) + (f"; … and {more} more" if more else "")
        out.append(
            {
                **{k: g[k] for k in ("label", "section", "rows", "current_id", "score")},
                "seen_in": seen_in,
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
