"""Benchmark (not a test): how time and memory grow with the store, at 1M, 3M and 10M incidents.

Per size it builds a synthetic store straight in DuckDB (no CSV import: a 10M-row import would take the
benchmark's whole budget and measure the importer, which ``bench/import_bench.py`` does) and measures,
each in a fresh child process, the wall time and peak resident memory (``VmHWM`` of the child) of:

* ``summary``, ``hotspots`` (crime, default window), ``chb`` (the register) and ``packs`` (one district
  pack) from the command line, as an analyst runs them;
* the ward boundary reload: ``hotspots import wards`` of the shipped boundary file, which puts a new
  boundary version in force and re-assigns every stored incident;
* the app's first paint: ``streamlit run serve.py`` on the store, then headless Chromium (Playwright, Debian's
  /usr/bin/chromium, started first) opens the app once the server answers its health check; the time is
  from asking for the page to Leaflet showing the first hexagons on the Map (the moment a person sees the
  map), and the memory is the server's peak (``VmHWM``) at that moment.

Before measuring, one ``summary`` runs unmeasured-as-such (its time is printed apart): the first command
on a new store works out and stores the study grids, which happens once per boundary version.

The store: ten years of history at every size, so a bigger store is denser (as for a larger area, a
whole force, or several partnerships in one store), not longer. Points come from a pool of map points
(police.uk snaps reports to shared points; one per 20 incidents, at least 50,000), drawn more often near
Kirklees town centres so there are hot spots to find; each point's ward, district and H3 cells are worked
out once with the app's own functions. Layers and categories follow a Kirklees-like mix.

Times on this shared 2-core machine include other people's load; each size's line also gives the ratio
to the smallest size measured in the same run, which is the figure to read (how it scales).

Run: ``.venv/bin/python bench/scale.py [--sizes 1000000 3000000] [--no-app] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import config  # noqa: E402
from bench.memory import peak_rss  # noqa: E402
from geo.hexgrid import cell_columns  # noqa: E402
from layers.ingest import CELL_INDEXING, CELL_INDEXING_KEY  # noqa: E402
from layers.wards import shipped_wards  # noqa: E402
from store import Store  # noqa: E402
from store.queries import date_range  # noqa: E402
from store.scale import write_drawn_incidents  # noqa: E402

MONTHS = 120
FIRST_MONTH = "2015-01-01"
#: Share of incidents per layer (the rest of the mix is police.uk crime).
LAYER_SHARES = {
    config.layer_fed_by(feed): share
    for feed, share in (("police-asb", 0.25), ("fly-tipping", 0.10), ("fires", 0.04), ("stats19", 0.01))
}
CRIME = config.layer_fed_by("police-crime")
#: Town centres of Kirklees (lat, lon, share of pool points near them); the rest are spread evenly.
TOWNS = [
    (53.6458, -1.7850, 0.25), (53.6910, -1.6300, 0.12), (53.7100, -1.6320, 0.08), (53.6785, -1.6943, 0.05),
]  # fmt: skip
WARD_FILE = config.DEFAULT_WARDS_FILE
#: Each measured command, as ``hotspots`` arguments ({store}, {out} and {period} filled in).
COMMANDS = {
    "summary": ["summary", "--json", "--store", "{store}"],
    "hotspots": ["hotspots", "--layer", CRIME, "--json", "--store", "{store}"],
    "chb": ["chb", "--json", "--store", "{store}"],
    "packs": [
        "packs", "--district", "Huddersfield", "--period", "{period}", "--out", "{out}", "--store", "{store}",
    ],
    "ward reload": ["import", "wards", str(WARD_FILE), "--json", "--store", "{store}"],
}  # fmt: skip


def point_pool(n: int, seed: int) -> pa.Table:
    """``n`` distinct map points inside the wards with their ward, district, street and H3 cells."""
    wards = shipped_wards()
    rng = np.random.default_rng(seed)
    west, south, east, north = wards.area.bounds
    lat, lon = np.empty(0), np.empty(0)
    while len(lat) < n:
        m = 2 * n
        town = rng.random(m) < sum(t[2] for t in TOWNS)
        pick = rng.choice(len(TOWNS), m, p=np.array([t[2] for t in TOWNS]) / sum(t[2] for t in TOWNS))
        centres = np.array([t[:2] for t in TOWNS])[pick]
        la = np.where(town, centres[:, 0] + rng.normal(0, 0.008, m), rng.uniform(south, north, m)).round(6)
        lo = np.where(town, centres[:, 1] + rng.normal(0, 0.012, m), rng.uniform(west, east, m)).round(6)
        inside = wards.assign(la, lo) >= 0
        lat, lon = np.concatenate([lat, la[inside]]), np.concatenate([lon, lo[inside]])
    lat, lon = lat[:n], lon[:n]
    index = wards.assign(lat, lon)
    cells = cell_columns(lat, lon)
    # one street per resolution-10 hexagon (~0.015 km²), so a resolution-9 hexagon has a handful, as in life
    street = np.array([f"On or near Street {c % 20_000}" for c in cells["h3_r10"].tolist()], dtype=object)
    columns = {
        "pi": np.arange(n, dtype=np.int64),
        "lat": lat,
        "lon": lon,
        "ward_code": np.asarray(wards.codes, dtype=object)[index],
        "district": np.asarray(wards.districts, dtype=object)[index],
        "street": street,
        **cells,
    }
    return pa.table(columns)


def layer_mix() -> pa.Table:
    """10,000 rows (one per draw ``u`` in 0..9,999): the layer and category of an incident drawn ``u``."""
    shares = {CRIME: 1 - sum(LAYER_SHARES.values()), **LAYER_SHARES}
    rows: list[tuple[str, str]] = []
    for layer_id, share in shares.items():
        categories = list(config.layers()[layer_id].categories)
        slots = round(share * 10_000)
        rows += [(layer_id, categories[i % len(categories)]) for i in range(slots)]
    rows = (rows + rows[-1:] * 10_000)[:10_000]
    return pa.table({"u": np.arange(10_000), "layer": [r[0] for r in rows], "category": [r[1] for r in rows]})


def build(path: Path, n: int, seed: int = 13, per_point: int = 20) -> float:
    """Write an ``n``-incident store at ``path`` (see the module docstring), with a distinct map point per
    ``per_point`` incidents (at least 50,000); returns the seconds taken."""
    started = time.perf_counter()
    pool = point_pool(max(50_000, n // per_point), seed)
    meta = {CELL_INDEXING_KEY: CELL_INDEXING}
    mix = layer_mix()
    write_drawn_incidents(Store(path), n, pool, mix, months=MONTHS, first_month=FIRST_MONTH, meta=meta)
    return time.perf_counter() - started


#: The child measuring one command; its peak is read by :func:`bench.memory.peak_rss` (why: see there).
_CHILD = """
import contextlib, io, json, sys, time
started = time.perf_counter()
import cli
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main(sys.argv[1:])
from bench.memory import peak_rss
print("\\nRESULT " + json.dumps({"code": code, "seconds": time.perf_counter() - started, "peak": peak_rss()}))
"""


def run_command(args: list[str]) -> dict:
    """Seconds (including the interpreter's imports), peak RSS (bytes) and exit code of one command."""
    command = [sys.executable, "-c", _CHILD, *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0 or "RESULT " not in done.stdout:
        return {"code": done.returncode, "seconds": float("nan"), "peak": 0, "error": done.stderr[-500:]}
    result = json.loads(done.stdout.rsplit("RESULT ", 1)[1])
    if result["code"] != 0:
        result["error"] = done.stderr[-500:]
    return result


def first_paint(store: Path, log: Path, entry: str = "serve.py") -> dict:
    """Seconds from asking the answering server for the app to the Map's first hexagons, and the server's
    peak RSS; the browser is started before the clock. ``entry`` is the file ``streamlit run`` serves."""
    from playwright.sync_api import sync_playwright

    from tests import browser_support as bs

    chromium = bs.require_chromium()
    if chromium is None:
        return {"seconds": float("nan"), "peak": 0, "error": "no Chromium"}
    with bs.app_server(store, log, entry=entry) as url, sync_playwright() as p:
        browser = bs.launch(p, chromium)  # started before the clock: a person's browser is already open
        try:
            page = browser.new_page()
            asked = time.perf_counter()
            bs.open_map(page, url)
            seconds = time.perf_counter() - asked
        finally:
            browser.close()
        return {"seconds": seconds, "peak": _server_peak(url)}


def _server_peak(url: str) -> int:
    """Peak RSS (bytes) of the streamlit process serving ``url`` (found by its port)."""
    port = url.rsplit(":", 1)[1]
    for pid in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"streamlit" in b" ".join(cmdline) and port.encode() in cmdline:
                return peak_rss(pid)
        except (OSError, ValueError):
            continue
    return 0


def latest_quarter(store: Store) -> str:
    """The latest quarter whose three months the store holds, as ``YYYYQn``."""
    span = date_range(store)
    assert span is not None
    last = span[1]
    quarter = (last.month - 1) // 3
    return f"{last.year}Q{quarter + 1}" if last.month % 3 == 0 else f"{last.year}Q{quarter}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--no-app", action="store_true", help="skip the app's first paint")
    parser.add_argument("--keep", type=Path, help="build the stores in this folder and keep them")
    parser.add_argument("--only", nargs="+", choices=[*COMMANDS, "first paint"], help="measure only these")
    parser.add_argument("--reuse", action="store_true", help="measure the stores kept in --keep, unbuilt")
    parser.add_argument(
        "--per-point",
        type=int,
        default=20,
        help="incidents per distinct map point (default 20, police.uk-like; 1: every incident its own point)",
    )
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="hotspots-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    measures = args.only or [*COMMANDS, *([] if args.no_app else ["first paint"])]
    results: dict[int, dict[str, dict]] = {}
    for n in args.sizes:
        path = folder / f"scale-{n}.duckdb"
        if not (args.reuse and path.exists()):
            path.unlink(missing_ok=True)
            seconds = build(path, n, per_point=args.per_point)
            print(f"\n{n:,} incidents: store built in {seconds:.0f} s", flush=True)
        print(f"{n:,} incidents: {path.stat().st_size / 2**20:,.0f} MB on disk", flush=True)
        period = latest_quarter(Store(path))
        # the first command on a new store also works out and stores the study grids: once, not per command
        warm = run_command(COMMANDS["summary"][:-1] + [str(path)])
        print(f"  first command (stores the study grids): {warm['seconds']:.1f} s", flush=True)
        results[n] = {}
        for name in measures:
            if name == "first paint":  # before the reload, which changes the store
                result = first_paint(path, folder / f"streamlit-{n}.log")
            else:
                fill = {"store": str(path), "out": str(folder / f"packs-{n}"), "period": period}
                result = run_command([a.format(**fill) for a in COMMANDS[name]])
            results[n][name] = result
            base = results[args.sizes[0]][name]
            ratio = result["seconds"] / base["seconds"] if base["seconds"] else float("nan")
            note = f"  FAILED: {result['error'].strip().splitlines()[-1]}" if result.get("error") else ""
            print(
                f"  {name:12s} {result['seconds']:7.1f} s  peak {result['peak'] / 2**20:7,.0f} MB"
                f"  (x{ratio:.1f} the time at {args.sizes[0]:,}){note}",
                flush=True,
            )
        if args.keep is None:
            path.unlink(missing_ok=True)
            Path(f"{path}.wal").unlink(missing_ok=True)
    print("\nsize        " + "".join(f"{m:>22s}" for m in measures))
    for n, row in results.items():
        cells = "".join(f"{row[m]['seconds']:>9.1f} s {row[m]['peak'] / 2**20:>6,.0f} MB" for m in measures)
        print(f"{n:>10,}  {cells}")


if __name__ == "__main__":
    main()
