"""Clear Hold Build: find candidate areas in the data, read their phase, and build the register.

Why: the partnership runs Clear Hold Build (Home Office framework against serious and organised crime)
in places such as Ashbrow. Partners need the data to say *where* such places are (candidates), *which
phase* each is in, and, for areas they have designated, whether things improved and whether crime
moved next door (:mod:`geo.monitoring`). Every threshold and rule lives in ``data/chb.toml``.

The rules, written down:

1. **Indicators.** Only the indicator crimes count (by default violence and sexual offences, possession
   of weapons, drugs and robbery).
2. **Window and slices.** The window is the last ``slices`` complete quarters (or months) of data; a
   quarter still in progress is left out so that it cannot look like a fall, and so is every slice with
   a month of no data, back to the latest such gap (:func:`geo.hotspots.trend_slices`); with fewer than
   :data:`geo.trends.MIN_SLICES` slices left there is no analysis.
3. **Hot cells.** On the study-area H3 grid (zero cells included), Gi* with binary k-ring weights is
   computed for the whole window and for every slice (:mod:`geo.gistar`, :mod:`geo.trends`). A cell is a
   *significant hot spot* when z > 0 and the Benjamini-Hochberg adjusted p-value ≤ ``alpha``, with the
   evidence rules of the Hotspots page: permutation p-values, never a cell without indicator crimes, and
   none over a window with fewer than ``[hotspots] min_incidents`` of them (data/settings.toml). A cell
   belongs to a candidate area when it is a significant hot spot over the whole window **or** in at
   least ``min_hot_slices`` slices, so an area that was hot for a while is still found after it cools.
4. **Candidates.** Such cells that touch (H3 neighbours) form one area. An area with at least
   ``min_cells`` cells and ``min_count`` indicator crimes over the window is a candidate. Its outline is
   the union of its cells; its name is the wards holding at least ``name_min_share`` of its crimes (and
   always the busiest), busiest first, with the most common street added when two candidates would
   share a name. Every ward it overlaps is listed beside the name.
5. **Area trend.** An area is *hot in a slice* when any of its cells is a significant hot spot in that
   slice, *cold* when none is hot and some cell is a significant cold spot. Its trend is the
   Mann-Kendall test on the mean Gi* z of its cells per slice. These feed the same emerging-hotspot
   classes as single cells (:func:`geo.trends.classify`).
6. **Phase.** The *recent trend* is the Mann-Kendall test on the area's indicator crimes over the last
   ``trend_slices`` slices: "up"/"down" when significant at ``alpha``, else "none". The ``[[phases]]``
   rules are tried in file order and the first that fits gives the phase; by default Clear for new/
   consecutive/intensifying/persistent hot spots that are not falling, Hold for diminishing/sporadic/
   oscillating ones, for hot ones whose crimes are falling significantly, and for ones that have only
   just cooled; Build for hot before but quiet in all the recent slices.
7. **Since.** Each rule says how its areas are dated: ``run_start`` - the first slice of the current
   unbroken hot run; ``after_peak`` - the slice after the busiest slice of that run (when the fall
   began); ``after_last_hot`` - the first slice after it was last hot. For a designated area: the date
   its current phase began, as entered by the user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import h3
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from config.chb import ChbSettings, PhaseRule, Signals
from geo.boundaries import Wards
from geo.coverage import Coverage, WindowCount
from geo.grid import StudyGrid
from geo.hexgrid import cells_outline
from geo.hotspots import analyse, slice_values, trend_slices
from geo.rates import add_months
from geo.trends import EmergingHotSpots, classify, emerging_hot_spots, mann_kendall

NO_RULE = "No rule fits"
#: Phase of a designated area before its first phase start date.
NOT_STARTED = "Not started"


# ---- the analysis -------------------------------------------------------------------------------------


def last_complete_slice(last_month: date, freq: str) -> pd.Period:
    """The latest month, or the latest quarter whose final month the data reaches (rule 2)."""
    month = pd.Period(last_month, freq="M")
    if freq == "month":
        return month
    quarter = month.asfreq("Q")
    return quarter if quarter.asfreq("M", how="end") == month else quarter - 1


@dataclass(frozen=True)
class AreaTrend:
    """Rule 5-7 for one area (a candidate's cells or a designated polygon's cells)."""

    hot: tuple[bool, ...]  # per slice
    counts: tuple[int, ...]  # indicator crimes per slice
    signals: Signals
    phase: str
    rule: PhaseRule | None
    since: date | None

    @property
    def trend(self) -> str:
        """The area's emerging-hotspot class."""
        return self.signals.trend


