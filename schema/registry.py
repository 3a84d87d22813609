"""Which agency a piece of text names, by the registry in schema/agencies/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from normalize.memo import Memo
from normalize.text import strip_diacritics
from schema.load import Agency, AgencyNames


@lru_cache(maxsize=16384)  # title lines and the form's own phrases repeat in every report
def agency_key(text: str) -> str:
    """Accents, case and punctuation dropped: "Sở LĐ-TB&XH" -> "so ld tb xh"."""
    return " ".join(re.findall(r"[0-9a-z]+", strip_diacritics(text).lower()))


MENTIONS_KEPT = 16_384


@dataclass(frozen=True)
class Mention:
    agency: Agency
    alias: str
    start: int  # position in the folded text


class AgencyRegistry:
    def __init__(self, agencies: tuple[Agency, ...], names: AgencyNames | None = None) -> None:
        self.agencies = agencies
        self._names = names
        if names is not None:
            cues, heads, ends = ("|".join(map(re.escape, words)) for words in (names.cues, names.heads, names.ends))
            self._named = re.compile(
                rf"(?:^|\s)(?:{cues})\s+(?P<name>(?:{heads})\s.*?)\s*(?=[,;:()]|$|\s(?:{ends})(?:\s|$))",
                re.IGNORECASE,
            )
        forms: dict[str, Agency] = {}
        for a in agencies:
            for alias in [a.name, *a.aliases]:
                forms.setdefault(agency_key(alias), a)
        self._forms = forms
        alts = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True) if f)
        self._pattern = re.compile(rf"(?<![0-9a-z])(?:{alts})(?![0-9a-z])")
        self._codes = {agency_key(c).replace(" ", ""): a for a in agencies for c in a.codes}
        self._mentions: Memo[str, tuple[Mention, ...]] = Memo(MENTIONS_KEPT)  # see mentions_folded

    def mentions(self, text: str) -> tuple[Mention, ...]:
        """Agencies named in the text, in order, the longest name at each place."""
        return self.mentions_folded(agency_key(text))

    def mentions_folded(self, folded: str) -> tuple[Mention, ...]:
        """`mentions` of a text already folded by agency_key (positions are in it). The
        alternation of every alias is tried at each position (~10 µs a line) and title
        lines repeat in every report of an agency: kept, up to MENTIONS_KEPT texts."""
        got = self._mentions.get(folded)
        if got is None:
            found = self._pattern.finditer(folded)
            got = self._mentions.keep(
                folded, tuple(Mention(self._forms[m.group(0)], m.group(0), m.start()) for m in found)
            )
        return got

    def named_unlisted(self, text: str) -> tuple[str, str] | None:
        """(name as printed, level) of an agency the text names after a cue ("của UBND xã
        An Ninh"), for when no listed agency is named; the level is "unknown" when the
        name's first words do not settle it."""
        m = self._named.search(text) if self._names is not None else None
        if m is None:
            return None
        name = " ".join(m["name"].split())
        key = agency_key(name)
        for level, starts in self._names.levels.items():  # type: ignore[union-attr]
            if any(key == s or key.startswith(s + " ") for s in starts):
                return name, level
        return name, "unknown"

    def by_code(self, code: str) -> Agency | None:
        """The issuer code of a report number ("SLĐTBXH" in "85/BC-SLĐTBXH")."""
        return self._codes.get(agency_key(code).replace(" ", ""))
