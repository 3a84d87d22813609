"""Cleaning of printed cells and comparison keys for Vietnamese text.

Two different jobs live here and must not be confused:
- `clean_cell` produces what the contract calls `*_raw`: the text as printed, with only
  the debris of conversion removed (HTML tags, odd spaces, decomposed Unicode).
- `match_key` / `ascii_key` produce comparison keys that are never shown to anyone;
  they may rewrite freely as long as both sides of a comparison go through them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# Word and LibreOffice leave these behind: NBSP, narrow/thin/figure spaces, zero-width
# joiners, the BOM, soft hyphens.
_ODD_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u2009\u202f\u2002\u2003\u2004\u2005\u2006\u2008\u200a"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Inline formatting vanishes without a trace ("(<i>cả về Đảng</i>)" -> "(cả về Đảng)");
# any other tag (<p>, <br>, <sup>, <td>) separated text and becomes a space: a superscript
# is a footnote mark ("24/28<sup>1</sup>" in 004), never more digits of the number.
_INLINE_TAG = re.compile(r"</?(?:b|i|u|em|strong|span|font|s|strike)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_WS = re.compile(r"\s+")
_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w))")


@lru_cache(maxsize=262_144)  # labels, units and notes repeat across every report of a batch
def clean_cell(text: str | None) -> str:
    """Text as printed: tags stripped, entities decoded, NFC, whitespace collapsed."""
    if not text:
        return ""
    if text.isascii() and "<" not in text and "&" not in text:
        # most value cells ("1.197", "99,47"): `_clean_debris` changes nothing in them but
        # the spaces, and split/join collapses the same whitespace as `_WS` (80 ns, not 1.75 µs)
        return " ".join(text.split())
    return _clean_debris(text)


def _clean_debris(text: str) -> str:
    text = _TAG.sub(" ", _INLINE_TAG.sub("", text))
    text = html.unescape(text)
    text = text.translate(_ODD_SPACES).translate(_INVISIBLE)
    text = unicodedata.normalize("NFC", text)
    return _WS.sub(" ", text).strip()


@lru_cache(maxsize=16384)  # title and header lines repeat in every report of a form
def clean_line(text: str) -> str:
    """A line of running text (title block, narrative): cells' cleaning plus markdown marks."""
    return clean_cell(_MARKDOWN_EMPHASIS.sub("", text))


# --- comparison keys --------------------------------------------------------------

# The five tone marks, as combining characters. Vowel-quality marks (circumflex, breve,
# horn) are not tones and stay with their letter.
_TONES = {"\u0300": "1", "\u0301": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_TONE_CHARS = "".join(_TONES)
_WORD = re.compile(r"\w+")
_PUNCT = re.compile(r"[^\w\s%]")


def _move_tone_to_end(word: str) -> str:
    """'hoà', 'hòa' -> 'hoa1'; 'qúy', 'quý' -> 'quy2'.

    Old and new tone placement differ only in where the mark sits on the nucleus, never
    in which mark it is, so a key that records the mark after the word is equal for both
    spellings. It is a key, never shown, so rewriting 'hoàn' to 'hoan1' harms nothing.
    """
    decomposed = unicodedata.normalize("NFD", word)
    tone = ""
    kept = []
    for ch in decomposed:
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)) + tone


def match_key(text: str) -> str:
    """Key for comparing labels: case, punctuation, spacing and tone placement folded."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _PUNCT.sub(" ", text)
    return " ".join(_move_tone_to_end(w) for w in _WORD.findall(text))


# Every combining mark of the Basic Multilingual Plane, removed by one regex (C speed; a
# Python test of each character was a tenth of a text report's time, str.translate half
# as fast as this). Marks beyond the BMP never occur in Vietnamese text.
_MARKS = re.compile("[" + "".join(re.escape(chr(cp)) for cp in range(0x10000) if unicodedata.combining(chr(cp))) + "]+")


def strip_diacritics(text: str) -> str:
    """'Số nhiệm vụ' -> 'So nhiem vu'; 'Đ' -> 'D' (NFD does not split đ)."""
    return _MARKS.sub("", unicodedata.normalize("NFD", text)).replace("đ", "d").replace("Đ", "D")


def ascii_key(text: str) -> str:
    """Fallback key for text typed without accents."""
    return match_key(strip_diacritics(text))


@lru_cache(maxsize=65536)
def loose_key(text: str) -> str:
    """Alphanumerics only, diacritics dropped: for recognising repeated header rows,
    whose spacing varies ("Số lượng / Tỷ lệ" and "Số lượng /Tỷ lệ")."""
    return re.sub(r"[^0-9a-z]", "", strip_diacritics(unicodedata.normalize("NFC", text)).lower())


# --- legacy Vietnamese font encodings ---------------------------------------------------

# Latin-1 characters that Vietnamese written in Unicode never uses. Text typed with a
# TCVN3 (.VnTime) or VNI font and read as Unicode is full of them: TCVN3 "Sè nhiÖm vô ®Ò ra"
# and VNI "Soá nhieäm vuï ñeà ra" for "Số nhiệm vụ đề ra".
_FOREIGN_CHARS = "äåæçëîïðñöøûüþÿÄÅÆÇËÎÏÐÑÖØÛÜÞßª«¬®§µ¶·¸¹¨©¤¦¼½¾"
_NOT_VIETNAMESE = re.compile(f"[{_FOREIGN_CHARS}]")
_TCVN3_MARKS = re.compile("[ª«¬®§µ¶·¸¹¨©¤¦¼½¾]")
_LETTER = re.compile(r"[^\W\d_]")
# Letters only Vietnamese has (ă đ ĩ ũ ơ ư and the Latin Extended Additional block).
_VIETNAMESE_ONLY = re.compile(r"[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")


def legacy_font_encoding(text: str, min_share: float = 0.02) -> str | None:
    """'TCVN3' or 'VNI' when the text looks typed in that legacy font encoding, else None."""
    if not any(ch in text for ch in _FOREIGN_CHARS):
        return None  # most texts: a substring search a character is 3× faster than the regex
    foreign = len(_NOT_VIETNAMESE.findall(text))
    letters = len(_LETTER.findall(text)) + foreign
    if letters < 50 or foreign / letters < min_share or len(_VIETNAMESE_ONLY.findall(text)) > foreign:
        return None
    tcvn3 = len(_TCVN3_MARKS.findall(text))
    return "TCVN3" if tcvn3 >= foreign / 2 else "VNI"
