"""The places a pack can be about - a partnership district, a ward, or a Clear Hold Build area - and how
their incidents are counted.

Why one type for all three: every section of a pack (headlines, trend charts, map, hotspots) asks the
same questions of "the place", so the pack builder never branches on what kind of place it is. Districts
and wards are counted with :func:`store.queries.counts` / :func:`store.queries.monthly` exactly as the map
page counts them; an area (a set of H3 cells, as Clear Hold Build areas are) is counted with the same
queries grouped by cell and then restricted to its cells, so its figures add up from the same rows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.boundaries import Wards, normalise_name
from geo.rates import Period, Population, area_population
from store import Store
from store import queries as q
from store.queries import Filters

PlaceKind = Literal["district", "ward", "area"]


@dataclass(frozen=True, eq=False)
class Place:
    """Where a pack, profile or table is about.

    ``ward_codes`` are the wards making up the place (a district's wards, the ward itself, or the wards an
    area overlaps); they give its population and the context drawn on its map. ``cells`` (with
    ``cell_res``) is set only for an area: its incidents are those in these H3 cells.
    """

    kind: PlaceKind
    name: str
    geometry: BaseGeometry
    ward_codes: tuple[str, ...]
    district: str | None = None
    ward: str | None = None
    cells: frozenset[int] | None = None
    cell_res: int = 9
    #: e.g. "Partnership district", "Ward in Huddersfield", "Clear Hold Build area"
    description: str = ""

    def filters(self, period: Period, layers: tuple[str, ...] | None = None, categories=()) -> Filters:
        """Store filters for this place over ``period`` (an area is narrowed to its cells afterwards)."""
        return Filters(
            layers=layers,
            categories=tuple(categories),
            start=period.start,
            end=period.end,
            district=self.district,
            ward=self.ward,
        )

    @property
    def cell_column(self) -> str:
        """The store column holding each incident's cell at this place's resolution."""
        return f"h3_r{self.cell_res}"

    @property
    def slug(self) -> str:
        """A file-name-safe version of the name (ASCII letters, digits and hyphens only)."""
        text = unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore").decode()
        text = re.sub(r"[^A-Za-z0-9]+", "-", text.replace("&", "and")).strip("-").lower()
        return (text or "place")[:60]

    def population(self, populations: dict[str, Population]) -> Population | None:
        """Residents, for districts and wards; None for an area (no population is known for a cluster
        of cells, and a rate on a guessed denominator would mislead)."""
        if self.kind == "area":
            return None
        return area_population(populations, self.ward_codes)


def district_place(wards: Wards, district: str) -> Place:
    if district not in wards.district_names:
        raise ValueError(f"no district {district!r}; the districts are: {', '.join(wards.district_names)}")
    return Place(
        kind="district",
        name=district,
        geometry=wards.geometry_of(district=district),
        ward_codes=tuple(wards.wards_in(district)),
        district=district,
        description="Partnership district",
    )


def find_ward(wards: Wards, ward: str) -> str:
    """The ward code for a ward given by code or (loosely matched) name; a clear error otherwise."""
    if ward in wards.codes:
        return ward
    by_name = {normalise_name(n): c for c, n in zip(wards.codes, wards.names, strict=True)}
    code = by_name.get(normalise_name(ward))
    if code is None:
        raise ValueError(f"no ward {ward!r}; give a ward name or code such as {wards.names[0]!r}")
    return code


def ward_place(wards: Wards, ward: str) -> Place:
    code = find_ward(wards, ward)
    district = wards.district_by_code[code]
    return Place(
        kind="ward",
        name=wards.name_by_code[code],
        geometry=wards.geometry_of(ward=code),
        ward_codes=(code,),
        ward=code,
        description=f"Ward in {district}",
    )


def area_place(
    wards: Wards, name: str, geometry: BaseGeometry, cells: frozenset[int], cell_res: int
) -> Place:
    """An area made of H3 cells (a Clear Hold Build area). Counts are restricted to the district when the
    area lies in one, so the store reads only that district's rows."""
    overlapping = tuple(
        c for c, g in zip(wards.codes, wards.geometries, strict=True) if g.intersects(geometry)
    )
    districts = {wards.district_by_code[c] for c in overlapping}
    return Place(
        kind="area",
        name=name,
        geometry=geometry,
        ward_codes=overlapping,
        district=districts.pop() if len(districts) == 1 else None,
        cells=frozenset(int(c) for c in cells),
        cell_res=cell_res,
        description="Clear Hold Build area",
    )


def _restrict(frame: pd.DataFrame, place: Place, keys: tuple[str, ...]) -> pd.DataFrame:
    """Keep the rows in the place's cells and re-total them by ``keys``."""
    frame = frame[frame[place.cell_column].isin(place.cells)]
    if not keys:
        return pd.DataFrame({"n": [int(frame["n"].sum())]})
    return frame.groupby(list(keys), as_index=False)["n"].sum()


def tally(store: Store, place: Place, filters: Filters, by: tuple[str, ...] = ("layer",)) -> pd.DataFrame:
    """Incident counts in the place (column ``n``), grouped by ``by`` - the app's own counting query."""
    if place.cells is None:
        return q.counts(store, filters, by)
    return _restrict(q.counts(store, filters, (place.cell_column, *by)), place, by)


def tally_monthly(
    store: Store, place: Place, filters: Filters, by: tuple[str, ...] = ("layer",)
) -> pd.DataFrame:
    """Counts per calendar month (column ``month``) in the place, grouped by ``by``."""
    if place.cells is None:
        return q.monthly(store, filters, by)
    return _restrict(q.monthly(store, filters, (place.cell_column, *by)), place, ("month", *by))


def casualties(store: Store, place: Place, filters: Filters) -> int | None:
    """Casualties in the place; None when no casualty figures are loaded for the filtered rows (a
    collision count is not a casualty count)."""
    frame = q.casualty_counts(store, filters, (place.cell_column,))
    if place.cells is not None:
        frame = frame[frame[place.cell_column].isin(place.cells)]
    if frame.empty:
        return 0
    if int(frame["known"].sum()) == 0:
        return None
    return int(frame["n"].sum())
