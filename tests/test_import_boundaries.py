"""ONS ward boundaries: GeoJSON, GeoPackage and zipped Shapefile in any CRS, checks, re-assignment."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
import shapely.affinity
from shapely.geometry import mapping, shape

import config
from layers import boundary_import
from layers.importer import run_import, undo
from layers.ingest import current_wards
from layers.readers import Upload
from store import Store
from store import boundaries as store_boundaries
from tests.import_helpers import assert_same, count, fixture, snapshot

TO_OSGB = pyproj.Transformer.from_crs(4326, 27700, always_xy=True)


def _reference() -> list[dict]:
    return json.loads(config.DEFAULT_WARDS_FILE.read_text())["features"]


def _wards(year: str = "24", *, new_codes: bool = True, extra: dict | None = None) -> tuple[list, dict]:
    """The shipped Kirklees wards as (geometries, properties) with this year's ONS property names.

    ``new_codes`` gives every ward a new code (as a new boundary vintage does), so districts must be
    found by ward name.
    """
    feats = _reference()
    codes = [f"E0599{i:04d}" if new_codes else f["properties"]["WD13CD"] for i, f in enumerate(feats)]
    props = {f"WD{year}CD": codes, f"WD{year}NM": [f["properties"]["WD13NM"] for f in feats]}
    props.update(extra or {})
    return [shape(f["geometry"]) for f in feats], props


def _osgb(geoms: list) -> np.ndarray:
    return shapely.transform(
        np.asarray(geoms, dtype=object), lambda xy: np.column_stack(TO_OSGB.transform(xy[:, 0], xy[:, 1]))
    )


def _geojson(geoms: list, props: dict, crs: str | None = None) -> bytes:
    keys = list(props)
    feats = [
        {"type": "Feature", "properties": {k: props[k][i] for k in keys}, "geometry": mapping(g)}
        for i, g in enumerate(geoms)
    ]
    data: dict = {"type": "FeatureCollection", "features": feats}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(data).encode()


def _write(folder: Path, name: str, driver: str, geoms: np.ndarray, props: dict, **kwargs: object) -> Path:
    path = folder / name
    pyogrio.raw.write(
        path,
        shapely.to_wkb(geoms),
        [np.asarray(v, dtype=object) for v in props.values()],
        fields=list(props),
        geometry_type="Unknown",
        crs="EPSG:27700",
        driver=driver,
        **kwargs,
    )
    return path


def _incidents_store(store: Store) -> None:
    (report,) = run_import(store, "police-csv", [fixture("police-street-2024-06.csv")])
    assert report.added == 19  # the 27-row fixture: 19 reports inside Kirklees (see test_import_police)


def test_geojson_in_os_grid_with_2024_names_replaces_the_wards_and_reassigns(empty_store: Store) -> None:
    _incidents_store(empty_store)
    geoms, props = _wards("24", extra={"LAD24CD": ["E08000034"] * 23})
    data = _geojson(list(_osgb(geoms)), props, crs="urn:ogc:def:crs:EPSG::27700")
    (report,) = run_import(empty_store, "wards", [Upload("wards-2024.geojson", data)])
    assert report.error is None, report.error
    assert report.details["wards"] == 23 and report.details["boundary_year"] == 2024
    assert report.details["districts"] == {"Batley & Spen": 6, "Dewsbury & Mirfield": 4, "Huddersfield": 7,
                                           "Rural": 6}  # fmt: skip
    assert report.details["stored_incidents_reassigned"] == 19
    assert report.details["stored_incidents_outside_new_wards"] == 0
    assert any("reprojected from EPSG:27700" in n for n in report.notes)
    wards = current_wards(empty_store)
    assert wards.source == "wards-2024.geojson" and wards.codes[0] == "E05990000"
    assert empty_store.get_meta("boundary_version").startswith("WD24-")
    # every incident now carries a new code, in the same ward (by name) as before
    stored = empty_store.query("SELECT ward_code, count(*) AS n FROM incidents GROUP BY 1")
    assert stored["ward_code"].str.startswith("E0599").all() and stored["n"].sum() == 19
    ashbrow = wards.codes[wards.names.index("Ashbrow")]
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE ward_code = ?", [ashbrow]) == 4
    assert empty_store.imports()["source"].tolist() == ["police-csv", "wards"]


def test_geopackage_with_several_layers_and_2023_names(empty_store: Store, tmp_path: Path) -> None:
    geoms, props = _wards("23", new_codes=False)
    osgb = _osgb(geoms)
    path = _write(
        tmp_path, "b.gpkg", "GPKG", osgb[:2], {"LSOA21CD": ["E01000001", "E01000002"]}, layer="lsoa"
    )
    _write(tmp_path, "b.gpkg", "GPKG", osgb, props, layer="wards", append=True)
    (report,) = run_import(empty_store, "wards", [Upload("boundaries.gpkg", path.read_bytes())])
    assert report.error is None, report.error
    assert report.details["boundary_year"] == 2023
    assert sorted(current_wards(empty_store).codes) == sorted(f["properties"]["WD13CD"] for f in _reference())


def test_zipped_shapefile_in_a_subfolder(empty_store: Store, tmp_path: Path) -> None:
    geoms, props = _wards("24")
    _write(tmp_path, "WD_MAY_2024_UK_BGC.shp", "ESRI Shapefile", _osgb(geoms), props)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.iterdir():
            z.write(part, f"Wards_May_2024/{part.name}")
        z.writestr("Wards_May_2024/readme.txt", "not part of the shapefile")
    (report,) = run_import(empty_store, "wards", [Upload("../../etc/passwd.zip", archive.getvalue())])
    assert report.error is None, report.error
    assert len(current_wards(empty_store)) == 23
    assert empty_store.get_meta("boundaries_source") == "../../etc/passwd.zip"  # a label, never a path


def test_a_file_leaving_too_many_incidents_outside_is_refused_with_the_numbers(empty_store: Store) -> None:
    _incidents_store(empty_store)
    ashbrow = next(f["properties"]["WD13CD"] for f in _reference() if f["properties"]["WD13NM"] == "Ashbrow")
    in_ashbrow = count(empty_store, "SELECT count(*) FROM incidents WHERE ward_code = ?", [ashbrow])
    assert in_ashbrow == 4  # counted before the new boundaries: the planted truth
    before = snapshot(empty_store)
    geoms, props = _wards("24", new_codes=False)
    keep = [i for i, n in enumerate(props["WD24NM"]) if n != "Ashbrow"]
    data = _geojson([geoms[i] for i in keep], {k: [v[i] for i in keep] for k, v in props.items()})
    (report,) = run_import(empty_store, "wards", [Upload("22-wards.geojson", data)])
    assert report.error == (
        "22-wards.geojson would leave 4 of 19 stored incidents (21.1%) outside every ward; at most 1% may be "
        "(check it holds the wards of Kirklees; the limit is [boundaries] max_outside_percent in "
        "data/settings.toml)."
    )  # 4 / 19 = 21.05%
    assert_same(before, snapshot(empty_store))


def test_within_the_setting_a_dropped_ward_keeps_its_incidents_stored_but_outside(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _incidents_store(empty_store)
    monkeypatch.setattr(config, "max_outside_percent", lambda: 25.0)
    geoms, props = _wards("24", new_codes=False)
    keep = [i for i, n in enumerate(props["WD24NM"]) if n != "Ashbrow"]
    data = _geojson([geoms[i] for i in keep], {k: [v[i] for i in keep] for k, v in props.items()})
    (report,) = run_import(empty_store, "wards", [Upload("22-wards.geojson", data)])
    assert report.error is None and report.details["stored_incidents_outside_new_wards"] == 4
    assert count(empty_store, "SELECT count(*) FROM incidents") == 19  # nothing deleted
    assert count(empty_store, "SELECT count(*) FROM incidents WHERE ward_code = 'outside'") == 4


def _bow_tie(geom: shapely.Geometry) -> shapely.Geometry:
    """A self-intersecting quadrilateral over the shape's bounding box: corners in the order that crosses."""
    west, south, east, north = geom.bounds
    return shapely.Polygon([(west, south), (east, north), (east, south), (west, north)])


