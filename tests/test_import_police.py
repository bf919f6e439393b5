"""police.uk street CSV and API -> crime and asb: figures, set-aside reasons, idempotence, API client."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon

from briefing.exports import csv_bytes
from layers import police_api
from layers.importer import import_api_month, run_import
from layers.ingest import current_wards
from layers.readers import Upload
from layers.report import REASON_HELP
from store import Store
from tests.import_helpers import count, fixture

CSV = "police-street-2024-06.csv"
API = "police-api-2024-06.json"


def test_force_file_rows_are_accepted_or_set_aside_with_their_row_numbers(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "police-csv", [fixture(CSV)])
    assert report.error is None
    assert report.rows_read == 27
    assert report.accepted == 19 and report.added == 19
    assert report.accepted_by_layer == {"asb": 6, "crime": 13}
    assert {reason: rows.tolist() for reason, rows in report.set_aside.items()} == {
        "unknown category": [23],  # "Fraud" is not a police.uk street crime type
        "bad date": [24],  # month 2024-13
        "no coordinates": [17, 18],
        "outside area": [19, 20, 21],  # Leeds, Bradford, Wakefield
        "duplicate within the file": [22],  # a repeated Crime ID; row 13 repeats row 12's ASB cells: kept
    }
    assert report.rows_read == report.accepted + report.rows_set_aside
    assert report.duplicates == 1
    stored = empty_store.query(
        "SELECT layer, category, count(*) AS n FROM incidents GROUP BY ALL ORDER BY ALL"
    )
    assert stored.loc[stored["layer"] == "asb", "category"].tolist() == ["Unclassified"]
    assert int(stored["n"].sum()) == 19
    one = empty_store.query(
        "SELECT * FROM incidents WHERE street = 'On or near Station Road, Holmfirth'"
    ).iloc[0]
    assert one["category"] == "Theft from the person"
    assert one["date"] == pd.Timestamp("2024-06-01") and one["date_precision"] == "month"
    assert json.loads(one["attributes"])["lsoa_name"] == "Kirklees 001A"
    cafe = count(empty_store, "SELECT count(*) FROM incidents WHERE street = 'On or near Café Lane'")
    assert cafe == 1  # UTF-8 after the byte-order mark is read as such


def test_repeated_asb_reports_are_kept_and_the_report_says_how_many(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "police-csv", [fixture(CSV)])
    explained = [n for n in report.notes if "separate report" in n]
    assert explained == [
        "1 row repeats an earlier row's month, map point, street and type (no Crime ID): each row is a "
        "separate report, so it is kept and counted"
    ]
    market = count(
        empty_store, "SELECT count(*) FROM incidents WHERE layer = 'asb' AND street LIKE '%Market%'"
    )
    assert market == 2  # rows 12 and 13: two reports at one snapped point
    assert "rows without an id are each a separate report" in REASON_HELP["duplicate within the file"]


def test_the_report_is_recorded_with_the_import(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "police-csv", [fixture(CSV)])
    recorded = json.loads(empty_store.query("SELECT report FROM imports")["report"][0])
    assert recorded["rows_read"] == 27 and recorded["accepted"] == 19
    assert recorded["set_aside"]["outside area"] == {"count": 3, "rows": [19, 20, 21]}
    assert recorded["added"] == 19 and recorded["already_stored"] == 0
    log = empty_store.imports().iloc[0]
    assert (log["rows_read"], log["rows_added"], log["rows_set_aside"]) == (27, 19, 8)
    assert log["import_id"] == report.import_id


def test_set_aside_rows_download_as_csv_with_their_cells(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "police-csv", [fixture(CSV)])
    data = csv_bytes(report.set_aside_frame())
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert frame["row"].astype(int).tolist() == [17, 18, 19, 20, 21, 22, 23, 24]
    assert frame.set_index("row").loc["19", "reason"] == "outside area"
    assert frame.set_index("row").loc["19", "Location"] == "On or near Briggate"
    assert frame.set_index("row").loc["23", "Crime type"] == "Fraud"


def test_importing_the_same_file_twice_adds_nothing_and_writes_nothing(empty_store: Store) -> None:
    (first,) = run_import(empty_store, "police-csv", [fixture(CSV)])
    (again,) = run_import(empty_store, "police-csv", [fixture(CSV)])
    assert (again.accepted, again.added, again.already_stored) == (19, 0, 19)
    assert again.duplicates == 20
    assert again.already_imported is not None and first.import_id in again.already_imported
    assert again.summary().startswith(f"{CSV}: already imported (import {first.import_id} on ")
    assert again.import_id is None and len(empty_store.imports()) == 1  # no audit row for a no-op
    assert count(empty_store, "SELECT count(*) FROM incidents") == 19


def test_a_saved_api_response_gives_the_same_records_as_the_csv(empty_store: Store) -> None:
    run_import(empty_store, "police-csv", [fixture(CSV)])
    (report,) = run_import(empty_store, "police-api", [fixture(API)])
    assert report.rows_read == 8
    assert {r: v.tolist() for r, v in report.set_aside.items()} == {
        "unknown category": [8],
        "outside area": [7],
    }
    # the two crimes and two ASB records the CSV already held are recognised; BTP and weapons are new
    assert (report.accepted, report.added, report.already_stored) == (6, 2, 4)
    new = empty_store.query(
        f"SELECT * FROM incidents WHERE import_id = '{report.import_id}' ORDER BY category"
    )
    assert new["category"].tolist() == ["Criminal damage and arson", "Possession of weapons"]
    assert json.loads(new["attributes"][0])["reported_by"] == "BTP"


def _fake_api(records: list[dict], limit: int) -> tuple[police_api.Fetch, list[int]]:
    """A stand-in for data.police.uk: answers from ``records``, refusing polygons holding > ``limit``.

    It answers generously, with records up to ~500 m outside the polygon, so neighbouring polygons'
    answers overlap as real ones do along shared edges; the client must de-duplicate them by ``id``.
    """
    sizes: list[int] = []

    def fetch(url: str, form: dict[str, str]) -> tuple[int, bytes]:
        assert url == police_api.API_URL and form["date"] == "2024-06"
        corners = [tuple(map(float, pair.split(","))) for pair in form["poly"].split(":")]
        assert len(corners) <= police_api.MAX_POLYGON_POINTS
        polygon = Polygon([(lng, lat) for lat, lng in corners]).buffer(0.005)
        inside = [
            r for r in records
            if polygon.intersects(Point(float(r["location"]["longitude"]), float(r["location"]["latitude"])))
        ]  # fmt: skip
        sizes.append(len(inside))
        if len(inside) > limit:
            return 503, b""
        return 200, json.dumps(inside).encode()

    return fetch, sizes


def _records_over(area: shapely.Geometry, n: int) -> list[dict]:
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = area.bounds
    out: list[dict] = []
    while len(out) < n:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if area.contains(Point(lon, lat)):
            i = len(out)
            out.append(
                {"category": "burglary", "month": "2024-06", "id": 5000 + i, "persistent_id": f"p{i:05d}",
                 "location_type": "Force", "context": "", "outcome_status": None,
                 "location": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}",
                              "street": {"id": i, "name": f"On or near Street {i}"}}}
            )  # fmt: skip
    return out


def test_covering_polygon_is_simple_and_covers_the_whole_area() -> None:
    area = current_wards(Store("/nonexistent/store.duckdb")).area
    (cover,) = police_api.covering_polygons(area)
    assert len(cover.exterior.coords) - 1 <= police_api.MAX_POLYGON_POINTS
    assert cover.covers(area)
    assert cover.area < area.area * 1.1  # not a crude box


def test_a_refused_month_is_split_until_every_request_fits_and_records_come_once() -> None:
    area = current_wards(Store("/nonexistent/store.duckdb")).area
    records = _records_over(area, 300)
    fetch, sizes = _fake_api(records, limit=60)
    got = police_api.fetch_month("2024-06", area, fetch)
    assert sorted(r["id"] for r in got) == sorted(r["id"] for r in records)  # each exactly once
    assert sizes[0] == 300  # the first (whole-area) request was refused...
    answered = [s for s in sizes if s <= 60]
    assert len(answered) >= 5  # ...and the area answered piece by piece,
    assert sum(answered) > 300  # with overlapping answers that were de-duplicated


def test_api_month_import_and_offline_behaviour(empty_store: Store) -> None:
    area = current_wards(empty_store).area
    fetch, _ = _fake_api(_records_over(area, 40), limit=25)
    report = import_api_month(empty_store, "2024-06", fetch=fetch)
    assert (report.rows_read, report.added) == (40, 40)
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE category = 'Burglary'") == 40

    def offline(url: str, form: dict[str, str]) -> tuple[int, bytes]:
        raise ConnectionError("could not reach data.police.uk (no network); are you offline?")

    before = empty_store.query("SELECT count(*) AS n FROM imports")["n"][0]
    with pytest.raises(ConnectionError, match="offline"):
        import_api_month(empty_store, "2024-07", fetch=offline)
    assert empty_store.query("SELECT count(*) AS n FROM imports")["n"][0] == before


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty"),
        (b"{not json", "is not JSON"),
        (b'{"type": "FeatureCollection"}', "looks like 'Ward boundaries', not 'police.uk API responses"),
        (b'{"type": "Feature"}', "not a list of crime records"),
        (b"[]", "holds no crime records"),
    ],
)
def test_unusable_api_files_are_refused(empty_store: Store, content: bytes, says: str) -> None:
    (report,) = run_import(empty_store, "police-api", [Upload("june.json", content)])
    assert report.error is not None and report.error.startswith("june.json ") and says in report.error
    assert not empty_store.exists() or count(empty_store, "SELECT count(*) FROM imports") == 0
