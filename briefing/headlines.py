"""The headline table: per layer (and per Partnership Plan measure) the count, the rate per 1,000
residents, the change against the same quarter last year and the previous quarter, the direction arrow,
and a RAG rating against the target.

The maths is in small pure functions (:func:`target_for_period`, :func:`rag`, :func:`direction`) so the
rules can be read and tested on their own:

* **Targets** come from ``data/targets.csv``. A "below" target is an annual ceiling for the whole borough;
  for a shorter period it is scaled by months/12, and for a district or ward by that place's share of the
  borough's residents. A "down N a year" target (KSI casualties) means the same period last year minus N,
  scaled the same way. A target measured in casualties counts the ``casualties`` column, not collisions.
* **RAG**: Green at or below the target, Amber above it by no more than the margin in
  ``data/briefing.toml``, Red beyond. No target, or no figure, gives no rating.
* **Not measured**: a row whose layer and categories no stored record carries (nuisance ASB with only
  police.uk's untyped ASB loaded; a measure of a layer never loaded) reads "not measured: needs ..."
  (:func:`geo.measurable.not_measured`) and has no count, change, RAG or arrow - never a 0 that reads Green.
* **Direction** compares with the same quarter last year - like with like for the season - and shows
  → when the change is within the tolerance in ``data/briefing.toml``; the partnership's arrows are a
  status, and a 0.4% wobble is not a rise.

Counts come from :func:`briefing.places.tally` (the map page's own query), rates from
:func:`geo.rates.rate_per_1000` and changes from :class:`geo.rates.Change`, so a pack shows what the app
shows for the same place and months.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

import config
from briefing.periods import Quarter
from briefing.places import Place, casualties, tally
from briefing.settings import briefing_settings
from briefing.sources import LayerSource
from config.measures import Target
from geo.measurable import loaded_categories, not_measured
from geo.rates import Change, Period, Population, rate_per_1000
from store import Store
from store.queries import categories

Rag = Literal["Green", "Amber", "Red"]


# ---- the pure rules ---------------------------------------------------------------------------------


def target_for_period(
    target: Target, months: int, share: float | None, last_year: float | None
) -> float | None:
    """The target scaled to ``months`` months and a place holding ``share`` of the borough's residents.

    ``last_year`` is the measure's value for the same period a year earlier (needed by "down N a year"
    targets). None when the target cannot be scaled (no population share, or no last-year figure).
    """
    if share is None or months <= 0:
        return None
    scale = months / 12 * share
    if target.annual is not None:
        return target.annual * scale
    if last_year is None:
        return None
    return last_year - target.reduction_per_year * scale


def rag(value: float | None, target: float | None, amber_margin_percent: float) -> Rag | None:
    """Green at or below target, Amber up to ``amber_margin_percent`` above, Red beyond; None without both."""
    if value is None or target is None:
        return None
    if value <= target:
        return "Green"
    if value <= target * (1 + amber_margin_percent / 100):
        return "Amber"
    return "Red"


def direction(current: float | None, previous: float | None, stable_percent: float) -> str:
    """↑ rising, ↓ falling, → within ``stable_percent`` of ``previous``; "" with nothing to compare.

    From zero, any rise is ↑ (there is no percentage to judge it by).
    """
    if current is None or previous is None:
        return ""
    if previous == 0:
        return "↑" if current > 0 else "→"
    change = 100 * (current - previous) / previous
    if abs(change) <= stable_percent:
        return "→"
    return "↑" if change > 0 else "↓"


# ---- the table ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineRow:
    """One line of the headline table. Counts are None where the data does not cover that quarter."""

    label: str
    layer: str
    measure: Target | None  # the Partnership Plan measure the RAG is against
    is_measure: bool  # a measure within a layer (printed indented under it)
    unit: str  # "incidents" or "casualties"
    count: int | None
    last_year: int | None
    last_quarter: int | None
    rate: float | None
    target: float | None
    rag: Rag | None
    direction: str
    #: "not measured: needs ...": no loaded record carries the row's categories (no count, RAG or arrow)
    not_measured: str | None = None
    #: months without data in (this quarter, the same quarter last year, the previous quarter)
    missing: tuple[int, int, int] = (0, 0, 0)

    @property
    def change_year(self) -> Change | None:
        return None if self.count is None else Change(self.count, self.last_year, self.missing[1])

    @property
    def change_quarter(self) -> Change | None:
        return None if self.count is None else Change(self.count, self.last_quarter, self.missing[2])


@dataclass(frozen=True)
class Headlines:
    """The headline table for a place and quarter, with what it was computed from."""

    quarter: Quarter
    rows: tuple[HeadlineRow, ...]
    population: Population | None
    share: float | None  # of the borough's residents


def borough_share(
    place: Place, populations: Mapping[str, Population], all_wards: tuple[str, ...]
) -> float | None:
    """The place's share of the borough's residents (None without a population for the place)."""
    own = place.population(dict(populations))
    total = sum(populations[c].people for c in all_wards if c in populations)
    if own is None or not total:
        return None
    return own.people / total


def counted_rows(frame: pd.DataFrame, layer: str, categories: tuple[str, ...] | None) -> pd.DataFrame:
    """The rows of a frame of counts (columns ``layer``, ``category``, ``n``, ...) that a layer's line or a
    measure counts: the layer's rows, narrowed to ``categories`` unless None. Shared with the scorecard,
    so a measure is counted the same way in a pack and on the scorecard."""
    rows = frame[frame["layer"] == layer]
    return rows if categories is None else rows[rows["category"].isin(categories)]


def _values(frames: Mapping[str, pd.DataFrame], layer: str, cats: tuple[str, ...] | None) -> dict[str, int]:
    """Sum of ``n`` for a layer (and category subset) in each period's frame of counts by layer/category."""
    return {key: int(counted_rows(frame, layer, cats)["n"].sum()) for key, frame in frames.items()}


