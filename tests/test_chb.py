"""Clear Hold Build: candidates on the demo (planted Ashbrow cluster), phase rules, designations, uploads."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pyogrio.raw
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box, mapping

import config
from briefing import register as chb_register
from briefing.register import analyse_chb, designated_status, register_table
from config.chb import ChbSettings, Signals
from geo import chb
from geo.chb import (
    Candidate,
    ChbAnalysis,
    area_from_cells,
    area_from_wards,
    find_candidates,
    last_complete_slice,
)
from geo.coverage import Coverage
from geo.trends import TREND_CLASSES
from layers.area_files import area_from_upload
from layers.demo import build_demo_store, load_profile
from layers.ingest import coverage_frame, current_wards, ingest
from layers.wards import shipped_wards
from store import Store
from store import designations as des
from store.queries import date_range
from tests.import_helpers import parsed_incidents

PLANTED = load_profile()["planted_cluster"]
PLANTED_POINT = Point(PLANTED["lon"], PLANTED["lat"])
DEMO = config.settings()["demo"]


@pytest.fixture(scope="module")
def settings() -> ChbSettings:
    return config.chb_settings()


@pytest.fixture(scope="module")
def rising_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo ending at the planted cluster's peak (June 2024), while it is still rising."""
    path = tmp_path_factory.mktemp("rising") / "demo.duckdb"
    build_demo_store(path, years=DEMO["years"], seed=DEMO["seed"], end_month=PLANTED["peak"])
    return Store(path)


def _analysis(store: Store, settings: ChbSettings) -> ChbAnalysis:
    analysis = analyse_chb(store, current_wards(store), settings)
    assert analysis is not None
    return analysis


def _planted(candidates: list[Candidate]) -> Candidate:
    found = [c for c in candidates if c.outline.contains(PLANTED_POINT)]
    assert len(found) == 1, [c.name for c in candidates]
    return found[0]


def test_planted_cluster_is_a_clear_candidate_while_it_rises(rising_store: Store, settings) -> None:
    analysis = _analysis(rising_store, settings)
    assert str(analysis.slices[-1]) == "2024Q2" and len(analysis.slices) == settings.slices
    cluster = _planted(find_candidates(analysis))
    assert cluster.name == "Ashbrow" and cluster.ward_names[0] == "Ashbrow"
    assert cluster.districts == ("Huddersfield",)
    assert cluster.phase == "Clear"
    assert cluster.status.trend in {"New hot spot", "Consecutive hot spot", "Intensifying hot spot"}
    assert cluster.status.hot[-1] and not cluster.status.hot[0]  # quiet at the start, hot now
    assert cluster.status.signals.recent_trend == "up"
    assert set(cluster.counts) <= set(settings.indicators["crime"])
    assert cluster.last_3.count > 0 and cluster.last_12.count >= cluster.last_3.count
    assert cluster.last_3.missing == cluster.last_12.missing == 0  # every month of the demo is loaded
    assert len(cluster.cells) >= settings.min_cells and cluster.window_total >= settings.min_count


def test_planted_cluster_is_hold_or_build_after_it_falls(demo_store: Store, settings) -> None:
    analysis = _analysis(demo_store, settings)
    assert str(analysis.slices[-1]) == "2025Q3"
    cluster = _planted(find_candidates(analysis))
    assert cluster.name == "Ashbrow"
    assert cluster.phase in {"Hold", "Build"}
    # still hot only while its crimes are falling significantly; dated from the fall after the peak
    assert not cluster.status.hot[-1] or cluster.status.signals.recent_trend == "down"
    peak = pd.Period(PLANTED["peak"], freq="Q")
    assert analysis.slices[int(np.argmax(cluster.status.counts))] == peak
    assert cluster.status.since is not None and cluster.status.since >= (peak + 1).start_time.date()
    # falling: the latest quarter is below the year's average
    assert cluster.last_3.count < cluster.last_12.count / 4


