"""Periods, per-1,000-resident rates and change against the previous period: the numbers in every summary.

Why whole months: police.uk data (crime and ASB, most of the volume) only says which month an incident
happened in, so a period that starts or ends mid-month would silently drop or half-count those layers.
Every period here is a run of whole calendar months, and "the previous period" is the same number of
months immediately before it, so a change compares like with like.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from config.wards import WardPopulation
from geo.boundaries import Wards, normalise_name

#: Residents per rate unit: partnership documents quote rates "per 1,000 population".
RATE_BASE = 1000
#: No-break space: keeps the parts of a change ("↑ 12.5%", "from 1,200") together when text wraps.
NBSP = "\u00a0"


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    """Last day of ``day``'s month."""
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """First day of the month ``months`` after (or before, if negative) ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """First day of every month from ``first``'s month to ``last``'s month inclusive."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, i) for i in range(max(count, 0))]


@dataclass(frozen=True)
class Period:
    """Whole calendar months: ``start`` is a 1st, ``end`` the last day of a month (both inclusive)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start != month_start(self.start) or self.end != month_end(self.end):
            raise ValueError(f"a period must be whole months, got {self.start} to {self.end}")
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    @classmethod
    def of_months(cls, first: date, last: date) -> Period:
        """The whole months from ``first``'s month to ``last``'s month."""
        return cls(month_start(first), month_end(last))

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The same number of months immediately before this period."""
        start = add_months(self.start, -self.months)
        return Period(start, self.start - timedelta(days=1))

    def within(self, first: date, last: date) -> bool:
        """True when data from ``first`` to ``last`` covers the whole period (its counts are complete)."""
        return first <= self.start and self.end <= last

    @property
    def span(self) -> str:
        """e.g. "Oct 2024 to Sep 2025", or "Jun 2024" for one month."""
        first, last = self.start.strftime("%b %Y"), self.end.strftime("%b %Y")
        return first if first == last else f"{first} to {last}"

    @property
    def label(self) -> str:
        """e.g. "Oct 2024 to Sep 2025 (12 months)"."""
        return f"{self.span} ({self.months} month{'s' if self.months != 1 else ''})"


def not_comparable(missing: int) -> str:
    """The words shown instead of a change, arrow or RAG when a period lacks data for some months."""
    return f"not comparable: {missing} month{'s' if missing != 1 else ''} missing"


def no_data(missing: int, months: int) -> str:
    """The words shown instead of a count over a period that lacks data for some of its months."""
    if missing >= months:
        return "no data"
    return f"no data for {missing} of {months} months"


@dataclass(frozen=True)
class Population:
    """Residents of an area, and what the figure is.

    ``basis`` names the estimate in a few words - "ONS mid-2020" from ``data/population.csv``, or the file
    an imported figure came from - and is printed beside every rate (:func:`rate_unit`): a rate is only as
    good as its denominator, and a reader must be able to see how old and whose it is.
    """

    people: int
    basis: str


def area_population(populations: Mapping[str, Population], ward_codes: Iterable[str]) -> Population | None:
    """Total residents of the given wards; None when any ward has no population (a rate would mislead)."""
    parts = [populations.get(code) for code in ward_codes]
    if not parts or any(p is None for p in parts):
        return None
    return Population(sum(p.people for p in parts), combined_basis(parts))


def combined_basis(parts: Iterable[Population | None]) -> str:
    """The distinct bases of some populations, e.g. "ONS mid-2020", or "ONS mid-2020 and pop-2023.csv"
    when an import replaced some wards' figures (so a mixed denominator says it is mixed)."""
    return " and ".join(dict.fromkeys(p.basis for p in parts if p is not None and p.basis))


def _with_basis(words: str, basis: str) -> str:
    return f"{words} ({basis})" if basis else words


def rate_unit(basis: str) -> str:
    """What a rate is, for labels: "per 1,000 residents (ONS mid-2020)"; without a basis, no brackets."""
    return _with_basis(f"per {RATE_BASE:,} residents", basis)


def rate_heading(basis: str) -> str:
    """A table column of rates: "Rate per 1,000 residents (ONS mid-2020)"."""
    return f"Rate {rate_unit(basis)}"


def residents_text(population: Population) -> str:
    """The denominator in words: "441,290 residents (ONS mid-2020)"."""
    return _with_basis(f"{population.people:,} residents", population.basis)


def rate_per_1000(count: int, people: int | None) -> float | None:
    """Incidents per 1,000 residents (None when the population is unknown or zero)."""
    if not people:
        return None
    return count * RATE_BASE / people


def per_year(value: float | None, months: int) -> float | None:
    """Scale a value counted over ``months`` months to 12 months, to compare with annual figures."""
    if value is None or months <= 0:
        return None
    return value * 12 / months


@dataclass(frozen=True)
class Change:
    """A count against the count for the previous period, in the partnership's arrow convention.

    ``previous`` is None when the data does not cover the whole previous period: a percentage against
    a partial period would show a false rise (or, against a month nobody loaded, a false "from 0").
    ``missing`` then says how many of its months have no data, for the words shown instead.
    """

    current: int
    previous: int | None
    missing: int = 0

    @property
    def percent(self) -> float | None:
        """Percentage change; None when there is no previous count or it was zero (no meaningful %)."""
        if not self.previous:
            return None
        return 100.0 * (self.current - self.previous) / self.previous

    @property
    def arrow(self) -> str:
        """↑ more, ↓ fewer, → the same, blank when there is nothing to compare with."""
        if self.previous is None:
            return ""
        return "↑" if self.current > self.previous else "↓" if self.current < self.previous else "→"

    @property
    def text(self) -> str:
        """Plain words for a summary table, e.g. "↑ 12.5% (from 1,200)".

        The arrow and its figure, and "(from ...)", are held together by no-break spaces (:data:`NBSP`):
        in a narrow table cell the text then wraps as "↑ 12.5%" over "(from 1,200)", never mid-phrase.
        """
        if self.previous is None:
            return not_comparable(self.missing) if self.missing else "no data for the previous period"
        pct = self.percent
        if pct is None:  # nothing in the previous period: a percentage would be infinite
            return f"↑{NBSP}from{NBSP}0" if self.current else "→ none in either period"
        if self.current == self.previous:
            return f"→{NBSP}no change (both{NBSP}{self.current:,})"
        return f"{self.arrow}{NBSP}{abs(pct):.1f}% (from{NBSP}{self.previous:,})"


def ward_populations(
    wards: Wards, shipped: Sequence[WardPopulation], imported: pd.DataFrame
) -> dict[str, Population]:
    """Residents per ward code of ``wards``: ``imported`` figures (ward_code, population, source), else the
    ``shipped`` rows' (``data/population.csv``: matched by code, else by loosely compared name).

    Each figure carries its basis for the rate labels: the shipped file's ``basis`` column (e.g. "ONS
    mid-2020"), or the name of the file an imported figure came from. Wards with no figure anywhere are
    left out, so rates for areas including them are not shown.
    """
    by_code = {r.ward_code: r for r in shipped}
    by_name = {normalise_name(r.ward_name): r for r in shipped}
    loaded = imported.set_index("ward_code")
    out: dict[str, Population] = {}
    for code, name in zip(wards.codes, wards.names, strict=True):
        if code in loaded.index:
            out[code] = Population(int(loaded.at[code, "population"]), str(loaded.at[code, "source"]))
            continue
        row = by_code.get(code) or by_name.get(normalise_name(name))
        if row:
            out[code] = Population(row.population, row.basis)
    return out
