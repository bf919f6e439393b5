"""Public packs and ward profiles: the sums each one prints, handed to :func:`geo.disclosure.protect`, and
the model with the counts it withholds marked (:class:`geo.disclosure.Withheld`), so that
:class:`briefing.suppression.Disclosure` prints them as "fewer than 5" or "not shown".

Why here: hiding 1 to 4 cell by cell is not enough when a pack also prints the sums those cells make.
The sums a public pack prints, all checked together:

* the headline table: a layer's line = its Partnership Plan measures + the rest of the layer (not printed)
  when the measures count separate categories; the change columns print the same quarter last year and
  the previous quarter ("from 1,200"), so those are figures too;
* the monthly trend chart: each quarter of the headline table = its three monthly bars, and each point of
  the seasonal line (an average over whole years) x years = that calendar month in each year averaged
  (months outside the chart are not printed but still take part);
* a district = the sum of its wards, for every headline figure and every monthly bar. All districts and
  wards of a quarter are decided together, so a district pack and its ward packs (in one ZIP, or
  downloaded one by one) hide the same figures;
* a hotspot row's total = its layers, and an action-day location's total = its mix (the total is hidden
  first, as the tables always did).

A ward profile prints the ward's 12-month count per layer = its 12 monthly bars, the seasonal line, and a
layer's count = its most frequent categories + the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from briefing.charts import LayerSeries
from briefing.headlines import HeadlineRow, Headlines
from briefing.model import ActionDayRow, CategoryRow, HotspotRow, RateRow, Section
from briefing.periods import Quarter
from briefing.places import Place
from geo.coverage import WindowCount
from geo.disclosure import Suppression, Table, protect
from geo.rates import add_months

#: The headline table's three periods: the quarter, the same quarter last year, the previous quarter.
PERIODS = ("now", "last_year", "last_quarter")


def place_key(place: Place) -> tuple[str, str]:
    return (place.kind, place.name)


def _row_values(row: HeadlineRow) -> dict[str, int | None]:
    return {"now": row.count, "last_year": row.last_year, "last_quarter": row.last_quarter}


def _headline_key(place: tuple, row: HeadlineRow, period: str) -> tuple:
    return (*place, "headline", row.layer, row.label, period)


def _month_key(place: tuple, layer: str, month: date) -> tuple:
    return (*place, "month", layer, month)


def _quarter_months(quarter: Quarter) -> dict[str, list[date]]:
    """The three months of each headline period."""
    periods = {"now": quarter, "last_year": quarter.same_last_year(), "last_quarter": quarter.previous()}
    return {k: [add_months(q.period.start, i) for i in range(3)] for k, q in periods.items()}


def add_headlines(table: Table, place: tuple, headlines: Headlines) -> None:
    """The headline figures, and each layer's line = its measures + the rest of the layer."""
    rows = [r for r in headlines.rows if not r.not_measured]
    for row in rows:
        for period, value in _row_values(row).items():
            if value is not None:
                table.add(_headline_key(place, row, period), value)
    for line in (r for r in rows if not r.is_measure and r.unit == "incidents"):
        measures = [
            r
            for r in rows
            if r.is_measure and r.layer == line.layer and r.unit == "incidents" and r.measure is not None
        ]
        categories = [c for r in measures for c in (r.measure.categories or ())]
        if (
            not measures
            or any(r.measure.categories is None for r in measures)
            or len(set(categories)) < len(categories)
        ):
            continue  # only measures counting separate categories add up to part of the line
        for period, total in _row_values(line).items():
            parts = [_row_values(r)[period] for r in measures]
            if total is None or any(p is None for p in parts):
                continue
            rest = table.add((*place, "rest", line.layer, period), total - sum(parts), unseen=True)
            table.add_sum(
                _headline_key(place, line, period),
                [*(_headline_key(place, r, period) for r in measures), rest],
            )


