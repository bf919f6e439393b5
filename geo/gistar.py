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
* **p-value: conditional permutation**, as PySAL's ``esda.G_Local(..., permutations=999)`` computes its
  ``p_sim``. Why not the normal curve: counts per cell are small and skewed, and under the normal
  approximation a single road collision in a quiet area makes its whole 7-cell neighbourhood a "99%" hot
  spot. Instead each cell keeps its own value and its neighbours are replaced, ``permutations`` times, by
  as many other cells of the study area drawn at random (without repeats): if incidents were spread
  without regard to place, how often would a random neighbourhood hold as much as the real one?

  - The **hot-side** pseudo p-value is (random neighbourhood totals at least the real one + 1) /
    (permutations + 1); the **cold-side** one counts totals at most the real one. A random total *equal*
    to the real one counts on both sides: that is esda's documented rule ((M + 1) / (R + 1), M = draws
    "equal to or more extreme"). esda's folded ``p_sim`` is the smaller of the two, except that its code
    counts ties only on the hot side; so in a sparse layer, where most neighbourhoods are empty, it calls
    every empty neighbourhood an extreme cold spot (``p_sim`` = 0.001). Here such a cell gets p = 1.
  - **The p used for the bands** is twice the one-sided value on the side the z-score points to (hot
    side when z > 0, cold side when z < 0), at most 1. esda folds to whichever side is smaller, a
    one-sided figure; doubling it makes a two-sided test, like the normal p-value it replaces, because
    we look for hot *and* cold spots. So p <= 0.01 means fewer than 1 random neighbourhood in 200 was as
    extreme on that side, and z and p never point different ways.
  - The draws are seeded: the same data and seed always give the same classes. With ``R`` permutations
    the smallest possible p is 2 / (R + 1); because of the false-discovery control below, the app uses
    ``[hotspots] permutations`` in ``data/settings.toml`` (see that file for the number and why).
  - With ``k = 0`` a cell has no neighbours to compare, nothing is random, and no cell is significant.
* **False discovery rate.** Testing thousands of cells at once guarantees some "significant" cells by
  chance alone. The Benjamini-Hochberg procedure (``scipy.stats.false_discovery_control``) adjusts the
  p-values so that, among the cells we call hot or cold at a confidence level, the expected share of
  false alarms is at most one minus that level. A cell's BH-adjusted p-value is at most α exactly when
  the BH procedure at level α rejects it, so comparing adjusted p-values with 0.01/0.05/0.10 gives the
  99/95/90% bands.
* **Classes**: "Hot spot, 99% confidence" when ``z > 0`` and adjusted ``p <= 0.01``; 95% for
  ``p <= 0.05``; 90% for ``p <= 0.10``; the same with "Cold spot" when ``z < 0``; otherwise
  "Not significant".
* **A cell with no incidents is never a hot spot.** A cell whose own value is 0 (nothing counted there)
  is only ever classed cold or "Not significant", however busy its neighbours: a hot spot is a place to
  send people to, and there is nothing at this one. Its z and p are left as computed.
* **Edges are never cold spots.** A cell near the boundary has part of its neighbourhood outside the
  study area, where incidents are not recorded, so it looks quiet whatever happens there. Such a cell is
  only ever classed hot or "Not significant": a cold class needs every cell of its neighbourhood to lie
  wholly inside the boundary (:meth:`geo.grid.StudyGrid.interior`). Without this rule, randomly placed
  incidents produce "cold spots" all along the borough edge once volumes are large. The z-score and
  p-values are left exactly as computed; only the class changes.
* **Degenerate cases.** When every cell holds the same value (for example no incidents at all), or a
  neighbourhood covers the whole study area, there is nothing to compare: z is 0 and p is 1.
* **Too few incidents.** Below a minimum number of incidents in the window (a setting) the analysis says
  so instead of drawing classes; that rule needs the window's incident count, so it is applied in
  :func:`geo.hotspots.analyse`.

Every function accepts one column of values per cell, or a 2-D array with one column per time slice
(all slices are then scored in the same sparse product, against the same random draws).
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

#: Permutations when a caller names none: esda's default, so results compare directly with its ``p_sim``.
#: The app passes ``[hotspots] permutations`` from ``data/settings.toml`` instead.
PERMUTATIONS = 999

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


