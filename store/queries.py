"""Filtered reads used by every page, pack and CLI command, so all of them count the same way.

One :class:`Filters` value describes what the user picked (layers, categories, dates, district, ward);
each function turns it into one parameterised SQL query. Parameters are always bound, never formatted
into SQL, because district and ward names come from user-editable files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from store.db import Store


@dataclass(frozen=True)
class Filters:
    """What to count. ``None`` means "no restriction" for every field."""

    layers: tuple[str, ...] | None = None
    #: layer -> categories kept for that layer (a layer absent from the mapping keeps all categories)
    categories: tuple[tuple[str, tuple[str, ...]], ...] = field(default_factory=tuple)
    start: date | None = None  # inclusive
    end: date | None = None  # inclusive
    district: str | None = None
    ward: str | None = None  # ward code

    def where(self) -> tuple[str, list]:
        """SQL WHERE clause (without the keyword) and its parameters."""
        clauses: list[str] = ["TRUE"]
        params: list = []
        if self.layers is not None:
            if not self.layers:
                return "FALSE", []
            clauses.append(f"layer IN ({', '.join('?' * len(self.layers))})")
            params.extend(self.layers)
        for layer, cats in self.categories:
            clauses.append(f"(layer <> ? OR category IN ({', '.join('?' * len(cats)) or 'NULL'}))")
            params.extend([layer, *cats])
        for clause, value in (
            ("date >= ?", self.start),
            ("date <= ?", self.end),
            ("district = ?", self.district),
            ("ward_code = ?", self.ward),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        return " AND ".join(clauses), params

    def shifted(self, start: date | None, end: date | None) -> Filters:
        """The same filters over another date window (e.g. the previous period)."""
        return Filters(self.layers, self.categories, start, end, self.district, self.ward)


def _grouped(store: Store, filters: Filters, keys: tuple[str, ...]) -> pd.DataFrame:
    """Incident counts (column ``n``) grouped and ordered by ``keys``: column names or ``expr AS name``.

    The one counting query behind :func:`counts`, :func:`cell_counts` and :func:`monthly`, so a count by
    cell, by month or by anything else is always taken the same way.
    """
    where, params = filters.where()
    sql = f"SELECT {', '.join((*keys, 'count(*) AS n'))} FROM incidents WHERE {where}"
    if keys:
        names = ", ".join(key.split(" AS ")[-1] for key in keys)
        sql += f" GROUP BY {names} ORDER BY {names}"
    return store.query(sql, params)


def counts(store: Store, filters: Filters, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Incident counts grouped by any incident columns (e.g. ``("layer", "ward_code")``); column ``n``."""
    return _grouped(store, filters, by)


def cell_counts(store: Store, filters: Filters, res: int, by_layer: bool = False) -> pd.DataFrame:
    """Counts per H3 cell at resolution ``res`` (column ``cell`` as uint64), optionally per layer."""
    cell = f"h3_r{int(res)} AS cell"
    return _grouped(store, filters, (cell, "layer") if by_layer else (cell,))


def monthly(store: Store, filters: Filters, by: tuple[str, ...] = ("layer",)) -> pd.DataFrame:
    """Counts per calendar month (column ``month``, first day of month), grouped by ``by``."""
    return _grouped(store, filters, ("date_trunc('month', date) AS month", *by))


def date_range(store: Store) -> tuple[date, date] | None:
    """First and last incident date in the store, or None when it is empty."""
    row = store.query("SELECT min(date) AS lo, max(date) AS hi FROM incidents").iloc[0]
    if pd.isna(row["lo"]):
        return None
    return pd.Timestamp(row["lo"]).date(), pd.Timestamp(row["hi"]).date()


def categories(store: Store) -> pd.DataFrame:
    """Every (layer, category) stored, with its count."""
    return counts(store, Filters(), ("layer", "category"))


