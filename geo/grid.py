"""The study-area grid: every H3 cell covering the boundary, its ward and district, and its neighbours.

Why a fixed grid rather than "the cells that had incidents": a hotspot statistic compares each place with
the whole study area, so places where nothing happened are part of the picture. Leaving them out would
raise the mean and hide real concentrations. The rules:

* **Coverage.** The grid holds every cell at the chosen resolution that *overlaps* the boundary at all
  (``h3.polygon_to_cells_experimental(..., contain="overlap")``), not only cells whose centre is inside.
  A centre-only rule loses edge cells, and incidents inside the boundary would then fall in no cell.
  It also holds the parent of every finest-resolution cell that overlaps the boundary, because that is
  how the store files incidents at coarser resolutions (see :func:`covering_cells`).
* **Ward of a cell.** The ward containing the cell's centre; an edge cell whose centre lies outside the
  boundary belongs to the nearest ward of the area. A centre on a shared ward border goes to the ward
  listed first, as :meth:`geo.boundaries.Wards.assign` does for points. The district is the ward's.
  :func:`cell_wards` applies this rule to any cells (the action-day picker names its places with it).
* **Share inside.** Each cell records how much of its area lies inside the boundary. Edge cells hold
  fewer incidents simply because part of them is outside; :mod:`geo.gistar` uses this so that the edge
  of the map is not mistaken for a cold spot.
* **Neighbours.** Cell *j* is a neighbour of cell *i* when it is within ``k`` H3 steps of *i*
  (``h3.grid_disk``, which includes *i* itself) **and** *j* is in the grid: places outside the study area
  are never neighbours. The result is a binary sparse matrix with ones on the diagonal, ready for Gi*.

Cells are held as ``uint64`` (as the store holds them) and sorted, so looking cells up is a vectorised
``searchsorted`` rather than a Python dictionary.

**The grid is data.** A grid depends only on the boundaries (ward shapes, codes, names and districts), the
resolution and the area, so it is built once per geography - when boundaries are loaded or the demo is
built - kept in the store (:mod:`store.grid`, wired by :mod:`layers.grids`) and read back in
milliseconds. :func:`geography_key` names a geography; :func:`area_grids` builds every grid of one
resolution at once. The functions here only compute: they read no store and no file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import h3.api.basic_int as h3
import numpy as np
import shapely
from h3 import H3BaseException
from h3 import __version__ as H3_VERSION
from scipy import sparse
from shapely.geometry.base import BaseGeometry

from geo.boundaries import Wards
from geo.hexgrid import RESOLUTIONS, cell_polygons, cell_ring

#: The neighbourhood kept with every stored grid: the one every page, pack and register uses unless a
#: user picks a wider one on the Hotspots page (those are computed when asked, in tens of milliseconds).
STORED_K = 1


@dataclass(frozen=True, eq=False)
class StudyGrid:
    """H3 cells covering an area at one resolution, with each cell's ward, in ascending cell order."""

    res: int
    cells: np.ndarray  # uint64, sorted ascending, unique
    ward_codes: np.ndarray  # object array, one ward code per cell
    ward_names: np.ndarray  # object array
    districts: np.ndarray  # object array
    inside_share: np.ndarray  # float, share of each cell's area inside the boundary (1 = wholly inside)
    _neighbours: dict[int, sparse.csr_matrix] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.cells.size)

    def index_of(self, cells: np.ndarray) -> np.ndarray:
        """Position of each cell in the grid, or -1 for cells not in the study area (vectorised)."""
        cells = np.asarray(cells, dtype=np.uint64)
        pos = np.searchsorted(self.cells, cells)
        pos_clipped = np.minimum(pos, len(self) - 1)
        found = (pos < len(self)) & (self.cells[pos_clipped] == cells)
        return np.where(found, pos_clipped, -1)

    @cached_property
    def ids(self) -> np.ndarray:
        """Cells as H3 hexadecimal strings (the form other tools and GeoJSON readers expect)."""
        return np.array([h3.int_to_str(c) for c in self.cells.tolist()], dtype=object)

    @cached_property
    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """(lat, lon) of each cell's centre."""
        return cell_centres(self.cells)

    @cached_property
    def areas_km2(self) -> np.ndarray:
        """Area of each cell in km² (H3 cells of one resolution differ by a few per cent)."""
        return np.array([h3.cell_area(c, "km^2") for c in self.cells.tolist()], dtype=float)

    def boundary(self, position: int) -> list[list[float]]:
        """GeoJSON ring ``[[lon, lat], ...]`` (closed) of the cell at ``position``."""
        return cell_ring(int(self.cells[position]))

    def interior(self, k: int = 1) -> np.ndarray:
        """True where every grid cell of the ``k``-neighbourhood lies wholly inside the boundary."""
        partial = (self.inside_share < 1.0 - 1e-9).astype(float)
        return (self.neighbours(k) @ partial) == 0

    def neighbours(self, k: int = 1) -> sparse.csr_matrix:
        """Binary weights: 1 where the column cell is within ``k`` steps of the row cell and in the grid.

        Each cell is its own neighbour (the diagonal is 1, as Gi* needs). Built once per ``k`` and kept,
        because it depends only on the grid.
        """
        if k < 0:
            raise ValueError("k (the neighbourhood size in H3 steps) must be 0 or more")
        if k not in self._neighbours:
            self._neighbours[k] = neighbour_matrix(self.cells, k)
        return self._neighbours[k]

    def keep_neighbours(self, k: int, matrix: sparse.csr_matrix) -> None:
        """Use ``matrix`` as the ``k``-ring neighbours (read from the store) instead of computing them."""
        if matrix.shape != (len(self), len(self)):
            raise ValueError(f"neighbours are {matrix.shape} but the grid has {len(self)} cells")
        self._neighbours[k] = matrix