@dataclass(frozen=True)
class PermutationTails:
    """For each cell, how many of ``permutations`` random neighbourhoods reached its real one, per side.

    ``above`` counts random neighbourhood totals at least the real total, ``below`` at most it (a tie counts
    in both); both have the shape of the values. See the module rules.
    """

    above: np.ndarray
    below: np.ndarray
    permutations: int

    @property
    def p_hot(self) -> np.ndarray:
        """One-sided pseudo p-value that the neighbourhood is this busy by chance: (above + 1) / (R + 1)."""
        return (self.above + 1.0) / (self.permutations + 1.0)

    @property
    def p_cold(self) -> np.ndarray:
        """One-sided pseudo p-value that it is this quiet by chance: (below + 1) / (R + 1)."""
        return (self.below + 1.0) / (self.permutations + 1.0)


def _random_cells(n: int, size: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """``(permutations, size)`` positions in ``range(n)``: each row ``size`` distinct cells in random order.

    Drawn a column at a time: draw ``j`` picks a rank among the ``n - j`` cells its row has not taken yet
    and steps it past the taken positions in ascending order, so no row repeats a cell and nothing is
    redrawn (each row is the start of a uniformly random ordering of the cells).
    """
    out = np.empty((permutations, size), dtype=np.int64)
    for j in range(size):
        pick = rng.integers(0, n - j, size=permutations)
        taken = np.sort(out[:, :j], axis=1)
        for t in range(j):
            pick += pick >= taken[:, t]
        out[:, j] = pick
    return out


def permutation_tails(
    values: np.ndarray, weights: sparse.spmatrix, *, permutations: int = PERMUTATIONS, seed: int = 0
) -> PermutationTails:
    """Conditional-permutation counts for every cell (module rules), vectorised.

    ``weights`` are the binary Gi* weights (each cell its own neighbour). Each cell keeps its own value and
    its ``c`` other neighbours are replaced by ``c`` cells drawn at random, without repeats, from the other
    cells - esda's conditional randomisation. One ``(permutations, largest c + 1)`` draw of distinct cells
    is shared by every cell: a cell takes the first ``c`` cells of each row, or, in the rare row where it
    drew itself among them, the first ``c + 1`` without itself. Either way it gets ``c`` cells drawn evenly
    from the others. So all cells with ``c`` neighbours share one sorted list of random totals and are
    counted against it by binary search, and only the (cell, row) pairs where a cell drew itself are
    corrected one by one. Work and memory grow with permutations x neighbourhood size plus cells x
    log(permutations) - no cells x permutations array is ever built - so 31,000 cells take milliseconds.
    """
    y = np.asarray(values, dtype=float)
    n = y.shape[0]
    if weights.shape != (n, n):
        raise ValueError(f"weights are {weights.shape} but there are {n} cells")
    if permutations < 1:
        raise ValueError(f"permutations must be at least 1, not {permutations}")
    columns = y.reshape(n, -1)
    above = np.zeros(columns.shape, dtype=np.int64)
    below = np.zeros(columns.shape, dtype=np.int64)
    if n == 0:
        return PermutationTails(above.reshape(y.shape), below.reshape(y.shape), permutations)
    others = sparse.csr_matrix(weights, dtype=float, copy=True)
    others.setdiag(0.0)
    others.eliminate_zeros()
    if not np.all(others.data == 1.0):
        raise ValueError("permutation p-values need binary weights (1 for a neighbour, 0 otherwise)")
    size = np.diff(others.indptr)  # neighbours other than the cell itself
    observed = others @ columns  # the real neighbourhood totals, the cell itself left out (it is fixed)
    draws = _random_cells(n, int(size.max()) + 1, permutations, np.random.default_rng(seed))
    # every (row, position) where the cell drawn is among its own first `size` draws: it drew itself
    rows, spots = np.nonzero(np.arange(draws.shape[1]) < size[draws])
    own = draws[rows, spots]
    own_size = size[own]
    for s in range(columns.shape[1]):
        v = columns[:, s]
        totals = np.zeros((permutations, draws.shape[1] + 1))
        np.cumsum(v[draws], axis=1, out=totals[:, 1:])  # totals[:, c] = sum of a row's first c draws
        # totals are sums of the same values in another order: compare with a rounding allowance
        tol = 1e-9 * max(1.0, float(np.abs(v).max()))
        low, high = observed[:, s] - tol, observed[:, s] + tol
        for c in np.unique(size):
            cells = np.flatnonzero(size == c)
            reference = np.sort(totals[:, c])
            above[cells, s] = permutations - np.searchsorted(reference, low[cells], side="left")
            below[cells, s] = np.searchsorted(reference, high[cells], side="right")
        # where a cell drew itself, swap the shared total for the one over its own c draws
        shared = totals[rows, own_size]
        corrected = totals[rows, own_size + 1] - v[own]
        lo, hi = low[own], high[own]
        more = (corrected >= lo).astype(float) - (shared >= lo)
        less = (corrected <= hi).astype(float) - (shared <= hi)
        above[:, s] += np.bincount(own, weights=more, minlength=n).astype(np.int64)
        below[:, s] += np.bincount(own, weights=less, minlength=n).astype(np.int64)
    return PermutationTails(above.reshape(y.shape), below.reshape(y.shape), permutations)


def permutation_p(z: np.ndarray, tails: PermutationTails) -> np.ndarray:
    """The p behind the bands: twice the one-sided pseudo p-value on the side ``z`` points to, at most 1."""
    one_sided = np.where(z > 0, tails.p_hot, np.where(z < 0, tails.p_cold, 1.0))
    return np.minimum(1.0, 2.0 * one_sided)


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

    z: np.ndarray  # analytic Gi* z (esda's Zs): how far above or below the average, for display and ranking
    p: np.ndarray  # permutation p behind the bands (:func:`permutation_p`)
    p_fdr: np.ndarray
    bins: np.ndarray  # class codes from the FDR-adjusted p-values (or raw ones when fdr=False)
    may_be_hot: np.ndarray  # bool: something was counted in the cell (the no-incidents rule)
    may_be_cold: np.ndarray  # bool: the cell may be classed cold (the edge rule)

    @property
    def labels(self) -> np.ndarray:
        return class_labels(self.bins)

    def hot(self, alpha: float) -> np.ndarray:
        """Significant hot spots at false-discovery level ``alpha``, under the same rules as the classes."""
        return (self.z > 0) & (self.p_fdr <= alpha) & self.may_be_hot

    def cold(self, alpha: float) -> np.ndarray:
        """Significant cold spots at false-discovery level ``alpha``, under the same rules as the classes."""
        return (self.z < 0) & (self.p_fdr <= alpha) & self.may_be_cold


def gi_star(
    values: np.ndarray,
    weights: sparse.spmatrix,
    *,
    cold_allowed: np.ndarray | None = None,
    fdr: bool = True,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
) -> GiStar:
    """Gi* z, permutation p, BH-adjusted p and the class of every cell.

    ``cold_allowed`` marks the cells that may be classed cold (normally
    :meth:`geo.grid.StudyGrid.interior`); None allows every cell. A cell whose value is 0 is never hot.
    ``permutations`` and ``seed`` set the random draws (see :func:`permutation_tails`). ``fdr=False``
    classes cells by their raw p-values; it exists to show users (and tests) how many chance "hotspots"
    the correction removes, not as a recommended setting.
    """
    y = np.asarray(values, dtype=float)
    z = gi_star_z(y, weights)
    p = permutation_p(z, permutation_tails(y, weights, permutations=permutations, seed=seed))
    p_fdr = fdr_adjust(p)
    may_be_hot = y > 0
    may_be_cold = np.ones(z.shape, dtype=bool)
    if cold_allowed is not None:
        allowed = np.asarray(cold_allowed, dtype=bool)
        may_be_cold &= allowed[:, None] if z.ndim == 2 else allowed
    bins = confidence_bins(z, p_fdr if fdr else p)
    bins[((bins > 0) & ~may_be_hot) | ((bins < 0) & ~may_be_cold)] = 0
    return GiStar(z=z, p=p, p_fdr=p_fdr, bins=bins, may_be_hot=may_be_hot, may_be_cold=may_be_cold)
