"""Safety: bad input of every kind gets its clear error or reject reason; the store never loses, duplicates or
half-writes data; real data never lands in the synthetic demo's store.

Each case starts from a copy of a real store (two real fixtures imported), and compares everything the
store holds before and after.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pytest

from layers import readers
from layers.importer import run_import
from layers.readers import Upload
from store import Store
from tests.import_helpers import assert_same, count, fixture, snapshot

HEADINGS = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type\n"
)


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store: one police.uk month and one fire export, as a file to copy for each case."""
    path = tmp_path_factory.mktemp("safety") / "base.duckdb"
    (report,) = run_import(Store(path), "police-csv", [fixture("police-street-2024-06.csv")])
    assert report.added == 19
    (fires,) = run_import(Store(path), "fires", [fixture("fire-incidents.csv")])
    assert fires.added > 0
    return path


@pytest.fixture
def store(base_store: Path, tmp_path: Path) -> Store:
    path = tmp_path / "store.duckdb"
    shutil.copy(base_store, path)
    return Store(path)


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADINGS.strip().split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ERRORS = [
    ("police-csv", b"", "is empty"),
    ("police-csv", HEADINGS.encode(), "has column headings but no rows of data"),
    ("police-csv", b"Reference,Date,Size\nFT1,03/06/2024,small van\n", "has no columns this app recognises"),
    (
        "police-csv",
        b"Crime ID,Month,Crime type\nx,2024-06,Burglary\n",
        "lacks the column Latitude and Longitude",
    ),
    ("police-csv", HEADINGS.encode() + b"\x81,2024-06,\x9d\n", "not in a text encoding this app can read"),
    ("police-csv", _xlsx(), "is an Excel workbook, not a CSV file"),
    ("police-csv", b"\x89PNG\r\n\x1a\n" + bytes(300), "is a PNG image"),
    ("police-csv", bytes(range(256)) * 64, "is not a text file"),
    ("stats19", b"accident_index,date\n1,01/01/2019\n", "lacks the column"),
    ("fly-tipping", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old-format Excel (.xls)"),
    ("fires", fixture("fly-tipping-export.csv").data, "lacks the column"),
    ("police-api", b'{"not": "a list"}', "not a list of crime records"),
    ("population", b"Ward,Population\nNowhere,5\n", "names a ward of the loaded boundaries"),
    ("wards", b"Crime ID,Month\n", "is not a GeoJSON, GeoPackage or zipped Shapefile"),
]


@pytest.mark.parametrize(("source", "data", "says"), ERRORS, ids=[f"{s}:{w}" for s, _, w in ERRORS])
def test_impossible_input_gets_one_clear_sentence_and_changes_nothing(
    store: Store, source: str, data: bytes, says: str
) -> None:
    before = snapshot(store)
    (report,) = run_import(store, source, [Upload("bad upload.csv", data)])
    assert report.error is not None
    assert report.error.startswith("bad upload.csv") and says in report.error
    assert "Traceback" not in report.error and "\n" not in report.error
    assert not report.ok
    assert_same(before, snapshot(store))


def test_huge_file_is_refused_and_changes_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 10_000)
    before = snapshot(store)
    (report,) = run_import(store, "police-csv", [Upload("year.csv", HEADINGS.encode() * 1000)])
    assert report.error is not None and "more than the 0 MB one import takes" in report.error
    assert_same(before, snapshot(store))


REJECTS = [
    ("x1,2024-06,,,north,west,On or near A,,,Burglary\n", "bad coordinates"),
    ("x2,2024-06,,,-1.5492,53.7997,On or near Briggate,,,Burglary\n", "outside area"),
    ("x3,2024-06,,,,,No location,,,Burglary\n", "no coordinates"),
    ("x4,June,,,-1.7733,53.6772,On or near A,,,Burglary\n", "bad date"),
    ("x5,2024-06,,,-1.7733,53.6772,On or near A,,,Fraud\n", "unknown category"),
    ("x6,2024-06,,,-1.7733,53.6772,On or near A,,,Burglary,extra,cells\n", "malformed row"),
]


