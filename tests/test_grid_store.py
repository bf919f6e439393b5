"""The study grid is data: built once, stored, read back equal to a fresh one; new boundaries, new grid.

The fresh reference is worked out here independently of :mod:`geo.grid`'s fast paths: neighbours with one
``h3.grid_disk`` per cell (not the lattice offsets), each cell's ward by testing its centre against every
ward in order and else taking the nearest (not the point-in-polygon index), the share inside by
intersecting each H3 hexagon with the area.
"""

from __future__ import annotations

import json

import h3.api.basic_int as h3
import numpy as np
import pytest
import shapely
from scipy import sparse
from shapely.geometry import mapping

from briefing.reads import study_grid as stored_grid
from geo.boundaries import Wards
from geo.grid import STORED_K, covering_cells, geography_key, neighbour_matrix, study_grid
from geo.hexgrid import RESOLUTIONS
from layers.grids import AREA_RESOLUTIONS
from layers.importer import run_import, undo
from layers.ingest import current_wards, upgrade_store
from layers.readers import Upload
from layers.wards import wards_with_districts
from store import Store
from store import grid as store_grid
from tests.import_helpers import fixture


def _reference_neighbours(cells: np.ndarray, k: int) -> sparse.csr_matrix:
    inside = {c: i for i, c in enumerate(cells.tolist())}
    rows, cols = [], []
    for i, c in enumerate(cells.tolist()):
        for d in h3.grid_disk(c, k):
            if d in inside:
                rows.append(i)
                cols.append(inside[d])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(cells), len(cells)))


def _reference_wards(wards: Wards, cells: np.ndarray, members: list[int]) -> np.ndarray:
    """The rule in the words of geo/grid.py: the first listed ward (of the area) holding the centre, else
    the nearest, ties to the first listed."""
    centres = shapely.points([h3.cell_to_latlng(c)[::-1] for c in cells.tolist()])
    out = np.full(len(cells), -1)
    for i in members:
        out[(out < 0) & shapely.intersects(wards.geometries[i], centres)] = i
    outside = np.flatnonzero(out < 0)
    if outside.size:
        distances = np.array([shapely.distance(wards.geometries[i], centres[outside]) for i in members])
        out[outside] = np.asarray(members)[np.argmin(distances, axis=0)]
    return out


