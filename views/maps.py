"""What every map in the app shares: the base map, the fast GeoJSON layer, the swapped data layer, the look.

Why one module: four pages draw maps (Map, Hotspots, Clear Hold Build, Action days) and partners move
between them, so they must look alike (same outlines, colours, tooltips, background) and all be fast.

Why it is built this way (speed): streamlit-folium re-creates the whole Leaflet map whenever the map's
own script changes, and that is what makes most folium apps slow. So the base map (tiles, ward and
district outlines) is identical on every run of a page and its frame is created once; what changes with
the controls travels in a separate feature group (:func:`area_group`) that streamlit-folium swaps in
place, and that group moves the view to a newly chosen area itself (:class:`FitArea`) instead of a
rebuild. Large layers are drawn by :class:`DataLayer` from cached GeoJSON text, not ``folium.GeoJson``.
Maps send back only what a page uses (:func:`show`), so panning and zooming never rerun the page.

The behaviour of these elements (and of the other pages' map tools) is JavaScript in
``static/js/maps.js``, loaded into every map's frame with Leaflet (:mod:`views.offline_assets`); each
element here writes only one call to it (``kirklees.dataLayer(...)`` and so on) with its map, group
and data, so the page's script stays small and the code can be read and linted as JavaScript.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import streamlit as st
from folium.elements import Element, MacroElement
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps

import config
from geo.boundaries import Wards
from geo.mapdata import area_features, ward_features
from store import Store
from views import common

OUTLINE_PANE = "outlines"
#: The page variable the search's :class:`FitArea` remembers its box in: a match's, or with the box empty
#: the area chosen, so clearing a search zooms back out.
SEARCH_SLOT = "__hotspotsSearch"
WARD_STYLE = {"color": "#4d4d4d", "weight": 1, "opacity": 0.7}
DISTRICT_STYLE = {"color": "#1a1a1a", "weight": 2.5, "opacity": 0.9}
SELECTED_STYLE = {"color": "#1f4e79", "weight": 4, "opacity": 1, "dashArray": "8 6"}
#: Outlines are lines only, drawn in their own pane and deaf to the mouse.
OUTLINE_OPTIONS = {"fill": False, "interactive": False, "pane": OUTLINE_PANE}
#: Hexagons: a thin white edge so neighbouring cells of one colour stay distinguishable.
HEX_STYLE = {"color": "#ffffff", "weight": 0.6, "opacity": 0.9, "fillOpacity": 0.72}
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


class DataLayer(MacroElement):
    """A GeoJSON layer for large, pre-styled data: outlines, hexagons, areas.

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
        var {{ this.get_name() }} = kirklees.dataLayer(
            {{ this._parent.get_name() }}, {{ this.data_json }},
            {{ this.options|tojson }}, {{ this.tooltip|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(
        self, data_json: str, tooltip: list[tuple[str, str]] | None = None, **options: object
    ) -> None:
        super().__init__()
        self._name = "DataLayer"
        self.data_json = data_json
        self.tooltip = tooltip or None
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
    """Fit the map to an area's bounds (at once, no animation) when the area differs from the last one fitted.

    The base map fits the whole study area this way, and a swapped feature group fits the chosen area,
    so the fit uses the frame's real width (Python does not know it) and a user's own panning and
    zooming survive changes of months, layers or categories.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        kirklees.fitArea(
            {{ this.fmap.get_name() }}, {{ this.slot|tojson }},
            {{ this.key|tojson }}, {{ this.bounds|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(
        self, fmap: folium.Map, bounds: tuple[float, float, float, float], slot: str = "__hotspotsArea"
    ) -> None:
        super().__init__()
        self._name = "FitArea"
        self.fmap = fmap
        #: the page variable remembering the last box fitted: a search result keeps its own
        #: (:data:`SEARCH_SLOT`), so it moves the view only when the search changes, not on every rerun
        self.slot = slot
        min_lon, min_lat, max_lon, max_lat = (round(b, 5) for b in bounds)
        self.bounds = [[min_lat, min_lon], [max_lat, max_lon]]
        self.key = f"{self.bounds}"


class FocusInPlace(MacroElement):
    """Pressing a map focuses it (for keyboard panning); without this, a map whose bottom is below the
    fold scrolls the page up under the pointer, so the press and release land apart and the click is
    taken for a drag and lost. Focus without scrolling keeps the first click on the map a click."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        kirklees.focusInPlace({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "FocusInPlace"


@dataclass(frozen=True)
class Outlines:
    """Ward and district outlines as GeoJSON text, ready for :class:`DataLayer`."""

    wards: str
    districts: str


@st.cache_data(show_spinner=False, max_entries=4)
def _outlines(path: str, version: str, _the_wards: Wards) -> Outlines:
    # keyed on the store version, which determines the wards (hence the leading underscore)
    return Outlines(
        geojson_text(ward_features(_the_wards)),
        geojson_text(area_features(_the_wards.district_geometries, "district")),
    )


def base_map(store: Store, the_wards: Wards, *, css: str = "") -> folium.Map:
    """Tiles (when configured) and non-interactive ward and district outlines; the same on every run.

    ``css`` adds a page's own styles (constant text, so the map is still never rebuilt).
    """
    centre = the_wards.area.centroid
    fmap = folium.Map(
        location=(centre.y, centre.x),
        zoom_start=11,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        max_zoom=18,
        zoom_snap=0.25,
    )
    # The whole study area in view, whatever the frame's width. Not folium's fit_bounds: it animates, and
    # the end of that animation would undo a data layer's own FitArea run straight after it.
    FitArea(fmap, the_wards.area.bounds).add_to(fmap)
    FocusInPlace().add_to(fmap)
    fmap.get_root().header.add_child(folium.Element(MAP_CSS + css), name="map_css")
    url = config.tiles_url()
    if url:
        folium.TileLayer(tiles=url, attr=config.map_settings().tiles_attribution, max_zoom=19).add_to(fmap)
    # Outlines get their own pane above the data, ignoring the mouse so the data's tooltips still work.
    folium.map.CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(fmap)
    outlines = _outlines(str(store.path), common.store_version(store), the_wards)
    DataLayer(
        outlines.wards, attribution=html.escape(config.BOUNDARY_ATTRIBUTION), **OUTLINE_OPTIONS, **WARD_STYLE
    ).add_to(fmap)
    DataLayer(outlines.districts, **OUTLINE_OPTIONS, **DISTRICT_STYLE).add_to(fmap)
    return fmap


def area_group(
    fmap: folium.Map, the_wards: Wards, *, district: str | None, ward: str | None, name: str
) -> folium.FeatureGroup:
    """The layer a page swaps in: it moves the view to the chosen area and outlines a district or ward.

    The page adds its data to the group and hands it to :func:`show`.
    """
    area = the_wards.geometry_of(district=district, ward=ward)
    group = folium.FeatureGroup(name=name)
    FitArea(fmap, area.bounds).add_to(group)
    if district or ward:
        label = the_wards.name_by_code[ward] if ward else district
        selected = geojson_text(area_features({label: area}, "selected"))
        DataLayer(selected, **OUTLINE_OPTIONS, **SELECTED_STYLE).add_to(group)
    return group


def show(
    fmap: folium.Map,
    *,
    key: str,
    height: int,
    group: folium.FeatureGroup | None = None,
    returned: tuple[str, ...] = (),
) -> dict:
    """Put the map on the page at full width; only the ``returned`` interactions come back to Python.

    Every other interaction (pan, zoom, hover, click) stays in the browser and never reruns the page.
    """
    from streamlit_folium import st_folium

    return st_folium(
        fmap,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=list(returned),
        feature_group_to_add=group,
    )


def swatch_legend(element_id: str, title: str, items: list[tuple[str, str]]) -> str:
    """A one-line legend under a map: ``title`` then (CSS style of the swatch, label) per item.

    Labels are escaped here; the title is the caller's fixed text (it may hold markup such as ``km²``).
    """
    spans = "".join(
        f'<span class="map-legend-item"><span class="map-legend-swatch" style="{style}"></span>'
        f"{html.escape(label)}</span>"
        for style, label in items
    )
    return f"""
<style>
.map-legend {{ font-size: 0.85rem; display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; align-items: center; }}
.map-legend-item {{ display: inline-flex; align-items: center; gap: 0.3rem; }}
.map-legend-swatch {{ width: 1.2rem; height: 0.9rem; display: inline-block; box-sizing: border-box; }}
</style>
<div class="map-legend" id="{element_id}"><strong>{title}</strong> {spans}</div>"""


def fill_swatch(colour: str) -> str:
    """Swatch style for a filled area (hexagon, candidate area) in ``colour``."""
    return f"background: {colour}; border: 1px solid #999"


def line_swatch(style: dict) -> str:
    """Swatch style for an outline drawn with a :data:`WARD_STYLE`-like ``style``."""
    dash = "dashed" if style.get("dashArray") else "solid"
    weight = max(1, round(float(style["weight"])))
    return f"height: 0; border-top: {weight}px {dash} {style['color']}"


#: Legend entries for the outlines every base map draws.
OUTLINE_LEGEND = [(line_swatch(WARD_STYLE), "ward"), (line_swatch(DISTRICT_STYLE), "district")]


#: Place names: dark text with a white halo, legible on a projector over any hexagon colour; towns always,
#: villages from zoom 12 and suburbs from zoom 13 (classes set by :class:`PlaceLabels`), so the borough
#: view is not crowded.
PLACE_CSS = """<style>
.place-label { background: none; border: none; }
.place-label span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  color: #1a1a1a; font: 600 13px/1.1 system-ui, sans-serif; pointer-events: none;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff; }
.place-town span { font-size: 15px; font-weight: 700; }
.place-village, .place-suburb { display: none; }
.zoom-12 .place-village, .zoom-13 .place-village, .zoom-13 .place-suburb { display: block; }
</style>"""


class PlaceLabels(MacroElement):
    """Names of the gazetteer's places (``data/places.csv``) drawn as text on the map, without tiles.

    Names let the mouse through: pointing at or clicking a name reaches the hexagon under it (whose
    tooltip shows, and whose panel names the place, see :func:`geo.search.place_in`). The map container
    gets a ``zoom-12`` / ``zoom-13`` class as the user zooms, which the CSS (:data:`PLACE_CSS`) uses to
    show smaller places only once there is room for them; and a name that would overlap one already shown
    (towns first, then villages, then suburbs) is hidden until zooming in makes room, so names never print
    over each other on a projector.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        kirklees.placeLabels({{ this._parent.get_name() }}, {{ this.places|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, places: tuple[config.Place, ...]) -> None:
        super().__init__()
        self._name = "PlaceLabels"
        ordered = sorted(places, key=lambda p: config.PLACE_KINDS.index(p.kind))
        self.places = [[html.escape(p.name), p.lat, p.lon, p.kind] for p in ordered]