def add_series(
    table: Table,
    place: tuple,
    series: Sequence[LayerSeries],
    headlines: Headlines | None,
    quarter: Quarter | None,
) -> None:
    """The monthly bars; each headline quarter = its three bars; each seasonal point = its months."""
    for s in series:
        shown = {m: c for m, c in zip(s.months, s.counts, strict=True) if c is not None}
        for month, value in shown.items():
            table.add(_month_key(place, s.layer, month), value)
        if headlines is not None and quarter is not None:
            line = next((r for r in headlines.rows if r.layer == s.layer and not r.is_measure), None)
            for period, months in _quarter_months(quarter).items():
                key = None if line is None else _headline_key(place, line, period)
                if key in table.values and all(m in shown for m in months):
                    table.add_sum(key, [_month_key(place, s.layer, m) for m in months])
        years = len(s.history) // 12
        for month, average in {m.month: a for m, a in zip(s.months, s.seasonal, strict=True)}.items():
            if average is None or not years:
                continue
            parts = []
            for m, value in zip(s.history, s.history_counts, strict=True):
                if m.month == month:
                    parts.append(table.add(_month_key(place, s.layer, m), value, unseen=m not in shown))
            total = table.add((*place, "seasonal", s.layer, month), sum(table.values[p] for p in parts))
            table.add_sum(total, parts, prefer_total=True)


def add_hierarchy(table: Table, districts: Mapping[tuple, Iterable[tuple]]) -> None:
    """A district's figures = the sums of its wards' same figures (where all of them are in the table)."""
    keys = list(table.values)
    for district, wards in districts.items():
        wards = list(wards)
        for key in keys:
            if key[:2] != district or key[2] not in ("headline", "month") or key in table.unseen:
                continue
            parts = [(*w, *key[2:]) for w in wards]
            if all(p in table.values and p not in table.unseen for p in parts):
                table.add_sum(key, parts)


@dataclass(frozen=True)
class Release:
    """What the public packs of one quarter print that adds up across places, decided together."""

    quarter: Quarter
    headlines: dict[tuple, Headlines]
    series: dict[tuple, tuple[LayerSeries, ...]]
    decided: Suppression

    def headlines_of(self, place: Place) -> Headlines:
        return mark_headlines(self.headlines[place_key(place)], place_key(place), self.decided)

    def series_of(self, place: Place) -> tuple[LayerSeries, ...]:
        return mark_series(self.series[place_key(place)], place_key(place), self.decided)


def release(
    quarter: Quarter,
    headlines: Mapping[tuple, Headlines],
    series: Mapping[tuple, Sequence[LayerSeries]],
    districts: Mapping[tuple, Iterable[tuple]],
    threshold: int,
) -> Release:
    """Decide every headline figure and monthly bar of the places' public packs together."""
    table = Table()
    for place, h in headlines.items():
        add_headlines(table, place, h)
        add_series(table, place, series[place], h, quarter)
    add_hierarchy(table, districts)
    return Release(
        quarter, dict(headlines), {k: tuple(v) for k, v in series.items()}, protect(table, threshold)
    )


def mark_headlines(headlines: Headlines, place: tuple, decided: Suppression) -> Headlines:
    def mark(row: HeadlineRow, period: str) -> int | None:
        value = _row_values(row)[period]
        key = _headline_key(place, row, period)
        return decided.mark(key) if value is not None and key in decided.values else value

    rows = tuple(
        replace(r, count=mark(r, "now"), last_year=mark(r, "last_year"), last_quarter=mark(r, "last_quarter"))
        for r in headlines.rows
    )
    return replace(headlines, rows=rows)


def mark_series(series: Sequence[LayerSeries], place: tuple, decided: Suppression) -> tuple[LayerSeries, ...]:
    """Bars withheld where decided; a seasonal point that would give a month away is left undrawn."""
    out = []
    for s in series:
        counts = tuple(
            c if c is None else decided.mark(_month_key(place, s.layer, m))
            for m, c in zip(s.months, s.counts, strict=True)
        )
        seasonal = tuple(
            None
            if a is None
            or (
                (*place, "seasonal", s.layer, m.month) in decided.values
                and decided.hidden((*place, "seasonal", s.layer, m.month))
            )
            else a
            for m, a in zip(s.months, s.seasonal, strict=True)
        )
        out.append(replace(s, counts=counts, seasonal=seasonal))
    return tuple(out)


