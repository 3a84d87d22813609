"""Run `ingest_file` over many files in worker processes, with a time limit per file.

Why processes and not threads: the work is Python (parsing, matching) and holds the GIL,
and a file that makes a parser run for minutes can only be stopped by killing the process
that reads it. Results come back in input order, so the output does not depend on the
number of workers.

Files travel in chunks of consecutive files: one message each way and one Arrow conversion
a chunk, not a file (for a small text report these were a tenth of its cost, and the
parent, which writes every row, pays its share of them alone). A chunk stays small: a
large file goes alone, and a small batch is cut fine enough to keep every worker busy.
When a chunk outlives the time limit, or its worker dies, its worker is killed and a
fresh one reads the chunk's files again one by one: the file at fault is then the one
recorded as failed ("timed out after N s"), the others are read as usual.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pyarrow as pa

from pipeline.run_file import Context, FileResult, failed_result, ingest_file, internal_error
from pipeline.write import FACTS, SCORES, TABLES, Rows, arrow_without_pandas, to_table


@dataclass(frozen=True)
class PoolSettings:
    workers: int = max(os.cpu_count() or 1, 1)
    # Seconds one file may take. Real reports take under 5 s even as 20-page PDFs on this
    # machine; two minutes leaves room for a slow disk and still ends a pathological file.
    timeout: float = 120.0
    # A chunk: at most this many files and this many bytes of input (unless one file is more).
    chunk_files: int = 16
    chunk_bytes: int = 256 * 1024


def _table_to_ipc(table: pa.Table) -> tuple:
    """How a worker's Arrow table crosses the pipe: one IPC stream, written and read in C.
    Arrow's own pickling goes column by column and costs four times as much, on both sides."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return _table_from_ipc, (sink.getvalue().to_pybytes(),)


def _table_from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


ForkingPickler.register(pa.Table, _table_to_ipc)  # multiprocessing's pickler only

_ROWS = {"facts": FACTS, "cells": TABLES, "scores": SCORES}  # a FileResult's bulky rows


@dataclass
class _Packed:
    """Some files' results for the trip to the parent: each kind of row of all the files as
    one Arrow table (a table pickles as a copy of its buffers, a list of dicts as an object
    a value), the rest of each result as it is: findings stay dicts, the parent reads them."""

    results: list[FileResult]  # without their rows
    tables: dict[str, pa.Table]  # row kind -> the rows of every result, in order
    sizes: list[tuple[int, ...]]  # rows of each kind, a result each

    @classmethod
    def of(cls, results: list[FileResult]) -> _Packed:
        """Raises what Arrow raises on a row it refuses."""
        tables = {}
        for name, schema in _ROWS.items():
            rows = [row for r in results for row in getattr(r, name)]
            if rows:
                tables[name] = to_table(rows, schema)
        sizes = [tuple(len(getattr(r, name)) for name in _ROWS) for r in results]
        return cls([replace(r, facts=[], cells=[], scores=[]) for r in results], tables, sizes)

    def unpacked(self) -> list[FileResult]:
        """The results, each with its rows as a range of the tables (no copy)."""
        offsets = dict.fromkeys(_ROWS, 0)
        out = []
        for result, sizes in zip(self.results, self.sizes, strict=True):
            rows: dict = {}
            for name, n in zip(_ROWS, sizes, strict=True):
                rows[name] = Rows(self.tables[name], offsets[name], offsets[name] + n) if n else []
                offsets[name] += n
            out.append(replace(result, **rows))
        return out


def _pack(results: list[FileResult], root: Path) -> list[_Packed]:
    try:
        return [_Packed.of(results)]
    except Exception:  # a row Arrow refuses must cost its own file only
        return [_pack_alone(r, root) for r in results]


def _pack_alone(result: FileResult, root: Path) -> _Packed:
    try:
        return _Packed.of([result])
    except Exception as exc:
        return _Packed.of([failed_result(root / result.report["source_file"], root, internal_error(exc))])


def _serve(conn: Connection, root: Path, ctx: Context) -> None:
    # What the worker inherits (the schema, the modules) lives as long as it does: frozen,
    # the collector never walks it again. Rows make few reference cycles, so the collector
    # is asked less often too: together 4 % of a text report's instructions (callgrind).
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    arrow_without_pandas()  # a spawned worker starts afresh; a forked one has it from the parent
    while True:
        paths = conn.recv()
        if paths is None:
            return
        conn.send(_pack([ingest_file(Path(p), root, ctx) for p in paths], root))


