"""Ward boundary versions in the store: the boundaries in force, every version an import loaded, and
re-assigning incidents to them.

The boundaries in force are three meta values (``boundaries_geojson``, ``boundaries_source``,
``boundary_version``; none means the shipped default wards). Each ward import also keeps its version in
the ``boundaries`` table, so undoing the import in force can put the previous version back - or the
shipped default when there was none - and re-assign every incident to it, in one transaction.

Which ward holds a point is geography, not storage: callers pass an ``Assign`` function (built from
``geo.boundaries.Wards`` in ``layers.ingest.locator``) that names the ward and district of each point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from store.db import Store

GEOJSON_KEY, SOURCE_KEY, VERSION_KEY = "boundaries_geojson", "boundaries_source", "boundary_version"
#: (lat, lon) points -> the same frame with ``ward_code`` and ``district`` columns added.
Assign = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class BoundaryVersion:
    """One set of ward boundaries: its version (a digest of the shapes), where it came from, the shapes."""

    version: str
    source: str
    geojson: str


#: Distinct points located per block: the ward finder holds a block as Python objects (~100 bytes a point).
POINT_BLOCK = 100_000
#: DuckDB's memory in a transaction that re-assigns incidents (:func:`reassign`), commit included: past it
#: the distinct points, the update and the commit's rewrite spill to disk instead of growing with the store
#: (without it DuckDB takes up to 80% of the machine's memory).
REASSIGN_MEMORY = "160MB"


def reassign(con: duckdb.DuckDBPyConnection, assign: Assign, outside_code: str) -> tuple[int, int]:
    """Give every stored incident the ward and district ``assign`` finds for its point, on an open
    transaction; returns (incidents, incidents now in ward ``outside_code``).

    Worked out per distinct point, not per row: police.uk snaps reports to shared map points, so there
    are far fewer points than incidents. Nothing is deleted: an incident outside every ward is kept.

    Memory stays bounded however large the store (issue 13: under 600 MB at 10M incidents) when the
    transaction is opened with ``memory_limit=REASSIGN_MEMORY``: DuckDB collects the distinct points and
    commits the changes under that limit (spilling to disk past it), Python locates the points a
    block at a time and hands back each point's place as a small number, and only rows whose ward or
    district changes are rewritten - a new release of the same wards moves a few points near their
    edges, so most rows are never touched.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE reassign_points AS "
        "SELECT row_number() OVER () AS n, lat, lon FROM (SELECT DISTINCT lat, lon FROM incidents)"
    )
    # each point's new place as a small number into the few (ward, district) pairs, not as text
    con.execute("CREATE OR REPLACE TEMP TABLE reassign_located (n BIGINT, place INTEGER)")
    places: dict[tuple[str, str], int] = {}
    points = int(con.execute("SELECT count(*) FROM reassign_points").fetchall()[0][0])
    for first in range(1, points + 1, POINT_BLOCK):
        block = con.execute(
            "SELECT n, lat, lon FROM reassign_points WHERE n >= ? AND n < ?", [first, first + POINT_BLOCK]
        ).df()
        located = assign(block[["lat", "lon"]])
        found, pairs = pd.factorize(pd.MultiIndex.from_arrays([located["ward_code"], located["district"]]))
        ids = np.array([places.setdefault(pair, len(places)) for pair in pairs], dtype=np.int32)
        con.register("located_block", pd.DataFrame({"n": block["n"].to_numpy(), "place": ids[found]}))
        con.execute("INSERT INTO reassign_located SELECT n, place FROM located_block")
        con.unregister("located_block")
    con.register(
        "reassign_places",
        pd.DataFrame(
            [(i, code, district) for (code, district), i in places.items()],
            columns=["place", "ward_code", "district"],
        ),
    )
    # only the values that change are rewritten (DuckDB holds every rewritten value in memory until the
    # commit): a new release of the same wards moves few points, and new ward codes rarely move districts
    for column in ("ward_code", "district"):
        con.execute(
            f"UPDATE incidents SET {column} = w.{column} "
            "FROM reassign_points p JOIN reassign_located l USING (n) JOIN reassign_places w USING (place) "
            f"WHERE incidents.lat = p.lat AND incidents.lon = p.lon AND incidents.{column} <> w.{column}"
        )
    con.unregister("reassign_places")
    con.execute("DROP TABLE reassign_points")
    con.execute("DROP TABLE reassign_located")
    total, outside = con.execute(
        "SELECT count(*), count(*) FILTER (ward_code = ?) FROM incidents", [outside_code]
    ).fetchall()[0]
    return int(total), int(outside)


