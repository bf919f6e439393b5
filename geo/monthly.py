"""Monthly counts per layer ready for a trend chart, with months that have no data left as gaps.

Why: a month nobody loaded is "no data", not zero (:mod:`geo.coverage`); drawn as 0 it would read as a
sudden fall. Each layer's line is cut into runs of covered months (``run``), so a chart draws one line
per run and the gap shows as a break, never as a dip or a bridge.

Pure: counts and coverage in, rows out.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from geo.coverage import Coverage
from geo.rates import Period, months_between


def monthly_series(
    frame: pd.DataFrame, period: Period, layers: Sequence[str], coverage: Coverage
) -> pd.DataFrame:
    """One row per layer and month of ``period`` that the layer's data covers: columns ``layer``,
    ``month`` (first day, as a timestamp), ``n`` (0 for a covered month with no incidents) and ``run``
    (consecutive covered months share a run number). ``frame``: counts with columns ``month``,
    ``layer``, ``n`` (e.g. :func:`store.queries.monthly`)."""
    got = (
        frame.assign(month=pd.to_datetime(frame["month"]).dt.date).groupby(["layer", "month"])["n"].sum()
        if not frame.empty
        else pd.Series(dtype="int64")
    )
    rows = []
    for layer in layers:
        covered = set(coverage.covered_months(period, [layer]))
        run, previous_covered = 0, False
        for month in months_between(period.start, period.end):
            if month not in covered:
                previous_covered = False
                continue
            if not previous_covered:
                run += 1
            previous_covered = True
            rows.append((layer, pd.Timestamp(month), int(got.get((layer, month), 0)), run))
    return pd.DataFrame(rows, columns=["layer", "month", "n", "run"])
