"""End to end in a real browser: every page of the app, reached through the sidebar, runs cleanly offline.

One Chromium page on the demo store clicks through the whole sidebar menu in order. On every page: the
page's own heading appears and its script run finishes, no Streamlit exception box and no JavaScript
error appear, the synthetic-data label is visible, and a map (where the page has one) is drawn by
Leaflet; a CSV download (made only when its button is pressed) arrives named and labelled as synthetic.
Over the whole tour no request leaves this machine and nothing fails to load (scripts, styles,
fonts, the favicon; only the deliberately missing basemap tiles may fail). A full-length screenshot of
each page is saved under test-output/pages/ for a person to look at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

import config
from tests import browser_support as bs

pytestmark = pytest.mark.browser

SCREENSHOTS = bs.OUTPUT_DIR / "pages"


@dataclass(frozen=True)
class PageSpec:
    title: str  # in the sidebar menu
    heading: str  # the page's st.title
    shot: str  # screenshot file name
    map: str | None = None  # "swapped": a feature group is swapped in; "fixed": drawn with the map; None
    download: str | None = None  # a CSV download button to press (files are made when pressed)


#: Every page in menu order (the test fails if the menu lists others, so a new page gets checked too).
PAGES = (
    PageSpec("Map", "Incident map", "01-map.png", "swapped"),
    PageSpec("Hotspots", "Hotspots", "02-hotspots.png", "swapped", "Hot cells (CSV)"),
    PageSpec("Clear Hold Build", "Clear Hold Build", "03-clear-hold-build.png", "fixed"),
    PageSpec("Action days", "Action days", "04-action-days.png", "swapped", "Download CSV"),
    PageSpec("How this is worked out", "How this is worked out", "05-method.png"),
    PageSpec("Briefing packs", "Briefing packs", "06-packs.png"),
    PageSpec("Ward profile", "Ward profile", "07-ward-profile.png"),
    PageSpec("Scorecard", "Partnership Plan scorecard", "08-scorecard.png"),
    PageSpec("Load data", "Load data", "09-load-data.png"),
)

#: True once Leaflet holds the map and, for pages that swap one in, the page's feature group.
JS_MAP_READY = """swapped => !!window.map && (!swapped || (window.feature_group || []).length > 0)"""


def _menu_link(page, title: str):
    return page.locator('[data-testid="stSidebarNav"] a').filter(
        has=page.get_by_text(re.compile(f"^{re.escape(title)}$"))
    )


def test_every_page_runs_offline_without_errors(browser, app_url: str) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    traffic = bs.record(page)
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    # the bare address shows the Map too: let its map finish loading before the tour leaves it, or the
    # browser aborts the map frame's half-loaded script, which is the tour's doing, not a broken asset
    bs.open_map(page, app_url)
    bs.wait_for_run(page)

    menu = page.locator('[data-testid="stSidebarNav"] a')
    assert menu.count() == len(PAGES), menu.all_inner_texts()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for spec in PAGES:
        _menu_link(page, spec.title).click()
        expect(page.get_by_role("heading", name=spec.heading, exact=True).first).to_be_visible(
            timeout=bs.PAGE_TIMEOUT_MS
        )
        bs.wait_for_run(page)
        if spec.map:
            frame = page.wait_for_selector(bs.MAP_FRAME, timeout=bs.PAGE_TIMEOUT_MS).content_frame()
            frame.wait_for_function(JS_MAP_READY, arg=spec.map == "swapped", timeout=bs.PAGE_TIMEOUT_MS)
            frame.evaluate(bs.JS_NEXT_FRAME)
        assert page.locator('[data-testid="stException"]').count() == 0, (
            spec.title,
            page.locator('[data-testid="stException"]').all_inner_texts(),
        )
        expect(page.get_by_text(config.SYNTHETIC_LABEL).first).to_be_visible()
        bs.screenshot_whole_page(page, SCREENSHOTS / spec.shot)
        if spec.download:
            with page.expect_download(timeout=bs.PAGE_TIMEOUT_MS) as pressed:
                page.get_by_role("button", name=spec.download).click()
            download = pressed.value
            assert download.suggested_filename.startswith("SYNTHETIC-"), download.suggested_filename
            rows = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
            assert len(rows) > 1 and all(row.startswith(config.SYNTHETIC_LABEL) for row in rows[1:]), rows[:3]
        assert not script_errors, (spec.title, script_errors)

    page.close()
    assert not traffic.broken(), f"loads failed: {traffic.broken()}"
    assert not traffic.outside(), f"requests left this machine: {traffic.outside()}"