@pytest.mark.parametrize(("row", "reason"), REJECTS, ids=[r for _, r in REJECTS])
def test_bad_rows_are_set_aside_with_their_reason_and_add_nothing(
    store: Store, row: str, reason: str
) -> None:
    incidents = snapshot(store)["incidents"]
    (report,) = run_import(store, "police-csv", [Upload("one-bad-row.csv", (HEADINGS + row).encode())])
    assert report.error is None
    assert {r: v.tolist() for r, v in report.set_aside.items()} == {reason: [2]}
    assert (report.rows_read, report.accepted, report.added) == (1, 0, 0)
    assert_same({"incidents": incidents}, {"incidents": snapshot(store)["incidents"]})
    assert store.imports()["file_name"].iloc[-1] == "one-bad-row.csv"  # the attempt is on record


def test_duplicates_within_a_file_and_of_stored_records_are_never_double_counted(store: Store) -> None:
    total = count(store, "SELECT count(*) FROM incidents")
    csv_bytes = fixture("police-street-2024-06.csv").data
    doubled = csv_bytes + csv_bytes.split(b"\n", 1)[1]  # the file's rows twice over, one heading
    (report,) = run_import(store, "police-csv", [Upload("doubled.csv", doubled)])
    assert report.rows_read == 54
    # Crime IDs identify crimes, so the second copy's crimes are duplicates (its repeated one, too); rows
    # without an id are separate reports by police.uk's rule (one row is one report), so the second
    # copy's six ASB rows count as six more reports - a doubled file cannot be told from real repeats
    assert len(report.set_aside["duplicate within the file"]) == 1 + 13 + 1
    assert report.added == 6 and report.already_stored == 19
    assert count(store, "SELECT count(*) FROM incidents") == total + 6


class Interrupted(BaseException):
    """Stands in for Ctrl-C or a killed process half-way through writing."""


def test_an_import_interrupted_while_writing_leaves_everything_as_it_was(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(store)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise Interrupted  # after the incident rows were inserted, before the commit

    monkeypatch.setattr(Store, "record_import", staticmethod(interrupted))
    with pytest.raises(Interrupted):
        run_import(store, "fires", [fixture("fire-incidents.csv")])
    assert_same(before, snapshot(store))


def test_a_crash_in_one_import_does_not_damage_another(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = Store.record_import

    def second_fails(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Interrupted
        real(*args, **kwargs)

    monkeypatch.setattr(Store, "record_import", staticmethod(second_fails))
    files = [fixture("fly-tipping-export.csv"), Upload("copy.csv", fixture("fly-tipping-export.csv").data)]
    with pytest.raises(Interrupted):
        run_import(store, "fly-tipping", files)
    # the first file's import is whole; the second left no trace
    assert (
        count(store, "SELECT count(*) FROM incidents WHERE layer = 'fly_tipping' AND source_id LIKE 'FT-%'")
        == 8
    )
    assert store.imports()["file_name"].iloc[-1] == "fly-tipping-export.csv"


def test_undo_removes_only_the_imports_own_rows(store: Store) -> None:
    fires = count(store, "SELECT count(*) FROM incidents WHERE layer = 'deliberate_fire'")
    real = store.imports().query("source == 'police-csv'")["import_id"].iloc[0]
    assert store.undo_import(real) == 19
    assert count(store, "SELECT count(*) FROM incidents") == fires
    (again,) = run_import(store, "police-csv", [fixture("police-street-2024-06.csv")])
    assert again.added == 19  # undone records can be imported again


def test_real_data_is_refused_by_the_demo_store_which_stays_the_same(
    demo_store: Store, tmp_path: Path
) -> None:
    demo = Store(tmp_path / "demo.duckdb")
    shutil.copy(demo_store.path, demo.path)
    before = snapshot(demo)
    for source, name in (("police-csv", "police-street-2024-06.csv"), ("fires", "fire-incidents.csv")):
        (report,) = run_import(demo, source, [fixture(name)])
        assert report.error == (
            "demo.duckdb holds the synthetic demo, and real data is never mixed with it: import into a real "
            "store instead (add --new-store PATH on the command line, or use 'Start a real store' on the "
            "Load data page)"
        )
        assert report.added is None
    assert_same(before, snapshot(demo))