def neighbour_matrix(cells: np.ndarray, k: int) -> sparse.csr_matrix:
    """Binary ``k``-ring weights among ``cells`` (sorted unique uint64), self included, rows in cell order.

    Why not one ``h3.grid_disk`` per cell: 31,000 Python calls, each returning a list, cost ~170 ms at
    resolution 10. Instead each cell gets H3's local (i, j) coordinates once - the hexagons of one area
    form a regular lattice in them - and the ``k``-ring of every cell is found at once by looking up
    fixed (i, j) offsets (the ring of one cell) in the sorted coordinates: tens of milliseconds. Local
    coordinates are a lattice only away from H3's twelve pentagons, so where a cell lies in one of the
    pentagons' base cells, or H3 gives no local coordinates (an area too far across from its first cell),
    it falls back to ``grid_disk`` per cell; both give the same matrix.
    """
    cells = np.asarray(cells, dtype=np.uint64)
    n = cells.size
    if n == 0:
        return sparse.csr_matrix((0, 0), dtype=float)
    lattice = _lattice_neighbours(cells, k)
    rows, cols = lattice if lattice is not None else _disk_neighbours(cells, k)
    matrix = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n), dtype=float)
    matrix.sort_indices()
    return matrix


#: H3's base cells that are pentagons (an H3 index holds its base cell in bits 45-51): near them the
#: hexagons do not form a regular lattice.
_PENTAGON_BASE_CELLS = np.array([h3.get_base_cell_number(p) for p in h3.get_pentagons(0)], dtype=np.uint64)


def _local_ij(origin: int, cells: list[int]) -> np.ndarray | None:
    """(i, j) of each cell in H3's local coordinates around ``origin``, or None where H3 has none."""
    try:
        flat = chain.from_iterable(h3.cell_to_local_ij(origin, c) for c in cells)
        return np.fromiter(flat, dtype=np.int64, count=2 * len(cells)).reshape(-1, 2)
    except H3BaseException:
        return None


