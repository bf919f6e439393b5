"""ONS ward boundaries -> the study area: read any common format and CRS, check, store, re-assign.

A boundary file replaces the demo shapes (or earlier boundaries): it is stored in the store's meta
table as EPSG:4326 GeoJSON (``boundaries_geojson``, ``boundaries_source``, ``boundary_version``), and
every stored incident is re-assigned to the new wards and districts in the same transaction, so the
wards on the map and the wards incidents are counted in can never disagree.

Formats: GeoJSON, GeoPackage and zipped Shapefile, read with pyogrio (GDAL) from a private temporary
folder under fixed names (an uploaded file's name is never used as a path). Any CRS is reprojected with
pyproj; a file that states none is taken as longitude/latitude when its numbers fit, or as OS grid
(EPSG:27700) when they fit that, and the report says so.

Ward code/name properties carry the boundary year (``WD13CD``, ``WD24NM``): they are detected. The file
must be the wards of one area: a file of LSOAs, or the wards of several local authorities, is refused
with a sentence saying what it holds, because assigning Kirklees incidents to it would silently mislead.

A file that would wreck the study area is refused with the numbers, changing nothing: shapes that are
not valid polygons (a self-intersecting "bow-tie"), coordinates outside the UK once reprojected (OS grid
metres labelled as degrees), wards of another area, or wards that would leave more than
``[boundaries] max_outside_percent`` of the stored incidents outside every ward. Every version loaded
is kept (:mod:`store.boundaries`), so a ward import can be undone: the boundaries before it come back
and incidents are re-assigned to them. Loading the boundaries already in use changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import urllib.parse
import uuid
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyproj
import shapely
from shapely.geometry import mapping

import config
from geo import crs as geo_crs
from geo.boundaries import UNASSIGNED_DISTRICT, Wards, detect_ward_columns
from layers.grids import build_grids, ensure_grids, keep_grids
from layers.http import http_request
from layers.ingest import OUTSIDE_CODE, locator, relocate_all
from layers.readers import MAX_FILE_BYTES, FileProblem, Upload
from layers.report import ImportReport
from layers.wards import shipped_wards, wards_with_districts
from store import Store
from store import boundaries as store_boundaries

EXPECTED = (
    "ONS ward boundaries of one area (GeoJSON, GeoPackage or zipped Shapefile with properties such as "
    "WD24CD and WD24NM)"
)
#: More wards than any English local authority has (Birmingham has 69): more means several areas.
MAX_WARDS = 120
#: The ONS Open Geography Portal's ward boundaries (generalised, clipped to the coastline), queried for
#: one local authority. Boundary editions are separate services named after their date; point this at a
#: newer edition (or set HOTSPOTS_ONS_WARDS_URL) when ONS publishes one.
ONS_WARDS_URL = os.environ.get(
    "HOTSPOTS_ONS_WARDS_URL",
    "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/WD_DEC_2025_UK_BGC/FeatureServer/0/query",
)
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_OTHER_AREA_KINDS = {
    r"lsoa\d\dcd": "LSOA boundaries",
    r"msoa\d\dcd": "MSOA boundaries",
    r"oa\d\dcd": "output area boundaries",
    r"lad\d\dcd": "local authority boundaries",
    r"ctry\d\dcd": "country boundaries",
    r"pcon\d\dcd": "parliamentary constituency boundaries",
    r"ced\d\dcd": "county electoral division boundaries",
}


def is_zipped_shapefile(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return any(n.lower().endswith(".shp") for n in z.namelist())
    except zipfile.BadZipFile:
        return False


def read_boundaries(upload: Upload) -> tuple[dict, list[str]]:
    """A boundary file -> (GeoJSON FeatureCollection in EPSG:4326 with the ward properties, notes)."""
    data, name = upload.data, upload.name
    if not data.strip():
        raise FileProblem(f"{name} is empty; expected {EXPECTED}.")
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(f"{name} is too large for a boundary file; expected {EXPECTED}.")
    import pyogrio  # here, not at the top: incident imports and the history never need GDAL/GeoPandas

    with tempfile.TemporaryDirectory(prefix="hotspots-boundaries-") as folder:
        path = _stage(data, name, Path(folder))
        layer = _ward_layer(path, name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                meta, _, geometry, values = pyogrio.raw.read(path, layer=layer)
        except Exception as exc:  # GDAL reports damaged files with several exception types
            raise FileProblem(
                f"{name} could not be read as boundaries ({exc}); expected {EXPECTED}."
            ) from None
    fields = [str(f) for f in meta["fields"]]
    geoms = shapely.from_wkb(geometry)
    if not len(geoms):
        raise FileProblem(f"{name} holds no shapes; expected {EXPECTED}.")
    if not all(g is not None and g.geom_type in ("Polygon", "MultiPolygon") for g in geoms):
        raise FileProblem(f"{name} holds shapes that are not polygons; expected {EXPECTED}.")
    properties = {
        f: [None if v is None else str(v) for v in col] for f, col in zip(fields, values, strict=True)
    }
    code_key, name_key = _ward_keys(fields, name)
    _check_one_area(fields, properties, code_key, name)
    _check_valid(geoms, properties[name_key], name)
    read_as = geoms
    geoms, notes = _to_wgs84(geoms, meta.get("crs"), name)
    _check_in_uk(read_as, geoms, name)
    # a ward split over several features (islands, shapefile parts) is one ward
    by_code: dict[str, list] = {}
    names: dict[str, str] = {}
    for code, ward_name, geom in zip(properties[code_key], properties[name_key], geoms, strict=True):
        if not code or not ward_name:
            raise FileProblem(f"{name} has a shape without a ward code or name; expected {EXPECTED}.")
        by_code.setdefault(code.strip(), []).append(geom)
        names[code.strip()] = ward_name.strip()
    if len(by_code) < len(geoms):
        notes.append(f"{len(geoms)} shapes joined into {len(by_code)} wards")
    if len(by_code) > MAX_WARDS:
        raise FileProblem(
            f"{name} holds {len(by_code):,} wards, more than one local authority has; expected {EXPECTED} "
            "(filter it to one area first, or use `hotspots boundaries --download`)."
        )
    features = [
        {
            "type": "Feature",
            "properties": {code_key: code, name_key: names[code]},
            "geometry": mapping(_rounded(shapely.union_all(parts))),
        }
        for code, parts in sorted(by_code.items())
    ]
    return {"type": "FeatureCollection", "features": features}, notes


def _stage(data: bytes, name: str, folder: Path) -> Path:
    """Write the upload under a fixed name in our own temporary folder; return the path GDAL should read."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                members = [m for m in z.infolist() if not m.is_dir()]
                shapefiles = [m for m in members if m.filename.lower().endswith(".shp")]
                if not shapefiles:
                    raise FileProblem(
                        f"{name} is a ZIP archive without a Shapefile (.shp) in it; expected {EXPECTED}."
                    )
                stem = shapefiles[0].filename[:-4]
                for m in members:
                    suffix = m.filename[len(stem) :].lower()
                    if m.filename.startswith(stem) and suffix in _SHAPEFILE_PARTS:
                        if m.file_size > MAX_FILE_BYTES:
                            raise FileProblem(
                                f"{name} holds a Shapefile too large to import; expected {EXPECTED}."
                            )
                        (folder / f"boundaries{suffix}").write_bytes(z.read(m))
        except zipfile.BadZipFile:
            raise FileProblem(f"{name} is a damaged ZIP archive; expected {EXPECTED}.") from None
        return folder / "boundaries.shp"
    if data.startswith(b"SQLite format 3\x00"):
        path = folder / "boundaries.gpkg"
    elif data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"["):
        path = folder / "boundaries.geojson"
        data = data.removeprefix(b"\xef\xbb\xbf")  # the byte-order mark Windows editors save is not JSON
    else:
        raise FileProblem(f"{name} is not a GeoJSON, GeoPackage or zipped Shapefile; expected {EXPECTED}.")
    path.write_bytes(data)
    return path


