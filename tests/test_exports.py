"""Safe exports: no CSV the app or the command line writes can run a formula, and page headings show names
from data as plain text, never as Markdown links.

A real store is built with hostile names planted where partners' data puts names: ward names in a boundary
file (``WD13NM``), street names in a police.uk file's Location column, a column heading and cells of an
uploaded file. Every download the code offers is listed in :data:`DOWNLOADS`; a test scans the code for
download buttons and CSV writers, so a new export the list does not cover fails here until it is covered.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import config
from briefing.analyses import hotspots_from_store, plan
from geo.grid import study_grid
from geo.rates import Period
from layers.importer import run_import
from layers.ingest import current_wards
from layers.readers import Upload
from store import Store
from store.queries import Filters

ROOT = Path(__file__).resolve().parent.parent
#: Text that a spreadsheet would run (OWASP's list), and a Markdown link; each becomes a ward name, a street
#: and a cell of an uploaded file below.
HOSTILE = (
    '=HYPERLINK("http://x.example","click me")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "[x](javascript:alert(1))",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Wards renamed, by code: Ashbrow (where the planted cluster is) and its Huddersfield neighbours.
HOSTILE_WARDS = ("E05001389", "E05001402", "E05001396", "E05001410", "E05008558", "E05001407", "E05008560")
ASHBROW = (53.6772, -1.7733)
HUDDERSFIELD = (
    (53.6344, -1.7288), (53.6246, -1.8217), (53.6636, -1.7402), (53.6541, -1.7957), (53.6589, -1.8335),
    (53.6315, -1.7763),
)  # fmt: skip
HOSTILE_HEADING = "=cmd|' /C calc'!A0"
POLICE_HEADINGS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
    "LSOA name", "Crime type", "Last outcome category", "Context", HOSTILE_HEADING,
]  # fmt: skip

#: Every download the app offers: (file, button label) -> what it is. Spreadsheet kinds are checked cell by
#: cell below; a PDF or a ZIP of PDFs is not opened by a spreadsheet, GeoJSON is read by GIS software.
DOWNLOADS = {
    ("views/action_days_page.py", "Download CSV"): "csv",
    ("views/action_days_page.py", "Download printable list (PDF)"): "pdf",
    ("views/hotspots_page.py", "Hot cells (CSV)"): "csv",
    ("views/hotspots_page.py", "Every cell (CSV)"): "csv",
    ("views/hotspots_page.py", "Every cell (GeoJSON)"): "geojson",
    ("views/data_page.py", "Download the set-aside rows (CSV)"): "csv",
    ("views/ward_profile_page.py", "Download the one-page PDF"): "pdf",
    ("views/packs_page.py", "Download the PDF"): "pdf",
    ("views/packs_page.py", "Download the ZIP"): "zip",
    ("views/map_tools.py", "Save map as image (PNG)"): "png",
}
#: The one module allowed to write CSV (see briefing.exports).
CSV_WRITER = "briefing/exports.py"
APP_CODE = ("app.py", "serve.py", "views", "cli", "briefing", "layers", "geo", "store", "config")


def _python_files() -> list[Path]:
    files = []
    for part in APP_CODE:
        path = ROOT / part
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def _download_buttons() -> set[tuple[str, str]]:
    """(file, label) of every ``download_button(...)`` call in the app's code, read from its syntax tree."""
    found = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "download_button":
                label = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else "?"
                found.add((path.relative_to(ROOT).as_posix(), label))
    return found


def test_every_download_in_the_code_is_covered_here() -> None:
    found = _download_buttons()
    assert found == set(DOWNLOADS), (
        f"downloads not covered by this test: {sorted(found - set(DOWNLOADS))}; "
        f"covered but gone: {sorted(set(DOWNLOADS) - found)}"
    )


def test_only_the_exports_module_writes_csv_or_spreadsheets() -> None:
    writers = re.compile(r"\.to_csv\(|\.to_excel\(|csv\.writer\(|csv\.DictWriter\(|Workbook\(|xlsxwriter")
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{n}"
        for path in _python_files()
        if path.relative_to(ROOT).as_posix() != CSV_WRITER
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if writers.search(line)
    ]
    assert offenders == [], f"CSV or spreadsheets written outside {CSV_WRITER}: {offenders}"


# ---- the hostile store ------------------------------------------------------------------------------------


