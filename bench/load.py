"""Load benchmark: N people using one app server at once, each changing the map's filters.

Run by hand (not part of the test suite):

    .venv/bin/python bench/load.py [--sessions 20] [--changes 5] [--store PATH]

It starts ``streamlit run serve.py`` on 127.0.0.1 (a demo store, built under bench/output/ when missing),
then opens ``--sessions`` separate browser sessions (one Chromium, one context each: separate cookies
and Streamlit sessions), arriving over ``--ramp`` seconds. Every session loads the map and makes
``--changes`` filter changes ``--think`` seconds apart (districts, then wards, each session starting at a
different place in the list), timing each from the click until Leaflet shows the new hexagons and the
summary panel shows the matching total. The browsers run on the same machine as the server, so on a
2-core machine the figures include 20 Chromium renderers competing with it: a ceiling, not a forecast.

An error is anything a person would see go wrong: a Streamlit exception box, a page whose map never
redraws, a JavaScript error, a "Traceback" anywhere on the page, or an HTTP failure from the app
server. It prints every session's result, then the error count and the p50/p95/max of all changes.
All traffic goes to 127.0.0.1; the run is bounded by ``--sessions`` x ``--changes`` and a time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import config  # noqa: E402
from bench.browser_filter_bench import OUTPUT_DIR, ensure_store, load_note  # noqa: E402
from layers.ingest import current_wards  # noqa: E402
from tests import browser_support as bs  # noqa: E402

#: The app element once its script run has finished.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
#: One session may take this long in all before it counts as failed (a bound, not a measure).
SESSION_LIMIT_S = 600


def choices(store) -> list[tuple[str, str]]:
    """(select box, option) pairs a session steps through: the districts, the whole borough, then every
    ward. A ward box lists only the chosen district's wards, so the borough comes before the wards."""
    wards = current_wards(store)
    districts = [("District", d) for d in wards.district_names]
    borough = [("District", f"All of {config.BOROUGH_NAME}")]
    return districts + borough + [("Ward", n) for n in sorted(wards.names)]


def session_steps(options: list[tuple[str, str]], start: int, n: int) -> list[tuple[str, str]]:
    """``n`` changes from ``options``, cyclically from ``start``; a session opens on the whole borough, so
    it never starts by choosing it (that would change nothing)."""
    rotated = options[start % len(options) :] + options[: start % len(options)]
    if rotated[0][1].startswith("All of "):
        rotated = rotated[1:] + rotated[:1]
    return [rotated[j % len(rotated)] for j in range(n)]


async def _map_frame(page, before: dict | None = None):
    """The map's frame once Leaflet holds hexagons (different from ``before``, when given).

    Streamlit may replace the map's iframe while a run is going (under load a page can render twice):
    a replaced frame is looked up again, as a person's browser simply shows the new one.
    """
    changed = f"before => JSON.stringify(({bs.JS_HEX_STATE})()) !== JSON.stringify(before)"
    for _ in range(5):
        frame = await (await page.wait_for_selector(bs.MAP_FRAME, timeout=bs.PAGE_TIMEOUT_MS)).content_frame()
        if frame is None:  # the iframe element is there but its document not yet
            await asyncio.sleep(0.2)
            continue
        try:
            await frame.wait_for_function(changed, arg=before, polling="raf", timeout=bs.PAGE_TIMEOUT_MS)
            return frame
        except Exception as exc:  # noqa: BLE001 - only a replaced frame is retried
            if "detached" not in str(exc):
                raise
    raise RuntimeError("the map frame kept being replaced")


async def _change(page, frame, label: str, option: str) -> tuple[float, object]:
    """Pick ``option`` in the ``label`` box; (seconds until map and panel show it, the map's frame)."""
    if frame.is_detached():
        frame = await _map_frame(page)
    before = await frame.evaluate(bs.JS_HEX_STATE)
    await page.wait_for_selector(IDLE, timeout=bs.PAGE_TIMEOUT_MS)  # as a person waits for the page
    for attempt in range(3):  # a rerun arriving (the map reporting back) can close an open list: reopen it
        await page.get_by_role("combobox", name=label).click(timeout=bs.PAGE_TIMEOUT_MS)
        start = time.perf_counter()
        try:
            await page.get_by_role("option", name=option, exact=True).click(timeout=20_000)
            break
        except Exception:  # noqa: BLE001 - retried; the last failure is the session's error
            if attempt == 2:
                raise
    frame = await _map_frame(page, before)
    after = await frame.evaluate(bs.JS_HEX_STATE)
    await page.wait_for_function(
        """expected => {
            const el = document.querySelector('[data-testid="stMetricValue"]');
            return el !== null && el.innerText.replace(/[^0-9]/g, '') === expected;
        }""",
        arg=str(after["total"]),
        timeout=bs.PAGE_TIMEOUT_MS,
    )
    return time.perf_counter() - start, frame


