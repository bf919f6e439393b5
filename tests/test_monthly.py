"""Monthly series for trend charts (geo.monthly): months without data are gaps, never zeros."""

from __future__ import annotations

from datetime import date

import pandas as pd

from geo.coverage import Coverage
from geo.monthly import monthly_series
from geo.rates import Period


def test_months_without_data_are_left_out_and_split_the_line() -> None:
    period = Period.of_months(date(2025, 1, 1), date(2025, 5, 1))
    # crime loaded for Jan, Feb, Apr, May (March missing); fires for all five months
    coverage = Coverage(
        {
            "crime": frozenset(date(2025, m, 1) for m in (1, 2, 4, 5)),
            "fire": frozenset(date(2025, m, 1) for m in range(1, 6)),
        }
    )
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-05-01", "2025-02-01"]),
            "layer": ["crime", "crime", "crime", "fire"],
            "n": [10, 7, 3, 2],
        }
    )
    series = monthly_series(frame, period, ["crime", "fire"], coverage)
    crime = series[series["layer"] == "crime"]
    # March is absent (a gap), April is a covered month with no incidents (0), and the line restarts
    assert [m.month for m in crime["month"]] == [1, 2, 4, 5]
    assert crime["n"].tolist() == [10, 7, 0, 3]
    assert crime["run"].tolist() == [1, 1, 2, 2]
    fire = series[series["layer"] == "fire"]
    assert fire["n"].tolist() == [0, 2, 0, 0, 0] and set(fire["run"]) == {1}


def test_nothing_covered_gives_no_rows() -> None:
    period = Period.of_months(date(2025, 1, 1), date(2025, 3, 1))
    series = monthly_series(pd.DataFrame(columns=["month", "layer", "n"]), period, ["crime"], Coverage())
    assert series.empty
