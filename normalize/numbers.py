"""Vietnamese numerals, words and symbols -> typed values.

The rule of this module: a value is settled only when the evidence leaves one reading.
"1.197" reads as 1197 in the vi locale and as 1.197 in the en locale; Babel (strict)
gives both readings and we keep the one that the column's convention, or the kind of
quantity, allows. When both survive, the value stays null and the result says why
(`ambiguous`), so a validator can raise a finding instead of a wrong number entering a
ranking.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberFormatError, parse_decimal

from normalize.text import strip_diacritics


class Kind(StrEnum):
    COUNT = "count"
    DECIMAL = "decimal"
    PERCENT = "percent"
    BOOL = "bool"
    CODE = "code"
    FRACTION = "fraction"
    TEXT = "text"
    EMPTY = "empty"


class Expect(StrEnum):
    """What the row's indicator (or, failing that, its unit cell) says the value is."""

    COUNT = "count"
    DECIMAL = "decimal"  # scores and other non-integer measures
    PERCENT = "percent"
    BOOL = "bool"
    CODE = "code"
    TEXT = "text"
    UNKNOWN = "unknown"


class Style(StrEnum):
    """A column's number convention, from values that only one locale can read."""

    VI = "vi"  # 1.197 = 1197, 99,47 = 99.47
    EN = "en"  # 55.08 = 55.08, 1,996 = 1996
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Value:
    kind: Kind
    num: float | None = None
    den: float | None = None
    text: str | None = None
    rule: str = ""  # which rule decided: shown by `cchc show`, read by validators
    candidates: tuple[float, ...] = field(default=())  # readings left when ambiguous

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


@dataclass(frozen=True)
class CodeTable:
    """Codes printed in the unit cell: "Có = 1 Không = 0", "Chưa = 0 Đang làm = 1 Hoàn thành = 2"."""

    codes: tuple[tuple[str, int], ...]

    @property
    def is_bool(self) -> bool:
        return len(self.codes) == 2 and {v for _, v in self.codes} == {0, 1}

    @property
    def values(self) -> set[int]:
        return {v for _, v in self.codes}

    def lookup(self, word: str) -> int | None:
        key = _word_key(word)
        for label, value in self.codes:
            if _word_key(label) == key:
                return value
        return None


_CODE_ENTRY = re.compile(r"\s*(?P<label>[^=;,]+?)\s*=\s*(?P<value>\d+)\s*[;,]?")


@lru_cache(maxsize=65_536)
def parse_code_table(unit: str | None) -> CodeTable | None:
    """The unit cell as a code table, or None when it is an ordinary unit."""
    if not unit or "=" not in unit:
        return None
    entries = [(m["label"].strip(), int(m["value"])) for m in _CODE_ENTRY.finditer(unit)]
    consumed = "".join(m.group(0) for m in _CODE_ENTRY.finditer(unit))
    if not entries or len(consumed.replace(" ", "")) != len(unit.replace(" ", "")):
        return None
    return CodeTable(tuple(entries))


# --- cleaning ---------------------------------------------------------------------

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u2009\u202f\u200a\u2002\u2003"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def _clean(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw).translate(_FULLWIDTH).translate(_SPACES).translate(_INVISIBLE)
    text = re.sub(r"\s+", " ", text).strip()
    # Word's leftovers before a value: a stray apostrophe (a text-formatted cell), bullets.
    # A leading "-" before a digit is a minus sign in score tables ("-1.44"): kept.
    if text[:1] in "'’‘`•·▪●":
        text = text.lstrip("'’‘`•·▪● ").strip()
    return text


def _word_key(word: str) -> str:
    return re.sub(r"\s+", " ", strip_diacritics(word).lower()).strip(" .:;")


# --- numbers ----------------------------------------------------------------------

