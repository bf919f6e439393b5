"""Helpers every page shares: cached store reads, the sidebar filter, the synthetic-data banner, and
escaping text from data for Markdown.

Why here: every page must count the same way and show the same labels, and Streamlit caching must be
keyed on the store's version so that a new import shows up everywhere at once (no page keeps serving
stale numbers) while reruns caused by widget changes hit the cache. Results that several pages use (the
study grid, the briefing context) are cached here once, so moving between pages does not redo them.

The one caching pattern in views/ (``tests/test_architecture.py`` holds it): a cached read takes the
store's path and version as its first two arguments, and reads through ``Store(path)``. Frames and bytes
use ``st.cache_data`` (each caller gets its own copy, free to change it); frozen results that are costly
to copy (boundaries, the study grid, an analysis) use ``st.cache_resource``, shared as they are.
Arguments that the key already determines are named with a leading ``_`` so Streamlit does not hash
them. All the reads a page run makes share one connection (``store.db.read_session`` in ``app.py``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

import config
from briefing import reads
from briefing.exports import file_name as file_name  # every download's name, as the command line's
from briefing.periods import Quarter, quarters_with_data
from geo.boundaries import Wards
from geo.coverage import Coverage
from geo.grid import StudyGrid
from geo.measurable import combinable
from geo.rates import Period, Population, add_months, months_between
from layers.demo import build_demo_store
from layers.ingest import upgrade_store
from store import Store
from store import queries as q
from store.queries import Filters
from views import access, shared_view
from views.text import plain

if TYPE_CHECKING:  # the packs (PDF writer, charts, Gi*) load only on the pages that build them
    from briefing.packs import PackContext

#: Every sidebar filter widget key starts with this.
FILTER_PREFIX = "filter_"
KEY_MONTHS = FILTER_PREFIX + "months"
KEY_DISTRICT = FILTER_PREFIX + "district"
KEY_WARD = FILTER_PREFIX + "ward"
KEY_CATEGORIES = FILTER_PREFIX + "categories"
KEY_PUBLIC_QUARTER = FILTER_PREFIX + "public_quarter"
KEY_PUBLIC_LAYER = FILTER_PREFIX + "public_layer"
#: The "no restriction" choice in the district and ward boxes (Streamlit shows None as an empty box).
ALL = ""
#: Months shown when a user first opens the app: a year, the partnership's usual reporting span.
DEFAULT_MONTHS = 12


def layer_key(layer: str) -> str:
    return f"{FILTER_PREFIX}layer_{layer}"


# ---- the store -------------------------------------------------------------------------------------


#: Session key of the sidebar switch that shows the synthetic demo while a real store exists.
KEY_SHOW_DEMO = "data_show_demo"


@st.cache_data(show_spinner=False, max_entries=16)
def _is_synthetic(path: str, signature: tuple) -> bool:
    return Store(path).is_synthetic()


def is_synthetic(store: Store) -> bool:
    """True when the store holds the synthetic demo (cached while its file is unchanged)."""
    return _is_synthetic(str(store.path), store.file_signature())


def real_store() -> Store | None:
    """The real-data store (``$HOTSPOTS_STORE``, else ``data/hotspots.duckdb``) once it exists, else None.

    A store at that path holding the demo (an older install kept its demo there) is not a real store.
    """
    store = Store(config.store_path())
    return store if store.exists() and not is_synthetic(store) else None


def current_store() -> Store:
    """The store the pages show: the real store once one exists, unless the user switched to the demo;
    else the synthetic demo. Real and synthetic data live in separate stores and are never summed."""
    real = real_store()
    if real is not None and not st.session_state.get(KEY_SHOW_DEMO, False):
        return real
    configured = Store(config.store_path())
    if configured.exists() and real is None:
        return configured  # the configured store holds the demo: show it as such
    return Store(config.demo_store_path())


@st.cache_resource(show_spinner=False)
def _build_demo(path: str) -> dict[str, int]:
    """Build the demo store once per process; cache_resource makes concurrent first visits wait, not race."""
    demo = config.demo_settings()
    return build_demo_store(path, years=demo.years, seed=demo.seed, end_month=demo.end_month)


@st.cache_resource(show_spinner=False, max_entries=16)
def _upgraded(path: str) -> bool:
    """Bring a store written by an earlier version up to date once per process (see upgrade_store)."""
    upgrade_store(Store(path))
    return True


def ensure_store() -> Store:
    """The current store, building the synthetic demo first (with a spinner) when there is no store yet."""
    store = current_store()
    if not store.exists():
        with st.spinner("First run: building the synthetic Kirklees demo data (a few seconds)..."):
            _build_demo(str(store.path))
    _upgraded(str(store.path))
    return store


def data_switch() -> None:
    """Say in the sidebar which data the pages show; where a real store exists, offer the demo instead."""
    sb = st.sidebar
    if real_store() is None:
        sb.caption("Showing the **synthetic demo** (no real data loaded yet).")
        return
    sb.toggle(
        "Show the synthetic demo instead",
        key=KEY_SHOW_DEMO,
        help="The real data and the synthetic demo are kept in separate stores and never added together.",
    )
    shown = "the **synthetic demo**" if st.session_state.get(KEY_SHOW_DEMO) else "**real data**"
    sb.caption(f"Showing {shown} ({plain(current_store().path.name)}).")


@st.cache_data(show_spinner=False, max_entries=16)
def _version(path: str, signature: tuple) -> str:
    return Store(path).version()


def store_version(store: Store) -> str:
    """Cache key for everything read from the store: changes whenever an import changes the data.

    :meth:`Store.version` opens the database (about 20 ms), and a page asks for the version many times
    per run; the data cannot change without the file or its write-ahead log changing, so the answer is
    kept for as long as their modification times and sizes stay the same.
    """
    return _version(str(store.path), store.file_signature())


@st.cache_resource(show_spinner=False, max_entries=4)
def _wards(path: str, version: str) -> Wards:
    return reads.current_wards(Store(path))


def wards(store: Store) -> Wards:
    """The boundaries incidents are assigned to (loaded into the store, else the shipped demo wards).

    A shared resource rather than a copied value: its spatial index and dissolved districts are built once.
    """
    return _wards(str(store.path), store_version(store))


@st.cache_data(show_spinner=False, max_entries=4)
def _ward_populations(path: str, version: str) -> dict[str, Population]:
    return reads.ward_populations(Store(path))


def ward_populations(store: Store) -> dict[str, Population]:
    """Residents per ward code (imported figures, else ``data/population.csv``), cached per store version.

    Every page takes its rate denominators from here, and this only wraps
    :func:`briefing.reads.ward_populations`, the one place the figures are chosen.
    """
    return _ward_populations(str(store.path), store_version(store))


@st.cache_resource(show_spinner=False, max_entries=16)
def _grid(
    path: str, version: str, res: int, district: str | None, ward: str | None, _wards: Wards
) -> StudyGrid:
    return reads.study_grid(Store(path), _wards, res, district=district, ward=ward)


def study_grid(
    store: Store, the_wards: Wards, res: int, *, district: str | None, ward: str | None
) -> StudyGrid:
    """The study grid of an area as stored (:func:`briefing.reads.study_grid`), shared by the Map and
    Hotspots pages.

    One cached grid per (resolution, area) means both pages name a hexagon after the same ward (the
    grid's rule: the ward holding the cell's centre) and a page switch does not rebuild it. A shared
    resource, not a copy: the grid keeps its neighbour matrices once built.
    """
    return _grid(str(store.path), store_version(store), res, district, ward, the_wards)


@st.cache_resource(show_spinner="Reading boundaries, populations and data sources...", max_entries=2)
def _pack_context(path: str, version: str) -> PackContext:
    from briefing.packs import PackContext

    return PackContext.load(Store(path))


def pack_context(store: Store) -> PackContext:
    """The briefing packs' inputs (boundaries, populations, sources, CHB register), once per store version.

    The Briefing packs, Ward profile and Scorecard pages all build on it, so it is loaded once for the three.
    """
    return _pack_context(str(store.path), store_version(store))


@st.cache_data(show_spinner=False, max_entries=256)
def _counts(path: str, version: str, filters: Filters, by: tuple[str, ...]) -> pd.DataFrame:
    return q.counts(Store(path), filters, by)


def counts(store: Store, filters: Filters, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """:func:`store.queries.counts`, cached per store version and filter choice."""
    return _counts(str(store.path), store_version(store), filters, by)


@st.cache_data(show_spinner=False, max_entries=4)
def _span(path: str, version: str) -> tuple[date, date] | None:
    return q.date_range(Store(path))


def data_span(store: Store) -> tuple[date, date] | None:
    """First and last incident date in the store (None when it holds no incidents)."""
    return _span(str(store.path), store_version(store))


@st.cache_data(show_spinner=False, max_entries=4)
def _coverage(path: str, version: str) -> Coverage:
    return Coverage.from_frame(Store(path).coverage())


def coverage(store: Store) -> Coverage:
    """Which months each layer's data covers (see :mod:`geo.coverage`), cached per store version."""
    return _coverage(str(store.path), store_version(store))


