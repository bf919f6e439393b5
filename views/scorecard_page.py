"""The Partnership Plan scorecard page: each target in ``data/targets.csv`` over the latest 12 months - value,
target, RAG, direction arrow and a 24-month sparkline - and its breakdown by district and by ward.

Numbers come from :func:`briefing.scorecard.compute_scorecard` (pure rules in :mod:`briefing.headlines`);
this page only lays them out. RAG cells are coloured *and* written out, for greyscale printing and for
colour-blind readers. The Kirklees figures are two tables, so that both are read whole on a 1024 px
projector with the sidebar open, with no sideways scrolling: the figures with their caveats
(:data:`FIGURES`), then what each measure is (:data:`ABOUT`). The district and ward breakdowns are plain
tables too, for the same reason, with the wards put in order by a switch (:data:`WARD_ORDERS`) rather than by
clicking a grid's header. The public see
:func:`briefing.scorecard.public_scorecard`: small counts, and every count that would give one away
through the district and ward sums, are hidden with what is built on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

import config
from briefing.packs import PackContext
from briefing.scorecard import Score, Scorecard, compute_scorecard, public_scorecard
from briefing.settings import briefing_settings, public_threshold
from briefing.suppression import Disclosure
from geo.measurable import layer_label
from geo.rates import combined_basis, no_data, rate_heading
from store import Store
from views import access, common, shared_view
from views.charts import sparkline_image
from views.common import plain

if TYPE_CHECKING:  # pandas loads its Styler (and jinja2) only when a table is coloured
    from pandas.io.formats.style import Styler

KEY_MEASURE = "scorecard_measure"
#: The column holding each measure's caveat (``caveat`` in ``data/targets.csv``), in the row of its figure:
#: a figure that counts a broader category than its target must say so where it is read, not in a note.
CAVEAT = "Caveat"
RAG_COLOURS = {"Green": "#c6efce", "Amber": "#ffeb9c", "Red": "#ffc7ce"}
#: The main table: each measure's figures against its target, the caveat in the figure's row. A plain
#: table, not a data grid, because its text wraps (a grid's headers never wrap, and its rows are all one
#: height), so every figure and caveat is read whole at any width, presentation mode's large type included.
FIGURES = ["Measure", "Latest 12 months", "Target", "RAG", "12 months before", "Trend", CAVEAT]
#: Under it, what each measure is: its last 24 months as a sparkline (an image in a data grid), the
#: Plan's own words for its target, its baseline and the data it is counted from.
ABOUT = ["Measure", "Last 24 months", "Partnership Plan target", "Baseline", "Counted from"]
#: Widths (px) of :data:`ABOUT`'s columns, 660 together: within the 662 px a 1024 px screen leaves a table
#: with the sidebar open (in presentation mode too); wider screens stretch them. A grid's headings never
#: wrap, so each column is wider than its heading in presentation mode's type - 17.5 px in a grid, with a
#: 10 px gap each side ("Last 24 months" then needs 131 px); long names and baselines wrap instead.
ABOUT_COLUMNS = {
    "Measure": st.column_config.TextColumn(width=155),
    "Last 24 months": st.column_config.ImageColumn(  # drawn by views.charts.sparkline_image, with gaps
        width=135,
        help="Kirklees, month by month, oldest on the left. A gap is a month with no data loaded, or in "
        "the public version a count that is not shown.",
    ),
    "Partnership Plan target": st.column_config.TextColumn(
        "Plan target", width=105, help="The Partnership Plan's target, in its own words."
    ),
    "Baseline": st.column_config.TextColumn(width=140),
    "Counted from": st.column_config.TextColumn(width=125),
}
#: Row height (px) of :data:`ABOUT`, by presentation mode: Streamlit wraps a grid cell's text only in rows
#: taller than 4rem, which is 64 px, or 80 px in presentation mode's larger type (views/styles/present.css).
ABOUT_ROW_HEIGHT = {False: 68, True: 88}
KEY_ORDER = "scorecard_ward_order"
#: The rate's heading in the district and ward tables, without the population estimate the rates divide by
#: ("ONS mid-2020"), so that the eight columns of the ward table fit a 1024 px projector in presentation
#: mode's large type; the caption above the tables names it.
RATE = rate_heading("")
#: The orders the ward table can be put in: the column it is sorted on and whether highest first. The first
#: is the order wards are listed in (by name). Figures are sorted as printed, so a hidden one ("fewer than
#: 5", "not shown", "–") goes last whatever it hides, and its place in the order tells nothing about it.
WARD_ORDERS: dict[str, tuple[str, bool]] = {
    "Ward name": ("Ward", False),
    "Rate, highest first": (RATE, True),
    "Latest 12 months, highest first": ("Latest 12 months", True),
    "District": ("District", False),
}

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


PUBLIC_NOTE = (
    'Public version: counts from 1 to {top} read "fewer than {threshold}"; a count that '
    "would let one be worked out from the others (a district minus its other wards, a year minus its "
    'months) reads "not shown", and so do the rate, target, RAG and arrow built on a hidden count.'
)


@st.cache_resource(show_spinner="Working out the scorecard...", max_entries=2)
def _scorecard(path: str, version: str, _ctx: PackContext) -> Scorecard:
    # keyed on the store path and version, which determine the context (hence "_ctx")
    return compute_scorecard(_ctx.store, _ctx.wards, _ctx.populations, _ctx.sources, _ctx.latest_month)


PARTNER = Disclosure("partner")


def _target(score: Score, d: Disclosure) -> str:
    """The target; a "down N a year" target is last year's figure minus N, so it is hidden with it."""
    if score.target is None:
        return "no data"
    return d.figure(score.target, score.previous if score.measure.reduction_per_year is not None else None)


