"""DuckDB incident store: schema, atomic idempotent writes, the import audit log, and reads.

Why DuckDB: an embedded single file (nothing to install or run on a council laptop), columnar scans
and GROUP BYs over millions of rows in milliseconds, and real transactions.

Guarantees the rest of the app relies on:

* **Atomic.** An import is one transaction: incidents and its audit row land together or not at all.
  Any exception (bad row the parser missed, disk full, Ctrl-C) rolls the whole import back.
* **Idempotent.** ``(layer, source_id)`` is the primary key and rows are inserted with
  ``INSERT OR IGNORE``, so re-importing records that are already stored adds nothing.
* **Short connections.** DuckDB lets one process write a file at a time, and only while no other process
  has it open, so every operation opens, works and closes; the app never holds the file while a user
  imports from the command line. The exceptions hold one read-only connection for a group of reads
  (opening the file costs 15-50 ms, more than most queries): :meth:`Store.reading`, for as long as
  those reads take, and :func:`read_session`, for one page run of the app.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from store import locking
from store.errors import classify

#: Incident table columns in order, with DuckDB types. ``date`` is the day where the source gives one,
#: else the first of the month (``date_precision`` says which).
INCIDENT_COLUMNS: dict[str, str] = {
    "layer": "VARCHAR NOT NULL",
    "category": "VARCHAR NOT NULL",
    "source_id": "VARCHAR NOT NULL",
    "date": "DATE NOT NULL",
    "date_precision": "VARCHAR NOT NULL",
    "lat": "DOUBLE NOT NULL",
    "lon": "DOUBLE NOT NULL",
    "ward_code": "VARCHAR NOT NULL",
    "district": "VARCHAR NOT NULL",
    "street": "VARCHAR",
    "severity": "VARCHAR",
    "casualties": "INTEGER",
    "attributes": "VARCHAR",
    "h3_r7": "UBIGINT NOT NULL",
    "h3_r8": "UBIGINT NOT NULL",
    "h3_r9": "UBIGINT NOT NULL",
    "h3_r10": "UBIGINT NOT NULL",
    "source_file": "VARCHAR NOT NULL",
    "import_id": "VARCHAR NOT NULL",
}

#: Incidents handed to DuckDB at a time within an import's one transaction: DuckDB converts what it is
#: handed all at once, and a million rows at once doubled an import's peak memory.
WRITE_ROWS = 50_000

IMPORT_COLUMNS: dict[str, str] = {
    "import_id": "VARCHAR PRIMARY KEY",
    "source": "VARCHAR NOT NULL",
    "file_name": "VARCHAR NOT NULL",
    "file_sha256": "VARCHAR",
    "imported_at": "TIMESTAMP NOT NULL",
    "imported_by": "VARCHAR",
    "rows_read": "INTEGER NOT NULL",
    "rows_added": "INTEGER NOT NULL",
    "rows_duplicate": "INTEGER NOT NULL",
    "rows_set_aside": "INTEGER NOT NULL",
    "synthetic": "BOOLEAN NOT NULL",
    "status": "VARCHAR NOT NULL",
    "report": "VARCHAR",
}

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS imports ({", ".join(f"{c} {t}" for c, t in IMPORT_COLUMNS.items())});
CREATE TABLE IF NOT EXISTS incidents ({", ".join(f"{c} {t}" for c, t in INCIDENT_COLUMNS.items())},
    PRIMARY KEY (layer, source_id));
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS populations (import_id VARCHAR NOT NULL, ward_code VARCHAR NOT NULL,
    ward_name VARCHAR NOT NULL, population INTEGER NOT NULL, PRIMARY KEY (import_id, ward_code));
CREATE TABLE IF NOT EXISTS coverage (import_id VARCHAR NOT NULL, layer VARCHAR NOT NULL, month DATE NOT NULL,
    PRIMARY KEY (import_id, layer, month));
CREATE TABLE IF NOT EXISTS boundaries (import_id VARCHAR PRIMARY KEY, version VARCHAR NOT NULL,
    source VARCHAR NOT NULL, geojson VARCHAR NOT NULL);
ALTER TABLE imports ADD COLUMN IF NOT EXISTS undone_by VARCHAR;
"""