@st.cache_data(show_spinner=False, max_entries=4)
def _categories(path: str, version: str) -> pd.DataFrame:
    return q.categories(Store(path))


def stored_categories(store: Store) -> pd.DataFrame:
    """Every (layer, category) in the store with its count."""
    return _categories(str(store.path), store_version(store))


# ---- labels on every page -------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=4)
def _synthetic_layers(path: str, version: str) -> list[str]:
    return Store(path).synthetic_layers()


def synthetic_layers(store: Store) -> list[str]:
    """Layers holding synthetic (demo) records, cached per store version: exports label themselves by it."""
    return _synthetic_layers(str(store.path), store_version(store))


def synthetic_banner(store: Store) -> None:
    """A warning naming the layers built from synthetic data; shown on every page while there are any."""
    synthetic = synthetic_layers(store)
    if synthetic:
        labels = ", ".join(config.layers()[lid].label if lid in config.layers() else lid for lid in synthetic)
        st.warning(
            f"**{config.SYNTHETIC_LABEL}.** Generated for demonstration and testing: {labels}.",
            icon=":material/science:",
        )


def footer() -> None:
    st.caption(config.BOUNDARY_ATTRIBUTION)


def require_incidents(store: Store) -> bool:
    """False, after saying how to load some, when the store holds no incidents or no month of data (the
    page then stops)."""
    if data_span(store) is None or coverage(store).latest() is None:
        st.info(
            "There are no incidents in the store yet: load some on the **Load data** page, or build the "
            "synthetic demo with the command `hotspots demo`."
        )
        return False
    return True


