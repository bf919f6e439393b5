"""Words and numbers the data files may use that the methods also use.

Why here: a data file is checked when it is read (:mod:`config`), and the check needs the names the
methods know - ``data/chb.toml`` may ask for a trend class by name, ``data/action_presets.toml`` and
``data/chb.toml`` name an H3 resolution. config/ must not import geo/ (data flows the other way), so the
names live here, with no imports, and geo/ takes them from here: one definition for both.
"""

from __future__ import annotations

#: H3 resolutions the app offers (7 ~5 km², 8 ~0.7 km², 9 ~0.1 km², 10 ~0.015 km²).
RESOLUTIONS = (7, 8, 9, 10)

#: Emerging-hot-spot pattern names in the order :mod:`geo.trends` tries its rules; the same names are used
#: for hot and cold spots.
PATTERNS = (
    "New",
    "Consecutive",
    "Intensifying",
    "Persistent",
    "Diminishing",
    "Sporadic",
    "Oscillating",
    "Historical",
)
NO_PATTERN = "No pattern detected"
#: Every trend class a cell or area can get: hot patterns, then cold ones, then no pattern.
TREND_CLASSES: tuple[str, ...] = (
    *(f"{p} hot spot" for p in PATTERNS),
    *(f"{p} cold spot" for p in PATTERNS),
    NO_PATTERN,
)
