"""Row labels -> canonical indicators.

Order of trust: an analyst's override (manual), the canonical label (exact), a known
alias (alias), then similarity (fuzzy) with rapidfuzz over the whole report at once.
Words alone do not decide between indicators that share them: candidates are limited to
the row's section, the group header the row sits under adds to the score, and one
indicator is given to one row of a report, in template order ("Số VBQPPL phát hiện trái
pháp luật" appears twice in II.2: self-inspection first, inspection by authority second).
A fuzzy candidate that swaps a contrasting word ("cấp huyện" for "cấp xã", "mức độ 3" for
"mức độ 4") is refused: such labels are ~95 % alike and mean different numbers.
"""

from __future__ import annotations

import copy
import re
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import permutations
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from normalize.memo import Memo
from normalize.text import match_key, strip_diacritics
from schema.load import Indicator, Indicators, LabelRules, Override

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}


def section_ordinal(section: str | None) -> int | None:
    """ "IV" and "4" are the same section of the form."""
    if not section:
        return None
    s = section.strip().rstrip(".").upper()
    if s in ROMAN:
        return ROMAN[s]
    return int(s) if s.isdigit() else None


@dataclass(frozen=True)
class MatchSettings:
    # At or above: a fuzzy match is taken. On the seeds, reworded labels of the same
    # indicator score 91–99 and the nearest wrong indicator that the contrast guard lets
    # through scores at most ~88.
    accept: float = 90.0
    # Between review and accept: taken, with a `match_review` finding naming the runner-up.
    review: float = 80.0
    # How much a matching group header adds when ranking candidates (ties between equal labels).
    parent_weight: float = 0.08
    # Rows of one label whose group headers, all together, fit their twin indicators better
    # by this much (likeness points, 0–100 a row) than the row-by-row choice get them dealt
    # again (Matcher._settle_twins): a header left out, not a header a letter nearer.
    twin_margin: float = 20.0
    twins_settled: int = 6  # rows of one label dealt again together, at most (6! orders)
    # Keys without diacritics are a fallback for labels typed without accents; a small
    # penalty lets the accented key win when both match.
    ascii_penalty: float = 2.0
    # Candidates looked at per row after ranking (the guard may refuse the first ones).
    depth: int = 8
    # A qualifier of at least this many letters is present one letter off ("bị kỷ luậ",
    # "bổ nhệm mới"): typed so, a label read as lacking it was refused its own indicator.
    qualifier_typo_letters: int = 6


class _Replacer:
    """Rewrites every key of `table` that `pattern` finds to its value. A class, not a
    closure: the matcher travels to spawned worker processes (Windows, macOS) by pickle."""

    def __init__(self, pattern: re.Pattern[str], table: dict[str, str]) -> None:
        self.pattern, self.table = pattern, table

    def __call__(self, text: str) -> str:
        return self.pattern.sub(self._substitute, text)

    def _substitute(self, m: re.Match[str]) -> str:
        return self.table[m.group(0)]


class Query(NamedTuple):
    """What the matcher needs of a table row. A tuple: a report's queries are the key of
    the match memo, hashed and compared on every report (a dataclass did that in Python)."""

    label: str
    section: str | None
    parent_label: str | None


@dataclass(frozen=True)
class Match:
    indicator_id: str | None
    score: float
    method: str  # exact | alias | fuzzy | manual | unmatched
    candidates: tuple[tuple[str, float], ...] = ()  # best three (id, score), for findings and review
    needs_review: bool = False
    # The indicator this row was nearest to, left to a row that names it for sure, and that
    # row's position among the report's rows when one took it (see Matcher._assign).
    yielded: tuple[str, int | None] | None = None


@dataclass(frozen=True)
class ReportMatch:
    template: str | None
    shares: dict[str, float]  # per template: share of rows it matches at >= accept
    matches: tuple[Match, ...]


# (contrast words found, group by group; numbers printed; qualifiers present)
_Signature = tuple[tuple[frozenset[int], ...], frozenset[str], tuple[bool, ...]]