def in_force(store: Store) -> str | None:
    """The version of the boundaries in force; None for the shipped default."""
    return store.get_meta(VERSION_KEY)


def keep(con: duckdb.DuckDBPyConnection, import_id: str, boundary: BoundaryVersion) -> None:
    """Keep ``import_id``'s boundaries as a version and put them in force, on an open transaction.

    Boundaries put in force by an earlier version of this app, which kept no versions, are first kept
    under the import that loaded them, so undoing the new import can come back to them.
    """
    newest = _newest_ward_import(con)
    current = _meta_boundary(con)
    if newest is not None and current is not None and _stored(con, newest) is None:
        _insert(con, newest, current)
    _insert(con, import_id, boundary)
    _put_in_force(con, boundary)


def undo(
    store: Store,
    import_id: str,
    assign_for: Callable[[BoundaryVersion | None], Assign],
    outside_code: str,
    *,
    undone_by: str | None = None,
) -> BoundaryVersion | None:
    """Undo a ward import in one transaction; returns the boundaries in force afterwards (None: the
    shipped default).

    When the import's boundaries were in force, the previous ward import's come back (or the shipped
    default when there was none) and every incident is re-assigned to them; undoing an import already
    replaced by a later one changes only its status. ``assign_for`` builds the ward finder for a version.
    """
    with store.transaction(memory_limit=REASSIGN_MEMORY) as con:
        row = con.execute("SELECT source, status FROM imports WHERE import_id = ?", [import_id]).fetchall()
        if not row or row[0][0] != "wards":
            raise ValueError(f"import {import_id} did not load ward boundaries")
        if row[0][1] == "undone":
            return _meta_boundary(con)
        was_in_force = _newest_ward_import(con) == import_id
        con.execute(
            "UPDATE imports SET status = 'undone', undone_by = ? WHERE import_id = ?", [undone_by, import_id]
        )
        if not was_in_force:
            return _meta_boundary(con)
        previous_import = _newest_ward_import(con)
        previous = None if previous_import is None else _stored(con, previous_import)
        if previous_import is not None and previous is None:
            raise ValueError(
                f"import {import_id} replaced boundaries loaded (import {previous_import}) before this app "
                "kept earlier boundaries, so they cannot be brought back; load that boundary file again"
            )
        _put_in_force(con, previous)
        reassign(con, assign_for(previous), outside_code)
        return previous


def _newest_ward_import(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(
        "SELECT import_id FROM imports WHERE source = 'wards' AND status = 'complete' "
        "ORDER BY imported_at DESC, rowid DESC LIMIT 1"
    ).fetchall()
    return row[0][0] if row else None


def _stored(con: duckdb.DuckDBPyConnection, import_id: str) -> BoundaryVersion | None:
    row = con.execute(
        "SELECT version, source, geojson FROM boundaries WHERE import_id = ?", [import_id]
    ).fetchall()
    return BoundaryVersion(*row[0]) if row else None


def _meta_boundary(con: duckdb.DuckDBPyConnection) -> BoundaryVersion | None:
    values = dict(
        con.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?, ?)", [VERSION_KEY, SOURCE_KEY, GEOJSON_KEY]
        ).fetchall()
    )
    if not values.get(GEOJSON_KEY):
        return None
    return BoundaryVersion(values.get(VERSION_KEY) or "", values.get(SOURCE_KEY) or "", values[GEOJSON_KEY])


def _insert(con: duckdb.DuckDBPyConnection, import_id: str, boundary: BoundaryVersion) -> None:
    con.execute(
        "INSERT INTO boundaries VALUES (?, ?, ?, ?)",
        [import_id, boundary.version, boundary.source, boundary.geojson],
    )


def _put_in_force(con: duckdb.DuckDBPyConnection, boundary: BoundaryVersion | None) -> None:
    if boundary is None:
        con.execute("DELETE FROM meta WHERE key IN (?, ?, ?)", [VERSION_KEY, SOURCE_KEY, GEOJSON_KEY])
        return
    for key, value in (
        (GEOJSON_KEY, boundary.geojson),
        (SOURCE_KEY, boundary.source),
        (VERSION_KEY, boundary.version),
    ):
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def shapes_in_force(store: Store) -> tuple[str | None, str | None]:
    """The loaded boundaries as GeoJSON text and the file they came from; (None, None) before any are
    loaded (the shipped wards are then in force)."""
    return store.get_meta(GEOJSON_KEY), store.get_meta(SOURCE_KEY)
