"""Clear Hold Build areas in packs: the register (candidates found in the data and designated areas), the
areas overlapping a place, and an area as a place of its own.

All of it comes from the register of :func:`briefing.register.build_register` - the same analysis,
register rows and monitoring the Clear Hold Build page and the ``hotspots chb`` command show - computed
once per batch of packs (it is a borough-wide analysis).

The register is as at the latest month of data, whatever quarter a pack reports: Clear Hold Build phases
are a current status, and the CHB analysis always works back from the newest complete slice.
"""

from __future__ import annotations

from collections.abc import Sequence

import h3
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from briefing.model import AreaRow
from briefing.places import Place, area_place
from briefing.register import DesignatedStatus, Register
from geo.boundaries import Wards, normalise_name
from geo.chb import cells_in


def outlines(register: Register) -> dict[str, tuple[str, BaseGeometry]]:
    """Register id -> (name, outline) for every candidate and designated area."""
    out = {c.id: (c.name, c.outline) for c in register.candidates}
    out |= {d.designation.id: (d.designation.name, d.designation.shape) for d in register.designated}
    return out


def overlapping(register: Register, geometry: BaseGeometry) -> list[str]:
    """Register ids of the areas that overlap ``geometry`` (sharing some area, not just an edge)."""
    return [
        rid for rid, (_, outline) in outlines(register).items() if outline.intersection(geometry).area > 0
    ]


def _monitoring_words(status: DesignatedStatus) -> str:
    latest = status.monitoring.latest
    if latest is None:
        return "Not yet measurable: the data does not yet cover months before and after a phase start."
    ratio = latest.area
    return (
        f"Since {latest.phase} began ({latest.start:%b %Y}), indicator crimes after vs before: rate ratio "
        f"{ratio.text}, {ratio.direction}. Nearby: {latest.displacement.reading} - "
        f"{latest.displacement.explanation}"
    )


def area_rows(register: Register, ids: Sequence[str]) -> list[AreaRow]:
    """Register rows for the given ids, designated areas first (as in the register), as pack rows."""
    by_id = {d.designation.id: d for d in register.designated}
    rules = {c.id: c.status.rule for c in register.candidates}
    wanted = set(ids)
    rows = []
    for r in register.table().itertuples(index=False):
        if r.id not in wanted:
            continue
        designated = r.kind == "designated"
        if designated:
            reading = _monitoring_words(by_id[r.id])
        else:
            rule = rules.get(r.id)
            reading = f"Found in the data; not designated. {rule.rule if rule else ''}".strip()
        rows.append(
            AreaRow(
                name=str(r.name),
                kind="Designated" if designated else "Candidate",
                wards=str(r.wards),
                phase=str(r.phase),
                since="" if r.since is None or pd.isna(r.since) else pd.Timestamp(r.since).strftime("%b %Y"),
                last_3_months=r.last_3_months,
                last_12_months=r.last_12_months,
                trend=str(r.trend),
                reading=reading,
            )
        )
    return rows


def find_area(register: Register, name_or_id: str) -> str:
    """The register id of an area given by id or (loosely matched) name; a clear error otherwise."""
    names = {rid: name for rid, (name, _) in outlines(register).items()}
    if name_or_id in names:
        return name_or_id
    matches = [rid for rid, name in names.items() if normalise_name(name) == normalise_name(name_or_id)]
    if len(matches) != 1:
        listed = "; ".join(sorted(set(names.values()))) or "none"
        problem = "several areas are called" if matches else "no Clear Hold Build area called"
        raise ValueError(f"{problem} {name_or_id!r}; the areas are: {listed}")
    return matches[0]


def register_place(register: Register, wards: Wards, area_id: str) -> Place:
    """An area of the register as a place: a candidate by its cells, a designated area by the grid cells
    whose centres it contains (the cells its Clear Hold Build trend is read from)."""
    res = register.settings.resolution
    candidate = next((c for c in register.candidates if c.id == area_id), None)
    if candidate is not None:
        cells = frozenset(h3.str_to_int(c) for c in candidate.cells)
        return area_place(wards, candidate.name, candidate.outline, cells, res)
    status = next(d for d in register.designated if d.designation.id == area_id)
    shape = status.designation.shape
    if register.analysis is None:
        raise ValueError("the store holds too little data for the Clear Hold Build analysis")
    grid = register.analysis.grid
    cells = frozenset(int(c) for c in grid.cells[cells_in(grid, shape)].astype(np.uint64).tolist())
    return area_place(wards, status.designation.name, shape, cells, res)