def _ward_layer(path: Path, name: str) -> str:
    """The layer holding ward properties (a GeoPackage may hold several)."""
    import pyogrio  # see read_boundaries

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = [str(row[0]) for row in pyogrio.list_layers(path)]
            for layer in layers:
                fields = [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]
                if any(re.fullmatch(r"WD\d{2}CD", f, re.IGNORECASE) for f in fields):
                    return layer
    except Exception as exc:  # GDAL reports damaged files with several exception types
        raise FileProblem(f"{name} could not be read as boundaries ({exc}); expected {EXPECTED}.") from None
    if not layers:
        raise FileProblem(f"{name} holds no layers; expected {EXPECTED}.")
    return layers[0]


def _to_wgs84(geoms: np.ndarray, crs: str | None, name: str) -> tuple[np.ndarray, list[str]]:
    notes = []
    if crs is None:
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
            return geoms, ["no coordinate system stated: read as longitude/latitude (EPSG:4326)"]
        if 0 <= minx <= maxx <= 700_000 and 0 <= miny <= maxy <= 1_300_000:
            crs = geo_crs.BNG
            notes.append(f"no coordinate system stated: read as OS grid eastings/northings ({geo_crs.BNG})")
        else:
            raise FileProblem(
                f"{name} states no coordinate system and its numbers fit none; expected {EXPECTED}."
            )
    if geo_crs.is_wgs84(crs):
        return geoms, notes
    notes.append(f"reprojected from {pyproj.CRS.from_user_input(crs).to_string()} to longitude/latitude")
    return geo_crs.reproject(geoms, crs), notes


