"""The Clear Hold Build page: the register, a map of candidate and designated areas, designating an area
(drawn on the map, uploaded, or built from wards or hotspot cells), and monitoring each designated area.

Everything shown comes from :mod:`geo.chb` and :mod:`geo.monitoring` (the same code as the CLI and the
briefing packs); this module only lays it out, caches it and writes designations through
:mod:`store.designations`.

Drawing works offline: folium's ``Draw`` plugin loads leaflet.draw from a CDN, and no Python package
ships it without a large framework attached, so :class:`PolygonDraw` is a small drawing tool written
for this page (click the corners, then Finish). It announces the finished polygon with Leaflet's
``draw:created`` event, which streamlit-folium already listens for and returns as
``last_active_drawing``.

Names typed by users appear in map tooltips (HTML: escaped) and in headings (Markdown: escaped).
"""

from __future__ import annotations

import html
import re
from datetime import date

import altair as alt
import folium
import pandas as pd
import streamlit as st
from folium.elements import MacroElement
from folium.template import Template
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

import config
from briefing.register import (
    DesignatedStatus,
    analyse_chb,
    designated_status,
    register_table,
    register_text,
)
from geo.boundaries import Wards
from geo.chb import (
    Candidate,
    ChbAnalysis,
    ChbSettings,
    area_from_cells,
    area_from_wards,
    find_candidates,
    phases_in,
    wards_overlapping,
)
from geo.coverage import WindowCount
from geo.mapdata import simplified
from geo.monitoring import WDQ_MEANING, PhaseComparison, area_km2
from geo.trends import MIN_SLICES
from layers.area_files import area_from_upload
from store import Store
from store import designations as des
from views import access, charts, common, maps
from views.common import plain

MAP_HEIGHT = 560
PHASE_COLOURS = {"Clear": "#c0392b", "Hold": "#e67e22", "Build": "#27ae60"}
OTHER_COLOUR = "#7f8c8d"
DESIGNATED_COLOUR = "#1f4e79"
#: Candidates are filled in their phase's colour; designated areas are dashed outlines with a faint fill,
#: so a designated area drawn over a candidate still shows the candidate's colour through it.
CANDIDATE_STYLE = {"weight": 2, "fillOpacity": 0.35}
DESIGNATED_STYLE = {
    "color": DESIGNATED_COLOUR,
    "fillColor": DESIGNATED_COLOUR,
    "weight": 3,
    "dashArray": "6 4",
    "fillOpacity": 0.08,
}
KEY_METHOD = "chb_method"
KEY_MESSAGE = "chb_message"
#: Set once an area is saved: the next run empties the designate form and the area pickers (before they
#: are drawn, the only time Streamlit lets a widget's value be set), so the next area starts blank.
KEY_CLEAR = "chb_clear_form"
NEW_PREFIX = "chb_new"
METHODS = {
    "drawn": "Draw on the map",
    "uploaded": "Upload a polygon",
    "wards": "Choose wards",
    "cells": "Choose hotspot cells",
}


