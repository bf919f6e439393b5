"""The deterministic synthetic demo: all five layers on the real Kirklees ward boundaries.

Why synthetic: partners must be able to open the app, learn it and test it without real incident
data, and CI must exercise every page at full volume. The shape of the data (volumes, seasons,
town-centre concentration, deprived wards, a planted Ashbrow cluster that rises and falls) is read
from ``data/demo_profile.toml`` so that it can be tuned without touching code. Every import it makes is
flagged ``synthetic`` in the store, and the app labels everything built from it.

Determinism: one ``numpy.random.Generator`` seeded from ``seed`` is consumed in a fixed order (layers,
categories and wards in file order), and the output is sorted before ids are given, so the same
``(years, seed, end_month)`` gives the same rows byte for byte.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

import config
from geo.boundaries import Wards, normalise_name
from geo.hexgrid import points_to_cells
from layers.grids import ensure_grids
from layers.ingest import PARSED_COLUMNS, coverage_frame, ingest
from layers.wards import shipped_wards
from store import Store

METRES_PER_DEGREE_LAT = 111_320.0
_YEAR_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def load_profile() -> dict:
    """The demo's shape, ``data/demo_profile.toml`` (parsed by :func:`config.demo_profile`)."""
    return config.demo_profile()


def demo_months(end_month: str, years: int) -> pd.PeriodIndex:
    """The ``12 * years`` calendar months ending with ``end_month`` (YYYY-MM).

    Any month works (the planted cluster simply adds nothing outside its dates); only text that is not
    a YYYY-MM month, or a span reaching back before year 1 (which no date type can hold), is refused.
    """
    if years < 1:
        raise ValueError("the demo needs at least one year of data")
    if not _YEAR_MONTH.fullmatch(end_month):
        raise ValueError(f"end month {end_month!r} is not a YYYY-MM month (for example 2025-09)")
    end = pd.Period(end_month, freq="M")
    months = pd.period_range(end=end, periods=12 * years, freq="M")
    if months[0].year < 1:
        raise ValueError(
            f"{years} years ending {end_month} would start before year 1; choose a later end month"
        )
    return months


# ---- spatial sampling ---------------------------------------------------------------------------------


