"""The store's guarantees: atomic imports, idempotent re-imports, undo, audit log."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date

import duckdb
import pandas as pd
import pytest

from layers.ingest import PARSED_COLUMNS, ingest
from layers.wards import shipped_wards
from store import Store
from store import db as store_db
from store.designations import designations
from store.queries import Filters, cell_counts, counts, date_range, monthly


def _parsed(n: int, layer: str = "crime", start: int = 0) -> pd.DataFrame:
    """``n`` incidents in Huddersfield town centre, ids ``x{start}``..."""
    return pd.DataFrame(
        {
            "layer": layer,
            "category": "Burglary",
            "source_id": [f"x{i}" for i in range(start, start + n)],
            "date": pd.Timestamp("2024-06-01"),
            "date_precision": "month",
            "lat": 53.6458,
            "lon": -1.7850,
            "street": "Market Street",
            "severity": None,
            "casualties": None,
            "attributes": None,
        }
    )[list(PARSED_COLUMNS)]


def _ingest(store: Store, frame: pd.DataFrame) -> int:
    return ingest(
        store, frame, shipped_wards(), source="test", file_name="t.csv", rows_read=len(frame)
    ).outcome.added


def _total(store: Store) -> int:
    return int(store.query("SELECT count(*) AS n FROM incidents")["n"][0])


def test_reimporting_the_same_records_adds_nothing(empty_store: Store) -> None:
    assert _ingest(empty_store, _parsed(10)) == 10
    assert _ingest(empty_store, _parsed(10)) == 0
    assert _ingest(empty_store, _parsed(10, start=5)) == 5  # half new, half already stored
    assert _total(empty_store) == 15
    log = empty_store.imports()
    assert log["rows_added"].tolist() == [10, 0, 5]
    assert log["rows_duplicate"].tolist() == [0, 10, 5]


def test_same_source_id_in_another_layer_is_a_different_record(empty_store: Store) -> None:
    _ingest(empty_store, _parsed(3, "crime"))
    assert _ingest(empty_store, _parsed(3, "asb")) == 3


def test_failed_import_leaves_store_exactly_as_it_was(empty_store: Store) -> None:
    _ingest(empty_store, _parsed(10))
    before = empty_store.query("SELECT * FROM incidents ORDER BY source_id")
    imports_before = empty_store.imports()
    bad = _parsed(5, start=100)
    bad.loc[3, "category"] = None  # violates NOT NULL half-way through the batch
    with pytest.raises(Exception, match="(?i)constraint|null"):
        _ingest(empty_store, bad)
    pd.testing.assert_frame_equal(empty_store.query("SELECT * FROM incidents ORDER BY source_id"), before)
    pd.testing.assert_frame_equal(empty_store.imports(), imports_before)


def test_points_outside_the_wards_are_set_aside(empty_store: Store) -> None:
    frame = _parsed(4)
    frame.loc[1, ["lat", "lon"]] = [53.80, -1.55]  # Leeds
    result = ingest(empty_store, frame, shipped_wards(), source="test", file_name="t.csv", rows_read=4)
    assert result.outcome.added == 3
    assert result.outside_rows.tolist() == [1]
    assert int(empty_store.imports()["rows_set_aside"][0]) == 1


def test_undo_removes_exactly_one_import(empty_store: Store) -> None:
    first = ingest(empty_store, _parsed(4), shipped_wards(), source="t", file_name="a", rows_read=4).outcome
    ingest(empty_store, _parsed(3, start=10), shipped_wards(), source="t", file_name="b", rows_read=3)
    assert empty_store.undo_import(first.import_id) == 4
    assert sorted(empty_store.query("SELECT source_id FROM incidents")["source_id"]) == ["x10", "x11", "x12"]
    assert empty_store.undo_import(first.import_id) == 0  # undoing twice is harmless
    assert empty_store.imports().set_index("import_id").loc[first.import_id, "status"] == "undone"
    with pytest.raises(KeyError):
        empty_store.undo_import("nope")


def test_version_changes_when_data_changes(empty_store: Store) -> None:
    _ingest(empty_store, _parsed(2))
    v1 = empty_store.version()
    _ingest(empty_store, _parsed(2, start=50))
    assert empty_store.version() != v1


def test_version_sees_a_write_still_in_the_write_ahead_log(empty_store: Store) -> None:
    _ingest(empty_store, _parsed(2))
    before, file_before = empty_store.version(), empty_store.path.stat().st_mtime_ns
    assert empty_store.file_signature()[1] is None  # a clean close folds the log into the file
    # a writer that never checkpoints (as when it is killed): the change exists only in the .wal file,
    # and touches nothing the audit-log part of the version reads
    con = duckdb.connect(str(empty_store.path))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("INSERT INTO meta VALUES ('note', 'written after the last checkpoint')")
    con.close()
    assert empty_store.path.stat().st_mtime_ns == file_before and empty_store.file_signature()[1] is not None
    assert empty_store.get_meta("note") == "written after the last checkpoint"
    assert empty_store.version() != before


def count_connections(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record the read_only flag of every DuckDB connection the store opens from now on (also used by the
    pack tests)."""
    opened: list[bool] = []
    real = duckdb.connect

    def counting(database: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        opened.append(read_only)
        return real(database, read_only=read_only)

    monkeypatch.setattr(store_db.duckdb, "connect", counting)
    return opened


def _every_read(store: Store) -> None:
    store.query("SELECT count(*) FROM incidents")
    counts(store, Filters(), ("layer",))
    cell_counts(store, Filters(), 9)
    monthly(store, Filters())
    date_range(store)
    store.get_meta("boundary_version")
    store.populations()
    store.version()
    store.imports()
    store.synthetic_layers()
    designations(store)


def test_reads_inside_reading_share_one_read_only_connection(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(empty_store, _parsed(3))
    opened = count_connections(monkeypatch)
    _every_read(empty_store)
    assert opened == [True] * 11  # outside a block: one short connection per read
    opened.clear()
    with empty_store.reading():
        _every_read(empty_store)
        with Store(empty_store.path).reading():  # nested, through another object for the same file
            _every_read(Store(empty_store.path))
        assert counts(empty_store, Filters())["n"][0] == 3
    assert opened == [True]


def test_no_write_inside_reading_and_writes_work_again_after_it(empty_store: Store) -> None:
    _ingest(empty_store, _parsed(3))
    with empty_store.reading(), pytest.raises(RuntimeError, match="inside Store.reading"):
        empty_store.set_meta("k", "v")
    empty_store.set_meta("k", "v")
    assert empty_store.get_meta("k") == "v"


def test_reading_on_a_missing_store_changes_nothing(empty_store: Store) -> None:
    with empty_store.reading():
        assert empty_store.get_meta("anything") is None and designations(empty_store) == []
        with pytest.raises(FileNotFoundError):
            empty_store.query("SELECT 1")
    assert not empty_store.exists()


def test_a_reading_block_is_private_to_its_thread(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(empty_store, _parsed(3))
    opened = count_connections(monkeypatch)
    seen: list[int] = []
    with empty_store.reading():
        worker = threading.Thread(target=lambda: seen.append(int(counts(empty_store, Filters())["n"][0])))
        worker.start()
        worker.join()
    assert seen == [3] and opened == [True, True]  # the block's connection, and the thread's own


WRITE_FROM_ANOTHER_PROCESS = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("INSERT OR REPLACE INTO meta VALUES ('cli', 'wrote')")
con.close()
"""


def test_another_process_can_write_between_reads_but_not_during_a_reading_block(empty_store: Store) -> None:
    """The short-connection guarantee: the command line can import while the app is open."""
    _ingest(empty_store, _parsed(3))

    def write() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", WRITE_FROM_ANOTHER_PROCESS, str(empty_store.path)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    _every_read(empty_store)
    assert write().returncode == 0
    with empty_store.reading():
        refused = write()
    assert refused.returncode != 0 and "lock" in refused.stderr.lower()
    assert write().returncode == 0
    assert empty_store.get_meta("cli") == "wrote"


def test_filters_select_by_layer_date_and_place(empty_store: Store) -> None:
    frame = pd.concat([_parsed(3), _parsed(2, "asb")], ignore_index=True)
    frame.loc[0, "date"] = pd.Timestamp("2023-01-01")
    _ingest(empty_store, frame)
    assert counts(empty_store, Filters(layers=("crime",)))["n"][0] == 3
    assert counts(empty_store, Filters(start=date(2024, 1, 1)))["n"][0] == 4
    assert counts(empty_store, Filters(layers=()))["n"][0] == 0
    assert counts(empty_store, Filters(district="Rural"))["n"][0] == 0
    by = counts(empty_store, Filters(categories=(("crime", ("Robbery",)),)), by=("layer",))
    assert dict(zip(by["layer"], by["n"], strict=True)) == {"asb": 2}
