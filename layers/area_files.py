"""Area files a user uploads to designate a Clear Hold Build area: GeoJSON, zipped Shapefile, GeoPackage.

A source like any other (this package reads what people bring): the file becomes one area in
longitude/latitude, or a one-sentence error naming the file as uploaded.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Sequence

import shapely
from pyproj.exceptions import CRSError
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo import crs


def _polygonal(geoms: Sequence[BaseGeometry], name: str) -> BaseGeometry:
    parts = [shapely.make_valid(g) for g in geoms if g is not None and not g.is_empty]
    area = shapely.union_all(parts) if parts else shapely.Polygon()
    if area.geom_type == "GeometryCollection":
        area = shapely.union_all([g for g in area.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    if area.is_empty or area.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"{name} holds no polygon")
    return area


def _to_wgs84(geom: BaseGeometry, source: str | None) -> BaseGeometry:
    return geom if not source or crs.is_wgs84(source) else crs.reproject(geom, source)


def area_from_upload(name: str, data: bytes) -> BaseGeometry:
    """The polygon(s) in an uploaded file, in EPSG:4326: GeoJSON (a legacy ``crs`` member is honoured),
    a zipped Shapefile, or a GeoPackage; every polygon in the file is merged into one area.

    Anything else - damaged, JSON that is not GeoJSON, no polygons, an unknown coordinate system - is a
    ValueError naming the file as uploaded (never the in-memory copy GDAL read), which the page shows.
    """
    lower = name.lower()
    try:
        if lower.endswith((".geojson", ".json")):
            return _geojson_area(name, data)
        if lower.endswith((".zip", ".gpkg")):
            return _gdal_area(name, data)
    except CRSError:
        raise ValueError(f"{name} names a coordinate system this app does not know") from None
    raise ValueError(f"{name}: upload a .geojson, a zipped Shapefile (.zip) or a GeoPackage (.gpkg)")


def _geojson_area(name: str, data: bytes) -> BaseGeometry:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{name} is not readable GeoJSON ({exc})") from None
    try:
        features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
        geoms = [shape(f["geometry"] if f.get("type") == "Feature" else f) for f in features or []]
        stated = (doc.get("crs") or {}).get("properties", {}).get("name")
    except (AttributeError, KeyError, TypeError, ValueError, ShapelyError):  # JSON, but not GeoJSON
        raise ValueError(f"{name} is JSON but not GeoJSON (expected polygons)") from None
    return _to_wgs84(_polygonal(geoms, name), stated)


def _gdal_area(name: str, data: bytes) -> BaseGeometry:
    if name.lower().endswith(".zip"):
        try:
            members = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise ValueError(f"{name} is not a readable ZIP archive") from None
        if not any(n.lower().endswith(".shp") for n in members):
            raise ValueError(f"{name} holds no .shp file")
    import pyogrio  # here: GDAL (with GeoPandas) loads only when someone uploads an area file

    try:
        with warnings.catch_warnings():  # GDAL notes that its in-memory copy has no file extension
            warnings.filterwarnings("ignore", message=".*non conformant file extension")
            meta, _, wkb, _ = pyogrio.raw.read(io.BytesIO(data))
    except Exception:  # pyogrio raises several GDAL error types; their text names GDAL's in-memory copy
        raise ValueError(
            f"{name} could not be read as a Shapefile or GeoPackage: it is damaged or in another format"
        ) from None
    geoms = [] if wkb is None else list(shapely.from_wkb(wkb))
    return _to_wgs84(_polygonal(geoms, name), meta.get("crs"))


