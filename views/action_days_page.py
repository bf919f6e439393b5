"""The Action days page: pick where to go, see it on a map, take it away as CSV or a printable page.

The picking is :func:`briefing.analyses.plan` (the same as ``hotspots action-days`` and the briefing packs);
this module holds the controls and the map, and offers the two exports, which
:mod:`briefing.action_days` makes. The map is built like every map in the app
(:mod:`views.maps`): a fixed base map, with the numbered pins and the chosen area swapped in on a change.
Each pin is a small dot on the place with its number in a bubble beside it; places 400 m apart are a few
pixels apart on a district map, so the bubbles are laid out in the browser after every zoom
(:class:`PinLayout`), each moved just far enough from the dots and the bubbles of higher-ranked places to
stay readable, with a short line back to its dot. The page shows each preset's weights and why, and how
many incidents the ranking rests on; the window is chosen to hold enough of them (Automatic).
Both exports carry the synthetic-data label when the store holds demo data, and both are made when the
page is drawn (cached), never on the click: a file made on the click arrived a click late in a busy
browser. Street and area names are escaped in the map's HTML tooltips and in Markdown, and printed as
plain text in the PDF, which also shows the numbered places on a map drawn offline
(:func:`briefing.action_days.location_maps`) and the weights table.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any

import folium
import streamlit as st
from branca.element import MacroElement
from jinja2 import Template
from streamlit.delta_generator import DeltaGenerator

import config
from briefing.action_days import MAX_LOCATIONS, csv_bytes, location_maps, pdf_bytes
from briefing.analyses import automatic_months, plan
from config.action_days import PickerDefaults, Weight
from geo.action_days import (
    ActionPlan,
    layer_weights,
    weights_table,
    window_choices,
    window_period,
)
from geo.boundaries import Wards
from geo.rates import months_between
from store import Store
from views import common, maps
from views.common import plain

MAP_HEIGHT = 520
CUSTOM = "custom"
#: The window choice meaning "the shortest window holding enough incidents" (:func:`automatic_months`).
AUTOMATIC = 0
#: The locations table on screen: headings for :meth:`ActionPlan.table`'s columns (the CSV keeps the
#: machine-friendly names, and the H3 cell id, which means nothing to a partner, stays off the screen).
TABLE_COLUMNS = {
    "rank": st.column_config.NumberColumn("#", width="small"),
    "street": "Street",
    "ward": "Ward",
    "district": "District",
    "lat": st.column_config.NumberColumn("Latitude", format="%.5f"),
    "lon": st.column_config.NumberColumn("Longitude", format="%.5f"),
    "score": st.column_config.NumberColumn("Score", help="Incidents, each counted by its weight"),
    "incidents": "Incidents",
    "counts": st.column_config.TextColumn("What happened there", width="large"),
}
#: A pin: a zero-size box on the place holding a dot, a leader line and the numbered bubble; the bubble
#: and line are moved by :class:`PinLayout`.
PIN_CSS = """<style>
.ad-marker { overflow: visible; }
.ad-dot { position: absolute; left: -4px; top: -4px; width: 8px; height: 8px; border-radius: 50%;
  background: #1f4e79; border: 1.5px solid #fff; box-sizing: border-box; }
.ad-leader { position: absolute; left: 0; top: -1px; height: 2px; width: 0; background: #1f4e79;
  transform-origin: 0 50%; }
.ad-pin { position: absolute; left: -11px; top: -11px; background: #1f4e79; color: #fff;
  border: 2px solid #fff; border-radius: 11px; min-width: 22px; height: 22px; padding: 0 3px;
  box-sizing: border-box; display: flex; align-items: center; justify-content: center;
  font: 700 12px sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.5); }