def _reference_share(cells: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    hexes = shapely.polygons([[(lon, lat) for lat, lon in h3.cell_to_boundary(c)] for c in cells.tolist()])
    return shapely.area(shapely.intersection(hexes, area)) / shapely.area(hexes)


def _assert_is_the_fresh_grid(grid, wards: Wards, res: int, district: str | None, ward: str | None) -> None:
    area = wards.geometry_of(district=district, ward=ward)
    cells = covering_cells(area, res)
    np.testing.assert_array_equal(grid.cells, cells)
    if ward is not None:
        members = [wards.codes.index(ward)]
    else:
        members = [i for i, d in enumerate(wards.districts) if district is None or d == district]
    expected = _reference_wards(wards, cells, members)
    assert grid.ward_codes.tolist() == [wards.codes[i] for i in expected]
    assert grid.ward_names.tolist() == [wards.names[i] for i in expected]
    assert grid.districts.tolist() == [wards.districts[i] for i in expected]
    np.testing.assert_allclose(grid.inside_share, _reference_share(cells, area), atol=1e-9)
    got, want = grid.neighbours(STORED_K), _reference_neighbours(cells, STORED_K)
    assert (got != want).nnz == 0 and np.all(got.data == 1.0)


def _read_from_store(store: Store, wards: Wards, res: int, district=None, ward=None):
    """The grid as briefing.reads reads it, asserting it really came from the store (not computed)."""
    key = geography_key(wards)
    assert store_grid.read_grid(store, key, res, store_grid.area_key(district, ward), STORED_K) is not None
    return stored_grid(store, wards, res, district=district, ward=ward)


@pytest.mark.parametrize("res", RESOLUTIONS)
def test_the_stored_demo_grid_equals_a_fresh_one_at_every_resolution(demo_store: Store, res: int) -> None:
    wards = current_wards(demo_store)
    _assert_is_the_fresh_grid(_read_from_store(demo_store, wards, res), wards, res, None, None)


@pytest.mark.parametrize("res", AREA_RESOLUTIONS)
def test_stored_district_and_ward_grids_equal_fresh_ones(demo_store: Store, res: int) -> None:
    wards = current_wards(demo_store)
    district = wards.district_names[res % len(wards.district_names)]
    ward = wards.wards_in(district)[0]
    _assert_is_the_fresh_grid(_read_from_store(demo_store, wards, res, district), wards, res, district, None)
    _assert_is_the_fresh_grid(_read_from_store(demo_store, wards, res, ward=ward), wards, res, None, ward)


def test_every_area_of_the_demo_is_stored_and_unstored_ones_are_computed(demo_store: Store) -> None:
    wards = current_wards(demo_store)
    key = geography_key(wards)
    areas = [store_grid.area_key()]
    areas += [store_grid.area_key(district=d) for d in wards.district_names]
    areas += [store_grid.area_key(ward=c) for c in wards.codes]
    with demo_store.reading():  # one connection for the 88 reads
        for res in RESOLUTIONS:
            for area in areas if res in AREA_RESOLUTIONS else areas[:1]:
                assert store_grid.read_grid(demo_store, key, res, area, STORED_K) is not None, (res, area)
    finest = max(RESOLUTIONS)
    code = wards.codes[0]
    assert store_grid.read_grid(demo_store, key, finest, store_grid.area_key(ward=code), STORED_K) is None
    computed = stored_grid(demo_store, wards, finest, ward=code)  # not stored: computed, the same rules
    np.testing.assert_array_equal(computed.cells, study_grid(wards, finest, ward=code).cells)


def test_wider_neighbourhoods_are_computed_alike(demo_store: Store) -> None:
    grid = stored_grid(demo_store, current_wards(demo_store), 9)
    for k in (2, 3):
        assert (grid.neighbours(k) != _reference_neighbours(grid.cells, k)).nnz == 0


def _renamed_wards(wards: Wards, prefix: str) -> bytes:
    """The shipped shapes under new ward codes (a new boundary vintage), as a GeoJSON upload."""
    features = [
        {
            "type": "Feature",
            "properties": {"WD24CD": f"{prefix}{i:04d}", "WD24NM": name},
            "geometry": mapping(geometry),
        }
        for i, (name, geometry) in enumerate(zip(wards.names, wards.geometries, strict=True))
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_new_boundaries_bring_a_new_grid_and_undo_brings_the_old_one(empty_store: Store) -> None:
    (police,) = run_import(empty_store, "police-csv", [fixture("police-street-2024-06.csv")])
    assert police.error is None
    shipped = current_wards(empty_store)
    assert not store_grid.grids_stored(empty_store, geography_key(shipped))  # an import builds no grid
    upgrade_store(empty_store)  # the upgrade path: a store without grids gets them when opened
    assert store_grid.grids_stored(empty_store, geography_key(shipped))
    old = _read_from_store(empty_store, shipped, 8)

    upload = Upload("wards-2024.geojson", _renamed_wards(shipped, "E0599"))
    (loaded,) = run_import(empty_store, "wards", [upload])
    assert loaded.error is None, loaded.error
    new_wards = current_wards(empty_store)
    assert geography_key(new_wards) != geography_key(shipped)
    new = _read_from_store(empty_store, new_wards, 8)  # stored with the boundaries, in their transaction
    assert set(new.ward_codes) == set(new_wards.codes) and all(c.startswith("E0599") for c in new.ward_codes)
    _assert_is_the_fresh_grid(new, new_wards, 8, None, None)

    undo(empty_store, loaded.import_id)
    back = current_wards(empty_store)
    assert geography_key(back) == geography_key(shipped)
    again = _read_from_store(empty_store, back, 8)
    assert again.ward_codes.tolist() == old.ward_codes.tolist()
    assert (again.neighbours(STORED_K) != old.neighbours(STORED_K)).nnz == 0


def test_a_refused_boundary_file_stores_no_grid(empty_store: Store) -> None:
    run_import(empty_store, "police-csv", [fixture("police-street-2024-06.csv")])
    shipped = current_wards(empty_store)
    moved = _renamed_wards(shipped, "E0577").replace(b"53.", b"54.")  # every ward 111 km north
    (report,) = run_import(empty_store, "wards", [Upload("moved.geojson", moved)])
    assert report.error is not None
    wrong = wards_with_districts(json.loads(moved), "moved.geojson")
    assert not store_grid.grids_stored(empty_store, geography_key(wrong))


def test_neighbours_next_to_a_pentagon_equal_grid_disk() -> None:
    """Around one of H3's twelve pentagons the hexagons are not a regular lattice: the neighbours must
    still be every cell's ``grid_disk`` (here H3 gives no local coordinates across the pentagon)."""
    pentagon = h3.get_pentagons(9)[0]
    cells = np.unique(np.asarray(h3.grid_disk(pentagon, 4), dtype=np.uint64))
    for k in (1, 2):
        assert (neighbour_matrix(cells, k) != _reference_neighbours(cells, k)).nnz == 0
