"""Getis-Ord Gi* hotspot statistic on a grid, with false-discovery-rate control and plain-words classes.

Why Gi*: it asks, for each cell, whether the cell *and its neighbours together* hold more (hot) or less
(cold) than the study area would give them if incidents were spread without regard to place. A lone
busy cell among quiet ones is not a hotspot; a busy neighbourhood is.

The rules, written down:

* **Weights** are binary: 1 for the cell itself and each cell within ``k`` H3 steps that is in the study
  area (see :mod:`geo.grid`), 0 otherwise. For cell *i* with neighbourhood sum ``L_i`` over ``w_i`` cells,
  ``n`` cells in the study area, study-area mean ``x̄`` and standard deviation ``S`` (dividing by ``n``)::

      z_i = (L_i - x̄ w_i) / (S * sqrt((n w_i - w_i²) / (n - 1)))

  This is Getis & Ord's (1992) Gi* z-score, and exactly what PySAL's
  ``esda.G_Local(y, w, star=True, transform="B")`` returns as ``Zs`` (the tests check it to 1e-9).
  Computing it is one sparse matrix product, so a 30,000-cell grid takes milliseconds.
* **p-value** is two-sided from the standard normal: ``p = 2 * (1 - Φ(|z|))`` (esda's ``p_norm`` is the
  one-sided half of this).
* **False discovery rate.** Testing thousands of cells at once guarantees some "significant" cells by
  chance alone. The Benjamini-Hochberg procedure (``scipy.stats.false_discovery_control``) adjusts the
  p-values so that, among the cells we call hot or cold at a confidence level, the expected share of
  false alarms is at most one minus that level. A cell's BH-adjusted p-value is at most α exactly when
  the BH procedure at level α rejects it, so comparing adjusted p-values with 0.01/0.05/0.10 gives the
  99/95/90% bands.
* **Classes**: "Hot spot, 99% confidence" when ``z > 0`` and adjusted ``p <= 0.01``; 95% for
  ``p <= 0.05``; 90% for ``p <= 0.10``; the same with "Cold spot" when ``z < 0``; otherwise
  "Not significant".
* **Edges are never cold spots.** A cell near the boundary has part of its neighbourhood outside the
  study area, where incidents are not recorded, so it looks quiet whatever happens there. Such a cell is
  only ever classed hot or "Not significant": a cold class needs every cell of its neighbourhood to lie
  wholly inside the boundary (:meth:`geo.grid.StudyGrid.interior`). Without this rule, randomly placed
  incidents produce "cold spots" all along the borough edge once volumes are large. The z-score and
  p-values are left exactly as computed; only the class changes.
* **Degenerate cases.** When every cell holds the same value (for example no incidents at all), or a
  neighbourhood covers the whole study area, there is nothing to compare: z is 0 and p is 1.

Every function accepts one column of values per cell, or a 2-D array with one column per time slice
(all slices are then scored in the same sparse product).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

#: Confidence bands, most confident first: (bin magnitude, largest p-value, words).
CONFIDENCE_BANDS: tuple[tuple[int, float, str], ...] = ((3, 0.01, "99%"), (2, 0.05, "95%"), (1, 0.10, "90%"))

#: Class code (-3 ... 3, positive = hot) -> label shown to users, hottest first.
CLASS_LABELS: dict[int, str] = {
    **{b: f"Hot spot, {words} confidence" for b, _, words in CONFIDENCE_BANDS},
    0: "Not significant",
    **{-b: f"Cold spot, {words} confidence" for b, _, words in reversed(CONFIDENCE_BANDS)},
}

#: Class code -> map colour (ColorBrewer RdBu-style: reds hot, blues cold, darker = more confident).
CLASS_COLOURS: dict[int, str] = {
    3: "#b2182b",
    2: "#ef6548",
    1: "#fdbb84",
    0: "#f7f7f7",
    -1: "#d1e5f0",
    -2: "#67a9cf",
    -3: "#2166ac",
}


def gi_star_z(values: np.ndarray, weights: sparse.spmatrix) -> np.ndarray:
    """Gi* z-scores for binary weights that include each cell itself (see the module rules).

    ``values`` is ``(n,)`` or ``(n, slices)``; the result has the same shape.
    """
    y = np.asarray(values, dtype=float)
    n = y.shape[0]
    if weights.shape != (n, n):
        raise ValueError(f"weights are {weights.shape} but there are {n} cells")
    if n < 2:
        return np.zeros_like(y)
    w_sum = np.asarray(weights.sum(axis=1)).ravel()
    if y.ndim == 2:
        w_sum = w_sum[:, None]
    lag = weights @ y
    mean = y.mean(axis=0)
    sd = y.std(axis=0)
    numerator = lag - mean * w_sum
    denominator = sd * np.sqrt(np.clip(n * w_sum - w_sum**2, 0.0, None) / (n - 1))
    # Compare with a tolerance scaled to the values: a constant column has sd of rounding-error size.
    scale = np.maximum(np.abs(y).max(axis=0), 1.0)
    ok = (sd > 1e-12 * scale) & (denominator > 0)
    return np.divide(
        numerator, denominator, out=np.zeros(np.broadcast(numerator, denominator).shape), where=ok
    )


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """Two-sided p-value of a standard-normal z (``2 * sf(|z|)``, accurate far into the tail)."""
    return 2.0 * stats.norm.sf(np.abs(z))


def fdr_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, per column (each time slice is its own family of tests)."""
    p = np.asarray(p, dtype=float)
    if p.shape[0] == 0:
        return p.copy()
    return stats.false_discovery_control(p, axis=0, method="bh")


