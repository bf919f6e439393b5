"""One store read session per page run: every page's first run opens the store once, and a write inside
the session still lands.

Connections are counted where every opening goes through (``store.locking._open``), so a read that
bypassed the session would be counted too.
"""

from __future__ import annotations

import threading

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import config
from store import Store, locking
from store.db import read_session


@pytest.fixture
def openings(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each time any thread opens a store file: whether read-only."""
    seen: list[bool] = []
    real = locking._open

    def counted(path, *, read_only: bool, **kwargs):
        seen.append(read_only)
        return real(path, read_only=read_only, **kwargs)

    monkeypatch.setattr(locking, "_open", counted)
    return seen


def _store_with_meta(store: Store) -> Store:
    store.set_meta("note", "first")
    return store


def test_reads_in_a_session_share_one_connection_opened_at_the_first_read(
    empty_store: Store, openings: list[bool]
) -> None:
    store = _store_with_meta(empty_store)
    openings.clear()
    with read_session():
        assert openings == []  # nothing opened before a read needs it
        for _ in range(5):
            assert store.get_meta("note") == "first"
        assert store.query("SELECT 41 + 1 AS n")["n"].tolist() == [42]
        with Store(store.path).reading():  # another object, same file, a nested block: same connection
            assert Store(store.path).get_meta("note") == "first"
    assert openings == [True]


def test_a_write_inside_a_session_lands_and_later_reads_see_it(
    empty_store: Store, openings: list[bool]
) -> None:
    store = _store_with_meta(empty_store)
    openings.clear()
    with read_session():
        assert store.get_meta("note") == "first"
        store.set_meta("note", "second")  # DuckDB refuses a write beside this process's read-only connection
        assert store.get_meta("note") == "second"
    assert openings == [True, False, True]


def test_a_write_inside_an_explicit_reading_block_is_still_refused(empty_store: Store) -> None:
    store = _store_with_meta(empty_store)
    with read_session(), store.reading(), pytest.raises(RuntimeError, match="inside Store.reading"):
        store.set_meta("note", "second")
    assert store.get_meta("note") == "first"


def test_the_file_is_free_once_the_session_ends(empty_store: Store) -> None:
    """After the block another thread can write at once: the session's connection is closed (DuckDB would
    refuse a write beside a read-only connection this process still held)."""
    store = _store_with_meta(empty_store)
    with read_session():
        store.get_meta("note")
    done: list[str] = []
    writer = threading.Thread(target=lambda: (store.set_meta("note", "third"), done.append("ok")))
    writer.start()
    writer.join(timeout=10)
    assert done == ["ok"]
    assert store.get_meta("note") == "third"


def test_sessions_are_per_thread(empty_store: Store, openings: list[bool]) -> None:
    """Two users' page runs never share a connection: DuckDB runs one query at a time on each."""
    store = _store_with_meta(empty_store)
    openings.clear()

    def page_run() -> None:
        with read_session():
            store.get_meta("note")
            store.get_meta("note")

    runs = [threading.Thread(target=page_run) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=30)
    assert openings == [True, True]


def test_an_error_inside_a_session_closes_its_connection(empty_store: Store) -> None:
    store = _store_with_meta(empty_store)
    with pytest.raises(ZeroDivisionError), read_session():
        store.get_meta("note")
        1 / 0  # noqa: B018 - a page failing half way
    store.set_meta("note", "after")  # would be refused beside a connection left open
    assert store.get_meta("note") == "after"


def _analyst_pages(at: AppTest) -> dict[str, str]:
    """url path -> page hash of every page the app registered for this (local, full-access) viewer."""
    return {info["url_pathname"]: page_hash for page_hash, info in at._registered_pages.items()}


def test_every_page_first_run_opens_the_store_at_most_once(
    monkeypatch: pytest.MonkeyPatch, demo_store: Store, openings: list[bool]
) -> None:
    """The whole app (``app.py``) on each page in turn, with the app's caches emptied first so every read
    is a real one: exactly one read-only opening, and no write."""
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    at = AppTest.from_file(str(config.PROJECT_DIR / "app.py"), default_timeout=240)
    at.run()
    pages = _analyst_pages(at)
    assert {"map", "hotspots", "clear-hold-build", "action-days", "packs", "scorecard", "data"} <= set(pages)
    per_page = {}
    for url_path, page_hash in pages.items():
        st.cache_data.clear()
        st.cache_resource.clear()
        openings.clear()
        at._page_hash = page_hash  # AppTest.switch_page takes files; these pages are functions
        at.run()
        assert not at.exception, (url_path, [e.message for e in at.exception])
        per_page[url_path] = list(openings)
    assert per_page == {url_path: [True] for url_path in pages}, per_page
