"""Shareable views in a real browser: a link with filters opens the same map as setting them by hand.

One page sets the filters by hand (a district, a ward, a layer switched off) and reads the map's hexagon
total and the summary's total; a new browser page (a new session, as someone opening a shared link)
opens a link typed out here and gets the same figures, as does the link the first page's address shows.
The figure itself is checked against a count made straight from the store.
"""

from __future__ import annotations

from datetime import date

import pytest

from store import Store
from store.queries import Filters, counts
from tests import browser_support as bs

pytestmark = pytest.mark.browser

#: The demo's latest 12 months (it ends in September 2025), the window the map opens on.
FIRST, LAST = "2024-10", "2025-09"
GOLCAR = "E05001401"  # a ward of the Rural district in the demo's real ONS boundaries
LAYERS = ("crime", "council_asb", "fly_tipping", "deliberate_fire")  # everything but Road KSI


def _toggle(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"] label').filter(has_text=label).click()


def _figures(page, frame) -> tuple[dict, str]:
    state = bs.hex_state(frame)
    bs.wait_for_shown_total(page, state["total"])
    return state, page.locator('[data-testid="stMetricValue"]').first.inner_text()


def test_a_typed_link_and_a_copied_link_show_what_setting_the_filters_by_hand_shows(
    browser, app_url: str, demo_store: Store
) -> None:
    hand = browser.new_page(viewport={"width": 1440, "height": 900})
    frame = bs.open_map(hand, app_url)
    state = bs.hex_state(frame)
    bs.choose(hand, "District", "Rural")
    state = bs.wait_for_new_hexes(frame, state)
    bs.choose(hand, "Ward", "Golcar")
    state = bs.wait_for_new_hexes(frame, state)
    _toggle(hand, "Road KSI")
    bs.wait_for_new_hexes(frame, state)
    by_hand = _figures(hand, frame)
    copied = hand.url
    hand.close()

    golcar = Filters(LAYERS, start=date(2024, 10, 1), end=date(2025, 9, 30), district="Rural", ward=GOLCAR)
    assert by_hand[0]["total"] == int(counts(demo_store, golcar)["n"].sum())

    typed = f"{app_url}/map?from={FIRST}&to={LAST}&ward=Golcar&layers={','.join(LAYERS)}"
    for link in (typed, copied):
        opened = browser.new_page(viewport={"width": 1440, "height": 900})
        frame = bs.open_map(opened, link)
        bs.wait_for_run(opened)
        assert _figures(opened, frame) == by_hand, link
        opened.close()

