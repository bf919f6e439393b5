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

import io
import json
import tomllib
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from scipy.sparse.csgraph import connected_components
from shapely.errors import ShapelyError
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

import config
from geo.boundaries import Wards
from geo.coverage import Coverage
from geo.grid import StudyGrid, study_grid
from geo.hexgrid import RESOLUTIONS
from geo.hotspots import analyse, read_counts, read_streets, slice_values, trend_slices
from geo.monitoring import Monitoring, MonitoringSettings, monitor
from geo.rates import add_months, month_end
from geo.trends import TREND_CLASSES, EmergingHotSpots, classify, emerging_hot_spots, mann_kendall
from store import Store
from store.designations import Designation, designations
from store.queries import Filters

SETTINGS_FILE = config.DATA_DIR / "chb.toml"
NO_RULE = "No rule fits"
#: Phase of a designated area before its first phase start date.
NOT_STARTED = "Not started"


# ---- settings -----------------------------------------------------------------------------------------


#: Directions of an area's recent trend in indicator crimes (Mann-Kendall on the recent slices).
RECENT_TRENDS = ("up", "down", "none")
#: How a rule dates an area's current state (rule 7).
SINCE = ("run_start", "after_peak", "after_last_hot")


@dataclass(frozen=True)
class Signals:
    """What the phase rules look at for one area (rules 5-6)."""

    trend: str  # emerging-hotspot class
    hot_latest: bool  # hot in the latest slice
    hot_recently: bool  # hot in at least one of the recent slices
    recent_trend: str  # "up", "down" or "none"


@dataclass(frozen=True)
class PhaseRule:
    """One ``[[phases]]`` entry: the phase it gives and the conditions (None = not asked)."""

    phase: str
    meaning: str
    rule: str
    trend_classes: tuple[str, ...] | None = None
    hot_latest: bool | None = None
    hot_recently: bool | None = None
    recent_trend: tuple[str, ...] | None = None
    since: str | None = None  # how "since" is read for areas in this phase: one of SINCE

    def fits(self, signals: Signals) -> bool:
        """True when every condition the rule states holds."""
        return (
            (self.trend_classes is None or signals.trend in self.trend_classes)
            and (self.hot_latest is None or self.hot_latest == signals.hot_latest)
            and (self.hot_recently is None or self.hot_recently == signals.hot_recently)
            and (self.recent_trend is None or signals.recent_trend in self.recent_trend)
        )


@dataclass(frozen=True)
class ChbSettings:
    """Everything in ``data/chb.toml``."""

    indicators: dict[str, tuple[str, ...]]
    resolution: int
    k: int
    slice: str
    slices: int
    alpha: float
    min_hot_slices: int
    min_cells: int
    min_count: int
    name_min_share: float
    recent_slices: int
    trend_slices: int
    phases: tuple[PhaseRule, ...]
    monitoring: MonitoringSettings

    @property
    def indicator_filters(self) -> Filters:
        """Store filters selecting the indicator crimes."""
        return Filters(
            layers=tuple(self.indicators),
            categories=tuple((layer, cats) for layer, cats in self.indicators.items() if cats),
        )

    @property
    def phase_names(self) -> tuple[str, ...]:
        """Distinct phases in rule order (Clear, Hold, Build by default)."""
        return tuple(dict.fromkeys(r.phase for r in self.phases))

    def phase_for(self, signals: Signals) -> PhaseRule | None:
        """The first rule that fits (rule 6), or None when none does."""
        return next((r for r in self.phases if r.fits(signals)), None)


