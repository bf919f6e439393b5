"""Every page at projector and laptop sizes (1024x768, 1440x900), opened by its own address.

What it proves, in headless Chromium on the demo store:

* every page's address (``/map``, ``/hotspots``, ...) opens that page, and the bare address opens the map;
* nothing on a page runs past the page's right edge or out of its own box, except inside a box made to
  scroll sideways (wide tables scroll inside their container); every page is checked at both sizes;
* at 1024 px a page's map takes at least 60% of the content width (its panel goes underneath);
* at 1024 px the tables a person must read whole (the scorecard's Kirklees figures and what each measure
  is) hold their content in their own box, with no sideways scrolling;
* presentation mode (``?present=1``) gives large type, the map the whole width, and no partner-only page.

Full-length screenshots are saved as test-output/layout-<page>-<width>.png for a person to look at.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests import browser_support as bs

pytestmark = pytest.mark.browser

SIZES = ((1024, 768), (1440, 900))
#: The least share of the content width a map may have at 1024 px.
MAP_SHARE = 0.6


@dataclass(frozen=True)
class Page:
    path: str
    heading: str
    has_map: bool = False
    #: Tables read whole at 1024 px, by test id: the first of each kind on the page may not scroll sideways.
    whole_at_1024: tuple[str, ...] = ()


PAGES = (
    Page("map", "Incident map", True),
    Page("hotspots", "Hotspots", True),
    Page("clear-hold-build", "Clear Hold Build", True),
    Page("action-days", "Action days", True),
    Page("method", "How this is worked out"),
    Page("packs", "Briefing packs"),
    Page("ward-profile", "Ward profile"),
    Page("scorecard", "Partnership Plan scorecard", whole_at_1024=("stTable", "stDataFrame")),
    Page("data", "Load data"),
)

#: Elements in the main area that stick out: past the content's right edge, or wider inside than their
#: own box where nothing scrolls or clips (text running out of a cell). Anything inside a box that scrolls
#: or clips sideways is that box's business (a table scrolling inside its container is allowed).
#: Streamlit's invisible resize handle, half outside every data table's corner by design, is set aside.
#: A date box too narrow for a whole date ("dd / mm /" and no year) is cut off too.
JS_OVERFLOWS = """() => {
    const MIN_DATE_PX = 125;  // dd / mm / yyyy and the calendar icon
    document.querySelectorAll('[data-testid="stDataFrameResizable"] div').forEach(h => {
        if (getComputedStyle(h).cursor.endsWith('resize')) h.style.display = 'none';
    });
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const style = getComputedStyle(main);
    const right = main.getBoundingClientRect().right - parseFloat(style.paddingRight);
    const edge = Math.min(right, document.documentElement.clientWidth);
    const describe = el => {
        const id = el.getAttribute('data-testid') || el.className || '';
        const text = (el.innerText || '').slice(0, 40);
        return `${el.tagName.toLowerCase()}[${String(id).slice(0, 40)}] "${text}"`;
    };
    const out = [];
    for (const box of main.querySelectorAll('[data-testid="stDateInput"]')) {
        const width = Math.round(box.getBoundingClientRect().width);
        if (width > 0 && width < MIN_DATE_PX) out.push(`${describe(box)} is only ${width} px wide`);
    }
    for (const el of main.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        let inScroller = false;
        for (let a = el.parentElement; a && a !== main; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') { inScroller = true; break; }
        }
        if (inScroller) continue;
        const own = getComputedStyle(el).overflowX;
        if (box.right > edge + 1)
            out.push(`${describe(el)} ends at ${Math.round(box.right)} > ${Math.round(edge)}`);
        else if (own === 'visible' && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
            out.push(`${describe(el)} holds ${el.scrollWidth} px in ${el.clientWidth}`);
    }
    return out;
}"""

#: The first table of each test id given whose content is wider than its box, so that it scrolls sideways: a
#: data grid's content is its scroller's, a plain table's is its <table> inside the element's box.
JS_WIDER_THAN_BOX = """ids => ids.flatMap(id => {
    const table = document.querySelector(`[data-testid="${id}"]`);
    if (!table) return [`no ${id} on the page`];
    const grid = table.querySelector('.dvn-scroller');
    const [content, box] = grid ? [grid.scrollWidth, grid.clientWidth]
                                : [table.querySelector('table').scrollWidth, table.clientWidth];
    return content > box ? [`${id} holds ${content} px in ${box}, so it scrolls sideways`] : [];
})"""

#: The map's width as a share of the content width (null when the page has no map).
JS_MAP_SHARE = """() => {
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const style = getComputedStyle(main);
    const content = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const map = document.querySelector("iframe[title='streamlit_folium.st_folium']");
    return map ? map.getBoundingClientRect().width / content : null;
}"""


def _open(page, url: str, spec: Page) -> None:
    """Open ``url`` and wait until ``spec``'s page has run and its map (if any) is drawn."""
    page.goto(url, timeout=bs.PAGE_TIMEOUT_MS)
    expect(page.get_by_role("heading", name=spec.heading, exact=True).first).to_be_visible(
        timeout=bs.PAGE_TIMEOUT_MS
    )
    bs.wait_for_run(page)
    assert page.get_by_text("Page not found").count() == 0, url
    if spec.has_map:
        frame = page.wait_for_selector(bs.MAP_FRAME, timeout=bs.PAGE_TIMEOUT_MS).content_frame()
        frame.wait_for_function("() => !!window.map", timeout=bs.PAGE_TIMEOUT_MS)
        frame.evaluate(bs.JS_NEXT_FRAME)
    bs.wait_for_run(page)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_page_opens_by_its_address_and_fits_the_screen(browser, app_url: str, width, height) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: dict[str, list[str]] = {}
    bs.OUTPUT_DIR.mkdir(exist_ok=True)
    for spec in PAGES:
        _open(page, f"{app_url}/{spec.path}", spec)
        assert page.locator('[data-testid="stException"]').count() == 0, spec.path
        bs.screenshot_whole_page(page, bs.OUTPUT_DIR / f"layout-{spec.path}-{width}.png")
        found = page.evaluate(JS_OVERFLOWS)
        if spec.has_map and width == SIZES[0][0]:
            share = page.evaluate(JS_MAP_SHARE)
            if share < MAP_SHARE:
                found.append(f"the map is {share:.0%} of the content width, under {MAP_SHARE:.0%}")
        if width == SIZES[0][0]:
            for test_id in spec.whole_at_1024:
                page.locator(f'[data-testid="{test_id}"]').first.wait_for()
            found += page.evaluate(JS_WIDER_THAN_BOX, list(spec.whole_at_1024))
        if found:
            problems[spec.path] = found
    _open(page, app_url, PAGES[0])  # the bare address is the map's too
    page.close()
    assert not problems, problems


def test_presentation_mode_is_large_map_first_and_public(browser, app_url: str) -> None:
    width, height = SIZES[0]
    page = browser.new_page(viewport={"width": width, "height": height})
    _open(page, f"{app_url}/map?present=1", PAGES[0])
    assert page.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "20px"
    assert page.evaluate(JS_MAP_SHARE) > 0.97  # the whole width: the summary is underneath
    # a menu entry reads "<icon name>\n\n<title>"
    menu = [text.split("\n")[-1] for text in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]
    assert "Map" in menu and not {"Clear Hold Build", "Action days", "Load data"} & set(menu), menu
    expect(page.get_by_role("combobox", name="Quarter")).to_be_visible()  # the public filters
    assert "present=1" in page.url
    bs.screenshot_whole_page(page, bs.OUTPUT_DIR / f"layout-present-{width}.png")
    assert page.evaluate(JS_OVERFLOWS) == []
    page.close()
