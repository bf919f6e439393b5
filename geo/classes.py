"""Colour classes for the hexagon map that stay put while a user filters, and read as round numbers.

Why: the map used to compute its colour bands from whatever cells the current filter showed, so every
change of district, ward or category silently rescaled the colours, and equal-count (quantile) bands
over very skewed counts put e.g. 101-4,025 in one band, painting whole districts the darkest colour.
The page now computes the classes once per period, layer selection and hexagon size from the whole of
Kirklees (:func:`classes_for`), and a filter only decides which hexagons are drawn in those colours.

Two methods:

* **Head/tail breaks** (the default; Jiang 2013, "Head/tail breaks: a new classification scheme for data
  with a heavy-tailed distribution"). Incident counts per hexagon are heavy-tailed: most hexagons hold a
  handful, a few town-centre hexagons hold hundreds. Head/tail breaks split at the mean, then at the mean
  of the values above it (the "head"), and so on while the head is a minority (at most 40% of the values
  split), so each darker class is a smaller, more extreme group - exactly the "where is it
  concentrated" reading a hotspot map wants. Each break is then rounded to a readable number
  (:func:`nice`), e.g. 10, 25, 60, so a legend says "10-24" rather than "9.37-23.8".
* **Quantiles** (equal numbers of hexagons per class), on request: every colour covers about the same
  number of hexagons, which shows rank order evenly but stretches the top class over a wide range.

Pure: numbers in, classes out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HEADTAIL = "headtail"
QUANTILES = "quantiles"
#: Method -> the words a legend uses for it.
METHOD_NAMES = {
    HEADTAIL: "head/tail breaks (each darker colour is the busier part of the colour before; rounded)",
    QUANTILES: "quantiles (about the same number of hexagons in each colour)",
}
#: Head/tail breaks stop once the head is no longer a minority of the values split (Jiang's 40% rule).
HEAD_SHARE = 0.4
#: The readable steps breaks are rounded to, in each power of ten.
NICE_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


@dataclass(frozen=True)
class Classes:
    """Colour classes by their lower bounds: class ``i`` holds counts from ``lowers[i]`` up to the next
    lower bound minus one; the last class is open ("60 or more"), so a legend never prints the largest
    single hexagon's count."""

    method: str
    lowers: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.lowers)

    def labels(self) -> list[str]:
        """Legend text per class, e.g. ``["1–9", "10–24", "25 or more"]``."""
        out = []
        for i, lower in enumerate(self.lowers):
            if i + 1 == len(self.lowers):
                out.append(f"{lower:,} or more")
            else:
                upper = self.lowers[i + 1] - 1
                out.append(f"{lower:,}" if upper == lower else f"{lower:,}–{upper:,}")
        return out

    def of(self, values: Sequence[int] | np.ndarray) -> np.ndarray:
        """Class index of each count (a count below the first bound goes in the first class)."""
        idx = np.searchsorted(np.asarray(self.lowers), np.asarray(values), side="right") - 1
        return np.clip(idx, 0, len(self.lowers) - 1)

    def describe(self) -> str:
        """The method in words for the legend."""
        return METHOD_NAMES[self.method]


def nice(x: float) -> int:
    """``x`` rounded to the nearest readable step (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten),
    never below 1; numbers under 10 stay whole numbers as they are."""
    if x < 10:
        return max(1, round(x))
    power = 10 ** math.floor(math.log10(x))
    step = min(NICE_STEPS, key=lambda s: abs(s * power - x))
    return int(round(step * power))


def headtail_lowers(values: np.ndarray, classes: int) -> list[float]:
    """Head/tail break points (the successive means, unrounded) of positive ``values``, at most
    ``classes - 1`` of them: split at the mean while the values above it are at most :data:`HEAD_SHARE`
    of those split and more than one."""
    means: list[float] = []
    part = np.asarray(values, dtype=float)
    while len(means) < classes - 1 and part.size > 1:
        mean = float(part.mean())
        head = part[part > mean]
        if head.size == 0 or head.size / part.size > HEAD_SHARE:
            break
        means.append(mean)
        part = head
    return means


def quantile_uppers(values: np.ndarray, classes: int) -> list[int]:
    """Upper bounds of equal-count classes: the ``k/classes`` quantiles (inverted CDF, so each bound is a
    count that occurs), distinct."""
    qs = np.quantile(values, np.arange(1, classes + 1) / classes, method="inverted_cdf")
    return sorted({int(math.ceil(q)) for q in qs})


def classes_for(
    values: Sequence[int] | np.ndarray, method: str = HEADTAIL, *, classes: int = 5, lowest: int = 1
) -> Classes:
    """Colour classes for hexagon counts ``values`` (counts below ``lowest`` - zeros, or a public map's
    small counts that are never drawn - are left out, and the first class starts at ``lowest``).

    Head/tail: each break is a mean as in :func:`headtail_lowers`; the class above it starts at the
    first whole count above the mean, rounded by :func:`nice`. Quantiles: each class ends at a quantile.
    Bounds that rounding makes equal are merged. No values: one class from ``lowest``.
    """
    if method not in METHOD_NAMES:
        expected = ", ".join(METHOD_NAMES)
        raise ValueError(f"unknown colour classification {method!r}: expected one of {expected}")
    v = np.asarray(values, dtype=float)
    v = v[v >= lowest]
    if v.size == 0:
        return Classes(method, (lowest,))
    if method == HEADTAIL:
        starts = [nice(math.floor(m) + 1) for m in headtail_lowers(v, classes)]
    else:
        starts = [upper + 1 for upper in quantile_uppers(v, classes)[:-1]]
    lowers = sorted({lowest, *(s for s in starts if s > lowest)})
    return Classes(method, tuple(lowers))