def load_settings(path: Path = SETTINGS_FILE) -> ChbSettings:
    """Read and check ``data/chb.toml``; a mistake in the file is a ValueError naming it."""
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    cand = raw["candidates"]
    mon = raw["monitoring"]
    indicators = {layer: tuple(cats) for layer, cats in raw["indicators"].items()}
    phases = tuple(
        PhaseRule(
            phase=p["phase"],
            meaning=p.get("meaning", ""),
            rule=p.get("rule", ""),
            trend_classes=tuple(p["trend_classes"]) if "trend_classes" in p else None,
            hot_latest=p.get("hot_latest"),
            hot_recently=p.get("hot_recently"),
            recent_trend=tuple(p["recent_trend"]) if "recent_trend" in p else None,
            since=p.get("since"),
        )
        for p in raw["phases"]
    )
    unknown = {c for p in phases for c in (p.trend_classes or ()) if c not in TREND_CLASSES}
    if unknown:
        raise ValueError(f"{path.name}: unknown trend classes {sorted(unknown)}; use {list(TREND_CLASSES)}")
    directions = {d for p in phases for d in (p.recent_trend or ()) if d not in RECENT_TRENDS}
    if directions:
        raise ValueError(f"{path.name}: recent_trend must be among {RECENT_TRENDS}, not {sorted(directions)}")
    bad_since = {p.since for p in phases if p.since is not None and p.since not in SINCE}
    if bad_since:
        raise ValueError(f"{path.name}: since must be one of {SINCE}, not {sorted(bad_since)}")
    if cand["slice"] not in ("month", "quarter"):
        raise ValueError(f"{path.name}: slice must be 'month' or 'quarter'")
    if int(cand["resolution"]) not in RESOLUTIONS:
        raise ValueError(f"{path.name}: resolution must be one of {RESOLUTIONS}")
    return ChbSettings(
        indicators=indicators,
        resolution=int(cand["resolution"]),
        k=int(cand["k"]),
        slice=cand["slice"],
        slices=int(cand["slices"]),
        alpha=float(cand["alpha"]),
        min_hot_slices=int(cand["min_hot_slices"]),
        min_cells=int(cand["min_cells"]),
        min_count=int(cand["min_count"]),
        name_min_share=float(cand["name_min_share"]),
        recent_slices=int(cand["recent_slices"]),
        trend_slices=int(cand["trend_slices"]),
        phases=phases,
        monitoring=MonitoringSettings(
            indicators=indicators,
            buffer_m=float(mon["buffer_m"]),
            before_months=int(mon["before_months"]),
            neutral_band=float(mon["wdq_neutral_band"]),
            confidence=float(mon["confidence"]),
        ),
    )


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
    counts: pd.DataFrame  # read_counts frame: cell, month, layer, category, n (all months)
    streets: pd.DataFrame  # cell, street, n
    window_hot: np.ndarray  # bool per grid cell
    window_counts: np.ndarray  # indicator crimes per grid cell over the window
    slice_counts: np.ndarray  # (cells, slices) indicator crimes
    emerging: EmergingHotSpots
    last_month: date  # last month of data

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

    def recent_counts(self, positions: np.ndarray, months: int) -> int:
        """Indicator crimes in the cells over the last ``months`` months of data."""
        first = pd.Timestamp(add_months(self.last_month, -(months - 1)))
        cells = self.grid.cells[positions]
        frame = self.counts
        keep = frame["cell"].isin(cells) & (frame["month"] >= first)
        return int(frame.loc[keep, "n"].sum())


def _since(hot: np.ndarray, counts: np.ndarray, slices: pd.PeriodIndex, how: str | None) -> date | None:
    """Rule 7: when the area's current state began, read the way the phase rule says (:data:`SINCE`)."""
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


def analyse_chb(store: Store, wards: Wards, settings: ChbSettings) -> ChbAnalysis | None:
    """Run rules 1-3 on the store; None when the store holds too few slices of data for a trend."""
    filters = settings.indicator_filters
    with store.reading():  # the three reads on one connection, released before the analysis
        coverage = Coverage.from_frame(store.coverage())
        latest = coverage.latest(filters.layers)
        if latest is None:
            return None
        end = last_complete_slice(latest, settings.slice)
        slices = trend_slices(end, coverage, filters.layers, freq=settings.slice, n=settings.slices)
        if slices is None:
            return None
        frame = read_counts(store, filters, settings.resolution)
        streets = read_streets(store, filters, settings.resolution)
    grid = study_grid(wards, settings.resolution)
    first, last = slices[0].asfreq("M", how="start"), slices[-1].asfreq("M", how="end")
    whole = analyse(frame, grid, first=first, last=last, k=settings.k)
    table = whole.table
    window_hot = whole.hot_at(settings.alpha)
    per_slice = slice_values(frame, grid, slices)
    emerging = emerging_hot_spots(per_slice, grid.neighbours(settings.k), slices, alpha=settings.alpha)
    return ChbAnalysis(
        settings=settings,
        grid=grid,
        slices=slices,
        counts=frame,
        streets=streets,
        window_hot=window_hot,
        window_counts=table["count"].to_numpy(),
        slice_counts=per_slice,
        emerging=emerging,
        last_month=latest,
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
    last_3: int
    last_12: int
    street: str
    status: AreaTrend

    @property
    def phase(self) -> str:
        return self.status.phase


def cells_outline(cells: Sequence[int]) -> BaseGeometry:
    """Union of H3 cell hexagons (EPSG:4326)."""
    hexagons = [
        Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(h3.int_to_str(int(c)))]) for c in cells
    ]
    return shapely.union_all(hexagons)


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


