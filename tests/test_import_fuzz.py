"""Property tests: whatever bytes arrive, the readers either read a table or say clearly why not, and an
import's report always adds up (rows read = accepted + set aside)."""

from __future__ import annotations

import csv
import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers import fires, fly_tipping, police, stats19
from layers.ingest import current_wards
from layers.readers import FileProblem, Table, Upload, read_table
from layers.report import ImportReport
from store import Store

SCHEMAS = [police.SCHEMA, stats19.COLLISIONS, fly_tipping.SCHEMA, fires.SCHEMA]
WARDS = current_wards(Store("/nonexistent/store.duckdb"))  # the shipped wards
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Text that looks like CSV often enough to get past the first checks.
TOKENS = [
    *'abcXYZ019.,;\t"\n\r -/:é\ufeff\x00',
    *("Month", "Crime type", "Latitude", "Longitude", "Date", "Easting", "Northing", "sep=;"),
]
csv_like = st.lists(st.sampled_from(TOKENS), max_size=150).map("".join)


def _read_or_refuse(data: bytes, schema_index: int) -> Table | None:
    try:
        table = read_table(Upload("fuzz.csv", data), SCHEMAS[schema_index])
    except FileProblem as exc:
        message = str(exc)
        assert message.startswith("fuzz.csv ") and "expected" in message
        return None
    assert len(table.rows) == len(table.frame)
    assert (np.diff(table.rows) > 0).all()  # row numbers strictly increase
    return table


@FUZZ
@given(data=st.binary(max_size=600), schema_index=st.integers(0, len(SCHEMAS) - 1))
def test_arbitrary_bytes_are_read_or_refused_clearly(data: bytes, schema_index: int) -> None:
    _read_or_refuse(data, schema_index)


@FUZZ
@given(
    text=csv_like,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    schema_index=st.integers(0, len(SCHEMAS) - 1),
)
def test_csv_like_text_in_any_encoding_is_read_or_refused_clearly(
    text: str, encoding: str, schema_index: int
) -> None:
    _read_or_refuse(text.encode(encoding, errors="replace"), schema_index)


cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "NULL", "2024-06", "2024-13", "03/06/2024", "-1.7733", "53.6772", "415073", "1e309",
                     "Anti-social behaviour", "Burglary", "1", "2", "3", "Deliberate", "Primary fire"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)  # fmt: skip


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=14), min_size=1, max_size=25))
def test_police_files_with_any_cells_give_a_report_that_adds_up(rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                     "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"])  # fmt: skip
    writer.writerows(rows)
    report = ImportReport("police-csv", "fuzz.csv")
    try:
        parsed = police.parse_csv([Upload("fuzz.csv", out.getvalue().encode())], report, WARDS)
    except FileProblem as exc:
        assert str(exc).startswith("fuzz.csv ")
        return
    parsed.triage.finish()
    report.check()
    assert len(parsed.incidents) == report.accepted
    assert parsed.incidents["lat"].between(-90, 90).all() and parsed.incidents["date"].notna().all()
