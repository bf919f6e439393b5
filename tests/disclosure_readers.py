"""What a reader of each public output sees, fed to the differencing attack (tests/disclosure_attack.py).

Each reader takes an output as the public gets it - the text its tables print, the bars and lines its
charts draw - and the additive structure a reader knows without asking the app: a district is the sum of
its wards (the boundary file), a Partnership Plan measure is some categories of its layer
(data/targets.csv), a quarter is its three months, a seasonal average times its years is that month of
each year, a row's total is its parts. Nothing here asks :mod:`geo.disclosure` what it hid.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from briefing.charts import LayerSeries
from briefing.model import Pack, WardProfile
from briefing.suppression import NOT_AVAILABLE, Disclosure
from briefing.tables import action_day_cells, area_cells, headline_table, hotspot_cells
from geo.rates import add_months
from tests.disclosure_attack import NUMBER, Attack

FROM = re.compile(r"\(from ([\d,]+)\)$")
BOTH = re.compile(r"\(both ([\d,]+)\)$")


def read_change(a: Attack, name: str, text: str, current_printed: bool) -> None:
    """The previous period's count as a change cell gives it: "(from 1,200)", "(both 3)", "from 0"."""
    text = text.replace("\u00a0", " ")
    if match := FROM.search(text) or BOTH.search(text):
        a.read(name, match.group(1))
    elif text in ("↑ from 0", "→ none in either period"):
        a.read(name, "0")
    elif text.startswith("not shown"):
        a.unseen(name)
        a.printed.add(name)
        if current_printed:  # the change is hidden for the previous count: it is at least 1
            a.between(name, 1, math.inf)


def read_series(a: Attack, place: str, series: Iterable[LayerSeries], d: Disclosure) -> None:
    """A trend chart: each bar as drawn, and each seasonal point x its years = that month of each year."""
    for s in series:
        drawn = {m for m, c in zip(s.months, s.counts, strict=True) if c is not None}
        for m, c in zip(s.months, s.counts, strict=True):
            if c is not None:
                a.read(f"{place}|bar|{s.layer}|{m}", d.count(c))
        years = len(s.history) // 12
        for month, average in {m.month: v for m, v in zip(s.months, s.seasonal, strict=True)}.items():
            if average is None or not years:
                continue
            total = f"{place}|seasonal|{s.layer}|{month}"
            a.exact(total, round(average * years))
            parts = [f"{place}|bar|{s.layer}|{m}" for m in s.history if m.month == month]
            for m in s.history:
                if m.month == month and m not in drawn:
                    a.unseen(f"{place}|bar|{s.layer}|{m}")
            a.sum(total, parts)


