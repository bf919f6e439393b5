"""``hotspots action-days``: the top N places for an action day in a district or ward."""

from __future__ import annotations

import argparse
from datetime import date

import config
from briefing.analyses import automatic_months, plan
from briefing.places import find_ward
from cli.common import add_command, existing_store, print_json
from geo.action_days import ActionPlan, describe_weights, layer_weights, window_choices, window_period
from geo.coverage import Coverage
from geo.rates import month_start
from layers.ingest import current_wards


def register(subparsers: argparse._SubParsersAction) -> None:
    settings = config.action_presets()
    defaults, presets = settings.picker, settings.presets
    p = add_command(
        subparsers,
        "action-days",
        run,
        description="Rank small places (H3 cells) by weighted incident count over the last months and return "
        "the top N, at least a set distance apart, each with a street name, ward and the reason it was "
        "chosen. Presets and defaults: data/action_presets.toml.",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--district", help="district name (default: the whole borough)")
    where.add_argument("--ward", help="ward name or code")
    p.add_argument(
        "--preset", choices=list(presets), default=next(iter(presets)), help="layer weights preset"
    )
    p.add_argument(
        "--weights",
        metavar="LAYER=W,...",
        help="custom weights per layer instead of a preset, e.g. crime=1,asb=2",
    )
    windows = window_choices(defaults)
    p.add_argument(
        "--months",
        type=int,
        help="window length in months (default: automatic, as on the page - the shortest of "
        f"{', '.join(map(str, windows))} months holding at least {defaults.enough_incidents:,} incidents "
        "that count, else the longest)",
    )
    p.add_argument("--end", metavar="YYYY-MM", help="last month of the window (default: last month of data)")
    p.add_argument("--n", type=int, default=defaults.n, help="number of locations (default %(default)s)")
    p.add_argument(
        "--min-distance",
        type=float,
        default=defaults.min_distance_m,
        metavar="METRES",
        help="minimum distance between locations (default %(default)s)",
    )


def _parse_weights(text: str) -> dict[str, float]:
    known = config.layers()
    out: dict[str, float] = {}
    for part in text.split(","):
        layer, sep, value = part.partition("=")
        layer = layer.strip()
        if not sep or layer not in known:
            raise ValueError(
                f"--weights wants LAYER=NUMBER pairs with layers from {', '.join(known)}; got {part!r}"
            )
        out[layer] = float(value)
    return out


def plan_record(result: ActionPlan, *, synthetic: bool, automatic: bool) -> dict:
    """JSON-ready answer (the CLI's --json output); ``automatic``: the window was chosen automatically."""
    period = result.period
    return {
        "synthetic": synthetic,
        "area": result.area_name,
        "preset": result.weights_name,
        "weights": [{"layer": w.layer, "category": w.category, "weight": w.weight} for w in result.weights],
        "period": {"first": period.start, "last": period.end, "months": period.months, "label": period.label},
        "window": "automatic" if automatic else "chosen",
        "basis": result.basis,
        "min_distance_m": result.min_distance_m,
        "not_measured": list(result.unmeasured),
        "layers_left_out": list(result.left_out),
        "too_few_incidents": result.too_few or None,
        "incidents_counted": result.counted,
        "locations": [
            {
                "rank": loc.rank,
                "lat": loc.lat,
                "lon": loc.lon,
                "street": loc.street,
                "ward": loc.ward_name,
                "ward_code": loc.ward_code,
                "district": loc.district,
                "score": loc.score,
                "incidents": loc.incidents,
                "counts": loc.counts,
                "why": loc.why,
                "h3_cell": loc.cell,
            }
            for loc in result.locations
        ],
    }


def run(args: argparse.Namespace) -> int:
    store = existing_store(args)
    coverage = Coverage.from_frame(store.coverage())
    first, latest = coverage.earliest(), coverage.latest()
    if first is None or latest is None:
        raise ValueError("the store holds no data")
    if args.months is not None and args.months < 1:
        raise ValueError("--months must be at least 1")
    settings = config.action_presets()
    defaults, presets = settings.picker, settings.presets
    wards = current_wards(store)
    last = month_start(date.fromisoformat(args.end + "-01")) if args.end else latest
    if last < first:
        raise ValueError(f"--end {args.end} is before the first month of data ({first:%Y-%m})")
    if args.weights:
        weights, name = layer_weights(_parse_weights(args.weights)), "Custom"
    else:
        weights, name = presets[args.preset].weights, presets[args.preset].label
    ward = find_ward(wards, args.ward) if args.ward else None
    months = args.months or automatic_months(
        store, weights, defaults, last=last, first=first, district=args.district, ward=ward
    )
    period = window_period(last, months, first)
    result = plan(
        store,
        wards,
        weights=weights,
        weights_name=name,
        period=period,
        n=args.n,
        min_distance_m=args.min_distance,
        resolution=defaults.resolution,
        district=args.district,
        ward=ward,
    )
    synthetic = bool(store.synthetic_layers())
    if args.json:
        print_json(plan_record(result, synthetic=synthetic, automatic=args.months is None))
        return 0
    if synthetic:
        print(config.SYNTHETIC_LABEL)
    counted = describe_weights(result.weights)
    print(f"Action-day locations in {result.area_name}, {period.label}; {name}: {counted}")
    print(f"  {result.basis}")
    if args.months is None:
        offered = ", ".join(map(str, window_choices(defaults)))
        print(
            f"  (Window chosen automatically: the shortest of {offered} months holding at least "
            f"{defaults.enough_incidents:,} of them, else the longest; --months N sets it.)"
        )
    for note in (*result.unmeasured, *result.left_out):
        print(f"  ({note})")
    for loc in result.locations:
        street = loc.street or "(no street name)"
        print(f"{loc.rank:>2}. {street}, {loc.ward_name}  ({loc.lat:.5f}, {loc.lon:.5f})")
        print(f"    {loc.why}")
    if not result.locations:
        print(result.too_few or "No incidents matched in that area and window.")
    return 0
