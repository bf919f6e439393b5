"""At projector width (1024x768), and at 1440x900, the Clear Hold Build form's date boxes show a whole date.

At 1024 px the three phase dates used to sit side by side in the narrow form column and showed only their
calendar icons. Read-only: uses the session's shared app server (``app_url``). A screenshot is saved under
test-output/ for review.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import browser_support as bs

pytestmark = pytest.mark.browser

#: "dd / mm / yyyy" (and a date typed over it) needs about 90 px at the app's font.
MIN_DATE_FIELD_PX = 90


@pytest.mark.parametrize("width, height", [(1024, 768), (1440, 900)])
def test_clear_hold_build_date_boxes_have_room(browser, app_url: str, width: int, height: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(f"{app_url}/clear-hold-build", timeout=bs.PAGE_TIMEOUT_MS)
        fields = page.locator("[data-testid='stDateInputFieldsScroller']")
        expect(fields.first).to_be_visible(timeout=bs.PAGE_TIMEOUT_MS)
        bs.wait_for_run(page)  # the whole page drawn, not the first elements of a run
        bs.OUTPUT_DIR.mkdir(exist_ok=True)
        bs.screenshot_whole_page(page, bs.OUTPUT_DIR / f"chb-dates-{width}.png")
        # (visible width, width of day / month / year) of each date box: all of it shows, none scrolled away
        measure = "el => [el.clientWidth, el.scrollWidth]"
        sizes = [fields.nth(i).evaluate(measure) for i in range(fields.count())]
        assert len(sizes) == 3, sizes  # the designate form's Clear, Hold and Build dates
        assert all(shown >= max(needed, MIN_DATE_FIELD_PX) for shown, needed in sizes), sizes
    finally:
        page.close()
