"""End to end in a real browser: the map page draws offline, from local assets only, and filters redraw it.

Starts ``streamlit run serve.py`` on the demo store and drives it with headless Chromium. What it proves:
Leaflet is loaded from the app's own server (no CDN) and no request leaves this machine; hexagons and
ward/district outlines are drawn although the basemap tiles fail; the summary panel agrees with the
map; a district filter swaps the hexagons and outlines the district; hexagon tooltips work under the
outline layer. A screenshot is saved under test-output/ for a person to look at.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import browser_support as bs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def session(browser, app_url: str):
    """One browser page on the map, with every request and failure it made recorded."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    traffic = bs.record(page)
    frame = bs.open_map(page, app_url)
    yield page, frame, traffic
    page.close()


def test_map_draws_offline_from_local_assets(session) -> None:
    page, frame, traffic = session
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

    bs.OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(bs.OUTPUT_DIR / "map-page.png"), full_page=True)

    loaded = [url for kind, url in traffic.requests if kind in ("script", "stylesheet")]
    assert any(url.endswith("/app/static/vendor/leaflet/leaflet.js") for url in loaded), loaded
    assert any(url.endswith("/app/static/vendor/leaflet/leaflet.css") for url in loaded), loaded
    assert not traffic.broken(), f"loads failed: {traffic.broken()}"
    assert not traffic.outside(), f"requests left this machine: {traffic.outside()}"


def test_district_filter_redraws_map_and_tooltips_work(session) -> None:
    page, frame, _ = session
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
