"""The scorecard's district and ward tables: the wards put in order by the switch above them, and what no
place can have said once rather than in every row.

Why: councillors rank the 23 wards by rate on a projector, and the ward table is a plain table (so that it
is read whole at 1024 px), which cannot be sorted by clicking its headings. The orders are checked against
the rates and counts the scorecard itself works out, not against the page's printed text; and in public,
against the hidden figures: they go last, in name order, so that their place tells nothing about them.
A measure the data cannot count, or whose periods it cannot compare, is so for every place: one line says
so, checked on a store holding one month of police.uk records (tests/fixtures).
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import config
from briefing.packs import PackContext
from briefing.scorecard import Score, compute_scorecard
from layers.importer import run_import
from store import Store
from tests.import_helpers import fixture
from views import access, scorecard_page

NUISANCE = "Nuisance ASB incidents"  # counted from the council's typed ASB records, which police.uk lacks


@pytest.fixture(autouse=True)
def use_demo(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))  # the page only reads the store


def _scorecard() -> None:
    from views import scorecard_page

    scorecard_page.render()


def _run() -> AppTest:
    at = AppTest.from_function(_scorecard, default_timeout=240).run()
    assert not at.exception, at.exception
    return at


def _order(at: AppTest, order: str) -> pd.DataFrame:
    at.radio(key=scorecard_page.KEY_ORDER).set_value(order).run()
    assert not at.exception, at.exception
    return at.table[2].value


def _ward_scores(store: Store, measure: str) -> list[Score]:
    ctx = PackContext.load(store)
    card = compute_scorecard(ctx.store, ctx.wards, ctx.populations, ctx.sources, ctx.latest_month)
    return card.at("ward", measure)


def test_wards_rank_by_the_scorecards_rates_and_counts(demo_store: Store) -> None:
    at = _run()
    measure = at.selectbox(key=scorecard_page.KEY_MEASURE).value
    scores = _ward_scores(demo_store, measure)
    assert list(at.table[2].value["Ward"]) == sorted(s.area for s in scores)  # listed by name at first
    by_rate = sorted(scores, key=lambda s: (-round(s.rate, 1), s.area))  # as printed: one decimal place
    assert list(_order(at, "Rate, highest first")["Ward"]) == [s.area for s in by_rate]
    by_count = sorted(scores, key=lambda s: (-s.value, s.area))
    assert list(_order(at, "Latest 12 months, highest first")["Ward"]) == [s.area for s in by_count]
    by_district = sorted(scores, key=lambda s: (s.district, s.area))
    assert list(_order(at, "District")["Ward"]) == [s.area for s in by_district]


def test_public_hidden_counts_go_last_in_name_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "current_audience", lambda: "public")
    at = _run()
    at.selectbox(key=scorecard_page.KEY_MEASURE).set_value("KSI casualties").run()  # the demo hides some
    for order in ("Latest 12 months, highest first", "Rate, highest first"):
        wards = _order(at, order)
        hidden = wards["Latest 12 months"].isin(["fewer than 5", "not shown"]).to_numpy()
        shown = int((~hidden).sum())
        assert 0 < shown < len(wards) and not hidden[:shown].any(), list(wards["Latest 12 months"])
        figures = [float(v.replace(",", "")) for v in wards[scorecard_page.WARD_ORDERS[order][0]][:shown]]
        assert figures == sorted(figures, reverse=True)
        assert list(wards["Ward"][shown:]) == sorted(wards["Ward"][shown:])


def test_figures_sort_as_numbers_with_the_hidden_ones_last() -> None:
    frame = pd.DataFrame(
        {
            "Ward": ["A", "B", "C", "D", "E", "F"],
            "Latest 12 months": ["99", "fewer than 5", "1,234", "not shown", "99", "no data"],
        }
    )
    ordered = scorecard_page.ordered(frame, "Latest 12 months, highest first")
    # 1,234 above 99 (not as text, where "9" > "1"); equal figures and the hidden ones keep their order
    assert list(ordered["Ward"]) == ["C", "A", "E", "B", "D", "F"]


@pytest.fixture(scope="module")
def one_month(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """June 2024's police.uk street records for the area, and nothing else."""
    store = Store(tmp_path_factory.mktemp("one-month") / "store.duckdb")
    (report,) = run_import(store, "police-csv", [fixture("police-street-2024-06.csv")])
    assert report.ok
    return store


def test_what_no_place_has_is_said_once(one_month: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(one_month.path))
    at = _run()
    captions = [c.value for c in at.caption]
    # one month loaded: 11 of the latest 12 months have no data, in every place alike
    assert "Trend: not comparable: 11 months missing." in captions
    (_, districts, wards) = (t.value for t in at.table)
    assert len(districts) == 4 and len(wards) == 23
    assert "Trend" not in districts.columns and "Trend" not in wards.columns
    at.selectbox(key=scorecard_page.KEY_MEASURE).set_value(NUISANCE).run()
    assert not at.exception, at.exception
    (measure,) = (t for t in config.targets() if t.measure == NUISANCE)
    needs = config.layers()[measure.layer].needs
    read = [c.value.replace("\\", "") for c in at.caption]  # as read, without Markdown escapes
    assert f"{NUISANCE}: not measured: needs {needs}." in read
    assert len(at.table) == 1  # the Kirklees figures; no district or ward table of "not measured"
