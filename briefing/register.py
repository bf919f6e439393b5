"""The Clear Hold Build register from the store: candidates, designated areas and their monitoring.

One code path for the app page, the CLI and the briefing packs. The reads are here (one store session
each); the rules are pure functions in :mod:`geo.chb` and :mod:`geo.monitoring`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from geo.boundaries import Wards
from geo.chb import (
    NOT_STARTED,
    AreaTrend,
    Candidate,
    ChbAnalysis,
    ChbSettings,
    analyse_counts,
    analysis_window,
    cells_in,
    find_candidates,
    wards_overlapping,
)
from geo.coverage import Coverage, WindowCount
from geo.grid import StudyGrid, study_grid
from geo.monitoring import Monitoring, make_zones, monitor
from geo.rates import month_end
from store import Store
from store.designations import Designation, designations
from store.queries import Filters, cell_months, cell_streets, points_near


def indicator_filters(settings: ChbSettings) -> Filters:
    """Store filters selecting the indicator crimes."""
    return Filters(
        layers=tuple(settings.indicators),
        categories=tuple((layer, cats) for layer, cats in settings.indicators.items() if cats),
    )


def analyse_chb(
    store: Store, wards: Wards, settings: ChbSettings, grid: StudyGrid | None = None
) -> ChbAnalysis | None:
    """Run rules 1-3 on the store; None when the store holds too few slices of data for a trend.

    ``grid`` is the study grid at ``settings.resolution`` as stored (:func:`briefing.reads.study_grid`);
    it is computed when not given."""
    filters = indicator_filters(settings)
    with store.reading():  # the reads on one connection, released before the analysis
        coverage = Coverage.from_frame(store.coverage())
        window = analysis_window(coverage, settings)
        if window is None:
            return None
        slices, _, since = window
        frame = cell_months(store, filters.shifted(since, filters.end), settings.resolution)
        streets = cell_streets(store, filters, settings.resolution)
    grid = grid or study_grid(wards, settings.resolution)
    return analyse_counts(frame, streets, grid, slices, settings, coverage)


def coverage_span(coverage: Coverage) -> tuple[date, date] | None:
    """The months with data, as (first day of the first, last day of the last); None with none.

    Why: the register - on the Clear Hold Build page, from ``hotspots chb`` and in the packs - describes
    the months loaded, not the first and last incident dates stored. A layer loaded for a month with
    no incident in it (a quiet month of fires) still counts as a month of data, so the two can differ,
    and the page and the packs must not then disagree on the "last 3 months"."""
    first, latest = coverage.earliest(), coverage.latest()
    if first is None or latest is None:
        return None
    return first, month_end(latest)


@dataclass(frozen=True)
class DesignatedStatus:
    """A designated area with its current phase (from the user's dates), data trend and monitoring."""

    designation: Designation
    ward_names: tuple[str, ...]  # wards the area overlaps, largest overlap first
    phase: str  # current phase by the entered start dates, or "Not started"
    since: date | None
    status: AreaTrend | None  # what the data says (None when the area is outside the grid)
    monitoring: Monitoring
    last_3: WindowCount
    last_12: WindowCount

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
    coverage: Coverage,
) -> DesignatedStatus:
    """Phase, trend and monitoring for one designated area (rule 7 for ``since``).

    The months monitored are the store's months with data (:func:`coverage_span`, from ``coverage``); the
    current phase is the one under way in the last of them, so the register never depends on the day it
    is looked at.
    """
    span = coverage_span(coverage)
    if span is None:
        raise ValueError("the store holds no month of data to monitor a designated area over")
    area = designation.shape
    zones = make_zones(area, wards, designation.buffer_m or settings.monitoring.buffer_m)
    points = points_near(store, zones.districts, zones.bounds)
    monitoring = monitor(points, zones, designation.phase_starts, settings.monitoring, span, coverage)
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


#: The register's counts over the latest months: :class:`geo.coverage.WindowCount` values, each saying how
#: many of its months had data loaded.
RECENT_COLUMNS = ("last_3_months", "last_12_months")


def register_table(candidates: Sequence[Candidate], designated: Sequence[DesignatedStatus]) -> pd.DataFrame:
    """One row per designated area, then per candidate: the register shown in the app, CLI and packs
    (:data:`RECENT_COLUMNS` hold counts with their coverage; :func:`register_text` writes them out)."""
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


def register_text(table: pd.DataFrame) -> pd.DataFrame:
    """The register with its recent counts in words - "14", "14 (11 of 12 months)", "no data" - as the
    page and ``hotspots chb`` print them, so a month nobody loaded is never read as a month without crime."""
    return table.assign(**{column: table[column].map(WindowCount.text) for column in RECENT_COLUMNS})


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


def build_register(
    store: Store, wards: Wards, settings: ChbSettings, grid: StudyGrid | None = None
) -> Register:
    """The whole register: one code path for the app page, the CLI and the briefing packs (``grid`` as
    for :func:`analyse_chb`)."""
    with store.reading():
        coverage = Coverage.from_frame(store.coverage())
        live = designations(store)
    if coverage_span(coverage) is None:
        return Register(None, [], [], settings, None)
    analysis = analyse_chb(store, wards, settings, grid)
    candidates = find_candidates(analysis) if analysis else []
    designated = [designated_status(store, wards, settings, analysis, d, coverage) for d in live]
    return Register(analysis, candidates, designated, settings, coverage.latest())
