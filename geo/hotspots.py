"""Hotspot analysis end to end: counts per cell and month -> cell values -> Gi* -> trend classes -> one table.

This is the single code path behind the Hotspots page, the ``hotspots hotspots`` command, the Clear Hold
Build register and the briefing packs, so they can never disagree. Everything here is pure: the counts
come in as frames (read by ``store.queries.cell_months`` and ``cell_streets``, the same filtered reads
every page uses), and ``briefing.analyses.hotspots_from_store`` is the one function that reads them and
calls :func:`analyse`.

Windows are whole calendar months (``pd.Period``): police.uk publishes months, and trend slices are
months or quarters, so a map window and a trend window always line up with the stored data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

import config
from geo.coverage import Coverage
from geo.evaluation import compare, to_metres
from geo.gistar import GiStar, class_labels, gi_star
from geo.grid import StudyGrid, cell_centres
from geo.harm import Weights, harm_values, unweighted_categories
from geo.hexgrid import cells_geojson
from geo.rates import Period
from geo.trends import MIN_SLICES, Frequency, emerging_hot_spots, slice_positions, time_slices

#: Columns of the frame the analysis works from (one row per cell, month, layer and category).
COUNT_COLUMNS = ("cell", "month", "layer", "category", "n")


def month_bounds(first: pd.Period, last: pd.Period) -> tuple[date, date]:
    """First day of ``first`` and last day of ``last``: the inclusive date range of a month window."""
    return first.asfreq("M").start_time.date(), last.asfreq("M").end_time.date()


def most_common_street(streets: pd.DataFrame, grid: StudyGrid) -> np.ndarray:
    """The street named most often in each cell's records ('' when none); ties go to the first A-Z."""
    out = np.full(len(grid), "", dtype=object)
    named = streets[streets["street"].notna() & (streets["street"].astype(str).str.strip() != "")]
    if named.empty:
        return out
    top = named.sort_values(["cell", "n", "street"], ascending=[True, False, True]).drop_duplicates("cell")
    pos = grid.index_of(top["cell"].to_numpy())
    keep = pos >= 0
    out[pos[keep]] = top["street"].to_numpy(dtype=object)[keep]
    return out


def _in_months(frame: pd.DataFrame, first: pd.Period, last: pd.Period) -> pd.DataFrame:
    months = pd.PeriodIndex(pd.to_datetime(frame["month"]), freq="M")
    return frame[(months >= first.asfreq("M")) & (months <= last.asfreq("M"))]


def row_values(frame: pd.DataFrame, weights: Weights | None) -> np.ndarray:
    """Each row's contribution: its count, or its harm-weighted count when ``weights`` are given."""
    return frame["n"].to_numpy(dtype=float) if weights is None else harm_values(frame, weights)


def cell_values(frame: pd.DataFrame, grid: StudyGrid, weights: Weights | None = None) -> np.ndarray:
    """Total (weighted) count per grid cell; rows in cells outside the grid are left out."""
    pos = grid.index_of(frame["cell"].to_numpy())
    keep = pos >= 0
    return np.bincount(pos[keep], weights=row_values(frame, weights)[keep], minlength=len(grid))


def slice_values(
    frame: pd.DataFrame, grid: StudyGrid, slices: pd.PeriodIndex, weights: Weights | None = None
) -> np.ndarray:
    """(cells, slices) array of (weighted) counts; rows outside the grid or the slices are left out."""
    pos = grid.index_of(frame["cell"].to_numpy())
    t = slice_positions(frame["month"], slices)
    keep = (pos >= 0) & (t >= 0)
    n_slices = len(slices)
    flat = np.bincount(
        pos[keep] * n_slices + t[keep],
        weights=row_values(frame, weights)[keep],
        minlength=len(grid) * n_slices,
    )
    return flat.reshape(len(grid), n_slices)


def layer_counts(frame: pd.DataFrame, grid: StudyGrid) -> pd.DataFrame:
    """Incidents per grid cell and layer (columns = layer ids in the data file's order, then any others)."""
    pos = grid.index_of(frame["cell"].to_numpy())
    keep = pos >= 0
    known = list(config.layers())
    present = sorted(set(frame["layer"]) - set(known))
    table = pd.DataFrame(0, index=np.arange(len(grid)), columns=[*known, *present], dtype=np.int64)
    if keep.any():
        sums = pd.DataFrame(
            {"pos": pos[keep], "layer": frame["layer"].to_numpy()[keep], "n": frame["n"].to_numpy()[keep]}
        )
        wide = sums.groupby(["pos", "layer"])["n"].sum().unstack(fill_value=0)
        table.loc[wide.index, wide.columns] = wide.to_numpy(dtype=np.int64)
    return table


