"""The ``hotspots`` command line: every capability of the app, scriptable, with ``--json`` output.

Each sub-command lives in its own module under ``cli/`` and exposes ``register(subparsers)``; this module
only wires them together, so adding a command is one line in :data:`COMMANDS` and never touches another.

Only the module of the command being run is imported. The command modules import what their commands
need (DuckDB, pandas, SciPy, matplotlib, the PDF writer...); importing all of them took about 4 s before
even ``hotspots --help`` could answer, and made every command pay for every other one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: command -> (module that registers it, the one line ``hotspots --help`` shows), in the order listed.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("cli.demo", "build the synthetic Kirklees demo store"),
    "summary": ("cli.summary", "counts per layer, district and ward"),
    "hotspots": ("cli.hotspots", "Gi* hot and cold spots per H3 cell, with emerging-hotspot trend classes"),
    "chb": ("cli.chb", "Clear Hold Build register: candidate and designated areas"),
    "action-days": ("cli.action_days", "suggest action-day locations in a district or ward"),
    "packs": ("cli.packs", "briefing pack PDFs for districts (COGs), wards or Clear Hold Build areas"),
    "import": ("cli.imports", "import real data files into the store"),
    "imports": ("cli.imports", "list the imports recorded in the store"),
    "undo": ("cli.imports", "undo a whole import (see `hotspots imports`)"),
    "boundaries": (
        "cli.boundaries",
        "show the ward boundaries in use, or download the current ones from ONS",
    ),
    "check": ("cli.store_tools", "verify a store: tables, checksums, audit log, coverage, wards"),
    "backup": ("cli.store_tools", "copy the store safely to a file that is checked before it is kept"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser: ``command``'s module registers its full options; every other command is listed by
    name and help line only, so its module is not imported."""
    parser = argparse.ArgumentParser(
        prog="hotspots",
        description="Kirklees place-based hotspot mapping: build, load, analyse and report incident data.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = COMMANDS[command][0] if command in COMMANDS else None
    for name, (module, help_line) in COMMANDS.items():
        if module != chosen:
            subparsers.add_parser(name, help=help_line)
    if chosen is not None:
        importlib.import_module(chosen).register(subparsers)
    return parser


def _command_named(argv: Sequence[str]) -> str | None:
    """The sub-command on a command line: its first argument that is not an option (the top-level parser
    has no option taking a value, so nothing before the command can be an option's value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


#: What a command that failed part way left undone, said at the end of its one-line error (each write is
#: one transaction, so a failed one changed nothing).
NOTHING_DONE = {
    "import": "nothing was imported",
    "undo": "nothing was undone",
    "demo": "the demo was not built",
    "boundaries": "the boundaries were not changed",
    "packs": "no packs were written",
    "backup": "no backup was made",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Failures people can meet - a bad file or option, a missing, busy, read-only or
    damaged store, a full disk, Ctrl-C - end in one line on stderr and exit status 1, never a traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command_named(argv)
    try:
        parser = build_parser(command)
    except ValueError as exc:  # a data file the command's options come from (e.g. its defaults) is wrong
        print(f"hotspots {command}: {exc}", file=sys.stderr, flush=True)
        return 1
    args = parser.parse_args(argv)
    from store.errors import StoreProblem  # not at the top: it loads the store (DuckDB, pandas)
    from store.locking import announcing

    def say(message: str) -> None:
        print(f"hotspots {args.command}: {message}", file=sys.stderr, flush=True)

    def fail(message: str) -> int:
        undone = NOTHING_DONE.get(args.command)
        say(f"{message}; {undone}" if undone and not message.endswith(undone) else message)
        return 1

    try:
        with announcing(say):
            return int(args.handler(args) or 0)
    except (FileNotFoundError, ValueError, StoreProblem) as exc:
        return fail(str(exc))
    except OSError as exc:  # e.g. a full disk or a folder that cannot be written, outside the store
        return fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except KeyboardInterrupt:
        say("interrupted; anything not finished was rolled back")
        return 130


if __name__ == "__main__":
    sys.exit(main())
