"""No traceback reaches a browser: every page under a damaged, busy or read-only store or a full disk
shows one clear message (Streamlit's AppTest), and two command-line imports run while the app is open.

Pages are run the way ``app.py`` runs them - inside ``views.problems.shown`` after the sidebar's store
switch - and the whole app is run too, so the wrapper in ``app.py`` itself is tested. The store problems
are real where they can be (damaged files, another process holding the store); a read-only store and a
full disk are DuckDB's own error messages raised where a write would meet them.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import config
from layers.importer import run_import
from store import Store
from store.errors import WAIT_NOTICE
from tests.import_helpers import FIXTURES, count, fixture, start_cli_import
from tests.test_store_faults import DAMAGE, held, release_after, short_waits

APP = Path(__file__).resolve().parents[1] / "app.py"
PROJECT = APP.parent
PAGES = [
    "map_page",
    "hotspots_page",
    "chb_page",
    "action_days_page",
    "method_page",
    "packs_page",
    "ward_profile_page",
    "scorecard_page",
    "data_page",
]
#: A page as app.py runs it (store switch, store, page) inside the same problem wrapper.
PAGE = """
from views import common, problems, {0}
with problems.shown():
    common.data_switch()
    common.ensure_store()
    {0}.render()
"""


@pytest.fixture
def real_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The app's real store: the June police.uk file imported."""
    store = Store(tmp_path / "hotspots.duckdb")
    monkeypatch.setenv("HOTSPOTS_STORE", str(store.path))
    (report,) = run_import(store, "police-csv", [fixture("police-street-2024-06.csv")])
    assert report.added == 19
    return store


def shown_text(at: AppTest) -> str:
    """Everything the page shows as text, sidebar included, and any exception with its trace."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "error", "warning", "info"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [str(element.value) for element in at.sidebar.caption]
    parts += [f"{e.message} {' '.join(e.stack_trace)}" for e in at.exception]
    return "\n".join(parts)


def assert_one_clear_message(at: AppTest, headline: str, *says: str) -> None:
    text = shown_text(at)
    assert not at.exception, text
    assert "Traceback" not in text and "/tmp" not in text and "site-packages" not in text
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith(f"**{headline}.**"), errors
    for phrase in says:
        assert phrase in errors[0].replace("\\", ""), errors[0]


def _run_page(page: str) -> AppTest:
    return AppTest.from_string(PAGE.format(page), default_timeout=120).run()


def _run_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=120).run()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_a_damaged_store_as_one_message_with_the_way_on(
    real_store: Store, page: str
) -> None:
    DAMAGE["0-byte"][0](real_store.path)
    assert_one_clear_message(
        _run_page(page),
        "The data store is damaged",
        "The store hotspots.duckdb is damaged and cannot be read (the file is empty: 0 bytes)",
        "restore a backup made with `hotspots backup`",
        "load the data files again into a new store with `hotspots import SOURCE FILE --new-store PATH`",
    )


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_the_app_shows_each_kind_of_damage_without_a_traceback(real_store: Store, kind: str) -> None:
    damage, why = DAMAGE[kind]
    damage(real_store.path)
    assert_one_clear_message(_run_app(), "The data store is damaged", f"cannot be read ({why})")


def test_a_store_busy_past_the_wait_is_one_message(
    real_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_waits(monkeypatch)
    with held(real_store, tmp_path):
        at = _run_app()
    assert_one_clear_message(
        at, "The data store is busy", "in use by another import and was still busy after 0.5 seconds"
    )
    assert not _run_app().error  # once the import has finished, the page is back


def _refusing_writes(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    """Every write connection fails with DuckDB's ``message``; reads work."""
    real = duckdb.connect

    def connect(database: str, read_only: bool = False, **kwargs: object) -> duckdb.DuckDBPyConnection:
        if not read_only:
            raise duckdb.IOException(message.format(database=database))
        return real(database, read_only=read_only, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)


