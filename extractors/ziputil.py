"""Office files are zip archives: open them only after checking they cannot explode."""

from __future__ import annotations

import io
import zipfile

from extractors.base import ExtractionError

# A real report's DOCX/XLSX unpacks to a few MB; 200 MB is far beyond any of them and far
# below what would hurt the machine. A zip bomb declares its sizes honestly in the central
# directory (or lies and fails the CRC on reading), so the declared sum is the guard.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 10_000


def check_zip(data: bytes, kind: str) -> None:
    """Raise ExtractionError when `data` is not a readable, reasonably sized zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise ExtractionError(
            f"damaged {kind} file (not a readable zip archive): save it again from Word/Excel"
        ) from None
    if len(infos) > MAX_ENTRIES:
        raise ExtractionError(f"{kind} file with {len(infos)} parts: refused as a possible zip bomb")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ExtractionError(
            f"{kind} file would unpack to {unpacked // 2**20} MB (limit "
            f"{MAX_UNPACKED_BYTES // 2**20} MB): refused as a possible zip bomb"
        )
