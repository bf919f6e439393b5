"""Emerging hotspots: Gi* per time slice, a Mann-Kendall trend per cell, and ArcGIS-style trend classes.

Why: a map of the last year says *where*; partners also need to know *which way it is going* - is this
a new problem, one that is getting worse, one that has always been there, or one that is fading? The
method follows ArcGIS Pro's Emerging Hot Spot Analysis, with spatial (not space-time) neighbours.

The rules, written down:

1. **Time slices.** The trend window is cut into calendar months or quarters (default: the last 12
   months, monthly). At least :data:`MIN_SLICES` slices are required - with fewer, the Mann-Kendall test
   has too little power to call any trend (ArcGIS asks for at least 10 time steps too).
2. **Gi* per slice.** Each slice is scored on its own with :func:`geo.gistar.gi_star` (same grid and
   neighbours as the map), with the same conditional-permutation p-values as the map - the number of
   permutations of ``[hotspots]`` in ``data/settings.toml``, every slice against the same random draws.
   That is affordable: the draws are shared by all cells, so at 99,999 permutations one slice takes
   under a tenth of a second and 12 slices about half a second, for 4,600 or 31,000 cells alike. A
   cell is a *significant hot spot in a slice* when its Gi* z is positive, its Benjamini-Hochberg
   adjusted p-value (within that slice) is at most ``alpha`` (default 0.05, i.e. 95% confidence) and it
   had at least one incident in that slice (a cell with none is never hot, as on the map); a
   *significant cold spot* likewise with z negative, and only away from the edge of the study area (the
   edge rule of :mod:`geo.gistar`). The minimum number of incidents of the map (``min_incidents``) is
   not applied per slice: one month of a ward can hold fewer incidents than that while the trend over
   the window is still worth reading, and a slice that sparse rarely passes the permutation test anyway.
3. **Trend.** The Mann-Kendall test is run on each cell's series of Gi* z-scores (is the clustering of
   incidents around this cell getting more or less intense?). ``S`` sums the signs of every later-minus-
   earlier pair; its variance is corrected for tied values,
   ``Var(S) = [n(n-1)(2n+5) - Σ t(t-1)(2t+5)] / 18`` over groups of ``t`` tied values;
   ``Z = (S - 1)/√Var`` for ``S > 0``, ``(S + 1)/√Var`` for ``S < 0``, else 0; two-sided p from the normal.
   The trend is *up* (or *down*) when ``p <= alpha`` and ``S > 0`` (``S < 0``).
4. **Classes** (hot side; cold spots mirror them with "cold" for "hot" and the trend reversed). With
   ``T`` slices, "mostly hot" means hot in at least 90% of slices. Checked in this order; the first
   that fits wins:

   * **New hot spot** - hot in the final slice and in no earlier slice.
   * **Consecutive hot spot** - one unbroken run of hot slices ending in the final slice, never hot before
     the run, and hot in under 90% of slices.
   * **Intensifying hot spot** - mostly hot, hot in the final slice, trend up.
   * **Persistent hot spot** - mostly hot, hot in the final slice, no significant trend.
   * **Diminishing hot spot** - mostly hot, hot in the final slice, trend down.
   * **Sporadic hot spot** - hot in the final slice, hot in under 90% of slices, hot before in more than
     one run, and never a cold spot.
   * **Oscillating hot spot** - hot in the final slice, hot in under 90% of slices, and a significant cold
     spot in some earlier slice.
   * **Historical hot spot** - *not* hot in the final slice, but hot in at least 90% of slices.

   A cell fitting no hot or cold pattern is **No pattern detected** (including cells that were hot for a
   while in the middle of the window but not at the end).

   ArcGIS lists the persistent/intensifying/diminishing patterns as "90% of slices" and the historical
   one as "not hot in the final slice"; requiring the final slice to be hot for the first three keeps
   every pair of classes disjoint, so the order above only settles New/Consecutive versus Oscillating
   (a location that was once cold and has just turned hot is reported as New/Consecutive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats

import config
from config.vocabulary import NO_PATTERN, PATTERNS, TREND_CLASSES
from geo.gistar import gi_star

Frequency = Literal["month", "quarter"]
_PERIOD_FREQ: dict[str, str] = {"month": "M", "quarter": "Q"}

#: Fewest time slices the trend classes are computed on.
MIN_SLICES = 10
#: Share of slices a cell must be significant in to count as "mostly" hot or cold.
MOSTLY = 0.9
#: Default trend window: this many slices of the chosen frequency, ending with the last complete one.
DEFAULT_SLICES = 12

#: Each pattern in plain words for the hot side ("cold" mirrors it), in rule order, for the app's method page.
PATTERN_RULES: dict[str, str] = {
    "New": "a hot spot in the latest period, and never before in the window",
    "Consecutive": "hot in an unbroken run of the latest periods, never before that run, "
    "and in under 90% of the periods",
    "Intensifying": "hot in at least 90% of the periods including the latest, and getting hotter",
    "Persistent": "hot in at least 90% of the periods including the latest, with no clear rise or fall",
    "Diminishing": "hot in at least 90% of the periods including the latest, but cooling",
    "Sporadic": "hot in the latest period and on and off before, in under 90% of the periods, "
    "never a cold spot",
    "Oscillating": "hot in the latest period, in under 90% of the periods, "
    "and a cold spot at some earlier time",
    "Historical": "hot in at least 90% of the periods, but not in the latest one",
}


def time_slices(
    end: date | str | pd.Period, *, freq: Frequency = "month", n: int = DEFAULT_SLICES
) -> pd.PeriodIndex:
    """The ``n`` whole months or quarters ending with the last one complete by the month of ``end``.

    The month of ``end`` counts as complete (stores are loaded a whole month at a time); a quarter only
    counts once its third month is in, so a part-quarter never looks like a fall.
    """
    if freq not in _PERIOD_FREQ:
        raise ValueError(f"time slices must be 'month' or 'quarter', not {freq!r}")
    if n < MIN_SLICES:
        raise ValueError(f"the trend needs at least {MIN_SLICES} time slices, not {n}")
    end_month = pd.Period(end, freq="M")
    last = end_month.asfreq(_PERIOD_FREQ[freq])
    if last.end_time.to_period("M") != end_month:
        last -= 1
    return pd.period_range(end=last, periods=n, freq=_PERIOD_FREQ[freq])


def slice_positions(dates: pd.Series | np.ndarray, slices: pd.PeriodIndex) -> np.ndarray:
    """Position of each date's slice in ``slices``, or -1 for dates outside the window (vectorised)."""
    periods = pd.PeriodIndex(pd.to_datetime(np.asarray(dates)), freq=slices.freq)
    return slices.get_indexer(periods)


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall results per row of a ``(cells, slices)`` array."""

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray


def mann_kendall(series: np.ndarray) -> MannKendall:
    """Mann-Kendall trend test on each row of ``series`` (rows = cells, columns = slices in time order).

    Vectorised over rows; loops only over the (few) time slices. Ties are corrected as in the module
    rules, using ``Σ_groups t(t-1)(2t+5) = Σ_values (t-1)(2t+5)`` where each value's ``t`` is the size of
    its own tie group, so no per-row grouping is needed.
    """
    x = np.atleast_2d(np.asarray(series, dtype=float))
    n = x.shape[1]
    s = np.zeros(x.shape[0])
    tie_size = np.zeros(x.shape)
    for j in range(n):
        s += np.sign(x[:, j + 1 :] - x[:, j : j + 1]).sum(axis=1)
        tie_size += x == x[:, j : j + 1]
    ties = ((tie_size - 1) * (2 * tie_size + 5)).sum(axis=1)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    root = np.sqrt(np.clip(var_s, 0.0, None))
    z = np.zeros_like(s)
    z = np.divide(s - np.sign(s), root, out=z, where=root > 0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    tau = s / (0.5 * n * (n - 1)) if n > 1 else np.zeros_like(s)
    return MannKendall(s=s, var_s=var_s, z=z, p=p, tau=tau)


def _pattern(sig: np.ndarray, other: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """Pattern index (into :data:`PATTERNS`) per row for one side (hot or cold); -1 where none fits.

    ``sig``: significant on this side per slice; ``other``: significant on the opposite side;
    ``trend``: +1 intensifying / -1 fading / 0 none, already oriented for this side.
    """
    n_slices = sig.shape[1]
    final = sig[:, -1]
    count = sig.sum(axis=1)
    mostly = count >= MOSTLY * n_slices
    # length of the unbroken run ending in the final slice (0 when the final slice is not significant)
    breaks = ~sig[:, ::-1]
    run = np.where(breaks.any(axis=1), breaks.argmax(axis=1), n_slices)
    only_final_run = count == run
    # number of separate runs of significant slices
    starts = sig & ~np.concatenate([np.zeros((sig.shape[0], 1), dtype=bool), sig[:, :-1]], axis=1)
    runs = starts.sum(axis=1)
    ever_other = other.any(axis=1)

    rules = [
        final & (count == 1),  # new
        final & only_final_run & (count >= 2) & ~mostly,  # consecutive
        final & mostly & (trend > 0),  # intensifying
        final & mostly & (trend == 0),  # persistent
        final & mostly & (trend < 0),  # diminishing
        final & ~mostly & (runs > 1) & ~ever_other,  # sporadic
        final & ~mostly & ever_other,  # oscillating
        ~final & mostly,  # historical
    ]
    out = np.full(sig.shape[0], -1)
    for idx in reversed(range(len(rules))):  # earlier rules overwrite later ones
        out[rules[idx]] = idx
    return out


def classify(hot: np.ndarray, cold: np.ndarray, mk: MannKendall, *, alpha: float = 0.05) -> np.ndarray:
    """Trend class (a string of :data:`TREND_CLASSES`) per cell from per-slice significance and the trend.

    ``hot``/``cold`` are boolean ``(cells, slices)`` arrays; ``mk`` is the trend of each cell's z-scores.
    """
    if hot.shape != cold.shape or hot.shape[0] != mk.s.shape[0]:
        raise ValueError("hot, cold and the trend must describe the same cells and slices")
    trend = np.where(mk.p <= alpha, np.sign(mk.s), 0).astype(int)
    hot_pattern = _pattern(hot, cold, trend)
    cold_pattern = _pattern(cold, hot, -trend)
    names = np.array(TREND_CLASSES, dtype=object)
    out = np.full(hot.shape[0], NO_PATTERN, dtype=object)
    n = len(PATTERNS)
    out[cold_pattern >= 0] = names[n + cold_pattern[cold_pattern >= 0]]
    out[hot_pattern >= 0] = names[hot_pattern[hot_pattern >= 0]]
    return out


@dataclass(frozen=True)
class EmergingHotSpots:
    """Per-cell trend results over a set of time slices."""

    slices: pd.PeriodIndex
    z: np.ndarray  # (cells, slices) Gi* z per slice
    hot: np.ndarray  # (cells, slices) significant hot spot in that slice
    cold: np.ndarray
    trend: MannKendall
    classes: np.ndarray  # trend class per cell

    def table(self) -> pd.DataFrame:
        """One row per cell: trend class, Mann-Kendall z/p/tau, and slices hot/cold."""
        return pd.DataFrame(
            {
                "trend": self.classes,
                "trend_z": self.trend.z,
                "trend_p": self.trend.p,
                "trend_tau": self.trend.tau,
                "slices_hot": self.hot.sum(axis=1),
                "slices_cold": self.cold.sum(axis=1),
                "slices": self.z.shape[1],
            }
        )


def emerging_hot_spots(
    values: np.ndarray,
    weights: sparse.spmatrix,
    slices: pd.PeriodIndex,
    *,
    cold_allowed: np.ndarray | None = None,
    alpha: float = 0.05,
) -> EmergingHotSpots:
    """Run the whole method on a ``(cells, slices)`` array of counts or harm-weighted values.

    ``cold_allowed`` applies the edge rule of :mod:`geo.gistar` to every slice.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(slices):
        raise ValueError(f"values must be (cells, {len(slices)} slices), not {values.shape}")
    if len(slices) < MIN_SLICES:
        raise ValueError(f"the trend needs at least {MIN_SLICES} time slices, not {len(slices)}")
    evidence = config.hotspot_settings()
    result = gi_star(
        values, weights, cold_allowed=cold_allowed, permutations=evidence.permutations, seed=evidence.seed
    )
    hot, cold = result.hot(alpha), result.cold(alpha)
    mk = mann_kendall(result.z)
    return EmergingHotSpots(
        slices=slices,
        z=result.z,
        hot=hot,
        cold=cold,
        trend=mk,
        classes=classify(hot, cold, mk, alpha=alpha),
    )
