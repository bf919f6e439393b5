"""Kirklees hotspots: the Streamlit app. Run with ``streamlit run app.py`` (or ``./dev app``).

This file only sets the app up and lists the pages; every page lives in ``views/``. To add a page, add
an ``st.Page`` to a section of :data:`PAGES` (a page is a ``render()`` function in its own module, or a
script path). Every page gets, from here: the store (the synthetic demo is built on first run), the
map assets served locally (no CDN), filter choices carried across pages, the synthetic-data label and
the boundary attribution.

Keep an emoji ``page_icon`` in ``st.set_page_config``: without it Streamlit uses each page's icon as the
favicon, and fetches a Material icon's favicon from a font CDN that offline networks cannot reach (the
browser test checks for outside requests). Page icons themselves should be ``:material/...:`` ones: they
come from a font bundled with Streamlit, whereas emoji need an emoji font the machine may not have.
"""

from __future__ import annotations

import streamlit as st

from views import (
    action_days_page,
    chb_page,
    common,
    data_page,
    hotspots_page,
    map_page,
    method_page,
    packs_page,
    scorecard_page,
    ward_profile_page,
)
from views.offline_assets import install_bundles, use_local_assets

st.set_page_config(page_title="Kirklees hotspots", page_icon="🗺️", layout="wide")

#: Navigation sections -> pages, in menu order. The first page is the home page.
PAGES: dict[str, list[st.Page]] = {
    "Explore": [
        st.Page(map_page.render, title="Map", icon=":material/map:", url_path="map", default=True),
        st.Page(
            hotspots_page.render,
            title="Hotspots",
            icon=":material/local_fire_department:",
            url_path="hotspots",
        ),
        st.Page(
            chb_page.render, title="Clear Hold Build", icon=":material/shield:", url_path="clear-hold-build"
        ),
        st.Page(
            action_days_page.render, title="Action days", icon=":material/pin_drop:", url_path="action-days"
        ),
        st.Page(
            method_page.render, title="How this is worked out", icon=":material/menu_book:", url_path="method"
        ),
    ],
    "Report": [
        st.Page(packs_page.render, title="Briefing packs", icon=":material/description:", url_path="packs"),
        st.Page(
            ward_profile_page.render,
            title="Ward profile",
            icon=":material/home_work:",
            url_path="ward-profile",
        ),
        st.Page(scorecard_page.render, title="Scorecard", icon=":material/scoreboard:", url_path="scorecard"),
    ],
    "Data": [st.Page(data_page.render, title="Load data", icon=":material/upload_file:", url_path="data")],
}


@st.cache_resource(show_spinner=False)
def prepare_map_assets(base_url_path: str) -> None:
    """Copy Leaflet from the installed package into ``static/`` and point folium at it, once per process."""
    install_bundles()
    use_local_assets(base_url_path)


def main() -> None:
    prepare_map_assets(st.get_option("server.baseUrlPath") or "")
    page = st.navigation(PAGES)
    st.sidebar.caption("Kirklees Communities Partnership · place-based hotspot mapping")
    common.data_switch()
    store = common.ensure_store()
    common.synthetic_banner(store)
    page.run()
    common.footer()


main()
