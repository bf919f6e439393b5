"""The analyses run on the store: hot spots and action-day locations, one function each, shared by
every page, pack and command so that they all read the same rows the same way.

Each reads its frames on one store connection (store/), then runs the pure maths (geo/).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from config.action_days import PickerDefaults
from geo.action_days import (
    ActionPlan,
    Weight,
    apply_weights,
    automatic_window,
    checked_weights,
    counted_by_month,
    make_plan,
    window_choices,
    window_period,
)
from geo.boundaries import Wards
from geo.coverage import Coverage
from geo.grid import StudyGrid
from geo.harm import Weights
from geo.hotspots import HotspotResult, analyse, month_bounds, trend_slices
from geo.rates import Period
from geo.trends import Frequency
from store import Store
from store.queries import Filters, categories, cell_months, cell_streets, located_incidents, monthly


def hotspots_from_store(
    store: Store,
    filters: Filters,
    grid: StudyGrid,
    *,
    first: pd.Period,
    last: pd.Period,
    k: int = 1,
    weights: Weights | None = None,
    trend_freq: Frequency = "month",
    trend_n: int = 12,
    streets: bool = True,
) -> HotspotResult:
    """Read what :func:`analyse` needs for the filters and run it: the path every page and command takes.

    ``filters`` choose layers, categories and place (their dates are replaced by the windows); ``grid``
    must cover the same place. The trend window ends at ``last`` and holds only slices with data for
    every layer chosen (see :func:`trend_slices`).
    """
    with store.reading():  # the three reads on one connection, released before the analysis
        coverage = Coverage.from_frame(store.coverage())
        trend = trend_slices(last, coverage, filters.layers, freq=trend_freq, n=trend_n)
        start = first if trend is None else min(first, trend[0].asfreq("M", how="start"))
        frame = cell_months(store, filters.shifted(*month_bounds(start, last)), grid.res)
        window = filters.shifted(*month_bounds(first, last))
        names = cell_streets(store, window, grid.res) if streets else None
    return analyse(frame, grid, first=first, last=last, k=k, weights=weights, trend=trend, streets=names)


def weighted_incidents(
    store: Store,
    weights: tuple[Weight, ...],
    *,
    period: Period,
    resolution: int,
    district: str | None = None,
    ward: str | None = None,
) -> pd.DataFrame:
    """The incidents that count (action-day rule 1) in the area and window, each with its cell at
    ``resolution``."""
    layers = tuple(sorted({w.layer for w in weights}))
    filters = Filters(layers=layers, start=period.start, end=period.end, district=district, ward=ward)
    return apply_weights(located_incidents(store, filters, resolution), weights)


def automatic_months(
    store: Store,
    weights: tuple[Weight, ...],
    defaults: PickerDefaults,
    *,
    last: date,
    first: date,
    district: str | None = None,
    ward: str | None = None,
) -> int:
    """The action-day window "Automatic", for the page and ``hotspots action-days`` alike: the shortest of
    the windows offered (:func:`geo.action_days.window_choices`) ending with ``last``'s month that holds at
    least ``enough_incidents`` incidents counting for ``weights`` in the area (a district, a ward code, or
    neither: the borough), else the longest; ``first`` is the first month with data. The incidents are
    counted as the plan counts them (rule 6's kept weights). With no weights, the file's default window.
    """
    if not weights:
        return defaults.window_months
    windows = window_choices(defaults)
    longest = window_period(last, max(windows), first)
    with store.reading():
        kept = checked_weights(weights, categories(store)).weights
        layers = tuple(sorted({w.layer for w in kept}))
        filters = Filters(layers=layers, start=longest.start, end=longest.end, district=district, ward=ward)
        counted = counted_by_month(monthly(store, filters, by=("layer", "category")), kept)
    return automatic_window(counted, last, windows, defaults.enough_incidents)


def plan(
    store: Store,
    wards: Wards,
    *,
    weights: tuple[Weight, ...],
    weights_name: str,
    period: Period,
    n: int,
    min_distance_m: float,
    resolution: int,
    district: str | None = None,
    ward: str | None = None,
) -> ActionPlan:
    """The action-day picker (:func:`geo.action_days.make_plan`) on the store, for a district, a ward
    (code), or (neither) the whole borough: the same for the page, the command and the packs."""
    with store.reading():
        checked = checked_weights(weights, categories(store))
        incidents = weighted_incidents(
            store, checked.weights, period=period, resolution=resolution, district=district, ward=ward
        )
    return make_plan(
        incidents,
        wards,
        checked=checked,
        weights_name=weights_name,
        period=period,
        n=n,
        min_distance_m=min_distance_m,
        district=district,
        ward=ward,
    )
