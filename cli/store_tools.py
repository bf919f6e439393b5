"""``hotspots check`` and ``hotspots backup``: verify a store, and copy one safely.

``check`` reads the store as it is and lists what it verified (see :mod:`store.check`); the exit status
is non-zero when anything is wrong, so it can run from a scheduled task. ``backup PATH`` copies the store
while no import can write it and keeps the copy only once it checks clean; restoring is copying the
backup over the store file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import config
from cli.common import add_command, print_json
from layers.ingest import OUTSIDE_CODE, current_wards
from store import Store
from store.check import Finding, backup, check


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(
        subparsers,
        "check",
        run_check,
        description="Verify a store: its tables, every row read back with checksums, the import audit log "
        "against the incidents, months covered, and ward assignments. Changes nothing.",
        json_help="print the findings as JSON",
    )
    p = add_command(
        subparsers,
        "backup",
        run_backup,
        description="Copy the store to PATH (a new file, or a folder for a dated copy) while no import can "
        "write it; the copy is kept only if it opens and checks clean. Restore by copying it over the store.",
        json_help="print the backup's path and check as JSON",
    )
    p.add_argument("path", type=Path, metavar="PATH", help="the backup file to create, or a folder")


def _store(args: argparse.Namespace) -> Store:
    store = Store(config.reading_store_path(args.store))
    if not store.exists():
        raise FileNotFoundError(
            f"no incident store at {store.path}; run `hotspots demo` or import data first"
        )
    return store


def _print(findings: list[Finding]) -> None:
    for finding in findings:
        print(f"  {'ok  ' if finding.ok else 'FAIL'}  {finding.what}")


def run_check(args: argparse.Namespace) -> int:
    store = _store(args)
    findings = check(store, current_wards(store).codes, OUTSIDE_CODE)
    faults = sum(not f.ok for f in findings)
    if args.json:
        print_json({"store": str(store.path), "ok": not faults, "findings": [f.__dict__ for f in findings]})
    else:
        print(f"{store.path}: {'sound' if not faults else f'{faults} problem(s) found'}")
        _print(findings)
    return 1 if faults else 0


def run_backup(args: argparse.Namespace) -> int:
    store = _store(args)
    target, findings = backup(store, args.path, current_wards(store).codes, OUTSIDE_CODE)
    if args.json:
        found = [f.__dict__ for f in findings]
        print_json({"store": str(store.path), "backup": str(target), "findings": found})
    else:
        print(f"backed up {store.path} to {target}; the copy checks clean:")
        _print(findings)
    return 0
