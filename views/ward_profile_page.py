"""The Ward profile page for councillors: the ward against its district and Kirklees (rates per 1,000
residents by layer), the last 12 months month by month, the most frequent categories, hotspots and Clear
Hold Build areas in the ward - and the same on one printable page (PDF).

All figures come from :func:`briefing.ward_profile.build_ward_profile`, which the PDF is drawn from too, so
the page and the printout cannot disagree. Ward names come from boundary files: they are shown in widgets
and tables (plain text) or escaped before any Markdown.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

import config
from briefing.model import WardProfile
from briefing.packs import PackContext
from briefing.pdf import render_ward_profile
from briefing.suppression import MARKINGS, Disclosure
from briefing.tables import AREA_COLUMNS, area_cells
from briefing.ward_profile import build_ward_profile
from geo.rates import Change, combined_basis, rate_unit
from views import access, common, shared_view
from views.common import plain

KEY_WARD = "profile_ward"
KEY_AUDIENCE = "profile_audience"
MAP_CAPTION = (
    "The ward (black outline) and its hexagons; coloured hexagons are the hot spots in the table, dashed "
    "outlines Clear Hold Build areas. The same map is on the PDF."
)


@st.cache_resource(show_spinner="Building the ward profile...", max_entries=16)
def _profile(
    path: str, version: str, ward: str, audience: str, produced: date, _ctx: PackContext
) -> tuple[WardProfile, bytes]:
    # keyed on the store path and version, which determine the context (hence "_ctx")
    profile = build_ward_profile(_ctx, ward, audience, produced)
    return profile, render_ward_profile(profile)


def rates_table(profile: WardProfile) -> pd.DataFrame:
    """Rates per 1,000 residents: the ward, its district, Kirklees (ward rates hidden with small counts)."""
    d = profile.disclosure
    return pd.DataFrame(
        [
            {
                "Layer": r.label,
                "Incidents in the ward": d.count(r.count),
                "Ward per 1,000": d.rate(r.rate, r.count),
                f"{profile.district} per 1,000": "–"
                if r.district_rate is None
                else f"{r.district_rate:,.1f}",
                f"{config.BOROUGH_NAME} per 1,000": "–"
                if r.borough_rate is None
                else f"{r.borough_rate:,.1f}",
            }
            for r in profile.rates
        ]
    )


def categories_table(profile: WardProfile) -> pd.DataFrame:
    d = profile.disclosure
    return pd.DataFrame(
        [
            {
                "Category": c.label,
                "Last 12 months": d.count(c.count),
                "12 months before": d.count(c.previous),
                "Change": d.change(Change(c.count, c.previous)),
            }
            for c in profile.categories
        ]
    )


def hotspots_table(profile: WardProfile) -> pd.DataFrame:
    d = profile.disclosure
    return pd.DataFrame(
        [
            {
                "#": h.rank,
                "Location": h.location or "(no street named)",
                "Incidents": d.count(h.total),
                "Confidence": h.confidence,
                "Trend": h.trend or "–",
            }
            for h in profile.hotspots.rows
        ]
    )


def render() -> None:
    store = common.current_store()
    st.title("Ward profile")
    if not common.require_incidents(store):
        return
    the_wards = common.wards(store)
    codes = the_wards.wards_in(None)
    left, right = st.columns(2)
    left_out = shared_view.read_choice("ward", KEY_WARD, codes, the_wards.name_by_code)
    ward = left.selectbox("Ward", codes, key=KEY_WARD, format_func=the_wards.name_by_code.get)
    shared_view.show_choice("ward", ward)
    if left_out:
        st.caption(plain(left_out))
    audience = right.radio(
        "Version",
        ("public",) if access.current_audience() == "public" else access.allowed_audiences()[::-1],
        key=KEY_AUDIENCE,
        format_func=MARKINGS.get,
        horizontal=True,
        help="For engagement sessions with residents choose Public: counts of 1 to 4 show as 'fewer than 5'.",
    )
    version = common.store_version(store)
    profile, pdf = _profile(
        str(store.path), version, ward, audience, date.today(), common.pack_context(store)
    )

    st.header(plain(profile.place.name))
    st.caption(
        f"{plain(profile.place.description)} · {profile.period.label} · {Disclosure(audience).marking}"
    )
    st.download_button(
        "Download the one-page PDF",
        pdf,
        file_name=profile.file_name,
        mime="application/pdf",
        type="primary",
        key="wp_pdf",
        on_click="ignore",  # ready bytes, and no rerun: the file arrives on the first click
    )

    st.subheader("How the ward compares")
    st.dataframe(rates_table(profile), hide_index=True, width="stretch")
    st.caption(f"Incidents {rate_unit(combined_basis(profile.people))} over {profile.period.label}.")

    st.subheader("The last 12 months")
    st.image(profile.trend_png, width="stretch")

    st.subheader("Most frequent in the ward")
    st.dataframe(categories_table(profile), hide_index=True, width="stretch")

    st.subheader("Hotspots in the ward")
    table_column, map_column = st.columns([3, 2])
    if profile.hotspots.rows:
        table_column.dataframe(hotspots_table(profile), hide_index=True, width="stretch")
    else:
        table_column.info(profile.hotspots.note or "No significant hotspots in the ward over these months.")
    map_column.image(profile.map_png, width="stretch", caption=MAP_CAPTION)

    st.subheader("Clear Hold Build areas")
    if profile.areas.rows:
        rows = [area_cells(r, profile.disclosure) for r in profile.areas.rows]
        st.dataframe(pd.DataFrame(rows, columns=list(AREA_COLUMNS)), hide_index=True, width="stretch")
    else:
        st.info(plain(profile.areas.note or "No Clear Hold Build area overlaps the ward."))