def _sample_inside(
    geom: BaseGeometry, n: int, draw: Callable[[int], tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from ``draw(batch) -> (lat, lon)``, keeping only those inside ``geom`` (rejection).

    ``n`` may be 0: the planted cluster adds nothing to months outside its dates, so a demo ending before
    the cluster starts or long after it ends asks for no cluster points at all.
    """
    shapely.prepare(geom)
    lats: list[np.ndarray] = [np.empty(0)]
    lons: list[np.ndarray] = [np.empty(0)]
    have = 0
    while have < n:
        y, x = draw(max(64, 2 * (n - have)))
        keep = shapely.contains_xy(geom, x, y)
        lats.append(y[keep])
        lons.append(x[keep])
        have += int(keep.sum())
    return np.concatenate(lats)[:n], np.concatenate(lons)[:n]


def sample_uniform(rng: np.random.Generator, geom: BaseGeometry, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniformly inside ``geom`` (lat, lon arrays)."""
    minx, miny, maxx, maxy = geom.bounds

    def draw(k: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(minx, maxx, k)  # longitude first: keeps the random stream (and the demo) unchanged
        return rng.uniform(miny, maxy, k), x

    return _sample_inside(geom, n, draw)


def sample_gaussian(
    rng: np.random.Generator, geom: BaseGeometry, lat: float, lon: float, sd_m: float, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from a circular Gaussian (``sd_m`` metres) around a centre, kept inside ``geom``."""
    sd_lat = sd_m / METRES_PER_DEGREE_LAT
    sd_lon = sd_m / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    return _sample_inside(geom, n, lambda k: (rng.normal(lat, sd_lat, k), rng.normal(lon, sd_lon, k)))


# ---- volumes ------------------------------------------------------------------------------------------


def _season(profile: dict, name: str) -> np.ndarray:
    factors = np.asarray(profile["seasons"][name], dtype=float)
    if factors.shape != (12,):
        raise ValueError(f"season {name!r} in the demo profile must have 12 monthly factors")
    return factors / factors.mean()


def _ward_weights(profile: dict, wards: Wards) -> np.ndarray:
    """Background weight per ward: population x deprivation weight (both from data files)."""
    pops = {normalise_name(r.ward_name): float(r.population) for r in config.default_populations()}
    by_name = {normalise_name(k): float(v) for k, v in profile["ward_weights"].items()}
    weights = np.array(
        [
            pops.get(normalise_name(n), np.mean(list(pops.values()))) * by_name.get(normalise_name(n), 1.0)
            for n in wards.names
        ]
    )
    return weights / weights.sum()


def _cluster_expected(cluster: dict, months: pd.PeriodIndex) -> np.ndarray:
    """Extra incidents expected per month for the planted cluster: a rise to the peak, then a fall."""
    start, peak, end = (pd.Period(cluster[k], freq="M").ordinal for k in ("start", "peak", "end"))
    m = np.asarray(months.asi8, dtype=float)
    rising = np.clip((m - start) / max(peak - start, 1), 0, 1)
    falling = np.clip((end - m) / max(end - peak, 1), 0, 1)
    return cluster["peak_monthly"] * np.where(m <= peak, rising, falling)


# ---- generation ---------------------------------------------------------------------------------------


def _days(rng: np.random.Generator, months: pd.PeriodIndex, month_idx: np.ndarray, spec: dict) -> np.ndarray:
    """Dates (datetime64[D]) for incidents in the given months: first of month, or a day within it."""
    starts = months.to_timestamp().to_numpy().astype("datetime64[D]")[month_idx]
    if spec["date_precision"] == "month":
        return starts
    lengths = np.asarray(months.days_in_month)[month_idx]
    day = np.floor(rng.random(month_idx.size) * lengths).astype(int)
    bonfire = float(spec.get("bonfire_share", 0.0))
    if bonfire:
        moy = np.asarray(months.month)[month_idx]
        pick = rng.random(month_idx.size) < bonfire
        night = rng.choice([0, 1, 2, 3, 4, 4, 4, 5], size=month_idx.size)  # weighted towards the 5th
        day = np.where(pick & (moy == 11), night, day)
        day = np.where(pick & (moy == 10) & (rng.random(month_idx.size) < 0.3), 29 + (night % 2), day)
    return starts + day.astype("timedelta64[D]")


def _streets(profile: dict, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """A street name per point, fixed by its ~100 m H3 cell so a place always has the same name."""
    names = np.asarray(profile["streets"]["names"], dtype=object)
    cells = points_to_cells(lat, lon, 10)
    mixed = (cells >> np.uint64(21)) * np.uint64(0x9E3779B97F4A7C15)
    return names[(mixed >> np.uint64(40)) % np.uint64(len(names))]


def generate(
    wards: Wards, *, years: int, seed: int, end_month: str, profile: dict | None = None
) -> pd.DataFrame:
    """Synthetic incidents for every layer: :data:`PARSED_COLUMNS` plus ``generated_ward`` (the ward code
    each point was drawn inside, so tests can check ward assignment against it)."""
    profile = profile or load_profile()
    rng = np.random.default_rng(seed)
    months = demo_months(end_month, years)
    n_months = len(months)
    year_index = (np.arange(n_months) - (n_months - 1)) / 12.0  # 0 in the final month, negative before
    ward_p = _ward_weights(profile, wards)
    hubs = profile["hubs"]
    hub_p = np.array([h["weight"] for h in hubs], dtype=float)
    hub_p /= hub_p.sum()
    hub_ward = wards.assign(np.array([h["lat"] for h in hubs]), np.array([h["lon"] for h in hubs]))
    if (hub_ward < 0).any():
        raise ValueError("a demo hub centre lies outside the ward boundaries")

    frames: list[pd.DataFrame] = []
    for layer, spec in profile["layers"].items():
        season = _season(profile, spec["season"])[np.asarray(months.month) - 1]
        trend = (1.0 + spec.get("trend_per_year", 0.0)) ** year_index
        bias = spec.get("hub_bias", {})
        for category, annual in spec["annual"].items():
            expected = annual / 12.0 * season * trend
            per_month = rng.poisson(expected)
            month_idx = np.repeat(np.arange(n_months), per_month)
            hub_prob = min(0.95, spec["hub_share"] * bias.get(category, 1.0))
            in_hub = rng.random(month_idx.size) < hub_prob
            component = np.where(
                in_hub,
                rng.choice(len(hubs), size=month_idx.size, p=hub_p),
                -1 - rng.choice(len(wards), size=month_idx.size, p=ward_p),
            )
            frames.append(
                _place(rng, wards, hubs, hub_ward, layer, category, month_idx, component, months, spec)
            )

    cluster = profile["planted_cluster"]
    cluster_ward = int(wards.assign(np.array([cluster["lat"]]), np.array([cluster["lon"]]))[0])
    extra = rng.poisson(_cluster_expected(cluster, months))
    cats = list(cluster["categories"])
    cat_p = np.array([cluster["categories"][c] for c in cats], dtype=float)
    month_idx = np.repeat(np.arange(n_months), extra)
    chosen = rng.choice(len(cats), size=month_idx.size, p=cat_p / cat_p.sum())
    geom = wards.geometries[cluster_ward]
    lat, lon = sample_gaussian(rng, geom, cluster["lat"], cluster["lon"], cluster["sd_m"], month_idx.size)
    crime = config.layer_fed_by("police-crime")  # the planted cluster is police-recorded crime
    frames.append(
        pd.DataFrame(
            {
                "layer": crime,
                "category": np.asarray(cats, dtype=object)[chosen],
                "date": _days(rng, months, month_idx, profile["layers"][crime]),
                "date_precision": profile["layers"][crime]["date_precision"],
                "lat": lat,
                "lon": lon,
                "generated_ward": wards.codes[cluster_ward],
                "attributes": None,
            }
        )
    )

    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["layer", "date", "category", "lat", "lon"], kind="mergesort", ignore_index=True)
    out["source_id"] = out.groupby("layer").cumcount().map("{:07d}".format)
    out["source_id"] = "demo-" + out["layer"] + "-" + out["source_id"]
    out["street"] = _streets(profile, out["lat"].to_numpy(), out["lon"].to_numpy())
    is_ksi = out["layer"] == config.layer_fed_by("stats19")
    out["severity"] = np.where(is_ksi, out["category"], None)
    casualties = 1 + rng.poisson(0.25, len(out))
    out["casualties"] = pd.Series(casualties, dtype="Int32").where(is_ksi)
    out["date"] = pd.to_datetime(out["date"])
    out = pd.concat([out, *_published(out, profile)], ignore_index=True)
    return out[[*PARSED_COLUMNS, "generated_ward"]]


def _published(out: pd.DataFrame, profile: dict) -> list[pd.DataFrame]:
    """A layer's records as another source publishes them (``published_as`` in the profile).

    Why: the demo's council ASB cases are typed, and police.uk publishes the same reports untyped, by
    month; the copy lets the demo show both layers the way a real store holds them, and the app's rule
    that two layers holding the same reports are never added together. Copies are made after every
    random draw, so they leave the rest of the demo byte for byte as it was.
    """
    copies = []
    for layer, spec in profile["layers"].items():
        target = spec.get("published_as")
        if not target:
            continue
        rows = out[out["layer"] == layer]
        copy = rows.assign(
            layer=target["layer"],
            category=target["category"],
            date=rows["date"].dt.to_period("M").dt.to_timestamp(),
            date_precision="month",
            attributes=None,
        )
        copy["source_id"] = [f"demo-{target['layer']}-{i:07d}" for i in range(len(copy))]
        copies.append(copy)
    return copies


def _place(
    rng: np.random.Generator,
    wards: Wards,
    hubs: list[dict],
    hub_ward: np.ndarray,
    layer: str,
    category: str,
    month_idx: np.ndarray,
    component: np.ndarray,
    months: pd.PeriodIndex,
    spec: dict,
) -> pd.DataFrame:
    """Locate one category's incidents: hub components (>= 0) by Gaussian, ward components (< 0) uniformly."""
    n = month_idx.size
    lat = np.empty(n)
    lon = np.empty(n)
    ward = np.empty(n, dtype=np.int64)
    for comp in np.unique(component):
        sel = component == comp
        if comp >= 0:
            hub = hubs[comp]
            w = int(hub_ward[comp])
            lat[sel], lon[sel] = sample_gaussian(
                rng, wards.geometries[w], hub["lat"], hub["lon"], hub["sd_m"], int(sel.sum())
            )
        else:
            w = -1 - int(comp)
            lat[sel], lon[sel] = sample_uniform(rng, wards.geometries[w], int(sel.sum()))
        ward[sel] = w
    attributes = None
    if "attributes" in spec:
        keys = sorted(spec["attributes"])
        picks = {k: rng.choice(spec["attributes"][k], size=n) for k in keys}
        attributes = [json.dumps({k: str(picks[k][i]) for k in keys}) for i in range(n)]
    return pd.DataFrame(
        {
            "layer": layer,
            "category": category,
            "date": _days(rng, months, month_idx, spec),
            "date_precision": spec["date_precision"],
            "lat": lat,
            "lon": lon,
            "generated_ward": np.asarray(wards.codes, dtype=object)[ward],
            "attributes": attributes,
        }
    )


def build_demo_store(path: str | Path, *, years: int, seed: int, end_month: str) -> dict[str, int]:
    """Write a fresh demo store at ``path`` (atomically replacing any file there); counts per layer."""
    path = Path(path)
    wards = shipped_wards()
    frame = generate(wards, years=years, seed=seed, end_month=end_month)
    building = Store(path.with_name(path.name + ".building"))
    for stale in (building.path, building.wal_path):
        stale.unlink(missing_ok=True)
    result = ingest(
        building,
        frame.drop(columns="generated_ward"),
        wards,
        source="demo",
        file_name=f"synthetic-demo seed={seed} years={years} end={end_month}",
        rows_read=len(frame),
        synthetic=True,
        report={"seed": seed, "years": years, "end_month": end_month},
        # the demo vouches for every month of the layers it generates (and only those)
        coverage=coverage_frame(
            frame["layer"].unique().tolist(), [str(m) for m in demo_months(end_month, years)]
        ),
    )
    if result.outside_rows.size or result.outcome.added != len(frame):
        raise RuntimeError("demo generation placed incidents outside the wards or produced duplicate ids")
    ensure_grids(building, wards)  # the study grids, once, so no page or command rebuilds them
    Store(path).wal_path.unlink(missing_ok=True)
    os.replace(building.path, path)
    return {layer: int(n) for layer, n in frame.groupby("layer", sort=False)["layer"].size().items()}
