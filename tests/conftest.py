from __future__ import annotations

from pathlib import Path

import pytest

from extractors import detect_format, extract
from pipeline.assemble import assemble_table, statistics_tables
from pipeline.models import TableRow
from pipeline.run_file import Context
from schema.load import load_layout

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"

SEED = {
    "000": RAW / "2023-Q1_UBND-TP-Soc-Trang_phu-luc.txt",
    "001": RAW / "2023-Q1_So-LDTBXH_phu-luc.txt",
    "002": RAW / "2023-Q1_UBND-huyen-Cu-Lao-Dung_bao-cao.txt",
    "003": RAW / "2023-6T_So-Ngoai-vu_phu-luc.txt",
    "004": RAW / "2023-nam_So-Noi-vu_PAR-Index-SIPAS.txt",
}


def rows_of_bytes(data: bytes, suffix: str = ".txt") -> list[TableRow]:
    doc = extract(data, detect_format(data, suffix))
    rows: list[TableRow] = []
    for st in statistics_tables(doc, load_layout())[0]:
        rows.extend(assemble_table(st.table, st.shape, len(rows) + 1))
    return rows


@pytest.fixture(scope="session")
def ctx() -> Context:
    """The schema as a run loads it, shared by every test: reading reports only fills its caches."""
    return Context.load()


@pytest.fixture(scope="session")
def seed_rows() -> dict[str, list[TableRow]]:
    return {k: rows_of_bytes(p.read_bytes()) for k, p in SEED.items()}


def by_label(rows: list[TableRow], prefix: str) -> list[TableRow]:
    return [r for r in rows if r.label.startswith(prefix)]