def _ward_keys(fields: list[str], name: str) -> tuple[str, str]:
    try:
        return detect_ward_columns(dict.fromkeys(fields))
    except ValueError:
        for pattern, kind in _OTHER_AREA_KINDS.items():
            if any(re.fullmatch(pattern, f.lower()) for f in fields):
                raise FileProblem(f"{name} holds {kind}, not wards; expected {EXPECTED}.") from None
        raise FileProblem(
            f"{name} has no ward code and name properties (found: {', '.join(fields) or 'none'}); "
            f"expected {EXPECTED}."
        ) from None


def _check_one_area(fields: list[str], properties: dict[str, list], code_key: str, name: str) -> None:
    """Refuse wards of several local authorities (told apart by a LADxxCD property, or by code count)."""
    lad_keys = sorted((f for f in fields if re.fullmatch(r"LAD\d{2}CD", f, re.IGNORECASE)), reverse=True)
    if lad_keys:
        areas = sorted({v for v in properties[lad_keys[0]] if v})
        if len(areas) > 1:
            listed = ", ".join(areas[:5]) + (", ..." if len(areas) > 5 else "")
            raise FileProblem(
                f"{name} holds the wards of {len(areas)} local authorities ({listed}); expected {EXPECTED} "
                f"(keep only one area, e.g. {config.BOROUGH_CODE} for {config.BOROUGH_NAME})."
            )
        if areas and areas[0] != config.BOROUGH_CODE:
            raise FileProblem(
                f"{name} holds the wards of local authority {areas[0]}, not {config.BOROUGH_NAME} "
                f"({config.BOROUGH_CODE}); expected {EXPECTED}."
            )
    codes = [c for c in properties[code_key] if c]
    if len(set(codes)) > MAX_WARDS:
        raise FileProblem(
            f"{name} holds {len(set(codes)):,} wards, more than one local authority has; expected {EXPECTED}."
        )


def _check_valid(geoms: np.ndarray, names: list[str | None], name: str) -> None:
    """Refuse shapes that are not valid polygons (a self-intersecting "bow-tie", a ring crossing itself).

    Repairing them would guess: a bow-tie "repaired" is two triangles meeting at a point, and points
    between them would silently move to the next ward or out of the study area.
    """
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if not len(invalid):
        return
    listed = "; ".join(f"{names[i] or 'a ward'}: {shapely.is_valid_reason(geoms[i])}" for i in invalid[:3])
    raise FileProblem(
        f"{name} has ward shapes that are not valid polygons ({len(invalid)} of {len(geoms)}: {listed}"
        f"{'; ...' if len(invalid) > 3 else ''}); expected {EXPECTED} - repair them (e.g. QGIS 'Fix "
        "geometries') or download the file again."
    )


