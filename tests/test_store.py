"""The store's guarantees: atomic imports, idempotent re-imports, undo, audit log."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.boundaries import load_wards
from layers.ingest import PARSED_COLUMNS, ingest
from store import Store
from store.queries import Filters, counts


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
        store, frame, load_wards(), source="test", file_name="t.csv", rows_read=len(frame)
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
    result = ingest(empty_store, frame, load_wards(), source="test", file_name="t.csv", rows_read=4)
    assert result.outcome.added == 3
    assert result.outside_rows.tolist() == [1]
    assert int(empty_store.imports()["rows_set_aside"][0]) == 1


def test_undo_removes_exactly_one_import(empty_store: Store) -> None:
    first = ingest(empty_store, _parsed(4), load_wards(), source="t", file_name="a", rows_read=4).outcome
    ingest(empty_store, _parsed(3, start=10), load_wards(), source="t", file_name="b", rows_read=3)
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
