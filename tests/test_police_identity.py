"""One row is one report: police.uk's repeated rows are all counted, once, whichever route loads them.

The fixtures are one month (July 2024) of Kirklees data published the two ways police.uk publishes it:

* ``police-street-2024-07.csv`` - the force's street CSV (byte-order mark, ASB rows with no Crime ID,
  several ASB reports snapped to the same map point with identical cells; no British Transport Police
  crimes, which police.uk publishes in the BTP force file);
* ``police-api-2024-07.json`` - the same month from the API: every CSV record (crimes carry their Crime
  ID as ``persistent_id``; ASB has none), plus three BTP crimes with no ``persistent_id`` (two of them
  identical), and one record saved twice (same ``id``), as happens when overlapping answers are saved.

Expected figures are counted here from the raw files with the standard library, not from the importer.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest

from layers.importer import run_import
from store import Store
from tests.import_helpers import count, fixture

CSV = "police-street-2024-07.csv"
API = "police-api-2024-07.json"


def _csv_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(fixture(CSV).data.decode("utf-8-sig"))))


def _api_records() -> list[dict]:
    return json.loads(fixture(API).data)


def _stored(store: Store) -> Counter:
    frame = store.query("SELECT layer, category, street, count(*) AS n FROM incidents GROUP BY ALL")
    return Counter({(r.layer, r.category, r.street): int(r.n) for r in frame.itertuples()})


def test_every_csv_row_is_a_report_and_only_a_repeated_crime_id_is_a_duplicate(empty_store: Store) -> None:
    rows = _csv_rows()
    asb = [r for r in rows if r["Crime type"] == "Anti-social behaviour"]
    repeated_cells = len(asb) - len({tuple(r.values()) for r in asb})
    assert repeated_cells >= 5  # the fixture does repeat ASB rows at shared points
    (report,) = run_import(empty_store, "police-csv", [fixture(CSV)])
    assert report.set_aside == {}
    assert (report.accepted, report.added) == (len(rows), len(rows))
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE layer = 'asb'") == len(asb)
    assert any(n.startswith(f"{repeated_cells} rows repeat an earlier row's month") for n in report.notes)
    per_street = Counter(r["Location"] for r in asb)
    stored = _stored(empty_store)
    assert {street: stored[("asb", "Unclassified", street)] for street in per_street} == dict(per_street)


def test_reimporting_the_csv_adds_nothing(empty_store: Store) -> None:
    run_import(empty_store, "police-csv", [fixture(CSV)])
    (again,) = run_import(empty_store, "police-csv", [fixture(CSV)])
    assert (again.added, again.already_stored) == (0, len(_csv_rows()))
    assert count(empty_store, "SELECT count(*) FROM incidents") == len(_csv_rows())


def test_the_api_keeps_btp_repeats_and_drops_only_a_repeated_record_id(empty_store: Store) -> None:
    records = _api_records()
    distinct = {r["id"] for r in records}
    btp = [r for r in records if r["location_type"] == "BTP"]
    assert btp and all(not r["persistent_id"] for r in btp)
    (report,) = run_import(empty_store, "police-api", [fixture(API)])
    repeated = len(records) - len(distinct)
    assert {k: len(v) for k, v in report.set_aside.items()} == {"duplicate within the file": repeated}
    assert report.added == len(distinct)
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE attributes LIKE '%BTP%'") == len(btp)


@pytest.mark.parametrize("first", ["police-csv", "police-api"])
def test_one_month_loaded_both_ways_stores_each_report_once(tmp_path, first: str) -> None:
    """CSV then API, or API then CSV: the same store, whose every figure matches the API's own records."""
    store = Store(tmp_path / "both.duckdb")
    files = {"police-csv": fixture(CSV), "police-api": fixture(API)}
    second = next(s for s in files if s != first)
    run_import(store, first, [files[first]])
    (later,) = run_import(store, second, [files[second]])
    records = {r["id"]: r for r in _api_records()}.values()  # each record once
    btp = sum(r["location_type"] == "BTP" for r in records)
    # what the second route adds is exactly what the first could not hold: nothing, or the BTP crimes
    assert later.added == (btp if second == "police-api" else 0)
    assert count(store, "SELECT count(*) FROM incidents") == len(records)
    asb_api = sum(r["category"] == "anti-social-behaviour" for r in records)
    asb_csv = sum(r["Crime type"] == "Anti-social behaviour" for r in _csv_rows())
    assert asb_api == asb_csv == count(store, "SELECT count(*) FROM incidents WHERE layer = 'asb'")


def test_the_two_routes_give_equal_counts_on_their_own(tmp_path) -> None:
    by_csv, by_api = Store(tmp_path / "csv.duckdb"), Store(tmp_path / "api.duckdb")
    run_import(by_csv, "police-csv", [fixture(CSV)])
    run_import(by_api, "police-api", [fixture(API)])
    api = _stored(by_api)
    not_in_csv = Counter(
        {key: n for key, n in api.items() if key[2] == "On or near Railway Station"}
    )  # the BTP crimes: the force CSV does not carry them
    assert _stored(by_csv) == api - not_in_csv
    ids_csv = set(by_csv.query("SELECT source_id FROM incidents")["source_id"])
    ids_api = set(by_api.query("SELECT source_id FROM incidents")["source_id"])
    assert ids_csv < ids_api
