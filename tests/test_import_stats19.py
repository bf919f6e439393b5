"""STATS19 -> ksi: a Kirklees cut of the real DfT 2024 files, older column names, OS grid coordinates."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

import config
from briefing.baselines import measure_baselines
from briefing.packs import PackContext
from cli.summary import summarise
from layers.importer import run_import
from layers.readers import Upload
from store import Store
from tests.import_helpers import FIXTURES, count, fixture

KIRKLEES = "E08000034"
#: The real DfT 2024 files cut to Kirklees and its borders (how: tests/fixtures/stats19-2024/README.md).
STATS19_2024 = FIXTURES / "stats19-2024"
COLLISIONS = "stats19-kirklees-2024-collisions.csv"
CASUALTIES = "stats19-kirklees-2024-casualties.csv"
#: DfT codes this serious collision to Wakefield (E08000036), but it lies 1.1 m inside the generalised
#: Kirklees boundary, in Dewsbury South, on the border road; the ward polygons decide, so it is mapped.
BORDER_COLLISION = "2024131506687"


def _upload(name: str) -> Upload:
    return Upload(name, (STATS19_2024 / name).read_bytes())


def _rows(name: str) -> list[dict[str, str]]:
    """A fixture file's rows, read with the csv module (not the importer's reader)."""
    with open(STATS19_2024 / name, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _dft_kirklees_ksi() -> tuple[Counter, Counter]:
    """What the DfT files themselves say, computed independently with the csv module: Kirklees
    (local_authority_ons_district E08000034) fatal and serious collisions, and their KSI casualties."""
    ksi = {
        row["collision_index"]: row["collision_severity"]
        for row in _rows(COLLISIONS)
        if row["local_authority_ons_district"] == KIRKLEES and row["collision_severity"] in ("1", "2")
    }
    casualties = Counter(
        row["casualty_severity"]
        for row in _rows(CASUALTIES)
        if row["collision_index"] in ksi and row["casualty_severity"] in ("1", "2")
    )
    return Counter(ksi.values()), casualties


def test_real_stats19_files_add_up_and_match_what_dft_says_for_kirklees(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "stats19", [_upload(COLLISIONS), _upload(CASUALTIES)])
    assert report.error is None
    # the report adds up: every collision of the file is accepted or set aside, for the reasons the raw
    # file gives - slight collisions are "not KSI", fatal and serious ones coded to another district are
    # outside the area (all but the border collision, which the ward polygons place inside Kirklees)
    collisions = _rows(COLLISIONS)
    slight = [r for r in collisions if r["collision_severity"] == "3"]
    ksi_elsewhere = [
        r
        for r in collisions
        if r["collision_severity"] in ("1", "2") and r["local_authority_ons_district"] != KIRKLEES
    ]
    assert BORDER_COLLISION in {r["collision_index"] for r in ksi_elsewhere}
    assert report.rows_read == len(collisions) == 756
    assert report.rows_read == report.accepted + report.rows_set_aside
    assert {reason: len(rows) for reason, rows in report.set_aside.items()} == {
        "not KSI": len(slight),
        "outside area": len(ksi_elsewhere) - 1,
    }
    assert report.details["casualty_rows_read"] == len(_rows(CASUALTIES))

    # DfT's own Kirklees 2024 figures, counted from the raw file
    dft_collisions, dft_casualties = _dft_kirklees_ksi()
    assert (dft_collisions["1"], dft_collisions["2"]) == (3, 172)
    assert (dft_casualties["1"], dft_casualties["2"]) == (3, 189)

    stored = empty_store.query(
        "SELECT category, count(*) AS collisions, sum(casualties) AS ksi_casualties, "
        "sum(CAST(json_extract_string(attributes, '$.fatal_casualties') AS INT)) AS fatal, "
        "sum(CAST(json_extract_string(attributes, '$.serious_casualties') AS INT)) AS serious "
        "FROM incidents WHERE layer = 'ksi' GROUP BY category"
    ).set_index("category")
    # The ward polygons decide what is in Kirklees, not the local-authority column. They agree on every
    # collision but the border one (a serious collision with one serious casualty), so the map shows one
    # serious collision and one serious casualty more than DfT's local-authority figure; fatal figures are
    # identical.
    border_casualties = Counter(
        r["casualty_severity"] for r in _rows(CASUALTIES) if r["collision_index"] == BORDER_COLLISION
    )
    assert border_casualties == Counter({"2": 1})
    assert stored.loc["Fatal", "collisions"] == dft_collisions["1"] == 3
    assert stored.loc["Serious", "collisions"] == dft_collisions["2"] + 1 == 173
    assert stored.loc["Fatal", "fatal"] == dft_casualties["1"] == 3
    assert stored.loc["Serious", "fatal"] == 0
    assert int(stored["serious"].sum()) == dft_casualties["2"] + 1 == 190
    assert int(stored["ksi_casualties"].sum()) == 193
    border = empty_store.query(f"SELECT * FROM incidents WHERE source_id = '{BORDER_COLLISION}'").iloc[0]
    assert json.loads(border["attributes"])["lad"] == "E08000036"
    assert report.details["ksi_collisions"] == {"Fatal": 3, "Serious": 173}
    assert report.details["ksi_casualties"] == {"Fatal": 3, "Serious": 190}


def test_collision_file_alone_maps_collisions_without_casualty_counts(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "stats19", [_upload(COLLISIONS)])
    dft_collisions, _ = _dft_kirklees_ksi()
    assert report.accepted == sum(dft_collisions.values()) + 1 == 176  # and the border collision
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE casualties IS NOT NULL") == 0
    assert "ksi_casualties" not in report.details
    # the pair imported later adds nothing (the collisions are stored) and says so by its figures
    (again,) = run_import(empty_store, "stats19", [_upload(CASUALTIES), _upload(COLLISIONS)])
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


def test_a_casualty_file_from_another_release_is_refused(empty_store: Store) -> None:
    (report,) = run_import(
        empty_store, "stats19", [fixture("stats19-accidents-2019.csv"), _upload(CASUALTIES)]
    )
    assert report.error is not None
    assert report.error.startswith(f"{CASUALTIES}'s collision_index values match none of the collisions")
    assert not empty_store.exists() or count(empty_store, "SELECT count(*) FROM imports") == 0


def test_more_than_two_files_is_refused(empty_store: Store) -> None:
    f = fixture("stats19-accidents-2019.csv")
    (report,) = run_import(empty_store, "stats19", [f, f, f])
    assert report.error == "STATS19 takes a collision file and optionally its casualty file, not 3 files."


@pytest.mark.parametrize(
    ("name", "source"),
    [("fire-incidents.csv", "Fire incidents"), ("police-street-2024-06.csv", "police.uk street crime CSV")],
)
def test_other_sources_files_given_as_stats19_are_refused_naming_what_they_are(
    empty_store: Store, name: str, source: str
) -> None:
    (report,) = run_import(empty_store, "stats19", [fixture(name)])
    assert report.error is not None and report.error.startswith(name)
    assert f"looks like '{source}', not 'STATS19 road collisions'" in report.error
    assert not empty_store.exists()


def test_a_file_of_no_known_source_given_as_stats19_is_refused_naming_what_was_expected(
    empty_store: Store,
) -> None:
    (report,) = run_import(empty_store, "stats19", [Upload("ledger.csv", b"Account,Amount\nA1,5\n")])
    assert report.error is not None and report.error.startswith("ledger.csv")
    assert "expected a DfT STATS19 collision CSV" in report.error


def _stored_ksi_ids() -> set[str]:
    """The collisions the map holds, from the raw file: DfT's Kirklees fatal and serious collisions and
    the border collision."""
    kirklees = {
        r["collision_index"]
        for r in _rows(COLLISIONS)
        if r["local_authority_ons_district"] == KIRKLEES and r["collision_severity"] in ("1", "2")
    }
    return kirklees | {BORDER_COLLISION}


def test_both_ksi_definitions_are_counted_and_named(empty_store: Store) -> None:
    """Police-recorded KSI casualties and DfT's adjusted estimate (fatal casualties count 1, every other
    casualty its casualty_adjusted_severity_serious probability), each worked out from the raw file."""
    run_import(empty_store, "stats19", [_upload(COLLISIONS), _upload(CASUALTIES)])
    ids = _stored_ksi_ids()
    casualties = [r for r in _rows(CASUALTIES) if r["collision_index"] in ids]
    recorded = sum(r["casualty_severity"] in ("1", "2") for r in casualties)
    adjusted = sum(
        1.0 if r["casualty_severity"] == "1" else float(r["casualty_adjusted_severity_serious"])
        for r in casualties
    )
    assert summarise(empty_store)["casualties"] == [
        {
            "layer": "ksi",
            "year": 2024,
            "synthetic": False,
            "recorded": recorded,
            "adjusted": round(adjusted, 2),
        }
    ]
    # West Yorkshire records injuries the new way, so in 2024 DfT's adjustment changes nothing
    assert recorded == adjusted == 193

    # the KSI baseline keeps the plan's words and adds what the loaded data counts for the whole year
    (ksi,) = [t for t in config.targets() if t.counts_casualties]
    assert PackContext.load(empty_store).baselines[ksi.measure] == (
        f"{ksi.baseline}; counted from the loaded data: {recorded} in 2024 by police-recorded severity, "
        f"unadjusted (STATS19); DfT adjusted estimate {adjusted:.1f}"
    )
    assert all(
        PackContext.load(empty_store).baselines[t.measure] == t.baseline for t in config.targets() if t != ksi
    )


def test_no_figure_is_counted_for_a_part_year_or_from_synthetic_data(
    empty_store: Store, demo_store: Store
) -> None:
    header, *lines = (STATS19_2024 / COLLISIONS).read_text(encoding="utf-8").splitlines(keepends=True)
    first_half = [line for line, r in zip(lines, _rows(COLLISIONS), strict=True) if r["date"][3:5] <= "06"]
    run_import(
        empty_store,
        "stats19",
        [Upload("h1.csv", (header + "".join(first_half)).encode()), _upload(CASUALTIES)],
    )
    (ksi,) = [t for t in config.targets() if t.counts_casualties]
    assert measure_baselines(empty_store)[ksi.measure] == ksi.baseline
    assert measure_baselines(demo_store)[ksi.measure] == ksi.baseline  # the demo's casualties are invented