def trend_slices(
    end: pd.Period,
    coverage: Coverage,
    layers: Iterable[str] | None = None,
    *,
    freq: Frequency = "month",
    n: int = 12,
) -> pd.PeriodIndex | None:
    """The trend window: up to ``n`` slices ending at ``end``, each one fully covered by data.

    A slice with a month nobody loaded would read as "nothing happened" and fake a falling (or, before
    the data begins, rising) trend, so the window is the unbroken run of fully covered slices ending at
    ``end`` (for every one of ``layers``); None when fewer than the minimum number of slices remain.
    """
    layers = None if layers is None else list(layers)
    slices = time_slices(end, freq=freq, n=n)
    complete = [
        coverage.covers(Period(s.start_time.date(), s.end_time.date()), layers) for s in slices
    ]
    run = 0
    while run < len(slices) and complete[len(slices) - 1 - run]:
        run += 1
    slices = slices[len(slices) - run :]
    return slices if len(slices) >= MIN_SLICES else None


@dataclass(frozen=True)
class HotspotResult:
    """One hotspot run: the per-cell table plus what it was computed from."""

    table: pd.DataFrame
    grid: StudyGrid
    k: int
    first: pd.Period
    last: pd.Period
    weighted: bool
    trend_slices: pd.PeriodIndex | None
    #: incidents in the window whose cell is not in the grid (e.g. loaded against other boundaries)
    outside: int
    #: the Gi* results behind the table's z, p and classes (significance at other levels: :meth:`hot_at`)
    gi: GiStar
    #: incidents in the window inside the grid, and the fewest hot spots are looked for with
    #: (``[hotspots] min_incidents`` in data/settings.toml): below it every cell is "Not significant"
    incidents: int
    min_incidents: int
    #: (layer, category) pairs counted at weight 1 because the weights do not list them
    unweighted: list[tuple[str, str]] = field(default_factory=list)

    @property
    def too_few(self) -> bool:
        """True when the window holds too few incidents to look for hot spots at all."""
        return self.incidents < self.min_incidents

    @property
    def too_few_message(self) -> str:
        """What a page or pack says instead of hot spots when :attr:`too_few` ('' otherwise).

        It gives the threshold, never the count: a public pack must not print a count under 5.
        """
        if not self.too_few:
            return ""
        return (
            f"Too few incidents to find hot spots: fewer than {self.min_incidents:,} "
            "in this place and these months."
        )

    def hot_cells(self, min_confidence: int = 1) -> pd.DataFrame:
        """Hot cells at or above a confidence band (1 = 90%, 2 = 95%, 3 = 99%), hottest first."""
        hot = self.table[self.table["class_code"] >= min_confidence]
        return hot.sort_values(["class_code", "z", "value"], ascending=False, kind="mergesort")

    def hot_at(self, alpha: float) -> np.ndarray:
        """Per cell: a significant hot spot at false-discovery level ``alpha`` under the rules behind the
        classes (never a cell with no incidents; none at all when :attr:`too_few`)."""
        return np.zeros(len(self.grid), dtype=bool) if self.too_few else self.gi.hot(alpha)