#: (west, south, east, north) of the United Kingdom in degrees, from the Isles of Scilly to Shetland and
#: from County Fermanagh to Lowestoft, with a little room: every ward of a UK area lies inside.
UK_EXTENT = (-8.75, 49.8, 1.8, 60.9)
_OSGB_EXTENT = (0, 0, 700_000, 1_300_000)


def _check_in_uk(read: np.ndarray, wgs84: np.ndarray, name: str) -> None:
    """Refuse boundaries that do not lie in the UK once in longitude/latitude: a wrong coordinate system
    (OS grid metres labelled as degrees, as every GeoJSON is) would put every incident outside them."""
    west, south, east, north = shapely.total_bounds(wgs84)
    if np.isfinite([west, south, east, north]).all() and _inside((west, south, east, north), UK_EXTENT):
        return
    hint = ""
    if _inside(tuple(shapely.total_bounds(read)), _OSGB_EXTENT):
        hint = (
            " - its numbers look like OS grid eastings and northings: save it with its coordinate system "
            "stated (EPSG:27700), or as a GeoPackage or Shapefile"
        )
    raise FileProblem(
        f"{name} has coordinates outside the United Kingdom (longitude {west:,.6g} to {east:,.6g}, "
        f"latitude {south:,.6g} to {north:,.6g}); expected {EXPECTED}{hint}."
    )


def _inside(bounds: tuple, extent: tuple) -> bool:
    west, south, east, north = bounds
    return extent[0] <= west <= east <= extent[2] and extent[1] <= south <= north <= extent[3]


def _rounded(geom: shapely.Geometry) -> shapely.Geometry:
    """Coordinates to 6 decimals (about 0.1 m): the stored GeoJSON stays compact."""
    return shapely.make_valid(shapely.transform(geom, lambda xy: np.round(xy, 6)))


def boundary_year(code_key: str) -> int:
    """The boundary year an ONS property name carries: ``WD24CD`` -> 2024."""
    return 2000 + int(re.sub(r"\D", "", code_key))


def import_boundaries(
    store: Store,
    upload: Upload,
    *,
    progress: Callable[[float, str], None] | None = None,
    imported_by: str | None = None,
) -> ImportReport:
    """Replace the study area's wards with a boundary file and re-assign every stored incident."""
    report = ImportReport("wards", upload.name)
    try:
        geojson, notes = read_boundaries(upload)
    except FileProblem as exc:
        report.error = str(exc)
        return report
    if progress:
        progress(0.4, "Re-assigning stored incidents to the new wards")
    wards = wards_with_districts(geojson, upload.name)
    code_key = next(iter(geojson["features"][0]["properties"]))
    text = json.dumps(geojson, separators=(",", ":"))
    version = f"{code_key[:4].upper()}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    report.rows_read = report.accepted = len(wards)
    report.notes.extend(notes)
    unmapped = [n for n, d in zip(wards.names, wards.districts, strict=True) if d == UNASSIGNED_DISTRICT]
    if len(unmapped) == len(wards):
        report.error = (
            f"{upload.name} holds {len(wards)} wards none of which is in data/districts.csv (e.g. "
            f"{', '.join(unmapped[:3])}), so they are not the wards of {config.BOROUGH_NAME}; expected "
            f"{EXPECTED} (for a boundary review with new ward names, add them to data/districts.csv first)."
        )
        return report
    if unmapped:
        report.notes.append(
            f"{len(unmapped)} ward(s) are not in data/districts.csv, so shown as '{UNASSIGNED_DISTRICT}': "
            + ", ".join(unmapped)
        )
    report.details.update(
        {
            "wards": len(wards),
            "boundary_year": boundary_year(code_key),
            "version": version,
            "districts": {d: len(wards.wards_in(d)) for d in wards.district_names},
        }
    )
    if store_boundaries.in_force(store) == version:
        report.added, report.already_stored = 0, len(wards)
        report.notes.append(f"these boundaries (version {version}) are already in use; nothing changed")
        return report
    import_id = uuid.uuid4().hex[:12]
    limit = config.max_outside_percent()
    grids = build_grids(wards)  # before the write transaction, so the store is held only to write them

    def accept(total: int, outside: int) -> None:
        report.details["stored_incidents_reassigned"] = total
        report.details["stored_incidents_outside_new_wards"] = outside
        if total and outside * 100 > limit * total:
            share = outside * 100 / total
            shown = f"{share:.1f}%" if share >= 0.1 else "under 0.1%"
            raise FileProblem(
                f"{upload.name} would leave {outside:,} of {total:,} stored incidents ({shown}) outside "
                f"every ward; at most {limit:g}% may be (check it holds the wards of {config.BOROUGH_NAME}; "
                "the limit is [boundaries] max_outside_percent in data/settings.toml)."
            )

    def keep_boundaries(con: duckdb.DuckDBPyConnection) -> None:
        store_boundaries.keep(con, import_id, store_boundaries.BoundaryVersion(version, upload.name, text))
        keep_grids(con, wards, grids)
        store.record_import(
            con,
            import_id,
            source="wards",
            file_name=upload.name,
            rows_read=report.rows_read,
            rows_added=len(wards),
            rows_duplicate=0,
            rows_set_aside=0,
            file_sha256=hashlib.sha256(upload.data).hexdigest(),
            imported_by=imported_by,
            report=report.to_dict(),
        )

    try:
        relocate_all(store, wards, accept=accept, also=keep_boundaries)
    except FileProblem as exc:  # refused with the numbers: the transaction rolled back, nothing changed
        report.error = str(exc)
        return report
    report.import_id = import_id
    report.added, report.already_stored = len(wards), 0
    if progress:
        progress(1.0, "Boundaries loaded")
    return report