</style>"""


class PinLayout(MacroElement):
    """Lay the numbered bubbles out in the browser, after the pins arrive and after every zoom.

    Only this group's pins are laid out (a page run swaps a new group in while the old one may still be
    on the map). Greedy, in rank order: a bubble sits on its place when it overlaps nothing; otherwise it
    moves to the nearest free spot on rings around the place (28, 40, 56, 76 px; 12 directions, starting
    straight up), clear of every bubble already placed and every place's dot, with a line back to its
    dot. No clustering: every number stays visible at every zoom, and the dot keeps the true position.
    The layout is ``kirklees.pinLayout`` in ``static/js/maps.js``; this element writes the call.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        kirklees.pinLayout({{ this.fmap.get_name() }}, {{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, fmap: folium.Map) -> None:
        super().__init__()
        self._name = "PinLayout"
        self.fmap = fmap


@st.cache_data(show_spinner="Picking locations...", max_entries=32)
def _plan(path: str, version: str, _wards: Wards, **request: Any) -> ActionPlan:
    """:func:`briefing.analyses.plan`, kept per store version and request: Streamlit hashes each keyword
    argument by name and value, so the request needs no copy of ``plan``'s parameter list here. The
    wards are not hashed (the leading ``_``): the store path and version determine them."""
    return plan(Store(path), _wards, **request)


@st.cache_data(show_spinner=False, max_entries=64)
def _automatic(
    path: str,
    version: str,
    weights: tuple[Weight, ...],
    defaults: PickerDefaults,
    last: date,
    first: date,
    district: str | None,
    ward: str | None,
) -> int:
    """The Automatic window's months (:func:`briefing.analyses.automatic_months`, as ``hotspots
    action-days`` chooses it), kept per store version and request."""
    return automatic_months(
        Store(path), weights, defaults, last=last, first=first, district=district, ward=ward
    )


@st.cache_data(show_spinner="Writing the CSV and the printable list...", max_entries=16)
def _files(
    path: str, version: str, synthetic: bool, produced: date, _wards: Wards, **request: Any
) -> tuple[bytes, bytes]:
    """The CSV and the PDF of :func:`_plan` for the same request, made once per request and day."""
    result = _plan(path, version, _wards, **request)
    area = {"district": request["district"], "ward": request["ward"]}
    return (
        csv_bytes(result, synthetic=synthetic),
        pdf_bytes(
            result,
            synthetic=synthetic,
            produced=datetime.combine(produced, datetime.min.time()),
            maps_png=location_maps(result, _wards, **area),
        ),
    )


# ---- the map ---------------------------------------------------------------------------------------------


def pins(fmap: folium.Map, group: folium.FeatureGroup, result: ActionPlan) -> folium.FeatureGroup:
    """A numbered pin per location in ``group``, with a tooltip giving the street, ward and reason, laid
    out so that no number hides another (:class:`PinLayout`)."""
    for loc in result.locations:
        street = html.escape(loc.street or "(no street name)")
        tip = f"<b>{loc.rank}. {street}</b>, {html.escape(loc.ward_name)}<br>{html.escape(loc.why)}"
        marker = (
            f'<div class="ad-wrap" data-rank="{loc.rank}"><div class="ad-leader"></div>'
            f'<div class="ad-dot"></div><div class="ad-pin">{loc.rank}</div></div>'
        )
        folium.Marker(
            (loc.lat, loc.lon),
            icon=folium.DivIcon(html=marker, icon_size=(0, 0), icon_anchor=(0, 0), class_name="ad-marker"),
            tooltip=folium.Tooltip(tip, max_width=360),
        ).add_to(group)
    PinLayout(fmap).add_to(group)
    return group


# ---- controls --------------------------------------------------------------------------------------------


def _weights(presets: dict, preset: str) -> tuple[tuple[Weight, ...], str]:
    """The chosen preset's weights and name, or the user's own per layer (shown as inputs)."""
    if preset != CUSTOM:
        return presets[preset].weights, presets[preset].label
    layer_specs = config.layers()
    cols = st.columns(len(layer_specs))
    chosen = {
        lid: col.number_input(spec.label, 0.0, 10.0, 1.0, 0.5, key=f"ad_w_{lid}")
        for col, (lid, spec) in zip(cols, layer_specs.items(), strict=True)
    }
    return layer_weights(chosen), "Custom"


def _controls(store: Store, wards: Wards, defaults: PickerDefaults, span: tuple[date, date]) -> dict:
    presets = config.action_presets().presets
    c1, c2, c3, c4 = st.columns(4)
    c5, c6, c7 = st.columns([2, 1, 1])
    districts: list[str | None] = [None, *wards.district_names]
    district = c1.selectbox(
        "District",
        districts,
        format_func=lambda d: f"All of {config.BOROUGH_NAME}" if d is None else d,
        index=1 if len(districts) > 1 else 0,
        key="ad_district",
        help="Action days are usually planned by each district's Community Outcome Group, so the first "
        "district is chosen to start with; across the whole borough the town centres take every place.",
    )
    ward_options: list[str | None] = [None, *wards.wards_in(district)]
    if st.session_state.get("ad_ward") not in ward_options:  # the district changed under it
        st.session_state["ad_ward"] = None
    ward = c2.selectbox(
        "Ward",
        ward_options,
        format_func=lambda c: "All wards" if c is None else wards.name_by_code[c],
        key="ad_ward",
    )
    months = months_between(*span)
    last = c3.selectbox(
        "Up to the end of", months[::-1], format_func=lambda m: m.strftime("%b %Y"), key="ad_last"
    )
    options = [*presets, CUSTOM]
    preset = c5.radio(
        "Weights",
        options,
        format_func=lambda p: "Custom" if p == CUSTOM else presets[p].label,
        horizontal=True,
        key="ad_preset",
    )
    n = c6.number_input("Locations", 1, MAX_LOCATIONS, min(defaults.n, MAX_LOCATIONS), key="ad_n")
    min_distance = c7.number_input(
        "At least (m) apart", 0, 5000, int(defaults.min_distance_m), step=50, key="ad_distance"
    )
    weights, name = _weights(presets, preset)
    windows = window_choices(defaults)
    auto = _automatic(
        str(store.path), common.store_version(store), weights, defaults, last, months[0], district, ward
    )
    window = c4.selectbox(
        "Window (months)",
        (AUTOMATIC, *windows),
        # a fixed word: a keyed select box's shown label is not redrawn when only its wording changes, so
        # "Automatic: 1" stayed on screen after the window became 6; the months are in the caption instead
        format_func=lambda w: "Automatic" if w == AUTOMATIC else str(w),
        key="ad_window",
        help=f"Automatic is the shortest window holding at least {defaults.enough_incidents:,} incidents "
        "that count for these weights in this area (else the longest): rare kinds, such as deliberate fires "
        "or serious road collisions, need a longer window than common ones before the top places mean "
        "anything.",
    )
    if preset != CUSTOM:
        st.caption(plain(presets[preset].description))
    if weights:  # what the ranking counts, in words: a static table, so the reasons wrap on a projector
        st.table(weights_table(weights).set_index("What counts"))
    return {
        "weights": weights,
        "weights_name": name,
        "period": window_period(last, auto if window == AUTOMATIC else window, months[0]),
        "n": int(n),
        "min_distance_m": float(min_distance),
        "district": district,
        "ward": ward,
    }


def render() -> None:
    store = common.current_store()
    wards = common.wards(store)
    st.title("Action days")
    st.markdown(
        "Where to send partners for an action day, patrol or visual audit: the busiest small places "
        "(hexagons of about 0.1 km²) for the chosen kinds of incident, spread out so that one street "
        "does not take every slot. Each place comes with a street name from the records and the reason it "
        "was chosen."
    )
    if not common.require_incidents(store):
        return
    covered = common.coverage(store)
    span = (covered.earliest(), covered.latest())  # the months with data
    defaults = config.action_presets().picker
    args = _controls(store, wards, defaults, span)
    if not args["weights"]:
        st.info("Give at least one layer a weight above 0.")
        return
    result = _plan(
        str(store.path), common.store_version(store), wards, resolution=defaults.resolution, **args
    )
    synthetic = bool(common.synthetic_layers(store))
    # The files' place, cleared at once: while the map below is drawn, the buttons of the last run would
    # otherwise still be on screen and hand out the last choice's file.
    files_slot = st.empty()
    files_slot.caption("Preparing the CSV and the printable list...")
    for note in result.unmeasured:  # a preset part the loaded data cannot count: say so, never a silent 0
        st.warning(plain(note), icon=":material/block:")
    for note in result.left_out:
        st.caption(plain(note))

    map_col, list_col = st.columns([3, 2], gap="medium")
    with map_col:
        fmap = maps.base_map(store, wards, css=PIN_CSS)
        group = maps.area_group(fmap, wards, district=args["district"], ward=args["ward"], name="Locations")
        maps.show(fmap, key="action_map", height=MAP_HEIGHT, group=pins(fmap, group, result))
    with list_col:
        st.subheader(f"{len(result.locations)} locations in {plain(result.area_name)}")
        st.caption(f"{result.period.label}. {result.basis}")
        if not result.locations:
            st.info(result.too_few or "No incidents of the chosen kinds in this area and window.")
        # as tall as the map beside it: a long list scrolls instead of leaving a gap under the map
        with st.container(height=MAP_HEIGHT - 80, border=False):
            for loc in result.locations:
                st.markdown(
                    f"**{loc.rank}. {plain(loc.street or '(no street name)')}**, {plain(loc.ward_name)}"
                )
                st.caption(plain(loc.why))
    st.dataframe(
        result.table(),
        hide_index=True,
        width="stretch",
        column_order=list(TABLE_COLUMNS),
        column_config=TABLE_COLUMNS,
    )
    _downloads(files_slot, store, wards, result, synthetic, {"resolution": defaults.resolution, **args})


def _downloads(
    slot: DeltaGenerator, store: Store, wards: Wards, result: ActionPlan, synthetic: bool, request: dict
) -> None:
    """The CSV and printable-list buttons in ``slot``, holding ready bytes (:func:`_files`)."""
    stem = f"action-days-{result.area_name}-{result.period.end:%Y-%m}".lower()
    csv_file, pdf_file = _files(
        str(store.path), common.store_version(store), synthetic, date.today(), wards, **request
    )
    with slot.container():
        d1, d2 = st.columns(2)
        d1.download_button(
            "Download CSV",
            csv_file,
            common.file_name(stem, "csv", synthetic=synthetic),
            "text/csv",
            key="ad_csv",
            on_click="ignore",
        )
        d2.download_button(
            "Download printable list (PDF)",
            pdf_file,
            common.file_name(stem, "pdf", synthetic=synthetic),
            "application/pdf",
            key="ad_pdf",
            on_click="ignore",
        )
