"""Why the store cannot be used, in one sentence for people: the one place failures are classified.

A DuckDB or operating-system error says what failed in the database's terms ("Could not set lock on
file", "Could not read enough bytes", errno 28) with a server path, and used to reach users as a
traceback. :func:`classify` turns each failure people can meet into a :class:`StoreProblem` saying
what happened and what to do; the command line prints it as one line and the app shows it as a message
(``views.problems``). Anything it does not recognise is left alone, so a programming error still shows
up as one in the logs and tests.
"""

from __future__ import annotations

import errno
from pathlib import Path

import config

#: Said once when work has to wait for another process to finish with the store.
WAIT_NOTICE = "waiting for the store (another import is running)..."

#: Phrases in DuckDB's messages, lower case, for each kind of problem.
_BUSY = (
    "could not set lock on file",
    "conflicting lock is held",
    "different configuration than existing connections",
)
_READ_ONLY = ("permission denied", "read-only file system", "operation not permitted")
_DISK_FULL = ("no space left on device", "not enough space", "disk quota exceeded", "disk is full")
#: phrase -> what it means, for the damaged-store sentence
_DAMAGED = {
    "not a valid duckdb database file": "it is not a DuckDB database file",
    "could not read enough bytes": "the file is shorter than its contents say: it was cut short",
    "corrupt database file": "a part of the file failed its checksum",
    "checksum": "a part of the file failed its checksum",
    "trying to read a database file with version number": "it was written by another DuckDB version",
    "failed to load metadata": "its table of contents cannot be read",
}


class StoreProblem(Exception):
    """The store cannot be used for what was asked; the message says why and what to do.

    ``text`` names the store as ``{store}``: the command line shows the full path (``str(problem)``), a
    web page only the file name (:meth:`brief`), since server paths are nobody's business there.
    """

    kind = "problem"

    def __init__(self, path: str | Path, text: str) -> None:
        self.path = Path(path)
        self.text = text
        super().__init__(text.format(store=self.path))

    def brief(self) -> str:
        """The sentence with the store named by its file name only."""
        return self.text.format(store=self.path.name)


class StoreBusy(StoreProblem):
    kind = "busy"


class StoreReadOnly(StoreProblem):
    kind = "read-only"


class DiskFull(StoreProblem):
    kind = "disk full"


class StoreDamaged(StoreProblem):
    kind = "damaged"


def busy(path: Path, waited: float) -> StoreBusy:
    return StoreBusy(
        path,
        f"the store {{store}} is in use by another import and was still busy after {waited:g} seconds "
        "(try again when it has finished)",
    )


def damaged(path: Path, why: str) -> StoreDamaged:
    """A damaged store, with the way on: rebuild the demo's store; restore a backup of any other (a real
    store), or load its files again into a new one - never turn a real store's path into the demo."""
    if path.resolve() == config.demo_store_path().resolve():
        way_on = "rebuild the synthetic demo with `hotspots demo --replace` (the damaged file is kept)"
    else:
        way_on = (
            "restore a backup made with `hotspots backup` by copying it over {store}, or load the data files "
            "again into a new store with `hotspots import SOURCE FILE --new-store PATH`"
        )
    return StoreDamaged(path, f"the store {{store}} is damaged and cannot be read ({why}); {way_on}")


def is_lock_conflict(exc: BaseException) -> bool:
    """True when ``exc`` only says another connection holds the file: worth waiting for."""
    return any(phrase in str(exc).lower() for phrase in _BUSY)


def classify(exc: BaseException, path: Path) -> StoreProblem | None:
    """The :class:`StoreProblem` behind ``exc`` met while using the store at ``path``, or None when it is
    not one (a bug, a bad query): those are left to surface as what they are."""
    if isinstance(exc, StoreProblem):
        return exc
    message = str(exc).lower()
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT) or any(p in message for p in _DISK_FULL):
        return DiskFull(path, "the disk holding the store {store} is full; free some space and try again")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or any(p in message for p in _READ_ONLY):
        return StoreReadOnly(
            path,
            "the store {store} cannot be written: the file, its folder or its disk is read-only; ask for "
            "write access to it, or name a store you may write with --store / $HOTSPOTS_STORE",
        )
    if is_lock_conflict(exc):
        return busy(path, 0)
    for phrase, why in _DAMAGED.items():
        if phrase in message:
            if phrase == "not a valid duckdb database file" and _size(path) == 0:
                why = "the file is empty: 0 bytes"
            return damaged(path, why)
    return None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