def undo_boundaries(
    store: Store, import_id: str, *, undone_by: str | None = None
) -> store_boundaries.BoundaryVersion | None:
    """Undo a ward import: when its boundaries are in force the previous ones come back (the shipped
    default wards when there were none) and every incident is re-assigned to them, in one transaction.
    Returns the boundaries in force afterwards (None: the shipped default)."""

    restored: list[Wards] = []

    def assign_for(boundary: store_boundaries.BoundaryVersion | None) -> store_boundaries.Assign:
        wards = (
            shipped_wards()
            if boundary is None
            else wards_with_districts(json.loads(boundary.geojson), boundary.source)
        )
        restored.append(wards)
        return locator(wards)

    in_force = store_boundaries.undo(store, import_id, assign_for, OUTSIDE_CODE, undone_by=undone_by)
    if restored:  # their grid is normally kept from their own import; built now if they predate stored grids
        ensure_grids(store, restored[-1])
    return in_force


def download_boundaries(
    store: Store,
    *,
    fetch: Callable[[str, dict[str, str] | None], tuple[int, bytes]] | None = None,
    url: str = ONS_WARDS_URL,
    area_code: str = config.BOROUGH_CODE,
) -> ImportReport:
    """Fetch the current wards of ``area_code`` from the ONS open geography service and load them.

    Raises ConnectionError, changing nothing, when the service cannot be reached. ``fetch`` defaults to
    :func:`layers.http.http_request`; tests pass recorded answers instead.
    """
    fetch = fetch or http_request
    edition = re.search(r"services/([^/]+)/", url)
    service = edition.group(1) if edition else "ONS wards"
    year = re.search(r"(\d{4})", service)
    lad_field = f"LAD{year.group(1)[2:]}CD" if year else "LAD24CD"
    query = {"where": f"{lad_field}='{area_code}'", "outFields": "*", "outSR": "4326", "f": "geojson"}
    status, body = fetch(f"{url}?{urllib.parse.urlencode(query)}", None)
    if status != 200:
        raise ConnectionError(f"the ONS open geography service answered HTTP {status}; nothing was changed")
    try:
        problem = json.loads(body).get("error")
    except (ValueError, AttributeError):
        problem = None
    if problem:
        raise ConnectionError(
            f"the ONS open geography service answered with an error ({problem}); nothing was changed"
        )
    return import_boundaries(store, Upload(f"{service} (downloaded from ONS for {area_code})", body))
