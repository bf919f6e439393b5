"""Shareable views: the filters in the page's address (views/shared_view.py) and presentation mode.

The rules for reading an address are checked on hand-made choices (every expected value is written out
here, not taken from the code); the round trip runs the real sidebar under AppTest on the demo store: an
address sets the filters, the page writes the same address back, and setting the filters by hand writes
an address that opens the same view in a new session.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from store import Store
from store.queries import Filters
from views import access, common
from views.shared_view import FilterChoices, read, write

KEYS = common.FILTER_KEYS
CHOICES = FilterChoices(
    months=["2025-01", "2025-02", "2025-03", "2025-04"],
    districts=["North", "South"],
    ward_district={"W1": "North", "W2": "North", "W3": "South"},
    ward_names={"W1": "Abbey", "W2": "Bridge", "W3": "Castle"},
    layers=["crime", "fires"],
    categories=[("crime", "Burglary"), ("crime", "Robbery"), ("fires", "Car")],
    quarters=["2025Q1"],
    public_layers=["crime"],
)
#: Golcar, a ward of the Rural district in the demo's real ONS boundaries.
GOLCAR = "E05001401"


def test_a_partner_link_sets_every_filter() -> None:
    params = {
        "from": ["2025-02"],
        "to": ["2025-03"],
        "district": ["South"],
        "ward": ["W3"],
        "layers": ["fires"],
        "category": ["fires:Car"],
    }
    reading = read(params, CHOICES, KEYS, public=False)
    assert reading.ignored == []
    assert reading.values == {
        "filter_months": ("2025-02", "2025-03"),
        "filter_district": "South",
        "filter_ward": "W3",
        "filter_layer_crime": False,
        "filter_layer_fires": True,
        "filter_categories": [("fires", "Car")],
    }
    assert write(reading.values, KEYS, CHOICES.layers, public=False) == params


def test_a_ward_by_name_brings_its_district_and_months_given_backwards_are_put_in_order() -> None:
    reading = read({"ward": ["abbey"], "from": ["2025-04"], "to": ["2025-01"]}, CHOICES, KEYS, public=False)
    assert reading.ignored == []
    assert reading.values == {
        "filter_ward": "W1",
        "filter_district": "North",
        "filter_months": ("2025-01", "2025-04"),
    }


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"ward": ["Nowhere"]}, 'ward "Nowhere" is not a ward here'),
        ({"district": ["South"], "ward": ["W1"]}, 'ward "Abbey" is not in South'),
        ({"district": ["<script>"]}, 'district "<script>" is not a district here'),
        ({"from": ["2025-13"], "to": ["2025-02"]}, "not written as YYYY-MM"),
        ({"from": ["Jan 2025"]}, "not written as YYYY-MM"),
        ({"from": ["2024-12"], "to": ["2025-02"]}, "outside the data (2025-01 to 2025-04)"),
        ({"layers": ["crime,bikes"]}, "layers bikes are not layers here"),
        ({"category": ["crime:Arson", "crime"]}, "categories are not in the data"),
    ],
)
def test_anything_unknown_or_malformed_is_left_out_with_one_sentence(params: dict, words: str) -> None:
    reading = read(params, CHOICES, KEYS, public=False)
    assert len(reading.ignored) == 1 and words in reading.ignored[0], reading.ignored
    bad = {"Nowhere", "<script>", "2025-13"}
    assert not any(isinstance(v, str) and v in bad for v in reading.values.values())
    assert "filter_months" not in reading.values


def test_a_public_viewer_gets_only_the_public_filters_from_any_link() -> None:
    """A partner link opened by the public must not choose months, mixes of layers or categories: the
    public filters (a quarter, one layer) are all a public viewer has."""
    params = {"from": ["2025-01"], "to": ["2025-02"], "layers": ["crime,fires"], "category": ["crime:Car"]}
    reading = read({**params, "quarter": ["2025q1"], "layer": ["fires"]}, CHOICES, KEYS, public=True)
    assert reading.values == {"filter_public_quarter": "2025Q1"}
    assert "are for signed-in partners" in reading.ignored[0]
    assert 'layer "fires" is not one shown here' in reading.ignored[1]
    state = {**reading.values, "filter_months": ("2025-01", "2025-02"), "filter_public_layer": "crime"}
    assert write(state, KEYS, CHOICES.layers, public=True) == {"quarter": ["2025Q1"], "layer": ["crime"]}


# ---- the real sidebar under AppTest ----------------------------------------------------------------


def _filters_page() -> None:
    import streamlit as st

    from views import common, layout

    layout.read_presentation_link()
    st.session_state["shown"] = common.sidebar_filters(common.ensure_store())


@pytest.fixture
def store(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    return demo_store


def _open(params: dict[str, str]) -> AppTest:
    at = AppTest.from_function(_filters_page, default_timeout=120)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _notes(at: AppTest) -> str:
    """The page's captions as read (the page escapes Markdown in text from the address)."""
    return " ".join(c.value for c in at.caption).replace("\\", "")


