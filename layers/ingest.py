"""The one road into the store: locate parsed incidents in wards, districts and H3 cells, then write.

Parsers (one module per source) produce a frame of :data:`PARSED_COLUMNS`. This module adds the
geography - ward by point-in-polygon against the *loaded* boundaries, district from the mapping file,
H3 cells at every offered resolution - sets aside points outside the study area, and hands the rest to
the store in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
) -> IngestResult:
    """Locate parsed incidents and write those inside the study area as one import."""
    missing = set(PARSED_COLUMNS) - set(parsed.columns)
    if missing:
        raise ValueError(f"parsed frame is missing columns: {sorted(missing)}")
    inside, outside = locate(parsed.reset_index(drop=True), wards, ward_index)
    inside["source_file"] = file_name
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
    )
    return IngestResult(outcome, np.flatnonzero(outside))


def current_wards(store: Store) -> Wards:
    """The boundaries incidents are assigned to: those loaded into the store, else the shipped demo wards."""
    text = store.get_meta("boundaries_geojson")
    if text:
        return wards_from_geojson(json.loads(text), source=store.get_meta("boundaries_source") or "store")
    return load_wards()
