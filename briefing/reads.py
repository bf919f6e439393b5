"""What every page, pack and command reads first: the boundaries in force, ward populations and the
study grid, each built from the store's rows by the pure functions of geo/.

Why a module of its own: store/ only reads (SQL in, frames out) and geo/ only computes (frames in,
results out), so something has to hold "read these rows, then build that". Doing it here, once, keeps
the outputs from drifting apart. The analyses themselves run in :mod:`briefing.analyses`; this module
stays light (no statistics libraries), since the Map page imports it at start-up.
"""

from __future__ import annotations

import config
from geo.boundaries import Wards
from geo.grid import STORED_K, StudyGrid, geography_key, grid_from_arrays
from geo.grid import study_grid as compute_grid
from geo.rates import Population
from geo.rates import ward_populations as populations_for
from layers.wards import current_wards as current_wards  # every page's and pack's wards
from store import Store
from store.grid import area_key, read_grid


def ward_populations(store: Store) -> dict[str, Population]:
    """Residents per ward code of the store's wards (see :func:`geo.rates.ward_populations`): the single
    place rates get their populations from."""
    with store.reading():
        wards, imported = current_wards(store), store.populations()
    return populations_for(wards, config.default_populations(), imported)


def study_grid(
    store: Store, wards: Wards, res: int, *, district: str | None = None, ward: str | None = None
) -> StudyGrid:
    """The grid of ``wards`` at ``res`` for the whole study area, a district or a ward code: read from the
    store with its stored neighbours (kept by ``layers.grids`` when boundaries were loaded), or computed
    as :func:`geo.grid.study_grid` when it is not stored."""
    found = read_grid(store, geography_key(wards), res, area_key(district, ward), STORED_K)
    if found is None:
        return compute_grid(wards, res, district=district, ward=ward)
    return grid_from_arrays(wards, res, found.cells, found.wards, found.inside_share, found.neighbours)
