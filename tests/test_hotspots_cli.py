"""``hotspots hotspots``: one JSON object per study-area cell that re-checks against the statistic."""

from __future__ import annotations

import json

import numpy as np
import pytest

import cli
from geo.gistar import gi_star_z
from geo.grid import study_grid
from layers.ingest import current_wards
from store import Store


def _run_json(capsys, store: Store, *args: str) -> dict:
    assert cli.main(["hotspots", "--store", str(store.path), *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_every_study_area_cell_and_rechecks(capsys, demo_store: Store, tmp_path):
    geojson = tmp_path / "cells.geojson"
    out = _run_json(
        capsys, demo_store, "--layer", "crime", "--category", "Drugs", "--res", "8", "--geojson", str(geojson)
    )
    grid = study_grid(current_wards(demo_store), 8)
    cells = out["cells"]
    assert len(cells) == len(grid) == out["cell_count"]
    assert {c["h3"] for c in cells} == set(grid.ids)
    assert out["synthetic"] is True and "SYNTHETIC" in out["note"]
    assert out["layers"] == ["crime"] and out["categories"] == {"crime": ["Drugs"]}
    assert out["first_month"] == "2024-10" and out["last_month"] == "2025-09"
    first = cells[0]
    for key in ("h3", "count", "value", "z", "p", "p_fdr", "class", "ward", "ward_code", "district", "trend"):
        assert key in first
    # zero-count cells are in, and the counts add up to the store's Drugs crimes in the window
    counts = np.array([c["count"] for c in cells])
    assert (counts == 0).sum() > len(cells) / 4
    total = demo_store.query(
        "SELECT count(*) AS n FROM incidents "
        "WHERE category = 'Drugs' AND date BETWEEN '2024-10-01' AND '2025-09-30'"
    )["n"][0]
    assert counts.sum() == total
    # anyone can recompute z from the JSON counts and the grid's neighbours
    order = grid.index_of(np.array([int(c["h3"], 16) for c in cells], dtype=np.uint64))
    values = np.zeros(len(grid))
    values[order] = counts
    z = np.array([c["z"] for c in cells])
    np.testing.assert_allclose(z, gi_star_z(values, grid.neighbours(1))[order], atol=1e-9)
    assert sum(out["classes"].values()) == len(cells)
    # the GeoJSON holds the same cells as closed hexagons
    features = json.loads(geojson.read_text())["features"]
    assert len(features) == len(cells)
    ring = features[0]["geometry"]["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1]
    assert features[0]["properties"]["h3"] == cells[0]["h3"]


def test_harm_weighted_ward_run(capsys, demo_store: Store):
    out = _run_json(
        capsys, demo_store, "--harm", "--ward", "Ashbrow", "--start", "2025-01", "--end", "2025-06"
    )
    assert out["resolution"] == 9  # the local default
    assert out["value"].startswith("harm-weighted")
    assert {c["ward"] for c in out["cells"]} == {"Ashbrow"}
    weighted = sum(c["value"] for c in out["cells"])
    assert weighted > sum(c["count"] for c in out["cells"])  # most categories weigh more than 1
    assert out["trend_slices"][-1] == "2025-06"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "nope"], "unknown layer"),
        (["--layer", "asb", "--category", "Robbery"], "no category 'Robbery'"),
        (["--district", "Atlantis"], "unknown district"),
        (["--ward", "Nowhere"], "no ward 'Nowhere'"),
        (["--start", "2025-13"], "--start must be a month"),
        (["--start", "2025-06", "--end", "2025-01"], "must not be after"),
    ],
)
def test_bad_arguments_are_explained(capsys, demo_store: Store, args, message):
    assert cli.main(["hotspots", "--store", str(demo_store.path), *args]) == 1
    assert message in capsys.readouterr().err
