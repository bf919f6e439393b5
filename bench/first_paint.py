"""Benchmark (not a test): seconds from the server answering to the Map drawn, against a baseline.

Issue 13's goal is the Map drawn within 3 s of the server answering, on the demo store. Each round starts
a fresh server twice, on the same demo store, in alternating order:

* **served**: ``streamlit run serve.py``, as ``./dev app`` and a shared server run the app (the first
  page's modules imported at start-up, before the server answers: :mod:`views.startup`);
* **baseline**: ``streamlit run app.py``, the same app without the start-up imports, as it was served
  before.

For each, headless Chromium (Playwright, Debian's /usr/bin/chromium, started before the clock, with an
empty cache as a first visitor has) asks for the app once the server answers its health check; the
clock stops when Leaflet shows the first hexagons (:func:`bench.scale.first_paint`). Medians and the
ratio are printed side by side; on this shared 2-core machine read them with the load average printed.

Run: ``.venv/bin/python bench/first_paint.py [--rounds 5] [--store PATH]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from browser_filter_bench import OUTPUT_DIR, ensure_store  # noqa: E402
from scale import first_paint  # noqa: E402

GOAL_S = 3.0
ENTRIES = {"served": "serve.py", "baseline": "app.py"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--store", type=Path, help="a store to open (default: the 3-year demo)")
    args = parser.parse_args()
    store = ensure_store(args.store, years=3)
    times: dict[str, list[float]] = {name: [] for name in ENTRIES}
    for round_no in range(args.rounds):
        order = list(ENTRIES) if round_no % 2 == 0 else list(reversed(ENTRIES))
        for name in order:
            result = first_paint(store.path, OUTPUT_DIR / f"first-paint-{name}.log", entry=ENTRIES[name])
            if "error" in result:
                raise SystemExit(f"first paint ({name}): {result['error']}")
            times[name].append(result["seconds"])
            print(
                f"round {round_no + 1} {name:8s} map drawn {result['seconds']:.2f} s after the server answers"
                f" (server peak {result['peak'] / 1e6:.0f} MB; load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    served, baseline = statistics.median(times["served"]), statistics.median(times["baseline"])
    print()
    print(f"median map drawn: served {served:.2f} s, baseline {baseline:.2f} s ({baseline / served:.2f}x)")
    verdict = "met" if served <= GOAL_S else "NOT met"
    print(f"served: worst {max(times['served']):.2f} s; goal {GOAL_S:.1f} s by the median: {verdict}")


if __name__ == "__main__":
    main()
