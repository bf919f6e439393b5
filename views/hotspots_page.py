"""The Hotspots page: Gi* hot and cold spots on H3 hexagons, trend classes, the ranked hot-cell table.

Every number comes from :func:`briefing.analyses.hotspots_from_store` (the same code path as the CLI and the
briefing packs); this module lays it out and caches it. Only significant cells are drawn (grey would be
most of the borough and would slow the map). The map is built like every map in the app
(:mod:`views.maps`): the base map never changes and only the hexagon layer is swapped when a control
changes. The grid is :func:`views.common.study_grid`, the Map page's, so both name a hexagon's ward alike.

Names from data files (wards, streets) are HTML-escaped before they reach a map tooltip; tables are
Streamlit dataframes, which show text as text.

For the public (:func:`views.access.current_audience`) the page is public-safe: hot cells with fewer than
5 incidents are left out, a layer's small count reads "fewer than 5" and a cell total that would give one
away "not shown" (:func:`public_counts`), and the z-scores, p-values, harm scores and every-cell files
stay with partners (a hexagon's z-score is its neighbourhood's count in disguise).
"""

from __future__ import annotations

import html
import json

import folium
import h3
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import config
from briefing.analyses import hotspots_from_store
from briefing.exports import csv_bytes, labelled
from briefing.settings import public_threshold
from briefing.suppression import Disclosure
from geo.disclosure import Table, protect
from geo.gistar import CLASS_COLOURS, CLASS_LABELS
from geo.grid import StudyGrid
from geo.harm import Weights, default_weights, weights_from_table, weights_table
from geo.hexgrid import RESOLUTIONS, cells_geojson
from geo.hotspots import (
    HotspotResult,
    evaluate,
    export_records,
    month_bounds,
    to_geojson,
)
from geo.rates import Period
from store import Store
from store.queries import Filters, cell_months
from views import access, common, maps

MAP_HEIGHT = 600
#: Hot and cold spots sit on a pale background with clear gaps, so they are drawn a little more solid.
HEX_STYLE = {**maps.HEX_STYLE, "fillOpacity": 0.78}
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
        cell_months(store, span, _grid.res),
        cell_months(store, span, max(RESOLUTIONS)),
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


#: A public hot cell's counts as printed: "count" and "n_<layer>" -> text (see :func:`public_counts`).
PublicCounts = dict[str, dict[str, str]]


def public_counts(result: HotspotResult, threshold: int) -> PublicCounts:
    """Each hot cell the public may see (at least ``threshold`` incidents) with its counts as printed: a
    layer's small count "fewer than 5", and the cell's total "not shown" when it would give one away
    (:func:`geo.disclosure.protect`, total = its layers, the total hidden first)."""
    hot = result.hot_cells()
    hot = hot[hot["count"] >= threshold]
    columns = [c for c in hot.columns if c.startswith("n_")]
    table = Table()
    for r in hot.itertuples(index=False):
        row = r._asdict()
        parts = [table.add((r.h3, c), int(row[c])) for c in columns]
        table.add_sum(table.add((r.h3, "count"), int(r.count)), parts, prefer_total=True)
    decided = protect(table, threshold)
    d = Disclosure("public", threshold)
    return {h: {c: d.count(decided.mark((h, c))) for c in ("count", *columns)} for h in hot["h3"]}


