"""``data/districts.csv`` and ``data/population.csv`` read into typed, checked ward rows.

Why: which district a ward belongs to and how many people live in it are the partnership's to change
(a ward review, a newer estimate). A blank district would file a ward under "Unmapped", and a population
written "20.5k" would fail inside a rate, so every row is checked once, here: a wrong one is one
sentence naming the file, the row and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from config.tables import SettingsError

#: The most residents one ward can plausibly have (the largest English wards hold about 35,000): a larger
#: figure is a typing or export error, and would not fit the store's whole-number column either. The
#: population importer refuses the same figures.
MAX_WARD_POPULATION = 10_000_000


@dataclass(frozen=True)
class WardDistrict:
    """A row of ``data/districts.csv``: the partnership district a ward belongs to."""

    ward_code: str
    ward_name: str
    district: str


@dataclass(frozen=True)
class WardPopulation:
    """A row of ``data/population.csv``: a ward's residents and how rates name the estimate."""

    ward_code: str
    ward_name: str
    population: int
    year: str
    #: how every rate names these figures, e.g. "ONS mid-2020"
    basis: str
    #: publisher and licence
    source: str


def _texts(row: Mapping[str, str | None], columns: Sequence[str]) -> list[str] | None:
    """The row's values of ``columns``, stripped; None when any is missing or blank."""
    values = [(row.get(c) or "").strip() for c in columns]
    return values if all(values) else None


def _refuse(path: Path, number: int, expected: str, row: Mapping[str, str | None]) -> SettingsError:
    return SettingsError(path, f"row {number} must have {expected}, not {dict(row)!r}")


def read_districts(rows: Sequence[Mapping[str, str | None]], path: Path) -> tuple[WardDistrict, ...]:
    """Every row of the districts file at ``path`` (its ``rows``), each with a code, name and district."""
    out = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        values = _texts(row, ("ward_code", "ward_name", "district"))
        if values is None:
            raise _refuse(path, number, "a ward_code, a ward_name and a district", row)
        out.append(WardDistrict(*values))
    if not out:
        raise SettingsError(path, "must have a row for each ward (ward_code, ward_name, district), not none")
    return tuple(out)


def read_populations(rows: Sequence[Mapping[str, str | None]], path: Path) -> tuple[WardPopulation, ...]:
    """Every row of the population file at ``path`` (its ``rows``), each with a whole-number population."""
    out = []
    expected = (
        f"a ward_code, a ward_name, a population (a whole number from 1 to {MAX_WARD_POPULATION:,}), a year, "
        "a basis and a source"
    )
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        values = _texts(row, ("ward_code", "ward_name", "population", "year", "basis", "source"))
        whole = values is not None and re.fullmatch(r"\d+", values[2]) is not None
        if not whole or not 1 <= int(values[2]) <= MAX_WARD_POPULATION:
            raise _refuse(path, number, expected, row)
        code, name, people, year, basis, source = values
        out.append(WardPopulation(code, name, int(people), year, basis, source))
    return tuple(out)
