"""The Hotspots page: Gi* hot and cold spots on H3 hexagons, trend classes, the ranked hot-cell table.

Every number comes from :func:`geo.hotspots.hotspots_from_store` (the same code path as the CLI and the
briefing packs); this module lays it out and caches it. Only significant cells are drawn (grey would be
most of the borough and would slow the map); the base map (tiles and outlines) is the Map page's, so
it is built the same way and only the hexagon layer is swapped when a control changes.

Names from data files (wards, streets) are HTML-escaped before they reach a map tooltip; tables are
Streamlit dataframes, which show text as text.
"""

from __future__ import annotations

import html
import json

import folium
import h3
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import config
from geo.boundaries import Wards
from geo.gistar import CLASS_COLOURS, CLASS_LABELS
from geo.grid import StudyGrid, study_grid
from geo.harm import Weights, default_weights, weights_from_table, weights_table
from geo.hexgrid import RESOLUTIONS
from geo.hotspots import (
    HotspotResult,
    evaluate,
    export_records,
    hotspots_from_store,
    month_bounds,
    read_counts,
    to_geojson,
)
from geo.mapdata import area_features, cell_ring
from store import Store
from store.queries import Filters
from views import common
from views.map_page import OUTLINE_PANE, SELECTED_STYLE, FitArea, _outlines, base_map

MAP_HEIGHT = 600
HEX_STYLE = {"color": "#ffffff", "weight": 0.5, "opacity": 0.9, "fillOpacity": 0.78}
KEY_RES = "hotspots_res"
KEY_K = "hotspots_k"
KEY_HARM = "hotspots_harm"
KEY_TREND = "hotspots_trend"
KEY_WEIGHTS = "hotspots_weights"
KEY_WEIGHTS_EDITOR = "hotspots_weights_editor"
KEY_EVALUATE = "hotspots_evaluate"
TREND_CHOICES = {"month": "Monthly, last 12 months", "quarter": "Quarterly, last 12 quarters"}
#: Months held back to test the map in "How far to trust this map".
TEST_MONTHS = 3


# ---- cached computations ------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=16)
def _grid(
    path: str, version: str, res: int, district: str | None, ward: str | None, _wards: Wards
) -> StudyGrid:
    return study_grid(_wards, res, district=district, ward=ward)


@st.cache_resource(show_spinner="Working out hotspots...", max_entries=32)
def _result(
    path: str,
    version: str,
    filters: Filters,
    res: int,
    k: int,
    weights: tuple[tuple[tuple[str, str], float], ...] | None,
    trend_freq: str,
    _grid: StudyGrid,
) -> HotspotResult:
    first, last = pd.Period(filters.start, "M"), pd.Period(filters.end, "M")
    return hotspots_from_store(
        Store(path),
        filters,
        _grid,
        first=first,
        last=last,
        k=k,
        weights=dict(weights) if weights is not None else None,
        trend_freq=trend_freq,
    )


@st.cache_data(show_spinner="Testing the map against later months...", max_entries=16)
def _evaluation(
    path: str,
    version: str,
    filters: Filters,
    k: int,
    weights: tuple[tuple[tuple[str, str], float], ...] | None,
    train: tuple[str, str],
    test: tuple[str, str],
    _grid: StudyGrid,
) -> pd.DataFrame:
    store = Store(path)
    start, end = pd.Period(train[0], "M"), pd.Period(test[1], "M")
    span = filters.shifted(*month_bounds(start, end))
    return evaluate(
        read_counts(store, span, _grid.res),
        read_counts(store, span, max(RESOLUTIONS)),
        _grid,
        train=(pd.Period(train[0], "M"), pd.Period(train[1], "M")),
        test=(pd.Period(test[0], "M"), pd.Period(test[1], "M")),
        k=k,
        weights=dict(weights) if weights is not None else None,
    )


# ---- pieces of the page ---------------------------------------------------------------------------------


def session_weights() -> Weights:
    """The harm weights for this session: the data file's until the user edits them."""
    if KEY_WEIGHTS not in st.session_state:
        st.session_state[KEY_WEIGHTS] = default_weights()
    return st.session_state[KEY_WEIGHTS]