# ---- the sidebar filter ---------------------------------------------------------------------------


def _reset_ward() -> None:
    st.session_state[KEY_WARD] = ALL


def _month_label(month: str) -> str:
    return date.fromisoformat(month + "-01").strftime("%b %Y")


#: The filter widgets' session keys, for the page address (:mod:`views.shared_view`).
FILTER_KEYS = shared_view.FilterKeys(
    months=KEY_MONTHS,
    district=KEY_DISTRICT,
    ward=KEY_WARD,
    categories=KEY_CATEGORIES,
    quarter=KEY_PUBLIC_QUARTER,
    public_layer=KEY_PUBLIC_LAYER,
    layer_key=layer_key,
)


def sidebar_filters(store: Store) -> Filters:
    """Draw the shared filter widgets in the sidebar and return the choice (call after
    :func:`require_incidents`: with no incidents there are no months to choose from).

    The choice is kept in the page's address, and a session opened from an address starts from the
    choice it holds (:mod:`views.shared_view`), so a view can be shared by copying the link.
    """
    public = access.current_audience() == "public"
    notes = shared_view.apply_opening_link(lambda: _filter_choices(store, public), FILTER_KEYS, public=public)
    filters = _draw_filters(store, public)
    for note in notes:
        st.caption(plain(note), help="Check the link you were given, or set the filters in the sidebar.")
    wanted = shared_view.write(st.session_state, FILTER_KEYS, list(config.layers()), public=public)
    shared_view.show_in_address(wanted)
    return filters


def _filter_choices(store: Store, public: bool) -> shared_view.FilterChoices:
    """Every value the filter widgets offer this viewer, to check a shared link against."""
    covered = coverage(store)
    the_wards = wards(store)
    first_month, last_month = covered.earliest(), covered.latest()
    months = [] if first_month is None or last_month is None else months_between(first_month, last_month)
    return shared_view.FilterChoices(
        months=[m.strftime("%Y-%m") for m in months],
        districts=the_wards.district_names,
        ward_district=the_wards.district_by_code,
        ward_names=the_wards.name_by_code,
        layers=list(config.layers()),
        categories=[] if public else [(r.layer, r.category) for r in stored_categories(store).itertuples()],
        quarters=[q.code for q in quarters_with_data(covered)] if public else [],
        public_layers=[lid for lid in config.layers() if lid in covered.months],
    )


