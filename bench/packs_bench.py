"""Benchmark: all four Community Outcome Group packs from the demo store, against the 30-second goal.

Run by hand (not part of the test suite):

    .venv/bin/python bench/packs_bench.py [--store PATH] [--audience partner|public] [--period 2025Q3]

Times what ``hotspots packs --district all`` does after the store is open: reading boundaries, populations
and sources, the Clear Hold Build register (shared by the four packs), then for each district the
headlines, hotspots, action days, maps, charts and the PDF. The demo store is built under bench/output/
when missing (its build time is not counted). Prints wall-clock and CPU seconds per pack and in total;
the goal (DESIGN.md section 6) is all four in under 30 s. The machine may be shared, so CPU seconds are
printed too: wall-clock far above CPU means other work was competing for the processor.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import config  # noqa: E402
from briefing.packs import PackContext, build_pack, district_places  # noqa: E402
from briefing.pdf import render_pack  # noqa: E402
from briefing.periods import Quarter  # noqa: E402
from layers.demo import build_demo_store  # noqa: E402
from store import Store  # noqa: E402

OUTPUT_DIR = Path(__file__).resolve().parent / "output"
GOAL_S = 30.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store to read (default: a demo store under bench/output/)")
    parser.add_argument("--audience", choices=("partner", "public"), default="partner")
    parser.add_argument("--period", help="quarter such as 2025Q3 (default: the last complete quarter)")
    args = parser.parse_args()

    path = Path(args.store) if args.store else OUTPUT_DIR / "packs-demo.duckdb"
    if not path.exists():
        demo = config.demo_settings()
        print(f"building the demo store at {path} (not timed)...")
        build_demo_store(path, years=demo.years, seed=demo.seed, end_month=demo.end_month)
    out = OUTPUT_DIR / "packs"
    out.mkdir(parents=True, exist_ok=True)

    wall0, cpu0 = time.perf_counter(), time.process_time()
    ctx = PackContext.load(Store(path))
    quarter = Quarter.parse(args.period) if args.period else ctx.default_quarter()
    print(f"{len(district_places(ctx))} COG packs, {quarter.label}, {args.audience}")
    for place in district_places(ctx):
        wall, cpu = time.perf_counter(), time.process_time()
        pack = build_pack(ctx, place, quarter, args.audience, date.today())
        data = render_pack(pack)
        (out / pack.file_name).write_bytes(data)
        took, used = time.perf_counter() - wall, time.process_time() - cpu
        print(f"  {place.name:22} {took:6.2f} s wall {used:6.2f} s CPU  {len(data) / 1024:,.0f} KB")
    total = time.perf_counter() - wall0
    verdict = "meets" if total < GOAL_S else "MISSES"
    print(
        f"all four: {total:.2f} s wall ({time.process_time() - cpu0:.2f} s CPU); "
        f"goal < {GOAL_S:.0f} s: {verdict} it"
    )
    print(f"PDFs in {out}")
    return 0 if total < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
