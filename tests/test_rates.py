"""Periods, rates and change: the arithmetic behind every summary panel."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.rates import (
    NBSP,
    Change,
    Period,
    Population,
    add_months,
    area_population,
    combined_basis,
    month_end,
    months_between,
    per_year,
    rate_heading,
    rate_per_1000,
    rate_unit,
    residents_text,
)


def test_month_arithmetic_crosses_years_and_leap_days() -> None:
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 1)
    assert add_months(date(2024, 1, 31), -1) == date(2023, 12, 1)
    assert month_end(date(2024, 2, 3)) == date(2024, 2, 29)
    assert month_end(date(2023, 2, 3)) == date(2023, 2, 28)
    assert month_end(date(2024, 12, 31)) == date(2024, 12, 31)
    assert months_between(date(2024, 11, 9), date(2025, 2, 1)) == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
    assert months_between(date(2025, 2, 1), date(2024, 11, 1)) == []


def test_period_is_whole_months_and_previous_is_the_same_length_just_before() -> None:
    year = Period.of_months(date(2024, 10, 17), date(2025, 9, 2))
    assert (year.start, year.end, year.months) == (date(2024, 10, 1), date(2025, 9, 30), 12)
    assert year.previous() == Period(date(2023, 10, 1), date(2024, 9, 30))
    quarter = Period.of_months(date(2025, 1, 1), date(2025, 3, 1))
    assert quarter.previous() == Period(date(2024, 10, 1), date(2024, 12, 31))
    assert year.label == "Oct 2024 to Sep 2025 (12 months)"
    assert Period.of_months(date(2025, 3, 1), date(2025, 3, 1)).label == "Mar 2025 (1 month)"
    with pytest.raises(ValueError, match="whole months"):
        Period(date(2025, 1, 2), date(2025, 1, 31))
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2025, 3, 1), date(2025, 1, 31))


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=1, max_value=60),
)
def test_previous_period_always_abuts_and_matches_length(first: date, months: int) -> None:
    period = Period.of_months(first, add_months(first, months - 1))
    before = period.previous()
    assert before.months == period.months == months
    assert (period.start - before.end).days == 1


def test_within_requires_the_data_to_cover_the_whole_period() -> None:
    period = Period(date(2024, 1, 1), date(2024, 12, 31))
    assert period.within(date(2024, 1, 1), date(2024, 12, 31))
    assert not period.within(date(2024, 2, 1), date(2025, 6, 30))
    assert not period.within(date(2023, 1, 1), date(2024, 12, 30))


def test_area_population_sums_wards_and_refuses_unknown_ones() -> None:
    pops = {"A": Population(1000, "ONS mid-2020"), "B": Population(3000, "ONS mid-2020")}
    assert area_population(pops, ["A"]) == Population(1000, "ONS mid-2020")
    assert area_population(pops, ["A", "B"]) == Population(4000, "ONS mid-2020")
    assert area_population(pops, ["A", "C"]) is None
    assert area_population(pops, []) is None


def test_a_rate_names_its_population_basis_and_a_mixed_basis_says_so() -> None:
    pops = {"A": Population(1000, "ONS mid-2020"), "B": Population(3000, "pop-2023.csv")}
    mixed = area_population(pops, ["A", "B", "A"])
    assert mixed == Population(5000, "ONS mid-2020 and pop-2023.csv")
    assert rate_unit(mixed.basis) == "per 1,000 residents (ONS mid-2020 and pop-2023.csv)"
    assert rate_heading("ONS mid-2020") == "Rate per 1,000 residents (ONS mid-2020)"
    assert residents_text(Population(441_290, "ONS mid-2020")) == "441,290 residents (ONS mid-2020)"
    # a figure with no stated basis is not given empty brackets
    assert rate_unit(combined_basis([Population(10, ""), None])) == "per 1,000 residents"


def test_rates_per_1000_and_per_year() -> None:
    assert rate_per_1000(45_329, 433_355) == pytest.approx(104.6, abs=0.05)
    assert rate_per_1000(5, 0) is None and rate_per_1000(5, None) is None
    assert per_year(30.0, 6) == 60.0
    assert per_year(30.0, 12) == 30.0
    assert per_year(None, 12) is None


@pytest.mark.parametrize(
    ("current", "previous", "arrow", "percent", "text"),
    [
        (110, 100, "↑", 10.0, "↑ 10.0% (from 100)"),
        (1_200, 1_500, "↓", -20.0, "↓ 20.0% (from 1,500)"),
        (7, 7, "→", 0.0, "→ no change (both 7)"),
        (4, 0, "↑", None, "↑ from 0"),
        (0, 0, "→", None, "→ none in either period"),
        (9, None, "", None, "no data for the previous period"),
    ],
)
def test_change_in_the_partnership_arrow_convention(
    current: int, previous: int | None, arrow: str, percent: float | None, text: str
) -> None:
    change = Change(current, previous)
    assert change.arrow == arrow
    assert change.percent == (None if percent is None else pytest.approx(percent))
    assert change.text.replace(NBSP, " ") == text


def test_change_text_wraps_between_the_change_and_the_earlier_count_only() -> None:
    assert Change(110, 100).text.split(" ") == ["↑\u00a010.0%", "(from\u00a0100)"]
