"""Trends: Mann-Kendall against pymannkendall, the emerging-hotspot rules, and the planted Ashbrow cluster."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pymannkendall
import pytest

import config
from briefing.analyses import hotspots_from_store
from geo.coverage import Coverage
from geo.grid import study_grid
from geo.hotspots import default_window, trend_slices
from geo.trends import MannKendall, classify, mann_kendall, time_slices
from layers.demo import build_demo_store
from layers.ingest import current_wards
from store import Store
from store.queries import Filters

# ---- Mann-Kendall -------------------------------------------------------------------------------------


def test_mann_kendall_matches_pymannkendall():
    rng = np.random.default_rng(7)
    series = np.vstack(
        [
            rng.integers(0, 4, (150, 14)).astype(float),  # many ties
            np.cumsum(rng.normal(size=(150, 14)), axis=1),  # trends of all kinds
            np.linspace(0, 1, 14)[None, :],  # strictly increasing
            np.zeros((1, 14)),  # all tied: no trend, no division by zero
        ]
    )
    ours = mann_kendall(series)
    for i, row in enumerate(series):
        ref = pymannkendall.original_test(row)
        assert ours.s[i] == ref.s
        assert ours.var_s[i] == pytest.approx(ref.var_s, abs=1e-9)
        assert ours.z[i] == pytest.approx(ref.z, abs=1e-12)
        assert ours.p[i] == pytest.approx(ref.p, abs=1e-12)
        assert ours.tau[i] == pytest.approx(ref.Tau, abs=1e-12)


def test_mann_kendall_worked_example():
    # 10 values with one pair of ties: S counts concordant minus discordant pairs by hand.
    x = np.array([1, 2, 3, 3, 5, 4, 6, 7, 8, 9], dtype=float)
    mk = mann_kendall(x[None, :])
    # 45 pairs: one tie (3,3) -> 0, one discordant (5 before 4) -> -1, the other 43 concordant
    assert mk.s[0] == 42
    assert mk.var_s[0] == pytest.approx((10 * 9 * 25 - 2 * 1 * 9) / 18)  # tie group t=2 adds 2*1*9
    assert mk.z[0] == pytest.approx(41 / np.sqrt(mk.var_s[0]))


# ---- classification rules -----------------------------------------------------------------------------

T = 12


def _classify(hot_at=(), cold_at=(), trend=0):
    hot = np.zeros((1, T), dtype=bool)
    cold = np.zeros((1, T), dtype=bool)
    hot[0, list(hot_at)] = True
    cold[0, list(cold_at)] = True
    s = np.array([float(trend) * 30])
    mk = MannKendall(s=s, var_s=np.ones(1), z=s, p=np.array([0.001 if trend else 0.5]), tau=s)
    return classify(hot, cold, mk)[0]


ALL = range(T)


@pytest.mark.parametrize(
    ("hot_at", "cold_at", "trend", "expected"),
    [
        ([11], [], 0, "New hot spot"),
        ([11], [0, 1], 0, "New hot spot"),  # rule order: New before Oscillating
        ([9, 10, 11], [], 1, "Consecutive hot spot"),
        (ALL, [], 1, "Intensifying hot spot"),
        (ALL, [], 0, "Persistent hot spot"),
        (range(1, T), [], -1, "Diminishing hot spot"),  # 11 of 12 = 92% >= 90%
        (range(2, T), [], 1, "Consecutive hot spot"),  # 10 of 12 = 83% < 90%: not "mostly" hot
        ([2, 5, 11], [], 0, "Sporadic hot spot"),
        ([4, 11], [1], 0, "Oscillating hot spot"),
        (range(0, T - 1), [], 0, "Historical hot spot"),
        ([3, 4, 5, 6], [], 0, "No pattern detected"),  # hot for a while in the middle only
        ([], [], 0, "No pattern detected"),
        ([], [11], 0, "New cold spot"),
        ([], ALL, -1, "Intensifying cold spot"),  # z falling = colder
        ([], ALL, 1, "Diminishing cold spot"),
        ([], range(0, T - 1), 0, "Historical cold spot"),
        ([1], [5, 11], 0, "Oscillating cold spot"),
    ],
)
def test_emerging_hotspot_rules(hot_at, cold_at, trend, expected):
    assert _classify(hot_at, cold_at, trend) == expected


def test_time_slices():
    months = time_slices("2025-09-15")
    assert len(months) == 12 and str(months[0]) == "2024-10" and str(months[-1]) == "2025-09"
    quarters = time_slices("2025-08", freq="quarter", n=10)
    assert str(quarters[-1]) == "2025Q2"  # 2025Q3 is not complete in August
    with pytest.raises(ValueError, match="at least 10"):
        time_slices("2025-09", n=6)


def _months(first: str, last: str, skip: tuple[str, ...] = ()) -> list[str]:
    return [str(m) for m in pd.period_range(first, last, freq="M") if str(m) not in skip]


def test_trend_window_is_cut_to_the_months_with_data():
    end = pd.Period("2025-09", "M")

    def covered(months: list[str], layer: str = "crime") -> Coverage:
        return Coverage.from_frame(pd.DataFrame({"layer": layer, "month": pd.to_datetime(months)}))

    assert len(trend_slices(end, covered(_months("2024-01", "2025-09")))) == 12
    assert len(trend_slices(end, covered(_months("2024-11", "2025-09")))) == 11
    assert trend_slices(end, covered(_months("2025-03", "2025-09"))) is None
    # a month nobody loaded breaks the run: only the slices after the gap count
    assert len(trend_slices(end, covered(_months("2023-01", "2025-09", skip=("2024-11",))))) == 10
    assert trend_slices(end, covered(_months("2023-01", "2025-09", skip=("2025-01",)))) is None
    # every layer counted needs the month: crime for 2 years, ASB only for the last 6 months
    crime, asb = covered(_months("2023-10", "2025-09")), covered(_months("2025-04", "2025-09"), "asb")
    both = Coverage({**crime.months, **asb.months})
    assert len(trend_slices(end, both, ["crime"])) == 12
    assert trend_slices(end, both, ["crime", "asb"]) is None


# ---- the planted Ashbrow cluster ------------------------------------------------------------------------

SERIOUS = ("Violence and sexual offences", "Drugs", "Possession of weapons", "Robbery")


def _ashbrow(store: Store) -> pd.Series:
    """Hotspot and trend results for the cell at the planted cluster's centre (serious crime, res 9, k 1)."""
    wards = current_wards(store)
    grid = study_grid(wards, 9)
    first, last = default_window(Coverage.from_frame(store.coverage()))
    result = hotspots_from_store(
        store, Filters(layers=("crime",), categories=(("crime", SERIOUS),)), grid, first=first, last=last
    )
    centre = h3.latlng_to_cell(53.6745, -1.7790, 9)
    row = result.table.set_index("h3").loc[centre]
    print(f"Ashbrow {first}..{last}: {row['class']}, trend {row['trend']} (MK p {row['trend_p']:.4f})")
    return row


