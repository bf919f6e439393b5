"""Council fly-tipping and fire-service exports: column synonyms, size classes, deliberate fires only."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

import config
from layers import fires, fly_tipping
from layers.importer import run_import
from layers.readers import Upload
from store import Store
from tests.import_helpers import count, fixture


def test_every_size_class_the_importer_maps_to_is_a_category_of_the_layer() -> None:
    categories = set(config.layers()["fly_tipping"].categories)
    assert {size for _, size in fly_tipping.SIZE_WORDS} | {fly_tipping.UNKNOWN_SIZE} <= categories
    assert {"Primary fire", "Secondary fire"} <= set(config.layers()["deliberate_fire"].categories)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("Car Boot or Less", "Car boot or less"),
        ("CAR-BOOT", "Car boot or less"),
        ("Single Black Bag", "Single black bag"),
        ("Small Van Load", "Small van load"),
        ("Transit Van Load", "Transit van load"),
        ("Tipper Lorry Load", "Tipper lorry load"),
        ("Significant/Multiple Loads", "Significant/multiple loads"),
        ("Single Item", "Other / unknown size"),
        ("", "Other / unknown size"),
    ],
)
def test_size_text_maps_to_defra_classes(text: str, size: str) -> None:
    assert fly_tipping.size_class(text) == size


def test_fly_tipping_export_with_easting_northing(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "fly-tipping", [fixture("fly-tipping-export.csv")])
    assert report.rows_read == 13
    assert {reason: rows.tolist() for reason, rows in report.set_aside.items()} == {
        "no coordinates": [9],
        "bad date": [10],  # 31 June
        "outside area": [11],  # Leeds
        "duplicate within the file": [12],  # FT-1002 again
        "bad coordinates": [14],
    }
    assert report.accepted == report.added == 8
    assert any("'Single Item' (1)" in n for n in report.notes)  # reported, kept as other/unknown size
    assert any("OS grid easting/northing" in n for n in report.notes)
    stored = empty_store.query(
        "SELECT source_id, category, date, attributes FROM incidents ORDER BY source_id"
    )
    assert stored["category"].tolist() == [
        "Car boot or less", "Small van load", "Transit van load", "Single black bag", "Tipper lorry load",
        "Significant/multiple loads", "Other / unknown size", "Other / unknown size",
    ]  # fmt: skip
    assert str(stored["date"][0])[:10] == "2024-06-03"  # 03/06/2024 is 3 June: UK day-first
    assert json.loads(stored["attributes"][4])["land_type"] == "Agricultural"


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Kirklees Council - fly-tipping incidents"])
    sheet.append([])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_fly_tipping_xlsx_with_lat_lon_and_no_id_column(empty_store: Store) -> None:
    data = _xlsx(
        [
            ["Date found", "Lat", "Long", "Waste size", "Land use"],
            ["2024-06-03", 53.6772, -1.7733, "Transit van load", "Highway"],
            ["2024-06-03", 53.6772, -1.7733, "Transit van load", "Highway"],  # a second report, same cells
            ["2024-06-04", 53.6541, -1.7957, "car boot or less", "Park"],
        ]
    )
    (report,) = run_import(empty_store, "fly-tipping", [Upload("tips.xlsx", data)])
    assert report.set_aside == {}  # one row is one report: identical rows without an id are all kept
    assert report.added == 3
    repeat_note = "1 row repeats an earlier row's date, place and size (no id)"
    assert any(n.startswith(repeat_note) for n in report.notes)
    assert "no id column: records are identified by date, place and size" in report.notes
    (again,) = run_import(empty_store, "fly-tipping", [Upload("tips.xlsx", data)])
    assert again.added == 0


def test_only_deliberate_primary_and_secondary_fires_are_mapped(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "fires", [fixture("fire-incidents.csv")])
    assert report.rows_read == 11
    assert {reason: rows.tolist() for reason, rows in report.set_aside.items()} == {
        "not deliberate": [5],
        "not a primary or secondary fire": [6, 10],  # chimney fire, false alarm
        "motive not known": [7],
        "no coordinates": [8],
        "outside area": [9],
        "bad date": [12],
    }
    stored = empty_store.query(
        "SELECT source_id, category, date, attributes FROM incidents ORDER BY source_id"
    )
    assert stored["source_id"].tolist() == ["WY24-0001", "WY24-0002", "WY24-0003", "WY24-0010"]
    assert stored["category"].tolist() == ["Secondary fire", "Secondary fire", "Primary fire", "Primary fire"]
    assert str(stored["date"][0])[:10] == "2024-11-05"
    assert json.loads(stored["attributes"][3])["property_type"] == "Shed"


@pytest.mark.parametrize(
    ("text", "yes_no", "motive"),
    [
        ("Deliberate - others property", False, "deliberate"),
        ("Accidental", False, "accidental"),
        ("Not deliberate", False, "accidental"),
        ("Not known", False, "not known"),
        ("", False, "not known"),
        ("Y", True, "deliberate"),
        ("No", True, "accidental"),
    ],
)
def test_motive_wording(text: str, yes_no: bool, motive: str) -> None:
    assert fires.motive(text, yes_no) == motive


def test_fires_workbook_with_a_deliberate_flag_column(empty_store: Store) -> None:
    data = _xlsx(
        [
            ["Incident no", "Call date", "Type", "Deliberate", "Easting", "Northing"],
            ["F1", "05/11/2024", "Secondary", "Yes", 415073, 420105],
            ["F2", "05/11/2024", "Primary", "No", 413600, 417531],
        ]
    )
    (report,) = run_import(empty_store, "fires", [Upload("fires.xlsx", data)])
    assert report.added == 1 and report.set_aside["not deliberate"].tolist() == [5]
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE category = 'Secondary fire'") == 1