@dataclass(frozen=True)
class ChbAnalysis:
    """Gi* over the window and per slice on the indicator crimes: shared by candidates and designations."""

    settings: ChbSettings
    grid: StudyGrid
    slices: pd.PeriodIndex
    counts: pd.DataFrame  # cell, month, layer, category, n (the months analysed)
    streets: pd.DataFrame  # cell, street, n
    window_hot: np.ndarray  # bool per grid cell
    window_counts: np.ndarray  # indicator crimes per grid cell over the window
    slice_counts: np.ndarray  # (cells, slices) indicator crimes
    emerging: EmergingHotSpots
    coverage: Coverage  # the months loaded per layer, for the recent counts

    def area_trend(self, positions: np.ndarray) -> AreaTrend:
        """Rules 5-7 for the grid cells at ``positions``."""
        s = self.settings
        hot = self.emerging.hot[positions].any(axis=0)
        cold = self.emerging.cold[positions].any(axis=0) & ~hot
        mk = mann_kendall(self.emerging.z[positions].mean(axis=0)[None, :])
        counts = self.slice_counts[positions].sum(axis=0)
        recent = mann_kendall(counts[-s.trend_slices :][None, :])
        direction = (
            "none" if recent.p[0] > s.alpha or recent.s[0] == 0 else "up" if recent.s[0] > 0 else "down"
        )
        signals = Signals(
            trend=str(classify(hot[None, :], cold[None, :], mk, alpha=s.alpha)[0]),
            hot_latest=bool(hot[-1]),
            hot_recently=bool(hot[-s.recent_slices :].any()),
            recent_trend=direction,
        )
        rule = s.phase_for(signals)
        return AreaTrend(
            hot=tuple(bool(h) for h in hot),
            counts=tuple(int(round(c)) for c in counts),
            signals=signals,
            phase=rule.phase if rule else NO_RULE,
            rule=rule,
            since=_since(hot, counts, self.slices, rule.since if rule else None),
        )

    def recent_counts(self, positions: np.ndarray, months: int) -> WindowCount:
        """Indicator crimes in the cells over the ``months`` months to the latest month of data (the
        register's "as at" month, as for designated areas), over the months loaded for the indicator layers
        only, saying how many were not (:class:`geo.coverage.WindowCount`)."""
        frame = self.counts[self.counts["cell"].isin(self.grid.cells[positions])]
        monthly = frame.groupby("month")["n"].sum()
        return self.coverage.latest_count(monthly, months, list(self.settings.indicators))


def _since(hot: np.ndarray, counts: np.ndarray, slices: pd.PeriodIndex, how: str | None) -> date | None:
    """Rule 7: when the area's current state began, read the way the phase rule says
    (:data:`config.chb.SINCE`)."""
    if not hot.any():
        return None
    last_hot = int(np.flatnonzero(hot)[-1])
    if how == "after_last_hot" or not hot[-1]:
        return slices[min(last_hot + 1, len(slices) - 1)].start_time.date()
    breaks = np.flatnonzero(~hot)
    start = int(breaks[-1]) + 1 if breaks.size else 0
    if how == "after_peak":
        start = min(start + int(np.argmax(counts[start:])) + 1, len(slices) - 1)
    return slices[start].start_time.date()


