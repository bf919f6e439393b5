"""Drive the real app in headless Chromium: start ``streamlit run serve.py``, open it, read the map's state,
record what the browser fetched.

Shared by the browser tests (tests/test_browser*.py, whose fixtures are in tests/conftest.py) and the
browser benchmark (bench/browser_filter_bench.py) so all start the app and judge "the map has redrawn"
and "nothing left this machine" the same way.

The map draws on a canvas (``prefer_canvas``), so there are no SVG paths to count; instead the checks
ask Leaflet itself, inside the map's frame, which features it holds and whether its canvases have
painted pixels.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: Screenshots and server logs for a person to look at (git-ignored).
OUTPUT_DIR = PROJECT_DIR / "test-output"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
#: Where the app under test looks for basemap tiles: a path on its own server that does not exist, so
#: tiles fail the way they do offline without the browser leaving this machine.
NO_TILES_PATH = "/app/static/no-tiles/"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
#: Generous upper bounds: they only stop a broken run from hanging, nothing is judged by them.
SERVER_START_TIMEOUT_S = 90
PAGE_TIMEOUT_MS = 90_000

#: Hexagon count and summed incident count of the hexagons Leaflet currently shows (the last feature
#: group streamlit-folium swapped in), or null before the first one arrives.
JS_HEX_STATE = """() => {
    const groups = window.feature_group;
    if (!window.map || !groups || !groups.length) return null;
    let hexes = 0, total = 0;
    groups[groups.length - 1].eachLayer(layer => {
        if (!layer.eachLayer) return;
        layer.eachLayer(f => {
            if (f.feature && f.feature.properties.kind === 'hex') {
                hexes += 1;
                total += f.feature.properties.total;
            }
        });
    });
    return {hexes: hexes, total: total};
}"""

#: Features Leaflet holds on the whole map, by ``kind`` (hex, ward, district, selected).
JS_FEATURE_KINDS = """() => {
    const kinds = {};
    window.map.eachLayer(l => {
        if (l.feature && l.feature.properties) {
            const k = l.feature.properties.kind || 'other';
            kinds[k] = (kinds[k] || 0) + 1;
        }
    });
    return kinds;
}"""

#: Painted (non-transparent) pixels per Leaflet pane canvas, after the next animation frame.
JS_PAINTED = """() => new Promise(resolve => requestAnimationFrame(() => {
    const out = {};
    document.querySelectorAll('.leaflet-pane canvas').forEach(c => {
        const pane = c.closest('.leaflet-pane').className.match(/leaflet-([a-z]+)-pane/)[1];
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted += 1;
        out[pane] = (out[pane] || 0) + painted;
    });
    resolve(out);
}))"""

#: Resolves on the next animation frame: after it, a canvas change is on screen.
JS_NEXT_FRAME = "() => new Promise(resolve => requestAnimationFrame(() => resolve(true)))"


def require_chromium() -> Path | None:
    """The Chromium to drive, or None when the caller may skip (``HOTSPOTS_SKIP_BROWSER=1``).

    Missing Chromium is a failure, not a skip: a browser test that quietly passes proves nothing.
    """
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("HOTSPOTS_SKIP_BROWSER") == "1":
        return None
    raise RuntimeError(
        f"{CHROMIUM} is missing, so the browser tests cannot run. Install it with `apt-get install chromium` "
        "(./dev test does this when run as root), or set HOTSPOTS_SKIP_BROWSER=1 to skip them knowingly."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def app_server(
    store: Path,
    log_path: Path,
    *,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    entry: str = "serve.py",
) -> Iterator[str]:
    """Run ``streamlit run serve.py`` (as ``./dev app`` does) on a free localhost port against ``store``;
    yields the base URL.

    The basemap URL points at a path on the app's own server that does not exist, so tiles fail the way
    they do offline, without the browser ever leaving this machine. The server runs in its own process
    group, killed as a whole afterwards so no Streamlit child outlives the run. ``env`` and ``args`` add
    environment variables and ``streamlit run`` options (a mode, a secrets file); ``entry`` is the file
    run (``app.py`` serves the same app without the start-up imports, the benchmarks' baseline).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HOTSPOTS_STORE": str(store),
        "HOTSPOTS_TILES": f"{url}{NO_TILES_PATH}{{z}}/{{x}}/{{y}}.png",
        **(env or {}),
    }
    cmd = [sys.executable, "-m", "streamlit", "run", entry, "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", *args]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while not _healthy(url):
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"streamlit exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}"
                    )
                if time.monotonic() > deadline:
                    tail = log_path.read_text()[-3000:]
                    raise RuntimeError(f"streamlit not healthy after {SERVER_START_TIMEOUT_S}s:\n{tail}")
                time.sleep(0.25)
            yield url
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def launch(playwright, chromium: Path):
    return playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)


