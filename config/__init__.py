"""Configuration held as data files under ``data/``.

Everything a partner may want to change - which ward belongs to which district, ward populations,
Partnership Plan targets, layer colours and harm weights, map settings - lives in files, so that
changing a file changes the app. This module only finds and parses them; it knows no ward, district or
layer by name.
"""

from __future__ import annotations

import csv
import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HOTSPOTS_DATA_DIR", PROJECT_DIR / "data"))
DEFAULT_WARDS_FILE = DATA_DIR / "kirklees-wards-2013.geojson"
BOUNDARY_ATTRIBUTION = (
    "Ward boundaries: Office for National Statistics, Open Government Licence v3. "
    "Contains OS data © Crown copyright and database right."
)
SYNTHETIC_LABEL = "SYNTHETIC DEMO DATA - not real incidents"
#: The whole-borough level above the four partnership districts.
BOROUGH_NAME = "Kirklees"
BOROUGH_CODE = "E08000034"


def store_path(explicit: str | os.PathLike | None = None) -> Path:
    """The incident store to use: an explicit path, else ``$HOTSPOTS_STORE``, else ``data/hotspots.duckdb``.

    The CLI and the app resolve it the same way, so a user can keep several stores side by side.
    """
    if explicit:
        return Path(explicit)
    env = os.environ.get("HOTSPOTS_STORE")
    return Path(env) if env else DATA_DIR / "hotspots.duckdb"


@dataclass(frozen=True)
class LayerSpec:
    """One incident layer as described in ``data/layers.toml``."""

    id: str
    label: str
    colour: str
    description: str
    #: category name -> relative harm weight
    categories: dict[str, float] = field(default_factory=dict)


@cache
def layers() -> dict[str, LayerSpec]:
    """Layer id -> spec, in file order (which is also the display order)."""
    with open(DATA_DIR / "layers.toml", "rb") as f:
        raw = tomllib.load(f)["layers"]
    return {
        lid: LayerSpec(
            id=lid,
            label=spec["label"],
            colour=spec["colour"],
            description=spec.get("description", ""),
            categories={k: float(v) for k, v in spec.get("categories", {}).items()},
        )
        for lid, spec in raw.items()
    }


@cache
def settings() -> dict:
    with open(DATA_DIR / "settings.toml", "rb") as f:
        return tomllib.load(f)


def tiles_url() -> str:
    """Basemap tile URL; empty means no basemap (the map still draws boundaries and hexagons)."""
    return os.environ.get("HOTSPOTS_TILES", settings()["map"]["tiles_url"])


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


@cache
def district_mapping() -> list[dict[str, str]]:
    """Rows of ``districts.csv``: ward_code, ward_name, district."""
    return _read_csv("districts.csv")


@cache
def default_populations() -> list[dict[str, str]]:
    """Rows of ``population.csv``: ward_code, ward_name, population, source."""
    return _read_csv("population.csv")


@cache
def targets() -> list[dict[str, str]]:
    """Partnership Plan measures from ``targets.csv``."""
    return _read_csv("targets.csv")
