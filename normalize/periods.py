"""Reporting periods written in titles: "Quý I/2023", "QUÝ I NĂM 2023", "quý 1 năm 2023",
"6 tháng đầu năm 2023", "9 tháng năm 2023", "năm 2023", with or without diacritics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from normalize.text import strip_diacritics

_ROMAN_Q = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = r"(?:19|20)\d\d"
_QUARTER = re.compile(rf"\bquy\s*(iv|iii|ii|i|[1-4])\b(?:[^\d]{{0,60}}?(?:nam|/)\s*({_YEAR}))?")
_MONTHS = re.compile(rf"\b(6|9|sau|chin)\s*thang(?:\s*(dau|cuoi))?(?:\s*nam)?\s*({_YEAR})?")
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
    return re.sub(r"\s+", " ", strip_diacritics(text).lower())


def find_period(text: str) -> Period | None:
    """The first period a title states. A narrative title naming next quarter's plan
    ("quý I và phương hướng nhiệm vụ quý II năm 2023") reports the first quarter named."""
    t = fold(text)
    if _DATE.search(t):  # "Cù Lao Dung, ngày 16 tháng 3 năm 2023" is a date, not a period
        t = _DATE.sub(" ", t)
    m = _QUARTER.search(t)
    if m:
        year = m.group(2) or _first_year(t[m.end() :])
        return Period("quy", _ROMAN_Q[m.group(1)], int(year) if year else None, m.group(0))
    m = _MONTHS.search(t)
    if m:
        months = {"6": "6thang", "sau": "6thang", "9": "9thang", "chin": "9thang"}[m.group(1)]
        year = m.group(3) or _first_year(t[m.end() :])
        if m.group(2) == "cuoi":  # "6 tháng cuối năm": the second half, which no period_type names
            months = "unknown"
        return Period(months, None, int(year) if year else None, m.group(0))
    m = _YEAR_ONLY.search(t)
    if m:
        return Period("nam", None, int(m.group(1)), m.group(0))
    return None


def _first_year(text: str) -> str | None:
    m = re.search(rf"\b({_YEAR})\b", text[:80])
    return m.group(1) if m else None
