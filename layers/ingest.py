"""The one road into the store: locate parsed incidents in wards, districts and H3 cells, then write.

Parsers (one module per source) produce a frame of :data:`PARSED_COLUMNS`. This module adds the
geography - ward by point-in-polygon against the *loaded* boundaries, district from the mapping file,
H3 cells at every offered resolution - sets aside points outside the study area, and hands the rest to
the store in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from geo.boundaries import Wards, load_wards, wards_from_geojson
from geo.hexgrid import cell_columns
from store import ImportOutcome, Store

#: Columns every parser must produce (street, severity, casualties and attributes may be null).
PARSED_COLUMNS = (
    "layer",
    "category",
    "source_id",
    "date",
    "date_precision",
    "lat",
    "lon",
    "street",
    "severity",
    "casualties",
    "attributes",
)


def locate(
    parsed: pd.DataFrame, wards: Wards, ward_index: np.ndarray | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Add ward_code, district and h3 columns; return (rows inside the study area, mask of rows outside).

    ``ward_index`` is ``wards.assign`` already computed for these rows (importers need it earlier, to
    report the rows outside the area before writing); it is computed here when not given.
    """
    if ward_index is None:
        ward_index = wards.assign(parsed["lat"].to_numpy(), parsed["lon"].to_numpy())
    ward_idx = np.asarray(ward_index)
    outside = ward_idx < 0
    inside = parsed.loc[~outside].copy()
    idx = ward_idx[~outside]
    codes = np.asarray(wards.codes, dtype=object)
    districts = np.asarray(wards.districts, dtype=object)
    inside["ward_code"] = codes[idx]
    inside["district"] = districts[idx]
    for col, values in cell_columns(inside["lat"].to_numpy(), inside["lon"].to_numpy()).items():
        inside[col] = values
    return inside, outside


def relocate_all(
    store: Store, wards: Wards, *, also: Callable[[duckdb.DuckDBPyConnection], None] | None = None
) -> int:
    """Re-assign every stored incident to the current wards, districts (mapping file) and cells.

    Used when boundaries or the district mapping change. Incidents now outside every ward keep their
    previous assignment marked as ``outside`` rather than being deleted, so nothing is lost. ``also``
    makes further writes in the same transaction (e.g. storing the new boundaries themselves), so the
    boundaries and the assignments made from them always change together or not at all.
    """
    with store.transaction() as con:
        frame = con.execute("SELECT layer, source_id, lat, lon FROM incidents").df()
        if not frame.empty:
            ward_idx = wards.assign(frame["lat"].to_numpy(), frame["lon"].to_numpy())
            # index -1 (outside every ward) picks the appended last entry
            codes = np.append(np.asarray(wards.codes, dtype=object), "outside")
            districts = np.append(np.asarray(wards.districts, dtype=object), "Outside study area")
            frame["ward_code"] = codes[ward_idx]
            frame["district"] = districts[ward_idx]
            con.register("relocated", frame)
            con.execute(
                "UPDATE incidents SET ward_code = r.ward_code, district = r.district FROM relocated r "
                "WHERE incidents.layer = r.layer AND incidents.source_id = r.source_id"
            )
            con.unregister("relocated")
        if also is not None:
            also(con)
    return len(frame)


@dataclass(frozen=True)
class IngestResult:
    outcome: ImportOutcome
    outside_rows: np.ndarray  # positions (0-based, in the parsed frame) of rows outside the study area


