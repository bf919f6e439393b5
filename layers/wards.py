"""The ward boundaries incidents are assigned to: those loaded into a store, else the shipped wards.

Why here and not in geo/: the shipped boundary file and the ward -> district mapping are source files
(parsed by config/), and geo/ only builds :class:`~geo.boundaries.Wards` from what it is handed, so it
never touches a file. Why one module: the write side (imports, undo, the demo) and the read side
(:mod:`briefing.reads`, so every page and pack) must assign incidents to the very same wards and
districts; both take them from here, so the two cannot drift apart.
"""

from __future__ import annotations

import json

import config
from geo.boundaries import Wards, wards_from_geojson
from store import Store
from store.boundaries import shapes_in_force


def wards_with_districts(geojson: dict, source: str) -> Wards:
    """Wards from a GeoJSON FeatureCollection in EPSG:4326, with their districts from
    ``data/districts.csv`` (by ward code, else by ward name)."""
    return wards_from_geojson(geojson, source=source, mapping_rows=config.district_mapping())


def shipped_wards() -> Wards:
    """The wards shipped with the app (``config.DEFAULT_WARDS_FILE``): the study area until an analyst
    loads other boundaries, and always the demo's."""
    return wards_with_districts(config.default_wards_geojson(), config.DEFAULT_WARDS_FILE.name)


def current_wards(store: Store) -> Wards:
    """The boundaries incidents are assigned to: those loaded into the store (the GeoJSON text and source
    ``store.boundaries.shapes_in_force`` reads), else the shipped wards."""
    geojson_text, source = shapes_in_force(store)
    if geojson_text:
        return wards_with_districts(json.loads(geojson_text), source or "store")
    return shipped_wards()
