"""Study grids kept in the store: each grid's cells, their wards and districts, and their neighbours.

Why stored: a grid depends only on the boundaries, the resolution and the area, yet building it (covering
cells, each cell's ward, its share inside the boundary, its neighbours) took over a second at resolution
10, in every process and page run. So it is built once per geography - when boundaries are loaded or the
demo is built (:mod:`layers.grids`) - and read back here in milliseconds.

Three tables:

* ``study_grids`` - one row per stored grid: its number ``grid``, its ``geography`` (a digest of the
  boundaries, :func:`geo.grid.geography_key`), ``res``, ``area`` (:func:`area_key`: the whole study area, a
  district or a ward) and its number of cells. A grid is read only when its row exists, and the row is
  written in the same transaction as the rest, so a half-written grid is never read.
* ``study_grid_cells`` - one row per cell of grid ``grid``: the cell, its ward as a position in the
  geography's ward list (the geography key pins that list - codes, names and districts - so the position
  names the ward and its district) and the share of its area inside the boundary. A grid's cells are its
  rows in cell order.
* ``study_grid_neighbours`` - one row per (cell, neighbour) pair of the ``k``-ring of grid ``grid``, as
  positions in the grid: the sparse matrix in coordinate form, read back as compressed sparse rows.

Numbers only, and a grid's rows written together under one integer ``grid``: DuckDB then skips every
other grid's rows by their stored minimum and maximum without reading them, and reads 31,200 cells and
216,000 pairs (resolution 10) in a few milliseconds, where ward names and text keys per row took tens.

Grids of earlier boundaries are kept (they are small), so undoing a boundary import reads its
predecessor's grid back rather than rebuilding it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from store.db import Store

_TABLES = """
CREATE TABLE IF NOT EXISTS study_grids (grid INTEGER NOT NULL, geography VARCHAR NOT NULL,
    res UTINYINT NOT NULL, area VARCHAR NOT NULL, cells INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS study_grid_cells (grid INTEGER NOT NULL, cell UBIGINT NOT NULL,
    ward SMALLINT NOT NULL, inside_share DOUBLE NOT NULL);
CREATE TABLE IF NOT EXISTS study_grid_neighbours (grid INTEGER NOT NULL, k UTINYINT NOT NULL,
    row INTEGER NOT NULL, neighbour INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class GridArrays:
    """One grid as stored: per cell (ascending) its cell, its ward's position in the geography's ward list
    and its inside share; and per ``k`` its neighbours as CSR ``(indptr, indices)`` arrays."""

    cells: np.ndarray  # uint64
    wards: np.ndarray  # int, position in the ward list
    inside_share: np.ndarray  # float
    neighbours: Mapping[int, tuple[np.ndarray, np.ndarray]]


def area_key(district: str | None = None, ward: str | None = None) -> str:
    """The stored name of an area: ``""`` for the whole study area, ``district:NAME`` or ``ward:CODE``."""
    if ward is not None:
        return f"ward:{ward}"
    return "" if district is None else f"district:{district}"


def has_grids(con: duckdb.DuckDBPyConnection, geography: str) -> bool:
    """True when grids of ``geography`` are stored (on an open connection, read or write)."""
    if not _kept(con):
        return False
    found = con.execute("SELECT count(*) FROM study_grids WHERE geography = ?", [geography]).fetchall()
    return bool(found[0][0])


def _kept(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store has the grid tables (a store written before grids were kept has not). Asked
    rather than tried: a failed query would abort the caller's open transaction."""
    found = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'study_grids'"
    return bool(con.execute(found).fetchall()[0][0])


def grids_stored(store: Store, geography: str) -> bool:
    """:func:`has_grids` on a read-only connection (False when there is no store yet)."""
    if not store.exists():
        return False
    with store.connect(read_only=True) as con:
        return has_grids(con, geography)


def write_grids(
    con: duckdb.DuckDBPyConnection, geography: str, grids: Mapping[tuple[int, str], GridArrays]
) -> None:
    """Store ``grids`` (keyed ``(res, area)``) under ``geography``, replacing any stored before, on an open
    write connection (inside the caller's transaction, so they land with the boundaries they belong to).
    Grid numbers are given here, one past the largest in use, so each (geography, res, area) has one."""
    con.execute(_TABLES)
    old = "SELECT grid FROM study_grids WHERE geography = ?"
    for table in ("study_grid_cells", "study_grid_neighbours"):
        con.execute(f"DELETE FROM {table} WHERE grid IN ({old})", [geography])
    con.execute("DELETE FROM study_grids WHERE geography = ?", [geography])
    first = con.execute("SELECT coalesce(max(grid), 0) + 1 FROM study_grids").fetchall()[0][0]
    index, cells, pairs = [], [], []
    for number, ((res, area), grid) in enumerate(grids.items(), start=first):
        n = int(grid.cells.size)
        index.append((number, geography, res, area, n))
        cells.append(
            pd.DataFrame(
                {
                    "grid": np.full(n, number, dtype=np.int32),
                    "cell": np.asarray(grid.cells, dtype=np.uint64),
                    "ward": np.asarray(grid.wards, dtype=np.int16),
                    "inside_share": np.asarray(grid.inside_share, dtype=float),
                }
            )
        )
        for k, (indptr, indices) in grid.neighbours.items():
            rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
            pairs.append(
                pd.DataFrame(
                    {
                        "grid": np.full(rows.size, number, dtype=np.int32),
                        "k": np.full(rows.size, k, dtype=np.uint8),
                        "row": rows,
                        "neighbour": np.asarray(indices, dtype=np.int32),
                    }
                )
            )
    for table, frames in (("study_grid_cells", cells), ("study_grid_neighbours", pairs)):
        if frames:
            con.register("new_rows", pd.concat(frames, ignore_index=True))
            con.execute(f"INSERT INTO {table} SELECT * FROM new_rows")
            con.unregister("new_rows")
    if index:
        con.executemany("INSERT INTO study_grids VALUES (?, ?, ?, ?, ?)", index)


def read_grid(store: Store, geography: str, res: int, area: str, k: int) -> GridArrays | None:
    """The stored grid of ``geography`` at ``res`` for ``area`` (see :func:`area_key`) with its ``k``-ring
    neighbours when they are stored, or None when the grid is not stored (a store written before grids
    were kept, or boundaries no grid was built for)."""
    if not store.exists():
        return None
    with store.connect(read_only=True) as con:
        try:  # tried rather than asked: asking the catalogue takes longer than reading the grid
            row = con.execute(
                "SELECT grid, cells FROM study_grids WHERE geography = ? AND res = ? AND area = ?",
                [geography, res, area],
            ).fetchall()
        except duckdb.CatalogException:
            return None
        if not row:
            return None
        number, n = row[0]
        cells = con.execute(
            "SELECT cell, ward, inside_share FROM study_grid_cells WHERE grid = ?", [number]
        ).fetchnumpy()
        pairs = con.execute(
            "SELECT row, neighbour FROM study_grid_neighbours WHERE grid = ? AND k = ?", [number, k]
        ).fetchnumpy()
    if len(cells["cell"]) != n:
        raise ValueError(f"{store.path.name}: the stored study grid at resolution {res} is incomplete")
    order = _ascending(np.asarray(cells["cell"], dtype=np.uint64))
    rows, cols = np.asarray(pairs["row"]), np.asarray(pairs["neighbour"])
    return GridArrays(
        cells=np.asarray(cells["cell"], dtype=np.uint64)[order],
        wards=np.asarray(cells["ward"], dtype=np.int64)[order],
        inside_share=np.asarray(cells["inside_share"], dtype=float)[order],
        neighbours={k: _csr(rows, cols, n)} if rows.size else {},
    )


def _ascending(values: np.ndarray) -> slice | np.ndarray:
    """What puts ``values`` in ascending order: everything as it is when (as written) they already are."""
    if values.size < 2 or np.all(values[1:] > values[:-1]):
        return slice(None)
    return np.argsort(values, kind="stable")


def _csr(rows: np.ndarray, cols: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, indices) of the pairs as int32 (as scipy keeps them), each row's neighbours ascending."""
    order = _ascending(rows.astype(np.int64) * n + cols)
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, np.asarray(cols, dtype=np.int32)[order]
