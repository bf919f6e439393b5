"""The tools around the Map page's map: colour classes, place search, the clicked hexagon's panel, the
monthly trend chart and "save the map as an image".

Why a module of its own: the map page draws the map and its summary; these tools each read a little more
of the store and each must stay public-safe in its own way (see :mod:`geo.public_map`): for the public,
search only moves the map, the panel gives a drawn hexagon's total as the map prints it and nothing about
a hexagon the map does not draw, and there is no monthly chart (single months of a small area hold counts
under 5 that the summary's quarter total would let a reader work out).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import altair as alt
import h3
import numpy as np
import pandas as pd
import streamlit as st

import config
from briefing.suppression import Disclosure
from geo.boundaries import Wards
from geo.classes import HEADTAIL, QUANTILES, Classes, classes_for
from geo.coverage import Coverage
from geo.grid import StudyGrid
from geo.monthly import monthly_series
from geo.public_map import ALL, PublicMap
from geo.rates import Period
from geo.search import Bounds, Match, cell_at, find, place_in
from store import Store
from store.queries import Filters, monthly
from store.search import streets_matching
from views import common

if TYPE_CHECKING:  # Gi* (SciPy's statistics) loads when a hexagon is clicked, not to draw the map
    from geo.hotspots import HotspotResult

KEY_CLASSES = "map_colour_classes"
KEY_SEARCH = "map_search"
KEY_MATCH = "map_search_match"
#: The view (see :func:`image_button`) whose image the user asked for.
KEY_IMAGE_VIEW = "map_image_view"
#: Streets are looked up from this many letters on (fewer match half the borough).
STREET_MIN_LETTERS = 3
CLASS_CHOICES = {HEADTAIL: "Fixed breaks", QUANTILES: "Quantiles"}
TREND_HEIGHT = 260


# ---- colour classes --------------------------------------------------------------------------------


def colour_method() -> str:
    """The user's choice of colour classes (fixed head/tail breaks by default, or quantiles)."""
    return st.radio(
        "Colours",
        list(CLASS_CHOICES),
        format_func=CLASS_CHOICES.get,
        horizontal=True,
        key=KEY_CLASSES,
        help="Fixed breaks: each darker colour is the busier part of the colour before, rounded to readable "
        "numbers. Quantiles: about the same number of hexagons in each colour. Either way the colours are "
        "worked out once for all of Kirklees for these months and layers, so choosing a district, ward or "
        "category does not change what a colour means.",
    )


def fixed_classes(
    store: Store, layers: tuple[str, ...], period: Period, res: int, method: str, lowest: int
) -> Classes:
    """Classes from every hexagon of Kirklees for the months and layers (no place, no category), so a
    filter never rescales them; ``lowest``: the smallest count drawn (5 on the public map)."""
    frame = common.counts(store, Filters(layers=layers, start=period.start, end=period.end), (f"h3_r{res}",))
    return classes_for(frame["n"].to_numpy(), method, lowest=lowest)


def classes_caption(classes: Classes, period: Period, layers: tuple[str, ...]) -> str:
    """What the legend's colours are, in words."""
    names = ", ".join(config.layers()[lid].label for lid in layers)
    return (
        f"Colours: {classes.describe()}, worked out from every hexagon of {config.BOROUGH_NAME} for "
        f"{period.label} ({names}), so they mean the same whichever district, ward or category is chosen."
    )


# ---- search ----------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _streets(path: str, version: str, text: str) -> pd.DataFrame:
    return streets_matching(Store(path), text)


def search(store: Store, the_wards: Wards, public_threshold: int | None) -> Match | None:
    """A search box for a ward, a town or village, or a street in the data; the chosen match (None when
    nothing is searched or found). ``public_threshold``: the public map's threshold, when it is public."""
    text = st.text_input(
        "Find a place",
        key=KEY_SEARCH,
        placeholder="A ward, town, village or street, e.g. Holmfirth",
        help="Wards and the towns and villages of data/places.csv, then streets named in the loaded records "
        "(from 3 letters). The map zooms to the match chosen; clear the box to zoom back out.",
    )
    wanted = text.strip()
    if not wanted:
        return None
    streets = (
        _streets(str(store.path), common.store_version(store), wanted.lower())
        if len(wanted) >= STREET_MIN_LETTERS
        else pd.DataFrame(columns=["street", "ward_code", "n", "lat", "lon"])
    )
    matches = find(wanted, the_wards, config.places(), streets, public_min_records=public_threshold)
    if not matches:
        st.caption(f"No ward, place or street matches “{common.plain(wanted)}”.")
        return None
    chosen = st.selectbox(
        "Matches",
        range(len(matches)),
        format_func=lambda i: matches[i].label,
        key=KEY_MATCH,
        label_visibility="collapsed",
    )
    return matches[min(chosen or 0, len(matches) - 1)]


