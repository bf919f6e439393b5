"""Coordinate systems: the one place that names them and builds the transformers between them.

Why two systems: the store, the maps and every file the app reads hold longitude/latitude (WGS 84,
EPSG:4326), but distances, buffers and areas have to be measured in metres, and in Kirklees the British
National Grid (EPSG:27700) is in metres and true to shape. Building a pyproj transformer takes
milliseconds, so each pair is built once per process and cached. Coordinates are always passed
x first (longitude, easting), whatever order a system's definition states.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

#: Longitude/latitude, as stored and as every web map expects.
WGS84 = "EPSG:4326"
#: OS British National Grid: eastings and northings in metres.
BNG = "EPSG:27700"


@cache
def transformer(source: str, target: str) -> Transformer:
    """The pyproj transformer from ``source`` to ``target`` (x first), built once per process."""
    return Transformer.from_crs(source, target, always_xy=True)


def to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes -> eastings and northings in metres (vectorised)."""
    x, y = transformer(WGS84, BNG).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def bng_to_wgs84(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eastings and northings in metres -> longitudes and latitudes (vectorised)."""
    lon, lat = transformer(BNG, WGS84).transform(
        np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    )
    return np.asarray(lon), np.asarray(lat)


def is_wgs84(crs: str | CRS) -> bool:
    """True when ``crs`` is longitude/latitude on WGS 84 (in either axis order), so no reprojection is due."""
    return CRS.from_user_input(crs).equals(CRS.from_user_input(WGS84), ignore_axis_order=True)


def reproject(geom: BaseGeometry | np.ndarray, source: str | CRS, target: str = WGS84):
    """A shapely geometry (or array of them) from ``source`` to ``target``, every vertex at once."""
    source_text = CRS.from_user_input(source).to_string()
    move = transformer(source_text, CRS.from_user_input(target).to_string())
    return shapely.transform(geom, lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1])))
