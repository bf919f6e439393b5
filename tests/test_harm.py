"""Harm-weighted composite: weights from the data file, session edits, unknown categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import config
from geo.harm import (
    default_weights,
    harm_values,
    unweighted_categories,
    validate,
    weights_from_table,
    weights_table,
)


def test_default_weights_come_from_the_data_file():
    weights = default_weights()
    for lid, spec in config.layers().items():
        for category, weight in spec.categories.items():
            assert weights[(lid, category)] == weight
    assert weights[("crime", "Robbery")] > weights[("council_asb", "Nuisance")]


def test_harm_values_weigh_each_row():
    frame = pd.DataFrame(
        {
            "layer": ["crime", "asb", "fly_tipping", "crime"],
            "category": ["Robbery", "Nuisance", "Tipper lorry load", "Something new"],
            "n": [2, 10, 1, 3],
        }
    )
    weights = {
        ("crime", "Robbery"): 25.0,
        ("asb", "Nuisance"): 1.0,
        ("fly_tipping", "Tipper lorry load"): 4.0,
    }
    np.testing.assert_array_equal(harm_values(frame, weights), [50.0, 10.0, 4.0, 3.0])  # unlisted counts 1
    assert unweighted_categories(frame, weights) == [("crime", "Something new")]
    # a weight of 0 leaves a category out
    np.testing.assert_array_equal(harm_values(frame, {**weights, ("asb", "Nuisance"): 0})[1], 0.0)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "heavy", None])
def test_weights_must_be_non_negative_numbers(bad):
    with pytest.raises(ValueError, match="crime / Robbery"):
        validate({("crime", "Robbery"): bad})


def test_weights_table_round_trip_in_file_order():
    weights = default_weights()
    table = weights_table(weights)
    assert list(table.columns) == ["layer", "category", "weight"]
    assert table["layer"].iloc[0] == next(iter(config.layers()))
    edited = table.copy()
    edited.loc[edited["category"] == "Robbery", "weight"] = 40
    back = weights_from_table(edited)
    assert back[("crime", "Robbery")] == 40
    assert {k: v for k, v in back.items() if k != ("crime", "Robbery")} == {
        k: v for k, v in weights.items() if k != ("crime", "Robbery")
    }