def _london(geoms: list) -> list:
    """The shapes moved about 250 km south-east, to central London."""
    return [shapely.affinity.translate(g, xoff=1.7, yoff=-2.1) for g in geoms]


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (  # OS grid metres in a GeoJSON without a crs member: GeoJSON is degrees, so 414,000 "degrees"
            lambda g, p: _geojson(list(_osgb(g)), p),
            "has coordinates outside the United Kingdom (longitude 399,",  # Kirklees's west edge: 2.01 W
        ),
        (
            lambda g, p: _geojson(list(_osgb(g)), p),
            "its numbers look like OS grid eastings and northings: save it with its coordinate system stated",
        ),
        (  # a stated coordinate system, numbers 10,000 km off the grid
            lambda g, p: _geojson(
                [shapely.affinity.translate(x, 10_000_000, 0) for x in _osgb(g)], p, crs="EPSG:27700"
            ),
            "has coordinates outside the United Kingdom",
        ),
        (
            lambda g, p: _geojson([_bow_tie(g[0]), *g[1:]], p),
            "has ward shapes that are not valid polygons (1 of 23: "
            f"{_reference()[0]['properties']['WD13NM']}: Self-intersection[",
        ),
        (  # London's wards, named as London's
            lambda g, p: _geojson(_london(g), {**p, "WD24NM": [f"Camden {i}" for i in range(len(g))]}),
            "holds 23 wards none of which is in data/districts.csv (e.g. Camden 0, Camden 1, Camden 2)",
        ),
        (
            lambda g, p: _geojson(_london(g), {**p, "LAD24CD": ["E09000007"] * 23}),
            "holds the wards of local authority E09000007, not Kirklees (E08000034)",
        ),
        (  # Kirklees names on London shapes: every stored incident would be outside
            lambda g, p: _geojson(_london(g), p),
            "would leave 19 of 19 stored incidents (100.0%) outside every ward; at most 1% may be",
        ),
    ],  # fmt: skip
)
def test_files_that_would_wreck_the_study_area_are_refused(empty_store: Store, make, says: str) -> None:
    _incidents_store(empty_store)
    before = snapshot(empty_store)
    geoms, props = _wards("24")
    (report,) = run_import(empty_store, "wards", [Upload("wrecking.geojson", make(geoms, props))])
    assert report.error is not None and report.error.startswith("wrecking.geojson "), report.error
    assert says in report.error
    assert_same(before, snapshot(empty_store))


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (
            lambda g, p: _geojson(g[:3], {"LSOA21CD": ["E01", "E02", "E03"], "LSOA21NM": ["a", "b", "c"]}),
            "holds LSOA boundaries, not wards",
        ),
        (
            lambda g, p: _geojson(g, {**p, "LAD24CD": ["E08000034"] * 20 + ["E08000035"] * 3}),
            "holds the wards of 2 local authorities (E08000034, E08000035)",
        ),
        (
            lambda g, p: _geojson(g, {"name": p["WD24NM"]}),
            "has no ward code and name properties (found: name)",
        ),
        (
            lambda g, p: json.dumps({"type": "FeatureCollection", "features": []}).encode(),
            "holds no shapes",
        ),
        (lambda g, p: b"ward,population\nAshbrow,1\n", "looks like 'Ward populations'"),
        (lambda g, p: b"Ward\nAshbrow\n", "is not a GeoJSON, GeoPackage or zipped Shapefile"),
        (lambda g, p: b"", "is empty"),
    ],  # fmt: skip
)
def test_files_that_are_not_the_wards_of_one_area_are_refused(empty_store: Store, make, says: str) -> None:
    _incidents_store(empty_store)
    before = snapshot(empty_store)
    geoms, props = _wards("24")
    (report,) = run_import(empty_store, "wards", [Upload("bad-wards.geojson", make(geoms, props))])
    assert report.error is not None and report.error.startswith("bad-wards.geojson ")
    assert says in report.error
    assert_same(before, snapshot(empty_store))