def ingest(
    store: Store,
    parsed: pd.DataFrame,
    wards: Wards,
    *,
    source: str,
    file_name: str,
    rows_read: int,
    rows_set_aside_before: int = 0,
    file_sha256: str | None = None,
    imported_by: str | None = None,
    synthetic: bool = False,
    report: dict | None = None,
    ward_index: np.ndarray | None = None,
    coverage: pd.DataFrame | None = None,
) -> IngestResult:
    """Locate parsed incidents and write those inside the study area as one import.

    ``coverage`` (see :func:`coverage_frame`) is stored with the import: the layers and months it vouches
    for. Without it, the import vouches for each layer it stores in the months it stores that layer in
    (importers pass more: every month of the file, for every layer the source reports on). Real and
    synthetic data never share a store (:func:`refuse_mixing`).
    """
    missing = set(PARSED_COLUMNS) - set(parsed.columns)
    if missing:
        raise ValueError(f"parsed frame is missing columns: {sorted(missing)}")
    refuse_mixing(store, synthetic=synthetic)
    upgrade_store(store)  # an older store's cells and coverage first, so old and new rows agree
    inside, outside = locate(parsed.reset_index(drop=True), wards, ward_index)
    inside["source_file"] = file_name
    if coverage is None:
        months = pd.to_datetime(inside["date"]).dt.to_period("M").dt.start_time.dt.date
        coverage = pd.DataFrame({"layer": inside["layer"], "month": months}).drop_duplicates()
    outcome = store.write_import(
        inside,
        source=source,
        file_name=file_name,
        rows_read=rows_read,
        rows_set_aside=rows_set_aside_before + int(outside.sum()),
        file_sha256=file_sha256,
        imported_by=imported_by,
        synthetic=synthetic,
        report=report,
        coverage=coverage,
        meta={CELL_INDEXING_KEY: CELL_INDEXING},
    )
    return IngestResult(outcome, np.flatnonzero(outside))


def coverage_frame(layers: Sequence[str], months: Sequence[str]) -> pd.DataFrame:
    """Rows (layer, month) for every layer and ``YYYY-MM`` month an import vouches for."""
    firsts = [pd.Period(m, freq="M").start_time.date() for m in months]
    return pd.DataFrame(
        [(layer, month) for layer in layers for month in firsts], columns=["layer", "month"]
    )


class MixedData(ValueError):
    """Real and synthetic incidents would end up in one store, where every figure would sum them."""


def refuse_mixing(store: Store, *, synthetic: bool) -> None:
    """Raise :class:`MixedData`, in one sentence with the way on, when an import would mix real and
    synthetic data. A pack that sums invented and real collisions and calls them all synthetic is worse
    than no pack, so a store is one or the other, for good."""
    if not store.exists():
        return
    holds_synthetic = store.is_synthetic()
    if not synthetic and holds_synthetic:
        raise MixedData(
            f"{store.path.name} holds the synthetic demo, and real data is never mixed with it: import into "
            "a real store instead (add --new-store PATH on the command line, or use 'Start a real store' "
            "on the Load data page)"
        )
    if synthetic and not holds_synthetic and store.imports()["status"].eq("complete").any():
        raise MixedData(f"{store.path.name} holds real data, and synthetic demo data is never added to it")


def upgrade_store(store: Store) -> None:
    """Bring a store written by an earlier version up to date, once: cells looked up directly from
    coordinates (:func:`ensure_exact_cells`) and coverage recorded for old imports."""
    if store.exists():
        ensure_exact_cells(store)
        store.backfill_coverage()


#: Meta key saying how the store's H3 columns were computed. Stores written before cells were looked up
#: directly from coordinates (they held parents of the finest cell) lack it and are re-indexed once.
CELL_INDEXING_KEY = "cell_indexing"
CELL_INDEXING = "direct from coordinates"


def ensure_exact_cells(store: Store) -> int:
    """Re-index a store's incidents directly from their coordinates once, if it was indexed otherwise.

    Returns the number of distinct points re-indexed (0 when nothing had to change). Nothing is lost:
    only the cell columns change, in one transaction, and running it again does nothing.
    """
    if not store.exists() or store.get_meta(CELL_INDEXING_KEY) == CELL_INDEXING:
        return 0

    def cells_of(points: pd.DataFrame) -> pd.DataFrame:
        return points.assign(**cell_columns(points["lat"].to_numpy(), points["lon"].to_numpy()))

    return store.rewrite_cells(cells_of, key=CELL_INDEXING_KEY, value=CELL_INDEXING)


def current_wards(store: Store) -> Wards:
    """The boundaries incidents are assigned to: those loaded into the store, else the shipped demo wards."""
    text = store.get_meta("boundaries_geojson")
    if text:
        return wards_from_geojson(json.loads(text), source=store.get_meta("boundaries_source") or "store")
    return load_wards()
