"""Action-day picker: the top N places in a district or ward to send partners to, spread apart.

Why: police and fire planners choose action-day, patrol and visual-audit locations at COG meetings. A
ranked list of small places, each with a street name people recognise and a plain reason, lets them
agree quickly; spreading the places out stops one busy street taking every slot.

The rules, written down:

1. **What counts.** Incidents in the chosen area (district or ward) within the window (whole months),
   weighted by a preset or custom weights: each incident takes the weight of the most specific rule
   that matches it (a rule for its category beats a rule for its whole layer); unmatched incidents
   count 0.
2. **Places.** Incidents are grouped into H3 cells (default resolution 9, about 0.1 km²). A place's
   **score** is the sum of its incidents' weights.
3. **Centre.** The weighted mean position of the place's incidents, so the pin sits where the trouble
   is rather than at the middle of a hexagon; when that point falls outside the chosen area (a cell on a
   jagged boundary), the incident nearest to it is used instead, so every centre is inside the area.
4. **Spread.** Places are taken in score order (ties by cell id, so the answer never changes between
   runs) and a place is skipped when its centre is nearer than the minimum distance to a place already
   taken (great-circle distance). This stops after N places or when none are left.
5. **Street and ward.** The most common street name among the place's incidents (police.uk's "On or
   near" dropped; ties alphabetical). The ward is the one the Map and Hotspots pages name the hexagon
   after: the ward of the chosen area holding the cell's centre (:func:`geo.grid.cell_wards`).
6. **Parts that cannot count.** A weight (a preset part) whose layer and category no stored record
   carries - nuisance ASB when only police.uk's untyped ASB is loaded - would silently add nothing, so
   the plan lists it as "not measured: needs ...". Two weighted layers holding the same reports from two
   sources are never both counted: one is left out with a note (:mod:`geo.measurable`).
7. **Enough incidents.** When fewer incidents count in the area and window than ``[hotspots]
   min_incidents`` in ``data/settings.toml`` - the minimum the hot-spot map uses - no place is picked
   and the plan says "too few incidents" instead: the "top" places among a handful of incidents are
   chance, not a pattern to send partners to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import h3
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

import config
from config.action_days import PickerDefaults, Weight
from geo.boundaries import Wards
from geo.grid import cell_wards
from geo.measurable import Loaded, combinable, layer_label, loaded_categories, not_measured, part_label
from geo.rates import Period, add_months, month_start

EARTH_RADIUS_M = 6_371_008.8


def layer_weights(weights: Mapping[str, float]) -> tuple[Weight, ...]:
    """Custom weights per whole layer (layers weighted 0 are left out)."""
    return tuple(
        Weight(layer, None, float(w), "Set by you for this session.") for layer, w in weights.items() if w > 0
    )


def weights_table(weights: tuple[Weight, ...]) -> pd.DataFrame:
    """The weights in plain English, one row each: what counts, how much one incident adds, and why.

    Why: a preset's name says what it is for; the table shows what it actually ranks by, so a planner
    can check that, say, "Fire" counts fires and nothing else.
    """
    return pd.DataFrame(
        [
            {
                "What counts": part_label(w.layer, w.category),
                "Each incident adds": f"{w.weight:g}",
                "Why": w.why,
            }
            for w in weights
        ],
        columns=["What counts", "Each incident adds", "Why"],
    )


def counted_kinds(weights: tuple[Weight, ...], n: int) -> str:
    """What the incidents that count are called in a sentence: "deliberate fires" when one whole layer
    counts, else "incidents of the chosen kinds" (singular for ``n`` = 1)."""
    if len(weights) == 1 and weights[0].category is None and n != 1:
        return layer_label(weights[0].layer).lower()
    return "incident of the chosen kinds" if n == 1 else "incidents of the chosen kinds"


#: The windows offered, in months: the page's choices and the candidates for the automatic window, from a
#: month of violence to two years of deliberate fires or KSI collisions.
WINDOWS = (1, 2, 3, 6, 12, 24)


def window_choices(defaults: PickerDefaults) -> tuple[int, ...]:
    """The windows offered (months), shortest first: :data:`WINDOWS` and the file's ``window_months``."""
    return tuple(sorted({*WINDOWS, defaults.window_months}))


def window_period(last: date, months: int, first: date) -> Period:
    """The ``months`` whole months ending with ``last``'s month, but starting no earlier than ``first``'s
    month (the first month with data): a window reaching back before the data would be labelled with months
    it holds nothing of."""
    return Period.of_months(max(add_months(last, 1 - months), month_start(first)), last)