def protect_rows(
    hotspots: Section, actions: Section, layer_ids: Sequence[str], threshold: int
) -> tuple[Section, Section]:
    """Hotspot rows (total = its layers) and action-day rows (total = its mix), with counts withheld."""
    table = Table()
    for r in hotspots.rows:
        parts = [table.add(("hot", r.cell, lid), r.counts.get(lid, 0)) for lid in layer_ids]
        table.add_sum(table.add(("hot", r.cell, ""), r.total), parts, prefer_total=True)
    for r in actions.rows:
        parts = [table.add(("action", r.number, label), n) for label, n in r.counts.items()]
        table.add_sum(table.add(("action", r.number, ""), r.incidents), parts, prefer_total=True)
    decided = protect(table, threshold)

    def hot(r: HotspotRow) -> HotspotRow:
        counts = {lid: decided.mark(("hot", r.cell, lid)) for lid in layer_ids}
        return replace(r, counts=counts, total=decided.mark(("hot", r.cell, "")))

    def action(r: ActionDayRow) -> ActionDayRow:
        counts = {label: decided.mark(("action", r.number, label)) for label in r.counts}
        return replace(r, counts=counts, incidents=decided.mark(("action", r.number, "")))

    return (
        replace(hotspots, rows=tuple(hot(r) for r in hotspots.rows)),
        replace(actions, rows=tuple(action(r) for r in actions.rows)),
    )


def protect_areas(areas: Section, threshold: int) -> Section:
    """Clear Hold Build rows: the last 12 months = the last 3 + the 9 before (not printed), so a small
    count of those 9 months cannot be had by subtraction either. Both count the loaded months only, and the
    3 months' loaded months are among the 12's, so the sum holds; a window with no month loaded prints
    "no data" and enters no sum."""
    table = Table()
    for i, r in enumerate(areas.rows):
        year, recent = r.last_12_months.count, r.last_3_months.count
        if year is None:  # then no month of the last 3 is loaded either
            continue
        twelve = table.add(("area", i, 12), year)
        if recent is None:
            continue
        rest = table.add(("area", i, "rest"), year - recent, unseen=True)
        table.add_sum(twelve, [table.add(("area", i, 3), recent), rest])
    decided = protect(table, threshold)

    def marked(count: WindowCount, key: tuple) -> WindowCount:
        return count if count.count is None else replace(count, count=decided.mark(key))

    rows = tuple(
        replace(
            r,
            last_3_months=marked(r.last_3_months, ("area", i, 3)),
            last_12_months=marked(r.last_12_months, ("area", i, 12)),
        )
        for i, r in enumerate(areas.rows)
    )
    return replace(areas, rows=rows)


# ---- the ward profile --------------------------------------------------------------------------------


def protect_profile(
    rates: Sequence[RateRow],
    categories: Sequence[CategoryRow],
    category_layers: Sequence[str],
    series: Sequence[LayerSeries],
    hotspots: Section,
    threshold: int,
) -> tuple[tuple[RateRow, ...], tuple[CategoryRow, ...], tuple[LayerSeries, ...], Section]:
    """The ward profile's counts with those withheld that a public profile must not print.

    ``category_layers`` names the layer of each category row. Sums: a layer's 12-month count = its 12
    monthly bars and = its categories listed + the rest; each seasonal point = its months.
    """
    place = ("ward", "")
    table = Table()
    for r in rates:
        if r.count is not None:
            table.add((*place, "count", r.layer), r.count)
    add_series(table, place, series, None, None)
    for s in series:
        months = [
            _month_key(place, s.layer, m) for m, c in zip(s.months, s.counts, strict=True) if c is not None
        ]
        total = (*place, "count", s.layer)
        if total in table.values and len(months) == len(s.months):
            table.add_sum(total, months)
    for i, row in enumerate(categories):
        table.add((*place, "category", i), row.count)
        if row.previous is not None:
            table.add((*place, "category before", i), row.previous)
    for layer in dict.fromkeys(category_layers):
        total = (*place, "count", layer)
        listed = [i for i, lid in enumerate(category_layers) if lid == layer]
        if total in table.values:
            rest = table.values[total] - sum(categories[i].count for i in listed)
            parts = [(*place, "category", i) for i in listed]
            table.add_sum(total, [*parts, table.add((*place, "rest", layer), rest, unseen=True)])
    for i, h in enumerate(hotspots.rows):
        table.add((*place, "hotspot", i), h.total)
    decided = protect(table, threshold)

    def mark(key: tuple, value: int | None) -> int | None:
        return decided.mark(key) if value is not None and key in decided.values else value

    return (
        tuple(replace(r, count=mark((*place, "count", r.layer), r.count)) for r in rates),
        tuple(
            replace(
                c,
                count=mark((*place, "category", i), c.count),
                previous=mark((*place, "category before", i), c.previous),
            )
            for i, c in enumerate(categories)
        ),
        mark_series(series, place, decided),
        replace(
            hotspots,
            rows=tuple(
                replace(h, total=mark((*place, "hotspot", i), h.total)) for i, h in enumerate(hotspots.rows)
            ),
        ),
    )
