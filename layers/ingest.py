"""The one road into the store: locate parsed incidents in wards, districts and H3 cells, then write.

Parsers (one module per source) produce a frame of :data:`PARSED_COLUMNS`. This module adds the
geography - ward by point-in-polygon against the *loaded* boundaries, district from the mapping file,
H3 cells at every offered resolution - sets aside points outside the study area, and hands the rest to
the store in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.boundaries import Wards
from geo.hexgrid import cell_columns
from layers.grids import ensure_grids
from layers.wards import current_wards as current_wards  # the importers' name for it
from store import ImportOutcome, Store
from store import boundaries as store_boundaries

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
    # importers set aside the rows outside first, so usually none is: then no copy of a million rows
    inside = parsed.loc[~outside] if outside.any() else parsed.copy(deep=False)
    idx = ward_idx[~outside]
    codes = np.asarray(wards.codes, dtype=object)
    districts = np.asarray(wards.districts, dtype=object)
    # as categories: a million rows name only a few dozen wards and districts (see report.labels)
    inside["ward_code"] = pd.Categorical(codes[idx])
    inside["district"] = pd.Categorical(districts[idx])
    for col, values in cell_columns(inside["lat"].to_numpy(), inside["lon"].to_numpy()).items():
        inside[col] = values
    return inside, outside


#: Ward code and district of a stored incident outside every ward of the boundaries in force.
OUTSIDE_CODE = "outside"
OUTSIDE_DISTRICT = "Outside study area"


def locator(wards: Wards) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A function giving (lat, lon) points the ward code and district of ``wards`` holding them, or
    :data:`OUTSIDE_CODE` / :data:`OUTSIDE_DISTRICT` when none does (for :func:`store.boundaries.reassign`)."""
    # index -1 (outside every ward) picks the appended last entry
    codes = np.append(np.asarray(wards.codes, dtype=object), OUTSIDE_CODE)
    districts = np.append(np.asarray(wards.districts, dtype=object), OUTSIDE_DISTRICT)

    def locate_points(points: pd.DataFrame) -> pd.DataFrame:
        ward_idx = wards.assign(points["lat"].to_numpy(), points["lon"].to_numpy())
        return points.assign(ward_code=codes[ward_idx], district=districts[ward_idx])

    return locate_points


def relocate_all(
    store: Store,
    wards: Wards,
    *,
    accept: Callable[[int, int], None] | None = None,
    also: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> tuple[int, int]:
    """Re-assign every stored incident to ``wards`` and their districts (mapping file); returns (incidents,
    incidents outside every ward).

    Incidents now outside every ward keep their place marked as ``outside`` rather than being deleted, so
    nothing is lost. ``accept`` sees (incidents, outside) before anything is kept and may refuse by
    raising; ``also`` makes further writes in the same transaction (storing the new boundaries
    themselves). So the boundaries and the assignments made from them change together or not at all.
    """
    with store.transaction(memory_limit=store_boundaries.REASSIGN_MEMORY) as con:
        total, outside = store_boundaries.reassign(con, locator(wards), OUTSIDE_CODE)
        if accept is not None:
            accept(total, outside)
        if also is not None:
            also(con)
    return total, outside


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
    attributes: pd.DataFrame | None = None,
) -> IngestResult:
    """Locate parsed incidents and write those inside the study area as one import.

    ``coverage`` (see :func:`coverage_frame`) is stored with the import: the layers and months it vouches
    for. Without it, the import vouches for each layer it stores in the months it stores that layer in
    (importers pass more: every month of the file, for every layer the source reports on). Real and
    synthetic data never share a store (:func:`refuse_mixing`).

    ``attributes`` (one row per parsed row; ``parsed`` then needs no ``attributes`` column) are the source
    columns kept with each record: they are encoded as JSON part by part while writing (see
    :func:`with_json`).
    """
    given = set(parsed.columns) | ({"attributes"} if attributes is not None else set())
    missing = set(PARSED_COLUMNS) - given
    if missing:
        raise ValueError(f"parsed frame is missing columns: {sorted(missing)}")
    refuse_mixing(store, synthetic=synthetic)
    upgrade_store(store, grids=False)  # an older store's cells and coverage first, so old and new rows agree
    inside, outside = locate(parsed.reset_index(drop=True), wards, ward_index)
    inside["source_file"] = pd.Categorical.from_codes(np.zeros(len(inside), dtype=np.int8), [file_name])
    if coverage is None:
        months = pd.to_datetime(inside["date"]).dt.to_period("M").dt.start_time.dt.date
        coverage = pd.DataFrame({"layer": inside["layer"], "month": months}).drop_duplicates()
    if attributes is not None:
        attributes = attributes.reset_index(drop=True)
        kept = with_json(inside, attributes.loc[~outside] if outside.any() else attributes)
    # Arrow keeps memory freed while parsing for its own reuse; the write allocates through DuckDB instead,
    # so hand it back first (half a gigabyte after a million-row file)
    pa.default_memory_pool().release_unused()
    outcome = store.write_import(
        inside if attributes is None else kept,
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


#: Rows whose attributes are encoded as JSON at a time: a million rows' JSON at once costs ~0.5 GB.
JSON_ROWS = 50_000


def with_json(incidents: pd.DataFrame, attributes: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """``incidents`` in parts of :data:`JSON_ROWS` rows, each with its ``attributes`` column made just
    then from the same rows of ``attributes`` (see :func:`json_objects`)."""
    for start in range(0, len(incidents), JSON_ROWS):
        part = incidents.iloc[start : start + JSON_ROWS]
        yield part.assign(attributes=json_objects(attributes.iloc[start : start + JSON_ROWS]))


def json_objects(frame: pd.DataFrame) -> pd.api.extensions.ExtensionArray | list[None]:
    """One JSON object per row, ``{"column": "text", ...}`` with empty cells as null; or None per row when
    there are no columns.

    Why not one ``json.dumps`` per row: a million rows would take seconds and a million Python strings.
    A column holds few distinct texts, so each distinct text is encoded once (``json.dumps``, so quotes,
    backslashes and control characters are escaped as JSON requires) and Arrow assembles the rows from
    those pieces without making a Python object per row.
    """
    if frame.shape[1] == 0:
        return [None] * len(frame)
    pieces = []
    for i, (name, values) in enumerate(frame.items()):
        kinds = values.astype("category")
        lead = ("{" if i == 0 else ",") + json.dumps(str(name)) + ":"
        encoded = [lead + ("null" if t == "" else json.dumps(str(t))) for t in kinds.cat.categories]
        lookup = pa.array([*encoded, lead + "null"], type=pa.large_string())  # code -1 (missing): the last
        codes = kinds.cat.codes.to_numpy().astype(np.int64)
        pieces.append(lookup.take(np.where(codes < 0, len(encoded), codes)))
    closing = pa.array(["}"] * len(frame), type=pa.large_string())
    joined = pc.binary_join_element_wise(*pieces, closing, pa.scalar("", pa.large_string()))
    return pd.arrays.ArrowStringArray(joined)


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


def upgrade_store(store: Store, *, grids: bool = True) -> None:
    """Bring a store written by an earlier version up to date, once: cells looked up directly from
    coordinates (:func:`ensure_exact_cells`), coverage recorded for old imports and, unless ``grids`` is
    False (an import, which needs none), the study grids of the boundaries in force
    (:func:`layers.grids.ensure_grids`)."""
    if store.exists():
        ensure_exact_cells(store)
        store.backfill_coverage()
        if grids:
            ensure_grids(store, current_wards(store))


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
