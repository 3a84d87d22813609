"""Run `ingest_file` over many files in worker processes, with a time limit per file.

Why processes and not threads: the work is Python (parsing, matching) and holds the GIL,
and a file that makes a parser run for minutes can only be stopped by killing the process
that reads it. Each worker reads one file at a time; when a file outlives the limit its
worker is killed, the file is recorded as failed ("timed out after N s") and a fresh
worker takes its place. Results come back in input order, so the output does not depend
on the number of workers.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pyarrow as pa

from pipeline.run_file import Context, FileResult, failed_result, ingest_file, internal_error


@dataclass(frozen=True)
class PoolSettings:
    workers: int = max(os.cpu_count() or 1, 1)
    # Seconds one file may take. Real reports take under 5 s even as 20-page PDFs on this
    # machine; two minutes leaves room for a slow disk and still ends a pathological file.
    timeout: float = 120.0


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


def _serve(conn: Connection, root: Path, ctx: Context) -> None:
    while True:
        task = conn.recv()
        if task is None:
            return
        result = ingest_file(Path(task), root, ctx)
        try:
            result = result.packed()
        except Exception as exc:  # a row Arrow cannot take must cost one file, not its worker
            result = failed_result(Path(task), root, internal_error(exc))
        conn.send(result)


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    task: tuple[int, Path] | None = None
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
    # fork shares the loaded schema with the workers; elsewhere each worker loads its own copy.
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    # pyarrow imports pandas (0.6 s) on its first conversion of Python values: done once
    # here, before the fork, rather than once in every worker.
    pa.array([])
    mpctx = mp.get_context(method)

    def start() -> _Worker:
        parent, child = mpctx.Pipe()
        proc = mpctx.Process(target=_serve, args=(child, root, ctx), daemon=True)
        proc.start()
        child.close()
        return _Worker(proc, parent)

    workers = [start() for _ in range(min(settings.workers, len(paths)) or 1)]
    queue = list(enumerate(paths))[::-1]
    done: dict[int, FileResult] = {}
    next_out = 0
    try:
        while next_out < len(paths):
            for w in workers:
                if w.task is None and queue:
                    w.task = queue.pop()
                    w.started = time.monotonic()
                    if on_start:
                        on_start(w.task[1].relative_to(root).as_posix())
                    w.conn.send(str(w.task[1]))
            busy = [w for w in workers if w.task is not None]
            if busy:
                deadline = min(w.started for w in busy) + settings.timeout
                ready = wait([w.conn for w in busy], timeout=max(deadline - time.monotonic(), 0.01))
                for w in busy:
                    if w.conn in ready:
                        try:
                            done[w.task[0]] = w.conn.recv()
                        except (EOFError, OSError):  # the worker died (out of memory, a crash in C code)
                            done[w.task[0]] = failed_result(w.task[1], root, "the reader crashed on this file")
                            workers[workers.index(w)] = _replace(w, start)
                            continue
                        w.task = None
                    elif time.monotonic() - w.started > settings.timeout:
                        done[w.task[0]] = failed_result(
                            w.task[1], root, f"timed out after {settings.timeout:g} s: the file is too slow to read"
                        )
                        workers[workers.index(w)] = _replace(w, start)
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
