"""``hotspots packs``: briefing packs as PDFs (and one ZIP of them) for districts, wards or CHB areas."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

import config
from briefing.packs import (
    PackContext,
    archive_name,
    area_places,
    batch,
    district_places,
    ward_places,
    zip_files,
)
from briefing.periods import Quarter
from briefing.places import Place, ward_place
from briefing.suppression import AUDIENCES, parse_audience
from cli.common import add_command, print_json
from store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "packs",
        run,
        description="Write one briefing pack PDF per place into --out, plus a ZIP holding all of them. "
        "With no place given, all four district (COG) packs are made.",
        json_help="print what was written as JSON",
    )
    p.add_argument("--district", metavar="NAME", help="'all' or a district name (default: all)")
    p.add_argument(
        "--ward", metavar="NAME", action="append", default=[], help="a ward name or code (repeatable)"
    )
    p.add_argument("--wards", action="store_true", help="also a pack for every ward of the chosen districts")
    p.add_argument("--area", metavar="NAME", help="'all' or a Clear Hold Build area name or id")
    p.add_argument(
        "--period", metavar="YYYYQn", help="calendar quarter, e.g. 2024Q4 (default: last complete quarter)"
    )
    p.add_argument("--audience", choices=AUDIENCES, default="partner", help="default %(default)s")
    p.add_argument("--out", metavar="DIR", required=True, help="folder to write the PDFs and the ZIP into")
    p.add_argument("--produced", metavar="YYYY-MM-DD", help="date printed as 'produced' (default: today)")


def choose_places(ctx: PackContext, args: argparse.Namespace, audience: str) -> list[Place]:
    """The places asked for, in order: districts, then their wards (--wards), named wards, areas.

    Public packs cover designated Clear Hold Build areas only, as on the Briefing packs page: a candidate
    area is an analytical suggestion for partners, and naming it in public would publish it."""
    places: list[Place] = []
    district = args.district or ("all" if not (args.ward or args.area) else None)
    if district:
        districts = district_places(ctx, district)
        places += districts
        if args.wards:
            places += ward_places(ctx, [d.name for d in districts])
    places += [ward_place(ctx.wards, w) for w in args.ward]
    if args.area:
        areas = area_places(ctx, args.area, designated_only=audience == "public")
        if not areas:
            raise ValueError(
                f"public packs cover designated Clear Hold Build areas only, and --area {args.area} names "
                "none: designate the area first, or build partner packs (--audience partner)"
            )
        places += areas
    if not places:
        raise ValueError("no places chosen: give --district, --ward or --area")
    return places


def writable_folder(out: Path) -> Path:
    """``--out`` as a folder the packs can be written into, made if need be: checked before any pack is
    built, so a file in the way or a folder that cannot be written is one line, not a failure after
    minutes of work."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder; name a folder for the packs")
    blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ValueError(f"--out {out} cannot be made: {blocking} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out) as probe:
            probe.write(b"packs")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise ValueError(f"--out {out} cannot be written ({exc.strerror or exc})") from None
    return out


def write_all(out: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file into ``out``, or - when one fails (a full disk) - none: those already written are
    removed, so a failure never leaves half a set of packs that looks complete."""
    written: list[Path] = []
    try:
        for name, data in files.items():
            path = out / name
            path.write_bytes(data)
            written.append(path)
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = writable_folder(Path(args.out))
    ctx = PackContext.load(Store(config.reading_store_path(args.store)))
    quarter = Quarter.parse(args.period) if args.period else ctx.default_quarter()
    ctx.check_quarter(quarter)
    audience = parse_audience(args.audience)
    produced = date.fromisoformat(args.produced) if args.produced else date.today()
    files = batch(ctx, choose_places(ctx, args, audience), quarter, audience, produced)
    paths = write_all(out, {**files, archive_name(ctx, quarter, audience): zip_files(files)})
    written = [str(p) for p in paths[:-1]]
    archive = paths[-1]
    seconds = round(time.perf_counter() - started, 2)
    if args.json:
        print_json(
            {
                "period": quarter.code,
                "audience": audience,
                "files": written,
                "zip": str(archive),
                "seconds": seconds,
            }
        )
        return 0
    for path in written:
        print(path)
    count = f"{len(files)} pack{'s' if len(files) != 1 else ''}"
    print(f"{archive}  ({count}, {quarter.label}, {audience}; {seconds} s)")
    return 0
