"""The council's typed ASB records: kinds from type text, per-row reasons, idempotence, CSV and Excel."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import cli
import config
from layers import council_asb
from layers.importer import SOURCES, detect_source, run_import
from layers.readers import Upload
from store import Store
from tests.import_helpers import FIXTURES, assert_same, count, fixture, snapshot

FIXTURE = "council-asb-2023-24.csv"


def test_every_kind_the_importer_maps_to_is_a_category_of_its_layer() -> None:
    kinds = {kind for _, kind in council_asb.TYPE_WORDS}
    assert kinds == set(config.layers()[council_asb.LAYER].categories)
    assert kinds == {"Personal", "Nuisance", "Environmental"}
    # police.uk ASB keeps its own layer, untyped: the two sources are never stored together
    assert council_asb.LAYER != "asb" and set(config.layers()["asb"].categories) == {"Unclassified"}
    assert config.layers()[council_asb.LAYER].same_reports_as == "asb"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Nuisance", "Nuisance"),
        ("ASB - Nuisance", "Nuisance"),
        ("NUISANCE (fireworks)", "Nuisance"),
        ("Noise nuisance", "Nuisance"),
        ("Nuisance motorbikes", "Nuisance"),
        ("Rowdy behaviour", "Nuisance"),
        ("Personal", "Personal"),
        ("Personal ASB", "Personal"),
        ("Targeted harassment", "Personal"),
        ("Environmental", "Environmental"),
        ("environmental nuisance", "Environmental"),  # the kind named outright wins over "nuisance"
        ("Graffiti", "Environmental"),
        ("Fly-tipping", "Environmental"),
        ("Dog barking", None),
        ("Other", None),
        ("", None),
    ],
)
def test_type_text_maps_to_the_three_kinds(text: str, kind: str | None) -> None:
    assert council_asb.asb_kind(text) == kind


def test_council_csv_rows_are_accepted_or_set_aside_with_row_numbers(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "council-asb", [fixture(FIXTURE)])
    assert report.error is None and report.rows_read == 24
    assert {reason: rows.tolist() for reason, rows in report.set_aside.items()} == {
        "unknown category": [19, 24],  # 'Dog barking' and a blank type: not guessed
        "no coordinates": [20],
        "bad date": [21],  # 31 June
        "outside area": [22],  # Leeds
        "duplicate within the file": [23],  # case ASB-24-0008 again
    }
    assert any("'Dog barking' (1)" in n and "'(blank)' (1)" in n for n in report.notes)
    assert report.accepted == report.added == 18 and report.accepted_by_layer == {"council_asb": 18}
    by_kind = empty_store.query("SELECT category, count(*) AS n FROM incidents GROUP BY category")
    assert dict(zip(by_kind["category"], by_kind["n"], strict=True)) == fixture_kinds()
    stored = empty_store.query(
        "SELECT source_id, category, date, ward_code, attributes FROM incidents ORDER BY source_id"
    )
    by_id = stored.set_index("source_id")
    # hand-checked against the file: each case's kind, day-first date and ward
    assert by_id.loc["ASB-23-0003", "category"] == "Nuisance"  # "ASB - Nuisance"
    assert by_id.loc["ASB-24-0010", "category"] == "Environmental"  # "Environmental nuisance"
    assert by_id.loc["ASB-24-0001", "category"] == "Personal"
    assert str(by_id.loc["ASB-24-0001", "date"])[:10] == "2024-01-09"
    assert by_id.loc["ASB-24-0002", "ward_code"] == "E05001396"  # Dalton
    assert json.loads(by_id.loc["ASB-23-0005", "attributes"])["asb_type"] == "Nuisance - motorbikes"
    # the same file again adds nothing
    (again,) = run_import(empty_store, "council-asb", [fixture(FIXTURE)])
    assert again.added == 0 and again.already_stored == 18
    assert count(empty_store, "SELECT count(*) FROM incidents") == 18


def _workbook(rows: list[list[object]]) -> bytes:
    """An Excel export the way a council case system writes one: a title row, a blank row, then headings."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "ASB cases"
    sheet.append(["Kirklees Council - anti-social behaviour cases"])
    sheet.append([])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_export_with_grid_references_and_no_case_reference(empty_store: Store) -> None:
    data = _workbook(
        [
            ["Date Logged", "Grid Easting", "Grid Northing", "ASB Category", "Street Name"],
            ["2024-06-03", 414_300, 416_860, "Nuisance", "Market Street"],  # Huddersfield town centre
            ["2024-06-03", 414_300, 416_860, "Nuisance", "Market Street"],  # a second report, same cells
            ["2024-06-04", 424_700, 421_000, "Environmental - litter", "Northgate"],
            ["2024-06-05", 414_300, 416_860, "Unknown", "Market Street"],
        ]
    )
    upload = Upload("asb-cases.xlsx", data)
    assert detect_source(upload) == "council-asb"
    (report,) = run_import(empty_store, "council-asb", [upload])
    assert report.error is None
    assert report.set_aside["unknown category"].tolist() == [7]
    assert "no case reference column: records are identified by date, place and ASB type" in report.notes
    assert report.added == 3  # one row is one report: the repeated row is a second report
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE category = 'Nuisance'") == 2
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE layer <> 'council_asb'") == 0
    (again,) = run_import(empty_store, "council-asb", [upload])
    assert again.added == 0


