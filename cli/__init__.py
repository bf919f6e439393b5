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


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_command_named(argv)).parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (FileNotFoundError, ValueError) as exc:
        print(f"hotspots {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
