"""The Briefing packs, Ward profile and Scorecard pages in Streamlit's AppTest."""

from __future__ import annotations

from datetime import date

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import config
from briefing.packs import PackContext, archive_name, build_pack, district_places
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


@pytest.fixture
def download_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names the pages hand their download buttons, in order (the buttons still work)."""
    names: list[str] = []
    button = st.download_button

    def recording(*args, file_name: str | None = None, **kwargs):
        names.append(file_name)
        return button(*args, file_name=file_name, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return names


def test_packs_page_builds_the_pack_the_cli_builds(demo_store: Store, download_names: list[str]) -> None:
    at = _run(_packs)
    assert at.selectbox(key="packs_quarter").value == "2025Q3"
    (build,) = [b for b in at.button if b.label == "Build the pack"]
    build.click().run()
    assert not at.exception, at.exception
    # built from the demo, so named like every other synthetic download (the CLI's files too)
    assert download_names == ["SYNTHETIC-batley-and-spen-2025Q3-partner.pdf"]
    ctx = PackContext.load(demo_store)
    assert archive_name(ctx, ctx.default_quarter(), "partner") == "SYNTHETIC-packs-2025Q3-partner.zip"
    shown = at.dataframe[0].value
    pack = build_pack(ctx, district_places(ctx)[0], ctx.default_quarter(), "partner", date.today())
    expected = headline_table(pack.headlines, pack.disclosure)
    assert shown.values.tolist() == expected
    assert shown.iloc[0, 0] == "Crime"


def test_ward_profile_page_compares_the_ward(demo_store: Store, download_names: list[str]) -> None:
    at = _run(_profile)
    at.selectbox(key="profile_ward").set_value("E05001389").run()  # Ashbrow
    assert not at.exception, at.exception
    assert download_names[-1] == "SYNTHETIC-ward-profile-ashbrow-2025-09-public.pdf"  # public by default
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
    table = at.table[0].value  # the figures; then the districts and wards (a grid says what each measure is)
    assert list(table["Measure"]) == [t.measure for t in config.targets()]
    ctx = PackContext.load(demo_store)
    card = compute_scorecard(ctx.store, ctx.wards, ctx.populations, ctx.sources, ctx.latest_month)
    crime = card.at("Kirklees", "Total crime")[0]
    assert table.loc[table["Measure"] == "Total crime", "Latest 12 months"].item() == f"{crime.value:,.0f}"
    wards = at.table[2].value
    assert len(wards) == 23
