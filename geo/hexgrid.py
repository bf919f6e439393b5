"""H3 indexing of incident points.

Every incident is indexed once, at import, at the finest resolution the app offers (10); coarser cells are
derived with integer bit operations on the H3 index (no per-row Python calls), so the store holds the
cell at every offered resolution and maps are plain GROUP BYs.

Coarse cells are the H3 *parents* of the incident's res-10 cell (H3's own hierarchy), not a fresh
point-in-cell lookup at each resolution. H3 parents nest only approximately, so near a coarse cell's
edge the two can differ; using the hierarchy keeps counts exactly additive across resolutions, which
matters more for drill-down than a few metres at a cell edge.
"""

from __future__ import annotations

import h3
import numpy as np

#: Resolutions the app offers (7 ~5 km², 8 ~0.7 km², 9 ~0.1 km², 10 ~0.015 km²).
RESOLUTIONS = (7, 8, 9, 10)
FINEST = max(RESOLUTIONS)

_RES_SHIFT = np.uint64(52)
_RES_MASK = np.uint64(0xF) << _RES_SHIFT


def points_to_cells(lat: np.ndarray, lon: np.ndarray, res: int = FINEST) -> np.ndarray:
    """H3 cell (as uint64) of each point; 0 where a coordinate is missing."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    out = np.zeros(lat.shape, dtype=np.uint64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    to_int = h3.str_to_int
    out[ok] = [
        to_int(h3.latlng_to_cell(a, b, res)) for a, b in zip(lat[ok].tolist(), lon[ok].tolist(), strict=True)
    ]
    return out


def parent_cells(cells: np.ndarray, res: int) -> np.ndarray:
    """Parent of each H3 cell at a coarser ``res`` (vectorised; 0 stays 0).

    An H3 index stores its resolution in bits 52-55 and one 3-bit digit per resolution below that;
    the parent at ``res`` has the resolution field set to ``res`` and every finer digit set to 7.
    """
    cells = np.asarray(cells, dtype=np.uint64)
    unused = np.uint64((1 << (3 * (15 - res))) - 1)
    parents = (cells & ~_RES_MASK) | (np.uint64(res) << _RES_SHIFT) | unused
    return np.where(cells == 0, np.uint64(0), parents)


def cell_columns(lat: np.ndarray, lon: np.ndarray) -> dict[str, np.ndarray]:
    """``{"h3_r7": ..., ..., "h3_r10": ...}`` for the store's incident table."""
    finest = points_to_cells(lat, lon, FINEST)
    return {f"h3_r{r}": finest if r == FINEST else parent_cells(finest, r) for r in RESOLUTIONS}