def analysis_window(coverage: Coverage, settings: ChbSettings) -> tuple[pd.PeriodIndex, date, date] | None:
    """Rules 1-2: the trend slices, the latest month of indicator data and the first month to read; None
    when there are too few slices of data for a trend.

    The months read are the trend window and the 12 months to the latest (each area's "last 12 months"),
    so a long history costs no memory."""
    layers = list(settings.indicators)
    latest = coverage.latest(layers)
    if latest is None:
        return None
    end = last_complete_slice(latest, settings.slice)
    slices = trend_slices(end, coverage, layers, freq=settings.slice, n=settings.slices)
    if slices is None:
        return None
    return slices, latest, min(slices[0].start_time.date(), add_months(latest, -11))


def analyse_counts(
    frame: pd.DataFrame,
    streets: pd.DataFrame,
    grid: StudyGrid,
    slices: pd.PeriodIndex,
    settings: ChbSettings,
    coverage: Coverage,
) -> ChbAnalysis:
    """Rule 3 on the indicator crimes per cell and month (``frame``, from :func:`analysis_window`'s first
    month on) and per cell and street: Gi* over the window and in every slice. ``coverage`` is kept so
    each area's recent counts leave out the months nobody loaded."""
    first, last = slices[0].asfreq("M", how="start"), slices[-1].asfreq("M", how="end")
    whole = analyse(frame, grid, first=first, last=last, k=settings.k)
    per_slice = slice_values(frame, grid, slices)
    emerging = emerging_hot_spots(per_slice, grid.neighbours(settings.k), slices, alpha=settings.alpha)
    return ChbAnalysis(
        settings=settings,
        grid=grid,
        slices=slices,
        counts=frame,
        streets=streets,
        window_hot=whole.hot_at(settings.alpha),
        window_counts=whole.table["count"].to_numpy(),
        slice_counts=per_slice,
        emerging=emerging,
        coverage=coverage,
    )


# ---- candidates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A connected cluster of hot cells that passes the size and count thresholds (rule 4)."""

    id: str  # the cluster's smallest H3 cell: stable between runs on the same data
    name: str
    ward_codes: tuple[str, ...]
    ward_names: tuple[str, ...]
    districts: tuple[str, ...]
    cells: tuple[str, ...]
    outline: BaseGeometry
    centre: tuple[float, float]  # (lat, lon) of the outline's representative point
    window_total: int
    counts: dict[str, int]  # indicator category -> crimes over the window, largest first
    last_3: WindowCount
    last_12: WindowCount
    street: str
    status: AreaTrend

    @property
    def phase(self) -> str:
        return self.status.phase


def find_candidates(analysis: ChbAnalysis) -> list[Candidate]:
    """Rule 3-4 clusters with their names, counts and phases; largest window count first."""
    s = analysis.settings
    grid = analysis.grid
    member = analysis.window_hot | (analysis.emerging.hot.sum(axis=1) >= s.min_hot_slices)
    positions = np.flatnonzero(member)
    if positions.size == 0:
        return []
    touching = grid.neighbours(1)[positions][:, positions]
    _, labels = connected_components(touching, directed=False)
    window = analysis.counts[
        (analysis.counts["month"] >= analysis.slices[0].start_time)
        & (analysis.counts["month"] <= analysis.slices[-1].end_time)
    ]
    found: list[Candidate] = []
    for label in np.unique(labels):
        pos = positions[labels == label]
        total = int(analysis.window_counts[pos].sum())
        if pos.size < s.min_cells or total < s.min_count:
            continue
        found.append(_candidate(analysis, pos, window, total))
    found.sort(key=lambda c: (-c.window_total, c.id))
    return _disambiguate(found)


