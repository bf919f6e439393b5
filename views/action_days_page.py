"""The Action days page: pick where to go, see it on a map, take it away as CSV or a printable page.

The picking is :func:`geo.action_days.plan` (the same as ``hotspots action-days`` and the briefing packs);
this module holds the controls, the map, and the two exports. The map is built like every map in the app
(:mod:`views.maps`): a fixed base map, with the numbered pins and the chosen area swapped in on a change.
Both exports carry the synthetic-data label when the store holds demo data. Street and area names are
escaped in the map's HTML tooltips and in Markdown, and printed as plain text in the PDF.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any

import folium
import streamlit as st

import config
from briefing.exports import csv_bytes as safe_csv
from briefing.pdf import FAMILY, PAGE_WIDTH, BriefingPDF
from briefing.text import clip
from geo.action_days import (
    ActionPlan,
    PickerDefaults,
    describe_weights,
    layer_weights,
    load_presets,
    plan,
)
from geo.boundaries import Wards
from geo.rates import Period, add_months, months_between
from store import Store
from views import common, maps
from views.common import plain

MAP_HEIGHT = 520
CUSTOM = "custom"
MAX_LOCATIONS = 12  # the printable list must fit one A4 page
WINDOWS = (1, 2, 3, 6, 12)
MARKING = "Partner — OFFICIAL"
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
PIN_CSS = """<style>
.ad-pin { background: #1f4e79; color: #fff; border: 2px solid #fff; border-radius: 50%; width: 26px;
  height: 26px; box-sizing: border-box; display: flex; align-items: center; justify-content: center;
  font: 700 13px sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.5); }
