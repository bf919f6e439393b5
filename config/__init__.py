"""Configuration held as data files under ``data/``.

Everything a partner may want to change - which ward belongs to which district, ward populations,
Partnership Plan targets, layer colours and harm weights, map settings - lives in files, so that
changing a file changes the app. This module only finds and parses them; it knows no ward, district or
layer by name.
"""

from __future__ import annotations

import csv
import json
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
    """The real-data store: an explicit path, else ``$HOTSPOTS_STORE``, else ``data/hotspots.duckdb``.

    Imports go here. The CLI and the app resolve it the same way, so a user can keep several stores side
    by side. The synthetic demo lives in a store of its own (:func:`demo_store_path`): a store holds real
    data or synthetic data, never both.
    """
    if explicit:
        return Path(explicit)
    env = os.environ.get("HOTSPOTS_STORE")
    return Path(env) if env else DATA_DIR / "hotspots.duckdb"


def demo_store_path(explicit: str | os.PathLike | None = None) -> Path:
    """The synthetic demo's store: an explicit path, else ``$HOTSPOTS_DEMO_STORE``, else
    ``data/demo.duckdb``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("HOTSPOTS_DEMO_STORE")
    return Path(env) if env else DATA_DIR / "demo.duckdb"


def reading_store_path(explicit: str | os.PathLike | None = None) -> Path:
    """The store a command that only reads opens: the one named, else the real store once it exists,
    else the demo. So a new user sees the demo, and an analyst who has loaded data sees their data."""
    if explicit:
        return Path(explicit)
    real = store_path()
    return real if real.exists() else demo_store_path()


@dataclass(frozen=True)
class LayerSpec:
    """One incident layer as described in ``data/layers.toml``."""

    id: str
    label: str
    colour: str
    description: str
    #: category name -> relative harm weight
    categories: dict[str, float] = field(default_factory=dict)
    #: what data the layer's figures need, for "not measured: needs ..." (see geo.measurable)
    needs: str = ""
    #: another layer holding the same reports from another source: the two are never added together
    same_reports_as: str | None = None
    #: the importer that fills the layer (see :data:`FEEDS`); None for a layer no importer writes
    fed_by: str | None = None


#: The importers that fill a layer, as ``fed_by`` in ``data/layers.toml`` names them.
FEEDS = ("police-crime", "police-asb", "council-asb", "fly-tipping", "fires", "stats19")


def layer_fed_by(feed: str) -> str:
    """The id of the layer the importer ``feed`` (one of :data:`FEEDS`) writes, from ``data/layers.toml``:
    parsers ask here, so renaming a layer is a change to the data file only."""
    found = [lid for lid, spec in layers().items() if spec.fed_by == feed]
    if not found:
        raise ValueError(
            f"{DATA_DIR / 'layers.toml'}: no layer has fed_by = {feed!r}, so its import has nowhere to go"
        )
    return found[0]


@cache
def layers() -> dict[str, LayerSpec]:
    """Layer id -> spec, in file order (which is also the display order)."""
    with open(DATA_DIR / "layers.toml", "rb") as f:
        raw = tomllib.load(f)["layers"]
    specs = {
        lid: LayerSpec(
            id=lid,
            label=spec["label"],
            colour=spec["colour"],
            description=spec.get("description", ""),
            categories={k: float(v) for k, v in spec.get("categories", {}).items()},
            needs=spec.get("needs", ""),
            same_reports_as=spec.get("same_reports_as"),
            fed_by=spec.get("fed_by"),
        )
        for lid, spec in raw.items()
    }
    fed = [spec.fed_by for spec in specs.values() if spec.fed_by is not None]
    wrong = sorted({f for f in fed if f not in FEEDS} | {f for f in fed if fed.count(f) > 1})
    if wrong:
        raise ValueError(
            f"{DATA_DIR / 'layers.toml'}: fed_by must name each of {', '.join(FEEDS)} at most once, "
            f"not {', '.join(wrong)}"
        )
    for spec in specs.values():
        if spec.same_reports_as is not None and spec.same_reports_as not in specs.keys() - {spec.id}:
            raise ValueError(
                f"{DATA_DIR / 'layers.toml'}: same_reports_as of layer {spec.id!r} must name another layer "
                f"of the file, not {spec.same_reports_as!r}"
            )
    return specs


@cache
def settings() -> dict:
    with open(DATA_DIR / "settings.toml", "rb") as f:
        return tomllib.load(f)


def tiles_url() -> str:
    """Basemap tile URL; empty means no basemap (the map still draws boundaries and hexagons)."""
    return os.environ.get("HOTSPOTS_TILES", settings()["map"]["tiles_url"])


@dataclass(frozen=True)
class HotspotSettings:
    """``[hotspots]`` in ``data/settings.toml``: how much evidence a hot spot needs (see geo.gistar)."""

    #: fewest incidents in a layer (or the layers analysed together) and window to look for hot spots at all
    min_incidents: int
    #: random neighbourhoods each cell is compared with (conditional permutation)
    permutations: int
    #: seed of those draws: the same data and seed always give the same classes
    seed: int


@cache
def hotspot_settings() -> HotspotSettings:
    """The ``[hotspots]`` section, checked: a wrong value is a ValueError naming the file and the key."""
    raw = settings().get("hotspots", {})
    wanted = {"min_incidents": 0, "permutations": 1, "seed": 0}  # key -> smallest allowed value
    values = {}
    for key, least in wanted.items():
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ValueError(
                f"{DATA_DIR / 'settings.toml'}: [hotspots] {key} must be a whole number of at least {least}, "
                f"not {value!r}"
            )
        values[key] = value
    return HotspotSettings(**values)


def _setting_number(section: str, key: str, least: float, most: float) -> float:
    """``[section] key`` of ``data/settings.toml`` as a number in [least, most]; anything else is a
    ValueError naming the file, the key and the allowed range, so a typo never becomes a silent default."""
    value = settings().get(section, {}).get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not least <= value <= most:
        raise ValueError(
            f"{DATA_DIR / 'settings.toml'}: [{section}] {key} must be a number from {least:g} to {most:g}, "
            f"not {value!r}"
        )
    return float(value)


@dataclass(frozen=True)
class StoreSettings:
    """``[store]`` in ``data/settings.toml``: how long work waits for the store while another process
    holds it (DuckDB lets one process write a file at a time, and none while another reads it)."""

    #: an import, undo or other write: seconds to wait for another import to finish before giving up
    write_wait_seconds: float
    #: a read (every page, every command): seconds to wait for an import that is being written
    read_wait_seconds: float


@cache
def store_settings() -> StoreSettings:
    return StoreSettings(
        write_wait_seconds=_setting_number("store", "write_wait_seconds", 0, 3600),
        read_wait_seconds=_setting_number("store", "read_wait_seconds", 0, 3600),
    )


@cache
def max_outside_percent() -> float:
    """``[boundaries] max_outside_percent``: the largest share of stored incidents (in %) a new ward
    boundary file may leave outside every ward before it is refused."""
    return _setting_number("boundaries", "max_outside_percent", 0, 100)


@cache
def default_wards_geojson() -> dict:
    """The shipped ward boundaries (``DEFAULT_WARDS_FILE``) as parsed GeoJSON, read once per process."""
    with open(DEFAULT_WARDS_FILE, encoding="utf-8") as f:
        return json.load(f)


#: Clear Hold Build rules and monitoring choices.
CHB_FILE = DATA_DIR / "chb.toml"


@cache
def chb() -> dict:
    """``data/chb.toml`` as written (:func:`geo.chb.load_settings` checks it and gives it types)."""
    with open(CHB_FILE, "rb") as f:
        return tomllib.load(f)


@cache
def action_presets() -> dict:
    """``data/action_presets.toml`` as written (:func:`geo.action_days.load_presets` gives it types)."""
    with open(DATA_DIR / "action_presets.toml", "rb") as f:
        return tomllib.load(f)


@cache
def briefing() -> dict:
    """``data/briefing.toml``: RAG margin, direction tolerance, pack sizes and the caveat notes."""
    with open(DATA_DIR / "briefing.toml", "rb") as f:
        return tomllib.load(f)


@cache
def demo_profile() -> dict:
    """``data/demo_profile.toml``: the shape of the synthetic demo (volumes, seasons, the planted cluster)."""
    with open(DATA_DIR / "demo_profile.toml", "rb") as f:
        return tomllib.load(f)


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


@cache
def district_mapping() -> list[dict[str, str]]:
    """Rows of ``districts.csv``: ward_code, ward_name, district."""
    return _read_csv("districts.csv")


@cache
def default_populations() -> list[dict[str, str]]:
    """Rows of ``population.csv``: ward_code, ward_name, population, year, basis (how rates name the
    figures, e.g. "ONS mid-2020") and source (publisher and licence)."""
    return _read_csv("population.csv")


@cache
def targets() -> list[dict[str, str]]:
    """Partnership Plan measures from ``targets.csv``."""
    return _read_csv("targets.csv")


#: How the app is run (see ``data/access.toml``).
MODES = ("local", "partner", "public")


@dataclass(frozen=True)
class AccessSettings:
    """``data/access.toml``: the mode the app runs in and how a signed-in user's role is found."""

    mode: str
    roles_claim: str
    analysts: tuple[str, ...]
    partners: tuple[str, ...]


