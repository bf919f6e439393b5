"""The Briefing packs, Ward profile and Scorecard pages in Streamlit's AppTest."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from briefing.headlines import targets
from briefing.packs import PackContext, build_pack, district_places
from briefing.scorecard import compute_scorecard
from briefing.tables import headline_table
from store import Store


@pytest.fixture(autouse=True)
def use_demo(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))  # these pages only read the store


def _packs() -> None:
    from views import packs_page

    packs_page.render()


def _profile() -> None:
    from views import ward_profile_page

    ward_profile_page.render()


def _scorecard() -> None:
    from views import scorecard_page

    scorecard_page.render()


def _run(page) -> AppTest:
    at = AppTest.from_function(page, default_timeout=240).run()
    assert not at.exception, at.exception
    return at


def test_packs_page_builds_the_pack_the_cli_builds(demo_store: Store) -> None:
    at = _run(_packs)
    assert at.selectbox(key="packs_quarter").value == "2025Q3"
    (build,) = [b for b in at.button if b.label == "Build the pack"]
    build.click().run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    ctx = PackContext.load(demo_store)
    pack = build_pack(ctx, district_places(ctx)[0], ctx.default_quarter(), "partner", date.today())
    expected = headline_table(pack.headlines, pack.disclosure)
    assert shown.values.tolist() == expected
    assert shown.iloc[0, 0] == "Crime"


def test_ward_profile_page_compares_the_ward(demo_store: Store) -> None:
    at = _run(_profile)
    at.selectbox(key="profile_ward").set_value("E05001389").run()  # Ashbrow
    assert not at.exception, at.exception
    assert at.header[0].value == "Ashbrow"
    rates = at.dataframe[0].value
    assert list(rates.columns) == [
        "Layer",
        "Incidents in the ward",
        "Ward per 1,000",
        "Huddersfield per 1,000",
        "Kirklees per 1,000",
    ]
    assert rates.iloc[0, 0] == "Crime"


def test_scorecard_page_lists_every_target(demo_store: Store) -> None:
    at = _run(_scorecard)
    table = at.dataframe[0].value
    assert list(table["Measure"]) == [t.measure for t in targets()]
    ctx = PackContext.load(demo_store)
    card = compute_scorecard(ctx.store, ctx.wards, ctx.populations, ctx.sources, ctx.latest_month)
    crime = card.at("Kirklees", "Total crime")[0]
    assert table.loc[table["Measure"] == "Total crime", "Latest 12 months"].item() == f"{crime.value:,.0f}"
    wards = at.dataframe[2].value
    assert len(wards) == 23