def _lattice_neighbours(cells: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(row, column) positions of every neighbour pair by lattice offsets (see :func:`neighbour_matrix`)."""
    if np.isin((cells >> np.uint64(45)) & np.uint64(0x7F), _PENTAGON_BASE_CELLS).any():
        return None
    origin = int(cells[0])
    ij = _local_ij(origin, cells.tolist())
    ring = _local_ij(origin, h3.grid_disk(origin, k))
    if ij is None or ring is None:
        return None
    offsets = ring - ij[0]
    # one integer key per (i, j), with room for the offsets on every side so no key wraps into another row
    low = ij.min(axis=0) - k
    width = int(ij[:, 1].max() - low[1]) + k + 1
    keys = (ij[:, 0] - low[0]) * width + (ij[:, 1] - low[1])
    order = np.argsort(keys)
    ordered = keys[order]
    if np.any(ordered[1:] == ordered[:-1]):  # two cells on one lattice point: not a lattice here
        return None
    wanted = keys[:, None] + (offsets[:, 0] * width + offsets[:, 1])[None, :]
    at = np.minimum(np.searchsorted(ordered, wanted), cells.size - 1)
    found = ordered[at] == wanted
    rows = np.broadcast_to(np.arange(cells.size)[:, None], wanted.shape)[found]
    return rows, order[at[found]]


def _disk_neighbours(cells: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) positions of every neighbour pair, one ``h3.grid_disk`` per cell (the fallback)."""
    disks = [h3.grid_disk(c, k) for c in cells.tolist()]
    lengths = np.fromiter((len(d) for d in disks), dtype=np.int64, count=len(disks))
    flat = np.fromiter(chain.from_iterable(disks), dtype=np.uint64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(cells.size), lengths)
    pos = np.searchsorted(cells, flat)
    clipped = np.minimum(pos, cells.size - 1)
    keep = (pos < cells.size) & (cells[clipped] == flat)
    return rows[keep], clipped[keep]


#: Bump when a rule of this module changes, so grids stored under the old rules are rebuilt, not read.
GRID_RULES = 1


def geography_key(wards: Wards) -> str:
    """A name for everything a study grid depends on: the ward shapes, codes, names and districts, the
    grid rules and the H3 library version. New boundaries (or a changed district mapping) give a new key
    and so a new grid; going back to earlier boundaries gives their key, and their grid, again."""
    digest = hashlib.sha256(f"grid rules {GRID_RULES}; h3 {H3_VERSION}".encode())
    for code, name, district, geometry in zip(
        wards.codes, wards.names, wards.districts, wards.geometries, strict=True
    ):
        digest.update(json.dumps([code, name, district]).encode())
        digest.update(shapely.to_wkb(geometry))
    return digest.hexdigest()[:20]


def area_grids(wards: Wards, res: int, k: int = 1) -> dict[tuple[str | None, str | None], StudyGrid]:
    """Every grid of one resolution, keyed ``(district, ward)``: the whole study area ``(None, None)``, each
    district ``(name, None)`` and each ward ``(None, code)``, each with its ``k``-ring neighbours.

    A district's or ward's neighbours are cut from the whole area's: cell *j* is a neighbour of *i* in
    the smaller grid exactly when it is within ``k`` steps of *i* and in the smaller grid, and every cell
    of a smaller grid is in the whole grid (a cell overlapping a ward overlaps the study area).
    """
    shapes = _Shapes.of(covering_cells(wards.area, res))
    whole = _build(wards, res, None, None, shapes)
    weights = whole.neighbours(k)
    grids = {(None, None): whole}
    areas = [(d, None) for d in wards.district_names] + [(None, c) for c in wards.codes]
    for district, ward in areas:
        cells = covering_cells(wards.geometry_of(district=district, ward=ward), res)
        at = whole.index_of(cells)
        if np.all(at >= 0):  # always, but a grid must not depend on it: else it is built on its own
            grid = _build(wards, res, district, ward, shapes.take(at))
            grid.keep_neighbours(k, weights[at][:, at])
        else:
            grid = _build(wards, res, district, ward, _Shapes.of(cells))
        grids[(district, ward)] = grid
    return grids


def covering_cells(geometry: BaseGeometry, res: int) -> np.ndarray:
    """Every H3 cell at ``res`` that overlaps ``geometry`` (EPSG:4326), as sorted unique uint64.

    The store files each incident under the cell its point lies in at each resolution (see
    :mod:`geo.hexgrid`), and a cell holding a point inside the boundary overlaps the boundary, so every
    stored incident inside the boundary lands in a grid cell, even at the edge.
    """
    if res not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, not {res}")
    shape = h3.geo_to_h3shape(geometry)
    return np.unique(
        np.asarray(h3.polygon_to_cells_experimental(shape, res, contain="overlap"), dtype=np.uint64)
    )


def cell_centres(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) arrays of the centres of H3 cells given as uint64."""
    latlng = np.array([h3.cell_to_latlng(c) for c in np.asarray(cells).tolist()], dtype=float).reshape(-1, 2)
    return latlng[:, 0], latlng[:, 1]


def study_grid(wards: Wards, res: int, *, district: str | None = None, ward: str | None = None) -> StudyGrid:
    """The grid covering a ward (code), a district, or (neither given) the whole study area.

    Callers that redraw often (the app) should cache the result per (boundaries, res, district, ward), or
    better read it from the store (:func:`briefing.reads.study_grid`).
    """
    cells = covering_cells(wards.geometry_of(district=district, ward=ward), res)
    return _build(wards, res, district, ward, _Shapes.of(cells))


@dataclass(frozen=True)
class _Shapes:
    """Cells with their hexagons and centres: worked out once for the whole area, shared by its parts."""

    cells: np.ndarray
    hexes: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    @classmethod
    def of(cls, cells: np.ndarray) -> _Shapes:
        lat, lon = cell_centres(cells)
        return cls(cells, cell_polygons(cells), lat, lon)

    def take(self, positions: np.ndarray) -> _Shapes:
        return _Shapes(self.cells[positions], self.hexes[positions], self.lat[positions], self.lon[positions])


def _build(wards: Wards, res: int, district: str | None, ward: str | None, shapes: _Shapes) -> StudyGrid:
    """The grid of an area from its covering cells' shapes (see :func:`study_grid`)."""
    area = wards.geometry_of(district=district, ward=ward)
    ward_idx = cell_wards(wards, shapes.cells, district=district, ward=ward, centres=(shapes.lat, shapes.lon))
    return StudyGrid(
        res=res,
        cells=shapes.cells,
        ward_codes=np.asarray(wards.codes, dtype=object)[ward_idx],
        ward_names=np.asarray(wards.names, dtype=object)[ward_idx],
        districts=np.asarray(wards.districts, dtype=object)[ward_idx],
        inside_share=inside_share(shapes.cells, area, hexes=shapes.hexes),
    )


def cell_wards(
    wards: Wards,
    cells: np.ndarray,
    *,
    district: str | None = None,
    ward: str | None = None,
    centres: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Position in ``wards`` of the ward each cell (uint64) belongs to: the grid's rule, without a grid.

    The rule (see the module docstring) is the ward holding the cell's centre, else the nearest ward,
    choosing only among the wards of the area asked for (a ward code, a district, or neither for the whole
    study area), exactly as :func:`study_grid` names its cells. Every page, pack and export that names a
    hexagon's ward goes through here, so one hexagon never carries two ward names (a rule such as "the
    ward with most of its incidents" would change with the filters). ``centres`` are the cells' (lat, lon)
    when the caller has them already.
    """
    if ward is not None:
        members = np.array([wards.codes.index(ward)])
    else:
        members = np.array([i for i, d in enumerate(wards.districts) if district is None or d == district])
    lat, lon = cell_centres(cells) if centres is None else centres
    # the fast point-in-polygon test first: the first listed ward holding a centre is also the nearest
    # (distance 0) with the lowest position, so only centres outside the area's wards need the nearest
    out = wards.assign(lat, lon)
    far = ~np.isin(out, members)
    if far.any():
        out[far] = members[_nearest(np.asarray(wards.geometries, dtype=object)[members], lat[far], lon[far])]
    return out


def inside_share(cells: np.ndarray, area: BaseGeometry, *, hexes: np.ndarray | None = None) -> np.ndarray:
    """Share of each cell's area that lies inside ``area`` (1 exactly for cells wholly inside).

    Computed on longitude/latitude: a ratio of areas within one small hexagon is unaffected by the
    (locally constant) stretch between degrees and metres.
    """
    hexes = cell_polygons(cells) if hexes is None else hexes
    shapely.prepare(area)
    share = np.ones(len(hexes))
    edge = ~shapely.contains_properly(area, hexes)
    share[edge] = shapely.area(shapely.intersection(hexes[edge], area)) / shapely.area(hexes[edge])
    return share


def _nearest(geometries: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Index of the geometry containing each point, else the nearest one; ties go to the lowest index."""
    tree = shapely.STRtree(geometries)
    point_idx, geom_idx = tree.query_nearest(shapely.points(lon, lat), all_matches=True)
    order = np.lexsort((geom_idx, point_idx))
    point_idx, geom_idx = point_idx[order], geom_idx[order]
    first = np.ones(point_idx.shape, dtype=bool)
    first[1:] = point_idx[1:] != point_idx[:-1]
    out = np.empty(lat.shape, dtype=np.int64)
    out[point_idx[first]] = geom_idx[first]
    return out


def grid_from_arrays(
    wards: Wards,
    res: int,
    cells: np.ndarray,
    ward_index: np.ndarray,
    inside: np.ndarray,
    neighbours: dict[int, tuple[np.ndarray, np.ndarray]],
) -> StudyGrid:
    """A grid as kept in a store: its cells, each cell's position in ``wards``, its share inside, and per
    ``k`` its neighbours as CSR arrays (indptr, indices), which become the grid's neighbour matrices."""
    grid = StudyGrid(
        res=res,
        cells=cells,
        ward_codes=np.asarray(wards.codes, dtype=object)[ward_index],
        ward_names=np.asarray(wards.names, dtype=object)[ward_index],
        districts=np.asarray(wards.districts, dtype=object)[ward_index],
        inside_share=inside,
    )
    n = len(grid)
    for k, (indptr, indices) in neighbours.items():
        matrix = sparse.csr_matrix((np.ones(indices.size), indices, indptr), shape=(n, n))
        matrix.has_sorted_indices = True
        grid.keep_neighbours(k, matrix)
    return grid
