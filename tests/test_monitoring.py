"""Monitoring of designated areas: exact rate-ratio intervals, the WDQ, zones and phase periods.

Every statistic is checked against figures worked out by hand (closed forms, or sums of binomial and
hypergeometric terms written out with integer arithmetic), not against the library the code calls.
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.boundaries import Wards
from geo.coverage import Coverage, WindowCount
from geo.monitoring import (
    DIFFUSION,
    DISPLACEMENT,
    INCONCLUSIVE,
    Monitoring,
    MonitoringSettings,
    make_zones,
    monitor,
    phase_periods,
    rate_ratio,
    weighted_displacement,
    zone_of_points,
)
from geo.rates import Period
from layers.ingest import ingest
from store import Store
from store.queries import points_near
from tests.import_helpers import parsed_incidents

# ---- rate ratio ----------------------------------------------------------------------------------------


def test_rate_ratio_with_no_after_incidents_has_the_closed_form_upper_limit() -> None:
    # a = 0, b = 5: pi_U solves (1 - pi)^5 = 0.025, so pi_U = 1 - 0.025^(1/5) = 0.521824...
    # and RR_U = pi_U / (1 - pi_U) = 0.521824 / 0.478176 = 1.09128
    rr = rate_ratio(0, 5)
    q = 0.025 ** (1 / 5)
    assert rr.ratio == 0.0 and rr.lower == 0.0
    assert rr.upper == pytest.approx((1 - q) / q, rel=1e-9)
    assert rr.upper == pytest.approx(1.09128, abs=1e-5)
    assert rr.direction == "no significant change"


def test_rate_ratio_with_no_before_incidents_is_infinite_with_closed_form_lower_limit() -> None:
    # a = 5, b = 0: pi_L solves pi^5 = 0.025, so pi_L = 0.478176 and RR_L = 0.478176 / 0.521824 = 0.91636
    rr = rate_ratio(5, 0)
    q = 0.025 ** (1 / 5)
    assert math.isinf(rr.ratio) and math.isinf(rr.upper)
    assert rr.lower == pytest.approx(q / (1 - q), rel=1e-9)
    assert rr.lower == pytest.approx(0.91636, abs=1e-5)
    assert rr.text == "∞ (95% CI 0.92–∞)"


def test_rate_ratio_one_against_one() -> None:
    # a = b = 1: Beta(1, 2) has CDF 1 - (1 - x)^2, so pi_L = 1 - sqrt(0.975) = 0.0125791;
    # RR_L = 0.0125791 / 0.9874209 = 0.0127394 and by symmetry RR_U = 1 / RR_L = 78.497
    rr = rate_ratio(1, 1)
    pi_low = 1 - math.sqrt(0.975)
    assert rr.ratio == 1.0
    assert rr.lower == pytest.approx(pi_low / (1 - pi_low), rel=1e-9)
    assert rr.upper == pytest.approx(1 / rr.lower, rel=1e-9)
    assert rr.upper == pytest.approx(78.497, abs=1e-3)


def _binomial_tail(n: int, k_from: int, k_to: int, p: float) -> float:
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(k_from, k_to + 1))


def test_rate_ratio_with_unequal_periods_matches_the_binomial_definition() -> None:
    # 30 crimes in 6 months after, 90 in 12 months before: (30/6)/(90/12) = 5/7.5 = 0.6667.
    rr = rate_ratio(30, 90, after_months=6, before_months=12)
    assert rr.ratio == pytest.approx(2 / 3, rel=1e-12)

    # Given n = 120, the after count is Binomial(120, pi), pi = 6 RR / (6 RR + 12). At the lower limit
    # P(X >= 30) = 0.025 and at the upper limit P(X <= 30) = 0.025, written out term by term.
    def pi(ratio: float) -> float:
        return 6 * ratio / (6 * ratio + 12)

    assert _binomial_tail(120, 30, 120, pi(rr.lower)) == pytest.approx(0.025, abs=1e-9)
    assert _binomial_tail(120, 0, 30, pi(rr.upper)) == pytest.approx(0.025, abs=1e-9)
    assert rr.lower == pytest.approx(0.4256, abs=1e-4) and rr.upper == pytest.approx(1.0178, abs=1e-4)
    assert rr.direction == "no significant change"  # the interval includes 1


def test_rate_ratio_direction_and_empty_case() -> None:
    assert rate_ratio(10, 60).direction == "fall"
    assert rate_ratio(60, 10).direction == "rise"
    nothing = rate_ratio(0, 0)
    assert nothing.ratio is None and nothing.lower == 0 and math.isinf(nothing.upper)
    with pytest.raises(ValueError):
        rate_ratio(1, 1, after_months=0)


# ---- weighted displacement quotient ---------------------------------------------------------------------

# Worked example: area 100 -> 60, control 1000 -> 900.
# Success measure SM = 60/900 - 100/1000 = 0.066667 - 0.1 = -0.033333.


def test_wdq_diffusion_of_benefits() -> None:
    # buffer 200 -> 120: BM = 120/900 - 200/1000 = 0.133333 - 0.2 = -0.066667; WDQ = BM/SM = 2.0
    d = weighted_displacement((100, 60), (200, 120), (1000, 900))
    assert d.success_measure == pytest.approx(-1 / 30, rel=1e-12)
    assert d.buffer_measure == pytest.approx(-1 / 15, rel=1e-12)
    assert d.wdq == pytest.approx(2.0, rel=1e-12)
    assert d.reading == DIFFUSION and "more than the area itself" in d.explanation


def test_wdq_displacement_larger_than_the_benefit() -> None:
    # buffer 50 -> 90: BM = 90/900 - 50/1000 = 0.1 - 0.05 = 0.05; WDQ = 0.05 / -0.033333 = -1.5
    d = weighted_displacement((100, 60), (50, 90), (1000, 900))
    assert d.wdq == pytest.approx(-1.5, rel=1e-12)
    assert d.reading == DISPLACEMENT and "net effect is harmful" in d.explanation


def test_wdq_displacement_smaller_than_the_benefit() -> None:
    # area 100 -> 20, control 1000 -> 1000: SM = 0.02 - 0.1 = -0.08;
    # buffer 100 -> 150: BM = 0.15 - 0.1 = 0.05; WDQ = -0.625
    d = weighted_displacement((100, 20), (100, 150), (1000, 1000))
    assert d.wdq == pytest.approx(-0.625, rel=1e-12)
    assert d.reading == DISPLACEMENT and "still a net benefit" in d.explanation


def test_wdq_small_buffer_change_is_inconclusive() -> None:
    # buffer 50 -> 54: BM = 0.06 - 0.05 = 0.01; WDQ = -0.3, but the change is within chance
    chance = weighted_displacement((100, 60), (50, 54), (1000, 900))
    assert chance.wdq == pytest.approx(-0.3, rel=1e-12)
    assert chance.buffer_p > 0.05 and chance.reading == INCONCLUSIVE
    # area 1000 -> 100, control 1000 -> 1000: SM = -0.9; buffer 100 -> 150: BM = 0.05; WDQ = -0.0556,
    # a real buffer change but tiny beside the area's fall: inside the neutral band
    band = weighted_displacement((1000, 100), (100, 150), (1000, 1000), neutral_band=0.1)
    assert band.wdq == pytest.approx(-1 / 18, rel=1e-12)
    assert band.buffer_p < 0.05 and band.reading == INCONCLUSIVE and "barely changed" in band.explanation


def test_wdq_needs_a_fall_in_the_area_and_a_control() -> None:
    # area 100 -> 95 against control 1000 -> 900: SM = 95/900 - 0.1 = +0.00556 (no relative fall)
    rose = weighted_displacement((100, 95), (50, 40), (1000, 900))
    assert rose.wdq is None and rose.success_measure == pytest.approx(1 / 180, rel=1e-9)
    assert rose.reading == INCONCLUSIVE and "nothing to displace" in rose.explanation
    no_control = weighted_displacement((10, 5), (1, 4), (0, 1))
    assert no_control.wdq is None and no_control.reading == INCONCLUSIVE


def test_buffer_significance_is_fishers_exact_test() -> None:
    # Table [[buffer before 1, after 4], [control before 4, after 1]]: all margins 5, N = 10, so
    # P(top-left = x) = C(5,x)^2 / 252: 1, 25, 100, 100, 25, 1 (/252). Two-sided p for x = 1 sums the
    # tables no more likely than it: (1 + 25 + 25 + 1) / 252 = 52/252.
    d = weighted_displacement((10, 5), (1, 4), (4, 1))
    assert d.buffer_p == pytest.approx(float(Fraction(52, 252)), rel=1e-9)


# ---- phases and zones -----------------------------------------------------------------------------------


def test_phase_periods_follow_the_rules() -> None:
    starts = {"Clear": date(2024, 1, 15), "Hold": date(2024, 4, 1), "Build": date(2024, 9, 1)}
    got = phase_periods(starts, date(2023, 1, 1), date(2024, 6, 30), before_months=12)
    (p1, s1, b1, a1), (p2, s2, b2, a2), (p3, _, _, a3) = got
    assert (p1, s1) == ("Clear", date(2024, 1, 15))
    assert b1 == Period(date(2023, 1, 1), date(2023, 12, 31))  # 12 months before the start month
    assert a1 == Period(date(2024, 1, 1), date(2024, 3, 31))  # mid-month start: whole month counts; ends
    assert b2 == Period(date(2023, 4, 1), date(2024, 3, 31))  # before the next phase began
    assert a2 == Period(date(2024, 4, 1), date(2024, 6, 30))  # runs to the last month of data
    assert p3 == "Build" and a3 is None  # begins after the data ends
    short = phase_periods({"Clear": date(2023, 4, 1)}, date(2023, 1, 1), date(2024, 6, 30), 12)
    assert short[0][2] == Period(date(2023, 1, 1), date(2023, 3, 31))  # clipped to the first data month


# Three square wards: A and B in district "North", C in "South". The area is a small box inside A.
LAT0, LON0 = 53.650, -1.780
M_PER_DEG_LAT = 111_250.0  # approximate, used only to place test points well clear of the edges


def _wards() -> Wards:
    return Wards(
        codes=("A", "B", "C"),
        names=("Alpha", "Beta", "Gamma"),
        districts=("North", "North", "South"),
        geometries=(
            box(-1.80, 53.63, -1.76, 53.67),
            box(-1.76, 53.63, -1.72, 53.67),
            box(-1.84, 53.63, -1.80, 53.67),
        ),
        source="test",
    )


AREA = box(LON0 - 0.0015, LAT0 - 0.001, LON0 + 0.0015, LAT0 + 0.001)


def _north_of_area(metres: float) -> float:
    return LAT0 + 0.001 + metres / M_PER_DEG_LAT


def test_zones_buffer_width_and_control() -> None:
    zones = make_zones(AREA, _wards(), buffer_m=500)
    assert zones.districts == ("North",)
    lat = np.array([LAT0, _north_of_area(400), _north_of_area(600), LAT0, LAT0])
    lon = np.array([LON0, LON0, LON0, -1.74, -1.82])
    assert zone_of_points(zones, lat, lon).tolist() == ["area", "buffer", "control", "control", None]
    wider = make_zones(AREA, _wards(), buffer_m=700)
    assert zone_of_points(wider, lat[2:3], lon[2:3]).tolist() == ["buffer"]


def _worked_store(store: Store, skip: str | None = None) -> tuple[Wards, MonitoringSettings]:
    """The worked example's incidents, Jan 2023 - Jun 2024 (none at all in month ``skip``)."""
    wards = _wards()
    months = pd.period_range("2023-01", "2024-06", freq="M")
    rows = []
    for i, m in enumerate(months):
        if str(m) == skip:
            continue
        day = m.start_time.date()
        after = m >= pd.Period("2024-01", freq="M")
        n_area = (1 if i % 2 == 0 else 0) if after else 2
        rows += [("crime", "Drugs", day, LAT0, LON0)] * n_area
        rows += [("crime", "Robbery", day, _north_of_area(300), LON0)] * (6 if after else 2)
        rows += [("crime", "Violence and sexual offences", day, LAT0, -1.74)] * 10
        rows += [("crime", "Drugs", day, LAT0, -1.82)] * 5  # other district: in no zone
        rows += [("crime", "Shoplifting", day, LAT0, LON0)] * 4  # not an indicator
        rows += [("asb", "Nuisance", day, LAT0, LON0)]  # not an indicator
    frame = parsed_incidents(rows, street="Test Street")
    ingest(store, frame, wards, source="test", file_name="t", rows_read=len(frame))
    settings = MonitoringSettings(
        indicators={"crime": ("Drugs", "Robbery", "Violence and sexual offences", "Possession of weapons")},
        buffer_m=500,
        before_months=12,
        neutral_band=0.1,
        confidence=0.95,
    )
    return wards, settings