def automatic_window(
    month_counts: Mapping[date, int], last: date, windows: tuple[int, ...], enough: int
) -> int:
    """The shortest of ``windows`` (months ending with ``last``'s month) holding at least ``enough``
    counted incidents, else the longest.

    Why: a fixed three months holds hundreds of violent crimes but only a handful of deliberate fires or
    KSI collisions, and ranking places on a handful is ranking chance. ``month_counts`` maps the first day
    of a month to its count; a month it leaves out counts 0.
    """
    for months in sorted(windows):
        first = add_months(last, -(months - 1))
        held = sum(n for month, n in month_counts.items() if first <= month <= last)
        if held >= enough:
            return months
    return max(windows)


def counted_by_month(monthly: pd.DataFrame, weights: tuple[Weight, ...]) -> dict[date, int]:
    """Incidents that count for ``weights`` (rule 1) per month, from counts by month, layer and category
    (columns ``month``, ``layer``, ``category``, ``n``): the input of :func:`automatic_window`. Pass
    the weights :func:`check_weights` kept (rule 6), so the window rests on what the plan counts."""
    counted = apply_weights(monthly, weights)
    totals = counted.groupby("month")["n"].sum()
    return {pd.Timestamp(month).date(): int(n) for month, n in totals.items()}


@dataclass(frozen=True)
class CheckedWeights:
    """Weights a score may add up (rule 6), with what the loaded data cannot count and what was left out."""

    weights: tuple[Weight, ...]
    #: one sentence per part no stored record can count ("<layer> - <category>: not measured: needs ...")
    unmeasured: tuple[str, ...]
    #: one sentence per layer left out because another weighted layer holds the same reports
    left_out: tuple[str, ...]


def check_weights(weights: tuple[Weight, ...], loaded: Loaded) -> CheckedWeights:
    """Rule 6 for ``weights`` given what the store's records carry (layer -> categories)."""
    kept_layers, left_out = combinable((w.layer for w in weights), loaded.keys())
    kept = tuple(w for w in weights if w.layer in kept_layers)
    unmeasured = []
    for w in kept:
        missing = not_measured(w.layer, None if w.category is None else (w.category,), loaded)
        if missing:
            part = layer_label(w.layer) + (f" - {w.category}" if w.category else "")
            unmeasured.append(f"{part}: {missing}")
    return CheckedWeights(kept, tuple(unmeasured), left_out)


def describe_weights(weights: tuple[Weight, ...]) -> str:
    """e.g. "Drugs ×1, Deliberate fires ×2, ASB (council records) - Nuisance ×1" for headers and exports
    (an ASB part names its source: :func:`geo.measurable.part_label`)."""
    return ", ".join(f"{part_label(w.layer, w.category)} ×{w.weight:g}" for w in weights)


def apply_weights(incidents: pd.DataFrame, weights: tuple[Weight, ...]) -> pd.DataFrame:
    """Add ``weight`` (rule 1) and ``label`` columns; drop weight-0 rows.

    The label is what a count is reported under: the category for a category rule (with its layer where
    two layers hold the same kind of reports, :func:`geo.measurable.part_label`), the layer's name for a
    whole-layer rule (the score was built from the layer, so that is the honest breakdown).
    """
    if any(w.weight < 0 for w in weights):
        raise ValueError("weights cannot be negative")
    layer_labels = {lid: spec.label for lid, spec in config.layers().items()}
    by_category = {(w.layer, w.category): w.weight for w in weights if w.category is not None}
    by_layer = {w.layer: w.weight for w in weights if w.category is None}
    pairs = pd.Series(list(zip(incidents["layer"], incidents["category"], strict=True)), dtype=object)
    category_weight = pairs.map(by_category).to_numpy(dtype=float)
    specific = ~np.isnan(category_weight)
    layer_weight = incidents["layer"].map(by_layer).fillna(0.0).to_numpy(dtype=float)
    weight = np.where(specific, category_weight, layer_weight)
    layer_name = incidents["layer"].map(layer_labels).fillna(incidents["layer"])
    category_label = pairs.map({pair: part_label(*pair) for pair in set(pairs)})
    label = np.where(specific, category_label, layer_name)
    out = incidents.assign(weight=np.asarray(weight, dtype=float), label=label)
    return out[out["weight"] > 0].reset_index(drop=True)