@cache
def access() -> AccessSettings:
    """The access settings; ``$HOTSPOTS_MODE`` overrides the file's mode. A wrong value is one sentence."""
    path = DATA_DIR / "access.toml"
    with open(path, "rb") as f:
        raw = tomllib.load(f).get("access", {})
    mode = os.environ.get("HOTSPOTS_MODE") or str(raw.get("mode", "local"))
    if mode not in MODES:
        raise ValueError(f"{path}: mode must be one of {', '.join(MODES)}, not {mode!r}")

    def emails(key: str) -> tuple[str, ...]:
        values = raw.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"{path}: {key} must be a list of email addresses or @domains")
        return tuple(v.strip().lower() for v in values if v.strip())

    return AccessSettings(
        mode=mode,
        roles_claim=str(raw.get("roles_claim", "roles")),
        analysts=emails("analysts"),
        partners=emails("partners"),
    )


#: Kinds of place in ``data/places.csv``, largest first: the map labels towns at every zoom and smaller
#: places only once zoomed in, so the labels never crowd the borough view.
PLACE_KINDS = ("town", "village", "suburb")


@dataclass(frozen=True)
class Place:
    """A named town, village or suburb from the gazetteer ``data/places.csv``: a label and a search target."""

    name: str
    lat: float
    lon: float
    kind: str


@cache
def places() -> tuple[Place, ...]:
    """The gazetteer, checked: a wrong row is a ValueError naming the file, the row and what was expected."""
    path = DATA_DIR / "places.csv"
    rows = _read_csv("places.csv")
    out = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            name, kind = row["name"].strip(), row["kind"].strip()
            place = Place(name=name, lat=float(row["lat"]), lon=float(row["lon"]), kind=kind)
        except (KeyError, ValueError, AttributeError):
            place = None
        if place is None or not place.name or not (-90 <= place.lat <= 90 and -180 <= place.lon <= 180) or (
            place.kind not in PLACE_KINDS
        ):
            raise ValueError(
                f"{path}: row {number} must have a name, a latitude and longitude in decimal degrees and a "
                f"kind ({', '.join(PLACE_KINDS)}), not {dict(row)!r}"
            )
        out.append(place)
    return tuple(out)
