"""The map page: incident counts on H3 hexagons over ward and district boundaries, with a summary panel.

Why it is built the way it is (speed): streamlit-folium re-creates the whole Leaflet map whenever the
map's own script changes, and that is what makes most folium apps slow. Here the base map (tiles,
ward and district outlines) is identical on every run, so its frame is created once; the hexagons and
the selected-area outline travel as a separate feature group that streamlit-folium swaps in place, and
that group moves the view to a newly chosen area itself (:class:`FitArea`) instead of a rebuild. The
map sends nothing back to Python (``returned_objects=[]``), so panning and zooming never rerun the page.
Incidents are only ever drawn as counts per hexagon, never as points.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import h3
import pandas as pd
import streamlit as st
from folium.elements import Element, MacroElement
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps
from streamlit_folium import st_folium

import config
from geo.boundaries import Wards
from geo.mapdata import area_features, hex_layer, map_resolution, ward_features
from geo.rates import Change, area_population, per_year, rate_per_1000
from store import Store
from store.queries import Filters, counts
from views import common

MAP_HEIGHT = 620
OUTLINE_PANE = "outlines"
WARD_STYLE = {"color": "#4d4d4d", "weight": 1, "opacity": 0.7}
DISTRICT_STYLE = {"color": "#1a1a1a", "weight": 2.5, "opacity": 0.9}
SELECTED_STYLE = {"color": "#1f4e79", "weight": 4, "opacity": 1, "dashArray": "8 6"}
#: Outlines are lines only, drawn in their own pane and deaf to the mouse.
OUTLINE_OPTIONS = {"fill": False, "interactive": False, "pane": OUTLINE_PANE}
HEX_STYLE = {"color": "#ffffff", "weight": 0.6, "opacity": 0.9, "fillOpacity": 0.72}
#: About 105 m x 68 m, to make hexagon sizes concrete for non-specialists.
FOOTBALL_PITCH_KM2 = 0.00714
#: A plain background, so that with no basemap (offline) the outlines and hexagons sit on a calm page;
#: a small attribution line, so the boundary licence fits under the map; compact, left-aligned tooltips.
MAP_CSS = """<style>
.leaflet-container { background: #f3f1ec; }
.leaflet-control-attribution { font-size: 10px; line-height: 1.3; }
.leaflet-tooltip { font-size: 12px; line-height: 1.25; }
.leaflet-tooltip th { text-align: left; font-weight: 600; padding: 1px 10px 1px 0; }
.leaflet-tooltip td { text-align: right; padding: 1px 0; }
</style>"""


def geojson_text(geojson: dict) -> str:
    """Compact GeoJSON text that is safe inside a web page's script (``<``, ``>``, ``&`` escaped)."""
    return htmlsafe_json_dumps(geojson, separators=(",", ":"))


@dataclass(frozen=True)
class DrawnHexes:
    """The hexagon layer as the map page draws it, cached as text: a cached dict would be unpickled and
    re-serialised on every run, the largest cost of a cached redraw."""

    geojson_text: str
    count: int
    legend: list[tuple[str, str]]


# The cached builders below are keyed on the store path and version; the wards argument is left out of
# the key (leading underscore) because the version already determines it.


@st.cache_data(show_spinner=False, max_entries=4)
def _outlines(path: str, version: str, _the_wards: Wards) -> tuple[str, str]:
    """Ward and district outlines as GeoJSON text for :func:`base_map`."""
    return (
        geojson_text(ward_features(_the_wards)),
        geojson_text(area_features(_the_wards.district_geometries, "district")),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _hexes(path: str, version: str, filters: Filters, res: int, _the_wards: Wards) -> DrawnHexes:
    column = f"h3_r{res}"
    hexes = hex_layer(
        counts(Store(path), filters, (column, "layer", "ward_code")),
        cell_column=column,
        layer_ids=filters.layers or (),
        ward_names=_the_wards.name_by_code,
        ward_districts=_the_wards.district_by_code,
    )
    return DrawnHexes(geojson_text(hexes.geojson), len(hexes.geojson["features"]), hexes.legend)


class DataLayer(MacroElement):
    """A GeoJSON layer for large, pre-styled data: outlines and hexagons.

    Why not ``folium.GeoJson``: on every run folium serialises the data twice and then re-parses the
    whole generated script (data included) as a Jinja template, which for a district's hexagons costs
    more than everything else on the page. This element takes ready-made GeoJSON text
    (:func:`geojson_text`, cacheable) and hands its script over as is.

    Each feature's ``properties.style`` (if any) overrides the layer's ``options``. ``tooltip`` is a
    list of (property, label) pairs shown as a table; every string property and label must already be
    HTML-escaped (:mod:`geo.mapdata` escapes names), because Leaflet shows it as HTML.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data_json }}, Object.assign({{ this.options|tojson }}, {
            style: function (f) { return f.properties.style || {}; },
            {%- if this.tooltip %}
            onEachFeature: function (f, layer) {
                layer.bindTooltip(function () {
                    return '<table>' + {{ this.tooltip|tojson }}.map(function (row) {
                        var v = f.properties[row[0]];
                        return '<tr><th>' + row[1] + '</th><td>'
                            + (typeof v === 'number' ? v.toLocaleString('en-GB') : v) + '</td></tr>';
                    }).join('') + '</table>';
                }, {sticky: true});
            },
            {%- endif %}
        })).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, data_json: str, tooltip: list[tuple[str, str]] | None = None, **options: object
    ) -> None:
        super().__init__()
        self._name = "DataLayer"
        self.data_json = data_json
        self.tooltip = tooltip
        self.options = options

    def render(self, **kwargs: object) -> None:
        """Add the script to a standalone page without re-parsing it (streamlit-folium reads the template)."""
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(_Script(script(self, kwargs)), name=self.get_name())


class _Script(Element):
    """Ready-made script text: an Element whose template is compiled once, not built from the text."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class FitArea(MacroElement):
    """Fit the map to an area's bounds when the chosen area changes, and only then.

    It travels in the swapped feature group, so the fit uses the frame's real width (Python does not
    know it) and a user's own panning and zooming survive changes of months, layers or categories.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (window.__hotspotsArea !== {{ this.key|tojson }}) {
            window.__hotspotsArea = {{ this.key|tojson }};
            {{ this.fmap.get_name() }}.fitBounds({{ this.bounds|tojson }}, {padding: [8, 8], animate: false});
        }
        {% endmacro %}
        """
    )

    def __init__(self, fmap: folium.Map, bounds: tuple[float, float, float, float]) -> None:
        super().__init__()
        self._name = "FitArea"
        self.fmap = fmap
        min_lon, min_lat, max_lon, max_lat = (round(b, 5) for b in bounds)
        self.bounds = [[min_lat, min_lon], [max_lat, max_lon]]
        self.key = f"{self.bounds}"


def base_map(wards_geojson: str, districts_geojson: str, centre: tuple[float, float]) -> folium.Map:
    """Tiles (when configured) and non-interactive outlines above the hexagons; the same on every run."""
    fmap = folium.Map(
        location=centre,
        zoom_start=11,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        max_zoom=18,
        zoom_snap=0.25,
    )
    fmap.get_root().header.add_child(folium.Element(MAP_CSS), name="map_css")
    url = config.tiles_url()
    if url:
        folium.TileLayer(tiles=url, attr=config.settings()["map"]["tiles_attribution"], max_zoom=19).add_to(
            fmap
        )
    # Outlines get their own pane above the hexagons, ignoring the mouse so hexagon tooltips still work.
    folium.map.CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(fmap)
    DataLayer(
        wards_geojson, attribution=html.escape(config.BOUNDARY_ATTRIBUTION), **OUTLINE_OPTIONS, **WARD_STYLE
    ).add_to(fmap)
    DataLayer(districts_geojson, **OUTLINE_OPTIONS, **DISTRICT_STYLE).add_to(fmap)
    return fmap


def data_layer(
    hexes: DrawnHexes, selected_geojson: str | None, layer_ids: tuple[str, ...], fit: FitArea
) -> folium.FeatureGroup:
    """What changes with the filters: hexagons with tooltips, the chosen area's outline, the view."""
    group = folium.FeatureGroup(name="Incidents")
    fit.add_to(group)
    if hexes.count:
        labels = [html.escape(config.layers()[lid].label) for lid in layer_ids]
        tooltip = list(
            zip(
                ["ward", "district", *layer_ids, "total"],
                ["Ward", "District", *labels, "All shown"],
                strict=True,
            )
        )
        DataLayer(hexes.geojson_text, tooltip=tooltip, **HEX_STYLE).add_to(group)
    if selected_geojson:
        DataLayer(selected_geojson, **OUTLINE_OPTIONS, **SELECTED_STYLE).add_to(group)
    return group


def _legend_item(swatch_class: str, swatch_style: str, label: str) -> str:
    return (
        f'<span class="hl-item"><span class="{swatch_class}" style="{swatch_style}"></span>'
        f"{html.escape(label)}</span>"
    )


def legend_html(hexes: DrawnHexes, res: int) -> str:
    """Legend for hexagon colours and outline styles (labels are numbers or fixed text, escaped anyway)."""
    items = [_legend_item("hl-swatch", f"background:{colour}", label) for colour, label in hexes.legend]
    items += [
        _legend_item("hl-line", f"border-top: 1px solid {WARD_STYLE['color']}", "ward"),
        _legend_item("hl-line", f"border-top: 3px solid {DISTRICT_STYLE['color']}", "district"),
        _legend_item("hl-line", f"border-top: 3px dashed {SELECTED_STYLE['color']}", "chosen area"),
    ]
    km2 = h3.average_hexagon_area(res, "km^2")
    return f"""
<style>
.hl {{ font-size: 0.85rem; display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; align-items: center; }}
.hl-item {{ display: inline-flex; align-items: center; gap: 0.3rem; }}
.hl-swatch {{ width: 1.1rem; height: 0.9rem; border: 1px solid #999; display: inline-block; }}
.hl-line {{ width: 1.6rem; display: inline-block; }}
</style>
<div class="hl" id="map-legend"><strong>Incidents per hexagon (about {km2:.2f} km²):</strong>
{"".join(items)}</div>"""


def summary_table(
    current: pd.DataFrame, previous: pd.DataFrame | None, layer_ids: tuple[str, ...], people: int | None
) -> pd.DataFrame:
    """One row per shown layer plus a total: count, rate per 1,000 residents, change vs previous period."""
    now = current.set_index("layer")["n"] if not current.empty else pd.Series(dtype="int64")
    before = (
        previous.set_index("layer")["n"]
        if previous is not None and not previous.empty
        else pd.Series(dtype="int64")
    )
    rows = []
    for label, ids in [
        *((config.layers()[lid].label, [lid]) for lid in layer_ids),
        ("All shown", list(layer_ids)),
    ]:
        n = int(now.reindex(ids).fillna(0).sum())
        prev = None if previous is None else int(before.reindex(ids).fillna(0).sum())
        rate = rate_per_1000(n, people)
        rows.append(
            {
                "Layer": label,
                "Incidents": f"{n:,}",
                "Per 1,000 residents": "n/a" if rate is None else f"{rate:,.1f}",
                "Change": Change(n, prev).text,
            }
        )
    return pd.DataFrame(rows).set_index("Layer")


def summary_panel(store: Store, filters: Filters, the_wards: Wards) -> None:
    period = common.period_of(filters)
    span = common.data_span(store)
    previous_period = period.previous()
    comparable = span is not None and previous_period.within(*span)
    layer_ids = filters.layers or ()
    current = common.counts(store, filters, ("layer",))
    previous = (
        common.counts(store, filters.shifted(previous_period.start, previous_period.end), ("layer",))
        if comparable
        else None
    )
    population = area_population(common.ward_populations(store), common.area_wards(filters, the_wards))
    people = population.people if population else None
    total = int(current["n"].sum()) if not current.empty else 0
    total_change = Change(total, None if previous is None else int(previous["n"].sum()))

    st.subheader(common.area_name(filters, the_wards))
    st.caption(period.label)
    st.metric(
        "Incidents shown",
        f"{total:,}",
        delta=None
        if total_change.percent is None
        else f"{total - total_change.previous:+,} ({total_change.percent:+.1f}%) vs previous period",
        delta_color="inverse",
        help="Change compared with the same number of months immediately before. Red means more incidents.",
    )
    st.table(summary_table(current, previous, layer_ids, people))
    yearly = per_year(rate_per_1000(total, people), period.months)
    if population:
        note = " Some ward populations are approximate." if population.approximate else ""
        st.caption(
            f"Rates use {population.people:,} residents.{note} Over a year that is "
            f"{yearly:,.1f} incidents per 1,000 residents."
        )
    else:
        st.caption("No population figure for this area, so no rate is shown.")
    if not comparable:
        st.caption(f"No change shown: the data does not cover the previous period ({previous_period.label}).")


EXPLANATION = """
**Hexagons.** The map divides Kirklees into equal-sized hexagons and colours each one by how many
incidents were recorded inside it in the months chosen: darker means more. Equal sizes make places
comparable at a glance, and counting by area means no individual incident or address is ever shown.
Across the whole borough each hexagon covers about {borough_km2:.2f} km²; once you pick a district or
ward they shrink to about {local_km2:.2f} km² (roughly {pitches:.0f} football pitches) so streets stand out.
Point at a hexagon to see its ward, district and the count for each layer. A hexagon on a ward boundary
is named after the ward holding most of its incidents.

**Rate per 1,000 residents.** For every 1,000 people living in the area, how many incidents were
recorded in the chosen months. It lets a small ward be compared fairly with a large one. Town centres
and places people visit (shops, stations, night-time economy) have high rates because incidents happen
where people gather, not only where they live.

**Change.** The same count for the same number of months immediately before (for 12 months, the year
before). ↑ means more incidents, ↓ fewer, → the same.
"""


def render() -> None:
    store = common.current_store()
    the_wards = common.wards(store)
    filters = common.sidebar_filters(store)
    st.title("Incident map")
    if filters is None:
        st.info("There are no incidents in the store yet: load data, or build the demo with `hotspots demo`.")
        return
    if not filters.layers:
        st.info("Switch on at least one layer in the sidebar to see incidents.")

    map_settings = config.settings()["map"]
    local = bool(filters.district or filters.ward)
    res = map_resolution(
        local=local,
        borough_resolution=map_settings["borough_resolution"],
        local_resolution=map_settings["local_resolution"],
    )
    version = common.store_version(store)
    wards_geojson, districts_geojson = _outlines(str(store.path), version, the_wards)
    hexes = _hexes(str(store.path), version, filters, res, the_wards)
    area = the_wards.geometry_of(district=filters.district, ward=filters.ward)
    selected = (
        geojson_text(area_features({common.area_name(filters, the_wards): area}, "selected"))
        if local
        else None
    )
    centre = the_wards.area.centroid
    fmap = base_map(wards_geojson, districts_geojson, (centre.y, centre.x))

    map_col, panel_col = st.columns([3, 2], gap="medium")
    with map_col:
        st_folium(
            fmap,
            key="incident_map",
            height=MAP_HEIGHT,
            use_container_width=True,
            returned_objects=[],
            feature_group_to_add=data_layer(
                hexes, selected, filters.layers or (), FitArea(fmap, area.bounds)
            ),
        )
        if hexes.count:
            st.markdown(legend_html(hexes, res), unsafe_allow_html=True)
        else:
            st.info("No incidents match these filters.")
    with panel_col:
        summary_panel(store, filters, the_wards)
    with st.expander("How to read this map", icon=":material/help:"):
        borough_km2 = h3.average_hexagon_area(map_settings["borough_resolution"], "km^2")
        local_km2 = h3.average_hexagon_area(map_settings["local_resolution"], "km^2")
        st.markdown(
            EXPLANATION.format(
                borough_km2=borough_km2, local_km2=local_km2, pitches=local_km2 / FOOTBALL_PITCH_KM2
            )
        )
