"""Every value printed in the four statistics seeds, and the space of numerals around them."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normalize.numbers import (
    Expect,
    Kind,
    Style,
    column_style,
    note_fraction,
    parse_code_table,
    parse_value,
    read_number,
)

C, P = Expect.COUNT, Expect.PERCENT
# Every plain integer printed in 000-003 (value column), read as a count.
INTEGERS = (
    "0 1 2 3 4 5 6 7 8 9 09 10 11 12 13 14 15 17 18 19 20 21 22 24 25 29 30 31 34 35 37 40 41 43 46 47 "
    "51 57 66 68 72 75 76 79 83 88 89 90 94 96 100 121 130 139 229 237 238 251 273 275 292 389 510 583 "
    "594 611 652 788 871"
).split()

# (printed, what the row expects, column style) -> (kind, num, den, text)
SEED_VALUES = [
    ("1.066", C, Style.VI, (Kind.COUNT, 1066, None, None)),
    ("1.145", C, Style.VI, (Kind.COUNT, 1145, None, None)),
    ("1.187", C, Style.VI, (Kind.COUNT, 1187, None, None)),
    ("1.197", C, Style.VI, (Kind.COUNT, 1197, None, None)),
    ("1.217", C, Style.VI, (Kind.COUNT, 1217, None, None)),
    ("1.996", Expect.UNKNOWN, Style.VI, (Kind.COUNT, 1996, None, None)),  # 000: unit cell left blank
    ("2.437", C, Style.VI, (Kind.COUNT, 2437, None, None)),
    ("3.211", C, Style.VI, (Kind.COUNT, 3211, None, None)),
    ("6.530", C, Style.VI, (Kind.COUNT, 6530, None, None)),
    ("7.496", C, Style.VI, (Kind.COUNT, 7496, None, None)),
    ("93,4", P, Style.VI, (Kind.PERCENT, 93.4, None, None)),
    ("28,57", P, Style.VI, (Kind.PERCENT, 28.57, None, None)),
    ("33,33", P, Style.VI, (Kind.PERCENT, 33.33, None, None)),
    ("41,54", P, Style.VI, (Kind.PERCENT, 41.54, None, None)),
    ("47,37", P, Style.VI, (Kind.PERCENT, 47.37, None, None)),
    ("99,47", P, Style.VI, (Kind.PERCENT, 99.47, None, None)),
    ("63,1%", Expect.UNKNOWN, Style.VI, (Kind.PERCENT, 63.1, None, None)),  # 003 7.4: no unit, "%" in the value
    ("99,47%.", P, Style.VI, (Kind.PERCENT, 99.47, None, None)),  # a rate ended like a sentence
    ("99,47.", P, Style.VI, (Kind.EMPTY, None, None, "99,47.")),  # but a "." after the digits is the number's
    ("08/21", C, Style.VI, (Kind.FRACTION, 8, 21, None)),
    ("1.201/1.252", C, Style.VI, (Kind.FRACTION, 1201, 1252, None)),
    ("21 nhiệm vụ cụ thể", C, Style.VI, (Kind.COUNT, 21, None, "nhiệm vụ cụ thể")),
    ("8 (HĐ theo ND 111)", C, Style.VI, (Kind.COUNT, 8, None, "(HĐ theo ND 111)")),
    ("Không", C, Style.VI, (Kind.COUNT, 0, None, "Không")),
    (
        "Sở thực hiện gửi VB cho các đơn vị có trên Idesk",
        Expect.UNKNOWN,
        Style.VI,
        (Kind.TEXT, None, None, "Sở thực hiện gửi VB cho các đơn vị có trên Idesk"),
    ),
    # 100 on a "%" row and 19 on 002's count row whose unit says "%": the unit decides the kind
    ("100", P, Style.VI, (Kind.PERCENT, 100, None, None)),
    ("19", P, Style.VI, (Kind.PERCENT, 19, None, None)),
]


@pytest.mark.parametrize("raw", INTEGERS)
def test_seed_integers(raw):
    v = parse_value(raw, C, style=Style.VI)
    assert (v.kind, v.num, v.den, v.text) == (Kind.COUNT, int(raw, 10), None, None)


@pytest.mark.parametrize(("raw", "expect", "style", "want"), SEED_VALUES)
def test_seed_values(raw, expect, style, want):
    v = parse_value(raw, expect, style=style)
    assert (v.kind, v.num, v.den, v.text) == want
    assert v.rule  # the parser always says which rule decided


# Every code table printed in a unit cell of 000-003, with the codes it must give.
CODE_TABLES = {
    "Có = 1 Không = 0": {"Có": 1, "Không": 0},
    "Có = 1; Không = 0": {"Có": 1, "Không": 0},
    "Không = 0 Có = 1": {"Không": 0, "Có": 1},
    "Không = 0; Có = 1": {"Không": 0, "Có": 1},
    "Tốt = 1 Có vi phạm = 0": {"Tốt": 1, "Có vi phạm": 0},
    "Đã thực hiện = 1 Chưa thực hiện = 0": {"Đã thực hiện": 1, "Chưa thực hiện": 0},
    "Chưa = 0 Hoàn thành = 1": {"Chưa": 0, "Hoàn thành": 1},
    "Trực tuyến = 0 Phát phiếu = 1 Kết hợp = 2": {"Trực tuyến": 0, "Phát phiếu": 1, "Kết hợp": 2},
    "Chưa = 0 Đang làm = 1 Hoàn thành = 2": {"Chưa": 0, "Đang làm": 1, "Hoàn thành": 2},
    "Chưa có = 0 2 cấp = 1 3 cấp = 2": {"Chưa có": 0, "2 cấp": 1, "3 cấp": 2},
}


@pytest.mark.parametrize(("unit", "codes"), CODE_TABLES.items())
def test_code_tables(unit, codes):
    table = parse_code_table(unit)
    assert dict(table.codes) == codes
    kind = Kind.BOOL if set(codes.values()) == {0, 1} else Kind.CODE
    assert table.is_bool is (kind is Kind.BOOL)
    for word, code in codes.items():
        v = parse_value(word, codes=table)
        assert (v.kind, v.num) == (kind, code)
        v = parse_value(str(code), codes=table)
        assert (v.kind, v.num) == (kind, code)


def test_ordinary_units_are_not_code_tables():
    for unit in ("Người", "Cơ quan, đơn vị", "Tin, bài", "%", "Có = 1", "Số lượng phần mềm"):
        assert parse_code_table(unit) is None or unit == "Có = 1"
    assert parse_code_table("Có = 1").codes == (("Có", 1),)  # 001: half of a table cut by a page break


def test_value_outside_its_code_table_is_kept_not_crashed():
    table = parse_code_table("Trực tuyến = 0 Phát phiếu = 1 Kết hợp = 2")
    v = parse_value("3", codes=table)
    assert (v.kind, v.num) == (Kind.CODE, 3) and 3 not in table.values
    assert parse_value("Qua điện thoại", codes=table).kind is Kind.TEXT


REMARKS = st.text(
    alphabet=st.sampled_from("abcdeghiklmnopqrstuvxyĐđàáạảãâầấậẩẫăằắặẳẵ /-.012345678"), min_size=1, max_size=30
).filter(lambda s: s.strip(" .") and "(" not in s and ")" not in s)


@given(remark=REMARKS, table=st.sampled_from(sorted(CODE_TABLES)), sep=st.sampled_from([" (", "(", ", ", ": ", "; "]))
def test_an_answer_with_a_remark_is_the_answer(remark, table, sep):
    """ "Có (Kế hoạch số 12/KH-UBND)", "Hoàn thành, tháng 3": the code label decides, the
    remark is kept as the value's text."""
    codes = parse_code_table(table)
    for word, code in codes.codes:
        raw = f"{word}{sep}{remark}" + (")" if "(" in sep else "")
        v = parse_value(raw, codes=codes)
        assert (v.kind, v.num, v.text) == (parse_value(word, codes=codes).kind, code, " ".join(remark.split())), raw


