"""``hotspots demo``: build the deterministic synthetic demo store."""

from __future__ import annotations

import argparse
import os
from datetime import datetime

import config
from cli.common import add_command
from layers.demo import build_demo_store
from store import Store
from store.errors import StoreDamaged


def register(subparsers: argparse._SubParsersAction) -> None:
    demo_settings = config.demo_settings()
    p = add_command(
        subparsers,
        "demo",
        run,
        description="Build a store of SYNTHETIC incidents for all five layers on the real ward boundaries. "
        "Same seed and options give the same data, byte for byte.",
        json_help=None,
    )
    p.add_argument(
        "--years", type=int, default=demo_settings.years, help="years of data (default %(default)s)"
    )
    p.add_argument(
        "--seed", type=int, default=demo_settings.seed, help="random seed (default %(default)s)"
    )
    p.add_argument(
        "--end-month",
        default=demo_settings.end_month,
        metavar="YYYY-MM",
        help="last month generated (default %(default)s)",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument("--if-missing", action="store_true", help="do nothing if the store already exists")
    group.add_argument("--replace", action="store_true", help="replace an existing store")


def run(args: argparse.Namespace) -> int:
    path = config.demo_store_path(args.store)
    if path.exists():
        if args.if_missing:
            print(f"store already exists at {path}; leaving it as it is")
            return 0
        if not args.replace:
            raise ValueError(
                f"a store already exists at {path}; pass --replace to overwrite it with demo data"
            )
        old = Store(path)
        try:
            holds_real = not old.is_synthetic() and old.imports()["status"].eq("complete").any()
        except StoreDamaged:  # unreadable: kept beside the new demo (with its log), never deleted
            holds_real = False
            kept = Store(path.with_name(f"{path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S}"))
            os.replace(path, kept.path)
            if old.wal_path.exists():
                os.replace(old.wal_path, kept.wal_path)
            print(f"the damaged store was moved to {kept.path}")
        if holds_real:
            raise ValueError(f"{path} holds real data; the demo never replaces it (choose another --store)")
    counts = build_demo_store(path, years=args.years, seed=args.seed, end_month=args.end_month)
    total = sum(counts.values())
    print(f"built SYNTHETIC demo store at {path}: {total:,} incidents")
    for layer, n in counts.items():
        print(f"  {layer:16} {n:>9,}")
    return 0
