"""The ``hotspots`` command line: every capability of the app, scriptable, with ``--json`` output.

Each sub-command lives in its own module under ``cli/`` and exposes ``register(subparsers, common)``;
this module only wires them together, so adding a command never touches another one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import action_days, boundaries, chb, demo, hotspots, imports, packs, summary

COMMAND_MODULES = (demo, summary, hotspots, chb, action_days, packs, imports, boundaries)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store",
        metavar="PATH",
        default=None,
        help="incident store file (default: $HOTSPOTS_STORE, else data/hotspots.duckdb)",
    )
    parser = argparse.ArgumentParser(
        prog="hotspots",
        description="Kirklees place-based hotspot mapping: build, load, analyse and report incident data.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (FileNotFoundError, ValueError) as exc:
        print(f"hotspots {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