def test_candidates_are_connected_thresholded_and_stable(demo_store: Store, settings) -> None:
    analysis = _analysis(demo_store, settings)
    first = find_candidates(analysis)
    again = find_candidates(_analysis(demo_store, settings))
    assert [(c.id, c.name, c.phase, c.window_total) for c in first] == [
        (c.id, c.name, c.phase, c.window_total) for c in again
    ]
    assert len({c.name for c in first}) == len(first)  # names are unique
    assert [c.window_total for c in first] == sorted((c.window_total for c in first), reverse=True)
    for c in first:
        assert len(c.cells) >= settings.min_cells and c.window_total >= settings.min_count
        assert c.phase in settings.phase_names
        assert c.status.trend in TREND_CLASSES
        # the outline is the union of the cells, in one piece (cells are H3 neighbours)
        hexagons = [Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(x)]) for x in c.cells]
        assert c.outline.symmetric_difference(shapely.union_all(hexagons)).area < 1e-12
        assert c.outline.geom_type == "Polygon"
        assert c.outline.contains(Point(c.centre[1], c.centre[0]))
        assert sum(c.counts.values()) == c.window_total
    # the busiest town centre is a persistent serious-violence hotspot
    assert first[0].phase == "Clear" and first[0].status.trend == "Persistent hot spot"


def test_the_register_reads_only_the_months_it_analyses(demo_store: Store, settings) -> None:
    """With a one-year trend window (12 months) the analysis holds no counts older than the window or the
    12 months to the latest month (each area's "last 12 months"), though the demo goes back three years."""
    short = dataclasses.replace(settings, slice="month", slices=12)
    analysis = _analysis(demo_store, short)
    latest = Coverage.from_frame(demo_store.coverage()).latest(list(short.indicators))
    assert latest is not None
    year_back = pd.Timestamp(latest.year - 1, latest.month, 1) + pd.DateOffset(months=1)
    since = min(analysis.slices[0].start_time, year_back)
    stored_first, _ = date_range(demo_store)
    assert pd.Timestamp(stored_first) < since - pd.DateOffset(months=12)  # the store reaches back further
    assert analysis.counts["month"].min() == since


def test_last_complete_slice_leaves_out_a_quarter_in_progress() -> None:
    assert str(last_complete_slice(date(2025, 9, 1), "quarter")) == "2025Q3"
    assert str(last_complete_slice(date(2025, 8, 1), "quarter")) == "2025Q2"
    assert str(last_complete_slice(date(2025, 8, 1), "month")) == "2025-08"


def test_phase_rules_come_from_the_file_in_order(settings, tmp_path: Path) -> None:
    assert settings.phase_names == ("Clear", "Hold", "Build")

    def phase(trend: str, latest: bool, recently: bool, recent_trend: str) -> str:
        return settings.phase_for(Signals(trend, latest, recently, recent_trend)).phase

    assert phase("Persistent hot spot", True, True, "none") == "Clear"
    assert phase("Consecutive hot spot", True, True, "up") == "Clear"
    assert phase("Consecutive hot spot", True, True, "down") == "Hold"  # hot but falling
    assert phase("Diminishing hot spot", True, True, "none") == "Hold"
    assert phase("No pattern detected", False, True, "down") == "Hold"  # just cooled
    assert phase("No pattern detected", False, False, "none") == "Build"
    assert phase("Historical hot spot", False, False, "down") == "Build"
    original = config.CHB_FILE.read_text()
    edited = tmp_path / "chb.toml"
    for old, new, message in [
        ('"New hot spot"', '"Brand new hot spot"', r"\[\[phases\]\] rule 1 trend_classes .*Brand new hot"),
        ('recent_trend = ["down"]', 'recent_trend = ["sideways"]', r"rule 3 recent_trend must be .*sideways"),
        ('since = "after_peak"', 'since = "yesterday"', r"rule 2 since must be one of .*, not 'yesterday'"),
    ]:
        edited.write_text(original.replace(old, new, 1))
        with pytest.raises(ValueError, match=message):
            config.chb.read(edited, config.layer_categories())


