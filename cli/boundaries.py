"""``hotspots boundaries``: show the ward boundaries in use, or ``--download`` the current ones from ONS.

Loading a boundary file is ``hotspots import wards FILE``; this command is for what needs no file. Offline,
``--download`` says so and changes nothing.
"""

from __future__ import annotations

import argparse
import sys

import config
from cli.common import add_command, print_json
from cli.imports import print_report
from layers.boundary_import import ONS_WARDS_URL, download_boundaries
from layers.ingest import current_wards
from store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "boundaries",
        run,
        description="Without options, describe the ward boundaries incidents are assigned to. With "
        f"--download, fetch the current {config.BOROUGH_NAME} wards from the ONS open geography service "
        f"({ONS_WARDS_URL}), replace the boundaries and re-assign every stored incident.",
    )
    p.add_argument(
        "--download", action="store_true", help="fetch the current wards from ONS (needs internet)"
    )


def run(args: argparse.Namespace) -> int:
    store = Store(config.store_path(args.store))
    if args.download:
        try:
            report = download_boundaries(store)
        except ConnectionError as exc:
            print(
                f"hotspots boundaries: offline or unavailable: {exc}; the boundaries were not changed",
                file=sys.stderr,
            )
            return 1
        if args.json:
            print_json(report.to_dict())
        else:
            print_report(report)
        return 0 if report.ok else 1
    wards = current_wards(store)
    info = {
        "source": wards.source,
        "version": store.get_meta("boundary_version") or "shipped default",
        "wards": len(wards),
        "districts": {d: [wards.name_by_code[c] for c in wards.wards_in(d)] for d in wards.district_names},
    }
    if args.json:
        print_json(info)
        return 0
    print(f"{info['wards']} wards from {info['source']} (version {info['version']})")
    for district, names in info["districts"].items():
        print(f"  {district}: {', '.join(names)}")
    return 0
