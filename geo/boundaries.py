"""Ward boundaries, the ward -> district mapping, and assigning points to wards.

ONS boundary files name their properties after the boundary year (``WD13CD``/``WD13NM``,
``WD24CD``/``WD24NM``...), so the code and name columns are detected rather than assumed. Districts are
not stored as shapes anywhere: they are dissolved from the wards using the editable mapping file, so a
change to the mapping changes the map.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from config.wards import WardDistrict

UNASSIGNED_DISTRICT = "Unmapped"

_CODE_RE = re.compile(r"^WD\d{2}CD$", re.IGNORECASE)
_NAME_RE = re.compile(r"^WD\d{2}NM$", re.IGNORECASE)


def normalise_name(name: str) -> str:
    """Compare ward names loosely: case, accents, '&' vs 'and', punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def detect_ward_columns(properties: dict) -> tuple[str, str]:
    """Return the (code, name) property keys of an ONS ward feature, whatever the boundary year.

    Prefers the newest year when a file carries several (e.g. ``WD23CD`` and ``WD24CD``).
    """
    codes = sorted((k for k in properties if _CODE_RE.match(k)), reverse=True)
    names = sorted((k for k in properties if _NAME_RE.match(k)), reverse=True)
    if not codes or not names:
        raise ValueError(
            "no ward code/name properties found (expected ONS names such as WD24CD and WD24NM); "
            f"the features have: {', '.join(sorted(properties)) or 'no properties'}"
        )
    return codes[0], names[0]


@dataclass(frozen=True)
class Wards:
    """The study area: ward polygons (EPSG:4326) with codes, names and districts, in a fixed order."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    districts: tuple[str, ...]
    geometries: tuple[BaseGeometry, ...]
    source: str

    def __post_init__(self) -> None:
        if not (len(self.codes) == len(self.names) == len(self.districts) == len(self.geometries)):
            raise ValueError("ward codes, names, districts and geometries must be the same length")

    def __len__(self) -> int:
        return len(self.codes)

    @cached_property
    def district_names(self) -> list[str]:
        """Districts in the mapping file's alphabetical order (stable across runs)."""
        return sorted(set(self.districts))

    @cached_property
    def name_by_code(self) -> dict[str, str]:
        return dict(zip(self.codes, self.names, strict=True))

    @cached_property
    def district_by_code(self) -> dict[str, str]:
        return dict(zip(self.codes, self.districts, strict=True))

    def wards_in(self, district: str | None) -> list[str]:
        """Ward codes in a district (all wards when ``district`` is None), sorted by ward name."""
        idx = [i for i, d in enumerate(self.districts) if district is None or d == district]
        return [self.codes[i] for i in sorted(idx, key=lambda i: self.names[i])]

    @cached_property
    def _prepared(self) -> np.ndarray:
        """The ward polygons prepared for point tests (an index on their edges), as an array."""
        geometries = np.asarray(self.geometries, dtype=object)
        shapely.prepare(geometries)
        return geometries

    @cached_property
    def _boxes(self) -> np.ndarray:
        """Each ward's bounding box, one row (west, south, east, north) per ward."""
        return shapely.bounds(self._prepared)

    @cached_property
    def _bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of all the wards together."""
        west, south, east, north = shapely.total_bounds(self._prepared)
        return float(west), float(south), float(east), float(north)

    @cached_property
    def area(self) -> BaseGeometry:
        """The whole study area as one (multi)polygon."""
        return shapely.union_all(self.geometries)

    @cached_property
    def district_geometries(self) -> dict[str, BaseGeometry]:
        """District name -> dissolved ward polygons."""
        return {
            d: shapely.union_all(
                [g for g, wd in zip(self.geometries, self.districts, strict=True) if wd == d]
            )
            for d in self.district_names
        }

    def geometry_of(self, *, district: str | None = None, ward: str | None = None) -> BaseGeometry:
        """The polygon for a ward code, a district, or (neither given) the whole area."""
        if ward is not None:
            return self.geometries[self.codes.index(ward)]
        if district is not None:
            return self.district_geometries[district]
        return self.area

    def assign(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Index of the ward containing each point, or -1 outside the study area (vectorised).

        A point exactly on a shared boundary goes to the ward listed first, so every point gets exactly
        one ward and re-running gives the same answer.

        Why it is built this way: a police force file holds ~350,000 rows a year, mostly outside the study
        area. Points outside the wards' joint bounding box are rejected with four comparisons (missing
        coordinates fail them too). The rest are tested ward by ward, in order, against the prepared
        polygon and only where inside that ward's own box and not yet assigned: about ten times faster
        than an STRtree query, which tests each point against the unprepared polygon.
        """
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        out = np.full(lat.shape, -1, dtype=np.int64)
        west, south, east, north = self._bounds
        near = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        if not near.any():
            return out
        x, y = lon[near], lat[near]
        found = np.full(x.shape, -1, dtype=np.int64)
        for i, (ward, (w, s, e, n)) in enumerate(zip(self._prepared, self._boxes, strict=True)):
            candidates = np.flatnonzero((found < 0) & (x >= w) & (x <= e) & (y >= s) & (y <= n))
            if len(candidates):
                found[candidates[shapely.intersects_xy(ward, x[candidates], y[candidates])]] = i
        out[near] = found
        return out

    def to_geojson(self, level: str = "ward") -> dict:
        """GeoJSON FeatureCollection of wards (code, name, district) or districts (name)."""
        if level == "district":
            feats = [
                {"type": "Feature", "properties": {"district": d}, "geometry": mapping(g)}
                for d, g in self.district_geometries.items()
            ]
        else:
            feats = [
                {
                    "type": "Feature",
                    "properties": {"ward_code": c, "ward_name": n, "district": d},
                    "geometry": mapping(g),
                }
                for c, n, d, g in zip(self.codes, self.names, self.districts, self.geometries, strict=True)
            ]
        return {"type": "FeatureCollection", "features": feats}


def district_lookup(mapping_rows: Sequence[WardDistrict]) -> tuple[dict[str, str], dict[str, str]]:
    """(by code, by normalised name) lookups from the mapping file's rows."""
    by_code = {r.ward_code: r.district for r in mapping_rows}
    by_name = {normalise_name(r.ward_name): r.district for r in mapping_rows}
    return by_code, by_name


def wards_from_geojson(data: dict, *, source: str, mapping_rows: Sequence[WardDistrict]) -> Wards:
    """Build :class:`Wards` from a GeoJSON FeatureCollection already in EPSG:4326.

    Districts come from the mapping file's rows (the caller reads them: geo/ reads no file): by ward
    code, else by ward name (new boundary vintages often keep names but change codes). A ward missing
    from the mapping is put in ``Unmapped`` rather than dropped, so no incident silently disappears.
    """
    features = data.get("features") or []
    if not features:
        raise ValueError(f"{source}: the boundary file has no features")
    code_key, name_key = detect_ward_columns(features[0].get("properties") or {})
    by_code, by_name = district_lookup(mapping_rows)
    codes, names, districts, geoms = [], [], [], []
    for feat in sorted(features, key=lambda f: str(f["properties"][code_key])):
        code = str(feat["properties"][code_key]).strip()
        name = str(feat["properties"][name_key]).strip()
        geom = shapely.make_valid(shape(feat["geometry"]))
        codes.append(code)
        names.append(name)
        districts.append(by_code.get(code) or by_name.get(normalise_name(name)) or UNASSIGNED_DISTRICT)
        geoms.append(geom)
    return Wards(tuple(codes), tuple(names), tuple(districts), tuple(geoms), source)
