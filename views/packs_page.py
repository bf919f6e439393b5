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
    archive_name,
    area_places,
    batch,
    build_pack,
    district_places,
    ward_places,
    zip_files,
)
from briefing.pdf import render_pack
from briefing.periods import Quarter
from briefing.places import Place
from briefing.suppression import MARKINGS
from briefing.tables import headline_columns, headline_table, not_measured_notes
from views import access, common

KINDS = {"district": "District (COG)", "ward": "Ward", "area": "Clear Hold Build area"}
KEY_KIND = "packs_kind"
KEY_PLACE = "packs_place"
KEY_QUARTER = "packs_quarter"
KEY_AUDIENCE = "packs_audience"
KEY_WARDS = "packs_with_wards"
KEY_BUILT = "packs_built"
KEY_ZIP = "packs_zip"


def places_of(ctx: PackContext, kind: str, audience: str = "partner") -> list[Place]:
    """The places a pack can be built for; public packs only for designated Clear Hold Build areas."""
    if kind == "district":
        return district_places(ctx)
    if kind == "ward":
        return ward_places(ctx)
    return area_places(ctx, designated_only=audience == "public")


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
) -> tuple[str, bytes, list[list[str]], list[str]]:
    place = places_of(_ctx, kind, audience)[index]
    pack = build_pack(_ctx, place, Quarter.parse(quarter), audience, produced)
    table = headline_table(pack.headlines, pack.disclosure)
    return pack.file_name, render_pack(pack), table, not_measured_notes(pack.headlines)


@st.cache_data(show_spinner="Building the packs (about five seconds each)...", max_entries=4)
def _zip(
    path: str, version: str, with_wards: bool, quarter: str, audience: str, produced: date, _ctx: PackContext
) -> bytes:
    places = district_places(_ctx) + (ward_places(_ctx) if with_wards else [])
    return zip_files(batch(_ctx, places, Quarter.parse(quarter), audience, produced))


def _quarter_label(ctx: PackContext, quarter: Quarter) -> str:
    """e.g. "Q3 2025 (Jul to Sep 2025)", or "... - 2 of 3 months with data" for a partly loaded quarter."""
    covered = max(len(ctx.coverage.covered_months(quarter.period, [lid])) for lid in ctx.sources)
    return quarter.label if covered == 3 else f"{quarter.label} - {covered} of 3 months with data"


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
    quarters = [q.code for q in ctx.quarters()]
    default = quarters.index(ctx.default_quarter().code)
    produced = date.today()

    left, right = st.columns(2)
    quarter = left.selectbox(
        "Quarter",
        quarters,
        index=default,
        key=KEY_QUARTER,
        format_func=lambda c: _quarter_label(ctx, Quarter.parse(c)),
        help="Calendar quarters with data, newest first; the newest complete one is chosen first. A quarter "
        "with months missing says so, and its pack shows those months as no data.",
    )
    audience = right.radio(
        "Audience",
        ("public",) if access.current_audience() == "public" else access.allowed_audiences(),
        key=KEY_AUDIENCE,
        format_func=MARKINGS.get,
        horizontal=True,
        help="Public versions show counts of 1 to 4 as 'fewer than 5' and leave out exact locations.",
    )

    st.subheader("One pack")
    kind = st.radio("Pack for", tuple(KINDS), format_func=KINDS.get, key=KEY_KIND, horizontal=True)
    with st.spinner("Reading the places..."):
        places = places_of(ctx, kind, audience)
    if not places:
        st.info(
            "No Clear Hold Build area has been designated yet: public packs are for designated areas only."
            if audience == "public"
            else "There are no Clear Hold Build areas in the register yet."
        )
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
            name, data, table, notes = _pack(
                str(store.path), version, kind, index, quarter, audience, produced, ctx
            )
            st.download_button(
                "Download the PDF",
                data,
                file_name=name,
                mime="application/pdf",
                type="primary",
                key="packs_pdf_download",
                on_click="ignore",  # ready bytes, and no rerun: the file arrives on the first click
            )
            st.caption(f"Headlines as printed in the pack ({Quarter.parse(quarter).label}):")
            columns = headline_columns(places[index].population(ctx.populations))
            st.dataframe(pd.DataFrame(table, columns=columns), hide_index=True, width="stretch")
            for note in notes:
                st.caption(common.plain(note))

    st.subheader("All four COG packs")
    with_wards = st.checkbox("Also a pack for each of the 23 wards (takes a few minutes)", key=KEY_WARDS)
    if st.button("Build the ZIP"):
        st.session_state[KEY_ZIP] = (with_wards, quarter, audience)
    if st.session_state.get(KEY_ZIP) == (with_wards, quarter, audience):
        data = _zip(str(store.path), version, with_wards, quarter, audience, produced, ctx)
        st.download_button(
            "Download the ZIP",
            data,
            file_name=archive_name(ctx, Quarter.parse(quarter), audience),
            mime="application/zip",
            key="packs_zip_download",
            on_click="ignore",
        )