def test_a_failure_while_storing_boundaries_changes_nothing(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _incidents_store(empty_store)
    before = snapshot(empty_store)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Store, "record_import", staticmethod(broken))
    geoms, props = _wards("24")
    with pytest.raises(OSError, match="disk full"):
        run_import(empty_store, "wards", [Upload("w.geojson", _geojson(geoms, props))])
    assert_same(before, snapshot(empty_store))


def test_download_uses_the_ons_service_and_offline_changes_nothing(empty_store: Store) -> None:
    _incidents_store(empty_store)
    before = snapshot(empty_store)

    def offline(url: str, form: object) -> tuple[int, bytes]:
        raise ConnectionError("could not reach services1.arcgis.com (no network); are you offline?")

    with pytest.raises(ConnectionError, match="offline"):
        boundary_import.download_boundaries(empty_store, fetch=offline)
    assert_same(before, snapshot(empty_store))

    asked: list[str] = []
    geoms, props = _wards("25", extra={"LAD25CD": ["E08000034"] * 23})

    def ons(url: str, form: object) -> tuple[int, bytes]:
        asked.append(url)
        return 200, _geojson(geoms, props)

    report = boundary_import.download_boundaries(empty_store, fetch=ons)
    assert "LAD25CD%3D%27E08000034%27" in asked[0] and "outSR=4326" in asked[0] and "f=geojson" in asked[0]
    assert report.error is None and report.details["boundary_year"] == 2025
    assert report.file_name.startswith("WD_DEC_2025_UK_BGC (downloaded from ONS")

    def refusing(url: str, form: object) -> tuple[int, bytes]:
        return 200, b'{"error": {"code": 400, "message": "Invalid query"}}'

    before = snapshot(empty_store)
    with pytest.raises(ConnectionError, match="answered with an error"):
        boundary_import.download_boundaries(empty_store, fetch=refusing)
    assert_same(before, snapshot(empty_store))