def read_pack(a: Attack, pack: Pack) -> None:
    """Every figure a public pack prints and every sum linking them (see the module docstring)."""
    d = pack.disclosure
    place = f"{pack.place.kind}:{pack.place.name}"
    rows = pack.headlines.rows
    quarter = pack.quarter
    periods = {"now": quarter, "last_year": quarter.same_last_year(), "last_quarter": quarter.previous()}
    printed_lines = {}
    for row, cells in zip(rows, headline_table(pack.headlines, d), strict=True):
        if row.not_measured or cells[1].startswith("no data"):
            continue
        name = f"{place}|{row.layer}|{row.label}"
        a.read(f"{name}|now", cells[1])
        hidden_now = not cells[1].replace(",", "").isdigit()
        read_change(a, f"{name}|last_year", cells[3], not hidden_now)
        read_change(a, f"{name}|last_quarter", cells[4], not hidden_now)
        measure = row.measure
        if (
            measure is not None
            and measure.reduction_per_year is not None
            and cells[6].replace(",", "").isdigit()
        ):
            # a "down N a year" target is last year's figure minus N x a quarter x the place's share
            offset = measure.reduction_per_year * 3 / 12 * (pack.headlines.share or 0)
            target = float(cells[6].replace(",", ""))
            a.unseen(f"{name}|last_year")
            a.between(f"{name}|last_year", target - 0.5 + offset, target + 0.5 + offset)
        if not row.is_measure and row.unit == "incidents":
            printed_lines[row.layer] = (name, row)
    # a layer's line = its measures counting separate categories + the rest of the layer
    for layer, (line, _) in printed_lines.items():
        measures = [
            r for r in rows if r.is_measure and r.layer == layer and r.unit == "incidents" and r.measure
        ]
        categories = [c for r in measures for c in (r.measure.categories or ())]
        if (
            not measures
            or any(r.measure.categories is None for r in measures)
            or len(set(categories)) < len(categories)
        ):
            continue
        for period in periods:
            names = [f"{place}|{layer}|{r.label}|{period}" for r in measures]
            if f"{line}|{period}" in a.bounds and all(n in a.bounds for n in names):
                a.unseen(f"{place}|rest|{layer}|{period}")
                a.sum(f"{line}|{period}", [*names, f"{place}|rest|{layer}|{period}"])
    read_series(a, place, pack.trend_series, d)
    for s in pack.trend_series:  # each headline quarter = its three bars
        if s.layer not in printed_lines:
            continue
        for period, q in periods.items():
            months = [add_months(q.period.start, i) for i in range(3)]
            bars = [f"{place}|bar|{s.layer}|{m}" for m in months]
            if f"{printed_lines[s.layer][0]}|{period}" in a.bounds and all(b in a.bounds for b in bars):
                a.sum(f"{printed_lines[s.layer][0]}|{period}", bars)
    layer_ids = list(pack.layer_labels)
    for r in pack.hotspots.rows:
        cells = hotspot_cells(r, layer_ids, d)
        # a cell on a ward boundary counts only its own ward's incidents in a ward pack: named per pack
        parts = [f"{place}|hot|{r.cell}|{lid}" for lid in layer_ids]
        total = f"{place}|hot|{r.cell}|total"
        for name, text in zip([*parts, total], cells[3 : 4 + len(layer_ids)], strict=True):
            a.read(name, text)
        a.sum(total, parts)
    for lid in layer_ids:  # the place's quarter = its listed hot cells + the rest
        if lid in printed_lines and pack.hotspots.rows:
            rest = f"{place}|hot rest|{lid}"
            a.unseen(rest)
            cells = [f"{place}|hot|{r.cell}|{lid}" for r in pack.hotspots.rows]
            a.sum(f"{printed_lines[lid][0]}|now", [*cells, rest])
    for r in pack.action_days.rows:
        read_action_day(a, f"{place}|action {r.number}", action_day_cells(r, d)[4])
    read_areas(a, place, [area_cells(r, d) for r in pack.areas.rows])


def read_action_day(a: Attack, name: str, text: str) -> None:
    """ "12 (Crime: 8; Fly-tipping: 4)": the total and its mix."""
    total, _, mix = text.partition(" (")
    a.read(f"{name}|total", total)
    parts = []
    for item in mix.rstrip(")").split("; ") if mix else []:
        label, _, value = item.rpartition(": ")
        a.read(f"{name}|{label}", value)
        parts.append(f"{name}|{label}")
    if parts:
        a.sum(f"{name}|total", parts)


def read_areas(a: Attack, place: str, rows: Sequence[Sequence[str]]) -> None:
    """Clear Hold Build rows: the last 12 months = the last 3 + the 9 before them. A count over partly
    loaded months reads "12 (2 of 3 months)" (the figure is before the bracket); "no data" tells nothing."""
    for cells in rows:
        name = f"{place}|area|{cells[0]}"
        recent, year = (cell.split(" (", 1)[0] for cell in cells[5:7])
        if year == NOT_AVAILABLE:
            continue
        a.read(f"{name}|12", year)
        if recent == NOT_AVAILABLE:
            continue
        a.read(f"{name}|3", recent)
        a.unseen(f"{name}|9")
        a.sum(f"{name}|12", [f"{name}|3", f"{name}|9"])


