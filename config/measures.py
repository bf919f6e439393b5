"""``data/targets.csv`` read into typed, checked Partnership Plan measures.

Why: the measures and their targets are the partnership's to change, and every figure the packs and the
scorecard rate Red, Amber or Green rests on them. A measure naming a layer or category that does not
exist would be "not measured" for ever, and a target that is not a number would fail deep inside a pack,
so each row is checked once, here: a wrong one is one sentence naming the file, the row, the measure and
the column.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from config.tables import SettingsError

_DOWN_RE = re.compile(r"^\s*down\s+([\d,.]+)\s+a\s+year\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """One Partnership Plan measure (a row of ``data/targets.csv``)."""

    measure: str
    layer: str
    categories: tuple[str, ...] | None  # None: every category of the layer
    annual: float | None  # "below": the borough-wide ceiling for a year
    reduction_per_year: float | None  # "down N a year": N
    counts_casualties: bool
    baseline: str
    notes: str
    #: a few words printed beside the measure's figure wherever it is shown (table row, PDF row), for a
    #: figure that counts something other than the target's wording (e.g. a broader police.uk category)
    caveat: str = ""

    @property
    def whole_layer(self) -> bool:
        """True when the measure is simply the layer's incident count (reported on the layer's own row)."""
        return self.categories is None and not self.counts_casualties

    @property
    def wording(self) -> str:
        """The target in words, e.g. "below 45,418 a year" or "10 fewer a year"."""
        if self.annual is not None:
            return f"below {self.annual:,.0f} a year"
        return f"{self.reduction_per_year:,.0f} fewer a year"


def _number(text: str) -> float | None:
    """A count written with or without thousands separators ("45,418"); None when it is not one."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def target_from_row(
    row: Mapping[str, str], path: Path, where: str, categories: Mapping[str, Collection[str]]
) -> Target:
    """A :class:`Target` from one row of the file at ``path``; ``where`` names it ("row 3"), ``categories``
    is each layer's categories (``data/layers.toml``). The file has no unit column, so a measure whose
    name speaks of casualties is counted in casualties."""
    measure = (row.get("measure") or "").strip()

    def fail(column: str, expected: str) -> NoReturn:
        found = row.get(column)
        raise SettingsError(path, f"{where} ({measure!r}): {column} must be {expected}, not {found!r}")

    if not measure:
        fail("measure", "the measure's name")
    layer = (row.get("layer") or "").strip()
    if layer not in categories:
        fail("layer", f"one of the layers of layers.toml ({', '.join(categories)})")
    cats = (row.get("categories") or "*").strip()
    chosen = None if cats == "*" else tuple(c.strip() for c in cats.split(";") if c.strip())
    if chosen is not None and (not chosen or not set(chosen) <= set(categories[layer])):
        fail("categories", f"* or categories of {layer} separated by ';' ({'; '.join(categories[layer])})")
    comparison = (row.get("comparison") or "").strip()
    annual = reduction = None
    if comparison.lower() == "below":
        annual = _number(row.get("target") or "")
        if annual is None:
            fail("target", "a number (the yearly ceiling of a 'below' measure)")
    elif match := _DOWN_RE.match(comparison):
        reduction = _number(match.group(1))
        if reduction is None:
            fail("comparison", "'below' or 'down N a year'")
    else:
        fail("comparison", "'below' or 'down N a year'")
    return Target(
        measure=measure,
        layer=layer,
        categories=chosen,
        annual=annual,
        reduction_per_year=reduction,
        counts_casualties="casualt" in measure.lower(),
        baseline=(row.get("baseline") or "").strip(),
        notes=(row.get("notes") or "").strip(),
        caveat=(row.get("caveat") or "").strip(),
    )


def read(
    rows: Sequence[Mapping[str, str]], path: Path, categories: Mapping[str, Collection[str]]
) -> tuple[Target, ...]:
    """Every measure of the file at ``path`` (its ``rows``), in file order."""
    return tuple(
        target_from_row(row, path, f"row {number}", categories)
        for number, row in enumerate(rows, start=2)  # row 1 is the header
    )