</style>"""


@st.cache_data(show_spinner="Picking locations...", max_entries=32)
def _plan(path: str, version: str, _wards: Wards, **request: Any) -> ActionPlan:
    """:func:`geo.action_days.plan`, kept per store version and request: Streamlit hashes each keyword
    argument by name and value, so the request needs no copy of ``plan``'s parameter list here. The
    wards are not hashed (the leading ``_``): the store path and version determine them."""
    return plan(Store(path), _wards, **request)


# ---- exports ---------------------------------------------------------------------------------------------


def csv_bytes(result: ActionPlan, *, synthetic: bool) -> bytes:
    """The table as CSV safe to open in a spreadsheet (:mod:`briefing.exports`); every row is labelled
    when the data is synthetic."""
    table = result.table()
    table.insert(0, "area", result.area_name)
    table.insert(1, "period", result.period.label)
    table.insert(2, "weights", f"{result.weights_name}: {describe_weights(result.weights)}")
    return safe_csv(common.labelled(table, synthetic))


def pdf_bytes(result: ActionPlan, *, synthetic: bool, produced: datetime) -> bytes:
    """A one-page A4 list to print: what was asked, then one row per location with the reason."""
    pdf = BriefingPDF(
        marking=MARKING,
        running_title=f"Action-day locations · {result.area_name}",
        synthetic=synthetic,
        produced=produced,
    )
    pdf.add_page()
    pdf.heading(f"Action-day locations: {clip(result.area_name, 60)}")
    pdf.para(
        f"{result.period.label}. Weights — {result.weights_name}: {describe_weights(result.weights)}. "
        f"Places at least {result.min_distance_m:,.0f} m apart, highest score first. "
        f"Produced {produced:%d %B %Y}.",
        size=9,
    )
    if synthetic:
        pdf.para(config.SYNTHETIC_LABEL, size=9, style="B", colour=(170, 0, 0))
    for note in (*result.unmeasured, *result.left_out):
        pdf.para(note, size=8.5, style="I", colour=(170, 0, 0))
    if not result.locations:
        pdf.para(result.too_few or "No incidents of the chosen kinds in this area and window.", size=10)
    else:
        rows = [
            (
                str(loc.rank),
                clip(loc.street or "(no street name)", 60),
                clip(loc.ward_name, 40),
                f"{loc.lat:.5f}, {loc.lon:.5f}",
                f"{loc.score:g}",
                clip(loc.why, 300),
            )
            for loc in result.locations
        ]
        widths = (6, 27, 22, 28, 10, PAGE_WIDTH - 93)
        pdf.grid(("#", "Street", "Ward", "Lat, lon", "Score", "Why here"), rows, widths, size=7)
    pdf.set_font(FAMILY, "", 7)
    pdf.para(config.BOUNDARY_ATTRIBUTION, size=7, colour=(90, 90, 90))
    return pdf.output_bytes()


# ---- the map ---------------------------------------------------------------------------------------------


def pins(group: folium.FeatureGroup, result: ActionPlan) -> folium.FeatureGroup:
    """A numbered pin per location in ``group``, with a tooltip giving the street, ward and reason."""
    for loc in result.locations:
        street = html.escape(loc.street or "(no street name)")
        tip = f"<b>{loc.rank}. {street}</b>, {html.escape(loc.ward_name)}<br>{html.escape(loc.why)}"
        folium.Marker(
            (loc.lat, loc.lon),
            icon=folium.DivIcon(
                html=f'<div class="ad-pin">{loc.rank}</div>', icon_size=(26, 26), icon_anchor=(13, 13)
            ),
            tooltip=folium.Tooltip(tip, max_width=360),
        ).add_to(group)
    return group


# ---- controls --------------------------------------------------------------------------------------------


def _controls(wards: Wards, defaults: PickerDefaults, span: tuple[date, date]) -> dict:
    _, presets = load_presets()
    c1, c2, c3, c4 = st.columns(4)
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
    windows = sorted({*WINDOWS, defaults.window_months})
    window = c4.selectbox(
        "Window (months)", windows, index=windows.index(defaults.window_months), key="ad_window"
    )
    c5, c6, c7 = st.columns([2, 1, 1])
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
    if preset == CUSTOM:
        layer_specs = config.layers()
        cols = st.columns(len(layer_specs))
        chosen = {
            lid: col.number_input(spec.label, 0.0, 10.0, 1.0, 0.5, key=f"ad_w_{lid}")
            for col, (lid, spec) in zip(cols, layer_specs.items(), strict=True)
        }
        weights, name = layer_weights(chosen), "Custom"
    else:
        weights, name = presets[preset].weights, presets[preset].label
        st.caption(f"{presets[preset].description} Counts: {describe_weights(weights)}.")
    first = add_months(last, -(window - 1))
    return {
        "weights": weights,
        "weights_name": name,
        "period": Period.of_months(max(first, months[0]), last),
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
    defaults, _ = load_presets()
    args = _controls(wards, defaults, span)
    if not args["weights"]:
        st.info("Give at least one layer a weight above 0.")
        return
    result = _plan(
        str(store.path), common.store_version(store), wards, resolution=defaults.resolution, **args
    )
    synthetic = bool(common.synthetic_layers(store))
    for note in result.unmeasured:  # a preset part the loaded data cannot count: say so, never a silent 0
        st.warning(plain(note), icon=":material/block:")
    for note in result.left_out:
        st.caption(plain(note))

    map_col, list_col = st.columns([3, 2], gap="medium")
    with map_col:
        fmap = maps.base_map(store, wards, css=PIN_CSS)
        group = maps.area_group(fmap, wards, district=args["district"], ward=args["ward"], name="Locations")
        maps.show(fmap, key="action_map", height=MAP_HEIGHT, group=pins(group, result))
    with list_col:
        st.subheader(f"{len(result.locations)} locations in {plain(result.area_name)}")
        st.caption(result.period.label)
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
    stem = f"action-days-{result.area_name}-{result.period.end:%Y-%m}".lower()
    d1, d2 = st.columns(2)
    # the files are made when a button is pressed, not on every run of the page
    d1.download_button(
        "Download CSV",
        lambda: csv_bytes(result, synthetic=synthetic),
        common.file_name(stem, "csv", synthetic=synthetic),
        "text/csv",
        key="ad_csv",
    )
    d2.download_button(
        "Download printable list (PDF)",
        lambda: pdf_bytes(result, synthetic=synthetic, produced=datetime.now()),
        common.file_name(stem, "pdf", synthetic=synthetic),
        "application/pdf",
        key="ad_pdf",
    )