def confidence_bins(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Class code per cell: +3/+2/+1 hot at 99/95/90%, 0 not significant, -1/-2/-3 cold (int8)."""
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    magnitude = np.zeros(z.shape, dtype=np.int8)
    for band, alpha, _ in reversed(CONFIDENCE_BANDS):  # weakest first, so stronger bands overwrite
        magnitude[p <= alpha] = band
    return (np.sign(z).astype(np.int8) * magnitude).astype(np.int8)


def class_labels(bins: np.ndarray) -> np.ndarray:
    """Plain-words label for each class code."""
    lookup = np.array([CLASS_LABELS[c] for c in range(-3, 4)], dtype=object)
    return lookup[np.asarray(bins, dtype=np.int64) + 3]


@dataclass(frozen=True)
class GiStar:
    """Gi* results aligned with the grid's cells (1-D, or 2-D with one column per time slice)."""

    z: np.ndarray
    p: np.ndarray
    p_fdr: np.ndarray
    bins: np.ndarray  # class codes from the FDR-adjusted p-values (or raw ones when fdr=False)

    @property
    def labels(self) -> np.ndarray:
        return class_labels(self.bins)


def gi_star(
    values: np.ndarray, weights: sparse.spmatrix, *, cold_allowed: np.ndarray | None = None, fdr: bool = True
) -> GiStar:
    """Gi* z, two-sided p, BH-adjusted p and the class of every cell.

    ``cold_allowed`` marks the cells that may be classed cold (normally
    :meth:`geo.grid.StudyGrid.interior`); None allows every cell. ``fdr=False`` classes cells by their
    raw p-values; it exists to show users (and tests) how many chance "hotspots" the correction removes,
    not as a recommended setting.
    """
    z = gi_star_z(values, weights)
    p = two_sided_p(z)
    p_fdr = fdr_adjust(p)
    bins = confidence_bins(z, p_fdr if fdr else p)
    if cold_allowed is not None:
        allowed = np.asarray(cold_allowed, dtype=bool)
        bins[(bins < 0) & ~(allowed[:, None] if bins.ndim == 2 else allowed)] = 0
    return GiStar(z=z, p=p, p_fdr=p_fdr, bins=bins)