def map_features(result: HotspotResult, public: PublicCounts | None = None) -> dict:
    """Significant cells as GeoJSON with escaped, rounded tooltip fields and their class colour. For the
    public (``public`` given) a hot cell it may not see is left out and the value is its printed count."""
    table = result.table[result.table["class_code"] != 0]
    if public is not None:
        table = table[(table["class_code"] < 0) | table["h3"].isin(list(public))]
    streets = table["street"] if "street" in table else pd.Series("", index=table.index)
    shown = table["value"].map("{:,.1f}".format) if result.weighted else table["count"].map("{:,}".format)
    if public is not None:
        shown = table["h3"].map(lambda h: public[h]["count"] if h in public else "–")
    properties = [
        {
            "kind": "hotspot",
            "class": html.escape(label),
            "ward": html.escape(str(ward)),
            "district": html.escape(str(district)),
            "street": html.escape(str(street)) or "–",
            "value": value,
            "z": f"{z:.2f}" if public is None else "–",
            "trend": html.escape(str(trend)),
            "style": {"fillColor": CLASS_COLOURS[int(code)]},
        }
        for label, code, ward, district, street, value, z, trend in zip(
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
    return cells_geojson((int(cell, 16) for cell in table["h3"]), properties)


def add_hotspots(
    group: folium.FeatureGroup, result: HotspotResult, public: PublicCounts | None = None
) -> None:
    """The significant cells, coloured by class, with a tooltip saying what and where each one is."""
    features = map_features(result, public)
    if not features["features"]:
        return
    tooltip = [
        ("class", "Class"),
        ("ward", "Ward"),
        ("district", "District"),
        ("street", "Most common street"),
        ("value", "Harm score" if result.weighted and public is None else "Incidents"),
        ("z", "Gi* z-score"),
        ("trend", "Trend"),
    ]
    if public is not None:
        tooltip.remove(("z", "Gi* z-score"))
    maps.DataLayer(maps.geojson_text(features), tooltip=tooltip, **HEX_STYLE).add_to(group)


def legend_html(result: HotspotResult, local: bool) -> str:
    """Class colours with the number of cells in each; cells not significant are not drawn."""
    counts = result.table["class_code"].value_counts()
    items = [
        (maps.fill_swatch(CLASS_COLOURS[code]), f"{label} ({int(counts.get(code, 0)):,})")
        for code, label in CLASS_LABELS.items()
        if code != 0
    ]
    items += maps.OUTLINE_LEGEND
    if local:
        items.append((maps.line_swatch(maps.SELECTED_STYLE), "chosen area"))
    km2 = h3.average_hexagon_area(result.grid.res, "km^2")
    not_significant = int(counts.get(0, 0))
    return maps.swatch_legend(
        "hotspot-legend",
        f"Hexagons of about {km2:.2f} km² ({not_significant:,} not significant, left clear):",
        items,
    )


def _place_columns(hot: pd.DataFrame) -> dict[str, object]:
    """The ranked table's first columns, the same for partners and the public: rank, class and where."""
    return {
        "Rank": range(1, len(hot) + 1),
        "Class": hot["class"].to_numpy(),
        "Ward": hot["ward"].to_numpy(),
        "District": hot["district"].to_numpy(),
        "Most common street": hot["street"].to_numpy() if "street" in hot else "",
    }


def ranked_table(result: HotspotResult, public: PublicCounts | None = None) -> pd.DataFrame:
    """Hot cells, hottest first, with what a partner needs to find and discuss the place; for the public
    (``public`` given) the cells it may see, their counts as printed, and no statistics or cell ids."""
    hot = result.hot_cells()
    layers = config.layers()
    layer_cols = {
        col: layers[col[2:]].label if col[2:] in layers else col[2:]
        for col in hot.columns
        if col.startswith("n_") and hot[col].sum() > 0
    }
    if public is not None:
        hot = hot[hot["h3"].isin(list(public))]
        printed = [public[h] for h in hot["h3"]]
        return pd.DataFrame(
            {
                **_place_columns(hot),
                "Incidents": [p["count"] for p in printed],
                **{label: [p[col] for p in printed] for col, label in layer_cols.items()},
                "Trend": hot["trend"].to_numpy(),
            }
        )
    return pd.DataFrame(
        {
            **_place_columns(hot),
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


#: Columns of the ranked table left off the screen (they are in the CSV): for analysts, not for a meeting.
ANALYST_COLUMNS = ("District", "FDR-adjusted p", "H3 cell")
#: What a partner reads first, left to right; the per-layer counts follow (and may scroll sideways).
FIRST_COLUMNS = ("Rank", "Ward", "Most common street", "Class", "Incidents", "Harm score", "Trend", "Gi* z")


def show_ranked(ranked: pd.DataFrame, public: bool = False) -> None:
    """The ranked hot cells as a partner reads them: where, how sure, how many, which way it goes, then
    how many of each kind. The statistical columns stay in the table (and the CSV) but off the screen."""
    first = [c for c in FIRST_COLUMNS if c in ranked.columns]
    st.dataframe(
        ranked,
        hide_index=True,
        width="stretch",
        column_order=first + [c for c in ranked.columns if c not in (*first, *ANALYST_COLUMNS)],
        column_config={
            "Rank": st.column_config.NumberColumn("#", width="small"),
            "Gi* z": st.column_config.NumberColumn(
                "Gi* z", help="How far above the borough average the neighbourhood is, in standard errors"
            ),
        },
    )
    st.caption(
        PUBLIC_NOTE
        if public
        else "The CSV download also gives each cell's district, H3 id and false-discovery-adjusted p-value."
    )


PUBLIC_NOTE = (
    'Public version: hot cells with fewer than 5 incidents are left out; counts from 1 to 4 read "fewer '
    'than 5", and a cell\'s total reads "not shown" where it would give a small count away. Statistics '
    "and the every-cell files are for partners."
)


def hot_cells_csv(ranked: pd.DataFrame, synthetic: bool) -> bytes:
    """The ranked hot cells as CSV safe to open in a spreadsheet (:mod:`briefing.exports`)."""
    return csv_bytes(labelled(ranked, synthetic))


def every_cell_csv(result: HotspotResult, synthetic: bool) -> bytes:
    """Every study-area cell's counts and statistics as CSV safe to open in a spreadsheet."""
    return csv_bytes(labelled(pd.DataFrame(export_records(result.table)), synthetic))


@st.cache_data(show_spinner="Writing the download files...", max_entries=8)
def _files(
    request: tuple, ranked: pd.DataFrame, synthetic: bool, public: bool, _result: HotspotResult
) -> dict[str, bytes]:
    """The download files, made once per hot-spot request (``request`` is :func:`_result`'s cache key,
    which ``_result`` was computed from) rather than on every run of the page: every cell of a fine grid
    takes seconds to write. They are ready bytes, never made on the click: a button whose file is made
    when pressed delivered it one click late, or delivered another button's file, in a busy browser.
    The public get the hot cells as shown only: every cell's exact counts and z-scores are partner detail."""
    files = {"hot": hot_cells_csv(ranked, synthetic)}
    if public:
        return files
    metadata = {
        "note": config.SYNTHETIC_LABEL if synthetic else None,
        "first_month": str(_result.first),
        "last_month": str(_result.last),
        "resolution": _result.grid.res,
        "k": _result.k,
        "value": "harm-weighted count" if _result.weighted else "incident count",
        "boundaries": config.BOUNDARY_ATTRIBUTION,
    }
    files["all"] = every_cell_csv(_result, synthetic)
    geojson = to_geojson(_result.table, metadata=metadata)
    files["geojson"] = json.dumps(geojson, ensure_ascii=False).encode("utf-8")
    return files


def downloads(
    slot: DeltaGenerator,
    result: HotspotResult,
    request: tuple,
    ranked: pd.DataFrame,
    synthetic: bool,
    public: bool = False,
) -> None:
    """Hot cells and every cell as CSV, every cell as GeoJSON (:func:`_files`), into ``slot``: a place
    emptied at the start of the run, so the last run's buttons never hand out the last choice's file
    while this run draws the map."""
    stem = f"hotspots-{result.first}-to-{result.last}-res{result.grid.res}-k{result.k}"
    files = _files(request, ranked, synthetic, public, result)
    c1, c2, c3 = slot.container().columns(3)
    c1.download_button(
        "Hot cells (CSV)",
        files["hot"],
        common.file_name(f"{stem}-hot-cells", "csv", synthetic=synthetic),
        "text/csv",
        key="dl_hot",
        on_click="ignore",
    )
    if public:
        return
    c2.download_button(
        "Every cell (CSV)",
        files["all"],
        common.file_name(f"{stem}-all-cells", "csv", synthetic=synthetic),
        "text/csv",
        key="dl_all",
        on_click="ignore",
    )
    c3.download_button(
        "Every cell (GeoJSON)",
        files["geojson"],
        common.file_name(stem, "geojson", synthetic=synthetic),
        "application/geo+json",
        key="dl_geojson",
        on_click="ignore",
    )


def trust_section(store: Store, filters: Filters, result: HotspotResult, weights: tuple | None) -> None:
    """Hit rate and PAI of the map against the months that followed (see :mod:`geo.evaluation`)."""
    covered = common.coverage(store)
    last_data = pd.Period(covered.latest(filters.layers), "M")
    test_first = result.last + 1
    if test_first + (TEST_MONTHS - 1) > last_data:
        test_first = last_data - (TEST_MONTHS - 1)
    test = (test_first, test_first + (TEST_MONTHS - 1))
    train = (test_first - 12, test_first - 1)
    months = Period.of_months(train[0].start_time.date(), test[1].start_time.date())
    if not covered.covers(months, filters.layers):
        st.info(
            f"The check needs data for every month of {months.label} (12 months to draw the map and "
            f"{TEST_MONTHS} to check it); {covered.missing(months, filters.layers)} of them have none."
        )
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
    st.title("Hotspots")
    st.caption(
        "Where incidents cluster more than chance would give (Getis-Ord Gi*), with false-discovery control "
        "and how each place is changing. See “How this is worked out” for the rules."
    )
    if not common.require_incidents(store):
        return
    the_wards = common.wards(store)
    filters = common.sidebar_filters(store)
    if not filters.layers:
        st.info("Switch on at least one layer in the sidebar to see incidents.")
        return

    map_settings = config.map_settings()
    local = bool(filters.district or filters.ward)
    c1, c2, c3, c4 = st.columns(4)
    res = c1.selectbox(
        "Hexagon size (H3 resolution)",
        RESOLUTIONS,
        index=RESOLUTIONS.index(map_settings.local_resolution if local else map_settings.borough_resolution),
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
    grid = common.study_grid(store, the_wards, res, district=filters.district, ward=filters.ward)
    request = (str(store.path), version, filters, res, k, weights, trend_freq)
    result = _result(*request, grid)
    files_slot = st.empty()
    files_slot.caption("Preparing the downloads...")

    d = Disclosure(access.current_audience(), public_threshold())
    public = public_counts(result, d.threshold) if d.public else None
    fmap = maps.base_map(store, the_wards)
    group = maps.area_group(fmap, the_wards, district=filters.district, ward=filters.ward, name="Hotspots")
    add_hotspots(group, result, public)
    maps.show(fmap, key="hotspot_map", height=MAP_HEIGHT, group=group)
    window = common.period_of(filters)
    covered = common.coverage(store)
    st.caption(f"Months analysed: {covered.label(window, filters.layers)}.")
    if covered.missing(window, filters.layers):
        st.warning(
            f"{covered.missing(window, filters.layers)} of the {window.months} months chosen have no data "
            "for some of the layers shown: the hot spots rest on the months that have data.",
            icon=":material/event_busy:",
        )
    st.markdown(legend_html(result, local), unsafe_allow_html=True)
    if result.too_few:  # an empty map must say why, never read as "no hot spots here"
        st.warning(result.too_few_message, icon=":material/block:")
    if result.trend_slices is None:
        st.caption(
            "Trend classes need at least 10 whole months or quarters of data; there are not enough yet."
        )
    if result.outside:
        st.caption(
            f"{d.count(result.outside)} incidents lie outside the study-area grid and are not counted."
        )
    if result.unweighted:
        names = ", ".join(f"{layer} / {cat}" for layer, cat in result.unweighted)
        st.caption(f"No harm weight is set for {names}; each counts 1.")

    st.subheader(f"Hot cells in {common.plain(common.area_name(filters, the_wards))}")
    ranked = ranked_table(result, public)
    if ranked.empty:
        st.info(result.too_few_message or "No cell is a significant hot spot for these choices.")
    else:
        show_ranked(ranked, d.public)
    synthetic = any(lid in common.synthetic_layers(store) for lid in filters.layers)
    downloads(files_slot, result, request, ranked, synthetic, d.public)

    with st.expander("How far to trust this map", icon=":material/verified:"):
        if st.toggle("Check the map against the months that followed", key=KEY_EVALUATE):
            trust_section(store, filters, result, weights)
