"""Harm-weighted composite: one score per cell that counts serious incidents for more than minor ones.

Why: a cell with ten robberies and a cell with ten littering reports are not equally urgent. Partners
set relative weights per category in ``data/layers.toml`` (a nuisance ASB incident = 1; the file explains
the default, inspired by crime-harm indices); the app lets a user change them for the session only.

The rules, written down:

* A cell's harm score is ``Σ weight(layer, category) × count(layer, category)`` over the incidents kept by
  the filters.
* A category with no weight in the file (for example a new category in a future police.uk release)
  counts 1, the unit of the scale, and is listed by :func:`unweighted_categories` so pages can say so.
* A weight of 0 leaves a category out; weights must be finite and not negative.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

import config

#: (layer id, category) -> relative harm weight
Weights = Mapping[tuple[str, str], float]

#: Weight of a category the weights do not mention.
UNLISTED_WEIGHT = 1.0


def default_weights() -> dict[tuple[str, str], float]:
    """The weights from ``data/layers.toml``."""
    return {(lid, cat): w for lid, spec in config.layers().items() for cat, w in spec.categories.items()}


def validate(weights: Weights) -> dict[tuple[str, str], float]:
    """A plain dict copy of ``weights``; ValueError naming the first negative or non-numeric weight."""
    out: dict[tuple[str, str], float] = {}
    for (layer, category), value in weights.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not np.isfinite(number) or number < 0:
            raise ValueError(
                f"harm weight for {layer} / {category} must be a number of 0 or more, not {value!r}"
            )
        out[(layer, category)] = number
    return out


def row_weights(frame: pd.DataFrame, weights: Weights) -> np.ndarray:
    """The weight of each row of a frame with ``layer`` and ``category`` columns (vectorised lookup)."""
    if frame.empty:
        return np.zeros(0)
    table = pd.Series(validate(weights), dtype=float)
    if table.empty:
        return np.full(len(frame), UNLISTED_WEIGHT)
    keys = pd.MultiIndex.from_arrays([frame["layer"].to_numpy(), frame["category"].to_numpy()])
    return table.reindex(keys).fillna(UNLISTED_WEIGHT).to_numpy(dtype=float)


def harm_values(frame: pd.DataFrame, weights: Weights, count_column: str = "n") -> np.ndarray:
    """Weighted count of each row: ``weight(layer, category) × frame[count_column]``."""
    return row_weights(frame, weights) * frame[count_column].to_numpy(dtype=float)


def unweighted_categories(frame: pd.DataFrame, weights: Weights) -> list[tuple[str, str]]:
    """(layer, category) pairs in ``frame`` that the weights do not mention (they count 1 each)."""
    present = frame[["layer", "category"]].drop_duplicates().itertuples(index=False, name=None)
    return sorted(pair for pair in present if pair not in weights)


def weights_table(weights: Weights) -> pd.DataFrame:
    """Weights as an editable table (layer, category, weight), in the data file's layer order."""
    order = {lid: i for i, lid in enumerate(config.layers())}
    rows = sorted(weights.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0][0], kv[0][1]))
    return pd.DataFrame(
        [(layer, category, value) for (layer, category), value in rows],
        columns=["layer", "category", "weight"],
    )


def weights_from_table(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Inverse of :func:`weights_table`, validated (used when a user edits the table in the app)."""
    return validate(
        {
            (str(r.layer), str(r.category)): r.weight
            for r in table[["layer", "category", "weight"]].itertuples()
        }
    )
