"""Cell cleaning: what the contract's *_raw columns hold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from normalize.text import _clean_debris, clean_cell


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_plain_ascii_cells_take_the_short_path_to_the_same_text(text):
    # clean_cell skips the tag, entity and Unicode passes for ASCII text without '<' or
    # '&'; this holds it to the full cleaning for every such text (\x1c-\x1f and \x0b
    # are whitespace to both).
    assert clean_cell(text) == (_clean_debris(text) if text else "")


def test_debris_of_conversion_is_removed_and_nothing_else():
    assert clean_cell("  1.197\u00a0 ") == "1.197"
    assert clean_cell("(<i>cả về Đảng</i>)") == "(cả về Đảng)"
    assert clean_cell("24/28<sup>1</sup>") == "24/28 1"
    assert clean_cell("Sở Nội vụ &amp; UBND") == "Sở Nội vụ & UBND"
    assert clean_cell("a&b <c") == "a&b <c"  # no tag, no entity: kept as printed
    assert clean_cell("Tho\u0302ng tin") == "Thông tin"  # decomposed -> NFC
