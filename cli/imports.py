"""``hotspots import``, ``hotspots imports`` and ``hotspots undo``: load real data, see what was loaded, take
a load back.

``hotspots import SOURCE FILE...`` imports through :func:`layers.importer.run_import`, exactly as the
app's Data page does. Each file is its own import (STATS19's collision + casualty pair is one), so one
bad file never blocks the others and each can be undone alone. The exit status is non-zero when nothing
could be imported: every file refused, or no row of any file usable.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import config
from cli.common import add_command, existing_store, print_json
from layers.importer import SOURCES, import_api_month, run_import, undo
from layers.readers import Upload
from layers.report import REASON_HELP, ImportReport, row_ranges
from store import Store

#: Runs of row numbers listed per reason in ``--json``: enough to find the pattern, few enough that a force
#: file's report stays small (the set-aside CSV from the app lists every row).
JSON_RANGES_PER_REASON = 100


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "import",
        run,
        description="Import files of one source. Sources: "
        + "; ".join(f"{s.id} ({s.description})" for s in SOURCES.values()),
        json_help="print the import reports as JSON on stdout",
    )
    p.add_argument("source", choices=list(SOURCES), help="what the files are")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE", help="files to import")
    p.add_argument(
        "--new-store",
        metavar="PATH",
        type=Path,
        help="start a new real-data store at PATH (which must not exist yet) and import into it",
    )
    p.add_argument(
        "--month",
        metavar="YYYY-MM",
        help="police-api only: fetch this month for the study area from data.police.uk (needs internet)",
    )
    add_command(subparsers, "imports", run_history)
    undo_parser = add_command(subparsers, "undo", run_undo, json_help=None)
    undo_parser.add_argument("import_id", help="the import's id")


def _user() -> str | None:
    """Who is importing, for the audit log (the login name; None where the system cannot say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _uploads(paths: list[Path]) -> list[Upload]:
    uploads = []
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path} is not a file")
        uploads.append(Upload(path.name, path.read_bytes()))
    return uploads


def target_store(args: argparse.Namespace) -> Store:
    """The store an import writes to: ``--new-store`` (which must be new), else ``--store``, else the real
    store (never the demo's, whose path is separate; a demo store named with ``--store`` refuses real data
    with a sentence saying to use ``--new-store``)."""
    if args.new_store is None:
        return Store(config.store_path(args.store))
    if args.store:
        raise ValueError("give either --store (an existing store) or --new-store (a new one), not both")
    if args.new_store.exists():
        raise ValueError(f"{args.new_store} already exists; use --store to import into it")
    return Store(args.new_store)


def run(args: argparse.Namespace) -> int:
    store = target_store(args)
    if args.month:
        if args.source != "police-api" or args.files:
            raise ValueError(
                "--month fetches from the police.uk API: use it with source police-api and no files"
            )
        try:
            reports = [import_api_month(store, args.month, imported_by=_user())]
        except ConnectionError as exc:
            print(f"hotspots import: {exc}; nothing was imported", file=sys.stderr)
            return 1
    elif not args.files:
        raise ValueError(f"give the file(s) to import as {args.source}")
    else:
        reports = run_import(store, args.source, _uploads(args.files), imported_by=_user())
    imported = any(r.ok for r in reports)
    if args.json:
        print_json(
            {
                "store": str(store.path),
                "imported": imported,
                "rows_added": sum(r.added or 0 for r in reports),
                "reports": [r.to_dict(max_ranges=JSON_RANGES_PER_REASON) for r in reports],
            }
        )
    else:
        for report in reports:
            print_report(report)
    return 0 if imported else 1


def print_report(report: ImportReport) -> None:
    if report.error:
        print(f"not imported: {report.error}", file=sys.stderr)
        return
    print(report.summary())
    if report.import_id:
        print(f"  import id {report.import_id} (undo with `hotspots undo {report.import_id}`)")
    for reason, rows in report.set_aside.items():
        runs = row_ranges(rows)
        shown = [f"{a:,}" if a == b else f"{a:,}-{b:,}" for a, b in runs[:10]]
        listed = "; ".join(shown) + ("; ..." if len(runs) > 10 else "")
        print(f"  set aside {len(rows):,} x {reason} ({REASON_HELP.get(reason, '')}): rows {listed}")
    for note in report.notes:
        print(f"  note: {note}")
    if report.unmapped_columns:
        print(f"  columns not used: {', '.join(report.unmapped_columns)}")
    for key, value in report.details.items():
        print(f"  {key}: {value}")


def run_history(args: argparse.Namespace) -> int:
    history = existing_store(args).imports()
    if args.json:
        print_json(history.to_dict(orient="records"))
        return 0
    for row in history.itertuples():
        print(
            f"{row.import_id}  {row.imported_at:%Y-%m-%d %H:%M}  {row.status:8}  {row.source:11}  "
            f"{row.rows_read:>8,} read {row.rows_added:>8,} added  {row.file_name}"
        )
    return 0


def run_undo(args: argparse.Namespace) -> int:
    print(undo(existing_store(args), args.import_id, undone_by=_user()))
    return 0
