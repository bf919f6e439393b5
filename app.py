"""Kirklees hotspots: the Streamlit app. Run with ``streamlit run app.py`` (or ``./dev app``).

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

from collections.abc import Callable

import streamlit as st

from views import (
    access,
    action_days_page,
    chb_page,
    common,
    data_page,
    hotspots_page,
    map_page,
    method_page,
    packs_page,
    problems,
    scorecard_page,
    ward_profile_page,
)
from views.offline_assets import install_bundles, use_local_assets

st.set_page_config(page_title="Kirklees hotspots", page_icon="🗺️", layout="wide")

def _page(render: Callable[[], None], title: str, icon: str, path: str, **options: bool) -> st.Page:
    return st.Page(render, title=title, icon=f":material/{icon}:", url_path=path, **options)


def pages_for(viewer: access.Viewer) -> dict[str, list[st.Page]]:
    """Navigation sections -> the pages this person may open, in menu order; the first is the home page.

    The Clear Hold Build register and action-day locations are partner detail; loading data is the
    analyst's. A page left out is not reachable by its address either.
    """
    partner_pages = [
        _page(chb_page.render, "Clear Hold Build", "shield", "clear-hold-build"),
        _page(action_days_page.render, "Action days", "pin_drop", "action-days"),
    ]
    pages = {
        "Explore": [
            _page(map_page.render, "Map", "map", "map", default=True),
            _page(hotspots_page.render, "Hotspots", "local_fire_department", "hotspots"),
            *(partner_pages if viewer.at_least("partner") else []),
            _page(method_page.render, "How this is worked out", "menu_book", "method"),
        ],
        "Report": [
            _page(packs_page.render, "Briefing packs", "description", "packs"),
            _page(ward_profile_page.render, "Ward profile", "home_work", "ward-profile"),
            _page(scorecard_page.render, "Scorecard", "scoreboard", "scorecard"),
        ],
    }
    if viewer.at_least("analyst"):
        pages["Data"] = [_page(data_page.render, "Load data", "upload_file", "data")]
    return pages


@st.cache_resource(show_spinner=False)
def prepare_map_assets(base_url_path: str) -> None:
    """Copy Leaflet from the installed package into ``static/`` and point folium at it, once per process."""
    install_bundles()
    use_local_assets(base_url_path)


def main() -> None:
    prepare_map_assets(st.get_option("server.baseUrlPath") or "")
    viewer = access.current_viewer()
    page = st.navigation(pages_for(viewer))
    st.sidebar.caption("Kirklees Communities Partnership · place-based hotspot mapping")
    access.sidebar(viewer)
    with problems.shown():  # a busy, read-only, damaged store or a full disk: one message, no traceback
        common.data_switch()
        store = common.ensure_store()
        common.synthetic_banner(store)
        page.run()
    common.footer()


main()
