"""Exact hexagons: a hexagon's count is the incidents whose point lies inside it, at every resolution.

H3 cells do not nest exactly, so taking the parent of a fine cell moves points near an edge into the
neighbouring hexagon. The independent reference here is geometry: each hexagon's outline from H3 as a
shapely polygon, and a point-in-polygon test for every incident.
"""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon

from layers.importer import run_import
from layers.ingest import CELL_INDEXING_KEY, upgrade_store
from layers.readers import Upload
from store import Store
from store.queries import Filters, cell_counts
from tests.import_helpers import fixture


def _point_in_hexagon_counts(lat: np.ndarray, lon: np.ndarray, cells: np.ndarray) -> dict[int, int]:
    """Incidents per hexagon by geometry alone: which cell's outline holds each point."""
    polygons = [Polygon([(x, y) for y, x in h3.cell_to_boundary(h3.int_to_str(int(c)))]) for c in cells]
    tree = shapely.STRtree(polygons)
    point_idx, poly_idx = tree.query(shapely.points(lon, lat), predicate="within")
    assert len(np.unique(point_idx)) == len(lat)  # every point found its hexagon
    found = pd.Series(cells[poly_idx]).value_counts()
    return {int(c): int(n) for c, n in found.items()}


@pytest.mark.parametrize("res", [8, 9])
def test_stored_counts_equal_point_in_hexagon_counts(demo_store: Store, res: int) -> None:
    window = Filters(start=pd.Timestamp("2025-07-01").date(), end=pd.Timestamp("2025-09-30").date())
    stored = cell_counts(demo_store, window, res)
    points = demo_store.query(
        "SELECT lat, lon FROM incidents WHERE date BETWEEN ? AND ?", [window.start, window.end]
    )
    # candidate hexagons: the stored ones and every neighbour, so a misplaced point would be caught
    candidates = {int(c) for c in stored["cell"]}
    candidates |= {h3.str_to_int(n) for c in list(candidates) for n in h3.grid_disk(h3.int_to_str(c), 1)}
    by_geometry = _point_in_hexagon_counts(
        points["lat"].to_numpy(), points["lon"].to_numpy(), np.array(sorted(candidates), dtype=np.uint64)
    )
    assert dict(zip(stored["cell"].astype(int), stored["n"].astype(int), strict=True)) == by_geometry


def _edge_point() -> tuple[float, float]:
    """A point in Huddersfield whose res-9 hexagon is not the parent of its res-10 hexagon."""
    for lat in np.arange(53.640, 53.660, 0.0002):
        for lon in np.arange(-1.80, -1.78, 0.0002):
            fine = h3.latlng_to_cell(lat, lon, 10)
            if h3.cell_to_parent(fine, 9) != h3.latlng_to_cell(lat, lon, 9):
                return round(float(lat), 6), round(float(lon), 6)
    raise AssertionError("no edge point found")


def test_an_older_store_is_reindexed_once_with_nothing_lost(tmp_path: Path) -> None:
    store = Store(tmp_path / "old.duckdb")
    run_import(store, "police-csv", [fixture("police-street-2024-06.csv")])
    lat, lon = _edge_point()
    edge = f"Crime ID,Month,Longitude,Latitude,Crime type\nedge1,2024-07,{lon},{lat},Drugs\n"
    run_import(store, "police-csv", [Upload("edge.csv", edge.encode())])
    direct = store.query("SELECT source_id, h3_r7, h3_r8, h3_r9, h3_r10 FROM incidents ORDER BY source_id")
    old_r9 = h3.str_to_int(h3.cell_to_parent(h3.latlng_to_cell(lat, lon, 10), 9))
    # what an earlier version wrote: coarse cells as parents of the res-10 cell, no marker, no coverage
    with store.transaction() as con:
        rows = con.execute("SELECT source_id, h3_r10 FROM incidents").fetchall()
        for source_id, fine in rows:
            parents = [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(fine), r)) for r in (7, 8, 9)]
            con.execute(
                "UPDATE incidents SET h3_r7 = ?, h3_r8 = ?, h3_r9 = ? WHERE source_id = ?",
                [*parents, source_id],
            )
        con.execute("DELETE FROM meta WHERE key = ?", [CELL_INDEXING_KEY])
        con.execute("DELETE FROM coverage")
    before = store.query("SELECT * EXCLUDE (h3_r7, h3_r8, h3_r9) FROM incidents ORDER BY source_id")
    assert store.query("SELECT h3_r9 FROM incidents WHERE source_id = 'edge1'")["h3_r9"][0] == old_r9

    upgrade_store(store)

    after = store.query("SELECT * EXCLUDE (h3_r7, h3_r8, h3_r9) FROM incidents ORDER BY source_id")
    pd.testing.assert_frame_equal(before, after)  # every record and every other column kept
    moved = store.query("SELECT h3_r9 FROM incidents WHERE source_id = 'edge1'")["h3_r9"][0]
    assert moved == h3.str_to_int(h3.latlng_to_cell(lat, lon, 9))  # back in the hexagon it lies in
    cells = store.query("SELECT source_id, h3_r7, h3_r8, h3_r9, h3_r10 FROM incidents ORDER BY source_id")
    pd.testing.assert_frame_equal(cells, direct)
    months = sorted(pd.to_datetime(store.coverage()["month"]).dt.strftime("%Y-%m").unique())
    assert months == ["2024-06", "2024-07"]  # coverage recovered from what each import stored
    version = store.version()
    upgrade_store(store)  # once only: a second open changes nothing
    assert store.version() == version