def _draw_filters(store: Store, public: bool) -> Filters:
    """The filter widgets themselves, in the sidebar.

    Months are whole calendar months (see :mod:`geo.rates`). No category chosen means all categories.
    Every widget keeps its value for the whole session (``persist_state="session"``), so a choice made on
    one page still holds on the next; Streamlit resets a value that a change of options made invalid
    (a ward outside a newly chosen district, a category of a layer switched off).
    """
    covered = coverage(store)
    first_month, last_month = covered.earliest(), covered.latest()
    if first_month is None or last_month is None:
        raise ValueError("the store holds no data: check require_incidents() before drawing filters")
    the_wards = wards(store)
    layer_specs = config.layers()
    sb = st.sidebar
    sb.header("Filters")

    if public:
        period = _public_quarter(sb, covered)
    else:
        # the months data was loaded for (any layer); the default is the latest year of them
        months = [m.strftime("%Y-%m") for m in months_between(first_month, last_month)]
        default_first = max(first_month, add_months(last_month, -(DEFAULT_MONTHS - 1))).strftime("%Y-%m")
        first, last = sb.select_slider(
            "Months",
            options=months,
            value=(default_first, months[-1]),
            format_func=_month_label,
            key=KEY_MONTHS,
            persist_state="session",
        )
        period = Period.of_months(date.fromisoformat(first + "-01"), date.fromisoformat(last + "-01"))
    district = sb.selectbox(
        "District",
        [ALL, *the_wards.district_names],
        format_func=lambda d: d or f"All of {config.BOROUGH_NAME}",
        key=KEY_DISTRICT,
        persist_state="session",
        on_change=_reset_ward,  # a new district (or all of Kirklees) starts from all its wards
    )
    ward = sb.selectbox(
        "Ward",
        [ALL, *the_wards.wards_in(district or None)],
        format_func=lambda c: the_wards.name_by_code[c] if c else "All wards",
        key=KEY_WARD,
        persist_state="session",
    )

    if public:
        return Filters(
            layers=(_public_layer(sb, covered),),
            start=period.start,
            end=period.end,
            district=district or None,
            ward=ward or None,
        )
    sb.subheader("Layers")
    chosen = [
        lid
        for lid, spec in layer_specs.items()
        if sb.toggle(
            spec.label, value=True, key=layer_key(lid), help=spec.description, persist_state="session"
        )
    ]
    stored = stored_categories(store)
    chosen, left_out = combinable(chosen, set(stored["layer"]))  # never count the same reports twice
    for note in left_out:
        sb.caption(f"{note} Switch a layer off to see the other.")
    picked = sb.multiselect(
        "Categories",
        [(r.layer, r.category) for r in stored.itertuples() if r.layer in chosen],
        format_func=lambda c: f"{layer_specs[c[0]].label if c[0] in layer_specs else c[0]}: {c[1]}",
        placeholder="All categories",
        key=KEY_CATEGORIES,
        persist_state="session",
    )
    by_layer: dict[str, list[str]] = {}
    for layer, category in picked:
        by_layer.setdefault(layer, []).append(category)

    return Filters(
        layers=tuple(chosen),
        categories=tuple((layer, tuple(cats)) for layer, cats in by_layer.items()),
        start=period.start,
        end=period.end,
        district=district or None,
        ward=ward or None,
    )


def _public_quarter(sb, covered: Coverage) -> Period:
    """The public filter's period: one calendar quarter with data. Public figures come only in fixed,
    non-overlapping windows, so no two views can be subtracted to reveal a hidden count (Jan-Jun minus
    Jan-May would give June's)."""
    chosen = sb.selectbox(
        "Quarter",
        [q.code for q in quarters_with_data(covered)],
        format_func=lambda code: Quarter.parse(code).label,
        key=KEY_PUBLIC_QUARTER,
        help="The public version shows whole calendar quarters, so small numbers cannot be worked out by "
        "comparing overlapping periods.",
    )
    return Quarter.parse(chosen).period


def _public_layer(sb, covered: Coverage) -> str:
    """The public filter's one layer: public figures are never shown for a mix of layers, whose
    differences would reveal a layer's hidden counts; and never by category, for the same reason."""
    specs = config.layers()
    with_data = [lid for lid in specs if lid in covered.months]
    return sb.radio(
        "Layer",
        with_data,
        format_func=lambda lid: specs[lid].label,
        key=KEY_PUBLIC_LAYER,
        help="The public version shows one layer at a time and no categories, so small numbers cannot "
        "be worked out by subtracting one choice from another.",
    )


def period_of(filters: Filters) -> Period:
    """The whole-month period a filter from :func:`sidebar_filters` covers."""
    return Period(filters.start, filters.end)


def area_wards(filters: Filters, the_wards: Wards) -> list[str]:
    """Ward codes inside the filtered area (one ward, a district's wards, or every ward)."""
    return [filters.ward] if filters.ward else the_wards.wards_in(filters.district)


def area_name(filters: Filters, the_wards: Wards) -> str:
    """Plain name of the filtered area, e.g. "Ashbrow (Huddersfield)" or "All of Kirklees"."""
    if filters.ward:
        return f"{the_wards.name_by_code[filters.ward]} ({the_wards.district_by_code[filters.ward]})"
    return filters.district or f"All of {config.BOROUGH_NAME}"