@dataclass(frozen=True)
class _Scores:
    keys: list[str]
    signatures: list[_Signature]
    per_ind: np.ndarray  # rows x indicators: best label/alias similarity, -1 outside the section
    parents: list[str]  # key of the group header each row sits under (as matched, once it is)


def _holds_nearly(text: str, phrase: str) -> bool:
    """Whether `text` holds `phrase` one edit off (a letter dropped, doubled or mistyped), as
    whole words: "…luật kiểm tra" ends in "t5 kiêm3 tra", one letter off "tự kiểm tra"."""
    n = len(phrase)
    found = fuzz.partial_ratio_alignment(phrase, text, score_cutoff=100 * (1 - 2 / (2 * n - 1)))
    if found is None:
        return False
    for start in (found.dest_start - 1, found.dest_start, found.dest_start + 1):
        if start < 0 or (start > 0 and text[start - 1].isalnum()):
            continue
        for end in (start + n - 1, start + n, start + n + 1):
            whole = end >= len(text) or not text[end].isalnum()
            if whole and Levenshtein.distance(phrase, text[start:end], score_cutoff=1) <= 1:
                return True
    return False


class Matcher:
    def __init__(
        self,
        indicators: Indicators,
        rules: LabelRules,
        overrides: list[Override],
        settings: MatchSettings | None = None,
    ) -> None:
        self.settings = settings or MatchSettings()
        self.indicators = indicators.indicators
        self._by_id = indicators.by_id()
        # One alternation per pass (abbreviations, then wordings), longest first; each entry
        # also without accents ("DVSNCL", "so luong"), for labels typed without them.
        self._passes = [self._replacer(self._with_ascii_forms(table)) for table in (rules.abbreviations, rules.phrases)]
        self._key_cache: dict[str, str] = {}
        self._joins: Memo[tuple[str, str, bool], bool] = Memo(self.JOINS_KEPT)
        self._sig_cache: dict[str, _Signature] = {}
        self._mask_cache: dict[frozenset[str], np.ndarray] = {}
        self._col_cache: dict[int, np.ndarray] = {}
        self._raw_cache: dict[str, str] = {}
        self._report_memo: OrderedDict[tuple, ReportMatch] = OrderedDict()
        # Contrast words, with and without accents, each mapped to (group, word) pairs: one
        # finditer per key instead of a search per word.
        # A qualifier is a group of one: present on one side only is a contrast too.
        groups = [*rules.contrasts, *([q] for q in rules.qualifiers)]
        self._n_exclusive = len(rules.contrasts)
        self._n_groups = len(groups)
        where: dict[str, set[tuple[int, int]]] = {}
        for g, group in enumerate(groups):
            for w, word in enumerate(group):
                k = self.key(word)
                for form in (k, self.ascii(k)):
                    where.setdefault(form, set()).add((g, w))
        self._contrast_at = where
        self._contrast_re = self._alternation(where)
        keys = [self.key(q) for q in rules.qualifiers]
        self._long_qualifiers = [
            (self._n_exclusive + n, k, self.ascii(k))
            for n, k in enumerate(keys)
            if sum(ch.isalpha() for ch in k) >= self.settings.qualifier_typo_letters
        ]
        self._overrides = {(self.key(o.label), section_ordinal(o.section)): o.indicator_id for o in overrides}
        unknown = sorted({o.indicator_id for o in overrides if o.indicator_id not in self._by_id})
        if unknown:
            raise ValueError(f"schema/overrides.csv names unknown indicator ids: {', '.join(unknown)}")

    def without(self, ids: set[str]) -> Matcher:
        """The same matcher with some indicators removed (references to them dropped),
        sharing the key caches: "what would this label match if X were not in the schema"."""
        kept = [
            i.model_copy(
                update={
                    "parent": None if i.parent in ids else i.parent,
                    "replaced_by": None if i.replaced_by in ids else i.replaced_by,
                }
            )
            for i in self.indicators
            if i.id not in ids
        ]
        clone = copy.copy(self)
        clone.indicators = kept
        clone._by_id = {i.id: i for i in kept}
        clone._mask_cache, clone._col_cache, clone._report_memo = {}, {}, OrderedDict()
        clone._joins = Memo(self.JOINS_KEPT)
        for name in (
            "_choices",
            "_raw_choices",
            "_label_keys",
            "_signatures",
            "_parent_keys",
            "_parent_signatures",
            "_exact",
            "_exact_ascii",
            "_ids",
            "_sections",
            "_position",
        ):
            clone.__dict__.pop(name, None)
        return clone

    # --- keys -----------------------------------------------------------------------

    @staticmethod
    def _alternation(words: dict[str, object]) -> re.Pattern[str]:
        alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"
        return re.compile(rf"(?<!\w)(?:{alts})(?!\w)")

    def _with_ascii_forms(self, table: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for a, b in table.items():
            out[match_key(a)] = match_key(b)
            out.setdefault(self.ascii(match_key(a)), self.ascii(match_key(b)))
        return out

    def _replacer(self, table: dict[str, str]) -> _Replacer:
        return _Replacer(self._alternation(table), table)

    def key(self, label: str) -> str:
        """Comparison key: case, punctuation, tone placement, abbreviations, wordings folded."""
        k = self._key_cache.get(label)
        if k is None:
            k = match_key(label)
            for replace in self._passes:
                k = replace(k)
            self._key_cache[label] = k
        return k

    def _raw_key(self, label: str) -> str:
        k = self._raw_cache.get(label)
        if k is None:
            k = self._raw_cache[label] = match_key(label)
        return k

    @staticmethod
    def ascii(key: str) -> str:
        return re.sub(r"(?<=[^\W\d])[1-5]\b", "", strip_diacritics(key))

    def signature(self, key: str) -> _Signature:
        """Which contrast words a key holds (group by group) and which numbers it prints."""
        sig = self._sig_cache.get(key)
        if sig is None:
            plain = self.ascii(key)
            found: list[set[int]] = [set() for _ in range(self._n_groups)]
            for text in (key, plain):
                for m in self._contrast_re.finditer(text):
                    for g, w in self._contrast_at[m.group(0)]:
                        found[g].add(w)
            for g, q, q_plain in self._long_qualifiers:
                if not found[g] and (_holds_nearly(key, q) or _holds_nearly(plain, q_plain)):
                    found[g].add(0)
            groups = tuple(frozenset(f) for f in found)
            qualifiers = tuple(bool(f) for f in found[self._n_exclusive :])
            sig = groups, frozenset(re.findall(r"(?<!\w)\d+(?!\w)", plain)), qualifiers
            self._sig_cache[key] = sig
        return sig

    @staticmethod
    def contrast(row: _Signature, ind: _Signature) -> bool:
        """True when the two cannot name the same indicator: they swap words of a contrast
        group, one has a qualifier the other lacks, or both print numbers and not the same
        ones. A false contrast costs a match (the row stays unmatched), never a wrong number."""
        n = len(row[0]) - len(row[2])
        for row_has, ind_has in zip(row[0][:n], ind[0][:n], strict=True):
            if row_has - ind_has and ind_has - row_has:
                return True
        if row[2] != ind[2]:  # a qualifier on one side only
            return True
        return bool(row[1] and ind[1] and row[1] != ind[1])

    @cached_property
    def _choices(self) -> tuple[list[str], list[str], np.ndarray]:
        """Every label and alias as a key, with the indicator it names."""
        keys, owner = [], []
        for n, ind in enumerate(self.indicators):
            for text in [ind.label, *ind.aliases]:
                keys.append(self.key(text))
                owner.append(n)
        return keys, [self.ascii(k) for k in keys], np.asarray(owner)

    @cached_property
    def _raw_choices(self) -> list[str]:
        """The same keys without abbreviations expanded: a typo inside an abbreviation
        ("TTC" for "TTHC") defeats the expansion but not this comparison."""
        return [match_key(t) for ind in self.indicators for t in [ind.label, *ind.aliases]]

    @cached_property
    def _label_keys(self) -> dict[str, tuple[str, set[str]]]:
        return {i.id: (self.key(i.label), {self.key(a) for a in i.aliases}) for i in self.indicators}

    @cached_property
    def _signatures(self) -> dict[str, list[_Signature]]:
        return {i.id: [self.signature(self.key(t)) for t in [i.label, *i.aliases]] for i in self.indicators}

    @cached_property
    def _parent_keys(self) -> list[str]:
        return [self.key(self._by_id[i.parent].label) if i.parent else "" for i in self.indicators]

    @cached_property
    def _parent_signatures(self) -> list[_Signature | None]:
        return [self.signature(k) if k else None for k in self._parent_keys]

    @cached_property
    def _exact(self) -> dict[str, list[int]]:
        """Key -> indicators whose label or alias has exactly that key."""
        keys, _, owner = self._choices
        out: dict[str, list[int]] = {}
        for k, n in zip(keys, owner, strict=True):
            if n not in out.setdefault(k, []):
                out[k].append(int(n))
        return out

    @cached_property
    def _exact_ascii(self) -> set[str]:
        return {self.ascii(k) for k in self._exact}

    def _choice_columns(self, section: int) -> np.ndarray:
        """Columns of the label/alias keys whose indicator is in `section` (all for 0)."""
        cols = self._col_cache.get(section)
        if cols is None:
            owner = self._choices[2]
            cols = np.arange(len(owner)) if section == 0 else np.flatnonzero(self._sections[owner] == section)
            self._col_cache[section] = cols
        return cols

    @cached_property
    def _sections(self) -> np.ndarray:
        return np.array([section_ordinal(i.section) or 0 for i in self.indicators])

    def _in_template(self, templates: set[str] | None) -> np.ndarray:
        key = frozenset(templates or ())
        mask = self._mask_cache.get(key)
        if mask is None:
            mask = np.array([not key or bool(key & set(i.templates)) for i in self.indicators])
            self._mask_cache[key] = mask
        return mask

    # --- matching -------------------------------------------------------------------

    # Reports of one form mostly repeat its labels verbatim (150 agencies fill the same
    # template), and a report's match depends on nothing but its labels: the last few
    # distinct label lists are remembered. The result is shared: callers must not mutate it.
    REPORT_MEMO = 32

    def match(self, queries: Sequence[tuple[str, str | None, str | None]], templates: list[str]) -> ReportMatch:
        """Detect the report's form among `templates` and match its rows, preferring that form.
        `queries` may be plain (label, section, parent label) tuples: a report of a form seen
        before is found in the memo by them, and only a new one is made into Querys (a
        named tuple costs ten times a plain one to build, 0.1 ms a report)."""
        key = (tuple(queries), tuple(templates))
        found = self._report_memo.get(key)
        if found is not None:
            self._report_memo.move_to_end(key)
            return found
        found = self._match([Query._make(q) for q in queries], templates)
        self._report_memo[key] = found
        if len(self._report_memo) > self.REPORT_MEMO:
            self._report_memo.popitem(last=False)
        return found

    def _match(self, queries: list[Query], templates: list[str]) -> ReportMatch:
        scores = self._score(queries)
        shares: dict[str, float] = {}
        for t in templates:
            best = np.where(self._in_template({t})[None, :], scores.per_ind, -1.0).max(axis=1, initial=-1.0)
            shares[t] = float(np.mean(best >= self.settings.accept)) if queries else 0.0
        template = None
        if shares and max(shares.values()) > 0:
            template = max(templates, key=lambda t: (shares[t], -templates.index(t)))
        return ReportMatch(template, shares, tuple(self._assign(queries, scores, {template} if template else None)))

    def match_report(self, queries: list[Query], templates: set[str] | None = None) -> list[Match]:
        """Match all rows of one report, preferring the indicators of `templates`."""
        return self._assign(queries, self._score(queries), templates)

    def _score(self, queries: list[Query]) -> _Scores:
        """Exact keys by lookup; the rest with one cdist call, not a Python loop over pairs."""
        keys, ascii_keys, owner = self._choices
        q_keys = [self.key(q.label) for q in queries]
        per_ind = np.full((len(queries), len(self.indicators)), -1.0, dtype=np.float32)
        fuzzy_rows = []
        for qi, k in enumerate(q_keys):
            exact = self._exact.get(k)
            if exact:
                per_ind[qi, exact] = 100.0
            else:
                fuzzy_rows.append(qi)
        q_sections = np.array([section_ordinal(q.section) or 0 for q in queries])
        # Fuzzy rows are compared only with the indicators of their own section.
        by_section: dict[int, list[int]] = {}
        for qi in fuzzy_rows:
            by_section.setdefault(int(q_sections[qi]), []).append(qi)
        for section, rows in by_section.items():
            cols = self._choice_columns(section)
            fk = [q_keys[i] for i in rows]
            scores = process.cdist(fk, [keys[c] for c in cols], scorer=fuzz.ratio, dtype=np.float32, workers=1)
            raw = process.cdist(
                [self._raw_key(queries[i].label) for i in rows],
                [self._raw_choices[c] for c in cols],
                scorer=fuzz.ratio,
                dtype=np.float32,
                workers=1,
            )
            plain = process.cdist(
                [self.ascii(k) for k in fk],
                [ascii_keys[c] for c in cols],
                scorer=fuzz.ratio,
                dtype=np.float32,
                workers=1,
            )
            scores = np.maximum(np.maximum(scores, raw), plain - self.settings.ascii_penalty)
            sub = np.full((len(rows), len(self.indicators)), -1.0, dtype=np.float32)
            np.maximum.at(sub.T, owner[cols], scores.T)  # best over each indicator's label and aliases
            per_ind[rows] = sub
        same_section = (q_sections[:, None] == 0) | (q_sections[:, None] == self._sections[None, :])
        per_ind = np.where(same_section, per_ind, -1.0)
        parents = [self.key(q.parent_label) if q.parent_label else "" for q in queries]
        return _Scores(q_keys, [self.signature(k) for k in q_keys], per_ind, parents)

    def _assign(self, queries: list[Query], s: _Scores, templates: set[str] | None) -> list[Match]:
        preferred = self._in_template(templates)
        # A row matched by likeness never takes an indicator that rows naming it word for
        # word will need: a label cut short by a page break ("Liên thông từ UBND tỉnh đến",
        # "Tổng số người làm việc") is nearest a sibling printed in full further on, and took
        # it first, pushing that row onto another sibling or sharing the indicator with it.
        reserved = self._reserved(s, preferred)
        free = ~reserved
        taken: set[str] = set()
        out: list[Match] = []
        previous = -1  # schema position of the last matched row: template order breaks ties
        matched: dict[str, str] = {}  # a row's label as printed -> its indicator's label key
        group = ""  # label key of the last row matched to a group header
        for qi, q in enumerate(queries):
            # The group header a row sits under, as the schema words it once matched: typed
            # "UBND cấp hyện", it no longer contrasts with "UBND cấp xã" (see _best). A row
            # the numbering puts under no header (a table without an STT column) sits under
            # the last group header matched.
            if q.parent_label in matched:
                s.parents[qi] = matched[q.parent_label]
            elif not q.parent_label:
                s.parents[qi] = group
            match = self._manual(q, s.keys[qi])
            if match is None:
                match = self._pick(qi, s, preferred, templates, taken, previous)
                if match.method == "fuzzy" and reserved[self._position[match.indicator_id]]:  # type: ignore[index]
                    other = self._pick(qi, s, preferred & free, templates, taken, previous, free)
                    match = replace(other, needs_review=other.method == "fuzzy", yielded=(match.indicator_id, None))  # type: ignore[arg-type]
            out.append(match)
            if match.indicator_id:
                taken.add(match.indicator_id)
                previous = self._position[match.indicator_id]
                matched[q.label] = self._label_keys[match.indicator_id][0]
                if self._by_id[match.indicator_id].type == "group":
                    group = matched[q.label]
        holder = {m.indicator_id: qi for qi, m in enumerate(out) if m.indicator_id and m.method != "fuzzy"}
        for qi, m in enumerate(out):
            if m.yielded:
                out[qi] = replace(m, yielded=(m.yielded[0], holder.get(m.yielded[0])))
        self._one_row_each(s, out, preferred, templates)
        self._settle_twins(s, out)
        return out

    def _reserved(self, s: _Scores, preferred: np.ndarray) -> np.ndarray:
        """The indicators that rows naming them word for word will need: all of a label's
        indicators in the report's form when the report prints the label at least as many
        times (002 prints its district block and its commune block in the same words)."""
        mask = np.zeros(len(self.indicators), dtype=bool)
        for key, n in Counter(s.keys).items():
            exact = self._exact.get(key)
            if exact:
                own = [i for i in exact if preferred[i]] or exact
                if n >= len(own):
                    mask[own] = True
        return mask

    def _pick(
        self,
        qi: int,
        s: _Scores,
        preferred: np.ndarray,
        templates: set[str] | None,
        taken: set[str],
        previous: int,
        anywhere: np.ndarray | None = None,
    ) -> Match:
        """The report's own form first; any form (`anywhere`) when nothing there is close
        enough (a district may print a row of the department form)."""
        match = self._best(qi, s, preferred, taken, previous)
        if match.indicator_id is None and templates:
            match = self._best(qi, s, anywhere, taken, previous)
        return match

    @cached_property
    def _ids(self) -> np.ndarray:
        return np.array([i.id for i in self.indicators])

    def _one_row_each(self, s: _Scores, out: list[Match], preferred: np.ndarray, templates: set[str] | None) -> None:
        """Two fuzzy rows never share an indicator (a label cut in two, both halves nearest
        the same one): the higher score keeps it (the first, between equals); the other is
        matched again among the indicators no row holds, unmatched when none is close."""
        rows_of: dict[str, list[int]] = {}
        for qi, m in enumerate(out):
            if m.indicator_id:
                rows_of.setdefault(m.indicator_id, []).append(qi)
        moved: list[tuple[int, str, int]] = []  # (row, indicator it yields, row keeping it)
        for ind_id, rows in rows_of.items():
            if len(rows) < 2 or all(out[qi].method != "fuzzy" for qi in rows):
                continue
            keeper = max(rows, key=lambda qi: (out[qi].method != "fuzzy", out[qi].score, -qi))
            moved += [(qi, ind_id, keeper) for qi in rows if out[qi].method == "fuzzy" and qi != keeper]
        if not moved:
            return
        held = np.isin(self._ids, [m.indicator_id for m in out if m.indicator_id])
        for qi, ind_id, keeper in sorted(moved):
            previous = (
                next((self._position[m.indicator_id] for m in out[qi - 1 :: -1] if m.indicator_id), -1) if qi else -1
            )
            match = self._pick(qi, s, preferred & ~held, templates, set(), previous, ~held)
            out[qi] = replace(match, needs_review=match.indicator_id is not None, yielded=(ind_id, keeper))
            if match.indicator_id:
                held[self._position[match.indicator_id]] = True

    def _best(self, qi: int, s: _Scores, allowed: np.ndarray | None, taken: set[str], previous: int) -> Match:
        row = s.per_ind[qi]
        exact = self._exact.get(s.keys[qi])
        if exact:  # the common case: a lookup, no ranking of every indicator
            order = [i for i in exact if row[i] >= 0 and (allowed is None or allowed[i])]
        else:
            if allowed is not None:
                row = np.where(allowed, row, -1.0)
            order = [int(i) for i in np.argsort(-row, kind="stable")[: self.settings.depth] if row[i] >= 0]
        # The group header the row sits under breaks ties between equal labels (IV.3 / IV.4),
        # unless the two headers contrast: "UBND cấp huyện" is near "UBND cấp xã" letter by
        # letter, and 002's district BCCI rows went to the commune indicators by it.
        parent = s.parents[qi]
        parent_sig = self.signature(parent) if parent else None

        def rank(i: int) -> float:
            bonus = self._parent_likeness(parent, parent_sig, i)
            return float(row[i]) + (self.settings.parent_weight * bonus if row[i] >= self.settings.review else 0.0)

        ranks = {i: rank(i) for i in order}
        order.sort(key=lambda i: -ranks[i])
        top: list[tuple[str, float]] = []
        closest_refused: tuple[str, float] | None = None
        for i in order:
            score, ind = float(row[i]), self.indicators[i]
            if score < 100 and all(self.contrast(s.signatures[qi], sig) for sig in self._signatures[ind.id]):
                closest_refused = closest_refused or (ind.id, round(score, 1))
                continue
            top.append((ind.id, round(score, 1)))
            if len(top) >= 3 and any(c[0] not in taken for c in top):
                break  # enough to choose from and to show the analyst
        if closest_refused and (not top or closest_refused[1] > top[0][1]):
            # The label is closest to an indicator it contrasts with: it names something like
            # it but not it (or is that one, mistyped). Never fall through to a farther one.
            return Match(None, closest_refused[1], "unmatched", (closest_refused, *top[:2]))
        if not top:
            return Match(None, 0.0, "unmatched")
        chosen = self._tie_break(top, {self.indicators[i].id: r for i, r in ranks.items()}, taken, previous)
        candidates = tuple(top[:3])
        ind_id, score = chosen
        label_key, alias_keys = self._label_keys[ind_id]
        if s.keys[qi] == label_key:
            return Match(ind_id, 100.0, "exact", candidates)
        if s.keys[qi] in alias_keys:
            return Match(ind_id, 100.0, "alias", candidates)
        if score >= self.settings.review:
            return Match(ind_id, score, "fuzzy", candidates, needs_review=score < self.settings.accept)
        return Match(None, score, "unmatched", candidates)

    def _parent_likeness(self, parent: str, parent_sig: _Signature | None, i: int) -> float:
        """How like indicator i's group header the row's is (0–100); 0 when either has none
        or the two contrast."""
        theirs = self._parent_signatures[i]
        if parent_sig is None or theirs is None or self.contrast(parent_sig, theirs):
            return 0.0
        return fuzz.ratio(parent, self._parent_keys[i])

    def _settle_twins(self, s: _Scores, out: list[Match]) -> None:
        """Rows printing one label word for word, each given one of that label's indicators
        row by row: the first took the one whose group header was nearer its own, though a
        later row's header names the other's outright. When the agency left out a group
        header ("6 Kiểm tra việc thực hiện nhiệm vụ phân cấp…"), the row under it sat under
        the group before, took its twin's indicator, and the twin's row took this one's: two
        values swapped. Their indicators are dealt again, all rows at once, to the
        assignment their headers fit best, when it fits clearly better."""
        rows_of: dict[str, list[int]] = {}
        for qi, m in enumerate(out):
            if m.method in ("exact", "alias") and m.indicator_id:
                rows_of.setdefault(s.keys[qi], []).append(qi)
        for rows in rows_of.values():
            ids = [out[qi].indicator_id for qi in rows]
            if not 2 <= len(rows) <= self.settings.twins_settled or len(set(ids)) < len(ids):
                continue
            cols = [self._position[i] for i in ids]  # type: ignore[index]
            sigs = [self.signature(s.parents[qi]) if s.parents[qi] else None for qi in rows]
            like = [
                [self._parent_likeness(s.parents[qi], sig, c) for c in cols] for qi, sig in zip(rows, sigs, strict=True)
            ]
            now = sum(like[r][r] for r in range(len(rows)))
            best = max(permutations(range(len(rows))), key=lambda p: sum(like[r][p[r]] for r in range(len(rows))))
            if sum(like[r][best[r]] for r in range(len(rows))) >= now + self.settings.twin_margin:
                for r, qi in enumerate(rows):
                    ind_id = ids[best[r]]
                    method = "exact" if s.keys[qi] == self._label_keys[ind_id][0] else "alias"  # type: ignore[index]
                    out[qi] = replace(out[qi], indicator_id=ind_id, method=method)

    def _tie_break(
        self, top: list[tuple[str, float]], rank: dict[str, float], taken: set[str], previous: int
    ) -> tuple[str, float]:
        """One indicator per row of a report. Among candidates of equal score (identical
        labels in two groups: 002 lists the documents sent at district level, then at
        commune level, in the same words) the group header decides, then template order:
        the candidate that follows the previous row's indicator."""
        ties = [c for c in top if c[1] >= top[0][1] - 0.5 and c[0] not in taken]
        if not ties:
            return top[0]
        best = max(rank[c[0]] for c in ties)
        ties = [c for c in ties if rank[c[0]] >= best - 0.5]
        following = [c for c in ties if self._position[c[0]] > previous]
        return min(following or ties, key=lambda c: self._position[c[0]])

    @cached_property
    def _position(self) -> dict[str, int]:
        return {i.id: n for n, i in enumerate(self.indicators)}

    def _manual(self, q: Query, key: str) -> Match | None:
        if not self._overrides:
            return None
        for section in (section_ordinal(q.section), None):
            ind = self._overrides.get((key, section))
            if ind is not None:
                return Match(ind, 100.0, "manual")
        return None

    # Verdicts of `continues` kept: assembly asks it of every row without an STT or a value
    # (group headers, notes), the same pairs report after report, and a key without accents
    # costs a regex and a normalisation (30 µs a pair, ~0.6 ms a text report, uncached).
    JOINS_KEPT = 16_384

    def continues(self, previous: str, fragment: str, typo_ok: bool = False) -> bool:
        """Whether `fragment` is the rest of the label `previous`, cut in two: the joined
        label names an indicator exactly (label or alias) and `previous` does not. The
        fragment may name one itself: "Liên thông từ UBND tỉnh đến" + "UBND cấp huyện", a
        group header of the same section (a fragment without STT is asked; one carrying a
        value only when the row above has none).

        `typo_ok` (asked across a page break, where a cut is expected, and only when no
        value would move onto another row): the joined label may be a typo off an
        indicator, as near as a match is taken (`accept`), when `previous` alone is nowhere
        near one. A label cut by the break with a typo in it ("Tỷ lệ hồ sơ TTHC do" + "UBND
        cấp xã tiếp nhận được gải quyết đúng hẹn" and the value) left the second half a row
        of its own, matched to a sibling ("Số hồ sơ TTHC do UBND cấp xã…") with the value."""
        if not previous:
            return False  # nothing is continued: a row with a value and no label is not a label's start
        verdict = self._joins.get((previous, fragment, typo_ok))
        if verdict is None:
            exact, plain = self._exact, self._exact_ascii  # a report typed without accents too

            def names_one(label: str) -> bool:
                key = self.key(label)
                return key in exact or self.ascii(key) in plain

            joined = f"{previous} {fragment}"
            verdict = names_one(joined) and not names_one(previous)
            if not verdict and typo_ok:
                verdict = (
                    self._nearest(joined) >= self.settings.accept and self._nearest(previous) < self.settings.review
                )
            verdict = self._joins.keep((previous, fragment, typo_ok), verdict)
        return verdict

    def _nearest(self, label: str) -> float:
        """The best likeness of the label to any indicator's label or alias (0–100)."""
        keys, ascii_keys, _ = self._choices
        key = self.key(label)
        best = process.extractOne(key, keys, scorer=fuzz.ratio)
        plain = process.extractOne(self.ascii(key), ascii_keys, scorer=fuzz.ratio)
        return max(best[1] if best else 0.0, (plain[1] - self.settings.ascii_penalty) if plain else 0.0)

    def indicator(self, indicator_id: str) -> Indicator:
        return self._by_id[indicator_id]

    @property
    def indicators_by_id(self) -> dict[str, Indicator]:
        return self._by_id
