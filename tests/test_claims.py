"""relations.yaml's claim patterns: the literal every match contains, and the search
near that literal that must find exactly what a search of the whole narrative finds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.claims import claim_matches, claim_regex, required_literal, widest_match
from schema.load import load_relations

NARRATIVE = [c.pattern for c in load_relations().narrative]
# The narrative rule skips a claim whose required literal is absent from the text: that
# literal must be in every text the claim's pattern matches, or a claim would be missed.
_TRICKY = [r"ab(?:c|d)?e{2,3}f", r"(?P<n>\d+) x[^.;]{0,40}?, yz", r"[]a]bc\(de", r"a?bc*d+ef", r"(?:x|y)z"]


@pytest.mark.parametrize("pattern", [*_TRICKY, *NARRATIVE])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_match_contains_the_required_literal(pattern, data):
    compiled = claim_regex(pattern)
    text = data.draw(st.from_regex(compiled))
    assert compiled.search(text)
    assert required_literal(compiled.pattern) in text


def test_required_literal_is_empty_where_nothing_is_certain():
    assert required_literal("ab|cd") == required_literal("(?i)abc") == ""
    assert required_literal(r"(?P<n>\d[\d.,]*) người làm việc") == " người làm việc"


def test_a_window_is_used_only_where_it_cannot_change_a_match():
    assert all(widest_match(claim_regex(p).pattern) for p in NARRATIVE)  # numbers are bounded
    for looks_beyond in (r"abc(?=d)", r"abc$", r"abc\b", r"a(?:b(?!c))d", r"(a)?(?(1)b|c)", r"a*bc"):
        assert widest_match(looks_beyond) is None
    assert widest_match(r"(?<![\d.,])(?P<n>\d[\d.,]{0,30}) lượt") == 36


def _pieces(pattern: str) -> st.SearchStrategy[str]:
    """Matches of the pattern, parts of them, numbers and separators: text where matches
    touch, overlap the window's edges, and sit inside longer numbers."""
    compiled = claim_regex(pattern)
    literal = required_literal(compiled.pattern)
    return st.one_of(
        st.from_regex(compiled, fullmatch=True),
        st.just(literal),
        st.text(alphabet="0123456789.,; %/", max_size=8),
        st.text(alphabet="abc đ\n", max_size=30),
        st.from_regex(compiled, fullmatch=True).map(lambda s: s[: len(s) // 2]),
    )


@pytest.mark.parametrize("pattern", [*NARRATIVE, r"(?P<n>\d+) x[^.;]{0,40}?, yz", r"ab {n}[a-z ]{0,12}"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_search_near_the_literal_finds_what_finditer_finds(pattern, data):
    compiled = claim_regex(pattern)
    text = "".join(data.draw(st.lists(_pieces(pattern), max_size=12)))

    def found(matches):
        return [(m.span(), m.groupdict()) for m in matches]

    assert found(claim_matches(compiled, text)) == found(compiled.finditer(text))


def test_a_match_the_window_cuts_is_left_for_its_own_literal():
    """The literal "ab " at 0 matches nothing; the window searched for it ends inside the
    match of the next "ab ", whose greedy tail it would cut short."""
    compiled = claim_regex(r"ab {n}[a-z ]{0,12}")
    text = "ab x" + " " * 40 + "ab 12abcdefghijklm"
    assert [m.span() for m in claim_matches(compiled, text)] == [m.span() for m in compiled.finditer(text)]
    assert [m.group(0) for m in claim_matches(compiled, text)] == ["ab 12abcdefghijkl"]
