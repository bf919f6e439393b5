"""Configuration held as data files under ``data/``.

Everything a partner may want to change - which ward belongs to which district, ward populations,
Partnership Plan targets, layer colours and harm weights, map settings - lives in files, so that
changing a file changes the app. This package only finds and parses them; it knows no ward, district or
layer by name. Every file is read into frozen, typed settings and checked as it is read, so a mistake in
one is a sentence naming the file and the key (:mod:`config.tables`); the larger files have a module each
(:mod:`config.chb`, :mod:`config.action_days`, :mod:`config.packs`, :mod:`config.measures`,
:mod:`config.wards`), and the rest of the app takes the settings as arguments.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path

from config import action_days, chb, measures, packs, wards
from config.tables import SettingsError, Table, read_toml
from config.vocabulary import RESOLUTIONS

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
        raise SettingsError(
            DATA_DIR / "layers.toml", f"no layer has fed_by = {feed!r}, so its import has nowhere to go"
        )
    return found[0]


def _layer(lid: str, spec: Table) -> LayerSpec:
    """One ``[layers.<id>]`` table, checked: the colour is drawn by the map and charts, the harm weights
    are multiplied into the composite, so neither may be anything but what they claim to be."""
    spec.only(*(f.name for f in fields(LayerSpec) if f.name != "id"))
    colour = spec.text("colour")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        spec.fail("colour", 'a colour written "#rrggbb"', colour)
    weights = spec.table("categories")
    return LayerSpec(
        id=lid,
        label=spec.text("label"),
        colour=colour,
        description=spec.text("description", ""),
        categories={category: weights.number(category, 0, 1000) for category in weights.raw},
        needs=spec.text("needs", ""),
        same_reports_as=spec.text("same_reports_as") if "same_reports_as" in spec.raw else None,
        fed_by=spec.one_of("fed_by", FEEDS, default=None),
    )


@cache
def layers() -> dict[str, LayerSpec]:
    """Layer id -> spec, in file order (which is also the display order)."""
    top = read_toml(DATA_DIR / "layers.toml")
    top.only("layers")
    table = top.table("layers")
    specs = {lid: _layer(lid, table.table(lid)) for lid in table.raw}
    fed = [spec.fed_by for spec in specs.values() if spec.fed_by is not None]
    wrong = sorted({f for f in fed if fed.count(f) > 1})
    if wrong:
        raise SettingsError(
            DATA_DIR / "layers.toml",
            f"fed_by must name each of {', '.join(FEEDS)} at most once, not {', '.join(wrong)}",
        )
    for spec in specs.values():
        if spec.same_reports_as is not None and spec.same_reports_as not in specs.keys() - {spec.id}:
            raise SettingsError(
                DATA_DIR / "layers.toml",
                f"same_reports_as of layer {spec.id!r} must name another layer of the file, "
                f"not {spec.same_reports_as!r}",
            )
    return specs


@cache
def settings() -> dict:
    """``data/settings.toml`` as written; the app reads it through the checked, typed sections below."""
    with open(DATA_DIR / "settings.toml", "rb") as f:
        return tomllib.load(f)


def _settings_section(name: str) -> Table:
    """``[name]`` of ``data/settings.toml``, for the checks of :class:`config.tables.Table`."""
    return Table(DATA_DIR / "settings.toml", "", settings()).table(name)


@dataclass(frozen=True)
class MapSettings:
    """``[map]`` in ``data/settings.toml``: the basemap and the hexagon sizes the map opens with."""

    #: basemap tile URL; "" means no basemap (the map still draws boundaries and hexagons)
    tiles_url: str
    tiles_attribution: str
    #: H3 resolution when the map shows the whole borough, and when it is filtered to a district or ward
    borough_resolution: int
    local_resolution: int


@cache
def map_settings() -> MapSettings:
    section = _settings_section("map")
    return MapSettings(
        tiles_url=section.text("tiles_url", ""),
        tiles_attribution=section.text("tiles_attribution", ""),
        borough_resolution=section.one_of("borough_resolution", RESOLUTIONS),
        local_resolution=section.one_of("local_resolution", RESOLUTIONS),
    )


def tiles_url() -> str:
    """Basemap tile URL (``$HOTSPOTS_TILES``, else the file's); empty means no basemap."""
    return os.environ.get("HOTSPOTS_TILES", map_settings().tiles_url)


@cache
def public_min_count() -> int:
    """``[suppression] public_min_count``: public outputs show counts below this as "fewer than N"."""
    return _settings_section("suppression").whole("public_min_count", 1)


@dataclass(frozen=True)
class DemoSettings:
    """``[demo]`` in ``data/settings.toml``: the default shape of the synthetic demo store."""

    years: int
    seed: int
    #: last month of generated data (inclusive), "YYYY-MM"
    end_month: str


@cache
def demo_settings() -> DemoSettings:
    section = _settings_section("demo")
    end_month = section.text("end_month")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", end_month):
        section.fail("end_month", 'a month written "YYYY-MM"', end_month)
    return DemoSettings(section.whole("years", 1, 50), section.whole("seed", 0), end_month)


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
    section = _settings_section("hotspots")
    return HotspotSettings(
        min_incidents=section.whole("min_incidents", 0),
        permutations=section.whole("permutations", 1),
        seed=section.whole("seed", 0),
    )


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
    section = _settings_section("store")
    return StoreSettings(
        write_wait_seconds=section.number("write_wait_seconds", 0, 3600),
        read_wait_seconds=section.number("read_wait_seconds", 0, 3600),
    )


@cache
def max_outside_percent() -> float:
    """``[boundaries] max_outside_percent``: the largest share of stored incidents (in %) a new ward
    boundary file may leave outside every ward before it is refused."""
    return _settings_section("boundaries").number("max_outside_percent", 0, 100)


@cache
def default_wards_geojson() -> dict:
    """The shipped ward boundaries (``DEFAULT_WARDS_FILE``) as parsed GeoJSON, read once per process."""
    with open(DEFAULT_WARDS_FILE, encoding="utf-8") as f:
        return json.load(f)


#: Clear Hold Build rules and monitoring choices.
CHB_FILE = DATA_DIR / "chb.toml"
#: The action-day picker's defaults and presets.
ACTION_PRESETS_FILE = DATA_DIR / "action_presets.toml"


def layer_categories() -> dict[str, tuple[str, ...]]:
    """Layer id -> its category names (``data/layers.toml``): what other files may name."""
    return {lid: tuple(spec.categories) for lid, spec in layers().items()}


@cache
def chb_settings() -> chb.ChbSettings:
    """``data/chb.toml``, checked and typed (:func:`config.chb.read`)."""
    return chb.read(CHB_FILE, layer_categories())


@cache
def action_presets() -> action_days.ActionPresets:
    """``data/action_presets.toml``, checked and typed (:func:`config.action_days.read`)."""
    return action_days.read(ACTION_PRESETS_FILE, layer_categories())


@cache
def briefing() -> packs.BriefingSettings:
    """``data/briefing.toml``, checked and typed: RAG margin, direction tolerance, pack sizes and the
    caveat notes (:mod:`config.packs`)."""
    return packs.read(DATA_DIR / "briefing.toml", tuple(action_presets().presets))


@cache
def demo_profile() -> dict:
    """``data/demo_profile.toml``: the shape of the synthetic demo (volumes, seasons, the planted cluster)."""
    with open(DATA_DIR / "demo_profile.toml", "rb") as f:
        return tomllib.load(f)


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


@cache
def district_mapping() -> tuple[wards.WardDistrict, ...]:
    """``districts.csv``, checked: the district of each ward (by code and name)."""
    return wards.read_districts(_read_csv("districts.csv"), DATA_DIR / "districts.csv")


@cache
def default_populations() -> tuple[wards.WardPopulation, ...]:
    """``population.csv``, checked: each ward's residents, the year, the basis rates name the figures by
    (e.g. "ONS mid-2020") and the source (publisher and licence)."""
    return wards.read_populations(_read_csv("population.csv"), DATA_DIR / "population.csv")


@cache
def targets() -> tuple[measures.Target, ...]:
    """Partnership Plan measures from ``targets.csv``, checked and typed (:mod:`config.measures`)."""
    return measures.read(_read_csv("targets.csv"), DATA_DIR / "targets.csv", layer_categories())


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
        raise SettingsError(path, f"mode must be one of {', '.join(MODES)}, not {mode!r}")

    def emails(key: str) -> tuple[str, ...]:
        values = raw.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise SettingsError(path, f"{key} must be a list of email addresses or @domains")
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
            raise SettingsError(
                path,
                f"row {number} must have a name, a latitude and longitude in decimal degrees and a "
                f"kind ({', '.join(PLACE_KINDS)}), not {dict(row)!r}",
            )
        out.append(place)
    return tuple(out)
