"""Partnership Plan baselines, with the figure counted from real data beside the published one.

``data/targets.csv`` quotes each baseline as the plan published it - for KSI casualties "229 in 2023 (184
provisional in 2024)". Provisional figures are revised, and a partner judging a target needs to know what
the loaded data itself says for those years. So where the store holds real (never synthetic) casualty
records covering a whole calendar year of a casualty measure's layer, its baseline gains the figure
counted from them, named by its severity definition, with DfT's adjusted estimate beside it where every
record carries one. The published words are kept as written: they are the plan's own figures.
"""

from __future__ import annotations

import pandas as pd

import config
from config.measures import Target
from layers.stats19 import ADJUSTED_ATTRIBUTE, ADJUSTED_LABEL, RECORDED_LABEL
from store import Store
from store.queries import casualties_by_year


def measure_baselines(store: Store) -> dict[str, str]:
    """Measure name -> the baseline text to print for it (see :func:`baseline_text`)."""
    casualties = casualties_by_year(store, ADJUSTED_ATTRIBUTE)
    coverage = store.coverage()
    return {t.measure: baseline_text(t, casualties, coverage) for t in config.targets()}


def baseline_text(target: Target, casualties: pd.DataFrame, coverage: pd.DataFrame) -> str:
    """The target's published baseline, followed by the casualties counted from real data for each
    calendar year whose 12 months real data covers ("...; counted from the loaded data: 193 in 2024 by
    police-recorded severity, unadjusted (STATS19); DfT adjusted estimate 193.0").

    ``casualties`` is :func:`store.queries.casualties_by_year`; ``coverage`` is
    :meth:`store.db.Store.coverage`. A month any synthetic import covers does not count as real.
    """
    if not target.counts_casualties:
        return target.baseline
    real = casualties[(casualties["layer"] == target.layer) & ~casualties["synthetic"].astype(bool)]
    if target.categories is not None:
        real = real[real["category"].isin(target.categories)]
    covered = coverage[(coverage["layer"] == target.layer) & ~coverage["synthetic"].astype(bool)]
    months_per_year = pd.to_datetime(covered["month"]).dt.year.value_counts()
    whole_years = set(months_per_year[months_per_year == 12].index)
    parts = []
    for year, rows in real[real["year"].isin(whole_years)].groupby("year"):
        counted = f"{int(rows['casualties'].sum()):,} in {year} by {RECORDED_LABEL}"
        if (rows["adjusted_rows"] == rows["rows"]).all():
            counted += f"; {ADJUSTED_LABEL} {rows['adjusted'].sum():,.1f}"
        parts.append(counted)
    if not parts:
        return target.baseline
    return f"{target.baseline}; counted from the loaded data: {' · '.join(parts)}"
