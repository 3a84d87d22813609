"""Reading a run's Parquet back a batch at a time.

The HTML report and `cchc review` look at every fact of a run, and a national backfill
has tens of millions: reading whole columns would make their memory grow with the run.
Here a filter runs in Arrow on each batch and only the rows it keeps become Python dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

BATCH_ROWS = 8_192


def scan(
    path: Path,
    columns: list[str],
    where: Callable[[pa.RecordBatch], pa.Array] | None = None,
    batch_rows: int = BATCH_ROWS,
    where_reads: list[str] | None = None,
) -> Iterator[dict]:
    """Rows of `path` (only `columns`) for which `where(batch)` is true, in file order.

    `where_reads`, the columns `where` looks at: given them, each row group is filtered on
    those alone and read whole only when a row passes. The HTML report's weak matches are
    a handful among a run's facts: decoding every label of 700 000 facts to find them was
    most of the time the report added to a run's end."""
    if where is not None and where_reads:
        yield from _scan_row_groups(path, columns, where, where_reads)
        return
    for batch in batches(path, columns, batch_rows):
        if where is not None:
            batch = batch.filter(where(batch))
        yield from batch.to_pylist()


def _scan_row_groups(
    path: Path, columns: list[str], where: Callable[[pa.Table], pa.Array], where_reads: list[str]
) -> Iterator[dict]:
    with pq.ParquetFile(path) as parquet:
        for i in range(parquet.num_row_groups):
            keep = where(parquet.read_row_group(i, columns=where_reads))
            if pc.any(keep).as_py():
                yield from parquet.read_row_group(i, columns=columns).filter(keep).to_pylist()


def batches(path: Path, columns: list[str], batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    with pq.ParquetFile(path) as parquet:
        yield from parquet.iter_batches(batch_size=batch_rows, columns=columns)


class RowsByFile:
    """The rows of one source file at a time from an output cchc wrote, in one forward pass.

    cchc writes every table in the order of its input files (sorted by path), so an
    incremental run that walks the same sorted list can take each reused file's rows as
    the cursor passes them, holding one batch instead of the whole earlier output.
    Rows out of that order (the batch-level duplicate_submission findings, appended last)
    are passed over; callers ask for files in increasing order.
    """

    def __init__(self, path: Path) -> None:
        self._parquet = pq.ParquetFile(path)
        self._batches = self._parquet.iter_batches(batch_size=BATCH_ROWS)
        self._batch: pa.RecordBatch | None = None
        self._files: list[str] = []
        self._at = 0
        self.schema = self._parquet.schema_arrow

    def _current(self) -> bool:
        while self._batch is None or self._at >= len(self._files):
            try:
                self._batch = next(self._batches)
            except StopIteration:
                return False
            self._files = self._batch.column("source_file").to_pylist()
            self._at = 0
        return True

    def take(self, source_file: str) -> pa.Table:
        pieces: list[pa.RecordBatch] = []
        while self._current():
            files, at = self._files, self._at
            if not pieces:
                while at < len(files) and files[at] < source_file:
                    at += 1
            start = at
            while at < len(files) and files[at] == source_file:
                at += 1
            if at > start:
                pieces.append(self._batch.slice(start, at - start))  # type: ignore[union-attr]
            self._at = at
            if at < len(files):  # the cursor stopped at another file's row: done
                break
        return pa.Table.from_batches(pieces, schema=self.schema)

    def close(self) -> None:
        self._parquet.close()