Task = tuple[int, Path]  # (position in the input, path)


def _chunks(tasks: list[Task], settings: PoolSettings) -> list[list[Task]]:
    """Consecutive files, a chunk at a time; at least four chunks a worker when the batch
    allows, so that no worker waits while another reads the last long chunk."""
    per_chunk = max(1, min(settings.chunk_files, len(tasks) // (4 * max(settings.workers, 1))))
    chunks: list[list[Task]] = []
    chunk: list[Task] = []
    size = 0
    for task in tasks:
        try:
            n = task[1].stat().st_size
        except OSError:
            n = 0  # ingest_file says why it cannot read the file
        if chunk and (len(chunk) >= per_chunk or size + n > settings.chunk_bytes):
            chunks.append(chunk)
            chunk, size = [], 0
        chunk.append(task)
        size += n
    if chunk:
        chunks.append(chunk)
    return chunks


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    task: list[Task] | None = None
    started: float = 0.0


def run_files(
    paths: list[Path], root: Path, ctx: Context, settings: PoolSettings, on_start: Callable[[str], None] | None = None
) -> Iterator[FileResult]:
    """Yield one FileResult per path, in the order of `paths`."""
    if settings.workers <= 1 and settings.timeout <= 0:
        for path in paths:
            if on_start:
                on_start(path.relative_to(root).as_posix())
            yield ingest_file(path, root, ctx)
        return
    # fork shares the loaded schema with the workers; elsewhere (Windows, macOS) it is
    # pickled to each of them.
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    mpctx = mp.get_context(method)

    def start() -> _Worker:
        parent, child = mpctx.Pipe()
        proc = mpctx.Process(target=_serve, args=(child, root, ctx), daemon=True)
        proc.start()
        child.close()
        return _Worker(proc, parent)

    queue = _chunks(list(enumerate(paths)), settings)[::-1]  # a stack: pop() gives the next chunk
    workers = [start() for _ in range(min(settings.workers, len(queue)) or 1)]
    announced = 0  # files passed to on_start: each once, though a chunk may be read again
    done: dict[int, FileResult] = {}
    next_out = 0

    def give_up(w: _Worker, chunk: list[Task], why: str) -> None:
        """The worker is lost (killed or dead): its chunk's files are read again one by
        one, or, when it read a single file, that file is the failure."""
        if len(chunk) > 1:
            queue.extend([task] for task in reversed(chunk))
        else:
            i, path = chunk[0]
            done[i] = failed_result(path, root, why)
        workers[workers.index(w)] = _replace(w, start)

    try:
        while next_out < len(paths):
            for w in workers:
                if w.task is None and queue:
                    w.task = queue.pop()
                    w.started = time.monotonic()
                    for i, path in w.task:
                        if on_start and i >= announced:
                            on_start(path.relative_to(root).as_posix())
                            announced = i + 1
                    w.conn.send([str(path) for _, path in w.task])
            busy = [w for w in workers if w.task is not None]
            if busy:
                deadline = min(w.started for w in busy) + settings.timeout
                ready = wait([w.conn for w in busy], timeout=max(deadline - time.monotonic(), 0.01))
                for w in busy:
                    chunk = w.task or []
                    if w.conn in ready:
                        try:
                            packed: list[_Packed] = w.conn.recv()
                        except (EOFError, OSError):  # the worker died (out of memory, a crash in C code)
                            give_up(w, chunk, "the reader crashed on this file")
                            continue
                        results = [r for p in packed for r in p.unpacked()]
                        for (i, _), result in zip(chunk, results, strict=True):
                            done[i] = result
                        w.task = None
                    elif time.monotonic() - w.started > settings.timeout:
                        give_up(w, chunk, f"timed out after {settings.timeout:g} s: the file is too slow to read")
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
    finally:
        for w in workers:
            if w.process.is_alive():
                with contextlib.suppress(BrokenPipeError, OSError):
                    w.conn.send(None)
                w.process.join(timeout=1)
                if w.process.is_alive():
                    w.process.kill()


def _replace(worker: _Worker, start: Callable[[], _Worker]) -> _Worker:
    worker.process.kill()
    worker.process.join(timeout=5)
    worker.conn.close()
    return start()
