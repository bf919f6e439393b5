"""End to end in a real browser: draw an area on the Clear Hold Build map and designate it.

Starts ``streamlit run serve.py`` on a copy of the demo store (the test writes a designation) and drives
headless Chromium with the helpers of :mod:`tests.browser_support` and the shared ``browser`` fixture
(tests/conftest.py). What it proves: the page's own drawing tool works offline (no leaflet.draw from a
CDN, no request leaving this machine); clicking corners and Finish sends the polygon back to Python;
saving stores exactly that polygon; the saved area is then drawn on the map and listed in the register.
"""

from __future__ import annotations

import getpass
import shutil

import pytest
import shapely

from store import Store
from store.designations import designations
from tests import browser_support as bs

pytestmark = pytest.mark.browser

#: Map-relative click positions (fractions of the map's width and height) of the drawn area's corners.
CORNERS = ((0.42, 0.40), (0.58, 0.40), (0.58, 0.60), (0.42, 0.60))

#: The drawn polygon's corners in latitude/longitude, as Leaflet holds them.
JS_DRAWN = """() => {
    const out = [];
    window.drawnItems.eachLayer(l => l.getLatLngs()[0].forEach(p => out.push([p.lng, p.lat])));
    return out;
}"""

#: Outlines on the map by kind (candidate / designated), from the GeoJSON features Leaflet holds.
JS_AREA_KINDS = """() => {
    const kinds = {};
    window.map.eachLayer(l => {
        const k = l.feature && l.feature.properties && l.feature.properties.kind;
        if (k) kinds[k] = (kinds[k] || 0) + 1;
    });
    return kinds;
}"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, demo_store: Store) -> Store:
    copy = Store(tmp_path_factory.mktemp("browser-chb") / "demo.duckdb")
    shutil.copy(demo_store.path, copy.path)
    return copy


def _map_frame(page):
    frame = page.wait_for_selector(bs.MAP_FRAME, timeout=bs.PAGE_TIMEOUT_MS).content_frame()
    frame.wait_for_function("() => window.map && window.drawnItems", timeout=bs.PAGE_TIMEOUT_MS)
    return frame


def test_draw_an_area_and_designate_it(browser, store: Store) -> None:
    with bs.app_server(store.path, bs.OUTPUT_DIR / "streamlit-browser-chb.log") as url:
        page = browser.new_page(viewport={"width": 1500, "height": 1300})
        traffic = bs.record(page)
        page.goto(f"{url}/clear-hold-build", timeout=bs.PAGE_TIMEOUT_MS)
        frame = _map_frame(page)
        assert frame.evaluate(JS_AREA_KINDS).get("candidate", 0) >= 1

        # draw: start, click four corners, finish
        frame.get_by_role("button", name="✎ Draw an area").click()
        map_div = frame.locator("#map_div")
        box = map_div.bounding_box()
        for fx, fy in CORNERS:
            map_div.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
        frame.get_by_role("button", name="✓ Finish").click()
        drawn = shapely.Polygon(frame.evaluate(JS_DRAWN))
        assert drawn.is_valid and len(drawn.exterior.coords) == 5

        # the polygon reaches Python: the form reports its size and wards
        page.get_by_text("Marked out:").wait_for(timeout=bs.PAGE_TIMEOUT_MS)
        page.get_by_label("Name of the area").fill("Drawn in the browser")
        page.get_by_role("button", name="Save designated area").click()
        page.get_by_text("Saved “Drawn in the browser”.").wait_for(timeout=bs.PAGE_TIMEOUT_MS)

        (saved,) = designations(store)
        assert (saved.name, saved.method, saved.created_by) == (
            "Drawn in the browser",
            "drawn",
            f"{getpass.getuser()} (local)",  # local mode: the computer's login name, no sign-in
        )
        # exactly what was drawn (Leaflet's GeoJSON keeps 6 decimal places, about 0.1 m)
        assert saved.shape.hausdorff_distance(drawn) < 2e-6

        # the designated area is listed and drawn on the (re-mounted) map
        page.get_by_text("Drawn in the browser — Not started").wait_for(timeout=bs.PAGE_TIMEOUT_MS)
        frame = _map_frame(page)
        frame.wait_for_function(f"() => ({JS_AREA_KINDS})().designated === 1", timeout=bs.PAGE_TIMEOUT_MS)
        bs.OUTPUT_DIR.mkdir(exist_ok=True)
        page.screenshot(path=str(bs.OUTPUT_DIR / "chb-page.png"), full_page=True)
        page.close()

    assert not any("leaflet.draw" in u or "cdnjs" in u for _, u in traffic.requests)
    assert not traffic.outside(), f"requests left this machine: {traffic.outside()}"
