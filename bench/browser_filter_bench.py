"""Browser benchmark: how long from a filter change until the map has redrawn, on 3+ years of demo data.

Run by hand (not part of the test suite):

    .venv/bin/python bench/browser_filter_bench.py [--store PATH] [--years 3] [--repeat 2]

It starts ``streamlit run serve.py`` on a demo store (built under bench/output/ when missing), opens the
map in headless Chromium and makes 20 filter changes: the four districts, back to the whole borough,
then fifteen single wards. Every one of the 20 is a choice the app has not seen since it started, so
none is served from Streamlit's cache (the "cold" figures, the honest worst case); ``--repeat`` runs the
same sequence again to show the cached ("warm") case.

A change is timed from the click on the option to the moment Leaflet, inside the map frame, holds the
new hexagons and has painted a frame after them ("map"), and to the moment the summary panel shows the
new total ("panel"). The goal is map p95 < 1 s (DESIGN.md section 6 asks < 2 s; the issue on working
in the room tightened it to 1 s).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import config  # noqa: E402
from layers.demo import build_demo_store  # noqa: E402
from layers.ingest import current_wards  # noqa: E402
from store import Store  # noqa: E402
from store.queries import Filters, counts, date_range  # noqa: E402
from tests import browser_support as bs  # noqa: E402

OUTPUT_DIR = bs.PROJECT_DIR / "bench" / "output"
GOAL_P95_S = 1.0
CHANGES = 20


def change_sequence(store: Store) -> list[tuple[str, str]]:
    """(select box, option) for 20 distinct filter choices: districts, the borough, then wards."""
    wards = current_wards(store)
    steps = [("District", d) for d in wards.district_names] + [("District", f"All of {config.BOROUGH_NAME}")]
    steps += [("Ward", name) for name in sorted(wards.names)]
    return steps[:CHANGES]


def ensure_store(path: Path | None, years: int) -> Store:
    demo = config.demo_settings()
    path = path or OUTPUT_DIR / f"demo-{years}y-{demo.seed}.duckdb"
    if not path.exists():
        print(f"building a {years}-year demo store at {path} ...", flush=True)
        made = build_demo_store(path, years=years, seed=demo.seed, end_month=demo.end_month)
        print(f"  {sum(made.values()):,} incidents", flush=True)
    return Store(path)


def run_pass(page, frame, steps: list[tuple[str, str]]) -> list[tuple[str, float, float]]:
    results = []
    for label, option in steps:
        before = bs.hex_state(frame)
        bs.open_choices(page, label)
        start = time.perf_counter()
        bs.pick(page, option)
        after = bs.wait_for_new_hexes(frame, before)
        map_s = time.perf_counter() - start
        bs.wait_for_shown_total(page, after["total"])
        panel_s = time.perf_counter() - start
        name = f"{label}: {option}"
        results.append((name, map_s, panel_s))
        print(f"  {name:40} {after['hexes']:>5} hexagons  map {map_s:5.2f} s  panel {panel_s:5.2f} s")
    return results


def load_note() -> str:
    """The machine's load: timings on a shared 2-core machine mean little without it."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def report(name: str, results: list[tuple[str, float, float]]) -> bool:
    map_s = np.array([r[1] for r in results])
    panel_s = np.array([r[2] for r in results])
    p50, p95 = np.percentile(map_s, [50, 95])
    q50, q95 = np.percentile(panel_s, [50, 95])
    ok = p95 < GOAL_P95_S
    print(
        f"{name}: {len(results)} changes  map redrawn p50 {p50:.2f} s  p95 {p95:.2f} s  "
        f"(summary panel p50 {q50:.2f} s  p95 {q95:.2f} s)  goal map p95 < {GOAL_P95_S:g} s: "
        f"{'MET' if ok else 'NOT MET'}; {load_note()}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="store to use (default: build a demo under bench/output/)")
    parser.add_argument("--years", type=int, default=max(3, config.demo_settings().years))
    parser.add_argument("--repeat", type=int, default=1, help="extra cached passes over the same changes")
    args = parser.parse_args(argv)
    if args.years < 3:
        parser.error("the benchmark needs at least 3 years of data")
    chromium = bs.require_chromium()
    if chromium is None:
        print("HOTSPOTS_SKIP_BROWSER=1 is set: no browser benchmark run", file=sys.stderr)
        return 1
    store = ensure_store(args.store, args.years)
    (first, last), total = date_range(store), int(counts(store, Filters())["n"].sum())
    print(f"store {store.path}: {total:,} incidents, {first:%Y-%m} to {last:%Y-%m}")
    print(load_note())
    steps = change_sequence(store)

    from playwright.sync_api import sync_playwright

    with (
        bs.app_server(store.path, OUTPUT_DIR / "streamlit-bench.log") as url,
        sync_playwright() as playwright,
    ):
        browser = bs.launch(playwright, chromium)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        start = time.perf_counter()
        frame = bs.open_map(page, url)
        print(f"first load (cold server): {time.perf_counter() - start:.2f} s")
        print("cold pass (choices not seen before):")
        ok = report("cold", run_pass(page, frame, steps))
        for i in range(args.repeat):
            print(f"warm pass {i + 1} (same choices again, cached):")
            report("warm", run_pass(page, frame, steps))
        browser.close()
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