def search_view(match: Match | None, the_wards: Wards, filters: Filters) -> Bounds:
    """The box the search puts the map on: the match's, or with nothing searched or found the chosen ward's,
    district's or borough's, so clearing the box zooms back out to the view the filters give.

    Why the empty box has a box too: the map remembers the search's last box apart from the area's
    (:data:`views.maps.SEARCH_SLOT`) and moves only when one of them changes, so a user's own panning
    survives other changes; were an empty search to fit nothing, clearing it would change neither box and
    the map would stay on the last place found.
    """
    if match is not None:
        return match.bounds
    return the_wards.geometry_of(district=filters.district, ward=filters.ward).bounds


# ---- the clicked hexagon ---------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def _monthly(path: str, version: str, filters: Filters, by: tuple[str, ...]) -> pd.DataFrame:
    return monthly(Store(path), filters, by)


@st.cache_resource(show_spinner="Working out hot spots...", max_entries=8)
def _hot(path: str, version: str, filters: Filters, res: int, _grid: StudyGrid) -> HotspotResult:
    # keyed on the store version, filters and resolution, which determine the grid (leading underscore)
    from briefing.analyses import hotspots_from_store

    first, last = pd.Period(filters.start, "M"), pd.Period(filters.end, "M")
    return hotspots_from_store(Store(path), filters, _grid, first=first, last=last, streets=False)


def trend_chart(series: pd.DataFrame, layers: tuple[str, ...], height: int = TREND_HEIGHT) -> alt.Chart:
    """Monthly counts, one line per layer in its colour from ``data/layers.toml``; a month without data
    is a break in the line (:func:`geo.monthly.monthly_series`), never a zero."""
    specs = config.layers()
    data = series.assign(Layer=series["layer"].map(lambda lid: specs[lid].label))
    return (
        alt.Chart(data, height=height)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-40)),
            y=alt.Y("n:Q", title="Incidents per month"),
            color=alt.Color(
                "Layer:N",
                scale=alt.Scale(
                    domain=[specs[lid].label for lid in layers], range=[specs[lid].colour for lid in layers]
                ),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            detail="run:N",
            tooltip=[
                "Layer",
                alt.Tooltip("month:T", title="Month", format="%B %Y"),
                alt.Tooltip("n:Q", title="Incidents"),
            ],
        )
    )


def trend_section(store: Store, filters: Filters, coverage: Coverage, public: bool) -> None:
    """The monthly trend of the current filter, per layer (partners only; see the module note)."""
    st.subheader("Month by month")
    if public:
        st.caption(
            "The public version shows no monthly chart: a single month of a small area can hold fewer than 5 "
            "incidents, which the quarter's total would let a reader work out."
        )
        return
    layers = tuple(filters.layers or ())
    frame = _monthly(str(store.path), common.store_version(store), filters, ("layer",))
    series = monthly_series(frame, common.period_of(filters), layers, coverage)
    if series.empty:
        st.caption("No month of these months has data for the layers shown.")
        return
    st.altair_chart(trend_chart(series, tuple(lid for lid in layers if lid in set(series["layer"]))))
    st.caption(
        "Incidents recorded each month in the chosen place and categories. A break in a line is a month "
        "with no data loaded for that layer, not a month with no incidents."
    )


def clicked(returned: dict | None, res: int) -> tuple[int, config.Place | None] | None:
    """The hexagon of the map's last click, if any, and the place whose name is drawn in it."""
    point = (returned or {}).get("last_object_clicked")
    if not point:
        return None
    cell = cell_at(float(point["lat"]), float(point["lng"]), res)
    return cell, place_in(cell, res, config.places())