_NUMBER = r"[+-]?\d[\d.,]*(?: \d{3})*"
# a full stop may end a rate as it ends a sentence ("99,47%."); before a "%" it is the number's
_NUMBER_ONLY = re.compile(rf"^(?P<n>{_NUMBER})(?P<pct>\s*%)?(?(pct)[.;]?)$")
_FRACTION = re.compile(rf"^(?P<a>{_NUMBER})\s*/\s*(?P<b>{_NUMBER})(?P<pct>\s*%)?(?:\s+(?P<rest>.+))?$")
_QUALIFIED = re.compile(rf"^(?P<n>{_NUMBER})(?P<pct>\s*%)?\s*(?P<rest>[(\[A-Za-zÀ-ỹĐđ].*)$")
_SPACE_GROUPED = re.compile(r"^[+-]?\d{1,3}(?: \d{3})+(?:,\d+)?$")
# A count with its noun on both sides of the bar, or "out of" in words: "12 người/15 người",
# "1.201 trên 1.252 hồ sơ".
_WORDED_FRACTION = re.compile(
    rf"^(?P<a>{_NUMBER})(?P<wa>[^\d/()]{{0,40}}?)\s*(?:/|\btrên\b)\s*(?P<b>{_NUMBER})(?P<rest>[^\d/]*)$"
)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
# Words that put a second quantity beside the first: a range ("20 đến 25", "20 - 25") or a
# list ("2 văn bản, 1 kế hoạch"). Numbers after other words are remarks: an ordinal ("2 đợt,
# đợt 1"), a date ("02 cuộc; 12/3/2023"), a document ("theo KH 12/KH-UBND").
_SECOND_QUANTITY = re.compile(r"(?:\bđến\b|\btới\b|\bvà\b|[-–~,;+])\s*(?!\d{1,2}/\d{1,2}\b)\d")
# An answer, then what backs it: "Có (Kế hoạch số 12/KH-UBND)", "Không, chưa phát sinh".
_THEN_REMARK = re.compile(r"^(?P<head>[^(),;:]+?)\s*(?:\((?P<bracket>.+)\)|[,;:]\s*(?P<rest>.+))$")


def _answer_and_remark(text: str) -> tuple[str, str] | None:
    m = _THEN_REMARK.match(text)
    return None if m is None else (m["head"], (m["bracket"] or m["rest"]).strip())


_LOCALES = {"vi": Locale.parse("vi"), "en": Locale.parse("en")}  # parsed once, not per call
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=65536)
def _readings(token: str) -> frozenset[Decimal]:
    """Every value the strict vi and en locales allow for the token."""
    token = token.strip()
    if _DIGITS.fullmatch(token):  # no separator: both locales read it alike
        return frozenset({Decimal(token)})
    sign = -1 if token.startswith("-") else 1
    token = token.lstrip("+-")
    if _SPACE_GROUPED.match(token):  # "1 197": a space is only ever a group separator
        token = token.replace(" ", "")
    out: set[Decimal] = set()
    for locale in _LOCALES.values():
        try:
            out.add(sign * parse_decimal(token, locale=locale, strict=True))
        except (NumberFormatError, InvalidOperation, ValueError):
            continue
    return frozenset(out)


# What a row can hold, one reading at a time. A count is never written with decimals: en
# "1.000" is 1 written to three places, not a count of one. A rate is 0 to 100; a score
# at most its maximum.
def _whole(d: Decimal) -> bool:
    return d.as_tuple().exponent >= 0


def _rate(d: Decimal) -> bool:
    return 0 <= d <= 100


def _within(d: Decimal, upper: float) -> bool:
    return d <= Decimal(str(upper))


def _fits(d: Decimal, expect: Expect, percent: bool, upper: float | None) -> bool:
    """Whether the row can hold the reading: each thing it expects (a count, a rate, a
    maximum) allows it."""
    return (
        (expect is not Expect.COUNT or _whole(d))
        and (not (expect is Expect.PERCENT or percent) or _rate(d))
        and (upper is None or _within(d, upper))
    )


