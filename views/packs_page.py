"""The Briefing packs page: one pack (district, ward or Clear Hold Build area) or the batch of COG packs as
a ZIP, for partners or the public.

Everything is built by :mod:`briefing.packs` - the same code as ``hotspots packs`` - and cached on the
store version, so a second click on the same pack is instant and a new import invalidates it. The
headline table previewed here is the exact text printed in the PDF (:mod:`briefing.tables`). Names from
data (places, Clear Hold Build areas typed by users) are only shown in widgets and tables, which print
plain text, never in Markdown.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from briefing.packs import (
    PackContext,
    area_places,
    batch,
    build_pack,
    district_places,
    ward_places,
    zip_files,
)
from briefing.pdf import render_pack
from briefing.periods import Quarter, quarters_between
from briefing.places import Place
from briefing.suppression import AUDIENCES, MARKINGS
from briefing.tables import HEADLINE_COLUMNS, headline_table
from views import common

KINDS = {"district": "District (COG)", "ward": "Ward", "area": "Clear Hold Build area"}
KEY_KIND = "packs_kind"
KEY_PLACE = "packs_place"
KEY_QUARTER = "packs_quarter"
KEY_AUDIENCE = "packs_audience"
KEY_WARDS = "packs_with_wards"
KEY_BUILT = "packs_built"
KEY_ZIP = "packs_zip"


def places_of(ctx: PackContext, kind: str) -> list[Place]:
    if kind == "district":
        return district_places(ctx)
    if kind == "ward":
        return ward_places(ctx)
    return area_places(ctx)


# The cached builders are keyed on the store path and version, which determine the context (hence "_ctx").


@st.cache_data(show_spinner="Building the pack...", max_entries=32)
def _pack(
    path: str,
    version: str,
    kind: str,
    index: int,
    quarter: str,
    audience: str,
    produced: date,
    _ctx: PackContext,
) -> tuple[str, bytes, list[list[str]]]:
    pack = build_pack(_ctx, places_of(_ctx, kind)[index], Quarter.parse(quarter), audience, produced)
    return pack.file_name, render_pack(pack), headline_table(pack.headlines, pack.disclosure)


@st.cache_data(show_spinner="Building the packs (about five seconds each)...", max_entries=4)
def _zip(
    path: str, version: str, with_wards: bool, quarter: str, audience: str, produced: date, _ctx: PackContext
) -> bytes:
    places = district_places(_ctx) + (ward_places(_ctx) if with_wards else [])
    return zip_files(batch(_ctx, places, Quarter.parse(quarter), audience, produced))


def render() -> None:
    store = common.current_store()
    st.title("Briefing packs")
    st.caption(
        "A PDF for a Community Outcome Group, a ward or a Clear Hold Build area: headlines against the "
        "Partnership Plan, a map, monthly trends, hotspots, Clear Hold Build areas, suggested action-day "
        "locations and notes on the data. The command `hotspots packs` makes the same files."
    )
    if not common.require_incidents(store):
        return
    version = common.store_version(store)
    ctx = common.pack_context(store)
    quarters = [q.code for q in quarters_between(ctx.first_month, ctx.latest_month)]
    if not quarters:
        st.info("The store does not yet hold a whole calendar quarter of data.")
        return
    produced = date.today()

    left, right = st.columns(2)
    quarter = left.selectbox(
        "Quarter",
        quarters,
        key=KEY_QUARTER,
        format_func=lambda c: Quarter.parse(c).label,
        help="Calendar quarters fully covered by the data, newest first (the last complete one first).",
    )
    audience = right.radio(
        "Audience",
        AUDIENCES,
        key=KEY_AUDIENCE,
        format_func=MARKINGS.get,
        horizontal=True,
        help="Public versions show counts of 1 to 4 as 'fewer than 5' and leave out exact locations.",
    )

    st.subheader("One pack")
    kind = st.radio("Pack for", tuple(KINDS), format_func=KINDS.get, key=KEY_KIND, horizontal=True)
    with st.spinner("Reading the places..."):
        places = places_of(ctx, kind)
    if not places:
        st.info("There are no Clear Hold Build areas in the register yet.")
    else:
        st.session_state[KEY_PLACE] = min(st.session_state.get(KEY_PLACE, 0), len(places) - 1)
        index = st.selectbox(
            "Place",
            range(len(places)),
            key=KEY_PLACE,
            format_func=lambda i: f"{places[i].name} ({places[i].description})",
        )
        if st.button("Build the pack", type="primary"):
            st.session_state[KEY_BUILT] = (kind, index, quarter, audience)
        if st.session_state.get(KEY_BUILT) == (kind, index, quarter, audience):
            name, data, table = _pack(str(store.path), version, kind, index, quarter, audience, produced, ctx)
            st.download_button(
                "Download the PDF", data, file_name=name, mime="application/pdf", type="primary"
            )
            st.caption(f"Headlines as printed in the pack ({Quarter.parse(quarter).label}):")
            st.dataframe(
                pd.DataFrame(table, columns=list(HEADLINE_COLUMNS)), hide_index=True, width="stretch"
            )

    st.subheader("All four COG packs")
    with_wards = st.checkbox("Also a pack for each of the 23 wards (takes a few minutes)", key=KEY_WARDS)
    if st.button("Build the ZIP"):
        st.session_state[KEY_ZIP] = (with_wards, quarter, audience)
    if st.session_state.get(KEY_ZIP) == (with_wards, quarter, audience):
        data = _zip(str(store.path), version, with_wards, quarter, audience, produced, ctx)
        st.download_button(
            "Download the ZIP", data, file_name=f"packs-{quarter}-{audience}.zip", mime="application/zip"
        )
