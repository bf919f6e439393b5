"""Every page at projector and laptop sizes (1024x768, 1440x900), opened by its own address.

What it proves, in headless Chromium on the demo store:

* every page's address (``/map``, ``/hotspots``, ...) opens that page, and the bare address opens the map;
* nothing on a page runs past the page's right edge or out of its own box, except inside a box made to
  scroll sideways (wide tables scroll inside their container); every page is checked at both sizes;
* at 1024 px a page's map takes at least 60% of the content width (its panel goes underneath);
* at 1024 px, in normal type and in presentation mode's large type, every table and data grid on a page read
  whole on a projector (the scorecard's) holds its content in its own box, with no sideways scrolling, and
  no heading or figure in it is cut off: no text runs out of a plain table's cell or has a word split across
  two lines, and no text a grid draws on its canvas runs past its column's edge (headings measured at the
  page's full type, which a grid may take only after it first draws) or out of its row;
* presentation mode (``?present=1``) gives large type, the map the whole width, and no partner-only page.

Full-length screenshots are saved as test-output/layout-<page>-<width>.png (and layout-<page>-present-1024.png
for the pages read whole) for a person to look at.
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
    #: Every table and grid on the page is read whole at 1024 px, in normal and in presentation mode.
    whole_at_1024: bool = False


PAGES = (
    Page("map", "Incident map", True),
    Page("hotspots", "Hotspots", True),
    Page("clear-hold-build", "Clear Hold Build", True),
    Page("action-days", "Action days", True),
    Page("method", "How this is worked out"),
    Page("packs", "Briefing packs"),
    Page("ward-profile", "Ward profile"),
    Page("scorecard", "Partnership Plan scorecard", whole_at_1024=True),
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

#: How a problem names its table: its place among the page's tables and grids, and its first heading when
#: the page holds it (a grid lists its headings for screen readers in a <table> inside its canvas).
JS_NAME_TABLE = """const name = table => {
    const all = Array.from(document.querySelectorAll('[data-testid="stTable"], [data-testid="stDataFrame"]'));
    const kind = table.dataset.testid === 'stDataFrame' ? 'grid' : 'table';
    const first = table.querySelector('th');
    return `${kind} ${all.indexOf(table) + 1}` + (first ? ` (headed "${first.textContent.trim()}")` : '');
};"""

#: Every table and grid whose content is wider than its box, so that it scrolls sideways: a data grid's
#: content is its scroller's, a plain table's is its <table> inside the element's box.
JS_WIDER_THAN_BOX = f"""() => {{
    {JS_NAME_TABLE}
    const tables = document.querySelectorAll('[data-testid="stTable"], [data-testid="stDataFrame"]');
    if (!tables.length) return ['no table on the page'];
    return Array.from(tables).flatMap(table => {{
        const grid = table.querySelector('.dvn-scroller');
        const [content, box] = grid ? [grid.scrollWidth, grid.clientWidth]
                                    : [table.querySelector('table').scrollWidth, table.clientWidth];
        const why = `${{name(table)}} holds ${{content}} px in ${{box}}, so it scrolls sideways`;
        return content > box ? [why] : [];
    }});
}}"""

#: Text cut off in a plain table: a cell's text running out of it, or a word split across two lines (which
#: Chromium does only when a column is narrower than the word). A hyphen may end a line.
JS_TABLE_TEXT_CUT = f"""() => {{
    {JS_NAME_TABLE}
    const out = [];
    for (const table of document.querySelectorAll('[data-testid="stTable"]')) {{
        for (const cell of table.querySelectorAll('th, td')) {{
            const [text, content, box] = [cell.textContent.trim(), cell.scrollWidth, cell.clientWidth];
            if (content > box) out.push(`${{name(table)}}: "${{text}}" holds ${{content}} px in ${{box}}`);
            const words = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let node = words.nextNode(); node; node = words.nextNode()) {{
                for (const word of node.data.matchAll(/[^\\s-]+-?/g)) {{
                    const range = document.createRange();
                    range.setStart(node, word.index);
                    range.setEnd(node, word.index + word[0].length);
                    const lines = new Set(Array.from(range.getClientRects(), r => Math.round(r.top)));
                    if (lines.size > 1) out.push(`${{name(table)}}: "${{word[0]}}" is split across lines`);
                }}
            }}
        }}
    }}
    return out;
}}"""

#: Run in the page before the app: a data grid draws its headings and cells on a canvas, so nothing in the
#: page says whether a text fits its column. This notes, for every text drawn on a canvas, its box and the
#: rectangle it was clipped to (the grid clips each column, and each wrapped cell, to its edges), both in
#: the canvas's pixels.
JS_RECORD_CANVAS_TEXT = """(() => {
    const P = CanvasRenderingContext2D.prototype;
    const state = new WeakMap();
    const of = ctx => {
        if (!state.has(ctx)) state.set(ctx, {clip: null, saved: [], rects: []});
        return state.get(ctx);
    };
    const box = (ctx, x, y, w, h) => {
        const m = ctx.getTransform();
        const a = m.transformPoint(new DOMPoint(x, y)), b = m.transformPoint(new DOMPoint(x + w, y + h));
        return [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x), Math.max(a.y, b.y)];
    };
    const after = (name, note) => {
        const original = P[name];
        P[name] = function (...args) {
            const result = original.apply(this, args);
            note(this, args);
            return result;
        };
    };
    window.__canvasText = [];
    after('save', ctx => of(ctx).saved.push(of(ctx).clip));
    after('restore', ctx => { of(ctx).clip = of(ctx).saved.pop() || null; });
    after('beginPath', ctx => { of(ctx).rects = []; });
    after('rect', (ctx, [x, y, w, h]) => of(ctx).rects.push(box(ctx, x, y, w, h)));
    after('clip', (ctx, args) => {
        const s = of(ctx);
        if (args.length && typeof args[0] === 'object') return;  // a Path2D: not followed
        if (!s.rects.length) return;
        const r = s.rects.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]),
                                             Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
        s.clip = s.clip ? [Math.max(s.clip[0], r[0]), Math.max(s.clip[1], r[1]),
                           Math.min(s.clip[2], r[2]), Math.min(s.clip[3], r[3])] : r;
    });
    after('fillText', (ctx, [text, x, y]) => {
        const m = ctx.measureText(text);
        const align = ctx.textAlign;
        const left = align === 'right' || align === 'end' ? x - m.width
                   : align === 'center' ? x - m.width / 2 : x;
        const up = m.actualBoundingBoxAscent;
        window.__canvasText.push({
            canvas: ctx.canvas, text: String(text), font: ctx.font, scale: ctx.getTransform().a,
            box: box(ctx, left, y - up, m.width, up + m.actualBoundingBoxDescent), clip: of(ctx).clip,
        });
    });
})();"""

#: Text a data grid drew that does not fit: past its column's edge less the grid's gap, or out of its row.
#: A grid's type (0.875rem) and gap (0.5rem) are worked out from the page's root font size when the grid
#: first draws, which in presentation mode may be before its large type applies (then the grid keeps 14 px
#: type and 8 px gaps): a heading never wraps, so it is measured at the full size as well.
JS_GRID_TEXT_CUT = f"""() => {{
    {JS_NAME_TABLE}
    const GRID_TYPE_REM = 0.875;
    const full = GRID_TYPE_REM * parseFloat(getComputedStyle(document.documentElement).fontSize);
    const ruler = document.createElement('canvas').getContext('2d');
    const out = new Set();
    for (const t of window.__canvasText) {{
        const table = t.canvas.closest && t.canvas.closest('[data-testid="stDataFrame"]');
        if (!table || !t.clip) continue;
        const themed = table.querySelector('[style*="--gdg-cell-horizontal-padding"]');
        const padding = parseFloat(themed.style.getPropertyValue('--gdg-cell-horizontal-padding'));
        let [left, top, right, bottom] = t.box;
        let gap = padding * t.scale;
        const [clipLeft, clipTop, clipRight, clipBottom] = t.clip;
        const heading = clipTop <= 0.5;  // the heading row is the top of the grid's canvas
        const size = parseFloat(t.font.match(/([\\d.]+)px/)[1]);
        if (heading && size < full) {{  // as it would be drawn in full type, with the gap that goes with it
            ruler.font = t.font.replace(/[\\d.]+px/, `${{full}}px`);
            left += gap * (full / size - 1);
            gap *= full / size;
            right = left + ruler.measureText(t.text).width * t.scale;
        }}
        const px = v => Math.round(v / t.scale);
        const type = heading ? ` at ${{Math.max(size, full)}} px type` : '';
        if (left < clipLeft + gap - 0.5 || right > clipRight - gap + 0.5)
            out.add(`${{name(table)}}: "${{t.text}}" needs ${{px(right - left + 2 * gap)}} px${{type}} ` +
                    `in a column of ${{px(clipRight - clipLeft)}}`);
        else if (top < clipTop - 0.5 || bottom > clipBottom + 0.5)
            out.add(`${{name(table)}}: "${{t.text}}" is cut off at the top or bottom of its row`);
    }}
    return Array.from(out);
}}"""

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


WHOLE = [spec for spec in PAGES if spec.whole_at_1024]
WHOLE_CHECKS = (JS_WIDER_THAN_BOX, JS_TABLE_TEXT_CUT, JS_GRID_TEXT_CUT)


@pytest.mark.parametrize("present", [False, True], ids=["normal", "presentation"])
@pytest.mark.parametrize("spec", WHOLE, ids=[spec.path for spec in WHOLE])
def test_tables_are_read_whole_on_a_projector(browser, app_url: str, spec: Page, present: bool) -> None:
    width, height = SIZES[0]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.add_init_script(JS_RECORD_CANVAS_TEXT)
    _open(page, f"{app_url}/{spec.path}" + ("?present=1" if present else ""), spec)
    page.locator('[data-testid="stTable"], [data-testid="stDataFrame"]').first.wait_for()
    bs.wait_for_run(page)  # the run that draws the tables has ended: they have all arrived
    # the page's type size: presentation mode's style sheet may take a frame or two to apply after the run
    page.wait_for_function(
        "size => getComputedStyle(document.documentElement).fontSize === size",
        arg="20px" if present else "16px",
        timeout=bs.PAGE_TIMEOUT_MS,
    )
    page.evaluate("() => document.fonts.ready.then(() => true)")
    # every grid draws again, at the window's width and in the page's fonts, and only that drawing is judged
    for step in (-1, 0):
        page.evaluate("() => { window.__canvasText = []; }")
        page.set_viewport_size({"width": width + step, "height": height})
        page.wait_for_function(
            "() => window.__canvasText.length > 0 || !document.querySelector('[data-testid=\"stDataFrame\"]')"
        )
    page.evaluate(bs.JS_NEXT_FRAME)
    found = [problem for check in WHOLE_CHECKS for problem in page.evaluate(check)]
    mode = "-present" if present else ""
    bs.screenshot_whole_page(page, bs.OUTPUT_DIR / f"layout-{spec.path}{mode}-{width}.png")
    page.close()
    assert not found, found