@dataclass(frozen=True)
class DesignatedStatus:
    """A designated area with its current phase (from the user's dates), data trend and monitoring."""

    designation: Designation
    ward_names: tuple[str, ...]  # wards the area overlaps, largest overlap first
    phase: str  # current phase by the entered start dates, or "Not started"
    since: date | None
    status: AreaTrend | None  # what the data says (None when the area is outside the grid)
    monitoring: Monitoring
    last_3: int
    last_12: int

    @property
    def reading(self) -> str:
        latest = self.monitoring.latest
        return latest.reading if latest else "not yet measurable"


def designated_status(
    store: Store,
    wards: Wards,
    settings: ChbSettings,
    analysis: ChbAnalysis | None,
    designation: Designation,
    span: tuple[date, date],
) -> DesignatedStatus:
    """Phase, trend and monitoring for one designated area (rule 7 for ``since``).

    ``span`` is the store's first and last date; the current phase is the one under way in the last
    month of data, so the register never depends on the day it is looked at.
    """
    area = designation.shape
    monitoring = monitor(
        store, area, designation.phase_starts, wards, settings.monitoring, span, buffer_m=designation.buffer_m
    )
    current = designation.phase_on(span[1])
    status = None
    if analysis is not None:
        positions = cells_in(analysis.grid, area)
        status = analysis.area_trend(positions) if positions.size else None
    return DesignatedStatus(
        designation=designation,
        ward_names=tuple(wards_overlapping(wards, area)),
        phase=current[0] if current else NOT_STARTED,
        since=current[1] if current else None,
        status=status,
        monitoring=monitoring,
        last_3=monitoring.recent(3),
        last_12=monitoring.recent(12),
    )


# ---- the register -------------------------------------------------------------------------------------

REGISTER_COLUMNS = (
    "kind",
    "id",
    "name",
    "wards",
    "phase",
    "since",
    "last_3_months",
    "last_12_months",
    "trend",
    "data_phase",
    "displacement",
)


def register_table(candidates: Sequence[Candidate], designated: Sequence[DesignatedStatus]) -> pd.DataFrame:
    """One row per designated area, then per candidate: the register shown in the app, CLI and packs."""
    rows = []
    for d in designated:
        rows.append(
            {
                "kind": "designated",
                "id": d.designation.id,
                "name": d.designation.name,
                "wards": ", ".join(d.ward_names),
                "phase": d.phase,
                "since": d.since,
                "last_3_months": d.last_3,
                "last_12_months": d.last_12,
                "trend": d.status.trend if d.status else "",
                "data_phase": d.status.phase if d.status else "",
                "displacement": d.reading,
            }
        )
    for c in candidates:
        rows.append(
            {
                "kind": "candidate",
                "id": c.id,
                "name": c.name,
                "wards": ", ".join(c.ward_names),
                "phase": c.phase,
                "since": c.status.since,
                "last_3_months": c.last_3,
                "last_12_months": c.last_12,
                "trend": c.status.trend,
                "data_phase": c.phase,
                "displacement": "not designated",
            }
        )
    return pd.DataFrame(rows, columns=list(REGISTER_COLUMNS))


@dataclass(frozen=True)
class Register:
    """Candidates and live designated areas, with the analysis they came from (None: too little data)."""

    analysis: ChbAnalysis | None
    candidates: list[Candidate]
    designated: list[DesignatedStatus]
    settings: ChbSettings
    #: the latest month of data, which the register describes whatever period it is shown with (None
    #: for an empty store)
    as_at: date | None

    def table(self) -> pd.DataFrame:
        return register_table(self.candidates, self.designated)


