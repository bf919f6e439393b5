"""H3 indexing of incident points, and the one place that turns H3 cells into shapes.

Every incident is indexed at import at each resolution the app offers (7-10), each **directly from its
coordinates**, so the store holds the cell at every resolution and maps are plain GROUP BYs.

Why not derive coarse cells as H3 parents of the finest cell: H3 cells do not nest exactly (a
resolution-9 hexagon is only approximately the union of its seven resolution-10 children), so near a
coarse cell's edge the parent can be the neighbouring hexagon. On real police.uk data that moved about
7% of crimes into a neighbouring res-9 hexagon (up to ~20 m away) and changed hotspot classes. A count
per hexagon must count the points that lie in it; the price is that counts are not exactly additive
across resolutions, which no view relies on.

Points repeat a lot (police.uk snaps reports to shared anonymous map points), so each distinct point
is indexed once and the result spread back to its rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

import numpy as np
import shapely
from h3.api import basic_int
from shapely.geometry.base import BaseGeometry

from config.vocabulary import RESOLUTIONS

FINEST = max(RESOLUTIONS)

def points_to_cells(lat: np.ndarray, lon: np.ndarray, res: int = FINEST) -> np.ndarray:
    """H3 cell (as uint64) of each point at ``res``; 0 where a coordinate is missing."""
    return cell_columns(lat, lon, (res,))[f"h3_r{res}"]


#: Distinct points looked up per block (see :func:`cell_columns`).
_BLOCK = 50_000


def cell_columns(
    lat: np.ndarray, lon: np.ndarray, resolutions: tuple[int, ...] = RESOLUTIONS
) -> dict[str, np.ndarray]:
    """``{"h3_r7": ..., ..., "h3_r10": ...}``: each point's cell at each resolution, each looked up directly
    from the coordinates (never as a parent), one lookup per distinct point."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    # a point as one complex number: unique over one column is four times faster than over row pairs
    unique, back = np.unique(lat[ok] + 1j * lon[ok], return_inverse=True)
    distinct = np.column_stack([unique.real, unique.imag])
    cells = {res: np.zeros(len(distinct), dtype=np.uint64) for res in resolutions}
    # the integer API: no hexadecimal text made and parsed back per point (half the time)
    to_cell = basic_int.latlng_to_cell
    # a block of points at a time: a million distinct points as Python floats and ints cost ~0.3 GB
    for start in range(0, len(distinct), _BLOCK):
        pairs = distinct[start : start + _BLOCK].tolist()
        for res in resolutions:
            found = (to_cell(a, b, res) for a, b in pairs)
            cells[res][start : start + len(pairs)] = np.fromiter(found, dtype=np.uint64, count=len(pairs))
    out = {}
    for res in resolutions:
        column = np.zeros(lat.shape, dtype=np.uint64)
        column[ok] = cells[res][np.asarray(back).ravel()]
        out[f"h3_r{res}"] = column
    return out


# ---- cell shapes (every map, export and area outline draws cells with these) ---------------------------


def cell_ring(cell: int, decimals: int | None = None) -> list[list[float]]:
    """The closed GeoJSON ring (``[lon, lat]`` pairs) of an H3 cell given as an integer; coordinates
    rounded to ``decimals`` places when given (about 1 m at 5), which keeps map pages small."""
    ring = [[lng, lat] for lat, lng in basic_int.cell_to_boundary(int(cell))]
    if decimals is not None:
        ring = [[round(lng, decimals), round(lat, decimals)] for lng, lat in ring]
    return [*ring, ring[0]]


def cell_polygon(cell: int) -> BaseGeometry:
    """An H3 cell (integer) as a shapely polygon in longitude/latitude."""
    return shapely.Polygon(cell_ring(cell))


def cell_polygons(cells: np.ndarray) -> np.ndarray:
    """Shapely hexagons (EPSG:4326) of H3 cells given as uint64.

    Built from one flat coordinate array when every cell has the same number of corners (all hexagons,
    as everywhere away from H3's twelve pentagons and face edges): three times faster than a list of
    Python rings at 31,000 cells.
    """
    rings = [basic_int.cell_to_boundary(c) for c in np.asarray(cells).tolist()]
    corners = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
    if len(rings) and np.all(corners == corners[0]):
        flat = chain.from_iterable(chain.from_iterable(rings))
        latlng = np.fromiter(flat, dtype=float, count=2 * int(corners.sum())).reshape(len(rings), -1, 2)
        return shapely.polygons(latlng[:, :, ::-1])
    return shapely.polygons([[(lon, lat) for lat, lon in ring] for ring in rings])


def cells_outline(cells: Iterable[int]) -> BaseGeometry:
    """The union of H3 cells (integers): the outline of an area made of cells."""
    return shapely.union_all(cell_polygons(np.asarray([int(c) for c in cells], dtype=np.uint64)))


def cells_geojson(cells: Iterable[int], properties: Iterable[dict], decimals: int | None = None) -> dict:
    """A GeoJSON FeatureCollection of H3 cells (integers) as hexagons, each with its ``properties``: the
    one builder behind the map layers and the GeoJSON downloads."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Polygon", "coordinates": [cell_ring(int(cell), decimals)]},
            }
            for cell, props in zip(cells, properties, strict=True)
        ],
    }
