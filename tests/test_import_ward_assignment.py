"""Ward assignment on import (:meth:`geo.boundaries.Wards.assign`): the first listed ward containing a point.

The fast path (box tests, then prepared polygons ward by ward) must give exactly what testing every point
against every ward in order gives, boundary points included.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from geo.boundaries import Wards
from layers.wards import shipped_wards


@pytest.fixture(scope="module")
def wards() -> Wards:
    return shipped_wards()


def _first_ward(wards: Wards, lat: np.ndarray, lon: np.ndarray) -> list[int]:
    """The rule stated plainly, one point at a time."""
    return [
        next((i for i, g in enumerate(wards.geometries) if g.intersects(Point(x, y))), -1)
        for y, x in zip(lat.tolist(), lon.tolist(), strict=True)
    ]


def _shared_vertices(wards: Wards) -> np.ndarray:
    """Boundary corners of the first ward that also lie on another ward: (lon, lat) rows."""
    corners = shapely.get_coordinates(shapely.boundary(wards.geometries[0]))
    others = shapely.union_all(wards.geometries[1:])
    return corners[shapely.intersects_xy(others, corners[:, 0], corners[:, 1])]


def test_matches_the_point_by_point_rule_boundaries_included(wards: Wards) -> None:
    rng = np.random.default_rng(4)
    west, south, east, north = wards.area.bounds
    lon = rng.uniform(west - 0.2, east + 0.2, 3000)
    lat = rng.uniform(south - 0.2, north + 0.2, 3000)
    # corners of every ward's outline: each lies on at least one boundary, many on two or three wards
    corners = np.concatenate([shapely.get_coordinates(shapely.boundary(g))[::25] for g in wards.geometries])
    lon = np.concatenate([lon, corners[:, 0], [np.nan, -1.7, np.inf]])
    lat = np.concatenate([lat, corners[:, 1], [53.6, np.nan, 53.6]])
    assert wards.assign(lat, lon).tolist() == _first_ward(wards, lat, lon)


def test_a_point_on_a_shared_boundary_goes_to_the_ward_listed_first(wards: Wards) -> None:
    shared = _shared_vertices(wards)
    assert len(shared)  # the first ward borders others
    assigned = wards.assign(shared[:, 1], shared[:, 0])
    assert set(assigned.tolist()) == {0}


def test_outside_missing_and_shape(wards: Wards) -> None:
    assert wards.assign(np.array([53.80, np.nan, 51.5]), np.array([-1.55, -1.7, -0.12])).tolist() == [-1] * 3
    assert wards.assign(np.array([]), np.array([])).tolist() == []
    grid = wards.assign(np.full((2, 2), 53.6772), np.full((2, 2), -1.7733))
    assert grid.shape == (2, 2) and {wards.names[i] for i in grid.ravel()} == {"Ashbrow"}
