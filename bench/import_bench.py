"""Benchmark (not a test): import a synthetic West-Yorkshire-sized police.uk year and print rows/s.

A West Yorkshire force file holds roughly 29,000 rows a month (about 350,000 a year); Kirklees is about a
fifth of them. The synthetic year has the real file's columns and mix: one row in three is anti-social
behaviour without a Crime ID, points spread over the force area with more of them in the towns, a few
rows without coordinates. Timing covers everything an analyst waits for: reading and checking the
file, ward assignment (point in polygon), H3 indexing and the store transaction.

The baseline beside it is the bare minimum anyone would write, with no validation at all: ``pandas.read_csv``,
``geopandas.sjoin`` against the same wards and ``h3.latlng_to_cell`` at every resolution for the rows
inside. After one unmeasured run of each (so both have their libraries loaded), the two run interleaved
(import, baseline, import, baseline...) on one machine, so load from other processes falls on both
alike, and the ratio of their medians is the figure to quote (issue 13 asks for at least 0.8x, with full
validation on our side).

Run: ``.venv/bin/python bench/import_bench.py [--rows 350000] [--repeats 3]``. Target: at least 100,000
rows/s and 0.8x the baseline. CPU seconds are printed too: on a shared machine the wall time includes
waiting for other processes.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.hexgrid import RESOLUTIONS  # noqa: E402
from layers.importer import run_import  # noqa: E402
from layers.readers import Upload  # noqa: E402
from layers.report import ImportReport  # noqa: E402
from layers.wards import shipped_wards  # noqa: E402
from store import Store  # noqa: E402

HEADINGS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
    "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip
CRIME_TYPES = [
    "Violence and sexual offences", "Public order", "Criminal damage and arson", "Shoplifting",
    "Vehicle crime", "Other theft", "Burglary", "Drugs", "Other crime", "Possession of weapons",
    "Robbery", "Theft from the person", "Bicycle theft",
]  # fmt: skip
#: Town centres of West Yorkshire (lat, lon) with their share of incidents.
TOWNS = [
    ((53.7997, -1.5492), 0.30), ((53.7950, -1.7594), 0.22), ((53.6830, -1.4977), 0.13),
    ((53.7248, -1.8658), 0.09), ((53.6458, -1.7850), 0.08), ((53.6910, -1.6300), 0.04),
    ((53.7130, -1.6330), 0.03),
]  # fmt: skip


def synthetic_year(rows: int, seed: int = 2024) -> bytes:
    """A police.uk-format CSV (UTF-8 with BOM) of ``rows`` rows over 12 months."""
    rng = np.random.default_rng(seed)
    centres = np.array([c for c, _ in TOWNS])
    weights = np.array([w for _, w in TOWNS])
    town = rng.choice(len(TOWNS), size=rows, p=weights / weights.sum())
    spread = rng.uniform(0.01, 0.12, rows)
    lat = centres[town, 0] + rng.normal(0, 1, rows) * spread
    lon = centres[town, 1] + rng.normal(0, 1.6, rows) * spread
    asb = rng.random(rows) < 0.33
    kinds = rng.choice(CRIME_TYPES, size=rows)
    months = rng.integers(1, 13, rows)
    no_location = rng.random(rows) < 0.01
    ids = rng.integers(0, 2**63, size=(rows, 4), dtype=np.int64)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADINGS)
    for i in range(rows):
        located = not no_location[i]
        writer.writerow(
            [
                "" if asb[i] else "".join(f"{v:016x}" for v in ids[i]),
                f"2024-{months[i]:02d}",
                "West Yorkshire Police",
                "West Yorkshire Police",
                f"{lon[i]:.6f}" if located else "",
                f"{lat[i]:.6f}" if located else "",
                f"On or near Street {i % 5000}" if located else "No location",
                f"E0101{i % 10000:04d}",
                f"Somewhere {i % 300:03d}A",
                "Anti-social behaviour" if asb[i] else kinds[i],
                "" if asb[i] else "Investigation complete; no suspect identified",
                "",
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _timed(work: Callable[[], object]) -> tuple[object, float, float]:
    """``work()``'s result, wall seconds and CPU seconds (all threads of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def baseline(data: bytes) -> int:
    """The bare pipeline with no validation: pandas read, geopandas sjoin to the wards, H3 at every
    resolution for the rows inside; returns the rows inside (to check both sides place the same rows)."""
    import geopandas as gpd
    import h3
    import pandas as pd

    wards = shipped_wards()
    polygons = gpd.GeoDataFrame({"ward": list(wards.codes)}, geometry=list(wards.geometries), crs="EPSG:4326")
    frame = pd.read_csv(io.BytesIO(data)).dropna(subset=["Latitude", "Longitude"])
    points = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["Longitude"], frame["Latitude"]), crs="EPSG:4326"
    )
    inside = gpd.sjoin(points, polygons, predicate="within", how="inner")
    pairs = list(zip(inside["Latitude"].tolist(), inside["Longitude"].tolist(), strict=True))
    for res in RESOLUTIONS:
        inside[f"h3_r{res}"] = [h3.latlng_to_cell(a, b, res) for a, b in pairs]
    return len(inside)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=350_000)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs of each side")
    args = parser.parse_args()
    data = synthetic_year(args.rows)
    print(f"synthetic police.uk year: {args.rows:,} rows, {len(data) / 2**20:.1f} MB")
    ours: list[float] = []
    bare: list[float] = []
    ours_cpu: list[float] = []
    bare_cpu: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        # one unmeasured run of each side first: both then start with their libraries loaded and warm
        run_import(Store(Path(folder) / "warm.duckdb"), "police-csv", [Upload("warm.csv", data)])
        baseline(data)
        for i in range(args.repeats):
            store = Store(Path(folder) / f"bench{i}.duckdb")
            upload = Upload("2024-west-yorkshire-street.csv", data)
            report, first, first_cpu = _timed(
                lambda store=store, upload=upload: run_import(store, "police-csv", [upload])[0]
            )
            assert isinstance(report, ImportReport)
            inside, base, base_cpu = _timed(lambda: baseline(data))
            ours.append(first)
            bare.append(base)
            ours_cpu.append(first_cpu)
            bare_cpu.append(base_cpu)
            print(
                f"run {i + 1}: import {first:5.2f} s ({first_cpu:.2f} s CPU), baseline {base:5.2f} s "
                f"({base_cpu:.2f} s CPU); {report.accepted:,} vs {inside:,} rows inside"
            )
        again, second, _ = _timed(lambda: run_import(store, "police-csv", [upload])[0])
        assert isinstance(again, ImportReport)
    print(report.summary())
    mine, theirs = statistics.median(ours), statistics.median(bare)
    print(f"import (median)  : {mine:6.2f} s  {args.rows / mine:>10,.0f} rows/s, validated and stored")
    print(f"baseline (median): {theirs:6.2f} s  {args.rows / theirs:>10,.0f} rows/s, no validation, no store")
    print(f"ratio            : {theirs / mine:.2f}x the baseline's speed (goal 0.8x)")
    paired = statistics.median(b / o for b, o in zip(bare, ours, strict=True))
    print(f"ratio per run    : {paired:.2f}x (median of each run's pair, which ran back to back)")
    cpu_ratio = statistics.median(bare_cpu) / statistics.median(ours_cpu)
    print(f"ratio in CPU time: {cpu_ratio:.2f}x (less disturbed by other processes on a shared machine)")
    print(f"same file again  : {second:6.2f} s (added {again.added:,})")
    print(f"target           : 100,000 rows/s -> {'met' if args.rows / mine >= 100_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
