"""Parquet and manifest, exactly as ../shared/CONTRACT.md says, each replaced atomically.

Every file is written beside its target (`.name.tmp-PID`) and renamed over it, so a run
killed at any moment leaves the previous output readable. The manifest goes last: a
manifest newer than the tables means the run finished.
"""

from __future__ import annotations

import importlib.abc
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

CONTRACT_VERSION = "1.0"


def arrow_without_pandas() -> None:
    """Spare the process pyarrow's import of pandas (0.6 s and 48 MB before the first row
    is written: a fifth of a 150-report run).

    pyarrow imports pandas on its first conversion of Python values, to recognise pandas
    objects among them; cchc never hands it any (its rows are dicts of str, int, float,
    bool and None). That check is made once a process, so it is made here with pandas
    hidden from the import system: pyarrow notes "no pandas" and converts lists as
    lists, and pandas itself stays importable (`to_pandas()` imports it when asked).
    Call before any conversion; where pandas is already imported this does nothing."""
    if "pandas" in sys.modules:
        return
    hide = _HidePandas()
    sys.meta_path.insert(0, hide)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(hide)


class _HidePandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError(f"No module named {name!r} (hidden from pyarrow's check)", name=name)
        return None


S, I32, F64, B = pa.string(), pa.int32(), pa.float64(), pa.bool_()

# Contract columns first, in the contract's order; our additions after them.
FACTS = pa.schema(
    [
        ("report_id", S),
        ("source_file", S),
        ("row_no", I32),
        ("page", I32),
        ("section", S),
        ("stt", S),
        ("is_header", B),
        ("label_raw", S),
        ("unit_raw", S),
        ("value_raw", S),
        ("note_raw", S),
        ("indicator_id", S),
        ("match_score", F64),
        ("match_method", S),
        ("value_kind", S),
        ("value_num", F64),
        ("value_den", F64),
        ("value_text", S),
        ("unit", S),
        # additions: provenance and the reasons behind each value
        ("table_no", I32),
        ("line_no", I32),
        ("level", I32),
        ("parent_row_no", I32),
        ("value_rule", S),
        ("note_num", F64),
        ("note_den", F64),
        ("repairs", S),
    ]
)

REPORTS = pa.schema(
    [
        ("report_id", S),
        ("source_file", S),
        ("sha256", S),
        ("format", S),
        ("agency", S),
        ("agency_level", S),
        ("period_type", S),
        ("period_num", I32),
        ("year", I32),
        ("report_no", S),
        ("template", S),
        ("status", S),
        ("error", S),
        ("n_rows", I32),
        ("n_matched", I32),
        ("size_bytes", pa.int64()),
        ("n_tables", I32),
        ("encoding", S),
        ("metadata_source", S),
    ]
)

FINDINGS = pa.schema(
    [
        ("report_id", S),
        ("source_file", S),
        ("row_no", I32),
        ("indicator_id", S),
        ("rule", S),
        ("severity", S),
        ("message", S),
        # additions: where the row sits, so a finding reads without a join to facts
        ("section", S),
        ("label_raw", S),
    ]
)

TABLES = pa.schema(
    [
        ("report_id", S),
        ("source_file", S),
        ("table_no", I32),
        ("row_no", I32),
        ("col_no", I32),
        ("header_path", S),
        ("text", S),
        ("page", I32),
    ]
)

SCORES = pa.schema(
    [
        ("report_id", S),
        ("source_file", S),
        ("table", S),
        ("criterion_code", S),
        ("criterion_label", S),
        ("agency", S),
        ("year", I32),
        ("measure", S),
        ("value", F64),
        ("value_raw", S),
        ("page", I32),
        ("row_no", I32),
    ]
)

INDICATORS = pa.schema(
    [
        ("indicator_id", S),
        ("section", S),
        ("parent_id", S),
        ("label", S),
        ("unit", S),
        ("value_type", S),
        ("codes", S),
        ("templates", S),
        ("valid_from", I32),
        ("valid_to", I32),
        ("replaced_by", S),
        ("aliases", S),
    ]
)

SCHEMAS = {
    "facts": FACTS,
    "reports": REPORTS,
    "findings": FINDINGS,
    "tables": TABLES,
    "scores": SCORES,
    "indicators": INDICATORS,
}


@dataclass(frozen=True)
class Rows:
    """Rows start..stop of a table that crossed the pipe whole (a worker's chunk of files):
    one file's rows, kept as a range so that the writer can join a chunk's files back
    into one piece. Parquet encodes a table of 175-row pieces (one a report) in 1.8 times
    the time of the same rows in 2 800-row pieces."""

    table: pa.Table
    start: int
    stop: int

    @property
    def num_rows(self) -> int:
        return self.stop - self.start

    def follows(self, other: object) -> bool:
        return isinstance(other, Rows) and other.table is self.table and other.stop == self.start

    def to_table(self) -> pa.Table:
        return self.table.slice(self.start, self.num_rows)