def _rag(score: Score, d: Disclosure) -> str:
    """The RAG rating, hidden with the value or the target it compares (it would bound a hidden count)."""
    if d.hides(score.value) or (score.measure.reduction_per_year is not None and d.hides(score.previous)):
        return ""
    return score.rag or ""


def _value(score: Score, d: Disclosure = PARTNER) -> str:
    """The measured value, or why there is none ("not measured: needs ..." before "no data for N of 12
    months")."""
    if score.not_measured:
        return score.not_measured
    return no_data(score.missing[0], 12) if score.value is None else d.count(score.value)


def _before(score: Score, d: Disclosure = PARTNER) -> str:
    """The previous 12 months' value, or "–" / "no data for N of 12 months"."""
    if score.not_measured:
        return "–"
    return no_data(score.missing[1], 12) if score.previous is None else d.count(score.previous)


def _rag_style(value: object) -> str:
    colour = RAG_COLOURS.get(str(value))
    return f"background-color: {colour}; font-weight: bold" if colour else ""


def headline_frame(card: Scorecard, baselines: Mapping[str, str], d: Disclosure = PARTNER) -> pd.DataFrame:
    """One row per measure for Kirklees; ``baselines`` is :attr:`briefing.packs.PackContext.baselines`
    (the published baseline, and the figure counted from real data where there is one). A hidden month
    of the sparkline is a gap."""
    return pd.DataFrame(
        [
            {
                "Measure": s.measure.measure,
                "Latest 12 months": _value(s, d),
                "Target": _target(s, d),
                "RAG": _rag(s, d),
                "Trend": d.direction(s.comparison, s.value, s.previous),
                CAVEAT: s.measure.caveat,
                "12 months before": _before(s, d),
                "Partnership Plan target": s.measure.wording,
                "Baseline": baselines.get(s.measure.measure, s.measure.baseline),
                "Counted from": layer_label(s.measure.layer),
                "Last 24 months": [None if d.hides(v) else v for v in card.sparklines[s.measure.measure]],
            }
            for s in card.at("Kirklees")
        ]
    )


def breakdown_frame(scores: list[Score], basis: str, d: Disclosure = PARTNER) -> pd.DataFrame:
    """One row per district or ward; ``basis`` names the population estimate the rates divide by."""
    return pd.DataFrame(
        [
            {
                "Area": s.area,
                "District": s.district,
                "Latest 12 months": _value(s, d),
                rate_heading(basis): d.rate(s.rate, s.value),
                "Share of target": _target(s, d),
                "RAG": _rag(s, d),
                "Trend": d.direction(s.comparison, s.value, s.previous),
                "12 months before": _before(s, d),
            }
            for s in scores
        ]
    )


def _rag_coloured(frame: pd.DataFrame) -> Styler:
    return frame.style.map(_rag_style, subset=["RAG"])


def shown_breakdown(frame: pd.DataFrame, basis: str, area: str) -> pd.DataFrame:
    """A :func:`breakdown_frame` (of rates on ``basis``) with the headings it is shown under: ``area``
    ("District", "Ward") for its places and :data:`RATE` for its rates."""
    return frame.rename(columns={"Area": area, rate_heading(basis): RATE})