def distance_m(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle (haversine) distance in metres from one point to many."""
    p1, p2 = math.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2) - math.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def street_name(streets: pd.Series) -> str:
    """Most common street (rule 5), or "" when the records name none."""
    names = streets.dropna().astype(str).str.replace(r"(?i)^\s*on or near\s+", "", regex=True).str.strip()
    names = names[names != ""]
    if names.empty:
        return ""
    tally = names.value_counts()
    return sorted(tally[tally == tally.max()].index)[0]


@dataclass(frozen=True)
class Location:
    """One suggested action-day location."""

    rank: int
    cell: str
    lat: float
    lon: float
    street: str
    ward_code: str
    ward_name: str
    district: str
    score: float
    incidents: int
    counts: dict[str, int]  # label -> incidents, largest first
    why: str


def _centre(group: pd.DataFrame, area: BaseGeometry) -> tuple[float, float]:
    """Rule 3: weighted mean position, or the nearest incident to it when the mean is outside the area."""
    w = group["weight"].to_numpy()
    lat = float(np.average(group["lat"], weights=w))
    lon = float(np.average(group["lon"], weights=w))
    if shapely.intersects_xy(area, lon, lat):
        return lat, lon
    nearest = int(np.argmin(distance_m(lat, lon, group["lat"].to_numpy(), group["lon"].to_numpy())))
    return float(group["lat"].iloc[nearest]), float(group["lon"].iloc[nearest])


def _why(
    rank: int,
    incidents: int,
    counts: dict[str, int],
    score: float,
    period: Period,
    area_name: str,
    min_distance_m: float,
) -> str:
    top = list(counts.items())[:2]
    mix = f"all {top[0][0]}" if len(counts) == 1 else "mostly " + " and ".join(f"{lb} ({n})" for lb, n in top)
    where = f"the highest score in {area_name}"
    if rank > 1:
        where += f" at least {min_distance_m:,.0f} m from those ranked above"
    first, last = f"{period.start:%b %Y}", f"{period.end:%b %Y}"
    when = f"in {first}" if first == last else f"from {first} to {last}"
    return (
        f"{incidents} incident{'s' if incidents != 1 else ''} here {when}, {mix}, "
        f"for a weighted score of {score:g}: {where}."
    )


class _Place(NamedTuple):
    """A place the spread rule kept: its cell, score, pin position and incidents."""

    cell: int
    score: float
    lat: float
    lon: float
    incidents: pd.DataFrame


def _spread(incidents: pd.DataFrame, area: BaseGeometry, n: int, min_distance_m: float) -> list[_Place]:
    """Rules 2-4: up to ``n`` places, highest score first, each at least ``min_distance_m`` from the rest."""
    scores = (
        incidents.groupby("cell")["weight"]
        .sum()
        .reset_index()
        .sort_values(["weight", "cell"], ascending=[False, True])
    )
    groups = dict(tuple(incidents.groupby("cell")))
    chosen: list[_Place] = []
    for cell, score in zip(scores["cell"], scores["weight"], strict=True):
        lat, lon = _centre(groups[cell], area)
        taken = np.array([(p.lat, p.lon) for p in chosen]).reshape(-1, 2)
        if chosen and distance_m(lat, lon, taken[:, 0], taken[:, 1]).min() < min_distance_m:
            continue
        chosen.append(_Place(int(cell), float(score), lat, lon, groups[cell]))
        if len(chosen) == n:
            break
    return chosen


def too_few_incidents(incidents: pd.DataFrame) -> str:
    """Rule 7: the sentence a plan shows instead of locations when too few incidents count; '' if enough.

    It names the minimum, never the count, so a public pack never prints a count under 5.
    """
    minimum = config.hotspot_settings().min_incidents
    if len(incidents) >= minimum:
        return ""
    return (
        f"Too few incidents to pick locations: fewer than {minimum:,} of the chosen kinds in this place "
        "and these months."
    )


def pick(
    incidents: pd.DataFrame,
    *,
    area: BaseGeometry,
    area_name: str,
    period: Period,
    wards: Wards,
    n: int,
    min_distance_m: float,
    district: str | None = None,
    ward: str | None = None,
) -> list[Location]:
    """Rules 2-5 on weighted incidents (columns cell, lat, lon, street, weight, label).

    ``district`` or ``ward`` (a code) is the area the incidents were chosen from, as given to
    :func:`geo.grid.study_grid`: a place is named after one of that area's wards, as the grid names it.
    """
    if n < 1:
        raise ValueError("ask for at least one location")
    if min_distance_m < 0:
        raise ValueError("the minimum distance cannot be negative")
    if incidents.empty:
        return []
    places = _spread(incidents, area, n, min_distance_m)
    ward_of = cell_wards(
        wards, np.array([p.cell for p in places], dtype=np.uint64), district=district, ward=ward
    )
    locations: list[Location] = []
    for rank, (place, w) in enumerate(zip(places, ward_of, strict=True), start=1):
        tally = place.incidents["label"].value_counts()
        counts = {label: int(tally[label]) for label in sorted(tally.index, key=lambda k: (-tally[k], k))}
        total = int(len(place.incidents))
        score = round(place.score, 6)
        locations.append(
            Location(
                rank=rank,
                cell=h3.int_to_str(place.cell),
                lat=round(place.lat, 6),
                lon=round(place.lon, 6),
                street=street_name(place.incidents["street"]),
                ward_code=wards.codes[w],
                ward_name=wards.names[w],
                district=wards.districts[w],
                score=score,
                incidents=total,
                counts=counts,
                why=_why(rank, total, counts, score, period, area_name, min_distance_m),
            )
        )
    return locations


@dataclass(frozen=True)
class ActionPlan:
    """The picker's answer with what it was asked, for headers and exports."""

    area_name: str
    period: Period
    weights: tuple[Weight, ...]
    weights_name: str
    min_distance_m: float
    locations: tuple[Location, ...]
    #: preset parts no stored record can count ("... : not measured: needs ...", rule 6)
    unmeasured: tuple[str, ...] = ()
    #: layers left out because another weighted layer holds the same reports (rule 6)
    left_out: tuple[str, ...] = ()
    #: what the plan says instead of locations when too few incidents count (rule 7); '' otherwise
    too_few: str = ""
    #: incidents that count for the weights in the area and window: what the ranking rests on
    counted: int = 0

    @property
    def basis(self) -> str:
        """e.g. "Based on 312 deliberate fires from Dec 2024 to Nov 2025." for the page and the PDF."""
        kinds = counted_kinds(self.weights, self.counted)
        when = f"in {self.period.span}" if self.period.months == 1 else f"from {self.period.span}"
        return f"Based on {self.counted:,} {kinds} {when}."

    def table(self) -> pd.DataFrame:
        """One row per location; counts behind the score as one text column (for CSV and print)."""
        return pd.DataFrame(
            [
                {
                    "rank": loc.rank,
                    "street": loc.street,
                    "ward": loc.ward_name,
                    "district": loc.district,
                    "lat": loc.lat,
                    "lon": loc.lon,
                    "score": loc.score,
                    "incidents": loc.incidents,
                    "counts": "; ".join(f"{k}: {v}" for k, v in loc.counts.items()),
                    "why": loc.why,
                    "h3_cell": loc.cell,
                }
                for loc in self.locations
            ],
            columns=[
                "rank",
                "street",
                "ward",
                "district",
                "lat",
                "lon",
                "score",
                "incidents",
                "counts",
                "why",
                "h3_cell",
            ],
        )


def checked_weights(weights: tuple[Weight, ...], categories: pd.DataFrame) -> CheckedWeights:
    """Rule 6 given the stored (layer, category) pairs (``store.queries.categories``)."""
    return check_weights(weights, loaded_categories(categories))


def make_plan(
    incidents: pd.DataFrame,
    wards: Wards,
    *,
    checked: CheckedWeights,
    weights_name: str,
    period: Period,
    n: int,
    min_distance_m: float,
    district: str | None = None,
    ward: str | None = None,
) -> ActionPlan:
    """The whole picker for a district, a ward (code), or (neither) the whole borough, given the
    incidents that count there (:func:`apply_weights` of the area's incidents in the window)."""
    if ward is not None:
        area_name = wards.name_by_code[ward]
    elif district is not None:
        if district not in wards.district_names:
            raise ValueError(
                f"no district called {district!r}; choose from {', '.join(wards.district_names)}"
            )
        area_name = district
    else:
        area_name = config.BOROUGH_NAME
    too_few = too_few_incidents(incidents)
    locations: list[Location] = []
    if not too_few:
        locations = pick(
            incidents,
            area=wards.geometry_of(district=district, ward=ward),
            area_name=area_name,
            period=period,
            wards=wards,
            n=n,
            min_distance_m=min_distance_m,
            district=district,
            ward=ward,
        )
    return ActionPlan(
        area_name,
        period,
        checked.weights,
        weights_name,
        min_distance_m,
        tuple(locations),
        checked.unmeasured,
        checked.left_out,
        too_few,
        len(incidents),
    )
