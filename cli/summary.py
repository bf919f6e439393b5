"""``hotspots summary``: counts per layer, district and ward for the current store, and casualties per year.

Casualties are shown as recorded (the police-recorded severity) and, where every casualty row loaded
carries DfT's adjusted-severity columns, as DfT's adjusted estimate beside it, each clearly named: the
partnership's KSI target is quoted in one or the other, and the two differ for years and forces before
injury-based recording.
"""

from __future__ import annotations

import argparse

import config
from cli.common import add_command, existing_store, print_json
from geo.coverage import Coverage
from geo.measurable import combinable
from geo.rates import Period, months_between
from layers.ingest import current_wards
from layers.stats19 import ADJUSTED_ATTRIBUTE, ADJUSTED_LABEL, RECORDED_LABEL
from store import Store
from store.queries import Filters, casualties_by_year, counts, date_range


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(subparsers, "summary", run)


def summarise(store: Store) -> dict:
    """The store's counts as a JSON-ready dict: what ``--json`` prints, and what the text is made from."""
    wards = current_wards(store)
    by = counts(store, Filters(), by=("layer", "district", "ward_code"))
    span = date_range(store)
    layer_ids = list(config.layers())
    # a total adds layers, so a layer holding the same reports as another is counted once (geo.measurable)
    added, left_out = combinable([*layer_ids, *by["layer"]], set(by["layer"]))

    def per_layer(frame) -> dict:
        totals = frame.groupby("layer")["n"].sum()
        out = {lid: int(totals.get(lid, 0)) for lid in layer_ids}
        out["total"] = int(frame.loc[frame["layer"].isin(added), "n"].sum())
        return out

    return {
        "store": str(store.path),
        "casualties": casualty_years(store),
        "synthetic_layers": store.synthetic_layers(),
        "first_date": span[0] if span else None,
        "last_date": span[1] if span else None,
        "months_with_data": months_with_data(store),
        "layers": per_layer(by),
        "total_leaves_out": list(left_out),
        "districts": {d: per_layer(by[by["district"] == d]) for d in wards.district_names},
        "wards": {
            code: {"name": wards.name_by_code[code], "district": wards.district_by_code[code]}
            | per_layer(by[by["ward_code"] == code])
            for code in wards.wards_in(None)
        },
    }


def months_with_data(store: Store) -> dict[str, dict]:
    """Per layer: the months loaded (first, latest, how many) and the months missing in between, so a
    gap is seen as "no data" before any figure is read as zero."""
    coverage = Coverage.from_frame(store.coverage())
    out = {}
    for lid in coverage.layers:
        first, latest = coverage.earliest([lid]), coverage.latest([lid])
        span = Period.of_months(first, latest)
        covered = coverage.covered_months(span, [lid])
        out[lid] = {
            "first": f"{first:%Y-%m}",
            "latest": f"{latest:%Y-%m}",
            "months": len(covered),
            "missing": [f"{m:%Y-%m}" for m in months_between(first, latest) if m not in set(covered)],
        }
    return out


def casualty_years(store: Store) -> list[dict]:
    """Per layer, calendar year and kind of data (real or synthetic): casualties as recorded, and DfT's
    adjusted estimate (None unless every row of that year carries it, so it is never a partial sum)."""
    frame = casualties_by_year(store, ADJUSTED_ATTRIBUTE)
    years = frame.groupby(["layer", "year", "synthetic"], as_index=False)[
        ["casualties", "adjusted", "adjusted_rows", "rows"]
    ].sum()
    return [
        {
            "layer": r.layer,
            "year": int(r.year),
            "synthetic": bool(r.synthetic),
            "recorded": int(r.casualties),
            "adjusted": round(float(r.adjusted), 2) if r.adjusted_rows == r.rows else None,
        }
        for r in years.itertuples(index=False)
    ]


def _loaded(months: dict | None) -> str:
    """e.g. "14 months of data, 2024-01 to 2025-03 (1 missing: 2024-07)"."""
    if months is None:
        return "no data loaded"
    gaps = months["missing"]
    listed = ", ".join(gaps[:6]) + (", ..." if len(gaps) > 6 else "")
    missing = f" ({len(gaps):,} missing: {listed})" if gaps else ""
    n = months["months"]
    return f"{n:,} month{'s' if n != 1 else ''} of data, {months['first']} to {months['latest']}{missing}"


def run(args: argparse.Namespace) -> int:
    data = summarise(existing_store(args))
    if args.json:
        print_json(data)
        return 0
    print(f"{data['store']}  ({data['first_date']} to {data['last_date']})")
    if data["synthetic_layers"]:
        print(f"  {config.SYNTHETIC_LABEL}: {', '.join(data['synthetic_layers'])}")
    for layer, n in data["layers"].items():
        months = data["months_with_data"].get(layer)
        if layer != "total" and months is None:  # never loaded: not a count of zero
            print(f"  {layer:16} {'–':>9}  no data loaded")
            continue
        print(f"  {layer:16} {n:>9,}  {'' if layer == 'total' else _loaded(months)}")
    for note in data["total_leaves_out"]:
        print(f"  ({note})")
    for district, row in data["districts"].items():
        print(f"  {district:24} {row['total']:>9,}")
    for row in data["casualties"]:
        label = config.layers()[row["layer"]].label if row["layer"] in config.layers() else row["layer"]
        adjusted = "" if row["adjusted"] is None else f"; {ADJUSTED_LABEL} {row['adjusted']:,.1f}"
        synthetic = " (synthetic)" if row["synthetic"] else ""
        recorded = f"{row['recorded']:,} by {RECORDED_LABEL}"
        print(f"  {label} casualties{synthetic}, {row['year']}: {recorded}{adjusted}")
    return 0