def headline_rows(
    store: Store,
    place: Place,
    quarter: Quarter,
    *,
    populations: Mapping[str, Population],
    all_wards: tuple[str, ...],
    sources: Mapping[str, LayerSource],
) -> Headlines:
    """Compute the headline table for ``place`` in ``quarter`` (see the module rules)."""
    options = briefing_settings()
    margin, stable = options.amber_margin_percent, options.stable_percent
    periods: dict[str, Period] = {
        "now": quarter.period,
        "last_year": quarter.same_last_year().period,
        "last_quarter": quarter.previous().period,
    }
    measures = config.targets()
    casualty_layers = {m.layer for m in measures if m.counts_casualties and m.layer in sources}
    with store.reading():  # every count the table needs, on one connection
        frames = {
            k: tally(store, place, place.filters(p), by=("layer", "category")) for k, p in periods.items()
        }
        people_hurt = {
            lid: {k: casualties(store, place, place.filters(p, layers=(lid,))) for k, p in periods.items()}
            for lid in casualty_layers
        }
        loaded = loaded_categories(categories(store))  # what the stored records carry (geo.measurable)
    population = place.population(dict(populations))
    people = population.people if population else None
    share = borough_share(place, populations, all_wards)

    def build(label: str, layer: str, measure: Target | None, is_measure: bool) -> HeadlineRow:
        source = sources.get(layer)
        missing = not_measured(layer, None if measure is None else measure.categories, loaded)
        if measure is not None and measure.counts_casualties and layer in people_hurt:
            raw = people_hurt[layer]
        else:
            raw = _values(frames, layer, None if measure is None else measure.categories)
        measured = source is not None and not missing
        gaps = {k: (source.missing(p) if source is not None else p.months) for k, p in periods.items()}
        value = {k: (raw[k] if measured and not gaps[k] else None) for k, p in periods.items()}
        target = (
            None
            if measure is None
            else target_for_period(measure, quarter.period.months, share, value["last_year"])
        )
        return HeadlineRow(
            label=label,
            layer=layer,
            measure=measure,
            is_measure=is_measure,
            unit="casualties" if measure is not None and measure.counts_casualties else "incidents",
            count=value["now"],
            last_year=value["last_year"],
            last_quarter=value["last_quarter"],
            rate=None if value["now"] is None else rate_per_1000(value["now"], people),
            target=target,
            rag=rag(value["now"], target, margin),
            direction=direction(value["now"], value["last_year"], stable),
            not_measured=missing,
            missing=(gaps["now"], gaps["last_year"], gaps["last_quarter"]),
        )

    rows: list[HeadlineRow] = []
    for lid, spec in config.layers().items():
        if lid not in sources:  # no data at all: its measures say what they need (no layer line)
            rows.extend(build(m.measure, lid, m, False) for m in measures if m.layer == lid)
            continue
        whole = next((m for m in measures if m.layer == lid and m.whole_layer), None)
        rows.append(build(spec.label, lid, whole, False))
        rows.extend(build(m.measure, lid, m, True) for m in measures if m.layer == lid and not m.whole_layer)
    return Headlines(quarter=quarter, rows=tuple(rows), population=population, share=share)
