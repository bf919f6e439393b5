"""Hit rate and Predictive Accuracy Index for Gi* and the two baselines."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geo.evaluation import GISTAR, TOP_COUNT, capture, compare, quartic_density, to_metres, top_cells
from geo.grid import study_grid
from geo.hotspots import evaluate
from layers.wards import shipped_wards
from store import Store
from store.queries import Filters, cell_months


def test_capture_hand_example():
    # 10 equal cells; 2 flagged (20% of the area) catch 6 of 12 future incidents (50%): PAI 2.5
    future = np.array([4, 2, 1, 1, 1, 1, 1, 1, 0, 0], dtype=float)
    flagged = np.zeros(10, dtype=bool)
    flagged[:2] = True
    result = capture("m", flagged, future, np.full(10, 0.1))
    assert (result.cells, result.area_share, result.hit_rate, result.pai) == (2, pytest.approx(0.2), 0.5, 2.5)
    empty = capture("m", np.zeros(10, dtype=bool), future, np.full(10, 0.1))
    assert math.isnan(empty.hit_rate) and math.isnan(empty.pai)


def test_top_cells_breaks_ties_by_position_and_skips_zero():
    scores = np.array([1.0, 5.0, 3.0, 5.0, 0.0, 0.0])
    assert np.flatnonzero(top_cells(scores, 3)).tolist() == [1, 2, 3]
    assert np.flatnonzero(top_cells(scores, 2)).tolist() == [1, 3]
    assert np.flatnonzero(top_cells(scores, 6)).tolist() == [0, 1, 2, 3]


def test_quartic_kernel_integrates_to_the_weight():
    # density of one point of weight 3, summed over a fine 10 m lattice, gives back 3 incidents
    bandwidth = 200.0
    axis = np.arange(-250, 251, 10.0)
    xx, yy = np.meshgrid(axis, axis)
    targets = np.column_stack([xx.ravel(), yy.ravel()])
    density = quartic_density(np.zeros((1, 2)), np.array([3.0]), targets, bandwidth)  # per km²
    assert density.sum() * (10 * 10) / 1e6 == pytest.approx(3.0, rel=1e-3)
    assert density.max() == pytest.approx(3 * 3 / (math.pi * bandwidth**2) * 1e6)
    assert density[np.hypot(targets[:, 0], targets[:, 1]) >= bandwidth].max() == 0


def test_to_metres_is_british_national_grid():
    xy = to_metres(np.array([53.6458]), np.array([-1.7850]))  # Huddersfield town centre
    assert xy[0, 0] == pytest.approx(414_300, abs=600) and xy[0, 1] == pytest.approx(416_600, abs=600)


def test_compare_methods_on_a_planted_persistent_hotspot():
    grid = study_grid(shipped_wards(), 8)
    rng = np.random.default_rng(4)
    rate = np.full(len(grid), 0.5)
    planted = grid.neighbours(1)[100].indices
    rate[planted] = 12.0  # a busy neighbourhood (7 of 708 cells) that stays busy
    train, test = rng.poisson(rate * 12), rng.poisson(rate * 3)
    lat, lon = grid.centres
    table = compare(grid, train, test, kde_source_xy=to_metres(lat, lon), kde_source_weight=train)
    assert table["cells"].nunique() == 1  # every method flags the same number of cells
    gi = table.set_index("method").loc[GISTAR]
    assert 7 <= gi["cells"] <= 19  # the busy cells, perhaps with their ring of neighbours
    assert gi["hit_rate"] >= test[planted].sum() / test.sum()  # it caught the whole busy neighbourhood
    assert (table["pai"] > 5).all()
    assert table.set_index("method").loc[TOP_COUNT, "hit_rate"] >= test[planted].sum() / test.sum() * 0.9


def test_evaluate_on_the_demo(demo_store: Store):
    grid = study_grid(shipped_wards(), 9)
    filters = Filters(layers=("council_asb",))  # the demo's (typed) ASB
    frame, fine = cell_months(demo_store, filters, 9), cell_months(demo_store, filters, 10)
    period = pd.Period
    table = evaluate(
        frame,
        fine,
        grid,
        train=(period("2024-04", "M"), period("2025-03", "M")),
        test=(period("2025-04", "M"), period("2025-06", "M")),
    )
    print(table.to_string())
    assert len(table) == 3
    assert (table["pai"] > 3).all()  # town-centre concentration is real in the demo
    assert (table["area_share"] < 0.1).all()
    with pytest.raises(ValueError, match="after the training window"):
        evaluate(
            frame,
            fine,
            grid,
            train=(period("2025-01", "M"), period("2025-06", "M")),
            test=(period("2025-06", "M"), period("2025-07", "M")),
        )
