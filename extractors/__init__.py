"""File -> Document. The registry picks the reader by the file's bytes (see sniff.py)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from extractors.base import Document, ExtractionError, RawRow, RawTable, TextBlock
from extractors.sniff import sniff_format

Reader = Callable[[bytes], Document]

# Formats we recognise but cannot read, with what the analyst should do about it.
_REFUSED = {
    "empty": "the file is empty",
    "doc": "legacy Word .doc format: open it in Word and save it as .docx",
    "xls": "legacy Excel .xls format: open it in Excel and save it as .xlsx",
    "rtf": "RTF document: open it in Word and save it as .docx",
    "zip": "a zip archive that is neither a Word (.docx) nor an Excel (.xlsx) file",
}


# Each reader is imported when its format first comes: a batch of text files never pays
# for loading pdfplumber, pypdfium2, openpyxl or python-docx (0.3 s in every worker, the
# first text report's cost ten times over).
_READERS = {
    "txt": ("extractors.text", "extract_text"),
    "docx": ("extractors.docx", "extract_docx"),
    "pdf": ("extractors.pdf", "extract_pdf"),
    "xlsx": ("extractors.xlsx", "extract_xlsx"),
}


def _reader(fmt: str) -> Reader | None:
    where = _READERS.get(fmt)
    return None if where is None else getattr(importlib.import_module(where[0]), where[1])


def detect_format(data: bytes, suffix: str) -> str:
    return sniff_format(data[:2048], data, suffix.lower().lstrip("."))


def extract(data: bytes, fmt: str) -> Document:
    """Read a file already sniffed as `fmt`. Raises ExtractionError with a one-line reason."""
    if fmt in _REFUSED:
        raise ExtractionError(_REFUSED[fmt])
    reader = _reader(fmt)
    if reader is None:
        raise ExtractionError(f"{fmt.upper()} reports are not readable by this version of cchc")
    return reader(data)


__all__ = ["Document", "ExtractionError", "RawRow", "RawTable", "TextBlock", "detect_format", "extract"]