def build_register(store: Store, wards: Wards, settings: ChbSettings) -> Register:
    """The whole register: one code path for the app page, the CLI and the briefing packs."""
    with store.reading():
        coverage = Coverage.from_frame(store.coverage())
        live = designations(store)
    first, latest = coverage.earliest(), coverage.latest()
    if first is None or latest is None:
        return Register(None, [], [], settings, None)
    span = (first, month_end(latest))  # the months with data, not the first and last date stored
    analysis = analyse_chb(store, wards, settings)
    candidates = find_candidates(analysis) if analysis else []
    designated = [designated_status(store, wards, settings, analysis, d, span) for d in live]
    return Register(analysis, candidates, designated, settings, latest)


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


def _polygonal(geoms: Sequence[BaseGeometry], name: str) -> BaseGeometry:
    parts = [shapely.make_valid(g) for g in geoms if g is not None and not g.is_empty]
    area = shapely.union_all(parts) if parts else shapely.Polygon()
    if area.geom_type == "GeometryCollection":
        area = shapely.union_all([g for g in area.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    if area.is_empty or area.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"{name} holds no polygon")
    return area


def _to_wgs84(geom: BaseGeometry, crs: str | None) -> BaseGeometry:
    if not crs:
        return geom
    source = CRS.from_user_input(crs)
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return geom
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def area_from_upload(name: str, data: bytes) -> BaseGeometry:
    """The polygon(s) in an uploaded file, in EPSG:4326: GeoJSON (a legacy ``crs`` member is honoured),
    a zipped Shapefile, or a GeoPackage; every polygon in the file is merged into one area.

    Anything else - damaged, JSON that is not GeoJSON, no polygons, an unknown coordinate system - is a
    ValueError naming the file as uploaded (never the in-memory copy GDAL read), which the page shows.
    """
    lower = name.lower()
    try:
        if lower.endswith((".geojson", ".json")):
            return _geojson_area(name, data)
        if lower.endswith((".zip", ".gpkg")):
            return _gdal_area(name, data)
    except CRSError:
        raise ValueError(f"{name} names a coordinate system this app does not know") from None
    raise ValueError(f"{name}: upload a .geojson, a zipped Shapefile (.zip) or a GeoPackage (.gpkg)")


def _geojson_area(name: str, data: bytes) -> BaseGeometry:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{name} is not readable GeoJSON ({exc})") from None
    try:
        features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
        geoms = [shape(f["geometry"] if f.get("type") == "Feature" else f) for f in features or []]
        crs = (doc.get("crs") or {}).get("properties", {}).get("name")
    except (AttributeError, KeyError, TypeError, ValueError, ShapelyError):  # JSON, but not GeoJSON
        raise ValueError(f"{name} is JSON but not GeoJSON (expected polygons)") from None
    return _to_wgs84(_polygonal(geoms, name), crs)


def _gdal_area(name: str, data: bytes) -> BaseGeometry:
    if name.lower().endswith(".zip"):
        try:
            members = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise ValueError(f"{name} is not a readable ZIP archive") from None
        if not any(n.lower().endswith(".shp") for n in members):
            raise ValueError(f"{name} holds no .shp file")
    try:
        with warnings.catch_warnings():  # GDAL notes that its in-memory copy has no file extension
            warnings.filterwarnings("ignore", message=".*non conformant file extension")
            meta, _, wkb, _ = pyogrio.raw.read(io.BytesIO(data))
    except Exception:  # pyogrio raises several GDAL error types; their text names GDAL's in-memory copy
        raise ValueError(
            f"{name} could not be read as a Shapefile or GeoPackage: it is damaged or in another format"
        ) from None
    geoms = [] if wkb is None else list(shapely.from_wkb(wkb))
    return _to_wgs84(_polygonal(geoms, name), meta.get("crs"))


def phases_in(settings: ChbSettings, phase_starts: Mapping[str, date]) -> dict[str, date]:
    """The entered phase starts in the rules' phase order, unknown phases refused."""
    unknown = set(phase_starts) - set(settings.phase_names)
    if unknown:
        raise ValueError(f"unknown phases {sorted(unknown)}; use {', '.join(settings.phase_names)}")
    return {p: phase_starts[p] for p in settings.phase_names if phase_starts.get(p)}
