"""Which rows are the same report: record ids for rows with no id of their own (DESIGN.md section 3,
"one row is one report").

A row with no id is keyed by what it says (month, point, street, type...) and numbered by its
occurrence among identical rows of the file, so a file that repeats a row keeps both reports and a
re-import of the same file adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers.readers import Table


def record_ids(
    table: Table, id_key: str, rows: np.ndarray, identity: Sequence[pd.Series | np.ndarray]
) -> RecordIds:
    """Record ids for the selected ``rows`` (a mask): the id column where filled, else an identity key.

    The identity key joins the given values (coordinates to 6 decimals, about 0.1 m) with ``|``; it is
    the same whenever the same record is read again, which is what makes re-imports add nothing.

    One row is one report (DESIGN section 3): publishers such as police.uk print separate reports with
    identical cells (same month, snapped map point, street and type), so rows that share an identity key
    are told apart by their occurrence number in the file, ``n``. The first keeps the bare key and the
    n-th (n >= 2) gets ``#n``: three identical rows are three reports, re-reading the file gives the same
    three ids, and ids stored before numbering existed (the bare key) still match their first row. Only a
    repeated value in the id column itself is a duplicate (see :func:`repeated_ids`).
    """
    chosen = np.flatnonzero(rows)
    # Arrow-backed text throughout: a million ids as Python strings would cost hundreds of megabytes
    ids = table.col(id_key, rows).astype("str").reset_index(drop=True)
    todo = np.flatnonzero((ids == "").to_numpy(dtype=bool))
    repeats = np.zeros(len(ids), dtype=bool)
    if len(todo):
        at = chosen[todo]
        parts = [_key_part(values, at) for values in identity]
        keys = pd.Series(pc.binary_join_element_wise(*parts, pa.scalar("|", pa.large_string())), dtype="str")
        n = keys.groupby(keys, sort=False).cumcount().to_numpy() + 1
        numbered = keys.where(n == 1, keys + "#" + pd.Series(n.astype(str), dtype="str"))
        ids.iloc[todo] = numbered.array
        repeats[todo] = n > 1
    return RecordIds(ids.array, repeats)


def _key_part(values: pd.Series | np.ndarray, at: np.ndarray) -> pa.Array:
    """One value of an identity key per row at positions ``at``, as text: coordinates to 6 decimals."""
    if isinstance(values, pd.Series):
        return pa.array(values.iloc[at].astype("str"), type=pa.large_string())
    chosen = np.asarray(values)[at]
    if chosen.dtype.kind == "f":  # an f-string per value: the same text as "%.6f", twice as fast as np.char
        return pa.array([f"{v:.6f}" for v in chosen.tolist()], type=pa.large_string())
    texts = [f"{v:.6f}" if isinstance(v, float) else str(v) for v in chosen.tolist()]
    return pa.array(texts, type=pa.large_string())


@dataclass(frozen=True)
class RecordIds:
    """Ids of the selected rows, and which of them repeat an earlier row's identity key (kept, numbered)."""

    ids: pd.api.extensions.ExtensionArray
    #: rows with no id whose identity key an earlier row of the file already had (the 2nd, 3rd... report)
    repeats: np.ndarray


def repeated_ids(values: pd.Series) -> np.ndarray:
    """True for each filled value that already appeared earlier in the column: a record given twice."""
    return (values != "").to_numpy() & values.duplicated().to_numpy()
