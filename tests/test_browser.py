"""End to end in a real browser: the map page draws offline, from local assets only, and filters redraw it.

Starts ``streamlit run app.py`` on the demo store and drives it with headless Chromium. What it proves:
Leaflet is loaded from the app's own server (no CDN) and no request leaves this machine; hexagons and
ward/district outlines are drawn although the basemap tiles fail; the summary panel agrees with the
map; a district filter swaps the hexagons and outlines the district; hexagon tooltips work under the
outline layer. A screenshot is saved under test-output/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from store import Store
from tests import browser_support as bs

pytestmark = pytest.mark.browser

OUTPUT_DIR = bs.PROJECT_DIR / "test-output"
# Page elements arrive over the websocket one by one; on a busy shared machine that can take a while.
expect.set_options(timeout=30_000)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def chromium() -> Path:
    try:
        path = bs.require_chromium()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    if path is None:
        pytest.skip(
            "!!! BROWSER TESTS SKIPPED (HOTSPOTS_SKIP_BROWSER=1): the map was NOT checked in a browser !!!"
        )
    return path


@pytest.fixture(scope="module")
def app_url(chromium: Path, demo_store: Store) -> str:
    with bs.app_server(demo_store.path, OUTPUT_DIR / "streamlit-browser-test.log") as url:
        yield url


@pytest.fixture(scope="module")
def session(chromium: Path, app_url: str):
    """One browser page on the map, with every request and failure it made recorded."""
    requests: list[tuple[str, str]] = []
    failures: list[tuple[str, str, str]] = []
    with sync_playwright() as playwright:
        browser = bs.launch(playwright, chromium)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.on("request", lambda r: requests.append((r.resource_type, r.url)))
        page.on("requestfailed", lambda r: failures.append((r.resource_type, r.url, r.failure or "")))
        page.on(
            "response",
            lambda r: (
                r.status >= 400 and failures.append((r.request.resource_type, r.url, f"HTTP {r.status}"))
            ),
        )
        frame = bs.open_map(page, app_url)
        yield page, frame, requests, failures
        browser.close()


def test_map_draws_offline_from_local_assets(session) -> None:
    page, frame, requests, failures = session
    state = bs.hex_state(frame)
    bs.wait_for_shown_total(page, state["total"])

    kinds = frame.evaluate(bs.JS_FEATURE_KINDS)
    assert kinds.get("hex", 0) > 100, kinds
    assert kinds.get("ward") == 23 and kinds.get("district") == 4, kinds
    painted = frame.evaluate(bs.JS_PAINTED)
    assert painted.get("overlay", 0) > 10_000, f"hexagons not painted: {painted}"
    assert painted.get("outlines", 0) > 1_000, f"boundaries not painted: {painted}"

    expect(page.get_by_text("SYNTHETIC DEMO DATA").first).to_be_visible()
    expect(page.locator("#map-legend")).to_be_visible()
    expect(page.get_by_role("table").first.get_by_text("All shown")).to_be_visible()

    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "map-page.png"), full_page=True)

    loaded = [url for kind, url in requests if kind in ("script", "stylesheet")]
    assert any(url.endswith("/app/static/vendor/leaflet/leaflet.js") for url in loaded), loaded
    assert any(url.endswith("/app/static/vendor/leaflet/leaflet.css") for url in loaded), loaded
    broken = [f for f in failures if f[0] in ("script", "stylesheet")]
    assert not broken, f"script/stylesheet loads failed: {broken}"
    outside = sorted({url for _, url in requests if urlsplit(url).hostname not in LOCAL_HOSTS | {None}})
    outside = [u for u in outside if not u.startswith(("data:", "blob:", "about:"))]
    assert not outside, f"requests left this machine: {outside}"


def test_district_filter_redraws_map_and_tooltips_work(session) -> None:
    page, frame, _, _ = session
    before = bs.hex_state(frame)
    bs.choose(page, "District", "Huddersfield")
    after = bs.wait_for_new_hexes(frame, before)
    assert 0 < after["total"] < before["total"]
    bs.wait_for_shown_total(page, after["total"])
    expect(page.get_by_role("heading", name="Huddersfield")).to_be_visible()
    assert frame.evaluate(bs.JS_FEATURE_KINDS).get("selected") == 1

    # Point at the busiest hexagon: its tooltip (under the mouse-transparent outline pane) names the place.
    point = frame.evaluate(
        """() => {
            let best = null;
            const group = window.feature_group[window.feature_group.length - 1];
            group.eachLayer(g => g.eachLayer && g.eachLayer(f => {
                const p = f.feature && f.feature.properties;
                if (p && p.kind === 'hex' && (!best || p.total > best.feature.properties.total)) best = f;
            }));
            const p = window.map.latLngToContainerPoint(best.getCenter());
            const box = window.map.getContainer().getBoundingClientRect();
            return {x: box.left + p.x, y: box.top + p.y};
        }"""
    )
    frame_box = page.locator(bs.MAP_FRAME).bounding_box()
    page.mouse.move(frame_box["x"] + point["x"], frame_box["y"] + point["y"])
    tooltip = frame.wait_for_selector(".leaflet-tooltip", timeout=bs.PAGE_TIMEOUT_MS)
    text = tooltip.inner_text()
    assert "Ward" in text and "Huddersfield" in text and "All shown" in text, text