def cell_panel(
    store: Store,
    filters: Filters,
    grid: StudyGrid,
    cell: int,
    place: config.Place | None,
    public: PublicMap | None,
) -> None:
    """The clicked hexagon: where it is, its counts by layer and category, its months and its hot-spot
    class (for the public: its total as the map prints it, and its class, only when the map draws it)."""
    pos = int(grid.index_of(np.array([cell], dtype=np.uint64))[0])
    heading = f"{place.name}: the hexagon at its centre" if place else "The hexagon you clicked"
    st.subheader(common.plain(heading))
    if pos < 0:
        st.caption("This point is outside the area shown: choose its district or ward, or All of Kirklees.")
        return
    km2 = h3.average_hexagon_area(grid.res, "km^2")
    st.caption(
        f"{common.plain(grid.ward_names[pos])} ward, {common.plain(grid.districts[pos])}; "
        f"about {km2:.2f} km²; {common.period_of(filters).label}."
    )
    if public is not None and cell not in public.drawn:
        st.caption(
            "The public map does not draw this hexagon: it has fewer than 5 incidents, or its count would "
            "let a smaller one be worked out. So nothing more is shown about it."
        )
        return
    version = common.store_version(store)
    hot = _hot(str(store.path), version, filters, grid.res, grid)
    row = hot.table.iloc[pos]
    trend = f"; over the last months: {row['trend']}" if row.get("trend") else ""
    st.markdown(
        f"**Hot-spot class:** {hot.too_few_message or row['class']}{trend if not hot.too_few else ''}"
    )
    st.caption(
        "Hot spot: a hexagon whose neighbourhood (it and the six around it) holds more incidents than chance "
        "would put there (Getis-Ord Gi*, as on the Hotspots page, counting the layers shown)."
    )
    if public is not None:
        d = Disclosure("public", public.decided.threshold)
        st.metric("Incidents", d.count(public.mark(("hex", cell, ALL))))
        st.caption("The public version gives a hexagon's total only, as the map does.")
        return
    column = f"h3_r{grid.res}"
    by = common.counts(store, filters, (column, "layer", "category"))
    mine = by[by[column].astype("uint64") == np.uint64(cell)]
    st.metric("Incidents", f"{int(mine['n'].sum()):,}")
    if not mine.empty:
        specs = config.layers()
        labels = [specs[lid].label if lid in specs else lid for lid in mine["layer"]]
        table = pd.DataFrame(
            {
                "Layer: category": [
                    f"{lab}: {cat}" for lab, cat in zip(labels, mine["category"], strict=True)
                ],
                "Incidents": mine["n"].astype(int).to_numpy(),
            }
        ).sort_values(["Incidents", "Layer: category"], ascending=[False, True])
        st.dataframe(table, hide_index=True)
        months = _monthly(str(store.path), version, filters, (column, "layer"))
        months = months[months[column].astype("uint64") == np.uint64(cell)]
        layers = tuple(lid for lid in filters.layers or () if lid in set(mine["layer"]))
        series = monthly_series(months, common.period_of(filters), layers, common.coverage(store))
        if not series.empty:
            st.altair_chart(trend_chart(series, layers, height=160))


# ---- save as image ---------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _png(
    path: str,
    version: str,
    hexes_text: str,
    district: str | None,
    ward: str | None,
    texts: tuple,
    _wards: Wards,
) -> bytes:
    # keyed on what is drawn: the store version (the wards), the hexagons, the area and the words
    from briefing.map_png import MapImage, map_png  # here: matplotlib loads only when an image is asked for

    title, subtitle, legend, legend_title, notes = texts
    image = MapImage(
        title=title,
        subtitle=subtitle,
        hexagons=json.loads(hexes_text)["features"],
        area=_wards.area,
        selected=_wards.geometry_of(district=district, ward=ward) if district or ward else None,
        legend=legend,
        legend_title=legend_title,
        notes=notes,
    )
    return map_png(image, _wards, config.places())


def image_button(
    store: Store,
    filters: Filters,
    the_wards: Wards,
    hexes_text: str,
    legend: list[tuple[str, str]],
    legend_title: str,
    notes: tuple[str, ...],
) -> None:
    """ "Save map as image": the current hexagons and outlines as a PNG.

    Drawing the image takes about half a second, too long to spend on every filter change (the map must
    redraw within a second), so it is drawn once asked for ("Prepare map image"), for the view on screen;
    the download button then holds the finished bytes, so the file arrives on the first click.
    """
    area = common.area_name(filters, the_wards)
    layers = ", ".join(config.layers()[lid].label for lid in filters.layers or ())
    coverage = common.coverage(store)
    period = common.period_of(filters)
    texts = (
        f"Incidents per hexagon: {area}",
        f"{layers}; {coverage.label(period, filters.layers or ())}",
        tuple(legend),
        legend_title,
        (*notes, *((config.SYNTHETIC_LABEL,) if common.is_synthetic(store) else ())),
    )
    view = hash((hexes_text, filters, texts))
    if st.session_state.get(KEY_IMAGE_VIEW) != view:
        if not st.button(
            "Prepare map image", icon=":material/image:", help="Draws this map as a PNG picture."
        ):
            return
        st.session_state[KEY_IMAGE_VIEW] = view
    png = _png(
        str(store.path),
        common.store_version(store),
        hexes_text,
        filters.district,
        filters.ward,
        texts,
        the_wards,
    )
    stem = f"map-{area}-{period.start:%Y-%m}-to-{period.end:%Y-%m}"
    st.download_button(
        "Save map as image (PNG)",
        data=png,
        file_name=common.file_name(stem, "png", synthetic=common.is_synthetic(store)),
        mime="image/png",
        icon=":material/image:",
        on_click="ignore",
    )
