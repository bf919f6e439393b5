"""Verifying a store and copying one safely: ``hotspots check`` and ``hotspots backup``.

The check reads the file as it is (read-only: it never repairs or upgrades) and says, finding by
finding, whether the store is sound: the tables and columns the app needs, every row of every table
read back (DuckDB verifies each block's checksum as it reads, so a damaged block cannot hide), the
import audit log agreeing with the incidents it describes, coverage recorded for every import that
stored incidents, and every incident assigned to a ward of the boundaries in use.

A backup is taken while holding the file read-only - no import can write meanwhile - by copying the
file and its write-ahead log; the copy is then folded into one file, checked, and compared with the
original before it is given its name. So a backup either opens and checks clean or is not made.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from store import locking
from store.db import IMPORT_COLUMNS, INCIDENT_COLUMNS, Store
from store.errors import StoreProblem

#: Tables every store has, with the columns the app reads from them.
REQUIRED = {
    "imports": set(IMPORT_COLUMNS),
    "incidents": set(INCIDENT_COLUMNS),
    "meta": {"key", "value"},
}
#: Tables later versions added: an older store gains them at its next write, so missing is no fault.
ADDED_LATER = ("populations", "coverage", "boundaries")
#: Import sources that store no incidents.
NOT_INCIDENTS = ("wards", "population")


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str


def check(store: Store, ward_codes: Collection[str], outside_code: str) -> list[Finding]:
    """Every finding about ``store``; ``ward_codes`` are the wards of the boundaries in use.

    Raises :class:`store.errors.StoreDamaged` when the file cannot be opened at all.
    """
    findings: list[Finding] = []
    with store.connect(read_only=True) as con:
        columns = _columns(con)
        for table, wanted in REQUIRED.items():
            missing = sorted(wanted - columns.get(table, set()))
            if missing:
                findings.append(Finding(False, f"table {table} lacks {', '.join(missing)}"))
        if not all(f.ok for f in findings):
            return findings  # not a store of this app: the other checks would only fail to run
        findings.append(Finding(True, f"tables and columns: {len(columns)} tables, all the app needs"))
        later = [t for t in ADDED_LATER if t not in columns]
        if later:
            text = "not yet created (an earlier version wrote the store; the next import adds them)"
            findings.append(Finding(True, f"{text}: {', '.join(later)}"))
        findings.append(_read_every_row(con, sorted(columns)))
        steps: list[tuple[str, Callable[[], list[Finding]]]] = [
            ("the audit log", lambda: _audit(con)),
            ("the months covered", lambda: _coverage(con) if "coverage" in columns else []),
            ("the ward assignments", lambda: [_wards(con, ward_codes, outside_code)]),
        ]
        for name, step in steps:
            try:
                findings.extend(step())
            except duckdb.Error as exc:  # a damaged block under this step: say so, and check the rest
                findings.append(Finding(False, f"{name} could not be checked ({str(exc)[:200]})"))
    return findings


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    columns: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall():
        columns.setdefault(table, set()).add(column)
    return columns


def _read_every_row(con: duckdb.DuckDBPyConnection, tables: list[str]) -> Finding:
    rows = 0
    for table in tables:
        try:
            rows += con.execute(f'SELECT count(*), sum(hash(t)) FROM "{table}" t').fetchall()[0][0]
        except duckdb.Error as exc:
            return Finding(False, f"reading every row of table {table} failed ({str(exc)[:200]})")
    return Finding(True, f"every row read back, checksums verified: {rows:,} rows in {len(tables)} tables")


def _audit(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """The audit log against the incidents: each complete import still holds exactly the rows it added,
    an undone one none, and no incident belongs to an import the log does not have."""
    findings = []
    (orphans,) = con.execute(
        "SELECT count(*) FROM incidents WHERE import_id NOT IN (SELECT import_id FROM imports)"
    ).fetchall()[0]
    if orphans:
        findings.append(Finding(False, f"{orphans:,} incidents belong to no import in the audit log"))
    placeholders = ", ".join("?" * len(NOT_INCIDENTS))
    wrong = con.execute(
        "SELECT m.import_id, m.status, m.rows_added, count(i.import_id) AS stored FROM imports m "
        "LEFT JOIN incidents i USING (import_id) "
        f"WHERE m.source NOT IN ({placeholders}) GROUP BY ALL "
        "HAVING stored <> CASE WHEN m.status = 'complete' THEN m.rows_added ELSE 0 END ORDER BY 1",
        list(NOT_INCIDENTS),
    ).fetchall()
    for import_id, status, added, stored in wrong[:10]:
        text = f"import {import_id} ({status}) added {added:,} incidents but {stored:,} are stored"
        findings.append(Finding(False, text))
    n, incidents = con.execute(
        "SELECT count(*) FILTER (status = 'complete'), (SELECT count(*) FROM incidents) FROM imports"
    ).fetchall()[0]
    if not wrong and not orphans:
        findings.append(
            Finding(True, f"audit log: {n:,} complete imports account for all {incidents:,} incidents")
        )
    return findings


def _coverage(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every complete import that stored incidents says which months it covers; no coverage row is
    left from an import the log does not have."""
    uncovered = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT i.import_id FROM incidents i JOIN imports m USING (import_id) "
            "WHERE m.status = 'complete' AND i.import_id NOT IN (SELECT import_id FROM coverage) ORDER BY 1"
        ).fetchall()
    ]
    (stray,) = con.execute(
        "SELECT count(*) FROM coverage WHERE import_id NOT IN (SELECT import_id FROM imports)"
    ).fetchall()[0]
    findings = []
    if uncovered:
        listed = ", ".join(uncovered[:5])
        text = f"{len(uncovered)} import(s) with incidents record no months covered: {listed}"
        findings.append(Finding(False, f"{text} (the next import, or opening it in the app, records them)"))
    if stray:
        findings.append(Finding(False, f"{stray:,} coverage rows belong to no import in the audit log"))
    if not findings:
        (rows,) = con.execute("SELECT count(*) FROM coverage").fetchall()[0]
        text = f"coverage: every import with incidents records its months ({rows:,} rows)"
        findings.append(Finding(True, text))
    return findings