def _assignments(store: Store) -> pd.DataFrame:
    return store.query("SELECT layer, source_id, ward_code, district FROM incidents ORDER BY ALL")


def _in_force(store: Store) -> tuple:
    return tuple(store.get_meta(k) for k in ("boundaries_geojson", "boundaries_source", "boundary_version"))


def _renamed(prefix: str, year: str) -> bytes:
    """The shipped shapes with codes ``{prefix}0000``... under this year's ONS property names."""
    geoms, props = _wards(year)
    props[f"WD{year}CD"] = [f"{prefix}{i:04d}" for i in range(len(geoms))]
    return _geojson(geoms, props)


def test_undoing_ward_imports_restores_the_exact_previous_boundaries_and_assignments(
    empty_store: Store,
) -> None:
    _incidents_store(empty_store)
    shipped = (_assignments(empty_store), _in_force(empty_store))
    assert shipped[1] == (None, None, None)  # the shipped default wards are in force
    (first,) = run_import(empty_store, "wards", [Upload("wards-2024.geojson", _renamed("E0599", "24"))])
    after_first = (_assignments(empty_store), _in_force(empty_store))
    assert after_first[0]["ward_code"].str.startswith("E0599").all()
    (second,) = run_import(empty_store, "wards", [Upload("wards-2025.geojson", _renamed("E0588", "25"))])
    assert _assignments(empty_store)["ward_code"].str.startswith("E0588").all()

    said = undo(empty_store, second.import_id)
    assert said == (
        f"undid import {second.import_id} (wards-2025.geojson): the boundaries from wards-2024.geojson "
        "are in use, every incident assigned to them"
    )
    pd.testing.assert_frame_equal(_assignments(empty_store), after_first[0])
    assert _in_force(empty_store) == after_first[1]
    assert current_wards(empty_store).codes[0] == "E05990000"

    undo(empty_store, first.import_id)
    pd.testing.assert_frame_equal(_assignments(empty_store), shipped[0])
    assert _in_force(empty_store) == shipped[1]
    assert current_wards(empty_store).source == config.DEFAULT_WARDS_FILE.name
    assert empty_store.imports()["status"].tolist() == ["complete", "undone", "undone"]


