"""The pack's tables as text for one audience: used by the PDF and by the app's pages alike.

Why one place: the packs page previews exactly the table the PDF prints, and both go through
:class:`briefing.suppression.Disclosure`, so the public never sees a number in one and not the other.
Public versions also leave out H3 cell ids and coordinates (hotspot and action-day rows with fewer
incidents than the threshold are already left out by :mod:`briefing.packs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import config
from briefing.headlines import HeadlineRow, Headlines
from briefing.model import ActionDayRow, AreaRow, HotspotRow
from briefing.suppression import Disclosure
from briefing.text import clip
from geo.measurable import NOT_MEASURED
from geo.rates import Population, no_data, rate_heading
from geo.trends import PATTERN_RULES

#: The rates column, headed by :func:`headline_columns` with the population estimate it divides by.
RATE_COLUMN = "Rate"
HEADLINE_COLUMNS = (
    "Measure",
    "Count",
    RATE_COLUMN,
    "vs same quarter last year",
    "vs previous quarter",
    "Trend",
    "Target for the quarter",
    "RAG",
)


def headline_columns(population: Population | None) -> list[str]:
    """:data:`HEADLINE_COLUMNS` as printed for a place of this population: the rates column reads e.g.
    "Rate per 1,000 residents (ONS mid-2020)"."""
    basis = population.basis if population else ""
    return [rate_heading(basis) if c == RATE_COLUMN else c for c in HEADLINE_COLUMNS]


def headline_cells(row: HeadlineRow, disclosure: Disclosure) -> list[str]:
    """One headline row as text, in :data:`HEADLINE_COLUMNS` order. A measure's caveat (``caveat`` in
    ``data/targets.csv``) goes under its name in the same cell, so it is read with the figure it qualifies
    rather than found in the notes at the end."""
    label = f"↳ {row.label}" if row.is_measure else row.label
    if row.unit == "casualties":
        label += " (people)"
    if row.measure is not None and row.measure.caveat:
        label += f"\n({row.measure.caveat})"  # brackets: read as one line where a table joins the lines
    if row.not_measured:  # what it needs is printed under the table (see not_measured_notes)
        return [label, NOT_MEASURED, "–", "–", "–", "", disclosure.figure(row.target, None), ""]
    # a "down N a year" target is last year's figure minus N: it is hidden with last year's figure too
    basis = row.last_year if row.measure is not None and row.measure.reduction_per_year is not None else None
    target_basis = basis if disclosure.hides(basis) else row.count
    hidden = disclosure.hides(row.count) or disclosure.hides(basis)
    return [
        label,
        no_data(row.missing[0], 3) if row.count is None else disclosure.count(row.count),  # 3: a quarter
        disclosure.rate(row.rate, row.count),
        disclosure.change(row.change_year),
        disclosure.change(row.change_quarter),
        disclosure.direction(row.direction, row.count, row.last_year),
        disclosure.figure(row.target, target_basis),
        "" if hidden or row.rag is None else row.rag,
    ]


def headline_table(headlines: Headlines, disclosure: Disclosure) -> list[list[str]]:
    return [headline_cells(r, disclosure) for r in headlines.rows]


def not_measured_notes(headlines: Headlines) -> list[str]:
    """One sentence per "not measured" row saying what data it needs, to print under the table."""
    return [f"{r.label}: {r.not_measured}." for r in headlines.rows if r.not_measured]


def layer_short_labels(layer_ids: Sequence[str]) -> list[str]:
    """Column headings for per-layer counts: the layer labels from ``data/layers.toml``."""
    specs = config.layers()
    return [specs[lid].label if lid in specs else lid for lid in layer_ids]


def hotspot_columns(layer_ids: Sequence[str]) -> list[str]:
    return ["#", "Location", "Ward", *layer_short_labels(layer_ids), "All", "Confidence", "Trend"]


def hotspot_cells(row: HotspotRow, layer_ids: Sequence[str], disclosure: Disclosure) -> list[str]:
    """One hotspot row as text. Partners also get the H3 cell id under the location, to find it in the app."""
    location = clip(row.location) or "(no street named)"
    if not disclosure.public:
        location += f"\n{row.cell}"
    return [
        str(row.rank),
        location,
        clip(row.ward),
        *(disclosure.count(row.counts.get(lid, 0)) for lid in layer_ids),
        disclosure.total(row.total, row.counts.values()),
        row.confidence.replace("Hot spot, ", "").replace(" confidence", ""),
        row.trend or "–",
    ]


def trend_key(trends: Iterable[str]) -> str:
    """The trend words used in a table, each in plain words (from :data:`geo.trends.PATTERN_RULES`, as
    on the app's Method page), e.g. "Trend: Persistent hot spot = hot in at least 90% of ...".

    Why: "Persistent" or "Sporadic" are terms of the emerging-hot-spot method; a partner reading a
    printed table should not need the app to know what they mean.
    """
    meanings = [
        f"{trend} = {PATTERN_RULES[pattern]}"
        for trend in dict.fromkeys(trends)
        if (pattern := trend.removesuffix(" hot spot")) in PATTERN_RULES
    ]
    return f"Trend: {'; '.join(meanings)}." if meanings else ""


AREA_COLUMNS = (
    "Area",
    "Type",
    "Wards",
    "Phase",
    "Since",
    "Last 3 months",
    "Last 12 months",
    "Trend",
    "Reading",
)


def area_cells(row: AreaRow, disclosure: Disclosure) -> list[str]:
    return [
        clip(row.name),
        row.kind,
        clip(row.wards),
        row.phase,
        row.since or "–",
        disclosure.window(row.last_3_months),
        disclosure.window(row.last_12_months),
        row.trend or "–",
        clip(row.reading, 400),
    ]


def action_day_columns(disclosure: Disclosure) -> list[str]:
    columns = ["#", "Focus", "Location", "Ward", "Incidents behind the choice"]
    return columns if disclosure.public else [*columns, "Why"]


def action_day_cells(row: ActionDayRow, disclosure: Disclosure) -> list[str]:
    """One location as text. Partners also get its centre (latitude, longitude) under the street name."""
    mix = "; ".join(f"{clip(label, 60)}: {disclosure.count(n)}" for label, n in row.counts.items())
    total = disclosure.total(row.incidents, row.counts.values())
    behind = f"{total} ({mix})" if mix else total
    location = clip(row.location) or "(no street named)"
    cells = [str(row.number), row.preset, location, clip(row.ward), behind]
    if disclosure.public:
        return cells
    cells[2] = f"{location}\n{row.lat:.5f}, {row.lon:.5f}"
    return [*cells, clip(row.why, 400)]
