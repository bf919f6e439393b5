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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import h3.api.basic_int as h3
import numpy as np
import shapely
from scipy import sparse
from shapely.geometry.base import BaseGeometry

from geo.boundaries import Wards
from geo.hexgrid import RESOLUTIONS


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
        ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(int(self.cells[position]))]
        return [*ring, ring[0]]

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
            disks = [h3.grid_disk(c, k) for c in self.cells.tolist()]
            lengths = np.fromiter((len(d) for d in disks), dtype=np.int64, count=len(disks))
            flat = np.fromiter(chain.from_iterable(disks), dtype=np.uint64, count=int(lengths.sum()))
            rows = np.repeat(np.arange(len(self)), lengths)
            cols = self.index_of(flat)
            keep = cols >= 0
            n = len(self)
            matrix = sparse.csr_matrix(
                (np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n, n), dtype=float
            )
            matrix.sort_indices()
            self._neighbours[k] = matrix
        return self._neighbours[k]


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

    Callers that redraw often (the app) should cache the result per (boundaries, res, district, ward).
    """
    area = wards.geometry_of(district=district, ward=ward)
    cells = covering_cells(area, res)
    ward_idx = cell_wards(wards, cells, district=district, ward=ward)
    return StudyGrid(
        res=res,
        cells=cells,
        ward_codes=np.asarray(wards.codes, dtype=object)[ward_idx],
        ward_names=np.asarray(wards.names, dtype=object)[ward_idx],
        districts=np.asarray(wards.districts, dtype=object)[ward_idx],
        inside_share=inside_share(cells, area),
    )


def cell_wards(
    wards: Wards, cells: np.ndarray, *, district: str | None = None, ward: str | None = None
) -> np.ndarray:
    """Position in ``wards`` of the ward each cell (uint64) belongs to: the grid's rule, without a grid.

    The rule (see the module docstring) is the ward holding the cell's centre, else the nearest ward,
    choosing only among the wards of the area asked for (a ward code, a district, or neither for the whole
    study area), exactly as :func:`study_grid` names its cells. Every page, pack and export that names a
    hexagon's ward goes through here, so one hexagon never carries two ward names (a rule such as "the
    ward with most of its incidents" would change with the filters).
    """
    if ward is not None:
        members = np.array([wards.codes.index(ward)])
    else:
        members = np.array([i for i, d in enumerate(wards.districts) if district is None or d == district])
    lat, lon = cell_centres(cells)
    return members[_nearest(np.asarray(wards.geometries, dtype=object)[members], lat, lon)]


def cell_polygons(cells: np.ndarray) -> np.ndarray:
    """Shapely hexagons (EPSG:4326) of H3 cells given as uint64."""
    return shapely.polygons(
        [[(lon, lat) for lat, lon in h3.cell_to_boundary(c)] for c in np.asarray(cells).tolist()]
    )


def inside_share(cells: np.ndarray, area: BaseGeometry) -> np.ndarray:
    """Share of each cell's area that lies inside ``area`` (1 exactly for cells wholly inside).

    Computed on longitude/latitude: a ratio of areas within one small hexagon is unaffected by the
    (locally constant) stretch between degrees and metres.
    """
    hexes = cell_polygons(cells)
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