def _candidate(analysis: ChbAnalysis, pos: np.ndarray, window: pd.DataFrame, total: int) -> Candidate:
    grid = analysis.grid
    name_share = analysis.settings.name_min_share
    cells = grid.cells[pos]
    per_cell = analysis.window_counts[pos]
    ward_weight = pd.Series(per_cell, index=grid.ward_codes[pos]).groupby(level=0).sum()
    ward_order = sorted(ward_weight.index, key=lambda w: (-ward_weight[w], w))
    names = dict(zip(grid.ward_codes[pos], grid.ward_names[pos], strict=True))
    districts = dict(zip(grid.ward_codes[pos], grid.districts[pos], strict=True))
    in_cluster = window[window["cell"].isin(cells)]
    by_cat = in_cluster.groupby("category")["n"].sum()
    counts = {c: int(by_cat[c]) for c in sorted(by_cat.index, key=lambda c: (-by_cat[c], c))}
    streets = analysis.streets[analysis.streets["cell"].isin(cells)].dropna(subset=["street"])
    streets = streets[streets["street"].astype(str).str.strip() != ""]
    tally = streets.groupby("street")["n"].sum()
    street = sorted(tally.index, key=lambda st: (-tally[st], st))[0] if not tally.empty else ""
    outline = cells_outline(cells)
    point = outline.representative_point()
    return Candidate(
        id=h3.int_to_str(int(cells.min())),
        name=" / ".join(
            names[w] for w in ward_order if ward_weight[w] >= name_share * total or w == ward_order[0]
        ),
        ward_codes=tuple(ward_order),
        ward_names=tuple(names[w] for w in ward_order),
        districts=tuple(dict.fromkeys(districts[w] for w in ward_order)),
        cells=tuple(h3.int_to_str(int(c)) for c in sorted(cells.tolist())),
        outline=outline,
        centre=(point.y, point.x),
        window_total=total,
        counts=counts,
        last_3=analysis.recent_counts(pos, 3),
        last_12=analysis.recent_counts(pos, 12),
        street=street,
        status=analysis.area_trend(pos),
    )


def _disambiguate(found: list[Candidate]) -> list[Candidate]:
    """Add the most common street to names that two or more candidates share (rule 4)."""
    names = pd.Series([c.name for c in found])
    shared = set(names[names.duplicated(keep=False)])
    out = []
    for c in found:
        if c.name in shared and c.street:
            c = replace(c, name=f"{c.name} ({c.street})")
        out.append(c)
    return out


# ---- designated areas ---------------------------------------------------------------------------------


def cells_in(grid: StudyGrid, area: BaseGeometry) -> np.ndarray:
    """Grid positions of the cells whose centre lies in ``area``; for an area smaller than a cell, the
    cell holding its representative point (so every area has at least one cell when it is in the grid)."""
    lat, lon = grid.centres
    inside = np.flatnonzero(shapely.intersects_xy(area, lon, lat))
    if inside.size:
        return inside
    point = area.representative_point()
    cell = h3.str_to_int(h3.latlng_to_cell(point.y, point.x, grid.res))
    pos = grid.index_of(np.array([cell], dtype=np.uint64))
    return pos[pos >= 0]


def wards_overlapping(wards: Wards, area: BaseGeometry) -> list[str]:
    """Names of the wards an area overlaps, largest overlap first."""
    overlaps = [(g.intersection(area).area, n) for n, g in zip(wards.names, wards.geometries, strict=True)]
    return [n for a, n in sorted(overlaps, key=lambda t: (-t[0], t[1])) if a > 0]


# ---- shapes for designated areas ----------------------------------------------------------------------


def area_from_wards(wards: Wards, codes: Sequence[str]) -> BaseGeometry:
    """The union of chosen wards."""
    if not codes:
        raise ValueError("choose at least one ward")
    return shapely.union_all([wards.geometry_of(ward=c) for c in codes])


def area_from_cells(cells: Sequence[str]) -> BaseGeometry:
    """The union of chosen H3 cells (hexadecimal ids)."""
    ids = [c.strip() for c in cells if c.strip()]
    bad = [c for c in ids if not h3.is_valid_cell(c)]
    if bad or not ids:
        raise ValueError(f"not H3 cell ids: {', '.join(bad)}" if bad else "choose at least one cell")
    return cells_outline([h3.str_to_int(c) for c in ids])


def phases_in(settings: ChbSettings, phase_starts: Mapping[str, date]) -> dict[str, date]:
    """The entered phase starts in the rules' phase order, unknown phases refused."""
    unknown = set(phase_starts) - set(settings.phase_names)
    if unknown:
        raise ValueError(f"unknown phases {sorted(unknown)}; use {', '.join(settings.phase_names)}")
    return {p: phase_starts[p] for p in settings.phase_names if phase_starts.get(p)}