def _hostile_boundaries() -> bytes:
    """The shipped Kirklees wards with seven of them renamed to hostile text."""
    doc = json.loads((config.DATA_DIR / "kirklees-wards-2013.geojson").read_text(encoding="utf-8"))
    names = dict(zip(HOSTILE_WARDS, HOSTILE, strict=True))
    for feature in doc["features"]:
        code = feature["properties"]["WD13CD"]
        feature["properties"]["WD13NM"] = names.get(code, feature["properties"]["WD13NM"])
    return json.dumps(doc).encode("utf-8")


def _police_file() -> bytes:
    """Six months of police.uk rows: a drugs and violence cluster in Ashbrow on hostile
    streets, the same crimes spread thinly over Huddersfield, rows outside Kirklees and a row with an unusable
    longitude (both set aside, hostile cells and all), and an extra column with a hostile heading."""
    rows = []
    for i in range(240):
        month = f"2024-{1 + i % 6:02d}"
        if i < 150:  # the cluster: a few hundred metres across, so neighbouring hexagons are busy too
            lat, lon = ASHBROW[0] + 0.0008 * (i % 7 - 3), ASHBROW[1] + 0.0012 * (i // 7 % 7 - 3)
        else:  # spread: near the centres of Huddersfield's wards (DESIGN section 2)
            lat, lon = HUDDERSFIELD[i % len(HUDDERSFIELD)]
            lat, lon = lat + 0.001 * (i % 5), lon - 0.001 * (i % 4)
        kind = ("Drugs", "Violence and sexual offences", "Burglary")[i % 3]
        force = "West Yorkshire Police"
        street, extra = HOSTILE[i % len(HOSTILE)], HOSTILE[(i + 1) % len(HOSTILE)]
        point = [f"{lon:.6f}", f"{lat:.6f}"]
        rows.append([f"id{i:04d}", month, force, force, *point, street, "", "", kind, "", "", extra])
    for i, text in enumerate(HOSTILE):  # in Leeds: outside the study area
        rows.append(
            [f"out{i}", "2024-03", "", "", "-1.549200", "53.799700", text, "", "", "Drugs", text, "", text]
        )
    rows.append(["bad", "2024-03", "", "", "-1.77x", "53.6772", "Bad Road", "", "", "Drugs", "", "", "-1.5"])
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([POLICE_HEADINGS, *rows])  # CR in a cell is quoted
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list]:
    """A real store with hostile ward and street names, and the police import's report."""
    store = Store(tmp_path_factory.mktemp("hostile") / "hostile.duckdb")
    (wards,) = run_import(store, "wards", [Upload("=wards.geojson", _hostile_boundaries())])
    assert wards.error is None, wards.error
    reports = run_import(store, "police-csv", [Upload("@police-2024.csv", _police_file())])
    assert reports[0].error is None and reports[0].added == 240, reports[0].summary()
    return store, reports


PERIOD = Period(date(2024, 1, 1), date(2024, 6, 30))


def _action_days_csv(store: Store, reports: list) -> bytes:
    from briefing.action_days import csv_bytes

    presets = config.action_presets().presets
    result = plan(
        store,
        current_wards(store),
        weights=presets["police"].weights,
        weights_name="Police",
        period=PERIOD,
        n=5,
        min_distance_m=400,
        resolution=9,
        ward=HOSTILE_WARDS[0],
    )
    assert result.locations, result.too_few
    return csv_bytes(result, synthetic=False)


def _hotspots(store: Store):
    wards = current_wards(store)
    grid = study_grid(wards, 9, district="Huddersfield")
    filters = Filters(layers=("crime",), district="Huddersfield")
    first, last = pd.Period(PERIOD.start, "M"), pd.Period(PERIOD.end, "M")
    return hotspots_from_store(store, filters, grid, first=first, last=last)


def _hot_cells_csv(store: Store, reports: list) -> bytes:
    from views.hotspots_page import hot_cells_csv, ranked_table

    result = _hotspots(store)
    ranked = ranked_table(result)
    assert len(ranked), "the planted cluster should be a hot spot"
    return hot_cells_csv(ranked, synthetic=False)


def _every_cell_csv(store: Store, reports: list) -> bytes:
    from views.hotspots_page import every_cell_csv

    return every_cell_csv(_hotspots(store), synthetic=False)


def _set_aside_csv(store: Store, reports: list) -> bytes:
    from views.data_page import reports_for_display

    ((report, data, _),) = reports_for_display(reports)
    assert report["rows_set_aside"] == len(HOSTILE) + 1
    return data