def weights_editor() -> None:
    """Edit harm weights for this session only (the data file is unchanged)."""
    edited = st.data_editor(
        weights_table(session_weights()),
        key=KEY_WEIGHTS_EDITOR,
        disabled=["layer", "category"],
        hide_index=True,
        width="stretch",
        column_config={"weight": st.column_config.NumberColumn("Weight", min_value=0.0, step=0.5)},
    )
    try:
        st.session_state[KEY_WEIGHTS] = weights_from_table(edited)
    except ValueError as exc:
        st.error(f"{exc}. The previous weights are still in use.")
    if st.button("Reset to the weights in data/layers.toml"):
        st.session_state[KEY_WEIGHTS] = default_weights()
        st.session_state.pop(KEY_WEIGHTS_EDITOR, None)
        st.rerun()


def map_features(result: HotspotResult) -> dict:
    """Significant cells as GeoJSON with escaped, rounded tooltip fields and their class colour."""
    table = result.table[result.table["class_code"] != 0]
    streets = table["street"] if "street" in table else pd.Series("", index=table.index)
    shown = table["value"].map("{:,.1f}".format) if result.weighted else table["count"].map("{:,}".format)
    features = [
        {
            "type": "Feature",
            "properties": {
                "class": html.escape(label),
                "ward": html.escape(str(ward)),
                "district": html.escape(str(district)),
                "street": html.escape(str(street)),
                "value": value,
                "z": f"{z:.2f}",
                "trend": html.escape(str(trend)),
                "style": {"fillColor": CLASS_COLOURS[int(code)]},
            },
            "geometry": {"type": "Polygon", "coordinates": [cell_ring(int(cell, 16))]},
        }
        for cell, label, code, ward, district, street, value, z, trend in zip(
            table["h3"],
            table["class"],
            table["class_code"],
            table["ward"],
            table["district"],
            streets,
            shown,
            table["z"],
            table["trend"],
            strict=True,
        )
    ]
    return {"type": "FeatureCollection", "features": features}


def hex_group(result: HotspotResult, selected: dict | None, fit: FitArea) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Hotspots")
    fit.add_to(group)
    features = map_features(result)
    if features["features"]:
        tooltip = folium.GeoJsonTooltip(
            fields=["class", "ward", "district", "street", "value", "z", "trend"],
            aliases=[
                "Class",
                "Ward",
                "District",
                "Most common street",
                "Harm score" if result.weighted else "Incidents",
                "Gi* z",
                "Trend",
            ],
            sticky=True,
        )
        folium.GeoJson(features, name="Hot and cold spots", tooltip=tooltip, **HEX_STYLE).add_to(group)
    if selected:
        folium.GeoJson(
            selected, name="Selected area", fill=False, interactive=False, pane=OUTLINE_PANE, **SELECTED_STYLE
        ).add_to(group)
    return group


def legend_html(result: HotspotResult) -> str:
    counts = result.table["class_code"].value_counts()
    items = "".join(
        f'<span class="hs-item"><span class="hs-swatch" style="background:{CLASS_COLOURS[code]}"></span>'
        f"{html.escape(label)} ({int(counts.get(code, 0)):,})</span>"
        for code, label in CLASS_LABELS.items()
    )
    km2 = h3.average_hexagon_area(result.grid.res, "km^2")
    return f"""
<style>
.hs-legend {{ font-size: 0.85rem; display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; align-items: center; }}
.hs-item {{ display: inline-flex; align-items: center; gap: 0.3rem; }}
.hs-swatch {{ width: 1.1rem; height: 0.9rem; border: 1px solid #999; display: inline-block; }}
</style>
<div class="hs-legend" id="hotspot-legend"><strong>Gi* class (hexagons of about {km2:.2f} km²;
cells not significant are left clear):</strong> {items}</div>"""


