"""Ward populations: the denominators of every rate, imported from a CSV and read back for the app.

A population file names wards by code or by name (ONS and council tables do either); each row is
matched to the *loaded* wards by code first, then by loosely compared name, because a new boundary
vintage often keeps ward names while changing codes. :func:`ward_populations` is the single place rates
get their populations from: imported figures where there are any, else ``data/population.csv`` (by
code, else by name), so an import of some wards leaves the others as they were.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from geo.boundaries import Wards, normalise_name
from layers.ingest import current_wards
from layers.readers import Field, FileProblem, Schema, Upload, read_table
from layers.report import (
    BAD_NUMBER,
    DUPLICATE,
    MAX_WARD_POPULATION,
    POPULATION_OUT_OF_RANGE,
    RECORDED_ROWS_PER_REASON,
    UNKNOWN_WARD,
    ImportReport,
    Triage,
)
from layers.values import numbers
from store import Store
from store.reimports import earlier_import

SCHEMA = Schema(
    expected="a ward population table (CSV or Excel) with a ward code or ward name column and a population "
    "column",
    fields=(
        Field(
            "code",
            (
                "Ward code",
                "ward_code",
                "Code",
                "Area code",
                "Geography code",
                "Electoral ward code",
                "mnemonic",
            ),
            pattern=r"wd\d{2}cd|ward\d{4}code",
        ),
        Field(
            "name",
            ("Ward name", "ward_name", "Ward", "Name", "Area name", "Geography", "Area", "Electoral ward"),
            pattern=r"wd\d{2}nm|ward\d{4}name",
        ),
        Field(
            "population",
            (
                "Population",
                "All ages",
                "Total population",
                "Usual residents",
                "All usual residents",
                "Persons",
                "All persons",
                "Total",
                "Count",
                "Observation",
                "Value",
            ),
            pattern=r"population.*|mid\d{4}.*",
        ),
    ),
    required=((("code",), ("name",)), (("population",),)),
)


def import_population(store: Store, upload: Upload, *, imported_by: str | None = None) -> ImportReport:
    """Read a population file, match its rows to the loaded wards and store them as one import."""
    report = ImportReport("population", upload.name)
    try:
        table = read_table(upload, SCHEMA)
    except FileProblem as exc:
        report.error = str(exc)
        return report
    wards = current_wards(store)
    triage = Triage(report, table, wards)
    codes = table.col("code")
    names = table.col("name")
    ward_index = match_wards(wards, codes, names)
    people = numbers(table.col("population"), thousands=True)
    whole = np.isfinite(people) & (people == np.round(people))
    triage.set_aside(ward_index < 0, UNKNOWN_WARD)
    triage.set_aside(~whole, BAD_NUMBER)
    triage.set_aside(~((people >= 1) & (people <= MAX_WARD_POPULATION)), POPULATION_OUT_OF_RANGE)
    triage.set_aside_kept(pd.Series(ward_index[triage.kept]).duplicated().to_numpy(), DUPLICATE)
    triage.finish()
    chosen = ward_index[triage.kept]
    frame = pd.DataFrame(
        {
            "ward_code": np.asarray(wards.codes, dtype=object)[chosen],
            "ward_name": np.asarray(wards.names, dtype=object)[chosen],
            "population": people[triage.kept].astype(np.int64),
        }
    )
    missing = sorted(set(wards.codes) - set(frame["ward_code"]))
    if missing:
        report.notes.append(
            f"{len(missing)} ward(s) not in the file keep their earlier figure: "
            + ", ".join(wards.name_by_code[c] for c in missing)
        )
    report.details["people"] = int(frame["population"].sum())
    report.check()
    if frame.empty:
        report.error = (
            f"{upload.name}: none of its {report.rows_read:,} rows names a ward of the loaded boundaries "
            f"with a whole-number population from 1 to {MAX_WARD_POPULATION:,} ({_rows_by_reason(report)}); "
            f"expected {SCHEMA.expected} for these wards."
        )
        return report
    digest = hashlib.sha256(upload.data).hexdigest()
    earlier = earlier_import(store, digest)
    if earlier and in_force(store, frame, upload.name):
        # the same file again, its figures still the ones in use: a no-op writes nothing at all
        report.already_imported = earlier
        report.added, report.already_stored = 0, len(frame)
        return report
    report.import_id = store.write_populations(
        frame,
        file_name=upload.name,
        rows_read=report.rows_read,
        rows_set_aside=report.rows_set_aside,
        file_sha256=digest,
        imported_by=imported_by,
        report=report.to_dict(RECORDED_ROWS_PER_REASON),
    )
    report.added = len(frame)
    report.already_stored = 0
    return report


def _rows_by_reason(report: ImportReport) -> str:
    """The set-aside rows in a few words, e.g. "population out of range: row 3; unknown ward: rows 5, 9"."""
    parts = []
    for reason, rows in report.set_aside.items():
        listed = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        parts.append(f"{reason}: row{'s' if len(rows) > 1 else ''} {listed}")
    return "; ".join(parts)


def in_force(store: Store, frame: pd.DataFrame, file_name: str) -> bool:
    """True when every ward's figure in ``frame`` is already the one in use, imported from ``file_name``.

    Importing the same file again then changes nothing; after another file replaced some figures, it
    brings them back, which is a change and is imported.
    """
    current = store.populations().set_index("ward_code")
    return all(
        code in current.index
        and int(current.at[code, "population"]) == people
        and current.at[code, "source"] == file_name
        for code, people in zip(frame["ward_code"], frame["population"], strict=True)
    )


def match_wards(wards: Wards, codes: pd.Series, names: pd.Series) -> np.ndarray:
    """Index into ``wards`` of each row's ward, by code, else by loosely compared name; -1 if neither."""
    by_code = {c.upper(): i for i, c in enumerate(wards.codes)}
    by_name = {normalise_name(n): i for i, n in enumerate(wards.names)}
    return np.array(
        [
            by_code.get(code.upper(), by_name.get(normalise_name(name), -1))
            for code, name in zip(codes.tolist(), names.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
