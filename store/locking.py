"""Opening the store file while another process may hold it: wait, say so once, give up clearly.

DuckDB lets one process at a time open a file for writing, and none while another process has it open,
even read-only; a second opener is refused at once ("Could not set lock on file"). Inside one process
DuckDB shares one database between connections, and refuses a read-only and a read-write one side by
side. So two imports at once, or an import while the app reads, used to end in a lock traceback.

Here every opening is retried with a short, growing, jittered pause until the file comes free or a time
limit passes (``[store]`` in ``data/settings.toml``: long for writes, since an import can write for tens
of seconds; shorter for reads). The first wait is announced once through the callback of the innermost
:func:`announcing` block (the command line prints it; the Data page shows it), and running out of time
raises :class:`store.errors.StoreBusy`, which callers turn into "... nothing was imported". Writers in one
process (two users importing on one app server) take turns on a per-file lock first, since DuckDB would
otherwise let both in on one shared database, where their transactions could conflict.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import duckdb

import config
from store.errors import WAIT_NOTICE, busy, classify, is_lock_conflict

#: First and longest pause between attempts, in seconds: reads take milliseconds, so the first retries
#: come quickly; an import takes seconds, so later ones need not hammer the file.
FIRST_PAUSE = 0.02
LONGEST_PAUSE = 0.25

_NOTICE: ContextVar[Callable[[], None] | None] = ContextVar("store_wait_notice", default=None)
_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


@contextmanager
def announcing(say: Callable[[str], None]) -> Iterator[None]:
    """Inside the block, the first time work waits for the store, ``say`` gets :data:`WAIT_NOTICE` (once
    for the whole block, however many connections wait)."""
    told = False

    def once() -> None:
        nonlocal told
        if not told:
            told = True
            say(WAIT_NOTICE)

    token = _NOTICE.set(once)
    try:
        yield
    finally:
        _NOTICE.reset(token)


def _announce() -> None:
    notice = _NOTICE.get()
    if notice is not None:
        notice()


def _write_lock(path: Path) -> threading.RLock:
    key = str(path.resolve())
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.RLock())


def wait_limit(read_only: bool) -> float:
    limits = config.store_settings()
    return limits.read_wait_seconds if read_only else limits.write_wait_seconds


@contextmanager
def connection(path: Path, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection to ``path``, opened as soon as the file is free (see the module docstring) and
    closed after the block. Errors opening it that people can meet become :class:`StoreProblem`\\ s."""
    limit = wait_limit(read_only)
    deadline = time.monotonic() + limit
    lock = None if read_only else _write_lock(path)
    if lock is not None and not lock.acquire(blocking=False):
        _announce()
        if not lock.acquire(timeout=max(deadline - time.monotonic(), 0)):
            raise busy(path, limit)
    try:
        con = _open(path, read_only=read_only, deadline=deadline, limit=limit)
        try:
            yield con
        finally:
            con.close()
    finally:
        if lock is not None:
            lock.release()


def _open(path: Path, *, read_only: bool, deadline: float, limit: float) -> duckdb.DuckDBPyConnection:
    pause = FIRST_PAUSE
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            # DuckDB draws a progress bar on the process's own stdout for queries over 2 s (a large store),
            # which would end up inside `--json` output piped to a file
            con.execute("SET enable_progress_bar = false")
            return con
        except duckdb.Error as exc:
            if not is_lock_conflict(exc):
                problem = classify(exc, path)
                if problem is None:
                    raise
                raise problem from exc
            left = deadline - time.monotonic()
            if left <= 0:
                raise busy(path, limit) from None
            _announce()
            time.sleep(min(pause * random.uniform(0.5, 1.0), left))
            pause = min(pause * 2, LONGEST_PAUSE)
