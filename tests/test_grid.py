"""The study-area grid: full coverage including edge and empty cells, ward lookup, neighbours."""

from __future__ import annotations

import h3
import numpy as np
import pytest
import shapely

from geo.grid import study_grid
from geo.hexgrid import cell_polygons
from layers.wards import shipped_wards
from store import Store


@pytest.fixture(scope="module")
def wards():
    return shipped_wards()


def test_every_cell_touching_the_boundary_is_in_the_grid(wards):
    grid = study_grid(wards, 8)
    # candidates: the grid and a 2-cell margin round it; brute-force which really touch the area
    margin = {h3.str_to_int(c) for cell in grid.ids for c in h3.grid_disk(cell, 2)}
    candidates = np.array(sorted(margin), dtype=np.uint64)
    touching = candidates[shapely.intersects(cell_polygons(candidates), wards.area)]
    assert len(touching) > 600
    assert np.all(grid.index_of(touching) >= 0)
    # and more than the cells whose centre is inside: edge cells are kept
    centre_only = h3.polygon_to_cells(h3.geo_to_h3shape(wards.area), 8)
    assert len(grid) > len(centre_only)


def test_every_stored_incident_falls_in_a_grid_cell(wards, demo_store: Store):
    for res in (7, 8, 9, 10):
        grid = study_grid(wards, res)
        cells = demo_store.query(f"SELECT DISTINCT h3_r{res} AS c FROM incidents")["c"].to_numpy(
            dtype=np.uint64
        )
        assert np.all(grid.index_of(cells) >= 0), f"resolution {res}"


def test_grid_includes_empty_cells_and_is_sorted(wards, demo_store: Store):
    grid = study_grid(wards, 9)
    used = demo_store.query("SELECT DISTINCT h3_r9 AS c FROM incidents WHERE layer = 'ksi'")["c"]
    assert len(grid) > 4 * len(used)  # road KSI touch few cells; the rest of the grid stays in
    assert np.all(np.diff(grid.cells.astype(np.int64)) > 0)
    assert grid.index_of(np.array([0, grid.cells[5]], dtype=np.uint64)).tolist() == [-1, 5]


def test_ward_and_district_of_cells(wards):
    grid = study_grid(wards, 9)
    lat, lon = grid.centres
    inside = wards.assign(lat, lon)
    centred = inside >= 0
    assert np.array_equal(grid.ward_codes[centred], np.asarray(wards.codes, dtype=object)[inside[centred]])
    assert (~centred).sum() > 0  # edge cells whose centre is outside still get the nearest ward
    assert set(grid.ward_codes) == set(wards.codes)
    by_code = wards.district_by_code
    assert all(by_code[c] == d for c, d in zip(grid.ward_codes, grid.districts, strict=True))
    ashbrow = h3.str_to_int(h3.latlng_to_cell(53.6745, -1.7790, 9))
    assert grid.ward_names[grid.index_of(np.array([ashbrow], dtype=np.uint64))[0]] == "Ashbrow"


def test_district_and_ward_grids_stay_in_their_area(wards):
    district = study_grid(wards, 9, district="Huddersfield")
    assert set(district.districts) == {"Huddersfield"}
    whole = study_grid(wards, 9)
    assert np.all(whole.index_of(district.cells) >= 0)
    code = wards.codes[wards.names.index("Ashbrow")]
    ward = study_grid(wards, 10, ward=code)
    assert set(ward.ward_codes) == {code}
    assert 0 < len(ward) < len(district) * 7


@pytest.mark.parametrize("k", [1, 2])
def test_neighbours_are_the_k_ring_inside_the_grid(wards, k):
    grid = study_grid(wards, 8)
    weights = grid.neighbours(k)
    assert weights is grid.neighbours(k)  # built once per k
    assert np.all(weights.diagonal() == 1)
    assert set(np.unique(weights.data)) == {1.0}
    assert (weights != weights.T).nnz == 0
    for pos in np.random.default_rng(k).choice(len(grid), 60, replace=False):
        expected = {h3.str_to_int(c) for c in h3.grid_disk(grid.ids[pos], k)} & set(grid.cells.tolist())
        got = set(grid.cells[weights[pos].indices].tolist())
        assert got == expected
    full = 3 * k * (k + 1) + 1
    sizes = np.asarray(weights.sum(axis=1)).ravel()
    assert sizes.max() == full and sizes.min() < full  # edge cells lose the neighbours outside


def test_inside_share(wards):
    grid = study_grid(wards, 9)
    share = grid.inside_share
    assert share.min() >= 0 and share.max() == 1
    assert 0.8 < (share == 1).mean() < 1
    # the area of the grid's cells inside the boundary is the area of the borough (408.6 km², generalised)
    assert float((share * grid.areas_km2).sum()) == pytest.approx(408.6, rel=0.03)
    interior = grid.interior(1)
    assert np.all(share[interior] == 1)