@dataclass(frozen=True)
class ImportOutcome:
    """What one write did: rows offered, rows newly stored, rows already present."""

    import_id: str
    offered: int
    added: int

    @property
    def duplicates(self) -> int:
        return self.offered - self.added


class _ThreadConnections(threading.local):
    """This thread's open connections, by resolved store path.

    Thread-local because a DuckDB connection must not run two queries at once, and the app shares one
    Store (inside a cached pack context) between the threads serving different users.
    """

    def __init__(self) -> None:
        #: The read-only connection every read of the file reuses: a :meth:`Store.reading` block's, or
        #: the :func:`read_session`'s.
        self.readers: dict[str, duckdb.DuckDBPyConnection] = {}
        #: How many :meth:`Store.reading` blocks are open on the file: a write inside one is refused.
        self.pinned: dict[str, int] = {}
        #: The write connection open on the file: a read inside a write (a query made while an import's
        #: transaction is open) uses it, since a second connection would wait for the first.
        self.writers: dict[str, duckdb.DuckDBPyConnection] = {}
        #: While a :func:`read_session` is open: the closing of each connection it opened, by path.
        self.session: dict[str, ExitStack] | None = None


_THREAD = _ThreadConnections()


@contextmanager
def read_session() -> Iterator[None]:
    """Every read inside the block, of any store file, shares one read-only connection per file, opened
    at the first read and closed when the block ends: the app runs each page inside one.

    Why: a page's first run made about twenty small reads (the store's version, boundaries, coverage,
    counts, the study grid), each opening the file at 15-25 ms - half a second of the Map's first paint.
    Opening lazily means a run whose reads all come from the app's cache opens nothing.

    A write inside the block (an import from the Data page, saving a designation, the store's one-off
    upgrade) closes the session's connection on that file first, since DuckDB cannot write a file this
    process holds read-only; the next read opens it again and sees the write. The cost: while the block
    is open, another process cannot write the file - an import from the command line waits (it is told
    so, and gives up after ``write_wait_seconds``) until the page run ends, a second or so.
    """
    if _THREAD.session is not None:  # nested: the outer session serves
        yield
        return
    _THREAD.session = {}
    try:
        yield
    finally:
        opened, _THREAD.session = _THREAD.session, None
        for key, closing in opened.items():
            _THREAD.readers.pop(key, None)
            closing.close()


