"""Safety: bad input of every kind gets its clear error or reject reason; the store never loses, duplicates or
half-writes data; real data never lands in the synthetic demo's store.

Each case starts from a copy of a real store (two real fixtures imported), and compares everything the
store holds before and after.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

import config
from layers import readers
from layers.area_files import area_from_upload
from layers.importer import detect_source, run_import, wrong_source
from layers.readers import Upload
from store import Store
from tests.import_helpers import assert_same, count, fixture, snapshot

#: The shipped ward boundaries (under data/).
WARDS = "kirklees-wards-2013.geojson"
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
    ("fires", b"Incident Number,Incident Type\nWY1,Secondary Fire\n", "lacks the column"),
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
        run_import(store, "fly-tipping", [fixture("fly-tipping-export.csv")])
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
    # the second file differs from the first by one record id, so it is an import of its own, not a no-op
    changed = fixture("fly-tipping-export.csv").data.replace(b"FT-1001,", b"FT-9001,")
    files = [fixture("fly-tipping-export.csv"), Upload("copy.csv", changed)]
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


# ---- issue 11: importers that do not crash or guess -----------------------------------------------------

MINIMAL = [
    (
        "police-csv",
        b"Month,Crime type,Latitude,Longitude\n2024-06,Burglary,53.6772,-1.7733\n"
        b"2024-06,Drugs,53.6541,-1.7957\n",
        {"crime": 2},
    ),
    ("fly-tipping", b"Date,Latitude,Longitude\n03/06/2024,53.6772,-1.7733\n", {"fly_tipping": 1}),
    ("fly-tipping", b"Date,Easting,Northing\n04/06/2024,414500,417500\n", {"fly_tipping": 1}),
    (
        "stats19",
        b"collision_index,collision_severity,date,latitude,longitude\n2024X1,2,03/06/2024,53.6772,-1.7733\n",
        {"ksi": 1},
    ),
]


@pytest.mark.parametrize(("source", "data", "layers"), MINIMAL, ids=[f"{s}:{d[:9]!r}" for s, d, _ in MINIMAL])
def test_minimal_valid_files_import_and_again_change_nothing(
    store: Store, source: str, data: bytes, layers: dict[str, int]
) -> None:
    (report,) = run_import(store, source, [Upload("minimal.csv", data)])
    assert report.error is None and report.accepted_by_layer == layers
    assert report.added == sum(layers.values()) == data.count(b"\n") - 1  # every row below the heading
    after = snapshot(store)
    (again,) = run_import(store, source, [Upload("minimal.csv", data)])
    assert again.already_imported and report.import_id in again.already_imported
    assert_same(after, snapshot(store))


WRONG_SOURCE = [
    ("fly-tipping", "stats19-2024/stats19-kirklees-2024-collisions.csv", "STATS19 road collisions"),
    ("fires", "fly-tipping-export.csv", "Fly-tipping export"),
    ("fly-tipping", "council-asb-2023-24.csv", "Council ASB records"),
    ("council-asb", "fly-tipping-export.csv", "Fly-tipping export"),
    ("stats19", "police-street-2024-06.csv", "police.uk street crime CSV"),
    ("police-csv", "police-api-2024-06.json", "police.uk API responses (JSON)"),
    ("population", "fire-incidents.csv", "Fire incidents"),
    ("wards", "ward-population.csv", "Ward populations"),
]


@pytest.mark.parametrize(
    ("source", "name", "looks_like"), WRONG_SOURCE, ids=[f"{n} as {s}" for s, n, _ in WRONG_SOURCE]
)
def test_a_file_of_another_source_is_refused_naming_it(
    store: Store, source: str, name: str, looks_like: str
) -> None:
    before = snapshot(store)
    upload = fixture(name)
    (report,) = run_import(store, source, [upload])
    assert report.error is not None and report.error.startswith(upload.name)
    assert f"looks like '{looks_like}'" in report.error and "\n" not in report.error
    assert "nothing was imported" in report.error
    assert_same(before, snapshot(store))


def test_boundaries_given_as_api_responses_are_refused_naming_them(store: Store) -> None:
    before = snapshot(store)
    wards = Upload("wards.json", (config.DATA_DIR / WARDS).read_bytes())
    (report,) = run_import(store, "police-api", [wards])
    assert report.error is not None and "looks like 'Ward boundaries'" in report.error
    assert_same(before, snapshot(store))


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("police-csv", "police-street-2024-06.csv"),
        ("police-api", "police-api-2024-06.json"),
        ("stats19", "stats19-2024/stats19-kirklees-2024-collisions.csv"),
        ("stats19", "stats19-2024/stats19-kirklees-2024-casualties.csv"),
        ("stats19", "stats19-accidents-2019.csv"),
        ("fly-tipping", "fly-tipping-export.csv"),
        ("fires", "fire-incidents.csv"),
        ("council-asb", "council-asb-2023-24.csv"),
        ("population", "ward-population.csv"),
    ],
)
def test_no_file_of_its_own_source_is_refused_as_another(source: str, name: str) -> None:
    assert wrong_source(fixture(name), source) is None


#: Files cut off in their last row: (source, the rows before, the last row cut, the same row whole).
CUT = [
    # fewer cells than headings: the longitude cut, the latitude and the rest missing
    ("police-csv", HEADINGS + "x1,2024-06,,,-1.7733,53.6772,On or near A,,,Burglary\n",
     "x2,2024-06,,,-1.77", "x2,2024-06,,,-1.7733,53.6772,On or near B,,,Drugs"),
    # every cell there, the longitude cut: -1.77 instead of -1.7733 (another hexagon, maybe another ward)
    ("police-csv", "Month,Crime type,Latitude,Longitude\n2024-06,Burglary,53.6772,-1.7733\n",
     "2024-06,Drugs,53.6772,-1.77", "2024-06,Drugs,53.6772,-1.7733"),
    # every cell there, the month cut
    ("police-csv", "Crime type,Latitude,Longitude,Month\nBurglary,53.6772,-1.7733,2024-06\n",
     "Drugs,53.6772,-1.7733,2024-0", "Drugs,53.6772,-1.7733,2024-06"),
    # every cell there, the date cut: 03/06/20 would read as 3 June 2020
    ("fly-tipping", "Reference,Latitude,Longitude,Date\nFT1,53.6772,-1.7733,03/06/2024\n",
     "FT2,53.6772,-1.7733,03/06/20", "FT2,53.6772,-1.7733,03/06/2024"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "before", "cut", "whole"), CUT, ids=[c for _, _, c, _ in CUT])
def test_a_cut_off_last_row_is_set_aside_never_stored_with_a_wrong_value(
    store: Store, source: str, before: str, cut: str, whole: str
) -> None:
    incidents = count(store, "SELECT count(*) FROM incidents")
    (report,) = run_import(store, source, [Upload("cut.csv", (before + cut).encode())])
    assert report.error is None
    assert {r: v.tolist() for r, v in report.set_aside.items()} == {"cut-off last row": [3]}
    assert (report.rows_read, report.added) == (2, 1)
    assert count(store, "SELECT count(*) FROM incidents") == incidents + 1  # the complete row only
    # the file whole adds exactly the row that was cut: nothing of it was stored under another identity
    (again,) = run_import(store, source, [Upload("whole.csv", (before + whole + "\n").encode())])
    assert again.error is None and (again.added, again.already_stored) == (1, 1)
    assert count(store, "SELECT count(*) FROM incidents") == incidents + 2


def _populations(store: Store) -> dict[str, int]:
    """Ward name -> population in force (imported), read straight from the store."""
    frame = store.populations()
    return dict(zip(frame["ward_name"], frame["population"].astype(int), strict=True))


POPULATION_REJECTS = [
    ('Ashbrow,"1,2,3"', "bad number"),  # not thousands: never 123
    ('Ashbrow,"12,34"', "bad number"),
    ("Ashbrow,20572.5", "bad number"),
    ("Ashbrow,0", "population out of range"),
    ("Ashbrow,-5", "population out of range"),
    ("Ashbrow,99999999999", "population out of range"),  # more than the store's whole numbers hold
    ("Ashbrow,10000001", "population out of range"),
]


@pytest.mark.parametrize(("row", "reason"), POPULATION_REJECTS, ids=[r for r, _ in POPULATION_REJECTS])
def test_a_bad_population_is_set_aside_with_its_row_and_the_rest_import(
    store: Store, row: str, reason: str
) -> None:
    data = f'Ward,Population\n{row}\nNewsome,"24,262"\n'.encode()
    (report,) = run_import(store, "population", [Upload("pop.csv", data)])
    assert report.error is None
    assert {r: v.tolist() for r, v in report.set_aside.items()} == {reason: [2]}
    assert _populations(store) == {"Newsome": 24_262}  # "24,262" is thousands, read as the file meant


@pytest.mark.parametrize(
    "data",
    [b"Ward,Population\nAshbrow,0\nNewsome,0\n", b"Ward,Population\nAshbrow,99999999999\n"],
    ids=["all zero", "only a huge value"],
)
def test_a_population_file_with_no_usable_figure_is_refused_with_its_rows(store: Store, data: bytes) -> None:
    before = snapshot(store)
    (report,) = run_import(store, "population", [Upload("pop.csv", data)])
    assert report.error is not None and report.error.startswith("pop.csv")
    assert "population out of range: row" in report.error and "\n" not in report.error
    assert_same(before, snapshot(store))


def test_population_re_imports_are_idempotent_and_a_replaced_file_can_come_back(store: Store) -> None:
    first = Upload("pop-a.csv", b"Ward,Population\nAshbrow,20572\nNewsome,24262\n")
    second = Upload("pop-b.csv", b"Ward,Population\nAshbrow,21000\n")
    run_import(store, "population", [first])
    after = snapshot(store)
    (again,) = run_import(store, "population", [first])
    assert again.already_imported and again.import_id is None
    assert_same(after, snapshot(store))
    run_import(store, "population", [second])
    assert _populations(store) == {"Ashbrow": 21_000, "Newsome": 24_262}
    (back,) = run_import(store, "population", [first])  # a change: its figures replace the newer ones
    assert back.import_id is not None and _populations(store) == {"Ashbrow": 20_572, "Newsome": 24_262}


NO_OP = [
    ("police-csv", ["police-street-2024-07.csv"]),
    ("police-api", ["police-api-2024-07.json"]),
    ("stats19", [f"stats19-2024/stats19-kirklees-2024-{f}.csv" for f in ("collisions", "casualties")]),
    ("fly-tipping", ["fly-tipping-export.csv"]),
    ("fires", ["fire-incidents.csv"]),
    ("council-asb", ["council-asb-2023-24.csv"]),
    ("population", ["ward-population.csv"]),
    ("wards", [WARDS]),
]  # fmt: skip


@pytest.mark.parametrize(("source", "names"), NO_OP, ids=[s for s, _ in NO_OP])
def test_a_no_op_re_import_of_any_source_writes_nothing_not_even_an_audit_row(
    store: Store, source: str, names: list[str]
) -> None:
    files = [_upload(n) for n in names]
    run_import(store, source, files)
    after = snapshot(store)
    (again,) = run_import(store, source, files)
    assert again.error is None
    assert_same(after, snapshot(store))  # the imports table included: no audit row


def _upload(name: str) -> Upload:
    return Upload(name, (config.DATA_DIR / name).read_bytes()) if name == WARDS else fixture(name)


def test_geojson_with_a_byte_order_mark_reads(store: Store) -> None:
    data = b"\xef\xbb\xbf" + (config.DATA_DIR / WARDS).read_bytes()
    upload = Upload("wards-bom.geojson", data)
    assert detect_source(upload) == "wards" and wrong_source(upload, "wards") is None
    (report,) = run_import(store, "wards", [upload])
    assert report.error is None, report.error
    features = json.loads(data.decode("utf-8-sig"))["features"]
    assert report.rows_read == len(features) == 23


def _sqlite_not_a_geopackage(folder: Path) -> bytes:
    path = folder / "x.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (a)")
    return path.read_bytes()


def _zip_with_a_broken_shapefile() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("wards.shp", b"not a shapefile" * 10)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["geojson", "gpkg", "shapefile", "damaged gpkg"])
def test_messages_name_the_users_file_never_a_temporary_path(store: Store, tmp_path: Path, kind: str) -> None:
    name, data = {
        "geojson": ("my wards.geojson", b"[1, 2, 3]"),
        "gpkg": ("my wards.gpkg", _sqlite_not_a_geopackage(tmp_path)),
        "shapefile": ("my wards.zip", _zip_with_a_broken_shapefile()),
        "damaged gpkg": ("my wards.gpkg", b"SQLite format 3\x00" + bytes(2000)),
    }[kind]
    private = (tempfile.gettempdir(), "/vsimem", "/vsizip", "boundaries.")
    before = snapshot(store)
    (report,) = run_import(store, "wards", [Upload(name, data)])
    assert report.error is not None and report.error.startswith(name)
    assert not any(p in report.error for p in private), report.error
    assert_same(before, snapshot(store))
    # the same file uploaded as a Clear Hold Build area: a ValueError the page shows, naming the file only
    with pytest.raises(ValueError) as refused:
        area_from_upload(name, data)
    assert name in str(refused.value) and not any(p in str(refused.value) for p in private)
