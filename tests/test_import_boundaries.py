"""ONS ward boundaries: GeoJSON, GeoPackage and zipped Shapefile in any CRS, checks, re-assignment."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import mapping, shape

import config
from layers import boundary_import
from layers.importer import run_import
from layers.ingest import current_wards
from layers.readers import Upload
from store import Store
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


def test_dropping_a_ward_leaves_its_incidents_stored_but_outside(empty_store: Store) -> None:
    _incidents_store(empty_store)
    geoms, props = _wards("24", new_codes=False)
    keep = [i for i, n in enumerate(props["WD24NM"]) if n != "Ashbrow"]
    data = _geojson([geoms[i] for i in keep], {k: [v[i] for i in keep] for k, v in props.items()})
    (report,) = run_import(empty_store, "wards", [Upload("22-wards.geojson", data)])
    assert report.details["stored_incidents_outside_new_wards"] == 4
    assert count(empty_store, "SELECT count(*) FROM incidents") == 19  # nothing deleted


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
        (lambda g, p: b"ward,population\nAshbrow,1\n", "is not a GeoJSON, GeoPackage or zipped Shapefile"),
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


def test_boundary_loads_cannot_be_undone_by_accident(empty_store: Store) -> None:
    geoms, props = _wards("24")
    (report,) = run_import(empty_store, "wards", [Upload("w.geojson", _geojson(geoms, props))])
    with pytest.raises(ValueError, match="cannot be undone"):
        empty_store.undo_import(report.import_id)
