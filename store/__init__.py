"""The incident store: one embedded DuckDB file, the single source of truth for every page, pack and CLI."""

from store.db import IMPORT_COLUMNS, INCIDENT_COLUMNS, ImportOutcome, Store

__all__ = ["IMPORT_COLUMNS", "INCIDENT_COLUMNS", "ImportOutcome", "Store"]
