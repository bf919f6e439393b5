"""The Map page's search: a ward, a town or village from the gazetteer, or a street in the data, and the
box the map should zoom to.

Why a box per kind of place: the gazetteer gives a place's centre, not its extent, so a town is shown
with a couple of kilometres around it and a suburb with a few hundred metres - enough to see it among
its neighbours. A street is shown over the extent of its records (each ward's stretch separately); for the
public only streets with enough records to be drawn are offered, shown around their middle at a fixed
size, so the box never outlines where a few incidents lie.

Pure: names, boundaries and street rows in, matches out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import h3
import pandas as pd

from config import PLACE_KINDS, Place
from geo.boundaries import Wards

#: Half the side of the box shown around a place's centre, in metres, by kind of place.
PLACE_HALF_SIDE_M = {"town": 1500.0, "village": 800.0, "suburb": 600.0}
#: The smallest half side of a box (a street with one stretch of records still shows its surroundings).
MIN_HALF_SIDE_M = 250.0
#: Half the side of the fixed box a public street result is shown in.
PUBLIC_STREET_HALF_SIDE_M = 500.0
METRES_PER_DEGREE_LAT = 111_320.0

Bounds = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


@dataclass(frozen=True)
class Match:
    """One search result: what a user reads, and the box to zoom to."""

    label: str
    kind: str  # "ward", the place's kind, or "street"
    bounds: Bounds


def box(lat: float, lon: float, half_side_m: float) -> Bounds:
    """A square of ``2 * half_side_m`` metres around a point (degrees of longitude shrink with latitude)."""
    dlat = half_side_m / METRES_PER_DEGREE_LAT
    dlon = half_side_m / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def padded(bounds: Bounds, half_side_m: float = MIN_HALF_SIDE_M) -> Bounds:
    """``bounds`` grown, where smaller, to at least the square of :func:`box` around their middle."""
    min_lon, min_lat, max_lon, max_lat = bounds
    small = box((min_lat + max_lat) / 2, (min_lon + max_lon) / 2, half_side_m)
    return (min(min_lon, small[0]), min(min_lat, small[1]), max(max_lon, small[2]), max(max_lat, small[3]))


def find(
    text: str,
    wards: Wards,
    places: Iterable[Place],
    streets: pd.DataFrame,
    *,
    public_min_records: int | None = None,
) -> list[Match]:
    """Wards, then places, then streets whose name contains ``text`` (any case); wards and places whose
    name starts with it first. ``streets``: rows of :func:`store.search.streets_matching`.
    ``public_min_records``: the public threshold, when the map is public (see the module note)."""
    wanted = text.strip().lower()
    if not wanted:
        return []

    def order(name: str) -> tuple[bool, str]:
        return (not name.lower().startswith(wanted), name)

    ward_names = sorted((n for n in wards.names if wanted in n.lower()), key=order)
    by_name = dict(zip(wards.names, wards.geometries, strict=True))
    found = [Match(f"{n} (ward)", "ward", tuple(by_name[n].bounds)) for n in ward_names]
    for place in sorted((p for p in places if wanted in p.name.lower()), key=lambda p: order(p.name)):
        around = box(place.lat, place.lon, PLACE_HALF_SIDE_M[place.kind])
        found.append(Match(f"{place.name} ({place.kind})", place.kind, around))
    for row in streets.itertuples():
        ward = wards.name_by_code.get(row.ward_code, row.ward_code)
        if public_min_records is None:
            bounds = padded((row.min_lon, row.min_lat, row.max_lon, row.max_lat))
        elif row.n >= public_min_records:
            bounds = box(round(row.lat, 3), round(row.lon, 3), PUBLIC_STREET_HALF_SIDE_M)
        else:
            continue
        found.append(Match(f"{row.street}, {ward} (street)", "street", bounds))
    return found


def cell_at(lat: float, lon: float, res: int) -> int:
    """The H3 cell (integer index) holding a point: the hexagon a click on the map fell in."""
    return h3.str_to_int(h3.latlng_to_cell(lat, lon, res))


def place_in(cell: int, res: int, places: Iterable[Place]) -> Place | None:
    """The largest gazetteer place whose centre lies in the hexagon ``cell`` (its name is drawn there, so
    a click on the name lands in it), else None."""
    inside = [p for p in places if cell_at(p.lat, p.lon, res) == cell]
    return min(inside, key=lambda p: PLACE_KINDS.index(p.kind), default=None)
