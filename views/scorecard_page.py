"""The Partnership Plan scorecard page: each target in ``data/targets.csv`` over the latest 12 months - value,
target, RAG, direction arrow and a 24-month sparkline - and its breakdown by district and by ward.

Numbers come from :func:`briefing.scorecard.compute_scorecard` (pure rules in :mod:`briefing.headlines`);
this page only lays them out. RAG cells are coloured *and* written out, for greyscale printing and for
colour-blind readers.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from briefing.packs import PackContext
from briefing.scorecard import Score, Scorecard, compute_scorecard
from briefing.settings import briefing_settings
from geo.measurable import layer_label
from geo.rates import combined_basis, no_data, rate_heading
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

**Baseline** is the figure the plan quotes. Where real (not synthetic) data covers a whole calendar year
of a casualty measure, the number counted from that data follows it, named by the severity definition it
uses; the notes below say how each measure is counted (for killed or seriously injured casualties: which
severity).

**Not measured** means no data loaded for the 12 months can count the measure: for example nuisance ASB
needs the council's typed ASB records, because police.uk gives anti-social behaviour no type. Such a
measure gets no count, RAG or arrow rather than a 0 that would read Green. "Counted from" names the
layer (and so the source) each measure counts; police.uk ASB and the council's ASB records are never added.
"""


@st.cache_resource(show_spinner="Working out the scorecard...", max_entries=2)
def _scorecard(path: str, version: str, _ctx: PackContext) -> Scorecard:
    # keyed on the store path and version, which determine the context (hence "_ctx")
    return compute_scorecard(_ctx.store, _ctx.wards, _ctx.populations, _ctx.sources, _ctx.latest_month)


def _number(value: float | None) -> str:
    return "no data" if value is None else f"{value:,.0f}"


def _value(score: Score) -> str:
    """The measured value, or why there is none ("not measured: needs ..." before "no data for N of 12
    months")."""
    if score.not_measured:
        return score.not_measured
    return no_data(score.missing[0], 12) if score.value is None else _number(score.value)


def _before(score: Score) -> str:
    """The previous 12 months' value, or "–" / "no data for N of 12 months"."""
    if score.not_measured:
        return "–"
    return no_data(score.missing[1], 12) if score.previous is None else _number(score.previous)


def _rag_style(value: object) -> str:
    colour = RAG_COLOURS.get(str(value))
    return f"background-color: {colour}; font-weight: bold" if colour else ""


def headline_frame(card: Scorecard, baselines: Mapping[str, str]) -> pd.DataFrame:
    """One row per measure for Kirklees; ``baselines`` is :attr:`briefing.packs.PackContext.baselines`
    (the published baseline, and the figure counted from real data where there is one)."""
    return pd.DataFrame(
        [
            {
                "Measure": s.measure.measure,
                "Latest 12 months": _value(s),
                "Target": _number(s.target),
                "RAG": s.rag or "",
                "Trend": s.comparison,
                "12 months before": _before(s),
                "Partnership Plan target": s.measure.wording,
                "Baseline": baselines.get(s.measure.measure, s.measure.baseline),
                "Counted from": layer_label(s.measure.layer),
                "Last 24 months": list(card.sparklines[s.measure.measure]),
            }
            for s in card.at("Kirklees")
        ]
    )


def breakdown_frame(scores: list[Score], basis: str) -> pd.DataFrame:
    """One row per district or ward; ``basis`` names the population estimate the rates divide by."""
    return pd.DataFrame(
        [
            {
                "Area": s.area,
                "District": s.district,
                "Latest 12 months": _value(s),
                rate_heading(basis): "–" if s.rate is None else f"{s.rate:,.1f}",
                "Share of target": _number(s.target),
                "RAG": s.rag or "",
                "Trend": s.comparison,
                "12 months before": _before(s),
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
    ctx = common.pack_context(store)
    card = _scorecard(str(store.path), common.store_version(store), ctx)
    st.caption(f"Kirklees, {card.period.label}, compared with {card.previous.label}.")
    _show(
        headline_frame(card, ctx.baselines),
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
    st.caption(f"Counted from {layer_label(card.at('Kirklees', measure)[0].measure.layer)}.")
    st.markdown("**Districts**")
    basis = combined_basis(ctx.populations.values())
    _show(breakdown_frame(card.at("district", measure), basis).drop(columns="District"))
    st.markdown("**Wards**")
    # all 23 wards, no inner scrolling
    _show(breakdown_frame(card.at("ward", measure), basis), height="content")