def ranked_table(result: HotspotResult) -> pd.DataFrame:
    """Hot cells, hottest first, with what a partner needs to find and discuss the place."""
    hot = result.hot_cells()
    layers = config.layers()
    layer_cols = {
        col: layers[col[2:]].label if col[2:] in layers else col[2:]
        for col in hot.columns
        if col.startswith("n_") and hot[col].sum() > 0
    }
    return pd.DataFrame(
        {
            "Rank": range(1, len(hot) + 1),
            "Class": hot["class"].to_numpy(),
            "Ward": hot["ward"].to_numpy(),
            "District": hot["district"].to_numpy(),
            "Most common street": hot["street"].to_numpy() if "street" in hot else "",
            "Harm score" if result.weighted else "Incidents": (
                hot["value"].round(1).to_numpy() if result.weighted else hot["count"].to_numpy()
            ),
            **{label: hot[col].to_numpy() for col, label in layer_cols.items()},
            "Gi* z": hot["z"].round(2).to_numpy(),
            "FDR-adjusted p": hot["p_fdr"].to_numpy(),
            "Trend": hot["trend"].to_numpy(),
            "H3 cell": hot["h3"].to_numpy(),
        }
    )


def downloads(result: HotspotResult, ranked: pd.DataFrame, synthetic: bool) -> None:
    prefix = "SYNTHETIC-" if synthetic else ""
    name = f"{prefix}hotspots-{result.first}-to-{result.last}-res{result.grid.res}-k{result.k}"
    ranked_out = ranked.assign(note=config.SYNTHETIC_LABEL) if synthetic else ranked
    cells = pd.DataFrame(export_records(result.table))
    cells_out = cells.assign(note=config.SYNTHETIC_LABEL) if synthetic else cells
    metadata = {
        "note": config.SYNTHETIC_LABEL if synthetic else None,
        "first_month": str(result.first),
        "last_month": str(result.last),
        "resolution": result.grid.res,
        "k": result.k,
        "value": "harm-weighted count" if result.weighted else "incident count",
        "boundaries": config.BOUNDARY_ATTRIBUTION,
    }
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Hot cells (CSV)", ranked_out.to_csv(index=False), f"{name}-hot-cells.csv", "text/csv", key="dl_hot"
    )
    c2.download_button(
        "Every cell (CSV)", cells_out.to_csv(index=False), f"{name}-all-cells.csv", "text/csv", key="dl_all"
    )
    c3.download_button(
        "Every cell (GeoJSON)",
        json.dumps(to_geojson(result.table, result.grid, metadata=metadata), ensure_ascii=False),
        f"{name}.geojson",
        "application/geo+json",
        key="dl_geojson",
    )