#: The spreadsheet exports of DOWNLOADS, each made the way its page makes it.
CSV_EXPORTS: dict[tuple[str, str], Callable[[Store, list], bytes]] = {
    ("views/action_days_page.py", "Download CSV"): _action_days_csv,
    ("views/hotspots_page.py", "Hot cells (CSV)"): _hot_cells_csv,
    ("views/hotspots_page.py", "Every cell (CSV)"): _every_cell_csv,
    ("views/data_page.py", "Download the set-aside rows (CSV)"): _set_aside_csv,
}


def test_every_spreadsheet_download_has_a_check() -> None:
    assert set(CSV_EXPORTS) == {k for k, kind in DOWNLOADS.items() if kind in ("csv", "xlsx")}


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("download", list(CSV_EXPORTS), ids=[label for _, label in CSV_EXPORTS])
def test_no_cell_of_any_export_can_start_a_formula(hostile: tuple[Store, list], download: tuple) -> None:
    store, reports = hostile
    rows = _cells(CSV_EXPORTS[download](store, reports))
    risky = [cell for row in rows for cell in row if cell.startswith(FORMULA_START) and not _is_number(cell)]
    assert risky == []
    # the hostile names did reach the export, as typed behind the quote (else this test checks nothing)
    quoted = {cell for row in rows for cell in row if cell.startswith("'")}
    assert quoted & {"'" + text.strip() for text in HOSTILE}, "no hostile name reached this export"


def test_numbers_stay_numbers(hostile: tuple[Store, list]) -> None:
    store, reports = hostile
    header, *rows = _cells(_action_days_csv(store, reports))
    lon = [row[header.index("lon")] for row in rows]
    assert lon and all(_is_number(v) and float(v) < 0 and v.startswith("-") for v in lon)
    header, *rows = _cells(_set_aside_csv(store, reports))
    longitudes = {row[header.index("Longitude")] for row in rows}
    # a longitude read from the file stays a number; the unusable one is text, and quoted
    assert "-1.549200" in longitudes and "'-1.77x" in longitudes
    assert "'" + HOSTILE_HEADING in header  # a hostile heading of the uploaded file, too


def test_download_names_from_place_and_file_names_cannot_start_a_formula() -> None:
    from views.common import file_name

    for text in (*HOSTILE, "=wards.geojson", "@police-2024.csv"):
        assert not file_name(text + "-set-aside", "csv").startswith(FORMULA_START)


# ---- headings ------------------------------------------------------------------------------------------


def _literal(markdown: str) -> str:
    """What Markdown shows for text whose punctuation is backslash-escaped (CommonMark: a backslash before
    punctuation makes it literal)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def _unescaped_link_syntax(markdown: str) -> list[str]:
    """Characters that could start a Markdown link, autolink or HTML when not escaped."""
    return re.findall(r"(?<!\\)[\[\]()<>]|(?<!\\):(?=//)|(?<!\\)www\.", markdown)


def _map_page() -> None:
    from views import map_page

    map_page.render()


def _hotspots_page() -> None:
    from views import hotspots_page

    hotspots_page.render()


def _action_days_page() -> None:
    from views import action_days_page

    action_days_page.render()


@pytest.mark.parametrize(
    ("page", "district_key", "ward_key"),
    [
        (_map_page, "filter_district", "filter_ward"),
        (_hotspots_page, "filter_district", "filter_ward"),
        (_action_days_page, "ad_district", "ad_ward"),
    ],
    ids=["map", "hotspots", "action days"],
)
def test_page_headings_show_a_hostile_ward_name_as_plain_text(
    hostile: tuple[Store, list],
    monkeypatch: pytest.MonkeyPatch,
    page: Callable[[], None],
    district_key: str,
    ward_key: str,
) -> None:
    from streamlit.testing.v1 import AppTest

    store, _ = hostile
    monkeypatch.setenv("HOTSPOTS_STORE", str(store.path))
    monkeypatch.setenv("HOTSPOTS_MODE", "local")
    at = AppTest.from_function(page, default_timeout=240).run()
    assert not at.exception, at.exception
    at.selectbox(key=district_key).set_value("Huddersfield").run()
    at.selectbox(key=ward_key).set_value(HOSTILE_WARDS[-1]).run()  # "[x](javascript:alert(1))"
    assert not at.exception, at.exception
    headings = [h.value for h in (*at.title, *at.header, *at.subheader) if "javascript" in _literal(h.value)]
    assert headings, [h.value for h in at.subheader]
    for heading in headings:
        assert HOSTILE[-1] in _literal(heading)
        assert _unescaped_link_syntax(heading) == [], heading
