"""Designated Clear Hold Build areas, kept in the incident store so they survive restarts.

Why in the store: the store is the single source of truth, is backed up with the data, and already
gives atomic writes. A designation is a partnership decision, so every row records who created it and
when, who last edited it and when, and retiring one keeps the row (marked retired, with who and when)
rather than deleting it: a monitoring history must not vanish because an area left the programme.

The rules:

* A name is required (surrounding spaces dropped, at most :data:`MAX_NAME` characters) and is stored as
  typed; pages must escape it before putting it in HTML.
* The geometry is a valid Polygon or MultiPolygon in EPSG:4326 with a positive area, stored as GeoJSON.
* Phase starts map a phase name (e.g. "Clear") to the date it began; the dates must not go backwards in
  the order given (Clear before Hold before Build).
* Designations are independent of incident imports: rebuilding or re-importing incidents never touches
  them (the demo builder replaces the whole file, and with it any designations made in the demo store).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from store.db import Store

MAX_NAME = 120
#: How an area was drawn up; shown in the register.
METHODS = ("drawn", "uploaded", "wards", "cells")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS designations (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    geometry VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    phase_starts VARCHAR NOT NULL,
    buffer_m DOUBLE,
    notes VARCHAR,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    edited_by VARCHAR,
    edited_at TIMESTAMP,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    retired_by VARCHAR,
    retired_at TIMESTAMP
)
"""
_COLUMNS = (
    "id, name, geometry, method, phase_starts, buffer_m, notes, created_by, created_at, "
    "edited_by, edited_at, retired, retired_by, retired_at"
)


@dataclass(frozen=True)
class Designation:
    """One designated area as stored."""

    id: str
    name: str
    geometry: dict  # GeoJSON geometry, EPSG:4326
    method: str
    phase_starts: dict[str, date]
    buffer_m: float | None
    notes: str
    created_by: str
    created_at: datetime
    edited_by: str | None
    edited_at: datetime | None
    retired: bool
    retired_by: str | None
    retired_at: datetime | None

    @property
    def shape(self) -> BaseGeometry:
        return shape(self.geometry)

    def phase_on(self, day: date) -> tuple[str, date] | None:
        """The phase under way on ``day`` (the latest one started on or before it) and its start date."""
        begun = [(start, phase) for phase, start in self.phase_starts.items() if start <= day]
        if not begun:
            return None
        start, phase = max(begun)
        return phase, start


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValueError("a designated area needs a name")
    if len(name) > MAX_NAME:
        raise ValueError(f"the name is longer than {MAX_NAME} characters")
    return name


def _clean_person(who: str) -> str:
    who = " ".join(str(who).split())
    if not who:
        raise ValueError("say who is making this change (a name or team)")
    return who


def _clean_geometry(geometry: BaseGeometry | dict) -> str:
    geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
    geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":  # make_valid can split a bow-tie into parts
        geom = shapely.union_all([g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty or geom.area <= 0:
        raise ValueError("a designated area must be a polygon with some area")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError("the area's coordinates are not longitude/latitude (EPSG:4326)")
    return json.dumps(mapping(geom))


def _clean_phases(phase_starts: Mapping[str, date]) -> str:
    starts = {str(p): d for p, d in phase_starts.items() if d is not None}
    dates = list(starts.values())
    if any(later < earlier for earlier, later in zip(dates, dates[1:], strict=False)):
        raise ValueError("phase start dates must not go backwards (" + ", ".join(starts) + ")")
    return json.dumps({p: d.isoformat() for p, d in starts.items()})


def _clean_buffer(buffer_m: float | None) -> float | None:
    if buffer_m is not None and buffer_m <= 0:
        raise ValueError("the buffer must be wider than 0 m")
    return None if buffer_m is None else float(buffer_m)


def _from_row(row: tuple) -> Designation:
    (id_, name, geometry, method, phases, buffer_m, notes, c_by, c_at, e_by, e_at, retired, r_by, r_at) = row
    return Designation(
        id=id_,
        name=name,
        geometry=json.loads(geometry),
        method=method,
        phase_starts={p: date.fromisoformat(d) for p, d in json.loads(phases).items()},
        buffer_m=buffer_m,
        notes=notes or "",
        created_by=c_by,
        created_at=c_at,
        edited_by=e_by,
        edited_at=e_at,
        retired=bool(retired),
        retired_by=r_by,
        retired_at=r_at,
    )


def _fetch(con: duckdb.DuckDBPyConnection, designation_id: str) -> Designation:
    rows = con.execute(f"SELECT {_COLUMNS} FROM designations WHERE id = ?", [designation_id]).fetchall()
    if not rows:
        raise KeyError(f"no designated area with id {designation_id!r}")
    return _from_row(rows[0])


def create(
    store: Store,
    *,
    name: str,
    geometry: BaseGeometry | dict,
    method: str,
    phase_starts: Mapping[str, date],
    created_by: str,
    buffer_m: float | None = None,
    notes: str = "",
) -> Designation:
    """Store a new designated area and return it."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    values = [
        uuid.uuid4().hex[:12],
        _clean_name(name),
        _clean_geometry(geometry),
        method,
        _clean_phases(phase_starts),
        _clean_buffer(buffer_m),
        notes.strip(),
        _clean_person(created_by),
        _now(),
    ]
    with store.transaction() as con:
        con.execute(_SCHEMA)
        con.execute(
            "INSERT INTO designations (id, name, geometry, method, phase_starts, buffer_m, notes, "
            "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        return _fetch(con, values[0])


def update(
    store: Store,
    designation_id: str,
    *,
    edited_by: str,
    name: str | None = None,
    geometry: BaseGeometry | dict | None = None,
    phase_starts: Mapping[str, date] | None = None,
    buffer_m: float | None = None,
    notes: str | None = None,
) -> Designation:
    """Change the given fields of a designated area (None leaves a field as it is); records who and when."""
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = _clean_name(name)
    if geometry is not None:
        changes["geometry"] = _clean_geometry(geometry)
    if phase_starts is not None:
        changes["phase_starts"] = _clean_phases(phase_starts)
    if buffer_m is not None:
        changes["buffer_m"] = _clean_buffer(buffer_m)
    if notes is not None:
        changes["notes"] = notes.strip()
    changes |= {"edited_by": _clean_person(edited_by), "edited_at": _now()}
    with store.transaction() as con:
        con.execute(_SCHEMA)
        _fetch(con, designation_id)
        assignments = ", ".join(f"{column} = ?" for column in changes)
        con.execute(
            f"UPDATE designations SET {assignments} WHERE id = ?", [*changes.values(), designation_id]
        )
        return _fetch(con, designation_id)


def retire(store: Store, designation_id: str, *, retired_by: str) -> Designation:
    """Mark an area retired (kept for the record, left out of the live register)."""
    who = _clean_person(retired_by)
    with store.transaction() as con:
        con.execute(_SCHEMA)
        _fetch(con, designation_id)
        con.execute(
            "UPDATE designations SET retired = TRUE, retired_by = ?, retired_at = ? WHERE id = ?",
            [who, _now(), designation_id],
        )
        return _fetch(con, designation_id)


def designations(store: Store, *, include_retired: bool = False) -> list[Designation]:
    """Every designated area, oldest first; retired ones only when asked for."""
    if not store.exists():
        return []
    with store.connect(read_only=True) as con:
        present = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'designations'"
        ).fetchall()[0][0]
        if not present:
            return []
        where = "" if include_retired else "WHERE NOT retired"
        rows = con.execute(f"SELECT {_COLUMNS} FROM designations {where} ORDER BY created_at, id").fetchall()
    return [_from_row(r) for r in rows]