def trust_section(store: Store, filters: Filters, result: HotspotResult, weights: tuple | None) -> None:
    """Hit rate and PAI of the map against the months that followed (see :mod:`geo.evaluation`)."""
    span = common.data_span(store)
    last_data = pd.Period(span[1], "M")
    test_first = result.last + 1
    if test_first + (TEST_MONTHS - 1) > last_data:
        test_first = last_data - (TEST_MONTHS - 1)
    test = (test_first, test_first + (TEST_MONTHS - 1))
    train = (test_first - 12, test_first - 1)
    if train[0] < pd.Period(span[0], "M"):
        st.info("There is not enough data before the test months to check the map (15 months are needed).")
        return
    month = "%b %Y"
    st.caption(
        f"The map is drawn from {train[0].strftime(month)} to {train[1].strftime(month)} and checked against "
        f"the next {TEST_MONTHS} months ({test[0].strftime(month)} to {test[1].strftime(month)}), "
        "on the same layers, place, resolution and weights."
    )
    table = _evaluation(
        str(store.path),
        common.store_version(store),
        filters,
        result.k,
        weights,
        (str(train[0]), str(train[1])),
        (str(test[0]), str(test[1])),
        result.grid,
    )
    shown = pd.DataFrame(
        {
            "Method": table["method"],
            "Cells flagged": table["cells"],
            "Share of area": (table["area_share"] * 100).round(1).astype(str) + "%",
            "Share of next months' incidents (hit rate)": (table["hit_rate"] * 100).round(1).astype(str)
            + "%",
            "Predictive Accuracy Index": table["pai"].round(1),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(
        "Predictive Accuracy Index = hit rate ÷ share of area. 1 is no better than picking cells at random; "
        "the higher the better. All three methods flag the same number of cells, so they are compared on "
        "the same area."
    )


# ---- the page -------------------------------------------------------------------------------------------


def render() -> None:
    store = common.current_store()
    the_wards = common.wards(store)
    filters = common.sidebar_filters(store)
    st.title("Hotspots")
    st.caption(
        "Where incidents cluster more than chance would give (Getis-Ord Gi*), with false-discovery control "
        "and how each place is changing. See “How this is worked out” for the rules."
    )
    if filters is None:
        st.info("There are no incidents in the store yet: load data, or build the demo with `hotspots demo`.")
        return
    if not filters.layers:
        st.info("Switch on at least one layer in the sidebar.")
        return

    map_settings = config.settings()["map"]
    local = bool(filters.district or filters.ward)
    c1, c2, c3, c4 = st.columns(4)
    res = c1.selectbox(
        "Hexagon size (H3 resolution)",
        RESOLUTIONS,
        index=RESOLUTIONS.index(map_settings["local_resolution" if local else "borough_resolution"]),
        format_func=lambda r: f"{r} (about {h3.average_hexagon_area(r, 'km^2'):.2f} km²)",
        key=f"{KEY_RES}_{'local' if local else 'borough'}",
    )
    k = c2.selectbox(
        "Neighbourhood (rings of hexagons)",
        (1, 2, 3),
        key=KEY_K,
        help="Each cell is judged together with the cells up to this many steps away.",
    )
    harm = (
        c3.radio("Score", ("Incident count", "Harm-weighted"), key=KEY_HARM, horizontal=True)
        == "Harm-weighted"
    )
    trend_freq = c4.radio(
        "Trend over", tuple(TREND_CHOICES), format_func=TREND_CHOICES.get, key=KEY_TREND, horizontal=False
    )
    if harm:
        with st.expander("Harm weights (this session only)", icon=":material/balance:"):
            weights_editor()
    weights = tuple(sorted(session_weights().items())) if harm else None

    version = common.store_version(store)
    grid = _grid(str(store.path), version, res, filters.district, filters.ward, the_wards)
    result = _result(str(store.path), version, filters, res, k, weights, trend_freq, grid)

    area = the_wards.geometry_of(district=filters.district, ward=filters.ward)
    selected = area_features({common.area_name(filters, the_wards): area}, "selected") if local else None
    centre = the_wards.area.centroid
    fmap = base_map(*_outlines(str(store.path), version, the_wards), (centre.y, centre.x))
    st_folium(
        fmap,
        key="hotspot_map",
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=[],
        feature_group_to_add=hex_group(result, selected, FitArea(fmap, area.bounds)),
    )
    st.markdown(legend_html(result), unsafe_allow_html=True)
    if result.trend_slices is None:
        st.caption(
            "Trend classes need at least 10 whole months or quarters of data; there are not enough yet."
        )
    if result.outside:
        st.caption(f"{result.outside:,} incidents lie outside the study-area grid and are not counted.")
    if result.unweighted:
        names = ", ".join(f"{layer} / {cat}" for layer, cat in result.unweighted)
        st.caption(f"No harm weight is set for {names}; each counts 1.")

    st.subheader(f"Hot cells in {common.area_name(filters, the_wards)}")
    ranked = ranked_table(result)
    if ranked.empty:
        st.info("No cell is a significant hot spot for these choices.")
    else:
        st.dataframe(ranked, hide_index=True, width="stretch")
    synthetic = any(lid in store.synthetic_layers() for lid in filters.layers)
    downloads(result, ranked, synthetic)

    with st.expander("How far to trust this map", icon=":material/verified:"):
        if st.toggle("Check the map against the months that followed", key=KEY_EVALUATE):
            trust_section(store, filters, result, weights)