def casualties_by_year(store: Store, adjusted_attribute: str) -> pd.DataFrame:
    """Casualties per layer, category, calendar year and kind of data, for rows that carry a casualty count.

    Columns ``layer``, ``category``, ``year``, ``synthetic``, ``casualties`` (the sum of the
    ``casualties`` column), ``adjusted`` (the sum of the numeric JSON attribute ``adjusted_attribute``,
    e.g. DfT's adjusted-severity estimate; NULL where no row has it), ``adjusted_rows`` (rows that have
    it) and ``rows``. An estimate is only comparable when ``adjusted_rows == rows``.
    """
    path = f"$.{adjusted_attribute}"
    adjusted = "TRY_CAST(json_extract_string(i.attributes, ?) AS DOUBLE)"
    return store.query(
        "SELECT i.layer, i.category, year(i.date) AS year, m.synthetic, sum(i.casualties) AS casualties, "
        f"sum({adjusted}) AS adjusted, count({adjusted}) AS adjusted_rows, count(*) AS rows "
        "FROM incidents i JOIN imports m USING (import_id) "
        "WHERE m.status = 'complete' AND i.casualties IS NOT NULL GROUP BY ALL ORDER BY ALL",
        [path, path],
    )


def points_near(
    store: Store, districts: tuple[str, ...], bounds: tuple[float, float, float, float]
) -> pd.DataFrame:
    """Incidents (month, layer, category, lat, lon) of ``districts`` or inside ``bounds``
    (min lon, min lat, max lon, max lat): what monitoring an area against its buffer and control needs."""
    minx, miny, maxx, maxy = bounds
    in_districts = f"district IN ({', '.join('?' * len(districts))}) OR " if districts else ""
    return store.query(
        "SELECT date_trunc('month', date) AS month, layer, category, lat, lon FROM incidents "
        f"WHERE {in_districts}(lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?)",
        [*districts, miny, maxy, minx, maxx],
    )


def casualty_counts(store: Store, filters: Filters, by: tuple[str, ...]) -> pd.DataFrame:
    """Casualties (the ``casualties`` column, filled for KSI collisions) grouped by ``by``: columns ``n``
    (people) and ``known`` (rows with a casualty figure; 0 means none were loaded)."""
    where, params = filters.where()
    keys = ", ".join(by)
    return store.query(
        f"SELECT {keys}, coalesce(sum(casualties), 0) AS n, count(casualties) AS known "
        f"FROM incidents WHERE {where} GROUP BY {keys}",
        params,
    )


def cell_months(store: Store, filters: Filters, res: int) -> pd.DataFrame:
    """Incidents per (cell at ``res`` as uint64, month as a timestamp, layer, category): columns ``cell``,
    ``month``, ``layer``, ``category``, ``n`` - the frame every hotspot analysis starts from."""
    key = f"h3_r{int(res)}"
    frame = monthly(store, filters, by=(key, "layer", "category")).rename(columns={key: "cell"})
    frame["cell"] = frame["cell"].astype(np.uint64)
    frame["month"] = pd.to_datetime(frame["month"])
    return frame[["cell", "month", "layer", "category", "n"]]


def cell_streets(store: Store, filters: Filters, res: int) -> pd.DataFrame:
    """Incidents per (cell at ``res`` as uint64, street): what names a hot cell by its busiest street."""
    key = f"h3_r{int(res)}"
    frame = counts(store, filters, by=(key, "street")).rename(columns={key: "cell"})
    frame["cell"] = frame["cell"].astype(np.uint64)
    return frame


def located_incidents(store: Store, filters: Filters, res: int) -> pd.DataFrame:
    """Each incident's layer, category, lat, lon, street and cell at ``res`` (column ``cell``), in a fixed
    order (layer, then source id) so that ties between places always break the same way."""
    if res not in (7, 8, 9, 10):
        raise ValueError("the resolution must be 7, 8, 9 or 10")
    where, params = filters.where()
    return store.query(
        f"SELECT layer, category, lat, lon, street, h3_r{int(res)} AS cell FROM incidents "
        f"WHERE {where} ORDER BY layer, source_id",
        params,
    )