def to_table(rows: Iterable[dict] | Iterable[tuple] | pa.Table, schema: pa.Schema) -> pa.Table:
    """Rows -> an Arrow table of exactly `schema`. Rows are dicts (a missing key is null)
    or named tuples whose fields are the schema's columns (Facts); a table (rows kept from
    an earlier run, or sent by a worker) is brought to the schema."""
    if isinstance(rows, pa.Table):
        return rows if rows.schema == schema else rows.select(schema.names).cast(schema)
    rows = list(rows)
    if not rows:
        return schema.empty_table()
    if isinstance(rows[0], tuple):
        if getattr(type(rows[0]), "_fields", None) != tuple(schema.names):
            raise TypeError(f"rows of {type(rows[0]).__name__} are not in the columns' order: {schema.names}")
        columns: list = list(zip(*rows, strict=True))  # the transposition in C
    else:
        try:  # rows that carry every column (findings, cells do): one lookup a value
            columns = [[row[name] for row in rows] for name in schema.names]
        except KeyError:
            return pa.Table.from_pylist(rows, schema=schema)
        # (from_pylist asks each row twice: `name in row`, then `row[name]`; 10 % of the conversion)
    return pa.Table.from_arrays([pa.array(v, f.type) for f, v in zip(schema, columns, strict=True)], schema=schema)


def write_manifest(manifest: dict, target: Path) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text + "\n", encoding="utf-8")
        _fsync(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def remove_stale_temporaries(out_dir: Path) -> list[str]:
    """Temporaries left by a run that was killed before it could rename them."""
    removed = []
    for path in sorted(out_dir.glob(".*.tmp-*")):
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


class OutputWriter:
    """Streams rows into temporary Parquet files beside their targets.

    Memory stays flat however many files a run reads: rows are flushed as row groups
    every `flush_rows`. `commit` renames every temporary over its target in one burst
    (all the slow writing is done by then) and writes the manifest last, so a run killed
    at any moment leaves each output file whole, the previous one or the new one.
    """

    # 10 000 rows (~50 reports) a row group: a few MB in Arrow.
    def __init__(self, out_dir: Path, flush_rows: int = 10_000) -> None:
        self.out_dir = out_dir
        self.flush_rows = flush_rows
        pid = os.getpid()
        self.tmp = {name: out_dir / f".{name}.parquet.tmp-{pid}" for name in SCHEMAS}
        self.writers = {
            name: pq.ParquetWriter(self.tmp[name], schema, compression="zstd") for name, schema in SCHEMAS.items()
        }
        # Not yet written, in input order: tables (from workers, from an earlier run), then
        # dict rows, converted together (a conversion has a fixed cost; a file has few findings).
        self.pending: dict[str, list[pa.Table | Rows]] = {name: [] for name in SCHEMAS}
        self.rows: dict[str, list] = {name: [] for name in SCHEMAS}  # dicts; Facts for facts
        self.pending_rows: dict[str, int] = dict.fromkeys(SCHEMAS, 0)
        self.counts: dict[str, int] = dict.fromkeys(SCHEMAS, 0)  # rows added, written or not

    def add(self, name: str, rows: Iterable[dict] | Iterable[tuple] | pa.Table | Rows) -> None:
        """Rows of one file; written as one row group once `flush_rows` have gathered."""
        if isinstance(rows, Rows):
            pending = self.pending[name]
            if rows.num_rows:
                self._convert(name)
                if pending and rows.follows(pending[-1]):  # the next file of the same chunk
                    pending[-1] = Rows(rows.table, pending[-1].start, rows.stop)  # type: ignore[union-attr]
                else:
                    pending.append(rows)
            added = rows.num_rows
        elif isinstance(rows, pa.Table):
            if rows.num_rows:
                self._convert(name)  # the dict rows before it keep their place
                self.pending[name].append(to_table(rows, SCHEMAS[name]))
            added = rows.num_rows
        else:
            before = len(self.rows[name])
            self.rows[name].extend(rows)
            added = len(self.rows[name]) - before
        self.pending_rows[name] += added
        self.counts[name] += added
        if self.pending_rows[name] >= self.flush_rows:
            self._flush(name)

    def _convert(self, name: str) -> None:
        if self.rows[name]:
            self.pending[name].append(to_table(self.rows[name], SCHEMAS[name]))
            self.rows[name] = []

    def _flush(self, name: str) -> None:
        self._convert(name)
        if self.pending[name]:
            pieces = [to_table(p.to_table(), SCHEMAS[name]) if isinstance(p, Rows) else p for p in self.pending[name]]
            self.writers[name].write_table(pa.concat_tables(pieces))
            self.pending[name].clear()
            self.pending_rows[name] = 0

    def commit(self, manifest: dict) -> None:
        for name in SCHEMAS:
            self._flush(name)
            self.writers[name].close()
            _fsync(self.tmp[name])
        for name in SCHEMAS:
            os.replace(self.tmp[name], self.out_dir / f"{name}.parquet")
        write_manifest(manifest, self.out_dir / "_manifest.json")

    def abort(self) -> None:
        for name in SCHEMAS:
            try:
                self.writers[name].close()
            finally:
                self.tmp[name].unlink(missing_ok=True)