@pytest.fixture(scope="module")
def rising_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo ending in June 2024, the month the planted cluster peaks."""
    demo = config.settings()["demo"]
    path = tmp_path_factory.mktemp("rising") / "demo.duckdb"
    build_demo_store(path, years=demo["years"], seed=demo["seed"], end_month="2024-06")
    return Store(path)


def test_ashbrow_cluster_is_hot_and_rising_while_rising(rising_store: Store):
    """A hot spot, hot in an unbroken run of the latest months, its z-scores rising significantly.

    (Its confidence is not asserted: under the permutation test a random neighbourhood that happens to
    include a town-centre hexagon is busier than Ashbrow's, so 99% is left to the town centres.)
    """
    row = _ashbrow(rising_store)
    assert row["ward"] == "Ashbrow"
    assert row["class"].startswith("Hot spot")
    assert row["trend"] in {"Intensifying hot spot", "New hot spot", "Consecutive hot spot"}
    assert row["trend_z"] > 0 and row["trend_p"] <= 0.05


def test_ashbrow_cluster_is_falling_after_the_peak(demo_store: Store):
    """Still a hot spot over the year after the June 2024 peak, but no rising or lasting pattern, and its
    z-scores fall significantly. (It is not "Diminishing", which needs it hot in 90% of the months: with
    permutation p-values its quieter late months are no longer significant.)"""
    row = _ashbrow(demo_store)
    assert row["class"].startswith("Hot spot")
    lasting = {"Intensifying hot spot", "New hot spot", "Consecutive hot spot", "Persistent hot spot"}
    assert row["trend"] not in lasting
    assert row["trend_z"] < 0 and row["trend_p"] <= 0.05