def ordered(wards: pd.DataFrame, order: str) -> pd.DataFrame:
    """``wards`` (:func:`shown_breakdown`) in one of :data:`WARD_ORDERS`; rows that tie keep their order."""
    column, highest_first = WARD_ORDERS[order]
    if not highest_first:
        return wards.sort_values(column, kind="stable")
    return wards.sort_values(
        column,
        key=lambda printed: pd.to_numeric(printed.str.replace(",", "", regex=False), errors="coerce"),
        ascending=False,
        na_position="last",
        kind="stable",
    )


def _show(frame: pd.DataFrame) -> None:
    """A breakdown as a plain table, which wraps its headings and figures to the width there is."""
    st.table(_rag_coloured(frame), hide_index=True)


def render() -> None:
    store: Store = common.current_store()
    st.title("Partnership Plan scorecard")
    if not common.require_incidents(store):
        return
    ctx = common.pack_context(store)
    card = _scorecard(str(store.path), common.store_version(store), ctx)
    d = Disclosure(access.current_audience(), public_threshold())
    if d.public:
        card = public_scorecard(card, d.threshold)
    st.caption(f"Kirklees, {card.period.label}, compared with {card.previous.label}.")
    if d.public:
        st.caption(PUBLIC_NOTE.format(top=d.threshold - 1, threshold=d.threshold))
    head = headline_frame(card, ctx.baselines, d)
    st.table(_rag_coloured(head[FIGURES]), hide_index=True)
    st.caption(
        f"{CAVEAT}: what to bear in mind when reading the figure. "
        '"How the scorecard is worked out" below says more about each measure.'
    )
    about = head[ABOUT].copy()
    colours = {s.measure.measure: config.layers()[s.measure.layer].colour for s in card.at("Kirklees")}
    about["Last 24 months"] = [
        sparkline_image(values, colours[measure])
        for measure, values in zip(about["Measure"], about["Last 24 months"], strict=True)
    ]
    st.dataframe(
        about,
        hide_index=True,
        width="stretch",
        height="content",
        row_height=ABOUT_ROW_HEIGHT[access.is_presenting()],
        column_config=ABOUT_COLUMNS,
    )
    options = briefing_settings()
    with st.expander("How the scorecard is worked out", icon=":material/help:"):
        st.markdown(
            RULES.format(
                stable=f"{options.stable_percent:g}",
                amber=f"{options.amber_margin_percent:g}",
            )
        )
        for s in card.at("Kirklees"):
            if s.measure.notes:
                st.caption(plain(f"{s.measure.measure}: {s.measure.notes}"))

    st.subheader("By district and ward")
    measures = [s.measure.measure for s in card.at("Kirklees")]
    left_out = shared_view.read_choice("measure", KEY_MEASURE, measures)
    measure = st.selectbox("Measure", measures, key=KEY_MEASURE)
    shared_view.show_choice("measure", measure)
    if left_out:
        st.caption(plain(left_out))
    kirklees = card.at("Kirklees", measure)[0]
    chosen = kirklees.measure
    st.caption(f"Counted from {layer_label(chosen.layer)}." + (f" {chosen.caveat}." if chosen.caveat else ""))
    # A measure the loaded data cannot count, or whose two periods it cannot compare (months missing), is so
    # for every place: said once, not in every row, where its long words ("comparable:") would also widen the
    # ward table past a 1024 px projector in presentation mode.
    if kirklees.not_measured:
        st.caption(plain(f"{measure}: {kirklees.not_measured}."))
        return
    said_once = ["Trend"] if any(kirklees.missing) else []
    if said_once:
        st.caption(f"Trend: {kirklees.comparison}.")
    basis = combined_basis(ctx.populations.values())
    st.caption(
        f"{rate_heading(basis)}: the latest 12 months' figure for every 1,000 people living in the place, so "
        "that places of different sizes can be compared. Share of target: the Kirklees target shared out by "
        "the place's share of residents."
    )
    st.markdown("**Districts**")
    districts = breakdown_frame(card.at("district", measure), basis, d).drop(columns=["District", *said_once])
    _show(shown_breakdown(districts, basis, "District"))
    st.markdown("**Wards**")
    order = st.radio("Order wards by", list(WARD_ORDERS), horizontal=True, key=KEY_ORDER)
    wards = breakdown_frame(card.at("ward", measure), basis, d).drop(columns=said_once)
    _show(ordered(shown_breakdown(wards, basis, "Ward"), order))
