"""H3 indexing of incident points.

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

import h3
import numpy as np

#: Resolutions the app offers (7 ~5 km², 8 ~0.7 km², 9 ~0.1 km², 10 ~0.015 km²).
RESOLUTIONS = (7, 8, 9, 10)
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
    points = np.column_stack([lat[ok], lon[ok]])
    distinct, back = (
        np.unique(points, axis=0, return_inverse=True) if len(points) else (points, np.zeros(0, np.intp))
    )
    cells = {res: np.zeros(len(distinct), dtype=np.uint64) for res in resolutions}
    to_int = h3.str_to_int
    # a block of points at a time: a million distinct points as Python floats and ints cost ~0.3 GB
    for start in range(0, len(distinct), _BLOCK):
        pairs = distinct[start : start + _BLOCK].tolist()
        for res in resolutions:
            cells[res][start : start + len(pairs)] = [to_int(h3.latlng_to_cell(a, b, res)) for a, b in pairs]
    out = {}
    for res in resolutions:
        column = np.zeros(lat.shape, dtype=np.uint64)
        column[ok] = cells[res][np.asarray(back).ravel()]
        out[f"h3_r{res}"] = column
    return out