READ_ONLY = 'IO Error: Cannot open file "{database}": Read-only file system'
DISK_FULL = 'IO Error: Could not write file "{database}.wal": No space left on device'


def test_a_read_only_store_that_needs_upgrading_is_one_message_on_every_page(
    real_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with real_store.transaction() as con:  # as an earlier version left it: cells to be re-indexed once
        con.execute("DELETE FROM meta WHERE key = 'cell_indexing'")
    _refusing_writes(monkeypatch, READ_ONLY)
    for page in ("map_page", "scorecard_page"):
        assert_one_clear_message(
            _run_page(page), "The data store cannot be written", "its folder or its disk is read-only"
        )


def test_a_full_disk_building_the_demo_is_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path / "real.duckdb"))
    monkeypatch.setenv("HOTSPOTS_DEMO_STORE", str(tmp_path / "demo.duckdb"))
    _refusing_writes(monkeypatch, DISK_FULL)
    assert_one_clear_message(_run_app(), "The disk is full", "free some space and try again")
    assert not (tmp_path / "demo.duckdb").exists()


@pytest.mark.parametrize(
    ("message", "says"),
    [
        (READ_ONLY, "cannot be written: the file, its folder or its disk is read-only"),
        (DISK_FULL, "the disk holding the store hotspots.duckdb is full"),
    ],
)
def test_the_data_page_says_nothing_was_imported(
    real_store: Store, monkeypatch: pytest.MonkeyPatch, message: str, says: str
) -> None:
    at = _run_page("data_page")
    upload = fixture("police-street-2024-07.csv")
    at.file_uploader(key="data_files").upload(upload.name, upload.data, "text/csv").run()
    _refusing_writes(monkeypatch, message)
    at.button(key="data_import").click().run()
    monkeypatch.undo()
    text = shown_text(at)
    assert not at.exception and "Traceback" not in text and "/tmp" not in text
    (refusal,) = [t.value for t in at.text if says in t.value]
    assert refusal.endswith("; nothing was imported")
    assert count(real_store, "SELECT count(*) FROM incidents") == 19


def test_two_imports_while_the_app_is_open_give_no_traceback(real_store: Store, tmp_path: Path) -> None:
    """Two ``hotspots import`` processes and the app reading the same store: the imports wait for each
    other (and for a third process holding the store at first), both land, and every page load shows the
    data or waits - no traceback in any output."""
    files = [FIXTURES / "police-street-2024-07.csv", FIXTURES / "fire-incidents.csv"]
    logs = [tmp_path / "a.err", tmp_path / "b.err"]
    pages: list[AppTest] = []
    with held(real_store, tmp_path) as release:
        procs = []
        for log, path, source in zip(logs, files, ("police-csv", "fires"), strict=True):
            procs.append(start_cli_import(source, path, real_store.path, log))
        deadline = time.monotonic() + 120
        while not all(WAIT_NOTICE in log.read_text() for log in logs) and time.monotonic() < deadline:
            time.sleep(0.05)
        release_after(release, 1.5)
        pages.append(_run_app())  # opened while the store is held: its reads wait, then show the data
        while any(p.poll() is None for p in procs):  # the app keeps reading while both imports write
            pages.append(_run_app())
        outs = [p.communicate(timeout=300)[0] for p in procs]
    pages.append(_run_app())
    errs = [log.read_text() for log in logs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert [e.count(WAIT_NOTICE) for e in errs] == [1, 1]
    assert not any("Traceback" in t for t in outs + errs)
    for at in pages:
        text = shown_text(at)
        assert not at.exception and not at.error and "Traceback" not in text, text
    imports = real_store.imports()
    assert sorted(imports["file_name"]) == [
        "fire-incidents.csv",
        "police-street-2024-06.csv",
        "police-street-2024-07.csv",
    ]
    assert (imports["status"] == "complete").all()
    assert count(real_store, "SELECT count(*) FROM incidents") == imports["rows_added"].sum()
    assert config.store_path() == real_store.path
