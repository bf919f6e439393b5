"""Reporting quarters: parsing ``2024Q4``, the last complete quarter, and the two comparison quarters.

Why calendar quarters (Q1 = January to March): police.uk, DfT and the council's exports are all monthly
and dated by calendar month, and a label like ``2024Q4`` is read the same way by pandas, spreadsheets
and people. Every label the packs print spells out the months as well ("Q4 2024 (Oct to Dec 2024)"),
so nobody has to guess whether a financial-year quarter was meant.

A quarter is a :class:`geo.rates.Period` (whole calendar months), the same period type the app's
summaries use, so a pack's quarter counts exactly what the map page counts for those months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from geo.coverage import Coverage
from geo.rates import Period, add_months, month_end

_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    """One calendar quarter, e.g. ``Quarter(2024, 4)`` for October to December 2024."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"a quarter number is 1 to 4, not {self.number}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``"2024Q4"`` (also ``"2024-Q4"``, ``"2024q4"``) -> ``Quarter(2024, 4)``; else a clear error."""
        match = _QUARTER_RE.match(text or "")
        if not match:
            raise ValueError(f"period {text!r} is not a quarter such as 2024Q4 (year, Q, quarter 1-4)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_month(self) -> date:
        return date(self.year, 3 * (self.number - 1) + 1, 1)

    @property
    def period(self) -> Period:
        return Period(self.first_month, month_end(add_months(self.first_month, 2)))

    def shifted(self, quarters: int) -> Quarter:
        """The quarter ``quarters`` later (earlier when negative)."""
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def previous(self) -> Quarter:
        return self.shifted(-1)

    def same_last_year(self) -> Quarter:
        return self.shifted(-4)

    @property
    def code(self) -> str:
        """The form the CLI takes and file names use: ``2024Q4``."""
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        """For people: ``Q4 2024 (Oct to Dec 2024)``."""
        end = add_months(self.first_month, 2)
        return f"Q{self.number} {self.year} ({self.first_month:%b} to {end:%b %Y})"

    def __str__(self) -> str:
        return self.code


def quarters_with_data(coverage: Coverage) -> list[Quarter]:
    """Every calendar quarter in which some layer has data for at least one month, newest first."""
    latest, earliest = coverage.latest(), coverage.earliest()
    if latest is None or earliest is None:
        return []
    quarters: list[Quarter] = []
    quarter = Quarter.containing(latest)
    while quarter.period.end >= earliest:
        if coverage.any_in(quarter.period):
            quarters.append(quarter)
        quarter = quarter.previous()
    return quarters


def trailing_months(latest_month: date, months: int = 12) -> Period:
    """The ``months`` whole months ending with ``latest_month`` (the scorecard's "latest 12 months")."""
    return Period(add_months(latest_month, 1 - months), month_end(latest_month))