def _wards(con: duckdb.DuckDBPyConnection, ward_codes: Collection[str], outside_code: str) -> Finding:
    rows = con.execute("SELECT ward_code, count(*) FROM incidents GROUP BY 1").fetchall()
    unknown = {code: n for code, n in rows if code not in ward_codes and code != outside_code}
    outside = sum(n for code, n in rows if code == outside_code)
    if unknown:
        listed = ", ".join(sorted(unknown)[:5])
        text = f"{sum(unknown.values()):,} incidents are in wards the boundaries in use do not have"
        return Finding(False, f"{text} ({listed})")
    text = "every incident is in a ward of the boundaries in use"
    return Finding(True, f"{text} ({outside:,} outside every ward)")


def backup(
    store: Store, target: Path, ward_codes: Collection[str], outside_code: str
) -> tuple[Path, list[Finding]]:
    """Copy the store to ``target`` (a new file, or a folder to put a dated copy in); returns the copy's
    path and its check. Nothing is left at ``target`` unless the copy checks clean and holds what the
    store holds."""
    if not store.exists():
        raise FileNotFoundError(f"no incident store at {store.path} to back up")
    if target.is_dir():
        target = target / f"{store.path.stem}-{datetime.now():%Y%m%d-%H%M%S}.duckdb"
    if target.exists():
        raise ValueError(f"{target} already exists; a backup never overwrites a file, so name a new one")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"there is no folder {target.parent} to write the backup into")
    partial = Store(target.with_name(target.name + ".partial"))
    try:
        # Raw connections, not Store.connect: a failure writing the copy is about the backup's disk, not
        # the store's, and the copy must not gain tables this version would add on a write connection.
        with locking.connection(store.path, read_only=True) as con:  # held: no process can write meanwhile
            shutil.copyfile(store.path, partial.path)
            if store.wal_path.exists():
                shutil.copyfile(store.wal_path, partial.wal_path)
            original = _digest(con)
        with locking.connection(partial.path, read_only=False) as con:
            con.execute("CHECKPOINT")  # fold the copied log into the copy: one self-contained file
        findings = check(partial, ward_codes, outside_code)
        with locking.connection(partial.path, read_only=True) as con:
            copied = _digest(con)
        if copied != original:
            findings.append(Finding(False, "the copy does not hold exactly what the store holds"))
        if not all(f.ok for f in findings):
            faults = "; ".join(f.what for f in findings if not f.ok).replace("{", "{{").replace("}", "}}")
            raise StoreProblem(target, f"the copy {{store}} did not check clean: {faults}")
        os.replace(partial.path, target)
    finally:
        partial.path.unlink(missing_ok=True)
        partial.wal_path.unlink(missing_ok=True)
    return target, findings


def _digest(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Per table: row count and an order-free sum of row hashes (changes when any row differs)."""
    tables = sorted(_columns(con))
    return {t: con.execute(f'SELECT count(*), sum(hash(t)) FROM "{t}" t').fetchall()[0] for t in tables}