def open_map(page, url: str):
    """Load the app and wait until Leaflet shows the first hexagons; returns the map's frame."""
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    frame = page.wait_for_selector(MAP_FRAME, timeout=PAGE_TIMEOUT_MS).content_frame()
    frame.wait_for_function(f"() => ({JS_HEX_STATE})() !== null", timeout=PAGE_TIMEOUT_MS)
    return frame


def hex_state(frame) -> dict | None:
    return frame.evaluate(JS_HEX_STATE)


def wait_for_new_hexes(frame, before: dict | None) -> dict:
    """Wait until the hexagons differ from ``before`` and are on screen; returns the new state."""
    frame.wait_for_function(
        f"before => JSON.stringify(({JS_HEX_STATE})()) !== JSON.stringify(before)",
        arg=before,
        polling="raf",
        timeout=PAGE_TIMEOUT_MS,
    )
    frame.evaluate(JS_NEXT_FRAME)
    return hex_state(frame)


def wait_for_run(page) -> None:
    """Wait until the app's script run has finished (Streamlit marks its state on the app element)."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=PAGE_TIMEOUT_MS
    )


def screenshot_whole_page(page, path: Path) -> None:
    """Screenshot the whole page, not only the window: Streamlit scrolls its main area inside the window,
    so the window is stretched to the content's height for the shot (at most 8,000 px), then restored."""
    size = page.viewport_size
    height = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return main ? main.scrollHeight : document.body.scrollHeight;
        }"""
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
    page.evaluate(JS_NEXT_FRAME)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def open_choices(page, label: str) -> None:
    """Open the Streamlit select box labelled ``label``, trying again when its list does not appear: a
    click that lands while the map's first value reruns the page can be lost."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for _ in range(3):
        page.get_by_role("combobox", name=label).click()
        try:
            page.get_by_role("listbox").first.wait_for(state="visible", timeout=5_000)
            return
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError(f"the {label} list never opened")


def pick(page, option: str) -> None:
    """Click ``option`` in the open select box (this is the moment the app reruns)."""
    page.get_by_role("option", name=option, exact=True).click()


def choose(page, label: str, option: str) -> None:
    open_choices(page, label)
    pick(page, option)


def wait_for_shown_total(page, total: int) -> None:
    """Wait until the summary panel's "Incidents shown" equals ``total`` (the page run has finished)."""
    page.wait_for_function(
        """expected => {
            const el = document.querySelector('[data-testid="stMetricValue"]');
            return el !== null && el.innerText.replace(/[^0-9]/g, '') === expected;
        }""",
        arg=str(total),
        timeout=PAGE_TIMEOUT_MS,
    )


@dataclass
class Traffic:
    """Every request a browser page made, and every one that failed (network error or HTTP 400+)."""

    requests: list[tuple[str, str]] = field(default_factory=list)  # (resource type, url)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (resource type, url, why)

    def outside(self) -> list[str]:
        """URLs of requests that went to another machine (data:, blob: and about: never leave)."""
        urls = {url for _, url in self.requests if not url.startswith(("data:", "blob:", "about:"))}
        return sorted(u for u in urls if urlsplit(u).hostname not in LOCAL_HOSTS)

    def broken(self) -> list[tuple[str, str, str]]:
        """Failed loads, except the basemap tiles that the test server deliberately does not serve."""
        return [f for f in self.failures if NO_TILES_PATH not in f[1]]


def record(page) -> Traffic:
    """Start recording ``page``'s requests and failures."""
    traffic = Traffic()
    page.on("request", lambda r: traffic.requests.append((r.resource_type, r.url)))
    page.on("requestfailed", lambda r: traffic.failures.append((r.resource_type, r.url, r.failure or "")))
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and traffic.failures.append((r.request.resource_type, r.url, f"HTTP {r.status}"))
        ),
    )
    return traffic