@pytest.mark.parametrize(
    ("raw", "expect", "want"),
    [
        ("Có (KH số 12/KH-UBND)", Expect.BOOL, (Kind.BOOL, 1.0)),
        ("Không, chưa phát sinh", Expect.BOOL, (Kind.BOOL, 0.0)),
        ("Không (chưa phát sinh)", C, (Kind.COUNT, 0.0)),
        ("Có (05 văn bản)", C, (Kind.TEXT, None)),  # "Có" says no number
        ("Không (3 vụ việc)", C, (Kind.TEXT, None)),  # the remark contradicts "none"
        ("Sở Nội vụ (chủ trì)", Expect.BOOL, (Kind.TEXT, None)),  # not an answer word
    ],
)
def test_an_answer_with_a_remark_on_rows_of_each_kind(raw, expect, want):
    v = parse_value(raw, expect)
    assert (v.kind, v.num) == want


def test_yes_no_words():
    assert (parse_value("Có", Expect.BOOL).num, parse_value("Không", Expect.BOOL).num) == (1, 0)
    assert parse_value("không", C).num == 0
    assert parse_value("Khong", Expect.BOOL).num == 0  # typed without accents


@pytest.mark.parametrize(
    ("raw", "expect", "want"),
    [
        ("-", C, (Kind.COUNT, 0.0, "-")),  # nothing occurred
        ("-", P, (Kind.EMPTY, None, "-")),
        ("...", C, (Kind.EMPTY, None, "...")),  # occurred but not collected
        ("…", C, (Kind.EMPTY, None, "…")),
        ("x", C, (Kind.EMPTY, None, "x")),  # not applicable
        ("", C, (Kind.EMPTY, None, None)),
        ("   ", C, (Kind.EMPTY, None, None)),
    ],
)
def test_statistics_office_symbols(raw, expect, want):
    v = parse_value(raw, expect)
    assert (v.kind, v.num, v.text) == want


