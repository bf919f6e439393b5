"""Kirklees hotspots: the Streamlit app. Served by ``streamlit run serve.py`` (``./dev app``), which imports
the first page's modules before it answers; ``streamlit run app.py`` serves the same app.

This file only sets the app up and lists the pages; every page lives in ``views/``. To add a page, add
an ``st.Page`` to a section of :func:`pages_for` (a page is a ``render()`` function in its own module,
or a script path), behind the role that may see it (:mod:`views.access`). Every page gets, from here:
the store (the synthetic demo is built on first run), the map assets served locally (no CDN), filter
choices carried across pages, who is looking and what they may see, the synthetic-data label and the
boundary attribution.

Keep an emoji ``page_icon`` in ``st.set_page_config``: without it Streamlit uses each page's icon as the
favicon, and fetches a Material icon's favicon from a font CDN that offline networks cannot reach (the
browser test checks for outside requests). Page icons themselves should be ``:material/...:`` ones: they
come from a font bundled with Streamlit, whereas emoji need an emoji font the machine may not have.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import streamlit as st

from store.db import read_session
from views import access, common, layout, map_page, problems
from views.offline_assets import install_bundles, use_local_assets

st.set_page_config(page_title="Kirklees hotspots", page_icon="🗺️", layout="wide")

def _page(render: Callable[[], None], title: str, icon: str, path: str, **options) -> st.Page:
    return st.Page(render, title=title, icon=f":material/{icon}:", url_path=path, **options)


def _lazy(module: str) -> Callable[[], None]:
    """The ``render`` of page module ``views.<module>``, imported when the page is first opened.

    Why: importing every page at start-up loaded the PDF writer, the charts and SciPy's statistics before
    the Map - the page people open first - could be drawn, which needs none of them.
    """

    def render() -> None:
        importlib.import_module(f"views.{module}").render()

    render.__name__ = module
    return render


def pages_for(viewer: access.Viewer) -> dict[str, list[st.Page]]:
    """Navigation sections -> the pages this person may open, in menu order; the first is the home page.

    The Clear Hold Build register and action-day locations are partner detail; loading data is the
    analyst's. A page left out is not reachable by its address either.
    """
    partner_pages = [
        _page(_lazy("chb_page"), "Clear Hold Build", "shield", "clear-hold-build"),
        _page(_lazy("action_days_page"), "Action days", "pin_drop", "action-days"),
    ]
    pages = {
        "Explore": [
            # The home page (the address with no path) shows the map but is a page of its own, hidden from
            # the menu: Streamlit serves its default page only at "/", so a default Map page would make
            # the deep link /map say "Page not found".
            _page(map_page.render, "Map", "map", "home", default=True, visibility="hidden"),
            _page(map_page.render, "Map", "map", "map"),
            _page(_lazy("hotspots_page"), "Hotspots", "local_fire_department", "hotspots"),
            *(partner_pages if viewer.at_least("partner") else []),
            _page(_lazy("method_page"), "How this is worked out", "menu_book", "method"),
        ],
        "Report": [
            _page(_lazy("packs_page"), "Briefing packs", "description", "packs"),
            _page(_lazy("ward_profile_page"), "Ward profile", "home_work", "ward-profile"),
            _page(_lazy("scorecard_page"), "Scorecard", "scoreboard", "scorecard"),
        ],
    }
    if viewer.at_least("analyst"):
        pages["Data"] = [_page(_lazy("data_page"), "Load data", "upload_file", "data")]
    return pages


@st.cache_resource(show_spinner=False)
def prepare_map_assets(base_url_path: str) -> None:
    """Copy Leaflet from the installed package into ``static/`` and point folium at it, once per process."""
    install_bundles()
    use_local_assets(base_url_path)


def main() -> None:
    prepare_map_assets(st.get_option("server.baseUrlPath") or "")
    layout.read_presentation_link()  # before asking who is looking: presenting makes the session public
    viewer = access.current_viewer()
    page = st.navigation(pages_for(viewer))
    st.sidebar.caption("Kirklees Communities Partnership · place-based hotspot mapping")
    access.sidebar(viewer)
    layout.style_and_switch()
    # a busy, read-only, damaged store or a full disk: one message, no traceback; and the page run's reads
    # on one connection to the store, opened at the first read that the app's cache cannot answer
    with problems.shown(), read_session():
        common.data_switch()
        store = common.ensure_store()
        common.synthetic_banner(store)
        page.run()
    common.footer()


main()
