"""``hotspots hotspots``: Gi* hot and cold spots per H3 cell, with trend classes, as JSON or GeoJSON.

The JSON holds one object per study-area cell - zero-count cells included - with the count (or harm-
weighted value), z, p, FDR-adjusted p, class, ward and district, so anyone can re-check the statistic.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

import config
from briefing.analyses import hotspots_from_store
from briefing.places import find_ward
from briefing.reads import study_grid
from cli.common import add_command, existing_store, print_json
from geo.boundaries import Wards
from geo.coverage import Coverage
from geo.gistar import CLASS_LABELS
from geo.harm import default_weights
from geo.hexgrid import RESOLUTIONS
from geo.hotspots import HotspotResult, default_window, export_records, to_geojson
from geo.measurable import combinable
from geo.rates import Period
from geo.trends import DEFAULT_SLICES, MIN_SLICES
from layers.ingest import current_wards
from store import Store
from store.queries import Filters, categories


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "hotspots",
        run,
        description="Getis-Ord Gi* per H3 cell over the study area (zero-count cells included), with "
        "Benjamini-Hochberg false-discovery control, confidence classes and emerging-hotspot trend "
        "classes. Rules: the app's 'How this is worked out' page.",
    )
    p.add_argument("--layer", action="append", metavar="LAYER", help="layer id (repeatable; default all)")
    p.add_argument(
        "--category", action="append", metavar="NAME", help="keep only these categories (repeatable)"
    )
    p.add_argument(
        "--harm", action="store_true", help="harm-weighted composite (weights in data/layers.toml)"
    )
    p.add_argument(
        "--res", type=int, choices=RESOLUTIONS, help="H3 resolution (default 8 borough, 9 district/ward)"
    )
    p.add_argument("--k", type=int, default=1, help="neighbourhood size in H3 steps (default %(default)s)")
    p.add_argument("--start", metavar="YYYY-MM", help="first month (default: 11 months before --end)")
    p.add_argument("--end", metavar="YYYY-MM", help="last month (default: the store's last month)")
    p.add_argument("--district", help="restrict the study area to a partnership district")
    p.add_argument("--ward", help="restrict the study area to a ward (code or name)")
    p.add_argument("--trend-freq", choices=("month", "quarter"), default="month", help="trend slices")
    p.add_argument(
        "--trend-slices",
        type=int,
        default=DEFAULT_SLICES,
        help="number of trend slices (default %(default)s)",
    )
    p.add_argument("--geojson", metavar="PATH", help="also write the cells as a GeoJSON file")


def build_filters(store: Store, wards: Wards, args: argparse.Namespace) -> tuple[Filters, tuple[str, ...]]:
    """Layers, categories and place from the arguments, checked against the data file and the store; and
    a note per layer left out because another chosen layer holds the same reports (never counted twice)."""
    known = list(config.layers())
    layers = tuple(args.layer or known)
    unknown = [lid for lid in layers if lid not in known]
    if unknown:
        raise ValueError(f"unknown layer {unknown[0]!r}; layers are: {', '.join(known)}")
    cats: dict[str, list[str]] = {}
    if args.category:
        stored = categories(store)
        offered = {(lid, c) for lid in layers for c in config.layers()[lid].categories}
        offered |= {(r.layer, r.category) for r in stored.itertuples() if r.layer in layers}
        for name in args.category:
            owners = sorted(lid for lid, c in offered if c == name)
            if not owners:
                names = ", ".join(sorted({c for _, c in offered}))
                raise ValueError(
                    f"no category {name!r} in layers {', '.join(layers)}; categories are: {names}"
                )
            for lid in owners:
                cats.setdefault(lid, []).append(name)
        layers = tuple(lid for lid in layers if lid in cats)
    if args.district is not None and args.district not in wards.district_names:
        raise ValueError(
            f"unknown district {args.district!r}; districts are: {', '.join(wards.district_names)}"
        )
    layers, left_out = combinable(layers, set(categories(store)["layer"]))
    filters = Filters(
        layers=layers,
        categories=tuple((lid, tuple(c)) for lid, c in cats.items() if lid in layers),
        district=args.district,
        ward=find_ward(wards, args.ward) if args.ward else None,
    )
    return filters, left_out


def _month(text: str, option: str) -> pd.Period:
    try:
        return pd.Period(text, freq="M")
    except ValueError as exc:
        raise ValueError(f"{option} must be a month such as 2025-03, not {text!r}") from exc


def compute(store: Store, args: argparse.Namespace) -> tuple[HotspotResult, Filters, tuple[str, ...]]:
    """Run the analysis the arguments describe (by default the 12 months to the latest month with data
    for the layers chosen); with the notes on layers left out (see :func:`build_filters`)."""
    wards = current_wards(store)
    filters, left_out = build_filters(store, wards, args)
    window = default_window(Coverage.from_frame(store.coverage()), 12, filters.layers)
    if window is None:
        raise ValueError(f"the store at {store.path} holds no data for the layers chosen")
    last = _month(args.end, "--end") if args.end else window[1]
    first = _month(args.start, "--start") if args.start else last - 11
    if first > last:
        raise ValueError("--start must not be after --end")
    if args.trend_slices < MIN_SLICES:
        raise ValueError(f"--trend-slices must be at least {MIN_SLICES}")
    if args.k < 0:
        raise ValueError("--k must be 0 or more")
    local = args.district is not None or args.ward is not None
    map_settings = config.map_settings()
    res = args.res or (map_settings.local_resolution if local else map_settings.borough_resolution)
    grid = study_grid(store, wards, res, district=filters.district, ward=filters.ward)
    result = hotspots_from_store(
        store,
        filters,
        grid,
        first=first,
        last=last,
        k=args.k,
        weights=default_weights() if args.harm else None,
        trend_freq=args.trend_freq,
        trend_n=args.trend_slices,
    )
    return result, filters, left_out


def metadata(store: Store, result: HotspotResult, filters: Filters, left_out: tuple[str, ...] = ()) -> dict:
    synthetic = [lid for lid in store.synthetic_layers() if lid in (filters.layers or ())]
    classes = result.table["class"].value_counts()
    coverage = Coverage.from_frame(store.coverage())
    window = Period.of_months(result.first.start_time.date(), result.last.start_time.date())
    return {
        "synthetic": bool(synthetic),
        "note": config.SYNTHETIC_LABEL if synthetic else None,
        "store": str(store.path),
        "layers": list(filters.layers or ()),
        "layers_left_out": list(left_out),
        "categories": {lid: list(c) for lid, c in filters.categories},
        "value": "harm-weighted count (weights from data/layers.toml)"
        if result.weighted
        else "incident count",
        "district": filters.district,
        "ward": filters.ward,
        "resolution": result.grid.res,
        "k": result.k,
        "first_month": str(result.first),
        "last_month": str(result.last),
        "window": coverage.label(window, filters.layers),
        "months_without_data": coverage.missing(window, filters.layers),
        "trend_slices": [str(s) for s in result.trend_slices] if result.trend_slices is not None else None,
        "cell_count": len(result.grid),
        "incidents_outside_study_area": result.outside,
        "unweighted_categories": [list(pair) for pair in result.unweighted],
        "classes": {label: int(classes.get(label, 0)) for label in CLASS_LABELS.values()},
        "incidents": result.incidents,
        "too_few_incidents": result.too_few_message or None,
        "boundaries": config.BOUNDARY_ATTRIBUTION,
    }


def run(args: argparse.Namespace) -> int:
    store = existing_store(args)
    result, filters, left_out = compute(store, args)
    meta = metadata(store, result, filters, left_out)
    if args.geojson:
        Path(args.geojson).write_text(
            json.dumps(to_geojson(result.table, metadata=meta), ensure_ascii=False),
            encoding="utf-8",
        )
    if args.json:
        print_json({**meta, "cells": export_records(result.table)})
        return 0
    if meta["synthetic"]:
        print(meta["note"])
    print(
        f"{meta['value']} for {', '.join(meta['layers'])}, {meta['window']}, "
        f"H3 resolution {meta['resolution']}, k = {meta['k']}: {meta['cell_count']:,} cells"
    )
    for note in left_out:
        print(f"  ({note})")
    for label, n in meta["classes"].items():
        print(f"  {label:28} {n:>7,}")
    if result.too_few:
        print(result.too_few_message)
    hot = result.hot_cells().head(10)
    if not hot.empty:
        print("hottest cells:")
        for row in hot.itertuples():
            print(f"  {row.h3}  {row.ward:28} {row.count:>6,}  z {row.z:6.2f}  {row.trend}")
    if args.geojson:
        print(f"wrote {args.geojson}")
    return 0
