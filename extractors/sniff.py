"""Which reader a file needs, decided by its bytes; the extension only names legacy formats.

Agencies rename files (a Word file saved as `.pdf`, a `.docx` that is really a `.doc`):
the name is the least reliable thing about a submission.
"""

from __future__ import annotations

import io
import zipfile

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_format(head: bytes, data: bytes, suffix: str) -> str:
    """One of txt, docx, xlsx, pdf, doc, xls, zip, rtf, empty."""
    if not data.strip():
        return "empty"
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            # A truncated Office file still starts like a zip: say what it was meant to be.
            return {"xlsx": "xlsx", "docx": "docx"}.get(suffix, "zip")
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "xls" if suffix in {"xls", "xlsx"} else "doc"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    return "txt"
