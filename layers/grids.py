"""The study grid as data: built once per geography, kept in the store, read back in milliseconds.

A study grid (:mod:`geo.grid`: covering cells, each cell's ward and district, its share inside the
boundary, its neighbours) depends only on the boundaries, the resolution and the area, so it is built
once - the whole study area at every resolution the app offers, each district and ward at the
resolutions of :data:`AREA_RESOLUTIONS` - with the default neighbourhood (:data:`STORED_K`), and stored
(:mod:`store.grid`):

* when the demo is built (:func:`layers.demo.build_demo_store`);
* when ward boundaries are loaded, in the same transaction as the boundaries
  (:func:`layers.boundary_import.import_boundaries`): new boundaries, new grid;
* when a store is opened whose boundaries in force have no stored grid (:func:`ensure_grids`, from
  :func:`layers.ingest.upgrade_store`): a store written before grids were kept, or one whose district
  mapping file changed. Undoing a boundary import reads the earlier boundaries' grid back, kept since
  they were loaded (:func:`layers.boundary_import.undo_boundaries` builds it if they predate kept grids).

Every page, command and pack then asks :func:`study_grid` here. A grid that is not stored (a process that
opened the store before its boundaries changed) is computed instead - the same grid, just slower - and
not written: reading never writes.
"""

from __future__ import annotations

import os

import duckdb
import numpy as np

from geo.boundaries import Wards
from geo.grid import STORED_K, StudyGrid, area_grids, geography_key
from geo.grid import study_grid as compute_grid
from geo.hexgrid import RESOLUTIONS
from store import Store
from store import grid as stored
from store.errors import DiskFull, StoreBusy, StoreReadOnly
from store.grid import GridArrays, area_key

#: Resolutions at which each district's and ward's grid is stored too. Not the finest (10): no page
#: draws a district or ward at 10 unless a user picks it on the Hotspots page, where it is computed when
#: asked (under a second), and its 27 area grids would double the time loading boundaries takes.
AREA_RESOLUTIONS = (7, 8, 9)


def build_grids(wards: Wards) -> dict[tuple[int, str], GridArrays]:
    """Every grid of ``wards`` to store, keyed ``(resolution, area key)``."""
    out = {}
    for res in RESOLUTIONS:
        if res in AREA_RESOLUTIONS:
            grids = area_grids(wards, res, STORED_K)
        else:
            grids = {(None, None): compute_grid(wards, res)}
        for (district, ward), grid in grids.items():
            out[(res, area_key(district, ward))] = _arrays(grid, wards)
    return out


def keep_grids(
    con: duckdb.DuckDBPyConnection, wards: Wards, grids: dict[tuple[int, str], GridArrays]
) -> None:
    """Store ``grids`` (from :func:`build_grids`) as those of ``wards``, on an open write connection: the
    caller's transaction, so they land together with the boundaries they were built from."""
    stored.write_grids(con, geography_key(wards), grids)


def ensure_grids(store: Store, wards: Wards) -> bool:
    """Build and store the grids of ``wards`` unless they are stored already; True when it stored them.

    The grids are built before the store is opened for writing, so the file is held only to write them.
    A store that cannot be written now (read-only, or busy for longer than a write waits, or its disk
    full) is left as it is: reading it needs no grid stored, since :func:`study_grid` computes one.
    """
    key = geography_key(wards)
    if not store.exists() or stored.grids_stored(store, key):
        return False
    if not all(os.access(p, os.W_OK) for p in (store.path, store.path.parent)):
        return False  # known read-only: not worth building grids that cannot be kept
    grids = build_grids(wards)
    try:
        with store.transaction() as con:
            if stored.has_grids(con, key):  # another process stored them meanwhile
                return False
            stored.write_grids(con, key, grids)
    except (StoreReadOnly, StoreBusy, DiskFull):
        return False
    return True


def _arrays(grid: StudyGrid, wards: Wards) -> GridArrays:
    weights = grid.neighbours(STORED_K)
    position = {code: i for i, code in enumerate(wards.codes)}
    return GridArrays(
        cells=grid.cells,
        wards=np.fromiter((position[c] for c in grid.ward_codes), dtype=np.int64, count=len(grid)),
        inside_share=grid.inside_share,
        neighbours={STORED_K: (weights.indptr, weights.indices)},
    )
