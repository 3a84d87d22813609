"""Reporting periods written in titles: "Quý I/2023", "QUÝ I NĂM 2023", "quý 1 năm 2023",
"6 tháng đầu năm 2023", "9 tháng năm 2023", "năm 2023", with or without diacritics."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from normalize.text import strip_diacritics

_ROMAN_Q = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_WORD_Q = {"nhat": 1, "mot": 1, "hai": 2, "ba": 3, "tu": 4, "bon": 4}  # "quý thứ nhất", "quý ba"
_YEAR = r"(?:19|20)\d\d"
_QUARTER = re.compile(
    # "quý tư" only as "quý thứ tư": "quy tụ" (to gather) folds to "quy tu"
    rf"\bquy\s*(?:0?(iv|iii|ii|i|[1-4])|thu\s+(nhat|hai|ba|tu)|(mot|hai|ba|bon))\b"
    rf"(?:[^\d]{{0,60}}?(?:nam|/)\s*({_YEAR}))?"
)
# "6 tháng", "sáu tháng", "06 tháng", "bán niên" (the half year); "tháng" required after a
# number or its word: "hành chính" folds to "hanh chinh".
_MONTHS = re.compile(rf"\b(?:(0?6|0?9|sau|chin)\s*thang|(ban nien))(?:\s*(dau|cuoi))?(?:\s*nam)?\s*({_YEAR})?")
# A quarter or a count of months the patterns above cannot read ("quý 5", "3 tháng đầu năm",
# "12 tháng"): the period is not known, and must not fall back to the year it names.
_UNREAD = re.compile(r"\bquy\s*(?:\d+|[ivx]+)\b|\b\d+\s*thang\b")
_YEAR_ONLY = re.compile(rf"\bnam\s*({_YEAR})\b")
_DATE = re.compile(r"\bngay\b.{0,12}\bthang\b.{0,8}\bnam\b")


@dataclass(frozen=True)
class Period:
    period_type: str  # quy | 6thang | 9thang | nam | unknown (a period the contract cannot name)
    period_num: int | None
    year: int | None
    text: str  # what was read, for the finding that says where the period came from


@lru_cache(maxsize=16384)  # title lines repeat in every report of a form
def fold(text: str) -> str:
    # NFKC first: "QUÝ Ⅰ" is typed with the Roman numeral sign as often as with the letter
    return re.sub(r"\s+", " ", strip_diacritics(unicodedata.normalize("NFKC", text)).lower())


def find_period(text: str) -> Period | None:
    """The first period a title states. A narrative title naming next quarter's plan
    ("quý I và phương hướng nhiệm vụ quý II năm 2023") reports the first quarter named."""
    t = fold(text)
    if _DATE.search(t):  # "Cù Lao Dung, ngày 16 tháng 3 năm 2023" is a date, not a period
        t = _DATE.sub(" ", t)
    m = _QUARTER.search(t)
    if m:
        year = m.group(4) or _first_year(t[m.end() :])
        quarter = _ROMAN_Q[m.group(1)] if m.group(1) else _WORD_Q[m.group(2) or m.group(3)]
        return Period("quy", quarter, int(year) if year else None, m.group(0))
    m = _MONTHS.search(t)
    if m:
        months = {"6": "6thang", "sau": "6thang", "9": "9thang", "chin": "9thang"}[(m.group(1) or "6").lstrip("0")]
        year = m.group(4) or _first_year(t[m.end() :])
        if m.group(3) == "cuoi":  # "6 tháng cuối năm": the second half, which no period_type names
            months = "unknown"
        return Period(months, None, int(year) if year else None, m.group(0))
    m = _UNREAD.search(t)
    if m:
        year = _first_year(t[m.end() :])
        return Period("unknown", None, int(year) if year else None, m.group(0))
    m = _YEAR_ONLY.search(t)
    if m:
        return Period("nam", None, int(m.group(1)), m.group(0))
    return None


def _first_year(text: str) -> str | None:
    m = re.search(rf"\b({_YEAR})\b", text[:80])
    return m.group(1) if m else None
