"""The Partnership Plan scorecard page: each target in ``data/targets.csv`` over the latest 12 months - value,
target, RAG, direction arrow and a 24-month sparkline - and its breakdown by district and by ward.

Numbers come from :func:`briefing.scorecard.compute_scorecard` (pure rules in :mod:`briefing.headlines`);
this page only lays them out. RAG cells are coloured *and* written out, for greyscale printing and for
colour-blind readers.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from briefing.packs import PackContext
from briefing.scorecard import Score, Scorecard, compute_scorecard
from briefing.settings import briefing_settings
from store import Store
from views import common
from views.common import plain

KEY_MEASURE = "scorecard_measure"
RAG_COLOURS = {"Green": "#c6efce", "Amber": "#ffeb9c", "Red": "#ffc7ce"}

RULES = """
**Latest 12 months** are the 12 whole months ending with the newest month of data, compared with the 12
months before them (the arrow: ↑ higher, ↓ lower, → within {stable}%).

**Targets** are the Partnership Plan's, for the whole of Kirklees over a year. A "below" target is a
ceiling; a "fewer each year" target (killed or seriously injured casualties) is the previous 12 months
minus the yearly reduction. For a district or ward the target is shared out by its share of Kirklees
residents - so a place with a town centre, which draws visitors, will usually read higher than its share.

**RAG**: Green at or below the target, Amber up to {amber}% above it, Red beyond it.
"""


@st.cache_resource(show_spinner="Working out the scorecard...", max_entries=2)
def _scorecard(path: str, version: str, _ctx: PackContext) -> Scorecard:
    # keyed on the store path and version, which determine the context (hence "_ctx")
    return compute_scorecard(_ctx.store, _ctx.wards, _ctx.populations, _ctx.sources, _ctx.latest_month)


def _number(value: float | None) -> str:
    return "no data" if value is None else f"{value:,.0f}"


def _rag_style(value: object) -> str:
    colour = RAG_COLOURS.get(str(value))
    return f"background-color: {colour}; font-weight: bold" if colour else ""


def headline_frame(card: Scorecard) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Measure": s.measure.measure,
                "Latest 12 months": _number(s.value),
                "Target": _number(s.target),
                "RAG": s.rag or "",
                "Trend": s.direction,
                "12 months before": _number(s.previous),
                "Partnership Plan target": s.measure.wording,
                "Last 24 months": list(card.sparklines[s.measure.measure]),
            }
            for s in card.at("Kirklees")
        ]
    )


def breakdown_frame(scores: list[Score]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Area": s.area,
                "District": s.district,
                "Latest 12 months": _number(s.value),
                "Per 1,000 residents": "–" if s.rate is None else f"{s.rate:,.1f}",
                "Share of target": _number(s.target),
                "RAG": s.rag or "",
                "Trend": s.direction,
                "12 months before": _number(s.previous),
            }
            for s in scores
        ]
    )


def _show(frame: pd.DataFrame, **options) -> None:
    st.dataframe(frame.style.map(_rag_style, subset=["RAG"]), hide_index=True, width="stretch", **options)


def render() -> None:
    store: Store = common.current_store()
    st.title("Partnership Plan scorecard")
    if not common.require_incidents(store):
        return
    card = _scorecard(str(store.path), common.store_version(store), common.pack_context(store))
    st.caption(f"Kirklees, {card.period.label}, compared with {card.previous.label}.")
    _show(
        headline_frame(card),
        column_config={
            "Last 24 months": st.column_config.LineChartColumn("Last 24 months", width="medium"),
        },
    )
    options = briefing_settings()
    with st.expander("How the scorecard is worked out", icon=":material/help:"):
        st.markdown(
            RULES.format(
                stable=f"{float(options['direction']['stable_percent']):g}",
                amber=f"{float(options['rag']['amber_margin_percent']):g}",
            )
        )
        for s in card.at("Kirklees"):
            if s.measure.notes:
                st.caption(plain(f"{s.measure.measure}: {s.measure.notes}"))

    st.subheader("By district and ward")
    measures = [s.measure.measure for s in card.at("Kirklees")]
    measure = st.selectbox("Measure", measures, key=KEY_MEASURE)
    st.markdown("**Districts**")
    _show(breakdown_frame(card.at("district", measure)).drop(columns="District"))
    st.markdown("**Wards**")
    _show(breakdown_frame(card.at("ward", measure)), height="content")  # all 23 wards, no inner scrolling
