r"""How far to trust a hotspot map: did the cells it flagged catch the incidents that came next?

Why: a map that looks convincing is not the same as one that points officers at the right streets. The
standard check in crime mapping (Chainey, Tompson & Uhlig 2008) is to draw the map from one period and
count how much of the *following* period's activity fell inside the flagged area.

The rules, written down:

* **Split.** A training window (e.g. the last 12 months before a cut-off) and a test window right after
  it (e.g. the next 3 months), on the same filters, grid and weights.
* **Hit rate** = share of the test window's incidents (or harm, for a harm-weighted map) that fell in the
  flagged cells.
* **Predictive Accuracy Index (PAI)** = hit rate ÷ share of the study area flagged. 1 means no better than
  flagging cells at random; higher is better. Areas are real H3 cell areas.
* **Methods compared on the same split and the same number of flagged cells** (so the same area):

  1. *Gi\* hot spots* - cells classed hot at 95% confidence or more (permutation p-values after
     false-discovery control, as on the map) on the training window. This fixes how many cells every
     method may flag.
  2. *Top cells by count* - the cells with the highest training totals.
  3. *Kernel density* - a quartic-kernel density surface of the training incidents (located at the
     centres of their finest cells), read at each cell's centre; the highest-density cells are flagged.
     The default bandwidth reaches as far as the Gi* neighbourhood: ``(k + 1/2)`` times the distance
     between neighbouring cell centres.

  Ties in score are broken by the grid's cell order, so the same inputs always flag the same cells. When
  Gi* flags no cell there is nothing to compare and every figure is left empty (NaN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

import config
from geo.crs import to_bng
from geo.gistar import gi_star
from geo.grid import StudyGrid

GISTAR = "Gi* hot spots (95%+)"
TOP_COUNT = "Top cells by count"
KERNEL = "Kernel density"


def to_metres(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(x, y) in metres on the British National Grid, one row per point."""
    x, y = to_bng(lon, lat)
    return np.column_stack([x, y])


def default_bandwidth_m(res: int, k: int) -> float:
    """Kernel reach matching a Gi* neighbourhood of ``k`` steps: ``(k + 1/2)`` x centre spacing."""
    return (k + 0.5) * h3.average_hexagon_edge_length(res, "m") * math.sqrt(3)


def quartic_density(
    source_xy: np.ndarray, source_weight: np.ndarray, target_xy: np.ndarray, bandwidth_m: float
) -> np.ndarray:
    """Quartic (biweight) kernel density at each target, per km².

    ``K(d) = 3 / (π h²) · (1 - d²/h²)²`` for ``d < h``, else 0: the kernel used by most crime-mapping
    software. Only pairs closer than the bandwidth are visited (a sparse distance matrix).
    """
    if bandwidth_m <= 0:
        raise ValueError("the kernel bandwidth must be positive")
    out = np.zeros(len(target_xy))
    if len(source_xy) == 0 or len(target_xy) == 0:
        return out
    pairs = cKDTree(target_xy).sparse_distance_matrix(
        cKDTree(source_xy), bandwidth_m, output_type="coo_matrix"
    )
    kernel = 3.0 / (math.pi * bandwidth_m**2) * (1.0 - (pairs.data / bandwidth_m) ** 2) ** 2
    np.add.at(out, pairs.row, kernel * np.asarray(source_weight, dtype=float)[pairs.col])
    return out * 1e6


def top_cells(scores: np.ndarray, n: int) -> np.ndarray:
    """Boolean mask of the ``n`` highest-scoring cells with a score above 0 (ties: lower position first)."""
    scores = np.asarray(scores, dtype=float)
    mask = np.zeros(scores.shape, dtype=bool)
    order = np.argsort(-scores, kind="stable")[:n]
    mask[order[scores[order] > 0]] = True
    return mask


@dataclass(frozen=True)
class Capture:
    """How one method's flagged cells did on the test window."""

    method: str
    cells: int
    area_share: float
    hit_rate: float
    pai: float


def capture(method: str, flagged: np.ndarray, future: np.ndarray, areas_km2: np.ndarray) -> Capture:
    """Hit rate and PAI of a flagged-cell mask against the test window's per-cell totals."""
    flagged = np.asarray(flagged, dtype=bool)
    total = float(np.sum(future))
    area_share = float(areas_km2[flagged].sum() / areas_km2.sum()) if flagged.any() else math.nan
    hit_rate = float(future[flagged].sum() / total) if total > 0 and flagged.any() else math.nan
    pai = hit_rate / area_share if area_share and not math.isnan(hit_rate) else math.nan
    return Capture(method, int(flagged.sum()), area_share, hit_rate, pai)


def compare(
    grid: StudyGrid,
    train: np.ndarray,
    test: np.ndarray,
    *,
    k: int = 1,
    kde_source_xy: np.ndarray,
    kde_source_weight: np.ndarray,
    bandwidth_m: float | None = None,
) -> pd.DataFrame:
    """The three methods of the module rules on one split; one row per method.

    ``train``/``test`` are per-cell totals on the grid; ``kde_source_*`` are the training incidents as
    points in metres (see :func:`to_metres`) with their counts or harm weights.
    """
    bandwidth = bandwidth_m or default_bandwidth_m(grid.res, k)
    evidence = config.hotspot_settings()
    gi = gi_star(train, grid.neighbours(k), permutations=evidence.permutations, seed=evidence.seed)
    gi_flags = gi.bins >= 2
    n = int(gi_flags.sum())
    lat, lon = grid.centres
    density = quartic_density(kde_source_xy, kde_source_weight, to_metres(lat, lon), bandwidth)
    rows = [
        capture(GISTAR, gi_flags, test, grid.areas_km2),
        capture(TOP_COUNT, top_cells(train, n), test, grid.areas_km2),
        capture(f"{KERNEL} ({bandwidth:,.0f} m)", top_cells(density, n), test, grid.areas_km2),
    ]
    return pd.DataFrame([r.__dict__ for r in rows])
