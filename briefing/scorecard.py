"""The Partnership Plan scorecard: every target measure over the latest 12 months, for Kirklees, each
district and each ward, with the target, RAG, direction arrow and a 24-month sparkline.

The rules are those of the pack headlines (:mod:`briefing.headlines`): a "below" target is the yearly
ceiling for Kirklees, shared out to a district or ward by its share of residents; a "down N a year" target
is the previous 12 months minus N (shared out the same way); RAG and arrows use the same margins from
``data/briefing.toml``. The direction compares the latest 12 months with the 12 before.

Counts come from one :func:`store.queries.monthly` read grouped by layer, category and ward (the same
query the app's charts use), so Kirklees = the sum of its districts = the sum of its wards.

A measure whose categories no stored record carries (nuisance ASB with only police.uk's untyped ASB
loaded) is "not measured: needs ..." (:func:`geo.measurable.not_measured`): no value, RAG or arrow.

The public scorecard (:func:`public_scorecard`) hides small counts and every count that would let one be
worked out from the sums the scorecard prints: Kirklees = its districts = its wards, in each of the two
periods, and Kirklees' 24 monthly sparkline values = its two 12-month figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import pandas as pd

import config
from briefing.headlines import Rag, counted_rows, direction, rag, target_for_period
from briefing.periods import trailing_months
from briefing.settings import briefing_settings
from briefing.sources import LayerSource
from config.measures import Target
from geo.boundaries import Wards
from geo.disclosure import Table, protect
from geo.measurable import loaded_categories, not_measured
from geo.rates import Period, Population, add_months, months_between, not_comparable, rate_per_1000
from store import Store
from store.queries import Filters, casualty_counts, categories, monthly

Level = Literal["Kirklees", "district", "ward"]
SPARK_MONTHS = 24


@dataclass(frozen=True)
class Score:
    """One measure for one area over the latest 12 months."""

    measure: Target
    level: Level
    area: str
    district: str  # the area's district ("" for Kirklees)
    value: int | None  # None: the layer's data does not cover the 12 months
    previous: int | None
    rate: float | None  # per 1,000 residents
    target: float | None
    rag: Rag | None
    direction: str
    #: "not measured: needs ...": no loaded record carries the measure's categories (no value, RAG or arrow)
    not_measured: str | None = None
    #: months without data in (the latest 12 months, the 12 before)
    missing: tuple[int, int] = (0, 0)

    @property
    def comparison(self) -> str:
        """The arrow, or why there is none: "not comparable: N months missing" when a period lacks data."""
        gap = self.missing[0] or self.missing[1]
        return not_comparable(gap) if gap and not self.not_measured else self.direction


@dataclass(frozen=True)
class Scorecard:
    period: Period
    previous: Period
    scores: tuple[Score, ...]
    months: tuple[date, ...]  # sparkline months
    sparklines: dict[str, tuple[int | None, ...]]  # measure name -> Kirklees monthly values (None: no data)

    def at(self, level: Level, measure: str | None = None) -> list[Score]:
        return [
            s for s in self.scores if s.level == level and (measure is None or s.measure.measure == measure)
        ]


def _measure_frame(frame: pd.DataFrame, casualty: pd.DataFrame, measure: Target) -> pd.DataFrame | None:
    """Rows (month, ward_code, n) counting ``measure``; None when it counts casualties and no casualty
    figures are loaded (a collision count must not stand in for a casualty count)."""
    if measure.counts_casualties:
        rows = casualty[casualty["layer"] == measure.layer]
        return rows[["month", "ward_code", "n"]] if int(rows["known"].sum()) else None
    return counted_rows(frame, measure.layer, measure.categories)[["month", "ward_code", "n"]]


def _total(rows: pd.DataFrame | None, codes: list[str], period: Period, covered: bool) -> int | None:
    """Sum of ``rows`` for the wards over the period; None when the data does not cover it."""
    if rows is None or not covered:
        return None
    inside = rows["ward_code"].isin(codes) & rows["month"].between(
        pd.Timestamp(period.start), pd.Timestamp(period.end)
    )
    return int(rows.loc[inside, "n"].sum())


def compute_scorecard(
    store: Store,
    wards: Wards,
    populations: Mapping[str, Population],
    sources: Mapping[str, LayerSource],
    latest_month: date,
) -> Scorecard:
    """Every measure of ``data/targets.csv`` for Kirklees, its districts and its wards."""
    options = briefing_settings()
    margin, stable = options.amber_margin_percent, options.stable_percent
    period = trailing_months(latest_month, 12)
    previous = period.previous()
    first = min(previous.start, add_months(latest_month, 1 - SPARK_MONTHS))
    window = Filters(start=first, end=period.end)
    with store.reading():
        frame = monthly(store, window, by=("layer", "category", "ward_code"))
        casualty = casualty_counts(store, window, ("layer", "ward_code", "date"))
        loaded = loaded_categories(categories(store))  # what the stored records carry (geo.measurable)
    frame["month"] = pd.to_datetime(frame["month"])
    casualty["month"] = pd.to_datetime(casualty["date"]).dt.to_period("M").dt.to_timestamp()
    casualty = casualty.groupby(["layer", "ward_code", "month"], as_index=False)[["n", "known"]].sum()

    areas: list[tuple[Level, str, str, list[str]]] = [
        ("Kirklees", config.BOROUGH_NAME, "", list(wards.codes))
    ]
    areas += [("district", d, d, wards.wards_in(d)) for d in wards.district_names]
    areas += [("ward", wards.name_by_code[c], wards.district_by_code[c], [c]) for c in wards.wards_in(None)]
    total_people = sum(populations[c].people for c in wards.codes if c in populations)
    months = tuple(months_between(add_months(latest_month, 1 - SPARK_MONTHS), latest_month))

    scores: list[Score] = []
    sparklines: dict[str, tuple[int | None, ...]] = {}
    for measure in config.targets():
        source = sources.get(measure.layer)
        missing = not_measured(measure.layer, measure.categories, loaded)
        rows = None if missing else _measure_frame(frame, casualty, measure)
        by_month = rows.groupby("month")["n"].sum() if rows is not None else pd.Series(dtype="int64")
        # a month without data is a gap in the line, not a fall to zero
        spark = tuple(
            int(by_month.get(pd.Timestamp(m), 0)) if source is not None and m in source.months else None
            for m in months
        )
        sparklines[measure.measure] = () if missing else spark
        gaps = tuple(p.months if source is None else source.missing(p) for p in (period, previous))
        covers_now, covers_before = (not gap for gap in gaps)

        for level, name, district, codes in areas:
            value = _total(rows, codes, period, covers_now)
            before = _total(rows, codes, previous, covers_before)
            parts = [populations.get(c) for c in codes]
            people = None if any(p is None for p in parts) else sum(p.people for p in parts)
            share = people / total_people if people and total_people else None
            target = target_for_period(measure, 12, share, before)
            scores.append(
                Score(
                    measure=measure,
                    level=level,
                    area=name,
                    district=district,
                    value=value,
                    previous=before,
                    rate=None if value is None else rate_per_1000(value, people),
                    target=target,
                    rag=rag(value, target, margin),
                    direction=direction(value, before, stable),
                    not_measured=missing,
                    missing=gaps,
                )
            )
    return Scorecard(period, previous, tuple(scores), months, sparklines)


def public_scorecard(card: Scorecard, threshold: int) -> Scorecard:
    """The scorecard as the public may see it: the same scores, with every count a public output must not
    print (:func:`geo.disclosure.protect` over the sums the scorecard prints) replaced by a
    :class:`geo.disclosure.Withheld`, which :class:`briefing.suppression.Disclosure` prints as "fewer
    than 5" or "not shown" (and hides the rate, target, RAG and arrow built on it)."""

    def key(s: Score, when: str) -> tuple:
        return (s.measure.measure, s.level, s.area, when)

    table = Table()
    for measure, spark in card.sparklines.items():
        for month, value in zip(card.months, spark, strict=False):
            if value is not None:
                table.add((measure, "month", month), value)
    for measure in card.sparklines:
        scores = [s for s in card.scores if s.measure.measure == measure and not s.not_measured]
        for when, period in (("now", card.period), ("before", card.previous)):
            rows = [s for s in scores if (s.value if when == "now" else s.previous) is not None]
            for s in rows:
                table.add(key(s, when), s.value if when == "now" else s.previous)
            borough = [s for s in rows if s.level == "Kirklees"]
            districts = [s for s in rows if s.level == "district"]
            for b in borough:
                table.add_sum(key(b, when), (key(d, when) for d in districts))
                months = [(measure, "month", m) for m in card.months if period.start <= m <= period.end]
                if months and all(m in table.values for m in months):
                    table.add_sum(key(b, when), months)
            for d in districts:
                wards = [s for s in rows if s.level == "ward" and s.district == d.area]
                table.add_sum(key(d, when), (key(w, when) for w in wards))
    decided = protect(table, threshold)

    def mark(k: tuple, value: int | None) -> int | None:
        return decided.mark(k) if value is not None and k in decided.values else value

    scores = tuple(
        replace(s, value=mark(key(s, "now"), s.value), previous=mark(key(s, "before"), s.previous))
        for s in card.scores
    )
    sparklines = {
        measure: tuple(mark((measure, "month", m), v) for m, v in zip(card.months, spark, strict=False))
        for measure, spark in card.sparklines.items()
    }
    return replace(card, scores=scores, sparklines=sparklines)