def _monitor_worked(store: Store, wards: Wards, settings: MonitoringSettings) -> Monitoring:
    zones = make_zones(AREA, wards, settings.buffer_m)
    return monitor(
        points_near(store, zones.districts, zones.bounds),
        zones,
        {"Clear": date(2024, 1, 1)},
        settings,
        (date(2023, 1, 1), date(2024, 6, 1)),
        Coverage.from_frame(store.coverage()),
    )


def test_monitor_counts_zones_and_reads_displacement(empty_store: Store) -> None:
    """Worked example on a tiny store, months Jan 2023 - Jun 2024, Clear from Jan 2024.

    Before (12 months): area 24, buffer 24, control 120. After (6 months): area 3, buffer 36, control 60.
    Rate ratios: area (3/6)/(24/12) = 0.25, buffer (36/6)/(24/12) = 3, control (60/6)/(120/12) = 1.
    WDQ: SM = 3/60 - 24/120 = -0.15; BM = 36/60 - 24/120 = 0.4; WDQ = 0.4 / -0.15 = -2.667: displacement.
    """
    result = _monitor_worked(empty_store, *_worked_store(empty_store))
    (c,) = result.comparisons
    assert (c.area.before, c.area.after, c.area.ratio) == (24, 3, 0.25)
    assert (c.buffer.before, c.buffer.after, c.buffer.ratio) == (24, 36, 3.0)
    assert (c.control.before, c.control.after, c.control.ratio) == (120, 60, 1.0)
    assert c.area.direction == "fall" and c.buffer.direction == "rise"
    assert c.displacement.wdq == pytest.approx(-8 / 3, rel=1e-12)
    assert c.reading == DISPLACEMENT and result.latest is c
    # Apr-Jun 2024 hold 0+1+0; Jul-Dec 2023 at 2 a month, then 1+0+1+0+1+0: every month loaded
    assert result.recent(3) == WindowCount(1, 3, 3) and result.recent(12) == WindowCount(12 + 3, 12, 12)
    assert (result.recent(3).text(), result.recent(12).text()) == ("1", "15")
    layers = result.layer_series("area")
    assert layers["asb"].sum() == 18 and layers["crime"].sum() == 24 + 3 + 18 * 4