def _style_reading(token: str, style: Style) -> Decimal | None:
    try:
        return parse_decimal(token.lstrip("+-").replace(" ", ""), locale=_LOCALES[style.value], strict=True) * (
            -1 if token.strip().startswith("-") else 1
        )
    except (NumberFormatError, InvalidOperation, ValueError):
        return None


@lru_cache(maxsize=65536)
def number_style(token: str) -> Style:
    """Which convention a token proves, if any: "99,47" proves vi, "55.08" proves en."""
    token = token.strip().rstrip("%").strip()
    if _DIGITS.fullmatch(token) or not _NUMBER_ONLY.match(token):
        return Style.UNKNOWN
    vi, en = _style_reading(token, Style.VI), _style_reading(token, Style.EN)
    if vi is not None and en is None:
        return Style.VI
    if en is not None and vi is None:
        return Style.EN
    return Style.UNKNOWN


def column_style(values: list[str]) -> Style:
    """The convention of a column: settled only when its proving values all agree."""
    seen = {number_style(v) for v in values if v} - {Style.UNKNOWN}
    return seen.pop() if len(seen) == 1 else Style.UNKNOWN


@dataclass(frozen=True)
class Reading:
    value: Decimal | None
    rule: str
    candidates: tuple[Decimal, ...] = ()


def read_number(
    token: str,
    expect: Expect = Expect.UNKNOWN,
    style: Style = Style.UNKNOWN,
    percent: bool = False,
    upper: float | None = None,
) -> Reading:
    """One numeric token -> a Decimal, or None with the readings that could not be told apart."""
    options = _readings(token)
    if not options:
        return Reading(None, "not_a_number")
    if len(options) == 1:
        return Reading(next(iter(options)), "number")
    ordered = tuple(sorted(options))
    if style is not Style.UNKNOWN:
        chosen = _style_reading(token, style)
        if chosen is not None:
            if _fits(chosen, expect, percent, upper) or not any(_fits(d, expect, percent, upper) for d in ordered):
                return Reading(chosen, f"column_style_{style.value}", ordered)
            # "1,197" on a count row of a vi column: the column reads 1.197, which no count
            # is; the row 1197, which the column's convention does not write. Left empty.
            return Reading(None, "column_style_against_row", ordered)
    if expect is Expect.COUNT:
        whole = [d for d in ordered if _whole(d)]
        if len(whole) == 1:
            return Reading(whole[0], "count_is_whole", ordered)
    if expect is Expect.PERCENT or percent:
        in_range = [d for d in ordered if _rate(d)]
        if len(in_range) == 1:
            return Reading(in_range[0], "percent_within_100", ordered)
    if upper is not None:  # "1.225" of a score of at most 2 is 1.225
        in_range = [d for d in ordered if _within(d, upper)]
        if len(in_range) == 1:
            return Reading(in_range[0], "within_maximum", ordered)
    return Reading(None, "ambiguous_separator", ordered)


# --- words and symbols ------------------------------------------------------------

# Only the plain yes/no words; "Hoàn thành", "Tốt" … mean what the row's code table says.
_YES = {"co", "da co"}
_NO = {"khong", "khong co"}
_DASHES = {"-", "–", "—", "--"}
_NOT_COLLECTED = {"...", "…", "..", "....", "(...)"}
_NOT_APPLICABLE = {"x", "X"}


def _number_kind(value: Decimal, expect: Expect, percent: bool, codes: CodeTable | None) -> Kind:
    if percent or expect is Expect.PERCENT:
        return Kind.PERCENT
    if codes is not None and value == value.to_integral_value():
        return Kind.BOOL if codes.is_bool else Kind.CODE
    if expect is Expect.BOOL and value in (0, 1):
        return Kind.BOOL
    if expect is Expect.DECIMAL:
        return Kind.DECIMAL
    return Kind.COUNT if value == value.to_integral_value() else Kind.DECIMAL


