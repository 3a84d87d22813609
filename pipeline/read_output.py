"""Reading a run's Parquet back a batch at a time.

The HTML report and `cchc review` look at every fact of a run, and a national backfill
has tens of millions: reading whole columns would make their memory grow with the run.
Here a filter runs in Arrow on each batch and only the rows it keeps become Python dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

BATCH_ROWS = 8_192


def scan(
    path: Path,
    columns: list[str],
    where: Callable[[pa.RecordBatch], pa.Array] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[dict]:
    """Rows of `path` (only `columns`) for which `where(batch)` is true, in file order."""
    for batch in batches(path, columns, batch_rows):
        if where is not None:
            batch = batch.filter(where(batch))
        yield from batch.to_pylist()


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