def test_a_month_without_data_is_not_read_as_a_month_without_crime(empty_store: Store) -> None:
    """Drop Mar 2023 (inside the 12 months before Clear) from the worked example: read as zero it would
    lower the before count and fake a smaller fall, so the phase is not compared at all."""
    result = _monitor_worked(empty_store, *_worked_store(empty_store, skip="2023-03"))
    (c,) = result.comparisons
    assert c.displacement is None and c.area is None and result.latest is None
    assert c.note.startswith("Not comparable: 1 of the 12 months before this start have no data loaded")


def test_recent_counts_leave_out_a_month_without_data_and_say_so(empty_store: Store) -> None:
    """Drop May 2024 (1 drug offence in the area) from the worked example. The last 3 months (Apr-Jun) then
    hold 0 + 0 over the 2 loaded months, and the last 12 (Jul 2023 - Jun 2024) 2 x 6 + 1 + 0 + 0 + 1 + 0 =
    14 over 11. Read as zero, May would have made them a plain "0" and "14" over 3 and 12 months."""
    result = _monitor_worked(empty_store, *_worked_store(empty_store, skip="2024-05"))
    assert result.recent(3) == WindowCount(0, 3, 2) and result.recent(3).text() == "0 (2 of 3 months)"
    assert result.recent(12) == WindowCount(14, 12, 11) and result.recent(12).text() == "14 (11 of 12 months)"
    assert result.recent(3, zone="buffer") == WindowCount(6 + 6, 3, 2)  # Apr and Jun at 6 a month


def test_a_window_with_no_month_loaded_has_no_count() -> None:
    """Crime loaded Jan-Mar 2025, fires Apr-Jun: the crime count over the last 3 months (Apr-Jun, to the
    latest month of any data) has no figure at all, and over 6 months covers Jan-Mar only."""
    rows = [("crime", f"2025-0{m}-01") for m in (1, 2, 3)]
    rows += [("deliberate_fire", f"2025-0{m}-01") for m in (4, 5, 6)]
    coverage = Coverage.from_frame(pd.DataFrame(rows, columns=["layer", "month"]))
    monthly = {date(2025, m, 1): 10 * m for m in (1, 2, 3)} | {date(2025, 4, 1): 99}  # April is not loaded
    nothing = coverage.latest_count(monthly, 3, ["crime"])
    assert nothing == WindowCount(None, 3, 0) and nothing.text() == "no data"
    assert coverage.latest_count(monthly, 6, ["crime"]).text() == "60 (3 of 6 months)"
