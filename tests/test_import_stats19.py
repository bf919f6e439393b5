"""STATS19 -> ksi: the real West Yorkshire 2024 files, older column names, OS grid coordinates."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from layers.importer import run_import
from layers.readers import Upload
from store import Store
from tests.import_helpers import count, fixture

KIRKLEES = "E08000034"
COLLISIONS = "stats19-west-yorkshire-2024-collisions.csv"
CASUALTIES = "stats19-west-yorkshire-2024-casualties.csv"


def _upload(folder: Path, name: str) -> Upload:
    return Upload(name, (folder / name).read_bytes())


def _dft_kirklees_ksi(folder: Path) -> tuple[Counter, Counter]:
    """What the DfT files themselves say, computed independently with the csv module: Kirklees
    (local_authority_ons_district E08000034) fatal and serious collisions, and their KSI casualties."""
    with open(folder / COLLISIONS, newline="", encoding="utf-8-sig") as f:
        ksi = {
            row["collision_index"]: row["collision_severity"]
            for row in csv.DictReader(f)
            if row["local_authority_ons_district"] == KIRKLEES and row["collision_severity"] in ("1", "2")
        }
    with open(folder / CASUALTIES, newline="", encoding="utf-8-sig") as f:
        casualties = Counter(
            row["casualty_severity"]
            for row in csv.DictReader(f)
            if row["collision_index"] in ksi and row["casualty_severity"] in ("1", "2")
        )
    return Counter(ksi.values()), casualties


def test_real_stats19_files_add_up_and_match_what_dft_says_for_kirklees(
    empty_store: Store, reference_dir: Path
) -> None:
    (report,) = run_import(
        empty_store, "stats19", [_upload(reference_dir, COLLISIONS), _upload(reference_dir, CASUALTIES)]
    )
    assert report.error is None
    # the report adds up: every one of the 4,060 West Yorkshire collisions is accepted or set aside
    assert report.rows_read == 4060
    assert report.rows_read == report.accepted + report.rows_set_aside
    assert set(report.set_aside) == {"not KSI", "outside area"}
    assert report.details["casualty_rows_read"] == 5240

    dft_collisions, dft_casualties = _dft_kirklees_ksi(reference_dir)
    assert (dft_collisions["1"], dft_collisions["2"]) == (3, 172)
    assert (dft_casualties["1"], dft_casualties["2"]) == (3, 189)

    stored = empty_store.query(
        "SELECT category, count(*) AS collisions, sum(casualties) AS ksi_casualties, "
        "sum(CAST(json_extract_string(attributes, '$.fatal_casualties') AS INT)) AS fatal, "
        "sum(CAST(json_extract_string(attributes, '$.serious_casualties') AS INT)) AS serious "
        "FROM incidents WHERE layer = 'ksi' GROUP BY category"
    ).set_index("category")
    # The ward polygons decide what is in Kirklees, not the local-authority column. They agree on every
    # collision but one: 2024131506687, a serious collision with one serious casualty at -1.6241, 53.65407,
    # which DfT codes to Wakefield (E08000036) but which lies 1.1 m inside the (generalised) Kirklees
    # boundary, in Dewsbury South: it is on the border road. So the map shows one serious collision and
    # one serious casualty more than DfT's local-authority figure; fatal figures are identical.
    assert stored.loc["Fatal", "collisions"] == dft_collisions["1"] == 3
    assert stored.loc["Serious", "collisions"] == dft_collisions["2"] + 1 == 173
    assert stored.loc["Fatal", "fatal"] == dft_casualties["1"] == 3
    assert stored.loc["Serious", "fatal"] == 0
    assert int(stored["serious"].sum()) == dft_casualties["2"] + 1 == 190
    assert int(stored["ksi_casualties"].sum()) == 193
    border = empty_store.query("SELECT * FROM incidents WHERE source_id = '2024131506687'").iloc[0]
    assert json.loads(border["attributes"])["lad"] == "E08000036"
    assert report.details["ksi_collisions"] == {"Fatal": 3, "Serious": 173}
    assert report.details["ksi_casualties"] == {"Fatal": 3, "Serious": 190}


def test_collision_file_alone_maps_collisions_without_casualty_counts(
    empty_store: Store, reference_dir: Path
) -> None:
    (report,) = run_import(empty_store, "stats19", [_upload(reference_dir, COLLISIONS)])
    assert report.accepted == 176
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE casualties IS NOT NULL") == 0
    assert "ksi_casualties" not in report.details
    # the pair imported later adds nothing (the collisions are stored) and says so by its figures
    (again,) = run_import(
        empty_store, "stats19", [_upload(reference_dir, CASUALTIES), _upload(reference_dir, COLLISIONS)]
    )
    assert (again.accepted, again.added, again.already_stored) == (176, 0, 176)


def test_older_accident_names_and_os_grid_only_rows(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "stats19", [fixture("stats19-accidents-2019.csv")])
    assert {reason: rows.tolist() for reason, rows in report.set_aside.items()} == {
        "not KSI": [4],
        "outside area": [5],
        "bad date": [6],
    }
    assert report.notes[-1] == "2 rows located from their OS grid easting/northing"
    stored = empty_store.query(
        "SELECT source_id, category, date, ward_code FROM incidents ORDER BY source_id"
    )
    assert stored["source_id"].tolist() == ["2019130100001", "2019130100002"]
    assert stored["category"].tolist() == ["Serious", "Fatal"]
    assert stored["ward_code"].tolist() == ["E05001389", "E05001398"]  # Ashbrow, Dewsbury East
    assert str(stored["date"][1])[:10] == "2019-07-02"


def test_a_casualty_file_from_another_release_is_refused(empty_store: Store, reference_dir: Path) -> None:
    (report,) = run_import(
        empty_store, "stats19", [fixture("stats19-accidents-2019.csv"), _upload(reference_dir, CASUALTIES)]
    )
    assert report.error is not None
    assert report.error.startswith(f"{CASUALTIES}'s collision_index values match none of the collisions")
    assert not empty_store.exists() or count(empty_store, "SELECT count(*) FROM imports") == 0


def test_more_than_two_files_is_refused(empty_store: Store) -> None:
    f = fixture("stats19-accidents-2019.csv")
    (report,) = run_import(empty_store, "stats19", [f, f, f])
    assert report.error == "STATS19 takes a collision file and optionally its casualty file, not 3 files."


@pytest.mark.parametrize("name", ["fire-incidents.csv", "police-street-2024-06.csv"])
def test_other_files_given_as_stats19_are_refused_naming_what_was_expected(
    empty_store: Store, name: str
) -> None:
    (report,) = run_import(empty_store, "stats19", [fixture(name)])
    assert report.error is not None and report.error.startswith(name)
    assert "expected a DfT STATS19 collision CSV" in report.error
