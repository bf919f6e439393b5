"""Shared fixtures: one demo store per test session (read-only for tests), and for the browser tests one
Chromium and one app server on the demo store, shared by every browser test file. Every file a test reads is
in the repository (real public data under tests/fixtures/, with its source): nothing outside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import config
from layers.demo import build_demo_store
from store import Store
from tests import browser_support as bs

DEMO = config.settings()["demo"]


@pytest.fixture(scope="session", autouse=True)
def _stores_outside_the_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Default store paths in a temporary folder for the whole session, so no test (nor the app or CLI it
    starts) reads or writes a store under the repository's data/ folder; tests name their stores."""
    import os

    folder = tmp_path_factory.mktemp("default-stores")
    keys = ("HOTSPOTS_STORE", "HOTSPOTS_DEMO_STORE", "STREAMLIT_SERVER_ADDRESS")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["HOTSPOTS_STORE"] = str(folder / "hotspots.duckdb")
    os.environ["HOTSPOTS_DEMO_STORE"] = str(folder / "demo.duckdb")
    # AppTest runs pages without a server: tell them they are served on this computer only, as
    # .streamlit/config.toml has the real server do (local mode gives full access only then)
    os.environ["STREAMLIT_SERVER_ADDRESS"] = "127.0.0.1"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The default demo (3 years, default seed and end month), built once. Tests must not write to it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_store(path, years=DEMO["years"], seed=DEMO["seed"], end_month=DEMO["end_month"])
    return Store(path)


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    """A fresh store file for tests that write."""
    return Store(tmp_path / "store.duckdb")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The Chromium to drive: a failure when it is missing, a loud skip only when asked for."""
    try:
        path = bs.require_chromium()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    if path is None:
        pytest.skip(
            "!!! BROWSER TESTS SKIPPED (HOTSPOTS_SKIP_BROWSER=1): the app was NOT checked in a browser !!!"
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator:
    """One headless Chromium for the whole session; each test opens its own pages in it."""
    from playwright.sync_api import expect, sync_playwright

    # Page elements arrive over the websocket one by one; on a busy shared machine that can take a while.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        launched = bs.launch(playwright, chromium)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def app_url(chromium: Path, demo_store: Store) -> Iterator[str]:
    """``streamlit run serve.py`` on the session's demo store; only for tests that do not write to it."""
    with bs.app_server(demo_store.path, bs.OUTPUT_DIR / "streamlit-browser-test.log") as url:
        yield url


@pytest.fixture
def demo_app(monkeypatch: pytest.MonkeyPatch, demo_store: Store):
    """The whole app (``app.py``) run once in AppTest on the session's demo store, with no exception."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    at = AppTest.from_file(str(config.PROJECT_DIR / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at
