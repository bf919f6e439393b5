"""What the sub-commands share: how a command is registered, opening the store it reads, printing JSON.

Every command module imports this, also just to answer ``--help``, so it imports nothing heavy at the top
(the store, and with it DuckDB and pandas, is imported only when a command opens it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import config
from cli import COMMANDS

if TYPE_CHECKING:
    from store import Store

#: ``--json`` help for commands that print data.
JSON_HELP = "print JSON on stdout"


def add_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    description: str | None = None,
    json_help: str | None = JSON_HELP,
) -> argparse.ArgumentParser:
    """Add the sub-command ``name`` with the options every command has: ``--store`` and (unless
    ``json_help`` is None) ``--json``. Its one-line help is the one ``hotspots --help`` lists, from
    :data:`cli.COMMANDS`, so the two can never disagree.
    """
    p = subparsers.add_parser(name, help=COMMANDS[name][1], description=description)
    p.add_argument(
        "--store",
        metavar="PATH",
        default=None,
        help="incident store file (default: $HOTSPOTS_STORE, else data/hotspots.duckdb for real data; "
        "commands that only read use data/demo.duckdb, the synthetic demo, until a real store exists)",
    )
    if json_help is not None:
        p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(handler=handler)
    return p


def existing_store(args: argparse.Namespace) -> Store:
    """The store named by ``--store`` (or the default), which must exist: a command that reads the store
    says plainly that there is none, rather than answering with empty figures. A store written by an
    earlier version is brought up to date first (cells, coverage), once."""
    from layers.ingest import upgrade_store
    from store import Store

    store = Store(config.reading_store_path(args.store))
    if not store.exists():
        raise FileNotFoundError(
            f"no incident store at {store.path}; run `hotspots demo` or import data first"
        )
    upgrade_store(store)
    return store


def print_json(payload: Any) -> None:
    """JSON on stdout (UTF-8, stable key order as built) so other tools can consume it."""
    json.dump(payload, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