def read_profile(a: Attack, profile: WardProfile, rates: Sequence[dict], categories: Sequence[dict]) -> None:
    """A public ward profile: the page's rates and categories tables (``rates``/``categories`` rows as
    printed), the chart, hotspot and area rows. A layer's 12 months = its 12 bars = its listed categories
    + the rest."""
    d = profile.disclosure
    place = f"ward:{profile.place.name}"
    layers = {r.label: r.layer for r in profile.rates}
    for row in rates:
        if not row["Incidents in the ward"].startswith("no data"):
            a.read(f"{place}|{layers[row['Layer']]}|count", row["Incidents in the ward"])
    read_series(a, place, profile.trend_series, d)
    for s in profile.trend_series:
        bars = [
            f"{place}|bar|{s.layer}|{m}" for m, c in zip(s.months, s.counts, strict=True) if c is not None
        ]
        if f"{place}|{s.layer}|count" in a.bounds and len(bars) == len(s.months):
            a.sum(f"{place}|{s.layer}|count", bars)
    by_layer: dict[str, list[str]] = {}
    labels = {r.label: r.layer for r in profile.rates}
    for i, row in enumerate(categories):
        layer = labels[row["Category"].split(": ", 1)[0]]
        a.read(f"{place}|category {i}", row["Last 12 months"])
        if not row["12 months before"].startswith("no data"):
            a.read(f"{place}|category before {i}", row["12 months before"])
        by_layer.setdefault(layer, []).append(f"{place}|category {i}")
    for layer, names in by_layer.items():
        if f"{place}|{layer}|count" in a.bounds:
            a.unseen(f"{place}|category rest|{layer}")
            a.sum(f"{place}|{layer}|count", [*names, f"{place}|category rest|{layer}"])
    for i, h in enumerate(profile.hotspots.rows):
        a.read(f"{place}|hotspot {i}", d.count(h.total))
    read_areas(a, place, [area_cells(r, d) for r in profile.areas.rows])


def read_summary(a: Attack, area: str, table: pd.DataFrame) -> dict[str, str]:
    """The map page's summary table for one area: each layer's count now and before (from the change
    column), and the total of the layers = the layers. Returns layer label -> figure name stem."""
    names = {}
    for label, row in table.iterrows():
        text = str(row["Incidents"])
        if text.startswith("no data"):
            continue
        count = re.sub(r" \(\d+ of \d+ months\)$", "", text)
        stem = f"{area}|{'ALL' if str(label).startswith('All shown') else label}"
        a.read(f"{stem}|now", count)
        read_change(a, f"{stem}|before", str(row["Change"]), NUMBER.match(count) is not None)
        names[str(label)] = stem
    layers = [stem for label, stem in names.items() if not label.startswith("All shown")]
    total = next((stem for label, stem in names.items() if label.startswith("All shown")), None)
    for period in ("now", "before"):
        if total and f"{total}|{period}" in a.bounds and all(f"{s}|{period}" in a.bounds for s in layers):
            a.sum(f"{total}|{period}", [f"{s}|{period}" for s in layers])
    return names


def read_hexes(a: Attack, view: str, geojson: dict, total: str | None) -> None:
    """A map view's hexagons as their tooltips print them; the area's total (``total``: the summary's
    figure stem) = its drawn hexagons + the hexagons not drawn."""
    cells = []
    for feature in geojson["features"]:
        if feature["properties"].get("kind") != "hex":
            continue
        cell = f"{view}|hex|{feature['geometry']['coordinates'][0][0]}"  # a hexagon is where it is drawn
        cells.append(cell)
        a.read(cell, str(feature["properties"]["total"]))
    if total is not None:
        a.unseen(f"{view}|not drawn")
        a.sum(f"{total}|now", [*cells, f"{view}|not drawn"])


def read_hierarchy(a: Attack, areas: dict[tuple, dict[str, str]], wards: dict[str, str]) -> None:
    """The summaries of every area for one choice of months and layers: Kirklees = its districts (+ any
    incident with no district), a district = its wards. ``areas``: area key -> (label -> stem);
    ``wards``: ward code -> district."""
    borough = areas[("borough",)]
    districts = {k[1]: v for k, v in areas.items() if k[0] == "district"}
    for label, stem in borough.items():
        for period in ("now", "before"):
            parts = [d[label] for d in districts.values() if label in d]
            if f"{stem}|{period}" in a.bounds and len(parts) == len(districts):
                a.unseen(f"no district|{label}|{period}")
                a.sum(
                    f"{stem}|{period}", [*(f"{p}|{period}" for p in parts), f"no district|{label}|{period}"]
                )
    for district, names in districts.items():
        ward_stems = [areas[("ward", w)] for w, d in wards.items() if d == district]
        for label, stem in names.items():
            for period in ("now", "before"):
                parts = [f"{w[label]}|{period}" for w in ward_stems if label in w]
                known = f"{stem}|{period}" in a.bounds and all(p in a.bounds for p in parts)
                if known and len(parts) == len(ward_stems):
                    a.sum(f"{stem}|{period}", parts)