def test_what_word_leaves_behind():
    assert parse_value("1.197\u00a0", C).num == 1197
    assert parse_value("\u202f12", C).num == 12
    assert parse_value("'12", C).num == 12  # text-formatted cell
    assert parse_value("• 12", C).num == 12
    assert parse_value("１２３", C).num == 123  # full-width digits
    assert parse_value("1 197", C).num == 1197  # space as group separator
    nfd = unicodedata.normalize("NFD", "21 nhiệm vụ cụ thể")
    v = parse_value(nfd, C)
    assert (v.num, v.text) == (21, "nhiệm vụ cụ thể")
    assert parse_value(unicodedata.normalize("NFD", "Không"), C).num == 0


def test_ambiguous_separator_is_left_null_with_both_readings():
    v = parse_value("1.500")  # nothing says whether this is a count or a score
    assert v.kind is Kind.EMPTY and v.num is None and v.ambiguous and set(v.candidates) == {1.5, 1500}
    assert parse_value("1.500", C).num == 1500  # a count is whole
    assert parse_value("1.500", P).num == 1.5  # a percentage is at most 100
    assert parse_value("1.225", Expect.DECIMAL, upper=2).num == 1.225  # 004 Phụ lục 1: a score of max 2
    assert parse_value("1.225", Expect.DECIMAL, style=Style.VI).num == 1225  # the column proves vi style
    assert parse_value("1,996", C).num == 1996  # en-style thousands in a count
    assert parse_value("1,996", P).num == 1.996


def test_score_table_numbers():
    for raw, want in [
        ("55.08", 55.08),
        ("0.8308", 0.8308),
        ("3.4358", 3.4358),
        ("68,00", 68.0),
        ("0,837", 0.837),
        ("-1.44", -1.44),
    ]:
        assert parse_value(raw, Expect.DECIMAL).num == want, raw
    v = parse_value("81.70%")
    assert (v.kind, v.num) == (Kind.PERCENT, 81.7)


def test_column_style():
    assert column_style(["1.197", "99,47", "12"]) is Style.VI
    assert column_style(["55.08", "1.225", "0.8308"]) is Style.EN
    assert column_style(["55.08", "99,47"]) is Style.UNKNOWN  # mixed: proves nothing
    assert column_style(["1.197", "12"]) is Style.UNKNOWN


@pytest.mark.parametrize(
    ("note", "want"),
    [
        ("Số lượng TTHC đã giải quyết đúng hạn 1,996/1,996 Số lượng TTHC đã giải quyết.", (1996, 1996)),
        ("933 hồ sơ nhận trực tuyến/938 hồ sơ nhận trực tiếp", (933, 938)),
        ("1.028 hồ sơ nhận trực tuyến/1.028 hồ sơ nhận trực tiếp", (1028, 1028)),
        ("12/19 người gồm LD cấp Sở, cấp phòng và CC một cửa", (12, 19)),
        ("Kế hoạch số 72/KH-SLĐTBXH ngày 28/12/2022", None),
        ("Quyết định số 449/QĐ-SLĐTĐBXH ngày 30/12/2022", None),
        ("Số lượng TTHC đã giải quyết đúng hạn .../... Số lượng TTHC đã giải quyết.", None),
        ("Lồng ghép trong Kế hoạch số 41/KH-UBND ngày 17/2/2023", None),
    ],
)
def test_fractions_in_notes(note, want):
    assert note_fraction(note) == want


