"""police.uk API: one month of street-level crime for the study area, and saved API responses.

The API (``crimes-street/all-crime?poly=...&date=YYYY-MM``) answers with a JSON list of records and
refuses, with HTTP 503, any area holding more than 10,000 crimes in the month. Kirklees holds about
4,000 a month, but a busy month or a larger area can pass the limit, so a refused polygon is cut in two
and each half asked for separately, as often as needed. Halves share an edge, and records on it come
back twice: they are de-duplicated by the API's record ``id``.

The polygon is the study area simplified to at most :data:`MAX_POLYGON_POINTS` corners, after growing it
by the simplification tolerance: simplifying moves the outline by at most that tolerance, so the grown
and simplified polygon still covers every point of the area. The few extra records it catches just
outside are set aside by the ward test like any other.

Records are converted to the police.uk CSV's columns and go through :func:`layers.police.incidents`,
so the API and the CSV give the same records with the same ids: a record's ``persistent_id`` is the
CSV's Crime ID, and a record without one (ASB; British Transport Police crimes) gets the identity the
CSV row would get - month, point, street, type and occurrence number. The record ``id`` only tells
repeated copies of one record apart (a saved file that holds two overlapping answers).

Network access is one injectable function (:data:`Fetch`); tests pass recorded or fabricated responses
and never touch the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import shapely
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from geo.boundaries import Wards
from layers import police
from layers.http import http_request
from layers.readers import FileProblem, Upload, table_from_frame
from layers.report import ImportReport, Parsed

API_URL = "https://data.police.uk/api/crimes-street/all-crime"
#: Corners per request polygon: keeps requests small (the area goes in the request body).
MAX_POLYGON_POINTS = 100
#: Times a refused polygon may be halved before giving up (2^12 pieces is far beyond any real month).
MAX_SPLITS = 12

#: API category slug -> police.uk CSV crime type (the names data/layers.toml uses).
CATEGORY_NAMES = {
    "anti-social-behaviour": police.ASB_TYPE,
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-crime": "Other crime",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
}

#: (url, form fields) -> (HTTP status, body), raising ConnectionError when offline; default
#: :func:`layers.http.http_request` POSTs the form, so a long polygon never overflows a URL.
Fetch = Callable[[str, dict[str, str]], tuple[int, bytes]]


def covering_polygons(area: BaseGeometry, max_points: int = MAX_POLYGON_POINTS) -> list[Polygon]:
    """Polygons of at most ``max_points`` corners that together cover ``area`` (one per separate part)."""
    parts = [g for g in shapely.get_parts(area) if not g.is_empty]
    out = []
    for part in parts:
        outline = Polygon(part.exterior) if isinstance(part, Polygon) else part.convex_hull
        span = max(outline.bounds[2] - outline.bounds[0], outline.bounds[3] - outline.bounds[1])
        tolerance = span / 1000
        while True:
            cover = outline.buffer(tolerance, join_style="mitre").simplify(tolerance)
            cover = cover if isinstance(cover, Polygon) else cover.convex_hull
            if len(cover.exterior.coords) - 1 <= max_points:
                break
            tolerance *= 2
        out.append(cover)
    return out


def poly_param(polygon: Polygon) -> str:
    """The API's ``poly`` value: ``lat,lng:lat,lng:...`` (the closing corner left out)."""
    return ":".join(f"{lat:.6f},{lng:.6f}" for lng, lat in list(polygon.exterior.coords)[:-1])


def halves(polygon: Polygon) -> list[Polygon]:
    """The polygon cut across its longer side, each piece re-simplified to the corner limit."""
    minx, miny, maxx, maxy = polygon.bounds
    if maxx - minx >= maxy - miny:
        boxes = box(minx, miny, (minx + maxx) / 2, maxy), box((minx + maxx) / 2, miny, maxx, maxy)
    else:
        boxes = box(minx, miny, maxx, (miny + maxy) / 2), box(minx, (miny + maxy) / 2, maxx, maxy)
    pieces = [polygon.intersection(b) for b in boxes]
    return [p for piece in pieces if not piece.is_empty for p in covering_polygons(piece)]


def fetch_month(month: str, area: BaseGeometry, fetch: Fetch = http_request) -> list[dict]:
    """Every record of ``month`` (YYYY-MM) in ``area``, each once; raises ConnectionError when offline."""
    pd.Period(month, freq="M")  # raises ValueError for anything but a month
    records: dict[object, dict] = {}
    queue = [(p, 0) for p in covering_polygons(area)]
    while queue:
        polygon, splits = queue.pop()
        status, body = fetch(API_URL, {"date": month, "poly": poly_param(polygon)})
        if status == 503:  # more than 10,000 crimes in this polygon
            if splits >= MAX_SPLITS:
                raise ConnectionError(f"data.police.uk kept refusing {month} even for small areas (HTTP 503)")
            queue.extend((half, splits + 1) for half in halves(polygon))
            continue
        if status != 200:
            raise ConnectionError(f"data.police.uk answered HTTP {status} for {month}")
        for record in json.loads(body):
            records.setdefault(record.get("id", json.dumps(record, sort_keys=True)), record)
    return list(records.values())


def records_frame(records: list[dict]) -> pd.DataFrame:
    """API records as the police.uk CSV's columns (all text)."""

    def row(r: dict) -> dict[str, str]:
        location = r.get("location") or {}
        outcome = r.get("outcome_status") or {}
        slug = str(r.get("category") or "")
        return {
            "Crime ID": str(r.get("persistent_id") or ""),
            "Month": str(r.get("month") or ""),
            "Longitude": str(location.get("longitude") or ""),
            "Latitude": str(location.get("latitude") or ""),
            "Location": str((location.get("street") or {}).get("name") or ""),
            "Crime type": CATEGORY_NAMES.get(slug, slug),
            "Last outcome category": str(outcome.get("category") or "") if isinstance(outcome, dict) else "",
            "Context": str(r.get("context") or ""),
            "Reported by": str(r.get("location_type") or ""),
            "API id": str(r.get("id") or ""),
        }

    return pd.DataFrame([row(r) for r in records])


def parse_saved(uploads: list[Upload], report: ImportReport, wards: Wards) -> Parsed:
    """A saved API response (a JSON list of crime records) -> triage, incidents and attributes."""
    (upload,) = uploads
    expected = "a saved police.uk API response (a JSON list of crime records)"
    if not upload.data.strip():
        raise FileProblem(f"{upload.name} is empty; expected {expected}.")
    try:
        records = json.loads(upload.data)
    except (ValueError, UnicodeDecodeError):
        raise FileProblem(f"{upload.name} is not JSON; expected {expected}.") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) and "category" in r for r in records):
        raise FileProblem(f"{upload.name} is JSON but not a list of crime records; expected {expected}.")
    if not records:
        raise FileProblem(f"{upload.name} holds no crime records; expected {expected}.")
    table = table_from_frame(records_frame(records), upload.name, police.SCHEMA)
    report.notes.append("row numbers are record numbers in the JSON list, from 1")
    return police.incidents(table, report, wards)
