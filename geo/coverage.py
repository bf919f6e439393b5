"""Which months each layer's data covers: the difference between "no incidents" and "no data".

Why it matters: a month nobody loaded reads as zero if coverage is judged by the first and last date in
the store. A layer loaded for two months then shows "↓100%" against the year before, a RAG of Green on
0 crime, and a "12 months" window that holds 2. Every import records the months it vouches for, per layer
(:meth:`store.Store.coverage`); this module answers the questions every figure must ask of them:

* a count over a period is complete only when **every** month of it is covered for the layers counted;
* a comparison (change, arrow, RAG, trend) needs **both** periods complete, else it is "not comparable",
  with the number of months missing;
* a window is labelled with its covered months ("2 of 12 months with data");
* default windows end at the latest covered month, not at the calendar or the newest date stored.

Pure: it takes the coverage rows (layer, month) and answers from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from geo.rates import Period, add_months, month_end, month_start, months_between, no_data


@dataclass(frozen=True)
class WindowCount:
    """A count over a window of whole months (a Clear Hold Build area's "last 3 months") that knows how
    many of the window's months had data loaded.

    Why: "last 12 months: 40" tells a Community Outcome Group that 40 crimes were recorded over twelve
    months. If two of those months were never loaded, adding them in as zero passes ten months off as
    twelve and makes the area look quieter than it is - a false figure that nothing on the page contradicts.
    So the count covers the loaded months only and says how many they were ("40 (10 of 12 months)"), the way
    every partial count in the app reads, and a window with none of its months loaded gives no figure
    ("no data"), never a 0.

    A partial count is shown, not withheld, however few months it covers: everything it counts was recorded,
    its label says exactly what it covers, and a partner can set it beside the full windows; withholding it
    below some share of months would need a cut-off nobody could justify and would hide what is known.
    """

    count: int | None  # over the loaded months only; None when none of the window's months is loaded
    months: int  # months in the window
    loaded: int  # months of the window with data for every layer counted

    @property
    def missing(self) -> int:
        return self.months - self.loaded

    def text(self, shown: str | None = None) -> str:
        """e.g. "15", "14 (11 of 12 months)" or "no data". ``shown`` is the count as its audience may see it
        (a public pack's "fewer than 5"); by default the count itself."""
        if self.count is None:
            return no_data(self.missing, self.months)
        figure = f"{self.count:,}" if shown is None else shown
        return f"{figure} ({self.loaded} of {self.months} months)" if self.missing else figure


@dataclass(frozen=True)
class Coverage:
    """Per layer, the months (first day of each) its loaded data covers."""

    months: dict[str, frozenset[date]] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Coverage:
        """From rows with columns ``layer`` and ``month`` (any date-like first-of-month value)."""
        by_layer: dict[str, set[date]] = {}
        for layer, month in zip(frame["layer"], pd.to_datetime(frame["month"]), strict=True):
            by_layer.setdefault(str(layer), set()).add(month_start(month.date()))
        return cls({layer: frozenset(months) for layer, months in by_layer.items()})

    @property
    def layers(self) -> list[str]:
        return sorted(self.months)

    def _sets(self, layers: Iterable[str] | None) -> list[frozenset[date]]:
        chosen = self.months if layers is None else {lid: self.months.get(lid, frozenset()) for lid in layers}
        return list(chosen.values())

    def covered_months(self, period: Period, layers: Iterable[str] | None = None) -> list[date]:
        """The months of ``period`` covered for **every** one of ``layers`` (all loaded layers when None)."""
        sets = self._sets(layers)
        if not sets:
            return []
        return [m for m in months_between(period.start, period.end) if all(m in s for s in sets)]

    def missing(self, period: Period, layers: Iterable[str] | None = None) -> int:
        """How many months of ``period`` lack data for at least one of ``layers``."""
        return period.months - len(self.covered_months(period, layers))

    def covers(self, period: Period, layers: Iterable[str] | None = None) -> bool:
        """True when every month of ``period`` is covered for every one of ``layers``: a complete count."""
        return self.missing(period, layers) == 0

    def any_in(self, period: Period, layers: Iterable[str] | None = None) -> bool:
        """True when at least one month of ``period`` is covered for at least one of ``layers``."""
        months = set(months_between(period.start, period.end))
        return any(months & s for s in self._sets(layers))

    def with_data(self, period: Period, layers: Iterable[str]) -> list[str]:
        """The ``layers`` with data for at least one month of ``period``, in the order given: what a total
        over "all layers shown" can add up, the rest being named as having no data."""
        return [lid for lid in layers if self.any_in(period, [lid])]

    def latest_count(
        self, monthly: Mapping[date, int] | pd.Series, months: int, layers: Iterable[str]
    ) -> WindowCount:
        """``monthly`` (counts keyed by month, any date-like first-of-month key; a month it leaves out
        counted nothing) summed over the ``months`` months to the latest month of data of any layer - the
        Clear Hold Build register's "as at" month - over those of them loaded for every one of ``layers``
        only. The other months are left out and reported as missing, never read as 0 (:class:`WindowCount`).
        """
        window = self.latest_window(months)
        covered = self.covered_months(window, layers) if window else []
        if not covered:
            return WindowCount(None, months, 0)
        by_month = {pd.Timestamp(month).date(): int(n) for month, n in monthly.items()}
        return WindowCount(sum(by_month.get(m, 0) for m in covered), months, len(covered))

    def latest(self, layers: Iterable[str] | None = None) -> date | None:
        """The newest month any of ``layers`` covers (None when none of them has data)."""
        return max((max(s) for s in self._sets(layers) if s), default=None)

    def earliest(self, layers: Iterable[str] | None = None) -> date | None:
        """The oldest month any of ``layers`` covers (None when none of them has data)."""
        return min((min(s) for s in self._sets(layers) if s), default=None)

    def latest_window(self, months: int, layers: Iterable[str] | None = None) -> Period | None:
        """The ``months`` months ending with the latest covered month (None when nothing is covered).

        The window is whole calendar months and may reach back before the data: its label then says how
        many of its months are covered (:meth:`label`), so a short history is never passed off as a year.
        """
        layers = None if layers is None else list(layers)
        last = self.latest(layers)
        if last is None:
            return None
        return Period(add_months(last, 1 - months), month_end(last))

    def label(self, period: Period, layers: Iterable[str] | None = None) -> str:
        """The period in words with its coverage, e.g. "Oct 2024 to Sep 2025 (2 of 12 months with data)".

        When every month is covered it reads as :attr:`geo.rates.Period.label` does.
        """
        covered = len(self.covered_months(period, layers))
        if covered == period.months:
            return period.label
        months = f"{period.months} month{'s' if period.months != 1 else ''}"
        return f"{period.span} ({covered} of {months} with data)"