# --- the space of numerals -----------------------------------------------------------


def vi_group(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@given(st.integers(min_value=0, max_value=10**12))
def test_vietnamese_integers_round_trip(n):
    assert parse_value(vi_group(n), C).num == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_comma_decimals_round_trip(whole, cents):
    text = f"{vi_group(whole)},{cents:02d}"
    v = parse_value(text, Expect.DECIMAL)
    assert v.num == pytest.approx(whole + cents / 100, rel=0, abs=1e-9)


@given(st.text())
def test_arbitrary_text_never_raises(text):
    v = parse_value(text)
    assert v.kind in set(Kind)
    if v.num is not None:
        assert isinstance(v.num, float)


@given(st.text(alphabet="0123456789.,/% -'", max_size=12))
def test_numeral_like_text_never_raises(text):
    for expect in (C, P, Expect.DECIMAL, Expect.UNKNOWN):
        parse_value(text, expect)
        read_number(text, expect)


@given(st.integers(min_value=1000, max_value=10**12), st.sampled_from([C, P, Expect.DECIMAL, Expect.UNKNOWN]))
def test_space_grouped_integers_read_alike_in_every_column(n, expect):
    """A space is only ever a group separator: "1 197" was read 1.197 in an en column."""
    text = f"{n:,}".replace(",", " ")
    for style in Style:
        assert parse_value(text, expect, style=style).num == n


@pytest.mark.parametrize(
    ("raw", "expect", "style", "readings"),
    [
        ("1,197", C, Style.VI, {1.197, 1197}),  # en thousands in a vi column, on a count row
        ("1.197", C, Style.EN, {1.197, 1197}),
        ("1.000", C, Style.EN, {1, 1000}),  # en 1 to three places is not a count
        ("1.197", P, Style.VI, {1.197, 1197}),  # a rate of 1197 %
        ("12.500", P, Style.VI, {12.5, 12500}),
    ],
)
def test_a_column_style_the_row_cannot_hold_leaves_the_value_empty(raw, expect, style, readings):
    """Was the column's reading (1.197 counted, 1197 %), a number no such row holds."""
    v = parse_value(raw, expect, style=style)
    assert v.num is None and v.rule == "column_style_against_row" and set(v.candidates) == readings


def test_a_column_style_the_row_can_hold_still_decides():
    assert parse_value("1.197", C, style=Style.VI).num == 1197
    assert parse_value("1,197", P, style=Style.VI).num == 1.197
    assert parse_value("1.225", Expect.DECIMAL, style=Style.VI).num == 1225
    assert parse_value("1.225", Expect.DECIMAL, style=Style.VI, upper=2).num is None  # 1225 of at most 2
    assert parse_value("2.437", C, style=Style.EN).num is None
    assert parse_value("250,5", C, style=Style.VI).num == 250.5  # one reading only: printed so, flagged elsewhere


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("12 người/15 người", (12, 15)),
        ("5 trên 5", (5, 5)),
        ("1.201 trên 1.252 hồ sơ", (1201, 1252)),
    ],
)
def test_a_fraction_typed_with_its_nouns_is_a_fraction(raw, want):
    """It was read as its first number: '5 trên 5' (5 out of 5) as a rate of 5 %."""
    for expect in (C, P):
        v = parse_value(raw, expect)
        assert (v.kind, v.num, v.den) == (Kind.FRACTION, *want)


@pytest.mark.parametrize("raw", ["20 đến 25", "20 tới 25 người", "2 văn bản, 1 kế hoạch", "2 văn bản và 1 kế hoạch"])
def test_a_range_or_a_list_of_quantities_is_left_null_with_its_readings(raw):
    """Its first number alone was the value: '20 đến 25' was 20."""
    v = parse_value(raw, C)
    assert v.num is None and v.ambiguous


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("2 đợt: đợt 1 ngày 12/3", 2),
        ("02 cuộc; 12/3/2023", 2),
        ("05 văn bản theo KH 12/KH-UBND", 5),
        ("21 nhiệm vụ năm 2023", 21),
        ("15 hồ sơ (trong đó 3 quá hạn)", 15),
        ("8 (HĐ theo ND 111)", 8),
    ],
)
def test_numbers_in_a_remark_do_not_unsettle_the_value(raw, want):
    assert parse_value(raw, C).num == want