@lru_cache(maxsize=262_144)  # pure, and value cells repeat across a batch ("0", "1", "Không")
def parse_value(
    raw: str | None,
    expect: Expect = Expect.UNKNOWN,
    codes: CodeTable | None = None,
    style: Style = Style.UNKNOWN,
    upper: float | None = None,
) -> Value:
    """A value cell as printed -> its typed value. Never raises.

    `upper` is a bound the value cannot exceed (a score's maximum), used only to tell
    the two readings of "1.225" apart.
    """
    try:
        return _parse_value(raw, expect, codes, style, upper)
    except Exception as exc:  # a parser bug must not cost the batch; the value stays null
        return Value(Kind.TEXT, text=raw, rule=f"parser_error:{type(exc).__name__}")


def _parse_value(raw: str | None, expect: Expect, codes: CodeTable | None, style: Style, upper: float | None) -> Value:
    text = _clean(raw or "")
    if not text:
        return Value(Kind.EMPTY, rule="blank")
    if codes is not None and expect is Expect.UNKNOWN:
        expect = Expect.BOOL if codes.is_bool else Expect.CODE

    if text in _DASHES:
        if expect is Expect.COUNT:
            return Value(Kind.COUNT, 0.0, text=text, rule="symbol_dash_none")
        return Value(Kind.EMPTY, text=text, rule="symbol_dash_none")
    if text in _NOT_COLLECTED or re.fullmatch(r"\.{2,}|…+", text):
        return Value(Kind.EMPTY, text=text, rule="symbol_not_collected")
    if text in _NOT_APPLICABLE:
        return Value(Kind.EMPTY, text=text, rule="symbol_not_applicable")

    words = _word_key(text)
    if codes is not None:
        code = codes.lookup(text)
        if code is not None:
            return Value(Kind.BOOL if codes.is_bool else Kind.CODE, float(code), text=text, rule="code_label")
        # before numbers: "2 cấp (huyện, xã)" is the label "2 cấp" (code 1), not the number 2
        split = _answer_and_remark(text)
        code = codes.lookup(split[0]) if split else None
        if split and code is not None:
            kind = Kind.BOOL if codes.is_bool else Kind.CODE
            return Value(kind, float(code), text=split[1], rule="code_label_with_remark")
    if words in _YES or words in _NO:
        yes = words in _YES
        if expect is Expect.COUNT and not yes:
            return Value(Kind.COUNT, 0.0, text=text, rule="word_none")
        if expect in (Expect.BOOL, Expect.CODE, Expect.UNKNOWN):
            return Value(Kind.BOOL, 1.0 if yes else 0.0, text=text, rule="word_yes_no")
        return Value(Kind.TEXT, text=text, rule="word_unexpected")

    m = _NUMBER_ONLY.match(text)
    if m:
        pct = bool(m["pct"])
        r = read_number(m["n"], expect, style, percent=pct, upper=upper)
        if r.value is None:
            return Value(Kind.EMPTY, text=text, rule=r.rule, candidates=tuple(map(float, r.candidates)))
        return Value(_number_kind(r.value, expect, pct, codes), float(r.value), rule=r.rule)

    m = _FRACTION.match(text)
    if m:
        # Parts of a fraction are counts ("08/21", "1.201/1.252"): whole numbers.
        a = read_number(m["a"], Expect.COUNT, style)
        b = read_number(m["b"], Expect.COUNT, style)
        if a.value is None or b.value is None:
            return Value(Kind.EMPTY, text=text, rule="fraction_" + (a.rule if a.value is None else b.rule))
        return Value(Kind.FRACTION, float(a.value), float(b.value), text=m["rest"], rule="fraction")

    m = _QUALIFIED.match(text)
    if m and not re.match(r"^\d+\s*/", text):  # "18/01/2023 …" is a date, not a number
        if _WORDED_FRACTION.match(text) or _SECOND_QUANTITY.search(_BRACKETED.sub("", m["rest"])):
            return _several_numbers(text)
        pct = bool(m["pct"])
        r = read_number(m["n"], expect, style, percent=pct, upper=upper)
        if r.value is not None:
            return Value(
                _number_kind(r.value, expect, pct, codes),
                float(r.value),
                text=m["rest"].strip(),
                rule="number_with_qualifier",
            )
        return Value(Kind.TEXT, text=text, rule="qualifier_" + r.rule, candidates=tuple(map(float, r.candidates)))

    split = _answer_and_remark(text)
    if split:
        # A yes/no word decides the value when it alone would: "Có (05 văn bản)" on a count
        # row stays text, as "Có" alone would, and so does a "none" the remark contradicts
        # with a number ("Không (3 vụ việc)").
        answer = _parse_value(split[0], expect, codes, style, upper)
        contradicted = answer.rule == "word_none" and any(ch in "123456789" for ch in split[1])
        if answer.rule in ("word_yes_no", "word_none") and not contradicted:
            return replace(answer, text=split[1], rule=f"{answer.rule}_with_remark")

    return Value(Kind.TEXT, text=text, rule="free_text")