Steps = list[tuple[str, str]]


async def session(
    browser, url: str, steps: Steps, number: int, *, delay: float, think: float
) -> tuple[list[float], list[str]]:
    """One person's visit: arrive after ``delay`` seconds, load the map, make the changes with ``think``
    seconds between them (people read the map before the next click); (seconds per change, errors)."""
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"JavaScript error: {exc}"))
    page.on(
        "response",
        lambda r: r.status >= 500 and errors.append(f"HTTP {r.status} from {r.url}"),
    )
    times: list[float] = []
    try:
        await page.goto(url, timeout=bs.PAGE_TIMEOUT_MS)
        frame = await _map_frame(page)
        for label, option in steps:
            await asyncio.sleep(think)
            seconds, frame = await _change(page, frame, label, option)
            times.append(seconds)
            if await page.locator('[data-testid="stException"]').count():
                errors.append(f"exception box after {label} {option}")
        if "Traceback" in await page.content():
            errors.append("a traceback on the page")
    except Exception as exc:  # noqa: BLE001 - a failed visit is a result to count, not a crash
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await context.close()
    first = f" ({errors[0]})" if errors else ""
    print(f"  session {number:>2}: {len(times)} changes, {len(errors)} errors{first}")
    return times, errors


async def run(url: str, chromium: Path, steps: list[Steps], ramp: float, think: float) -> tuple[list, list]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), args=bs.CHROMIUM_ARGS)
        try:
            results = await asyncio.wait_for(
                asyncio.gather(
                    *(
                        session(browser, url, plan, i + 1, delay=i * ramp / len(steps), think=think)
                        for i, plan in enumerate(steps)
                    )
                ),
                timeout=SESSION_LIMIT_S,
            )
        finally:
            await browser.close()
    times = [t for r in results for t in r[0]]
    errors = [e for r in results for e in r[1]]
    return times, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="people at once (default 20)")
    parser.add_argument("--changes", type=int, default=5, help="filter changes per session (default 5)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which sessions arrive (10)")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a session's changes (2)")
    parser.add_argument("--store", type=Path, help="store to use (default: build a demo under bench/output/)")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 50 or not 1 <= args.changes <= 20:
        parser.error("--sessions must be 1-50 and --changes 1-20 (the run is bounded)")
    chromium = bs.require_chromium()
    if chromium is None:
        print("HOTSPOTS_SKIP_BROWSER=1 is set: no load benchmark run", file=sys.stderr)
        return 1
    store = ensure_store(args.store, config.demo_settings().years)
    options = choices(store)
    # each session starts at a different place in the list, so sessions ask for different areas
    plan = [session_steps(options, i * args.changes, args.changes) for i in range(args.sessions)]
    print(
        f"{args.sessions} sessions x {args.changes} filter changes, arriving over {args.ramp:g} s, "
        f"{args.think:g} s between changes, on {store.path}; {load_note()}"
    )
    with bs.app_server(store.path, OUTPUT_DIR / "streamlit-load.log") as url:
        start = time.perf_counter()
        times, errors = asyncio.run(run(url, chromium, plan, args.ramp, args.think))
        wall = time.perf_counter() - start
    expected = args.sessions * args.changes
    if times:
        p50, p95 = np.percentile(times, [50, 95])
        print(
            f"{len(times)} of {expected} changes done in {wall:.1f} s: p50 {p50:.2f} s, p95 {p95:.2f} s, "
            f"max {max(times):.2f} s; errors: {len(errors)}; {load_note()}"
        )
    else:
        print(f"no change completed; errors: {len(errors)}")
    for error in sorted(set(errors))[:10]:
        print(f"  error: {error}")
    return 0 if not errors and len(times) == expected else 2


if __name__ == "__main__":
    os.environ.setdefault("HOTSPOTS_MODE", "local")
    sys.exit(main())
