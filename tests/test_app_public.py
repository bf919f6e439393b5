"""Public mode in Streamlit's AppTest: with views.access.current_audience returning "public", the pages
that show counts - Map, Hotspots, Scorecard, Ward profile, Briefing packs - and the files they offer
contain no count from 1 to 4 (as a number, or given away by a change "from 3").

Every count column is read as the page prints it; a cell is a small count when it is a whole number from 1
to 4, with or without a "(2 of 3 months)" note. Downloads are checked through the functions the download
buttons call (the buttons serve exactly their bytes).
"""

from __future__ import annotations

import io
import re
from datetime import date

import pandas as pd
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from briefing.packs import PackContext
from store import Store
from views import access, common, hotspots_page, packs_page, ward_profile_page

SMALL = re.compile(r"^[1-4](\s\(\d+ of \d+ months\))?$")
#: a small count given away in words: a change "(from 3)" / "(both 2)", or a breakdown "Crime: 3;"
SMALL_IN_TEXT = re.compile(r"\(from\s[1-4]\)|both\s[1-4]\)|: [1-4][;)]")
PUBLIC_WARD = "E05001401"  # Golcar: a quiet ward, where most layers' counts are small


@pytest.fixture(autouse=True)
def public(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    monkeypatch.setattr(access, "current_audience", lambda: "public")


def small_cells(frame: pd.DataFrame, columns) -> list[str]:
    """Cells of the count ``columns`` that print a count from 1 to 4, or give one away in words."""
    out = []
    for column in columns:
        for value in frame[column]:
            text = str(value).replace("\u00a0", " ")
            if SMALL.match(text) or SMALL_IN_TEXT.search(text):
                out.append(f"{column}: {text}")
    return out


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _map() -> None:
    from views import map_page

    map_page.render()


def _hotspots() -> None:
    from views import hotspots_page

    hotspots_page.render()


def _scorecard() -> None:
    from views import scorecard_page

    scorecard_page.render()


def _profile() -> None:
    from views import ward_profile_page

    ward_profile_page.render()


def _packs() -> None:
    from views import packs_page

    packs_page.render()


def _run(page) -> AppTest:
    at = AppTest.from_function(page, default_timeout=300).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("ward", [None, PUBLIC_WARD])
def test_public_map_summary_has_no_small_count(ward: str | None) -> None:
    at = _run(_map)
    if ward:
        at.selectbox(key=common.KEY_WARD).set_value(ward).run()
        assert not at.exception, at.exception
    table = at.table[0].value
    assert not small_cells(table, ["Incidents", "Change"])
    assert not SMALL.match(at.metric[0].value)
    assert any("Public version" in c.value for c in at.caption)
    if ward:  # a quiet ward's small counts are there, hidden (in its sparse layers: one layer at a time)
        hidden = []
        for layer in ("deliberate_fire", "ksi"):
            at.radio(key=common.KEY_PUBLIC_LAYER).set_value(layer).run()
            assert not at.exception, at.exception
            shown = at.table[0].value
            assert not small_cells(shown, ["Incidents", "Change"])
            hidden.append(shown["Incidents"].str.startswith(("fewer than 5", "not shown")).any())
        assert any(hidden)


def test_public_hotspots_page_has_no_small_count_and_no_partner_detail() -> None:
    at = _run(_hotspots)
    ranked = at.dataframe[0].value
    labels = {"Incidents", *(c for c in ranked.columns if c not in ("Rank", "Class", "Ward", "District"))}
    counted = [c for c in labels if c not in ("Most common street", "Trend")]
    assert "Incidents" in ranked.columns and not small_cells(ranked, counted)
    assert not {"Gi* z", "FDR-adjusted p", "H3 cell", "Harm score"} & set(ranked.columns)
    assert [b.label for b in at.get("download_button")] == ["Hot cells (CSV)"]  # no every-cell files
    csv = pd.read_csv(io.BytesIO(hotspots_page.hot_cells_csv(ranked, synthetic=True)), dtype=str)
    assert not small_cells(csv, counted)


def test_public_scorecard_has_no_small_count() -> None:
    at = _run(_scorecard)
    headline, districts, wards = (t.value for t in at.table[:3])
    about = at.dataframe[0].value
    counts = ["Latest 12 months", "12 months before"]
    for frame in (headline, districts, wards):
        assert not small_cells(frame, counts)
    # sparklines are images drawn from the public headline values, whose months under 5 are gaps
    # (tests/test_disclosure_outputs.py reads those values; tests/test_sparkline.py the drawing)
    images = about["Last 24 months"].tolist()
    assert images and all(str(i).startswith("data:image/svg+xml;base64,") for i in images)
    at.selectbox(key="scorecard_measure").set_value("KSI casualties").run()
    wards = at.table[2].value
    assert not small_cells(wards, counts)
    assert wards["Latest 12 months"].isin(["fewer than 5", "not shown"]).any()  # the demo has such wards


def test_public_ward_profile_and_its_pdf_have_no_small_count(demo_store: Store) -> None:
    at = _run(_profile)
    assert at.radio(key=ward_profile_page.KEY_AUDIENCE).options == ["Public"]
    at.selectbox(key=ward_profile_page.KEY_WARD).set_value(PUBLIC_WARD).run()
    assert not at.exception, at.exception
    rates, categories = at.dataframe[0].value, at.dataframe[1].value
    assert not small_cells(rates, ["Incidents in the ward"])
    assert not small_cells(categories, ["Last 12 months", "12 months before", "Change"])
    profile, pdf = ward_profile_page._profile(
        str(demo_store.path),
        demo_store.version(),
        PUBLIC_WARD,
        "public",
        date.today(),
        PackContext.load(demo_store),
    )
    text = pdf_text(pdf)
    assert "Public" in text and not SMALL_IN_TEXT.search(text)
    for r in profile.rates:
        assert not SMALL.match(profile.disclosure.count(r.count))


def test_public_packs_page_offers_public_packs_only_with_no_small_count(demo_store: Store) -> None:
    at = _run(_packs)
    assert at.radio(key=packs_page.KEY_AUDIENCE).options == ["Public"]
    at.radio(key=packs_page.KEY_KIND).set_value("ward").run()
    at.selectbox(key=packs_page.KEY_PLACE).set_value(
        next(
            i
            for i, p in enumerate(packs_page.places_of(PackContext.load(demo_store), "ward"))
            if p.name == "Golcar"
        )
    ).run()
    (build,) = [b for b in at.button if b.label == "Build the pack"]
    build.click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert not small_cells(table, [table.columns[1], table.columns[3], table.columns[4]])
    assert table.iloc[:, 1].isin(["fewer than 5", "not shown"]).any()  # Golcar's small counts, hidden
    ctx = PackContext.load(demo_store)
    quarter = at.selectbox(key=packs_page.KEY_QUARTER).value
    index = at.selectbox(key=packs_page.KEY_PLACE).value
    name, pdf, printed, _ = packs_page._pack(
        str(demo_store.path), demo_store.version(), "ward", index, quarter, "public", date.today(), ctx
    )
    assert name.endswith("-public.pdf") and printed == table.values.tolist()
    text = pdf_text(pdf)
    assert "Public" in text and "OFFICIAL" not in text and not SMALL_IN_TEXT.search(text)


def test_the_public_filters_offer_fixed_quarters_and_one_layer_and_no_categories() -> None:
    """Overlapping windows, mixes of layers and categories could be subtracted from each other to work a
    hidden count out (Jan-Jun minus Jan-May is June), so the public sidebar offers none of them."""
    at = AppTest.from_function(_map, default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    keys = {w.key for w in [*at.sidebar.selectbox, *at.sidebar.radio, *at.sidebar.multiselect]}
    assert {"filter_public_quarter", "filter_public_layer"} <= keys
    assert "filter_categories" not in keys and not at.sidebar.get("select_slider")
    assert not at.sidebar.toggle  # no mixing layers on and off
    quarters = at.selectbox(key="filter_public_quarter").options
    assert quarters[0] == "Q3 2025 (Jul to Sep 2025)"  # newest first: the demo ends in September 2025
    assert at.radio(key="filter_public_layer").value == "crime"