def test_undoing_a_replaced_ward_import_changes_only_its_status(empty_store: Store) -> None:
    _incidents_store(empty_store)
    (first,) = run_import(empty_store, "wards", [Upload("wards-2024.geojson", _renamed("E0599", "24"))])
    run_import(empty_store, "wards", [Upload("wards-2025.geojson", _renamed("E0588", "25"))])
    before = (_assignments(empty_store), _in_force(empty_store))
    undo(empty_store, first.import_id)
    pd.testing.assert_frame_equal(_assignments(empty_store), before[0])
    assert _in_force(empty_store) == before[1]
    statuses = empty_store.query("SELECT file_name, status FROM imports WHERE source = 'wards' ORDER BY 1")
    assert statuses.values.tolist() == [["wards-2024.geojson", "undone"], ["wards-2025.geojson", "complete"]]


def test_a_failure_while_undoing_boundaries_changes_nothing(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _incidents_store(empty_store)
    (report,) = run_import(empty_store, "wards", [Upload("wards-2024.geojson", _renamed("E0599", "24"))])
    before = snapshot(empty_store)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store_boundaries, "reassign", broken)
    with pytest.raises(OSError):
        undo(empty_store, report.import_id)
    assert_same(before, snapshot(empty_store))


def test_loading_the_boundaries_in_use_again_changes_nothing(empty_store: Store) -> None:
    _incidents_store(empty_store)
    data = _renamed("E0599", "24")
    (first,) = run_import(empty_store, "wards", [Upload("wards-2024.geojson", data)])
    before = snapshot(empty_store)
    (again,) = run_import(empty_store, "wards", [Upload("wards-2024.geojson", data)])
    assert again.ok and again.import_id is None and again.added == 0 and again.already_stored == 23
    assert any("already in use; nothing changed" in note for note in again.notes)
    assert_same(before, snapshot(empty_store))  # no audit row, no version, no re-assignment
    # after other boundaries, the same file is a real change again (and can be undone in turn)
    run_import(empty_store, "wards", [Upload("wards-2025.geojson", _renamed("E0588", "25"))])
    (back,) = run_import(empty_store, "wards", [Upload("wards-2024.geojson", data)])
    assert back.import_id not in (None, first.import_id)
    assert _assignments(empty_store)["ward_code"].str.startswith("E0599").all()


def test_boundaries_loaded_before_versions_were_kept_are_kept_at_the_next_load(empty_store: Store) -> None:
    """A store whose boundaries an earlier version loaded (meta only, no versions): the next ward import
    keeps them, so undoing it brings them back."""
    _incidents_store(empty_store)
    (old,) = run_import(empty_store, "wards", [Upload("old.geojson", _renamed("E0577", "23"))])
    with empty_store.transaction() as con:  # what an earlier version left: no kept versions
        con.execute("DELETE FROM boundaries")
    before = (_assignments(empty_store), _in_force(empty_store))
    (new,) = run_import(empty_store, "wards", [Upload("new.geojson", _renamed("E0599", "24"))])
    undo(empty_store, new.import_id)
    pd.testing.assert_frame_equal(_assignments(empty_store), before[0])
    assert _in_force(empty_store) == before[1]
    # two loads by an earlier version: the older one's shapes are gone, so undoing is refused, unchanged
    (newer,) = run_import(empty_store, "wards", [Upload("newer.geojson", _renamed("E0566", "24"))])
    with empty_store.transaction() as con:
        con.execute("DELETE FROM boundaries WHERE import_id <> ?", [newer.import_id])
    before = snapshot(empty_store)
    with pytest.raises(ValueError, match=f"replaced boundaries loaded \\(import {old.import_id}\\) before"):
        undo(empty_store, newer.import_id)
    assert_same(before, snapshot(empty_store))


def _data_page() -> None:
    from views import data_page

    data_page.render()


def test_the_data_page_undoes_a_ward_import(empty_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOTSPOTS_STORE", str(empty_store.path))
    _incidents_store(empty_store)
    shipped = _assignments(empty_store)
    (report,) = run_import(empty_store, "wards", [Upload("wards-2024.geojson", _renamed("E0599", "24"))])
    at = AppTest.from_function(_data_page, default_timeout=120).run()
    at.selectbox(key="data_undo_choice").set_value(report.import_id).run()
    at.checkbox(key="data_undo_sure").check().run()
    at.button(key="data_undo").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("the shipped default wards are in use" in t.value for t in at.text)
    pd.testing.assert_frame_equal(_assignments(empty_store), shipped)