def test_a_file_that_cannot_be_read_leaves_the_store_unchanged(empty_store: Store) -> None:
    run_import(empty_store, "council-asb", [fixture(FIXTURE)])
    before = snapshot(empty_store)
    no_type = b"Case Reference,Date Opened,Latitude,Longitude\nX1,03/06/2024,53.6541,-1.7957\n"
    (report,) = run_import(empty_store, "council-asb", [Upload("cases.csv", no_type)])
    assert report.error is not None and report.error.startswith("cases.csv ")
    assert "ASB type" in report.error  # names the column it needed
    assert_same(before, snapshot(empty_store))


def test_the_fixture_is_recognised_and_offered_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert detect_source(Upload("upload.dat", fixture(FIXTURE).data)) == "council-asb"
    assert SOURCES["council-asb"].extensions == ("csv", "xlsx")
    store = tmp_path / "s.duckdb"
    code = cli.main(["import", "council-asb", str(FIXTURES / FIXTURE), "--json", "--store", str(store)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows_added"] == 18
    assert data["reports"][0]["set_aside"]["unknown category"]["rows"] == ["19", "24"]


def _data_page() -> None:
    from views import data_page

    data_page.render()


def test_the_load_data_page_recognises_and_imports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("HOTSPOTS_STORE", str(path))
    at = AppTest.from_function(_data_page, default_timeout=120).run()
    upload = fixture(FIXTURE)
    at.file_uploader(key="data_files").upload(upload.name, upload.data, "text/csv").run()
    assert at.selectbox(key="data_source").value == "council-asb"
    at.button(key="data_import").click().run()
    assert not at.exception, [e.message for e in at.exception]
    # the nuisance rows stored are those an independent reading of the file finds
    nuisance = count(Store(path), "SELECT count(*) FROM incidents WHERE category = 'Nuisance'")
    assert nuisance == fixture_kinds()["Nuisance"]


def fixture_kinds(months: tuple[str, ...] | None = None) -> Counter[str]:
    """Cases per kind in the fixture, read with the csv module and the rules written out by hand: a real
    day-first date, a location inside the borough's bounding box (DESIGN section 2), a case reference not
    seen before, and a type naming one kind ("personal", "environment", else "nuisance"; anything else is
    not counted). ``months``: the 'YYYY-MM' months to keep (all when None)."""
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    with open(FIXTURES / FIXTURE, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            ref, text = row["Case Reference"], row["ASB Type"].lower()
            try:
                day = datetime.strptime(row["Date Opened"], "%d/%m/%Y")
            except ValueError:
                continue
            if not row["Latitude"] or ref in seen:
                continue
            lat, lon = float(row["Latitude"]), float(row["Longitude"])
            if not (53.5198 <= lat <= 53.7648 and -2.0095 <= lon <= -1.5711):
                continue
            seen.add(ref)
            kind = next((k for word, k in HAND_KINDS if word in text), None)
            if kind and (months is None or day.strftime("%Y-%m") in months):
                kinds[kind] += 1
    return kinds


#: the fixture's type texts by hand, in the order a reader would settle them
HAND_KINDS = (("personal", "Personal"), ("environment", "Environmental"), ("nuisance", "Nuisance"))
