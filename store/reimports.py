"""Reads that tell a re-import from a new import, so importing the same file again writes nothing.

Why a file again must write nothing, not even its audit row: the history would otherwise fill with
imports that did nothing, each looking like a monthly load that happened, and an undo of one of them
would "remove 0 incidents" - noise in exactly the log an auditor reads.
"""

from __future__ import annotations

import pandas as pd

from store.db import Store


def earlier_import(store: Store, digest: str) -> str | None:
    """'import <id> on <date>' when a file with these exact contents was imported before and not undone."""
    if not store.exists():
        return None
    found = store.query(
        "SELECT import_id, imported_at FROM imports WHERE file_sha256 = ? AND status = 'complete' "
        "ORDER BY imported_at DESC LIMIT 1",
        [digest],
    )
    if found.empty:
        return None
    return f"import {found['import_id'][0]} on {pd.Timestamp(found['imported_at'][0]):%Y-%m-%d %H:%M}"


def stored_records(store: Store, keys: pd.DataFrame) -> int:
    """How many of the records ``keys`` names (columns ``layer``, ``source_id``) the store holds already."""
    if not store.exists() or keys.empty:
        return 0
    with store.connect(read_only=True) as con:
        con.register("wanted", keys[["layer", "source_id"]])
        try:
            # fetchall, not fetchone: DuckDB refuses further work on a connection with a partly read result
            return con.execute(
                "SELECT count(*) FROM wanted w JOIN incidents i USING (layer, source_id)"
            ).fetchall()[0][0]
        finally:
            con.unregister("wanted")
