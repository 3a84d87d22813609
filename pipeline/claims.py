"""Numbers a narrative states in its prose, found by relations.yaml's claim patterns.

A claim pattern is a regular expression with "{name}" placeholders for numbers
("{n} người làm việc cho các đơn vị sự nghiệp công lập"). Run over a whole narrative,
a pattern that opens with a number or a group is tried at every position: two such
claims took 0.37 ms of a 10 000-character narrative, most of the narrative rule.

Every match contains the pattern's required literal (" người làm việc…"), and a claim
pattern's matches are short (its numbers are bounded): so each match lies within the
widest match's span of an occurrence of the literal, found by str.find, and the pattern
is tried there only. `claim_matches` gives exactly the matches `finditer` gives; a
pattern whose width cannot be bounded, or which looks beyond its match (a lookahead,
`$`, `\\b`), is run over the whole text as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

# A number in a claim: a digit, then at most 30 digits or separators ("1.201", "99,47"),
# never started inside another number (a longer one is not read truncated).
_NUMBER = r"(?<![\d.,])(?P<{}>\d[\d.,]{{0,30}})"

_QUANTIFIERS = "*+?{"


@lru_cache(maxsize=1024)
def claim_regex(pattern: str) -> re.Pattern[str]:
    """relations.yaml's "{name}" placeholders as named number groups, compiled once a run."""
    return re.compile(re.sub(r"\{(\w+)\}", lambda m: _NUMBER.format(m.group(1)), pattern))


@lru_cache(maxsize=1024)
def required_literal(pattern: str) -> str:
    """The longest run of plain characters that every match of `pattern` contains: outside
    groups and classes, not quantified, not escaped. "" when the pattern alternates at its
    top level or sets inline flags, where no literal is certain."""
    if re.search(r"\(\?[aiLmsux]", pattern):
        return ""
    runs: list[str] = []
    run, depth, i = "", 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            runs.append(run)
            run, i = "", i + 2
            continue
        if ch == "[":  # a class: skip to its end ("]" first in a class is a member)
            runs.append(run)
            run, i = "", i + 2 if pattern[i + 1 : i + 2] == "]" else i + 1
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif ch == "|" and depth == 0:
            return ""
        elif ch in _QUANTIFIERS or ch in "()|.^$":
            if ch in _QUANTIFIERS:
                run = run[:-1]  # the character before a quantifier may be missing or repeated
            runs.append(run)
            run = ""
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if ch == "{":  # a counted quantifier: "{0,40}"
                i = pattern.find("}", i)
                if i < 0:
                    return ""
        elif depth == 0:
            run += ch
        i += 1
    runs.append(run)
    return max(runs, key=len)


_WIDEST = 2_000  # characters: a wider bound is no bound worth a window


@lru_cache(maxsize=1024)
def widest_match(pattern: str) -> int | None:
    """The most characters a match of `pattern` spans, or None when that is unbounded or
    the pattern looks beyond its match, where a window would change what it matches."""
    try:
        from re import _constants as c
        from re import _parser  # CPython's own parser: the width it computes is the engine's

        parsed = _parser.parse(pattern)
        if _looks_ahead(parsed, c):
            return None
        widest = parsed.getwidth()[1]
    except Exception:  # another Python's internals: every position is tried, as before
        return None
    return widest if widest <= _WIDEST else None


def _looks_ahead(parsed: Any, c: Any) -> bool:
    """A lookahead, a conditional group, or an anchor other than a start ("$", "\\b")."""
    starts = (c.AT_BEGINNING, c.AT_BEGINNING_STRING, c.AT_BEGINNING_LINE)
    for op, av in parsed:
        if (
            (op in (c.ASSERT, c.ASSERT_NOT) and av[0] > 0)
            or op is c.GROUPREF_EXISTS
            or (op is c.AT and av not in starts)
        ):
            return True
        if op in (c.ASSERT, c.ASSERT_NOT, c.SUBPATTERN, c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            inner = [av[-1]]  # a lookbehind, a group, a repeated item
        elif op is c.BRANCH:
            inner = av[1]
        elif op is c.ATOMIC_GROUP:
            inner = [av]
        else:
            continue
        if any(_looks_ahead(sub, c) for sub in inner):
            return True
    return False


def claim_matches(regex: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """What `regex.finditer(text)` yields, trying the pattern only near its literal.

    Why it is the same: a match containing the literal at i starts in [i - w, i] (w its
    widest span) and ends before i + len(literal) + w. Searching that window from the end
    of the last match, a match found starting at or before i fits the window whole, so the
    engine met it as in the whole text, and no earlier start in the window matches; one
    found further on is left for the occurrence it contains. Occurrences are taken left
    to right, those inside the last match skipped, as finditer resumes at a match's end."""
    literal = required_literal(regex.pattern)
    width = widest_match(regex.pattern)
    if not literal:
        yield from regex.finditer(text)
        return
    if literal not in text:
        return
    if width is None:
        yield from regex.finditer(text)
        return
    end = 0  # where the last match ended
    i = text.find(literal)
    while i >= 0:
        if i >= end:
            m = regex.search(text, max(end, i - width), i + len(literal) + width)
            if m is not None and m.start() <= i:
                yield m
                end = max(m.end(), m.start() + 1)  # an empty match moves on by one, as finditer
        i = text.find(literal, i + 1)
