"""The hotspot orchestration: frames in, one row per study-area cell out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.grid import study_grid
from geo.hotspots import analyse, cell_values, layer_counts, most_common_street, slice_values
from geo.trends import time_slices
from layers.wards import shipped_wards


@pytest.fixture(scope="module")
def grid():
    return study_grid(shipped_wards(), 8)


def _frame(grid) -> pd.DataFrame:
    a, b = int(grid.cells[10]), int(grid.cells[20])
    return pd.DataFrame(
        {
            "cell": np.array([a, a, b, b, 1234], dtype=np.uint64),  # the last cell is not in the grid
            "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-02-01", "2024-06-01", "2025-01-01"]),
            "layer": ["crime", "asb", "crime", "crime", "crime"],
            "category": ["Robbery", "Nuisance", "Drugs", "Drugs", "Drugs"],
            "n": [2, 5, 1, 7, 9],
        }
    )


def test_cell_and_slice_values(grid):
    frame = _frame(grid)
    values = cell_values(frame, grid)
    assert values[10] == 7 and values[20] == 8 and values.sum() == 15  # the outside row is left out
    weighted = cell_values(
        frame, grid, {("crime", "Robbery"): 25, ("asb", "Nuisance"): 1, ("crime", "Drugs"): 8}
    )
    assert weighted[10] == 2 * 25 + 5 and weighted[20] == 8 * 8
    slices = time_slices("2025-03")
    by_slice = slice_values(frame, grid, slices)
    assert by_slice.shape == (len(grid), 12)
    assert by_slice[10, slices.get_loc(pd.Period("2025-01", "M"))] == 2
    assert by_slice[20].sum() == 8  # June 2024 is inside the 12 months to March 2025
    table = layer_counts(frame, grid)
    assert table.loc[10, "crime"] == 2 and table.loc[10, "asb"] == 5 and table["crime"].sum() == 10


def test_most_common_street(grid):
    cell = np.uint64(grid.cells[3])
    streets = pd.DataFrame(
        {
            "cell": [cell, cell, cell, np.uint64(grid.cells[4])],
            "street": ["B Road", "A Road", None, " "],
            "n": [4, 4, 9, 2],
        }
    )
    names = most_common_street(streets, grid)
    assert names[3] == "A Road"  # tie on count: alphabetical; missing names never win
    assert names[4] == "" and names[5] == ""


def test_analyse_reports_every_cell_and_what_was_left_out(grid):
    frame = _frame(grid)
    result = analyse(
        frame,
        grid,
        first=pd.Period("2025-01", "M"),
        last=pd.Period("2025-02", "M"),
        weights={("crime", "Robbery"): 25},
    )
    table = result.table
    assert len(table) == len(grid) and table["h3"].tolist() == list(grid.ids)
    assert table["count"].sum() == 8  # the June 2024 row is outside the window, the 1234 row outside the grid
    assert result.outside == 9
    assert result.unweighted == [("asb", "Nuisance"), ("crime", "Drugs")]
    assert table.loc[10, "value"] == 55 and table.loc[20, "value"] == 1
    assert (table["trend"] == "").all()  # no trend slices asked for
    hot = result.hot_cells()
    assert hot["class_code"].is_monotonic_decreasing