def test_since_is_read_the_way_the_rule_says() -> None:
    slices = pd.period_range("2024Q1", periods=5, freq="Q")
    run = np.array([False, True, True, True, True])
    counts = np.array([1, 5, 9, 7, 6])
    assert chb._since(run, counts, slices, "run_start") == date(2024, 4, 1)
    assert chb._since(run, counts, slices, "after_peak") == date(2024, 10, 1)  # peak in 2024Q3
    cooled = np.array([True, True, False, False, False])
    assert chb._since(cooled, counts, slices, "after_last_hot") == date(2024, 7, 1)
    assert chb._since(cooled, counts, slices, "run_start") == date(2024, 7, 1)  # not hot now: first quiet
    assert chb._since(np.array([False] * 5), counts, slices, None) is None


# ---- designations --------------------------------------------------------------------------------------

SQUARE = box(-1.781, 53.673, -1.777, 53.676)


def test_designation_round_trip_survives_a_new_store_object(empty_store: Store) -> None:
    empty_store.set_meta("created", "yes")  # an existing store file without the table
    assert des.designations(empty_store) == []
    made = des.create(
        empty_store,
        name="  Ashbrow   <b>CHB</b> ",
        geometry=SQUARE,
        method="drawn",
        phase_starts={"Clear": date(2024, 1, 1), "Hold": date(2024, 9, 1)},
        created_by="Analyst A",
    )
    assert made.name == "Ashbrow <b>CHB</b>" and made.created_by == "Analyst A" and not made.retired
    assert made.shape.equals(SQUARE)
    assert made.phase_on(date(2024, 5, 1)) == ("Clear", date(2024, 1, 1))
    assert made.phase_on(date(2023, 5, 1)) is None

    edited = des.update(
        Store(empty_store.path),
        made.id,
        edited_by="Sergeant B",
        name="Ashbrow North",
        phase_starts={"Clear": date(2024, 1, 1), "Hold": date(2024, 9, 1), "Build": date(2025, 4, 1)},
        buffer_m=300,
    )
    assert (edited.name, edited.edited_by, edited.buffer_m) == ("Ashbrow North", "Sergeant B", 300.0)
    assert edited.created_by == "Analyst A" and edited.edited_at is not None
    assert edited.phase_on(date(2025, 9, 30)) == ("Build", date(2025, 4, 1))

    fresh = Store(empty_store.path)
    assert [d.id for d in des.designations(fresh)] == [made.id]
    retired = des.retire(fresh, made.id, retired_by="Inspector C")
    assert retired.retired and retired.retired_by == "Inspector C"
    assert des.designations(Store(empty_store.path)) == []
    kept = des.designations(Store(empty_store.path), include_retired=True)
    assert [(d.id, d.name, d.retired) for d in kept] == [(made.id, "Ashbrow North", True)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "   "}, "needs a name"),
        ({"name": "x" * 121}, "longer than"),
        ({"created_by": ""}, "who is making"),
        ({"geometry": Point(-1.78, 53.67)}, "polygon"),
        ({"geometry": box(400000, 410000, 401000, 411000)}, "longitude/latitude"),
        ({"phase_starts": {"Clear": date(2024, 6, 1), "Hold": date(2024, 1, 1)}}, "backwards"),
        ({"method": "guessed"}, "method"),
        ({"buffer_m": 0}, "wider than 0"),
    ],
)
def test_designation_refuses_bad_input(empty_store: Store, changes: dict, message: str) -> None:
    args = {
        "name": "Area",
        "geometry": SQUARE,
        "method": "drawn",
        "phase_starts": {"Clear": date(2024, 1, 1)},
        "created_by": "me",
    } | changes
    with pytest.raises(ValueError, match=message):
        des.create(empty_store, **args)
    assert des.designations(empty_store) == []


def test_editing_or_retiring_an_unknown_area_is_a_clear_error(empty_store: Store) -> None:
    with pytest.raises(KeyError):
        des.update(empty_store, "nope", edited_by="me", name="x")
    with pytest.raises(KeyError):
        des.retire(empty_store, "nope", retired_by="me")


# ---- shapes for designated areas ----------------------------------------------------------------------