def _several_numbers(text: str) -> Value:
    """A number whose words go on to a second quantity: a fraction in words ("12 người/15
    người", "5 trên 5") is one value; a range or a list ("20 đến 25", "2 văn bản, 1 kế
    hoạch") is not settled by the cell, and its first number alone would be a wrong one.
    A number in brackets backs the one before it ("8 (HĐ theo ND 111)") and is not counted."""
    m = _WORDED_FRACTION.match(text)
    if m:
        a = read_number(m["a"], Expect.COUNT, Style.UNKNOWN)
        b = read_number(m["b"], Expect.COUNT, Style.UNKNOWN)
        if a.value is not None and b.value is not None:
            return Value(Kind.FRACTION, float(a.value), float(b.value), text=text, rule="fraction_in_words")
    numbers = [read_number(n, Expect.COUNT, Style.UNKNOWN).value for n in re.findall(_NUMBER, _BRACKETED.sub("", text))]
    readings = tuple(dict.fromkeys(float(n) for n in numbers if n is not None))
    return Value(Kind.TEXT, text=text, rule="several_numbers", candidates=readings if len(readings) > 1 else ())


# --- fractions inside notes ---------------------------------------------------------

# "933 hồ sơ nhận trực tuyến/938 hồ sơ nhận trực tiếp", "1,996/1,996 Số lượng…", "12/19 người"
_NOTE_FRACTION = re.compile(r"(?<![\d/.,])(?P<a>\d[\d.,]*)(?P<wa>[^\d/]{0,40}?)\s*/\s*(?P<b>\d[\d.,]*)(?![\d/])")


@lru_cache(maxsize=65_536)
def note_fraction(note: str | None) -> tuple[float, float] | None:
    """The counts a note states as "part/whole", for the ratio validators.

    Dates ("18/01/2023") and document numbers ("72/KH-SLĐTBXH") are not fractions: a
    date has a second slash, a document number has letters right after the slash.
    """
    if not note:
        return None
    for m in _NOTE_FRACTION.finditer(note):
        tail = note[m.end() : m.end() + 1]
        if tail == "/" or (tail and tail.isalpha()):
            continue
        a = read_number(m["a"], Expect.COUNT)
        b = read_number(m["b"], Expect.COUNT)
        if a.value is None or b.value is None:
            continue
        return float(a.value), float(b.value)
    return None


__all__ = [
    "CodeTable",
    "Expect",
    "Kind",
    "Reading",
    "Style",
    "Value",
    "column_style",
    "note_fraction",
    "number_style",
    "parse_code_table",
    "parse_value",
    "read_number",
]