def _stamp(path: Path) -> tuple[int, int] | None:
    """(modification time in ns, size in bytes) of a file, or None when it does not exist."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_size


def _first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, or None. Fetches the whole (small) result: DuckDB refuses further work
    on a connection while a result is only partly read."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


class Store:
    """A DuckDB incident store at ``path`` (created with its schema on first write)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def wal_path(self) -> Path:
        """DuckDB's write-ahead log: recent commits wait here until a checkpoint folds them into the file."""
        return self.path.with_name(self.path.name + ".wal")

    def _reader_key(self) -> str:
        return str(self.path.resolve())

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one operation, closed afterwards; schema created on a write connection.

        Inside a :meth:`reading` block on this file (in this thread) a read-only request gets the block's
        connection, left open for the reads after it; a write there is refused with a clear error, since
        DuckDB cannot open a file for writing that this process holds read-only. Inside a
        :func:`read_session`, the first read opens the file and later reads reuse that connection; a write
        closes it first. Inside a write, a read gets the write's connection (it sees the write's own
        changes, and cannot wait for itself).

        While another process (or thread) holds the file, opening waits for it (:mod:`store.locking`), and
        a failure people can meet - still busy after the wait, read-only, disk full, damaged file - is
        raised as its :class:`~store.errors.StoreProblem` sentence.
        """
        key = self._reader_key()
        shared = _THREAD.readers.get(key)
        if shared is not None:
            if read_only:
                with self._problems_said():  # a file damaged since it was opened, a full disk
                    yield shared
                return
            if _THREAD.pinned.get(key):
                raise RuntimeError(
                    f"cannot write to {self.path} inside Store.reading(): finish the reads first"
                )
            self._end_session_reads(key)  # the session's connection: closed so this process may write
        if read_only and key in _THREAD.writers:
            yield _THREAD.writers[key]  # a read inside this thread's write: it sees its own changes
            return
        if read_only and not self.path.exists():
            raise FileNotFoundError(
                f"no incident store at {self.path}; run `hotspots demo` or import data first"
            )
        if read_only and _THREAD.session is not None:
            with self._problems_said():
                yield self._session_reads(key)
            return
        with self._problems_said():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with locking.connection(self.path, read_only=read_only) as con:
                if read_only:
                    yield con
                    return
                con.execute(_SCHEMA)
                outer = _THREAD.writers.setdefault(key, con)
                try:
                    yield con
                finally:
                    if outer is con:
                        del _THREAD.writers[key]

    @contextmanager
    def _problems_said(self) -> Iterator[None]:
        """Turn a failure people can meet inside the block (store busy, read-only, disk full, damaged) into
        its :class:`~store.errors.StoreProblem` sentence; anything else (a bug) passes unchanged."""
        try:
            yield
        except Exception as exc:
            problem = classify(exc, self.path)
            if problem is None or problem is exc:
                raise
            raise problem from exc

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Run the reads inside the block on one read-only connection instead of one connection each.

        Every read of this store - :meth:`query` and so :mod:`store.queries`, :meth:`get_meta`,
        :meth:`populations`, :meth:`version`, designations - reuses it, in this thread, through any
        ``Store`` object for the same file. Opening the file costs 20-50 ms and empties DuckDB's cache, so a
        pack or a hotspot run, which make a dozen small reads, is much faster this way; and the reads see
        one consistent state, as nothing can write while the file is held.

        The cost: no process can write the file while the block is open. Keep a block to a group of reads
        (never around drawing, PDF layout or waiting for a user), so an import from the command line is
        not refused while the app is open. Nested blocks share the outermost one's connection; on a store
        that does not exist yet the block changes nothing (each read reports the missing file as usual).
        """
        key = self._reader_key()
        if key in _THREAD.writers or not self.path.exists():  # inside a write: the reads use it
            yield
            return
        with self._problems_said(), ExitStack() as own:
            if key not in _THREAD.readers:
                if _THREAD.session is not None:
                    self._session_reads(key)  # kept open for the rest of the session's reads
                else:
                    _THREAD.readers[key] = own.enter_context(locking.connection(self.path, read_only=True))
                    own.callback(_THREAD.readers.pop, key)
            _THREAD.pinned[key] = _THREAD.pinned.get(key, 0) + 1
            try:
                yield
            finally:
                _THREAD.pinned[key] -= 1

    def _session_reads(self, key: str) -> duckdb.DuckDBPyConnection:
        """Open this file read-only for the rest of the thread's :func:`read_session`."""
        assert _THREAD.session is not None
        closing = ExitStack()
        _THREAD.readers[key] = closing.enter_context(locking.connection(self.path, read_only=True))
        _THREAD.session[key] = closing
        return _THREAD.readers[key]

    def _end_session_reads(self, key: str) -> None:
        """Close the session's connection on this file before a write (the next read opens it again)."""
        assert _THREAD.session is not None and key in _THREAD.session
        del _THREAD.readers[key]
        _THREAD.session.pop(key).close()

    @contextmanager
    def transaction(self, *, memory_limit: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write connection inside BEGIN/COMMIT; any exception rolls everything back.

        ``memory_limit`` (e.g. ``"256MB"``) caps DuckDB's memory until after the commit, which rewrites
        whatever the transaction changed: past it DuckDB spills to disk rather than growing with the store.
        """
        with self.connect() as con:
            if memory_limit:
                con.execute(f"SET memory_limit = '{memory_limit}'")
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                if memory_limit:
                    with suppress(duckdb.Error):  # never hide the error that ended the transaction
                        con.execute("RESET memory_limit")

    # ---- writes -------------------------------------------------------------------------------------

    def write_import(
        self,
        incidents: pd.DataFrame | Iterable[pd.DataFrame],
        *,
        source: str,
        file_name: str,
        rows_read: int,
        rows_set_aside: int,
        file_sha256: str | None = None,
        imported_by: str | None = None,
        synthetic: bool = False,
        report: dict | None = None,
        coverage: pd.DataFrame | None = None,
        meta: Mapping[str, str] | None = None,
    ) -> ImportOutcome:
        """Store incidents, their audit row, the months they cover and ``meta`` values in one transaction;
        already-stored records are skipped.

        ``incidents`` must carry every column of :data:`INCIDENT_COLUMNS` except ``import_id`` (set here);
        it may come as parts (e.g. made one after another by a generator, so a million rows' JSON
        attributes never all exist at once), still written in one transaction. ``coverage`` (columns
        ``layer``, ``month`` - the first of each month) is what the import vouches for: every incident of
        those layers in those months is in the file, so a month with none is a true zero. Months no
        complete import covers are "no data" (see :meth:`coverage`).
        """
        import_id = uuid.uuid4().hex[:12]
        parts = [incidents] if isinstance(incidents, pd.DataFrame) else incidents
        offered = 0
        with self.transaction() as con:
            before = _first_row(con, "SELECT count(*) FROM incidents")[0]
            insert = f"INSERT OR IGNORE INTO incidents SELECT {', '.join(INCIDENT_COLUMNS)} FROM incoming"
            for part in parts:
                missing = set(INCIDENT_COLUMNS) - {"import_id"} - set(part.columns)
                if missing:
                    raise ValueError(f"incident frame is missing columns: {sorted(missing)}")
                frame = part.assign(import_id=import_id)[list(INCIDENT_COLUMNS)]
                for start in range(0, len(frame), WRITE_ROWS):
                    # read by DuckDB's replacement scan (the local name in the SQL), which copies the rows;
                    # a registered frame would be kept alive, with all its text, until the commit
                    incoming = frame.iloc[start : start + WRITE_ROWS]  # noqa: F841
                    con.execute(insert)
                offered += len(frame)
            added = _first_row(con, "SELECT count(*) FROM incidents")[0] - before
            if report is not None:  # the recorded report says what the write did, too
                report = {**report, "added": added, "already_stored": offered - added}
            self.record_import(
                con,
                import_id,
                source=source,
                file_name=file_name,
                rows_read=rows_read,
                rows_added=added,
                rows_duplicate=offered - added,
                rows_set_aside=rows_set_aside,
                file_sha256=file_sha256,
                imported_by=imported_by,
                synthetic=synthetic,
                report=report,
            )
            if coverage is not None and not coverage.empty:
                con.register("covered", coverage.assign(import_id=import_id)[["import_id", "layer", "month"]])
                con.execute("INSERT OR IGNORE INTO coverage SELECT import_id, layer, month FROM covered")
                con.unregister("covered")
            for key, value in (meta or {}).items():
                con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
        return ImportOutcome(import_id, offered, added)

    @staticmethod
    def record_import(
        con: duckdb.DuckDBPyConnection,
        import_id: str,
        *,
        source: str,
        file_name: str,
        rows_read: int,
        rows_added: int,
        rows_duplicate: int,
        rows_set_aside: int,
        file_sha256: str | None = None,
        imported_by: str | None = None,
        synthetic: bool = False,
        report: dict | None = None,
    ) -> None:
        """Write an import's audit row on an open transaction, so it lands with the data it describes."""
        con.execute(
            f"INSERT INTO imports ({', '.join(IMPORT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(IMPORT_COLUMNS))})",
            [
                import_id,
                source,
                file_name,
                file_sha256,
                datetime.now(UTC).replace(tzinfo=None),
                imported_by,
                rows_read,
                rows_added,
                rows_duplicate,
                rows_set_aside,
                synthetic,
                "complete",
                json.dumps(report or {}, default=str),
            ],
        )

    def write_populations(
        self,
        populations: pd.DataFrame,
        *,
        file_name: str,
        rows_read: int,
        rows_set_aside: int,
        file_sha256: str | None = None,
        imported_by: str | None = None,
        report: dict | None = None,
    ) -> str:
        """Store ward populations (ward_code, ward_name, population) as one import; returns its id.

        Earlier population imports are kept: the newest complete import wins per ward, so undoing an
        import brings back the figures it replaced.
        """
        import_id = uuid.uuid4().hex[:12]
        frame = populations.assign(import_id=import_id)[["import_id", "ward_code", "ward_name", "population"]]
        with self.transaction() as con:
            con.register("incoming", frame)
            con.execute("INSERT INTO populations SELECT * FROM incoming")
            con.unregister("incoming")
            self.record_import(
                con,
                import_id,
                source="population",
                file_name=file_name,
                rows_read=rows_read,
                rows_added=len(frame),
                rows_duplicate=0,
                rows_set_aside=rows_set_aside,
                file_sha256=file_sha256,
                imported_by=imported_by,
                report=report,
            )
        return import_id

    def undo_import(self, import_id: str, *, undone_by: str | None = None) -> int:
        """Remove every incident an import added and mark it undone (recording who did); returns the rows
        removed.

        An undone population import stops counting (the figures it replaced count again). A boundary
        load is undone by ``layers.boundary_import.undo_boundaries``, which also re-assigns the incidents.
        """
        with self.transaction() as con:
            status = _first_row(con, "SELECT status, source FROM imports WHERE import_id = ?", [import_id])
            if status is None:
                raise KeyError(f"no import {import_id!r} in {self.path}")
            if status[1] == "wards":
                raise ValueError(
                    f"import {import_id} loaded ward boundaries: undo it with `hotspots undo {import_id}` "
                    "(layers.importer.undo), which also re-assigns the incidents to the boundaries before it"
                )
            if status[0] == "undone":
                return 0
            removed = _first_row(con, "SELECT count(*) FROM incidents WHERE import_id = ?", [import_id])[0]
            con.execute("DELETE FROM incidents WHERE import_id = ?", [import_id])
            con.execute(
                "UPDATE imports SET status = 'undone', undone_by = ? WHERE import_id = ?",
                [undone_by, import_id],
            )
        return removed

    def rewrite_cells(self, cells_of: Callable[[pd.DataFrame], pd.DataFrame], *, key: str, value: str) -> int:
        """Recompute every incident's H3 columns from its coordinates, and set meta ``key`` to ``value``,
        in one transaction; returns the number of distinct points.

        ``cells_of`` takes the distinct (lat, lon) points and returns them with one ``h3_rN`` column per
        stored resolution. Done per distinct point, not per row, since reports share snapped map points.
        """
        with self.transaction() as con:
            points = con.execute("SELECT DISTINCT lat, lon FROM incidents").df()
            if not points.empty:
                cells = cells_of(points)
                columns = [c for c in cells.columns if c.startswith("h3_r")]
                con.register("cells", cells)
                con.execute(
                    f"UPDATE incidents SET {', '.join(f'{c} = cells.{c}' for c in columns)} FROM cells "
                    "WHERE incidents.lat = cells.lat AND incidents.lon = cells.lon"
                )
                con.unregister("cells")
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
        return len(points)

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    # ---- reads --------------------------------------------------------------------------------------

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run a read-only SQL query against the store and return a DataFrame."""
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).df()

    def get_meta(self, key: str) -> str | None:
        if not self.exists():
            return None
        with self.connect(read_only=True) as con:
            row = _first_row(con, "SELECT value FROM meta WHERE key = ?", [key])
        return row[0] if row else None

    def populations(self) -> pd.DataFrame:
        """Imported ward populations in force: per ward, the newest complete population import.

        Columns ward_code, ward_name, population, source (the file name); empty when none were imported.
        """
        empty = pd.DataFrame(columns=["ward_code", "ward_name", "population", "source"])
        if not self.exists():
            return empty
        with self.connect(read_only=True) as con:
            exists = "SELECT 1 FROM information_schema.tables WHERE table_name = 'populations'"
            if not _first_row(con, exists):
                return empty  # a store written before populations could be imported
            return con.execute(
                "SELECT p.ward_code, p.ward_name, p.population, m.file_name AS source "
                "FROM populations p JOIN imports m USING (import_id) WHERE m.status = 'complete' "
                "QUALIFY row_number() OVER (PARTITION BY p.ward_code ORDER BY m.imported_at DESC) = 1 "
                "ORDER BY p.ward_code"
            ).df()

    def imports(self) -> pd.DataFrame:
        return self.query("SELECT * EXCLUDE (report) FROM imports ORDER BY imported_at")

    def file_signature(self) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """(modification time ns, size) of the store file and of its write-ahead log (None where absent).

        Two ``stat`` calls and no connection: a cheap first test of whether anything may have changed. A
        commit lands in the log first and reaches the file only at a checkpoint (when the writer closes,
        or never if it crashed), so the file's own time alone can stay the same while the data changes.
        """
        return _stamp(self.path), _stamp(self.wal_path)

    def version(self) -> str:
        """Changes whenever the stored data changes: a cache key for the app.

        Built from :meth:`file_signature` (any write, including one still only in the write-ahead log) and
        from the audit log and boundary version (changes a coarse file clock could miss).
        """
        if not self.exists():
            return "missing"
        with self.connect(read_only=True) as con:
            n, last, undone = _first_row(
                con, "SELECT count(*), max(imported_at), count(*) FILTER (status = 'undone') FROM imports"
            )
            boundary = _first_row(con, "SELECT value FROM meta WHERE key = 'boundary_version'")
        files = ":".join("-" if s is None else f"{s[0]}.{s[1]}" for s in self.file_signature())
        return f"{files}:{n}:{last}:{undone}:{boundary[0] if boundary else ''}"

    def coverage(self) -> pd.DataFrame:
        """Months each layer's data covers: columns ``layer``, ``month`` (date, first of month), ``synthetic``
        and ``sources`` (import sources, comma-separated), from complete (not undone) imports only."""
        empty = pd.DataFrame(columns=["layer", "month", "synthetic", "sources"])
        if not self.exists():
            return empty
        with self.connect(read_only=True) as con:
            if not _first_row(con, "SELECT 1 FROM information_schema.tables WHERE table_name = 'coverage'"):
                return empty  # a store written before coverage was recorded: see backfill_coverage
            return con.execute(
                "SELECT c.layer, c.month, bool_or(m.synthetic) AS synthetic, "
                "string_agg(DISTINCT m.source, ', ' ORDER BY m.source) AS sources "
                "FROM coverage c JOIN imports m USING (import_id) WHERE m.status = 'complete' "
                "GROUP BY c.layer, c.month ORDER BY c.layer, c.month"
            ).df()

    def backfill_coverage(self) -> int:
        """Record coverage for imports made before coverage was recorded; returns the rows added.

        Such an import is taken to cover, for each layer it stored, every month in which it stored at least
        one incident: the most that can be said without the original file. Imports that already have
        coverage rows are left alone, so this is idempotent.
        """
        uncovered = (
            "SELECT count(*) FROM incidents WHERE import_id NOT IN (SELECT DISTINCT import_id FROM coverage)"
        )
        with self.connect(read_only=True) as con:  # the usual answer, without taking the write lock
            exists = "SELECT 1 FROM information_schema.tables WHERE table_name = 'coverage'"
            if _first_row(con, exists) and not _first_row(con, uncovered)[0]:
                return 0
        with self.transaction() as con:
            before = _first_row(con, "SELECT count(*) FROM coverage")[0]
            con.execute(
                "INSERT OR IGNORE INTO coverage SELECT DISTINCT i.import_id, i.layer, "
                "CAST(date_trunc('month', i.date) AS DATE) FROM incidents i "
                "WHERE i.import_id NOT IN (SELECT DISTINCT import_id FROM coverage)"
            )
            return _first_row(con, "SELECT count(*) FROM coverage")[0] - before

    def is_synthetic(self) -> bool:
        """True when the store holds the synthetic demo (any complete synthetic import)."""
        if not self.exists():
            return False
        with self.connect(read_only=True) as con:
            row = _first_row(con, "SELECT count(*) FROM imports WHERE synthetic AND status = 'complete'")
        return bool(row and row[0])

    def synthetic_layers(self) -> list[str]:
        """Layers holding any incident from a synthetic (demo) import: these must be labelled as such."""
        if not self.exists():
            return []
        return self.query(
            "SELECT DISTINCT i.layer FROM incidents i JOIN imports m USING (import_id) "
            "WHERE m.synthetic ORDER BY 1"
        )["layer"].tolist()