def analyse(
    frame: pd.DataFrame,
    grid: StudyGrid,
    *,
    first: pd.Period,
    last: pd.Period,
    k: int = 1,
    weights: Weights | None = None,
    trend: pd.PeriodIndex | None = None,
    streets: pd.DataFrame | None = None,
) -> HotspotResult:
    """Gi* over the months ``first``..``last`` and (when ``trend`` slices are given) trend classes.

    ``frame`` has :data:`COUNT_COLUMNS` and must cover both windows. The table has one row per grid cell,
    in grid order: ``h3, ward_code, ward, district, count, value, z, p, p_fdr, class_code, class``, one
    count column per layer, ``street`` when ``streets`` are given, and the trend columns of
    :meth:`geo.trends.EmergingHotSpots.table` when ``trend`` is given (``trend`` is '' otherwise).

    The evidence a class needs is ``[hotspots]`` in data/settings.toml: p-values from that many
    conditional permutations (:mod:`geo.gistar`), no hot spot in a cell without incidents, and when the
    window holds fewer than ``min_incidents`` incidents in the grid no class at all - every cell "Not
    significant" and :attr:`HotspotResult.too_few_message` says why. z, p and p_fdr stay as computed.
    """
    window = _in_months(frame, first, last)
    neighbours = grid.neighbours(k)
    counts_per_cell = cell_values(window, grid)
    values = counts_per_cell if weights is None else cell_values(window, grid, weights)
    interior = grid.interior(k)
    evidence = config.hotspot_settings()
    result = gi_star(
        values, neighbours, cold_allowed=interior, permutations=evidence.permutations, seed=evidence.seed
    )
    incidents = int(round(counts_per_cell.sum()))
    bins = result.bins if incidents >= evidence.min_incidents else np.zeros_like(result.bins)
    table = pd.DataFrame(
        {
            "h3": grid.ids,
            "ward_code": grid.ward_codes,
            "ward": grid.ward_names,
            "district": grid.districts,
            "count": counts_per_cell.round().astype(np.int64),
            "value": values,
            "z": result.z,
            "p": result.p,
            "p_fdr": result.p_fdr,
            "class_code": bins.astype(int),
            "class": class_labels(bins),
        }
    )
    table = pd.concat([table, layer_counts(window, grid).add_prefix("n_")], axis=1)
    if streets is not None:
        table["street"] = most_common_street(streets, grid)
    if trend is not None:
        emerging = emerging_hot_spots(
            slice_values(frame, grid, trend, weights), neighbours, trend, cold_allowed=interior
        )
        table = pd.concat([table, emerging.table()], axis=1)
    else:
        table["trend"] = ""
    inside = grid.index_of(window["cell"].to_numpy()) >= 0
    return HotspotResult(
        table=table,
        grid=grid,
        k=k,
        first=first,
        last=last,
        weighted=weights is not None,
        trend_slices=trend,
        outside=int(window["n"].to_numpy()[~inside].sum()),
        gi=result,
        incidents=incidents,
        min_incidents=evidence.min_incidents,
        unweighted=[] if weights is None else unweighted_categories(window, weights),
    )


def default_window(
    coverage: Coverage, months: int = 12, layers: Iterable[str] | None = None
) -> tuple[pd.Period, pd.Period] | None:
    """The ``months`` whole months ending with the latest month of data for ``layers`` (None when none)."""
    window = coverage.latest_window(months, layers)
    if window is None:
        return None
    return pd.Period(window.start, freq="M"), pd.Period(window.end, freq="M")


#: Table columns written to JSON and GeoJSON (plus the per-layer ``n_`` columns and optional ones).
EXPORT_COLUMNS = (
    "h3",
    "ward_code",
    "ward",
    "district",
    "count",
    "value",
    "z",
    "p",
    "p_fdr",
    "class",
    "trend",
)


def export_records(table: pd.DataFrame) -> list[dict]:
    """JSON-ready dicts, one per cell, with plain Python numbers."""
    cols = [c for c in table.columns if c in EXPORT_COLUMNS or c.startswith("n_") or c == "street"]
    records = table[cols].to_dict(orient="records")
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()} for rec in records]


def to_geojson(table: pd.DataFrame, *, metadata: dict | None = None) -> dict:
    """GeoJSON FeatureCollection of the table's cells (hexagon polygons, EPSG:4326) with their results."""
    collection = cells_geojson((int(h, 16) for h in table["h3"]), export_records(table))
    if metadata:
        collection["metadata"] = metadata
    return collection


def evaluate(
    frame: pd.DataFrame,
    fine: pd.DataFrame,
    grid: StudyGrid,
    *,
    train: tuple[pd.Period, pd.Period],
    test: tuple[pd.Period, pd.Period],
    k: int = 1,
    weights: Weights | None = None,
    bandwidth_m: float | None = None,
) -> pd.DataFrame:
    """Hit rate and PAI of Gi* and the two baselines (see :mod:`geo.evaluation`) on one split.

    ``frame`` holds counts at the grid's resolution and ``fine`` the same filters at the finest resolution
    (both :data:`COUNT_COLUMNS`, covering both windows); ``fine`` locates incidents for the kernel density.
    """
    if train[1] >= test[0]:
        raise ValueError("the test window must start after the training window ends")
    train_values = cell_values(_in_months(frame, *train), grid, weights)
    test_values = cell_values(_in_months(frame, *test), grid, weights)
    fine_train = _in_months(fine, *train)
    sources = (
        fine_train.assign(value=row_values(fine_train, weights)).groupby("cell", sort=True)["value"].sum()
    )
    lat, lon = cell_centres(sources.index.to_numpy(dtype=np.uint64))
    return compare(
        grid,
        train_values,
        test_values,
        k=k,
        kde_source_xy=to_metres(lat, lon),
        kde_source_weight=sources.to_numpy(),
        bandwidth_m=bandwidth_m,
    )
