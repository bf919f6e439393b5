"""``data/chb.toml`` read into typed, checked Clear Hold Build settings.

Why: the Clear Hold Build rules (which crimes count, how candidate areas are found, how their phase is
read, how designated areas are monitored) are the partnership's to change. Everything that uses them -
:mod:`geo.chb`, :mod:`geo.monitoring`, the page, the packs and the ``chb`` command - takes these frozen
settings as an argument, so each value is checked once, here, and a mistake in the file is one sentence
naming the file, the key and what was expected.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from config.tables import Table, read_toml
from config.vocabulary import RESOLUTIONS, TREND_CLASSES

#: Directions of an area's recent trend in indicator crimes (Mann-Kendall on the recent slices).
RECENT_TRENDS = ("up", "down", "none")
#: How a rule dates an area's current state: the first slice of the current hot run, the slice after that
#: run's busiest one, or the first quiet slice after it was last hot (rule 7 of :mod:`geo.chb`).
SINCE = ("run_start", "after_peak", "after_last_hot")
#: Time slices of the trend.
SLICES = ("month", "quarter")
#: The keys of ``[candidates]``.
CANDIDATE_KEYS = (
    "resolution",
    "k",
    "slice",
    "slices",
    "alpha",
    "min_hot_slices",
    "min_cells",
    "min_count",
    "name_min_share",
    "recent_slices",
    "trend_slices",
)


@dataclass(frozen=True)
class Signals:
    """What the phase rules look at for one area (rules 5-6 of :mod:`geo.chb`)."""

    trend: str  # emerging-hotspot class
    hot_latest: bool  # hot in the latest slice
    hot_recently: bool  # hot in at least one of the recent slices
    recent_trend: str  # "up", "down" or "none"


@dataclass(frozen=True)
class PhaseRule:
    """One ``[[phases]]`` entry: the phase it gives and the conditions (None = not asked)."""

    phase: str
    meaning: str
    rule: str
    trend_classes: tuple[str, ...] | None = None
    hot_latest: bool | None = None
    hot_recently: bool | None = None
    recent_trend: tuple[str, ...] | None = None
    since: str | None = None  # how "since" is read for areas in this phase: one of SINCE

    def fits(self, signals: Signals) -> bool:
        """True when every condition the rule states holds."""
        return (
            (self.trend_classes is None or signals.trend in self.trend_classes)
            and (self.hot_latest is None or self.hot_latest == signals.hot_latest)
            and (self.hot_recently is None or self.hot_recently == signals.hot_recently)
            and (self.recent_trend is None or signals.recent_trend in self.recent_trend)
        )


@dataclass(frozen=True)
class MonitoringSettings:
    """Monitoring choices, read from ``data/chb.toml`` ``[monitoring]`` and ``[indicators]``."""

    indicators: Mapping[str, Sequence[str]]
    buffer_m: float
    before_months: int
    neutral_band: float
    confidence: float


@dataclass(frozen=True)
class ChbSettings:
    """Everything in ``data/chb.toml``."""

    indicators: dict[str, tuple[str, ...]]
    resolution: int
    k: int
    slice: str
    slices: int
    alpha: float
    min_hot_slices: int
    min_cells: int
    min_count: int
    name_min_share: float
    recent_slices: int
    trend_slices: int
    phases: tuple[PhaseRule, ...]
    monitoring: MonitoringSettings

    @property
    def phase_names(self) -> tuple[str, ...]:
        """Distinct phases in rule order (Clear, Hold, Build by default)."""
        return tuple(dict.fromkeys(r.phase for r in self.phases))

    def phase_for(self, signals: Signals) -> PhaseRule | None:
        """The first rule that fits (rule 6 of :mod:`geo.chb`), or None when none does."""
        return next((r for r in self.phases if r.fits(signals)), None)


def _indicators(top: Table, categories: Mapping[str, Collection[str]]) -> dict[str, tuple[str, ...]]:
    """``[indicators]``: layer -> the categories that count (empty: all of them), each checked against
    ``data/layers.toml`` so a misspelt crime type is refused instead of silently counting nothing."""
    table = top.table("indicators")
    if not table.raw:
        top.fail("indicators", f"a table giving at least one of the layers {', '.join(categories)}", {})
    table.only(*categories)
    return {layer: table.texts(layer, categories[layer]) or () for layer in table.raw}


def _phase(rule: Table) -> PhaseRule:
    rule.only(*(f.name for f in fields(PhaseRule)))
    return PhaseRule(
        phase=rule.text("phase"),
        meaning=rule.text("meaning", ""),
        rule=rule.text("rule", ""),
        trend_classes=rule.texts("trend_classes", TREND_CLASSES),
        hot_latest=rule.flag("hot_latest"),
        hot_recently=rule.flag("hot_recently"),
        recent_trend=rule.texts("recent_trend", RECENT_TRENDS),
        since=rule.one_of("since", SINCE, default=None),
    )


def read(path: Path, categories: Mapping[str, Collection[str]]) -> ChbSettings:
    """The settings of the file at ``path``; ``categories`` is each layer's categories (``data/layers.toml``),
    which the indicators must name. Any wrong value is a ValueError naming the file and the key."""
    top = read_toml(path)
    top.only("indicators", "candidates", "phases", "monitoring")
    indicators = _indicators(top, categories)
    cand = top.table("candidates")
    cand.only(*CANDIDATE_KEYS)
    slices = cand.whole("slices", 2)
    mon = top.table("monitoring")
    mon.only("buffer_m", "before_months", "wdq_neutral_band", "confidence")
    return ChbSettings(
        indicators=indicators,
        resolution=cand.one_of("resolution", RESOLUTIONS),
        k=cand.whole("k", 1, 5),
        slice=cand.one_of("slice", SLICES),
        slices=slices,
        alpha=cand.number("alpha", 0.001, 0.5),
        min_hot_slices=cand.whole("min_hot_slices", 1, slices),
        min_cells=cand.whole("min_cells", 1),
        min_count=cand.whole("min_count", 0),
        name_min_share=cand.number("name_min_share", 0, 1),
        recent_slices=cand.whole("recent_slices", 1, slices),
        trend_slices=cand.whole("trend_slices", 2, slices),
        phases=tuple(_phase(rule) for rule in top.tables("phases", "rule")),
        monitoring=MonitoringSettings(
            indicators=indicators,
            # the bounds of the page's buffer box, so the default it offers is always one it accepts
            buffer_m=mon.number("buffer_m", 50, 3000),
            before_months=mon.whole("before_months", 1, 120),
            neutral_band=mon.number("wdq_neutral_band", 0, 1),
            confidence=mon.number("confidence", 0.5, 0.999),
        ),
    )