def test_area_from_wards_and_cells(demo_store: Store) -> None:
    wards = current_wards(demo_store)
    ashbrow = wards.codes[wards.names.index("Ashbrow")]
    assert area_from_wards(wards, [ashbrow]).equals(wards.geometry_of(ward=ashbrow))
    area = area_from_cells(["89194254c93ffff", " 89194254c97ffff "])
    assert area.geom_type == "Polygon"  # two neighbouring cells in one piece
    assert 0.18 < _to_bng(area).area / 1e6 < 0.24  # two res-9 cells of about 0.105 km² each
    with pytest.raises(ValueError, match="not H3"):
        area_from_cells(["not-a-cell"])


def _to_bng(geom):
    t = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def test_upload_geojson_in_british_national_grid_is_reprojected() -> None:
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": [{"type": "Feature", "properties": {"name": "x"}, "geometry": mapping(_to_bng(SQUARE))}],
    }
    area = area_from_upload("area.geojson", json.dumps(doc).encode())
    assert area.symmetric_difference(SQUARE).area < 1e-10
    plain = area_from_upload("plain.json", json.dumps(mapping(SQUARE)).encode("utf-8-sig"))
    assert plain.equals(SQUARE)


def test_upload_zipped_shapefile_and_geopackage(tmp_path: Path) -> None:
    wkb = np.array([shapely.to_wkb(_to_bng(SQUARE))], dtype=object)
    shp = tmp_path / "area.shp"
    pyogrio.raw.write(shp, wkb, [], [], geometry_type="Polygon", crs="EPSG:27700", driver="ESRI Shapefile")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for part in tmp_path.glob("area.*"):
            z.write(part, part.name)
    assert area_from_upload("Area.ZIP", buf.getvalue()).symmetric_difference(SQUARE).area < 1e-10
    gpkg = tmp_path / "area.gpkg"
    pyogrio.raw.write(gpkg, wkb, [], [], geometry_type="Polygon", crs="EPSG:27700", driver="GPKG")
    assert area_from_upload("area.gpkg", gpkg.read_bytes()).symmetric_difference(SQUARE).area < 1e-10


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.geojson", b"{not json", "not readable GeoJSON"),
        ("a.geojson", json.dumps(mapping(Point(-1.78, 53.67))).encode(), "no polygon"),
        ("a.zip", b"PK\x05\x06" + b"\0" * 18, "no .shp"),
        ("a.gpkg", b"nonsense", "could not be read"),
        ("a.kml", b"<kml/>", "upload a .geojson"),
    ],
)
def test_upload_refuses_unusable_files(name: str, data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        area_from_upload(name, data)


# ---- the register -------------------------------------------------------------------------------------


def test_register_with_a_designated_area_on_the_demo(demo_store: Store, settings, tmp_path: Path) -> None:
    store = Store(tmp_path / "copy.duckdb")
    shutil.copy(demo_store.path, store.path)
    wards = current_wards(store)
    analysis = _analysis(store, settings)
    candidates = find_candidates(analysis)
    planted = _planted(candidates)
    area = des.create(
        store,
        name="Ashbrow CHB",
        geometry=planted.outline,
        method="cells",
        phase_starts={"Clear": date(2024, 4, 1), "Hold": date(2024, 10, 1), "Build": date(2025, 4, 1)},
        created_by="test",
    )
    status = designated_status(store, wards, settings, analysis, area, Coverage.from_frame(store.coverage()))
    assert status.phase == "Build" and status.since == date(2025, 4, 1)
    assert status.ward_names[0] == "Ashbrow"
    assert status.status.phase == planted.phase  # same cells, same data: the same reading
    assert [c.phase for c in status.monitoring.comparisons] == ["Clear", "Hold", "Build"]
    build = status.monitoring.comparisons[-1]
    assert build.area.direction == "fall"  # the cluster is gone by the Build phase
    assert status.reading == build.reading
    assert status.last_12.count >= status.last_3.count and status.last_12.missing == 0
    table = register_table(candidates, [status])
    assert list(table.columns) == list(chb_register.REGISTER_COLUMNS)
    assert table.iloc[0][["kind", "name", "phase"]].tolist() == ["designated", "Ashbrow CHB", "Build"]
    assert len(table) == len(candidates) + 1
    assert set(table["kind"]) == {"designated", "candidate"}


def test_cli_chb_json(demo_store: Store, tmp_path: Path) -> None:
    store = Store(tmp_path / "cli.duckdb")
    shutil.copy(demo_store.path, store.path)
    planted = box(-1.7830, 53.6720, -1.7750, 53.6770)
    des.create(
        store,
        name="Ashbrow CHB",
        geometry=planted,
        method="drawn",
        phase_starts={"Clear": date(2024, 4, 1), "Hold": date(2024, 10, 1)},
        created_by="cli test",
    )
    out = subprocess.run(
        [sys.executable, "-m", "cli", "chb", "--json", "--store", str(store.path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["synthetic"] is True and data["window"] == {"first": "2022Q4", "last": "2025Q3"}
    assert [r["phase"] for r in data["phase_rules"]] == ["Clear", "Hold", "Hold", "Hold", "Build"]
    ashbrow = [c for c in data["candidates"] if c["name"] == "Ashbrow"]
    assert len(ashbrow) == 1 and ashbrow[0]["phase"] in {"Hold", "Build"}
    assert ashbrow[0]["wards"][0] == "Ashbrow" and ashbrow[0]["displacement"] == "not designated"
    (area,) = data["designated"]
    assert (area["name"], area["phase"], area["since"]) == ("Ashbrow CHB", "Hold", "2024-10-01")
    assert area["wards"] == ["Ashbrow"] and area["created_by"] == "cli test"
    assert [c["phase"] for c in area["comparisons"]] == ["Clear", "Hold"]
    hold = area["comparisons"][1]
    assert hold["area"]["change"] == "fall" and hold["area"]["rate_ratio"] < 1
    assert hold["reading"] in {"displacement", "diffusion of benefits", "inconclusive"}
    assert area["displacement"] == hold["reading"]
    text = subprocess.run(
        [sys.executable, "-m", "cli", "chb", "--store", str(store.path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert text.returncode == 0 and "SYNTHETIC" in text.stdout and "Ashbrow CHB" in text.stdout


def test_too_little_data_gives_no_analysis_but_designations_still_monitor(
    empty_store: Store, settings
) -> None:
    demo_wards = shipped_wards()
    nothing = chb_register.build_register(empty_store, demo_wards, settings)  # no store file yet
    assert nothing.candidates == [] and nothing.as_at is None
    rows = [("crime", "Drugs", f"2025-0{m}-01", 53.6745, -1.7790) for m in range(1, 10)]
    frame = parsed_incidents(rows, ids="x")
    ingest(empty_store, frame, demo_wards, source="t", file_name="t", rows_read=len(frame))
    des.create(
        empty_store,
        name="Tiny",
        geometry=SQUARE,
        method="drawn",
        phase_starts={"Clear": date(2025, 5, 1)},
        created_by="t",
    )
    register = chb_register.build_register(empty_store, demo_wards, settings)
    assert register.analysis is None and register.candidates == []  # 3 quarters < 10 slices
    assert register.as_at == date(2025, 9, 1) and register.settings is settings  # the latest month of data
    (status,) = register.designated
    assert status.status is None and status.phase == "Clear"
    (comparison,) = status.monitoring.comparisons
    assert (comparison.area.before, comparison.area.after) == (4, 5)  # Jan-Apr before, May-Sep after
    assert register.table()["kind"].tolist() == ["designated"]


# ---- months nobody loaded -------------------------------------------------------------------------------


def plant_gap_store(store: Store) -> None:
    """A real store whose months with data differ from its incident dates, with a gap in the indicators.

    Crime: ``m`` drug offences in month ``m`` of 2025 inside :data:`SQUARE` (1 in Jan ... 9 in Sep), except
    August, which no import covers; the crime import also vouches for October, a month with no drug
    offence. Fires: one in October, in an import covering October to December (two quiet months). So the
    incidents run from January to October, the months loaded from January to December 2025, and the
    indicator crimes have no data for August, November and December. A designated area "Gap" is the square.
    """
    wards = shipped_wards()
    months = [m for m in range(1, 10) if m != 8]
    crime = [("crime", "Drugs", date(2025, m, 1), 53.6745, -1.7790) for m in months for _ in range(m)]
    fire = [("deliberate_fire", "Secondary fire", date(2025, 10, 1), 53.6745, -1.7790)]
    covered = {
        "crime": [f"2025-{m:02d}" for m in [*months, 10]],
        "deliberate_fire": ["2025-10", "2025-11", "2025-12"],
    }
    for name, rows in (("crime", crime), ("deliberate_fire", fire)):
        frame = parsed_incidents(rows, ids=name)
        ingest(
            store,
            frame,
            wards,
            source="t",
            file_name=f"{name}.csv",
            rows_read=len(frame),
            coverage=coverage_frame([name], covered[name]),
        )
    des.create(
        store,
        name="Gap",
        geometry=SQUARE,
        method="drawn",
        phase_starts={"Clear": date(2025, 5, 1)},
        created_by="t",
    )


#: The gap store's register, worked by hand. As at December 2025 (the latest month loaded, whatever the
#: incident dates say). Last 3 months, Oct-Dec: crime is loaded for October only, which had no drug offence
#: in the square: 0 over 1 of the 3 months. Last 12 months, Jan-Dec 2025: crime is loaded for 9 of them
#: (not August, November, December): 1+2+...+9 - 8 = 37. Read as zero, the missing months would have
#: given a plain "0" and "37", a quiet quarter and a full year that were never loaded.
GAP_LAST_3, GAP_LAST_12 = "0 (1 of 3 months)", "37 (9 of 12 months)"


def test_recent_counts_cover_the_loaded_months_only_and_say_so(empty_store: Store, settings) -> None:
    from briefing.areas import area_rows
    from briefing.model import Section
    from briefing.public import protect_areas
    from briefing.register import register_text
    from briefing.suppression import Disclosure
    from briefing.tables import area_cells

    plant_gap_store(empty_store)
    assert date_range(empty_store) == (date(2025, 1, 1), date(2025, 10, 1))  # the incidents end in October
    register = chb_register.build_register(empty_store, shipped_wards(), settings)
    assert register.as_at == date(2025, 12, 1)
    (status,) = register.designated
    assert (status.last_3.count, status.last_3.months, status.last_3.loaded) == (0, 3, 1)
    assert (status.last_12.count, status.last_12.months, status.last_12.loaded) == (37, 12, 9)
    (row,) = register_text(register.table()).to_dict("records")
    assert (row["last_3_months"], row["last_12_months"]) == (GAP_LAST_3, GAP_LAST_12)
    # the packs' rows print the same, for partners and (after suppression) for the public
    (area,) = area_rows(register, [status.designation.id])
    assert area_cells(area, Disclosure("partner"))[5:7] == [GAP_LAST_3, GAP_LAST_12]
    (public,) = protect_areas(Section(rows=(area,)), 5).rows
    assert area_cells(public, Disclosure("public"))[5:7] == [GAP_LAST_3, GAP_LAST_12]


def test_cli_chb_says_how_many_months_a_recent_count_covers(
    empty_store: Store, capsys: pytest.CaptureFixture
) -> None:
    from tests.import_helpers import run_cli

    plant_gap_store(empty_store)
    code, out, err = run_cli(capsys, "chb", "--json", "--store", str(empty_store.path))
    assert code == 0, err
    (area,) = json.loads(out)["designated"]
    assert area["last_3_months"] == {"count": 0, "months": 3, "months_with_data": 1}
    assert area["last_12_months"] == {"count": 37, "months": 12, "months_with_data": 9}
    code, out, err = run_cli(capsys, "chb", "--store", str(empty_store.path))
    assert code == 0 and GAP_LAST_3 in out and GAP_LAST_12 in out, err
