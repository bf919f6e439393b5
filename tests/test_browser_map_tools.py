"""The Map page's tools in a real browser, offline: place names on the map, search that zooms the map, a
click on a hexagon that opens its panel with the count the hexagon holds, and "save map as image" that
delivers a PNG on the first click.

One server and one page for the module (the session's demo app); every wait is bounded. Screenshots go
to test-output/map-tools/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import config
from tests import browser_support as bs

pytestmark = pytest.mark.browser

SHOTS = bs.OUTPUT_DIR / "map-tools"
WAIT_MS = 60_000

#: Map state: the centre-ish hexagon with the largest total (its total, and where it is on screen), the
#: map's bounds and the place labels drawn.
JS_CLICK_BUSIEST_HEX = """() => {
    let best = null;
    window.feature_group[window.feature_group.length - 1].eachLayer(layer => {
        if (!layer.eachLayer) return;
        layer.eachLayer(f => {
            const p = f.feature && f.feature.properties;
            if (p && p.kind === 'hex' && (!best || p.total > best.feature.properties.total)) best = f;
        });
    });
    // the event a mouse click on the hexagon's middle gives Leaflet, which streamlit-folium reports
    best.fire('click', {latlng: best.getBounds().getCenter()});
    return best.feature.properties.total;
}"""
JS_BOUNDS = """() => { const b = window.map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"""
#: True once the map's bounds are within ``tolerance`` degrees of ``bounds`` (about 10 m for 1e-4).
JS_BOUNDS_BACK = f"""([bounds, tolerance]) =>
    ({JS_BOUNDS})().every((v, i) => Math.abs(v - bounds[i]) < tolerance)"""
#: Place names on screen, with their boxes.
JS_LABELS = """() => Array.from(document.querySelectorAll('.place-label span'))
    .filter(el => getComputedStyle(el.parentElement).display !== 'none'
                  && getComputedStyle(el).visibility !== 'hidden')
    .map(el => { const r = el.getBoundingClientRect();
                 return {name: el.innerText, box: [r.left, r.top, r.right, r.bottom]}; })"""


def _names(frame) -> list[str]:
    return [label["name"] for label in frame.evaluate(JS_LABELS)]


@pytest.fixture(scope="module")
def page(browser, app_url: str):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    frame = bs.open_map(page, app_url)
    bs.wait_for_run(page)
    yield page, frame
    context.close()


def test_place_names_are_drawn_on_the_offline_map(page) -> None:
    page, frame = page
    labels = frame.evaluate(JS_LABELS)
    towns = {p.name for p in config.places() if p.kind == "town"}
    # the borough view names towns only (smaller places wait until the user zooms in), the largest ones
    # at least, and no two names overlap
    names = {label["name"] for label in labels}
    assert names <= towns and {"Huddersfield", "Dewsbury", "Holmfirth"} <= names
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            (l1, t1, r1, b1), (l2, t2, r2, b2) = a["box"], b["box"]
            assert not (l1 < r2 and r1 > l2 and t1 < b2 and b1 > t2), (a["name"], b["name"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "01-borough-with-place-names.png"))
    bs.screenshot_whole_page(page, SHOTS / "00-whole-map-page.png")  # with the monthly chart below


def test_clicking_a_place_name_opens_the_panel_of_the_hexagon_under_it(page) -> None:
    page, frame = page
    name = frame.locator(".place-label span", has_text="Dewsbury").bounding_box()  # page coordinates
    # a real mouse click on the name: it lands on the hexagon under it, which holds the town's centre; the
    # page must not scroll under the pointer (views.maps.FocusInPlace), or the click is lost as a drag
    page.mouse.click(name["x"] + name["width"] / 2, name["y"] + name["height"] / 2)
    expect(page.get_by_text("Dewsbury: the hexagon at its centre")).to_be_visible(timeout=WAIT_MS)
    bs.wait_for_run(page)
    expect(page.get_by_text("Hot-spot class:")).to_be_visible()


def _search(page, frame, typed: str, match: str) -> list[float]:
    """Type ``typed`` into "Find a place" as a person would, wait for ``match`` to be offered and the map to
    move; the map's bounds then (west, south, east, north)."""
    before = frame.evaluate(JS_BOUNDS)
    box = page.get_by_role("textbox", name="Find a place")
    box.fill(typed)
    box.press("Enter")
    expect(page.get_by_role("combobox", name="Matches")).to_have_value(match, timeout=WAIT_MS)
    frame.wait_for_function(
        f"before => JSON.stringify(({JS_BOUNDS})()) !== JSON.stringify(before)", arg=before, timeout=WAIT_MS
    )
    return frame.evaluate(JS_BOUNDS)


def _clear_search_and_expect_the_view(page, frame, view: list[float]) -> None:
    """Empty "Find a place" and wait until the map is back on ``view`` (the bounds it had before)."""
    box = page.get_by_role("textbox", name="Find a place")
    box.fill("")
    box.press("Enter")
    expect(page.get_by_role("combobox", name="Matches")).to_have_count(0, timeout=WAIT_MS)
    frame.wait_for_function(JS_BOUNDS_BACK, arg=[view, 1e-4], timeout=WAIT_MS)
    bs.wait_for_run(page)


def test_search_for_a_village_zooms_the_map_to_it_and_clearing_it_zooms_back_out(page) -> None:
    page, frame = page
    place = next(p for p in config.places() if p.name == "Marsden")
    before = frame.evaluate(JS_BOUNDS)
    west, south, east, north = _search(page, frame, "marsd", "Marsden (village)")
    assert west < place.lon < east and south < place.lat < north
    # zoomed in: the view is a few kilometres across, not the borough's 29 km
    assert east - west < 0.15 and north - south < 0.08
    assert before[2] - before[0] > 0.3  # (the view before was the borough's)
    # zoomed in far enough for the village's own name to show
    assert "Marsden" in _names(frame)
    page.screenshot(path=str(SHOTS / "02-search-marsden.png"))
    # a councillor clearing the box gets the whole of Kirklees back, as it was before the search
    _clear_search_and_expect_the_view(page, frame, before)
    assert "Marsden" not in _names(frame)
    page.screenshot(path=str(SHOTS / "02b-search-cleared.png"))


def test_clearing_the_search_goes_back_to_the_district_chosen(browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    frame = bs.open_map(page, f"{app_url}/map?district=Huddersfield")
    bs.wait_for_run(page)
    district = frame.evaluate(JS_BOUNDS)
    place = next(p for p in config.places() if p.name == "Lockwood")
    west, south, east, north = _search(page, frame, "Lockwood", "Lockwood (suburb)")
    assert west < place.lon < east and south < place.lat < north
    assert east - west < (district[2] - district[0]) / 2  # zoomed in from the district's view
    # back to Huddersfield, the view the filters chose - not the last place found, nor all of Kirklees
    _clear_search_and_expect_the_view(page, frame, district)
    page.screenshot(path=str(SHOTS / "05-search-cleared-huddersfield-1024.png"))
    context.close()


def test_clicking_a_hexagon_opens_its_panel_with_its_count(page) -> None:
    page, frame = page
    page.get_by_role("textbox", name="Find a place").fill("")
    total = frame.evaluate(JS_CLICK_BUSIEST_HEX)
    # the panel's count is the clicked hexagon's (its heading names a place when one's centre is in it)
    metric = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text("Incidents", exact=True))
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(f"{total:,}", timeout=WAIT_MS)
    bs.wait_for_run(page)
    expect(page.get_by_role("heading", name=re.compile("hexagon")).first).to_be_visible()
    expect(page.get_by_text("Hot-spot class:")).to_be_visible()
    # its categories and its months
    expect(page.get_by_text("Incidents per month").first).to_be_visible()
    page.get_by_text("Hot-spot class:").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "03-clicked-hexagon.png"))


def test_the_map_image_arrives_on_the_first_click_of_its_download_button(page) -> None:
    page, _ = page
    page.get_by_role("button", name=re.compile("Prepare map image")).click()
    button = page.get_by_role("button", name=re.compile("Save map as image"))
    expect(button).to_be_visible(timeout=WAIT_MS)
    with page.expect_download(timeout=WAIT_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("SYNTHETIC-map-") and download.suggested_filename.endswith(
        ".png"
    )
    target = SHOTS / "04-saved-map.png"
    download.save_as(str(target))
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