class PolygonDraw(MacroElement):
    """A minimal offline polygon-drawing tool: "Draw an area", click the corners, "Finish" (or "Cancel").

    The finished polygon replaces any earlier one in ``drawnItems`` (the layer group streamlit-folium
    reads) and is announced with ``draw:created``, exactly as leaflet.draw would. The tool itself is
    ``kirklees.polygonDraw`` in ``static/js/maps.js``; this element writes the call and the buttons' CSS.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .chb-draw a { width: auto !important; padding: 0 8px; font: 600 12px/30px sans-serif; }
        .chb-draw .chb-step { display: none; }
        .chb-draw.chb-drawing .chb-step { display: block; }
        .chb-draw.chb-drawing .chb-start { display: none; }
        .chb-draw a.chb-off { color: #bbb; cursor: default; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var drawnItems = kirklees.polygonDraw({{ this._parent.get_name() }}, {{ this.colour|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, colour: str = DESIGNATED_COLOUR) -> None:
        super().__init__()
        self._name = "PolygonDraw"
        self.colour = colour


# ---- cached reads ------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Finding Clear Hold Build areas...", max_entries=2)
def _found(
    path: str, version: str, _wards: Wards, _settings: ChbSettings
) -> tuple[ChbAnalysis | None, list[Candidate]]:
    store = Store(path)
    grid = common.study_grid(store, _wards, _settings.resolution, district=None, ward=None)
    analysis = analyse_chb(store, _wards, _settings, grid)
    return analysis, find_candidates(analysis) if analysis else []


@st.cache_resource(show_spinner=False, max_entries=64)
def _status(
    path: str,
    version: str,
    stamp: str,
    _designation: des.Designation,
    _wards: Wards,
    _settings: ChbSettings,
    _analysis: ChbAnalysis | None,
) -> DesignatedStatus:
    store = Store(path)
    # over the months with data, as the register of the command line and the packs (never the first and
    # last incident dates): every output names the same months
    return designated_status(store, _wards, _settings, _analysis, _designation, common.coverage(store))


def _stamp(d: des.Designation) -> str:
    return f"{d.id}:{d.edited_at}:{d.created_at}"


# ---- the map ---------------------------------------------------------------------------------------------


def _area_feature(
    geom: BaseGeometry, kind: str, name: str, phase: str, trend: str, last_12: WindowCount
) -> dict:
    """One candidate or designated area: escaped tooltip fields and its own style."""
    if kind == "designated":
        style = DESIGNATED_STYLE
    else:
        colour = PHASE_COLOURS.get(phase, OTHER_COLOUR)
        style = {**CANDIDATE_STYLE, "color": colour, "fillColor": colour}
    return {
        "type": "Feature",
        "properties": {
            "kind": kind,
            "kind_label": "Designated by partners" if kind == "designated" else "Candidate found in the data",
            "name": html.escape(name),
            "phase": html.escape(phase),
            "trend": html.escape(trend) or "–",
            "last_12": last_12.text(),
            "style": style,
        },
        "geometry": simplified(geom),
    }


def chb_map(fmap: folium.Map, candidates: list[Candidate], designated: list[DesignatedStatus]) -> folium.Map:
    """Candidate areas coloured by phase and designated areas outlined on ``fmap`` (a
    :func:`views.maps.base_map`), with the drawing tool."""
    features = [
        _area_feature(c.outline, "candidate", c.name, c.phase, c.status.trend, c.last_12) for c in candidates
    ]
    features += [
        _area_feature(
            d.designation.shape,
            "designated",
            d.designation.name,
            d.phase,
            d.status.trend if d.status else "",
            d.last_12,
        )
        for d in designated
    ]
    if features:
        tooltip = [
            ("name", "Area"),
            ("kind_label", "Kind"),
            ("phase", "Phase"),
            ("trend", "Trend"),
            ("last_12", "Indicator crimes, last 12 months"),
        ]
        areas = maps.geojson_text({"type": "FeatureCollection", "features": features})
        maps.DataLayer(areas, tooltip=tooltip).add_to(fmap)
    PolygonDraw().add_to(fmap)
    return fmap


def _legend() -> str:
    items = [(maps.fill_swatch(colour), f"{phase} candidate") for phase, colour in PHASE_COLOURS.items()]
    items.append((maps.line_swatch(DESIGNATED_STYLE), "designated"))
    return maps.swatch_legend("chb-legend", "Areas:", items + maps.OUTLINE_LEGEND)


# ---- designating -----------------------------------------------------------------------------------------


def _marked_area(
    wards: Wards, candidates: list[Candidate], drawing: dict | None
) -> tuple[str, BaseGeometry | None]:
    """The method chosen and the area it gives (None until the user has given one)."""
    method = st.radio(
        "How to mark out the area", list(METHODS), format_func=METHODS.get, horizontal=True, key=KEY_METHOD
    )
    try:
        if method == "drawn":
            if not drawing or not drawing.get("geometry"):
                st.caption("Press **✎ Draw an area** on the map, click the corners, then **✓ Finish**.")
                return method, None
            return method, shape(drawing["geometry"])
        if method == "uploaded":
            upload = st.file_uploader(
                "Polygon file: GeoJSON, zipped Shapefile or GeoPackage (any coordinate system)",
                type=["geojson", "json", "zip", "gpkg"],
                key="chb_upload",
            )
            return method, area_from_upload(upload.name, upload.getvalue()) if upload else None
        if method == "wards":
            codes = st.multiselect(
                "Wards", wards.wards_in(None), format_func=wards.name_by_code.get, key="chb_wards"
            )
            return method, area_from_wards(wards, codes) if codes else None
        by_id = {c.id: c for c in candidates}
        chosen = st.selectbox(
            "Cells of a candidate area",
            [None, *by_id],
            format_func=lambda cid: "—" if cid is None else f"{by_id[cid].name} ({by_id[cid].phase})",
            key="chb_candidate",
        )
        typed = st.text_area(
            "…or H3 cell ids (one per line or separated by commas)", key="chb_cells", height=80
        )
        ids = [c for c in re.split(r"[\s,]+", typed) if c]
        if ids:
            return method, area_from_cells(ids)
        return method, by_id[chosen].outline if chosen else None
    except ValueError as exc:
        st.error(plain(str(exc)))
        return method, None


def _phase_inputs(
    settings: ChbSettings, key: str, current: dict[str, date] | None = None, *, side_by_side: bool = True
) -> dict[str, date]:
    """A start date per phase: side by side where the form is wide (an area's edit form), one under another
    in the narrow designate column, where three boxes side by side at 1024 px showed only their icons."""
    starts = {}
    phases = settings.phase_names
    columns = st.columns(len(phases)) if side_by_side else [st.container() for _ in phases]
    for column, phase in zip(columns, phases, strict=True):
        starts[phase] = column.date_input(
            f"{phase} began", value=(current or {}).get(phase), key=f"{key}_{phase}", format="DD/MM/YYYY"
        )
    return {p: d for p, d in starts.items() if d}


def designate_form(store: Store, settings: ChbSettings, area: BaseGeometry | None, method: str) -> None:
    """Name, phase dates and buffer for the marked-out area; saves it in the store."""
    with st.form("chb_designate", clear_on_submit=False):
        name = st.text_input("Name of the area", max_chars=des.MAX_NAME, key=f"{NEW_PREFIX}_name")
        starts = _phase_inputs(settings, NEW_PREFIX, side_by_side=False)
        # the default through session state, not value=, so clear_saved_inputs can put it back
        st.session_state.setdefault(f"{NEW_PREFIX}_buffer", int(settings.monitoring.buffer_m))
        buffer_m = st.number_input(
            "Buffer ring watched for displacement (metres)",
            min_value=50,
            max_value=3000,
            step=50,
            key=f"{NEW_PREFIX}_buffer",
        )
        notes = st.text_area("Notes (optional)", key=f"{NEW_PREFIX}_notes", height=68)
        submitted = st.form_submit_button("Save designated area", type="primary")
    if not submitted:
        return
    if area is None:
        st.error("Mark out the area first (draw, upload, or choose wards or cells).")
        return
    try:
        made = des.create(
            store,
            name=name,
            geometry=area,
            method=method,
            phase_starts=phases_in(settings, starts),
            created_by=access.current_viewer().who or "",
            buffer_m=float(buffer_m),
            notes=notes,
        )
    except ValueError as exc:
        st.error(plain(str(exc)))
        return
    st.session_state[KEY_MESSAGE] = f"Saved “{plain(made.name)}”."
    st.session_state[KEY_CLEAR] = True
    st.rerun()


def clear_saved_inputs(settings: ChbSettings) -> None:
    """After a save (:data:`KEY_CLEAR`), empty the name, dates, notes and area pickers and put the buffer
    back to its default: a form still holding the last area invites saving it twice."""
    if not st.session_state.pop(KEY_CLEAR, False):
        return
    blank: dict[str, object] = {
        f"{NEW_PREFIX}_name": "",
        f"{NEW_PREFIX}_notes": "",
        f"{NEW_PREFIX}_buffer": int(settings.monitoring.buffer_m),
        "chb_wards": [],
        "chb_candidate": None,
        "chb_cells": "",
    }
    blank.update({f"{NEW_PREFIX}_{phase}": None for phase in settings.phase_names})
    st.session_state.update(blank)


# ---- one designated area ---------------------------------------------------------------------------------


def _series_chart(status: DesignatedStatus) -> alt.LayerChart:
    series = status.monitoring.indicator_series[["area", "buffer"]].rename(
        columns={
            "area": "Designated area",
            "buffer": f"Buffer ring ({status.monitoring.zones.buffer_m:,.0f} m)",
        }
    )
    long = series.reset_index().melt("month", var_name="Where", value_name="Indicator crimes")
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", axis=charts.month_axis()),
            y=alt.Y("Indicator crimes:Q"),
            color=alt.Color("Where:N", legend=alt.Legend(orient="top", title=None)),
        )
    )
    starts = pd.DataFrame(
        [
            {"start": pd.Timestamp(d), "label": f"{p} began"}
            for p, d in status.designation.phase_starts.items()
        ]
    )
    if starts.empty:
        return alt.layer(lines).properties(height=220)
    rules = alt.Chart(starts).mark_rule(strokeDash=[4, 3], color="#555").encode(x="start:T")
    text = (
        alt.Chart(starts)
        .mark_text(align="left", dx=3, dy=-90, fontSize=11)
        .encode(x="start:T", text="label:N")
    )
    return alt.layer(lines, rules, text).properties(height=220)


WDQ_COLUMN = "Weighted displacement quotient (WDQ)"


def comparisons_table(comparisons: tuple[PhaseComparison, ...]) -> pd.DataFrame:
    """Before/after figures per phase start as display text."""
    rows = []
    for c in comparisons:
        rows.append(
            {
                "Phase": c.phase,
                "Began": c.start.strftime("%d %b %Y"),
                "Before": c.before.label if c.before else "—",
                "After": c.after.label if c.after else "—",
                "Area: after vs before": c.area.text if c.area else c.note,
                "Buffer": c.buffer.text if c.buffer else "",
                "Rest of district": c.control.text if c.control else "",
                WDQ_COLUMN: ""
                if not c.displacement or c.displacement.wdq is None
                else f"{c.displacement.wdq:.2f}",
                "Reading": c.reading,
            }
        )
    return pd.DataFrame(rows)


def area_panel(
    store: Store, settings: ChbSettings, status: DesignatedStatus, new_area: BaseGeometry | None
) -> None:
    d = status.designation
    label = f"{plain(d.name)} — {status.phase}" + (f" since {status.since:%d %b %Y}" if status.since else "")
    with st.expander(label, expanded=False):
        st.caption(
            f"Wards: {plain(', '.join(status.ward_names) or 'none')} · designated by {plain(d.created_by)} "
            f"on {d.created_at:%d %b %Y}"
            + (f" · last edited by {plain(d.edited_by)} on {d.edited_at:%d %b %Y}" if d.edited_by else "")
        )
        st.altair_chart(_series_chart(status), width="stretch")
        if status.monitoring.comparisons:
            st.dataframe(
                comparisons_table(status.monitoring.comparisons),
                hide_index=True,
                width="stretch",
                column_config={WDQ_COLUMN: st.column_config.TextColumn(WDQ_COLUMN, help=WDQ_MEANING)},
            )
            st.caption(WDQ_MEANING)
            latest = status.monitoring.latest
            if latest and latest.displacement:
                st.markdown(f"**{latest.reading.capitalize()}.** {plain(latest.displacement.explanation)}")
        else:
            st.caption("No phase start dates entered yet, so there is nothing to compare.")
        layers = status.monitoring.layer_series("area")
        if not layers.empty:
            st.caption("All incidents in the area by layer, per month")
            st.altair_chart(charts.monthly_layers_chart(layers, value="Incidents"), width="stretch")
        if not access.current_viewer().at_least("analyst"):
            return

        with st.form(f"chb_edit_{d.id}"):
            st.markdown("**Edit**")
            name = st.text_input("Name", value=d.name, max_chars=des.MAX_NAME, key=f"chb_edit_name_{d.id}")
            starts = _phase_inputs(settings, f"chb_edit_{d.id}", d.phase_starts)
            buffer_m = st.number_input(
                "Buffer (metres)",
                min_value=50,
                max_value=3000,
                value=int(d.buffer_m or settings.monitoring.buffer_m),
                step=50,
                key=f"chb_edit_buffer_{d.id}",
            )
            notes = st.text_area("Notes", value=d.notes, key=f"chb_edit_notes_{d.id}", height=68)
            replace = st.checkbox(
                "Replace the outline with the area marked out above",
                key=f"chb_edit_outline_{d.id}",
                disabled=new_area is None,
            )
            saved = st.form_submit_button("Save changes")
        if saved:
            _apply(
                lambda who: des.update(
                    store,
                    d.id,
                    edited_by=who,
                    name=name,
                    phase_starts=phases_in(settings, starts),
                    buffer_m=float(buffer_m),
                    notes=notes,
                    geometry=new_area if replace else None,
                ),
                "Saved changes to",
            )
        with st.form(f"chb_retire_{d.id}"):
            st.markdown("**Retire** — the area leaves the register; its record is kept.")
            retired = st.form_submit_button("Retire this area")
        if retired:
            _apply(lambda who: des.retire(store, d.id, retired_by=who), "Retired")


def _apply(change, verb: str) -> None:
    """Make a change to a designated area as the signed-in analyst (recorded with the change)."""
    viewer = access.current_viewer()
    if not viewer.at_least("analyst"):
        st.error("Changing areas is for analysts.")
        return
    try:
        result = change(viewer.who or "")
    except ValueError as exc:
        st.error(plain(str(exc)))
        return
    st.session_state[KEY_MESSAGE] = f"{verb} “{plain(result.name)}”."
    st.rerun()


# ---- the page --------------------------------------------------------------------------------------------

INTRO = (
    "Clear Hold Build (Home Office framework against serious and organised crime): **Clear** — pursue "
    "and remove offenders; **Hold** — stabilise with visible patrols and partner activity; **Build** — "
    "community resilience so the area stays free of crime and exploitation. Candidate areas are found in "
    "the data from serious-violence, weapons, drugs and robbery hotspots; designated areas are the ones "
    "partners have chosen, monitored before and after each phase began."
)


def _register_view(table: pd.DataFrame) -> pd.DataFrame:
    view = register_text(table).drop(columns=["id"]).rename(
        columns={
            "kind": "Kind",
            "name": "Name",
            "wards": "Wards",
            "phase": "Phase",
            "since": "Since",
            "last_3_months": "Last 3 months",
            "last_12_months": "Last 12 months",
            "trend": "Trend",
            "data_phase": "Data says",
            "displacement": "Displacement",
        }
    )
    view["Kind"] = view["Kind"].str.capitalize()
    view["Since"] = [f"{d:%d %b %Y}" if pd.notna(d) else "—" for d in view["Since"]]
    # the long list of wards last, so the phase and the figures fit on the screen
    return view[[c for c in view.columns if c != "Wards"] + ["Wards"]]


def rules_markdown(settings: ChbSettings) -> str:
    indicators = "; ".join(
        f"{layer}: {', '.join(cats) or 'all'}" for layer, cats in settings.indicators.items()
    )
    rules = "\n".join(
        f"{i}. **{r.phase}** — {r.rule} *{r.meaning}*" for i, r in enumerate(settings.phases, 1)
    )
    return f"""
**Indicator crimes:** {indicators}.

**Candidate areas.** The borough is divided into H3 hexagons (resolution {settings.resolution}, about 0.1 km²,
empty ones included). Getis-Ord Gi* compares each hexagon and its neighbours ({settings.k} ring) with the
whole borough, over the last {settings.slices} complete {settings.slice}s and in each {settings.slice} on
its own, with the false discovery rate controlled. A hexagon counts when it is a significant hot spot
(95% confidence at alpha {settings.alpha}) over the whole window or in at least {settings.min_hot_slices}
{settings.slice}s. Touching hexagons form an area; an area needs at least {settings.min_cells} hexagons
and {settings.min_count} indicator crimes to be a candidate. It is named after its busiest wards.

**Phase** — an area is hot in a {settings.slice} when any of its hexagons is; "recently" means the last
{settings.recent_slices} {settings.slice}s; its crimes are "falling" or "rising" when a Mann-Kendall test
on its indicator crimes over the last {settings.trend_slices} {settings.slice}s says so (alpha
{settings.alpha}). The first rule that fits gives the phase:

{rules}

**Designated areas** take their phase from the dates partners entered. For each phase start, indicator
crimes after it are compared with the {settings.monitoring.before_months} months before it: a **rate
ratio** below 1 is a fall, with an exact 95% confidence interval (a fall is significant when the whole
interval is below 1). The same is done for a buffer ring around the area and for the rest of the
district (the control). The **weighted displacement quotient (WDQ)** (Bowers & Johnson) compares the
buffer's change with the area's, both against the control: *displacement* when crime rose next door,
*diffusion of benefits* when it fell there too, *inconclusive* when the area did not improve against the
control, the buffer's change is within chance (Fisher's exact test), or the quotient is within
±{settings.monitoring.neutral_band}.
"""


def render() -> None:
    store = common.current_store()
    wards = common.wards(store)
    settings = config.chb_settings()
    version = common.store_version(store)
    st.title("Clear Hold Build")
    st.markdown(INTRO)
    if message := st.session_state.pop(KEY_MESSAGE, None):
        st.success(message)  # the area's name in it is escaped
    if not common.require_incidents(store):
        return

    analysis, candidates = _found(str(store.path), version, wards, settings)
    if analysis is None:
        st.warning(
            f"Candidate areas need at least {MIN_SLICES} complete {settings.slice}s of data; "
            "the store holds less."
        )
    designated = [
        _status(str(store.path), version, _stamp(d), d, wards, settings, analysis)
        for d in des.designations(store)
    ]

    st.subheader("Register")
    # the register's months are the months loaded (its coverage), as in the packs and `hotspots chb`
    as_at = common.coverage(store).latest()
    trend = f"; trend over {analysis.slices[0]} to {analysis.slices[-1]}" if analysis is not None else ""
    st.caption(
        f"As at {as_at:%B %Y}, the latest month of data{trend}. Last 3 / 12 months count indicator crimes "
        "in the months loaded for them; a count that lacks some months says how many it covers, e.g. "
        '"14 (11 of 12 months)".'
    )
    table = register_table(candidates, designated)
    if table.empty:
        st.info("No candidate or designated areas.")
    else:
        st.dataframe(_register_view(table), hide_index=True, width="stretch")

    map_col, form_col = st.columns([3, 2], gap="medium")
    with map_col:
        output = maps.show(
            chb_map(maps.base_map(store, wards), candidates, designated),
            key="chb_map",
            height=MAP_HEIGHT,
            returned=("last_active_drawing",),
        )
        st.markdown(_legend(), unsafe_allow_html=True)
    with form_col:
        st.subheader("Designate an area")
        viewer = access.current_viewer()
        area = None
        if viewer.at_least("analyst"):
            st.caption(f"Changes are recorded as made by {plain(viewer.who or '')}.")
            clear_saved_inputs(settings)
            method, area = _marked_area(wards, candidates, (output or {}).get("last_active_drawing"))
            if area is not None:
                where = ", ".join(wards_overlapping(wards, area)) or "no ward"
                st.caption(f"Marked out: {area_km2(area):,.2f} km² in {plain(where)}.")
            designate_form(store, settings, area, method)
        else:
            st.info("Designating and changing areas is for analysts: sign in as an analyst.")

    if designated:
        st.subheader("Designated areas")
        for status in designated:
            area_panel(store, settings, status, area)
    with st.expander("How areas and phases are worked out", icon=":material/help:"):
        st.markdown(rules_markdown(settings))
