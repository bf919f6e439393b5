"""The map page: incident counts on H3 hexagons over ward and district boundaries, with a summary panel.

The map is built the fast way every map in the app is (:mod:`views.maps`): the base map never changes,
and the hexagons and the chosen area's outline travel in a feature group swapped in place when a filter
changes. Incidents are only ever drawn as counts per hexagon, never as points, and each hexagon is named
after its ward by the study grid's rule (:func:`views.common.study_grid`), as on the Hotspots page.

For the public (:func:`views.access.current_audience`) the page is public-safe (:mod:`geo.public_map`):
only hexagons with at least 5 incidents are drawn, each with its total only; small counts read "fewer than
5", and any count that would let one be worked out from the summary's totals, the areas' sums or the
hexagons reads "not shown".
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import folium
import h3
import pandas as pd
import streamlit as st

import config
from briefing.settings import public_threshold
from briefing.suppression import Disclosure
from geo.boundaries import Wards
from geo.classes import Classes
from geo.coverage import Coverage
from geo.grid import StudyGrid
from geo.mapdata import hex_layer, map_resolution
from geo.public_map import ALL, PublicMap, area_key, decide
from geo.rates import (
    Change,
    Period,
    Population,
    area_population,
    no_data,
    not_comparable,
    per_year,
    rate_heading,
    rate_per_1000,
    rate_unit,
    residents_text,
)
from store import Store
from store.queries import Filters, counts
from views import access, common, map_tools, maps

MAP_HEIGHT = 620
PARTNER = Disclosure("partner")
#: About 105 m x 68 m, to make hexagon sizes concrete for non-specialists.
FOOTBALL_PITCH_KM2 = 0.00714


@dataclass(frozen=True)
class DrawnHexes:
    """The hexagon layer as the map page draws it, cached as text: a cached dict would be unpickled and
    re-serialised on every run, the largest cost of a cached redraw."""

    geojson_text: str
    count: int
    legend: list[tuple[str, str]]


@st.cache_data(show_spinner=False, max_entries=32)
def _hexes(
    path: str, version: str, filters: Filters, res: int, classes: Classes, _grid: StudyGrid
) -> DrawnHexes:
    # keyed on the store version, filters and resolution, which determine the grid (leading underscore)
    column = f"h3_r{res}"
    hexes = hex_layer(
        counts(Store(path), filters, (column, "layer")),
        cell_column=column,
        layer_ids=filters.layers or (),
        grid=_grid,
        classes=classes,
    )
    return DrawnHexes(maps.geojson_text(hexes.geojson), len(hexes.geojson["features"]), hexes.legend)


@st.cache_data(show_spinner=False, max_entries=32)
def _public(
    path: str,
    version: str,
    filters: Filters,
    res: int,
    layers: tuple[tuple[str, ...], tuple[str, ...], bool],
    classes: Classes,
    _grid: StudyGrid,
    _wards: Wards,
) -> tuple[DrawnHexes, PublicMap]:
    """The public map (:func:`geo.public_map.decide`) for the filters, and its hexagons as drawn.

    ``layers``: the layers the summary prints a count for now and before, and whether it prints their
    total before (see :func:`public_layers`). Keyed like :func:`_hexes` (the grid and wards follow the
    store version and the key).
    """
    store = Store(path)
    everywhere = Filters(filters.layers, filters.categories, filters.start, filters.end)
    by_ward = ("district", "ward_code", "layer")
    earlier = common.period_of(filters).previous()
    column = f"h3_r{res}"
    cells = counts(store, filters, (column, "layer"))
    now, before, total_before = layers
    public = decide(
        counts(store, everywhere, by_ward),
        counts(store, everywhere.shifted(earlier.start, earlier.end), by_ward) if before else None,
        _wards.district_by_code,
        now,
        before,
        total_before,
        cells,
        column,
        area_key(filters.district, filters.ward),
        public_threshold(),
    )
    d = Disclosure("public", public_threshold())
    hexes = hex_layer(
        cells[cells[column].astype("uint64").isin(list(public.drawn))],
        cell_column=column,
        layer_ids=now,
        grid=_grid,
        classes=classes,
        printed=lambda cell, layer: d.count(public.mark(("hex", cell, ALL))) if layer == "total" else "–",
    )
    drawn = DrawnHexes(maps.geojson_text(hexes.geojson), len(hexes.geojson["features"]), hexes.legend)
    return drawn, public


def public_layers(filters: Filters, coverage: Coverage) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """The layers whose counts the summary prints for the months chosen and for the months before (a
    change needs the layer's previous period fully covered), and whether it prints their total before."""
    period = common.period_of(filters)
    chosen = filters.layers or ()
    now = tuple(coverage.with_data(period, chosen) or chosen)
    earlier = period.previous()
    before = tuple(lid for lid in now if not coverage.missing(earlier, [lid]))
    return now, before, bool(now) and not coverage.missing(earlier, now)


def add_hexes(group: folium.FeatureGroup, hexes: DrawnHexes, layer_ids: tuple[str, ...]) -> None:
    """Hexagons with a tooltip naming the place and the count for each layer shown."""
    if not hexes.count:
        return
    labels = [html.escape(config.layers()[lid].label) for lid in layer_ids]
    tooltip = list(
        zip(
            ["ward", "district", *layer_ids, "total"], ["Ward", "District", *labels, "All shown"], strict=True
        )
    )
    maps.DataLayer(hexes.geojson_text, tooltip=tooltip, **maps.HEX_STYLE).add_to(group)


def legend_title(res: int) -> str:
    """What the colours count, with the hexagon size."""
    return f"Incidents per hexagon (about {h3.average_hexagon_area(res, 'km^2'):.2f} km²):"


def legend_html(hexes: DrawnHexes, res: int, local: bool) -> str:
    """Legend for hexagon colours and the outlines drawn (the chosen area's only when there is one)."""
    items = [(maps.fill_swatch(colour), label) for colour, label in hexes.legend]
    items += maps.OUTLINE_LEGEND
    if local:
        items.append((maps.line_swatch(maps.SELECTED_STYLE), "chosen area"))
    return maps.swatch_legend("map-legend", legend_title(res), items)


def summary_table(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    layer_ids: tuple[str, ...],
    population: Population | None,
    coverage: Coverage,
    period: Period,
    marks: Callable[[str, str], int | None] | None = None,
    disclosure: Disclosure = PARTNER,
) -> pd.DataFrame:
    """One row per shown layer plus a total: count, rate per 1,000 residents (the heading names the
    population estimate, e.g. "ONS mid-2020"), change vs previous period.

    Coverage decides what may be shown: a layer with no data for the period reads "no data"; one with
    data for some of its months shows the count with "(N of M months)" and no rate (a rate over part of
    the period would read low); a change needs both periods fully covered, else "not comparable: N months
    missing" - never a fall to zero because nobody loaded a month.

    ``marks(layer or "All", "now" | "before")`` gives the public's counts (:class:`PublicMap`), printed
    through ``disclosure``: a withheld count hides its rate and change too.
    """
    people = population.people if population else None
    rate_column = rate_heading(population.basis if population else "")
    now = current.set_index("layer")["n"] if not current.empty else pd.Series(dtype="int64")
    before = (
        previous.set_index("layer")["n"]
        if previous is not None and not previous.empty
        else pd.Series(dtype="int64")
    )
    earlier = period.previous()
    rows = []
    with_data = coverage.with_data(period, layer_ids) or list(layer_ids)
    total_label = "All shown" if len(with_data) == len(layer_ids) else "All shown with data"
    for label, ids, key in [
        *((config.layers()[lid].label, [lid], lid) for lid in layer_ids),
        (total_label, with_data, ALL),
    ]:
        n = int(now.reindex(ids).fillna(0).sum())
        gap, gap_before = coverage.missing(period, ids), coverage.missing(earlier, ids)
        covered = period.months - gap
        if not covered:
            empty = {"Incidents": no_data(gap, period.months), rate_column: "–", "Change": "–"}
            rows.append({"Layer": label, **empty})
            continue
        prev = None if previous is None or gap_before else int(before.reindex(ids).fillna(0).sum())
        if marks is not None:
            n, prev = marks(key, "now"), None if prev is None else marks(key, "before")
        rate = None if gap else rate_per_1000(n, people)
        rows.append(
            {
                "Layer": label,
                "Incidents": disclosure.count(n) + (f" ({covered} of {period.months} months)" if gap else ""),
                rate_column: "n/a" if rate is None else disclosure.rate(rate, n),
                "Change": not_comparable(gap) if gap else disclosure.change(Change(n, prev, gap_before)),
            }
        )
    return pd.DataFrame(rows).set_index("Layer")


def summary_panel(store: Store, filters: Filters, the_wards: Wards, public: PublicMap | None = None) -> None:
    """The chosen area's counts beside the map; for the public (``public`` given) through its decisions."""
    period = common.period_of(filters)
    coverage = common.coverage(store)
    previous_period = period.previous()
    layer_ids = tuple(coverage.with_data(period, filters.layers or ())) or (filters.layers or ())
    comparable = coverage.covers(period, layer_ids) and coverage.covers(previous_period, layer_ids)
    current = common.counts(store, filters, ("layer",))
    previous = (
        common.counts(store, filters.shifted(previous_period.start, previous_period.end), ("layer",))
        if coverage.any_in(previous_period, layer_ids)
        else None
    )
    population = area_population(common.ward_populations(store), common.area_wards(filters, the_wards))
    people = population.people if population else None
    total = int(current["n"].sum()) if not current.empty else 0
    total_change = Change(
        total, int(previous["n"].sum()) if comparable and previous is not None else None
    )
    d, marks = PARTNER, None
    if public is not None:
        d = Disclosure("public", public.decided.threshold)
        area = area_key(filters.district, filters.ward)

        def marks(layer: str, period: str) -> int | None:
            return public.mark((area, layer, period))

        total = marks(ALL, "now") or 0
        before = marks(ALL, "before") if comparable else None
        total_change = Change(total, None if before is None or d.hides(before) or d.hides(total) else before)

    st.subheader(common.plain(common.area_name(filters, the_wards)))
    st.caption(coverage.label(period, layer_ids))
    st.metric(
        "Incidents shown",
        d.count(total),
        delta=None
        if total_change.percent is None
        else f"{total - total_change.previous:+,} ({total_change.percent:+.1f}%) vs previous period",
        delta_color="inverse",
        help="Change compared with the same number of months immediately before. Red means more incidents.",
    )
    st.table(summary_table(current, previous, filters.layers or (), population, coverage, period, marks, d))
    if population and not d.hides(total):
        # rates count the months chosen; scaled to a year they compare with annual published figures
        yearly = per_year(rate_per_1000(total, people), period.months)
        over_a_year = (
            f" Over a year that is {yearly:,.1f} incidents {rate_unit(population.basis)}."
            if period.months != 12 and coverage.covers(period, layer_ids)
            else ""
        )
        st.caption(f"Rates use {residents_text(population)}.{over_a_year}")
    elif not population:
        st.caption("No population figure for this area, so no rate is shown.")
    if d.public:
        st.caption(PUBLIC_NOTE.format(top=d.threshold - 1, threshold=d.threshold))
    without = [config.layers()[lid].label for lid in filters.layers or () if lid not in layer_ids]
    if without:
        st.caption(f"No data is loaded for {', '.join(without)} in these months; the total leaves them out.")
    if not comparable:
        missing = coverage.missing(period, layer_ids) + coverage.missing(previous_period, layer_ids)
        st.caption(
            f"No overall change shown: {missing} month{'s' if missing != 1 else ''} of {period.label} and "
            f"the period before ({previous_period.label}) have no data for some of the layers shown."
        )


PUBLIC_NOTE = (
    "Public version: only hexagons with at least {threshold} incidents are drawn, each with its total; "
    'counts from 1 to {top} read "fewer than {threshold}", and a count that would let one be worked out '
    "from the others (the total minus the layers, a district minus its wards, an area minus its hexagons) "
    'reads "not shown".'
)

EXPLANATION = """
**Hexagons.** The map divides Kirklees into equal-sized hexagons and colours each one by how many
incidents were recorded inside it in the months chosen: darker means more. Equal sizes make places
comparable at a glance, and counting by area means no individual incident or address is ever shown.
Across the whole borough each hexagon covers about {borough_km2:.2f} km²; once you pick a district or
ward they shrink to about {local_km2:.2f} km² (roughly {pitches:.0f} football pitches) so streets stand out.
Point at a hexagon to see its ward, district and the count for each layer. A hexagon on a ward boundary
is named after the ward that holds its centre, as on the Hotspots page.

**Colours.** The colour classes are worked out once for all of Kirklees for the months, layers and
hexagon size chosen, so choosing a district, ward or category never changes what a colour means: a quiet
ward looks quiet. "Fixed breaks" splits the hexagons at their average, then splits the busier ones at
their own average, and so on, so each darker colour is the busiest part of the colour before (rounded to
readable numbers). "Quantiles" puts about the same number of hexagons in each colour instead.

**Search and click.** Type a ward, town, village or street to zoom the map to it; clear the box to zoom
back out. Click a hexagon or a place name to see the hexagon's counts by category, its months and whether
it is a hot spot.

**Rate per 1,000 residents.** For every 1,000 people living in the area, how many incidents were
recorded in the chosen months. It lets a small ward be compared fairly with a large one. Town centres
and places people visit (shops, stations, night-time economy) have high rates because incidents happen
where people gather, not only where they live.

**Change.** The same count for the same number of months immediately before (for 12 months, the year
before). ↑ means more incidents, ↓ fewer, → the same. When either period has months with no data
loaded, no change is shown ("not comparable: N months missing"): a month nobody loaded is not a month
with no incidents.
"""


def render() -> None:
    store = common.current_store()
    st.title("Incident map")
    if not common.require_incidents(store):
        return
    the_wards = common.wards(store)
    filters = common.sidebar_filters(store)
    if not filters.layers:
        st.info("Switch on at least one layer in the sidebar to see incidents.")

    map_settings = config.map_settings()
    local = bool(filters.district or filters.ward)
    res = map_resolution(
        local=local,
        borough_resolution=map_settings.borough_resolution,
        local_resolution=map_settings.local_resolution,
    )
    grid = common.study_grid(store, the_wards, res, district=filters.district, ward=filters.ward)
    version, public, shown = common.store_version(store), None, filters.layers or ()
    is_public = access.current_audience() == "public"
    period = common.period_of(filters)

    map_col, panel_col = st.columns([3, 2], gap="medium")
    with map_col:
        find_col, colour_col = st.columns([3, 2])
        with find_col:
            match = map_tools.search(store, the_wards, public_threshold() if is_public else None)
        with colour_col:
            method = map_tools.colour_method()
    if is_public and shown:
        layers = public_layers(filters, common.coverage(store))
        classes = map_tools.fixed_classes(store, layers[0], period, res, method, public_threshold())
        hexes, public = _public(str(store.path), version, filters, res, layers, classes, grid, the_wards)
        shown, classed = (), layers[0]  # a public hexagon gives its total only (see geo.public_map)
    else:
        classes = map_tools.fixed_classes(store, shown, period, res, method, 1)
        hexes, classed = _hexes(str(store.path), version, filters, res, classes, grid), shown
    fmap = maps.base_map(store, the_wards, css=maps.PLACE_CSS)
    maps.PlaceLabels(config.places()).add_to(fmap)
    group = maps.area_group(fmap, the_wards, district=filters.district, ward=filters.ward, name="Incidents")
    add_hexes(group, hexes, shown)
    search_view = map_tools.search_view(match, the_wards, filters)
    maps.FitArea(fmap, search_view, slot=maps.SEARCH_SLOT).add_to(group)

    with map_col:
        returned = maps.show(
            fmap, key="incident_map", height=MAP_HEIGHT, group=group, returned=("last_object_clicked",)
        )
        if hexes.count:
            st.markdown(legend_html(hexes, res, local), unsafe_allow_html=True)
            st.caption(map_tools.classes_caption(classes, period, classed))
        else:
            st.info("No incidents match these filters.")
        st.caption("Click a hexagon or a place name to see its counts, months and hot-spot class.")
        image_slot = st.empty()  # filled last: the image is drawn after everything a user reads
    with panel_col:
        summary_panel(store, filters, the_wards, public)
        click = map_tools.clicked(returned, res)
        if click is not None:
            with st.container(border=True):
                map_tools.cell_panel(store, filters, grid, click[0], click[1], public)
    map_tools.trend_section(store, filters, common.coverage(store), is_public)
    with st.expander("How to read this map", icon=":material/help:"):
        borough_km2 = h3.average_hexagon_area(map_settings.borough_resolution, "km^2")
        local_km2 = h3.average_hexagon_area(map_settings.local_resolution, "km^2")
        st.markdown(
            EXPLANATION.format(
                borough_km2=borough_km2, local_km2=local_km2, pitches=local_km2 / FOOTBALL_PITCH_KM2
            )
        )
    if hexes.count:
        with image_slot.container():
            notes = (map_tools.classes_caption(classes, period, classed),)
            if public is not None:
                notes += (PUBLIC_NOTE.format(top=public_threshold() - 1, threshold=public_threshold()),)
            map_tools.image_button(
                store, filters, the_wards, hexes.geojson_text, hexes.legend, legend_title(res), notes
            )
