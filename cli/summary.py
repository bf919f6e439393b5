"""``hotspots summary``: counts per layer, district and ward for the current store."""

from __future__ import annotations

import argparse

import config
from cli.common import add_command, existing_store, print_json
from layers.ingest import current_wards
from store import Store
from store.queries import Filters, counts, date_range


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(subparsers, "summary", run)


def summarise(store: Store) -> dict:
    """The store's counts as a JSON-ready dict: what ``--json`` prints, and what the text is made from."""
    wards = current_wards(store)
    by = counts(store, Filters(), by=("layer", "district", "ward_code"))
    span = date_range(store)
    layer_ids = list(config.layers())

    def per_layer(frame) -> dict:
        totals = frame.groupby("layer")["n"].sum()
        out = {lid: int(totals.get(lid, 0)) for lid in layer_ids}
        out["total"] = int(frame["n"].sum())
        return out

    return {
        "store": str(store.path),
        "synthetic_layers": store.synthetic_layers(),
        "first_date": span[0] if span else None,
        "last_date": span[1] if span else None,
        "layers": per_layer(by),
        "districts": {d: per_layer(by[by["district"] == d]) for d in wards.district_names},
        "wards": {
            code: {"name": wards.name_by_code[code], "district": wards.district_by_code[code]}
            | per_layer(by[by["ward_code"] == code])
            for code in wards.wards_in(None)
        },
    }


def run(args: argparse.Namespace) -> int:
    data = summarise(existing_store(args))
    if args.json:
        print_json(data)
        return 0
    print(f"{data['store']}  ({data['first_date']} to {data['last_date']})")
    if data["synthetic_layers"]:
        print(f"  {config.SYNTHETIC_LABEL}: {', '.join(data['synthetic_layers'])}")
    for layer, n in data["layers"].items():
        print(f"  {layer:16} {n:>9,}")
    for district, row in data["districts"].items():
        print(f"  {district:24} {row['total']:>9,}")
    return 0