def test_a_link_reproduces_the_view_and_a_view_set_by_hand_gives_a_link_that_does(store: Store) -> None:
    link = {"from": "2024-03", "to": "2024-08", "district": "Rural", "ward": GOLCAR, "layers": "crime,ksi"}
    at = _open(link)
    assert at.session_state["shown"] == Filters(
        layers=("crime", "ksi"), start=date(2024, 3, 1), end=date(2024, 8, 31), district="Rural", ward=GOLCAR
    )
    assert at.query_params == link  # the address is written back unchanged
    assert not at.caption  # nothing was left out, so nothing is said

    # by hand: another district (which resets the ward) and fires switched on
    at.selectbox(key="filter_district").set_value("Huddersfield").run()
    at.toggle(key="filter_layer_deliberate_fire").set_value(True).run()
    by_hand = at.session_state["shown"]
    assert by_hand.district == "Huddersfield" and by_hand.ward is None
    assert by_hand.layers == ("crime", "deliberate_fire", "ksi")
    shared = dict(at.query_params)
    assert "ward" not in shared and shared["district"] == "Huddersfield"
    assert _open(shared).session_state["shown"] == by_hand  # the new link opens the same view


def test_a_bad_link_opens_the_default_view_with_a_notice_and_no_traceback(store: Store) -> None:
    at = _open({"from": "2024-99", "to": "x", "ward": "Atlantis", "layers": "crime"})
    notes = _notes(at)
    assert "not written as YYYY-MM" in notes and 'ward "Atlantis" is not a ward here' in notes
    shown = at.session_state["shown"]
    assert shown.ward is None and shown.layers == ("crime",)
    assert (shown.start, shown.end) == (date(2024, 10, 1), date(2025, 9, 30))  # the demo's latest 12 months


def test_presentation_mode_from_a_link_shows_public_filters_to_the_local_analyst(store: Store) -> None:
    """Local mode on 127.0.0.1 gives full access; ?present=1 turns the same session public, so a partner
    link's months and layers give way to the public quarter and single layer."""
    assert config.access().mode == "local"
    at = _open({"from": "2024-03", "to": "2024-08", "layers": "crime,ksi", "present": "1"})
    assert at.session_state[access.KEY_PRESENT] is True
    assert at.selectbox(key="filter_public_quarter").value == "2025Q3"
    assert not at.sidebar.get("select_slider") and not at.sidebar.toggle
    assert "are for signed-in partners" in _notes(at)
    assert at.session_state["shown"].layers == ("crime",)  # one layer: the public filter's first
    assert "from" not in at.query_params and at.query_params["quarter"] == "2025Q3"

    plain_at = _open({"from": "2024-03", "to": "2024-08"})
    assert plain_at.session_state["shown"].start == date(2024, 3, 1)  # without it, the analyst's filters


def _profile_page() -> None:
    from views import ward_profile_page

    ward_profile_page.render()


def _scorecard_page() -> None:
    from views import scorecard_page

    scorecard_page.render()


def test_a_page_s_own_choice_travels_in_its_link_too(store: Store) -> None:
    profile = AppTest.from_function(_profile_page, default_timeout=240)
    profile.query_params["ward"] = "golcar"  # a name, in any case, is read as the ward's code
    profile.run()
    assert not profile.exception, [e.message for e in profile.exception]
    assert profile.selectbox(key="profile_ward").value == GOLCAR
    assert profile.query_params["ward"] == GOLCAR

    card = AppTest.from_function(_scorecard_page, default_timeout=240)
    card.query_params["measure"] = "Residential burglary"
    card.run()
    assert not card.exception, [e.message for e in card.exception]
    assert card.selectbox(key="scorecard_measure").value == "Residential burglary"
    card.selectbox(key="scorecard_measure").set_value("KSI casualties").run()
    assert card.query_params["measure"] == "KSI casualties"

    unknown = AppTest.from_function(_scorecard_page, default_timeout=240)
    unknown.query_params["measure"] = "Parking"
    unknown.run()
    assert unknown.selectbox(key="scorecard_measure").value == "Total crime"  # the first measure
    assert 'measure "Parking" is not one of the choices here' in _notes(unknown)


APP = Path(__file__).resolve().parent.parent / "app.py"


def test_presentation_mode_makes_the_whole_app_public_until_switched_off(store: Store) -> None:
    """The whole app (app.py) opened with ?present=1 in local mode: the map shows its public version (the
    public note, no counts under 5), and switching presentation mode off gives the analyst's view back."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.toggle(key=access.KEY_PRESENT).value is True
    assert access.PRESENTING_NOTE in [c.value for c in at.sidebar.caption]
    assert any(c.value.startswith("Public version: only hexagons") for c in at.caption)

    at.toggle(key=access.KEY_PRESENT).set_value(False).run()
    assert not any(c.value.startswith("Public version") for c in at.caption)
    assert at.sidebar.get("select_slider")  # the analyst's months again
    assert "present" not in at.query_params
