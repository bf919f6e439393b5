"""The public form of the map page: which hexagons are drawn and which counts its tooltips and summary
may print, so that no small count can be read or worked out from them.

Why: the partner map shows every hexagon with its exact counts, and most hexagons of a quiet area hold 1
to 4 incidents. The public map draws only hexagons with at least ``threshold`` incidents in all (the rest
are merged into "the hexagons not drawn", never drawn one by one, and no incident is ever a point), and a
drawn hexagon's tooltip gives its total only: per-layer counts of single hexagons would give each area's
layer counts lower bounds that, across the areas a reader can choose in turn, pin hidden ones. The summary
beside the map prints, for the chosen area, each layer's count, the total of the layers and the previous
period's counts (in the change column). These are sums a reader can subtract:

* the total of the layers = each layer (in each period);
* a district = its wards and Kirklees = its districts (a reader can choose each area in turn);
* an area's total = its drawn hexagons + the hexagons not drawn.

The areas' sums are decided first, for the whole borough, so an area's figures read the same whichever
area is chosen; then the chosen area's hexagons, with the area's figures as decided. A drawn hexagon whose
total would have to be hidden is not drawn after all (its colour would give its total's range away), and
the check is redone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from geo.disclosure import Suppression, Table, protect

ALL = "All"
KIRKLEES: tuple = ("borough",)


def area_key(district: str | None, ward: str | None) -> tuple:
    """The summary's key for an area chosen with the map's district and ward filters."""
    if ward:
        return ("ward", ward)
    if district:
        return ("district", district)
    return KIRKLEES


@dataclass(frozen=True)
class PublicMap:
    """What :func:`decide` found: the hexagons to draw, and the counts the page may print.

    ``decided`` holds the summary counts under ``(area, layer or ALL, "now" | "before")`` and a drawn
    hexagon's total under ``("hex", cell, ALL)``.
    """

    drawn: frozenset[int]
    decided: Suppression

    def mark(self, key: tuple) -> int | None:
        return self.decided.mark(key) if key in self.decided.values else None


def _add_areas(
    table: Table,
    frame: pd.DataFrame,
    districts_of: Mapping[str, str],
    layers: Sequence[str],
    period: str,
    total: bool,
) -> None:
    """Every area's count of each layer (from counts by district, ward_code and layer), its sums, and -
    when ``total`` (the summary prints it) - the total of the layers. ``districts_of``: ward code ->
    district, for every ward (a ward with nothing recorded counts 0)."""
    frame = frame[frame["layer"].isin(layers)]
    by_ward = frame.groupby(["district", "ward_code", "layer"])["n"].sum()
    wards = sorted({(d, w) for w, d in districts_of.items()})
    districts = sorted({d for d, _ in wards})
    for layer in layers:
        borough = int(frame.loc[frame["layer"] == layer, "n"].sum())
        table.add((KIRKLEES, layer, period), borough)
        parts = []
        for district in districts:
            ward_keys = []
            for d, ward in wards:
                if d == district:
                    ward_keys.append(
                        table.add((("ward", ward), layer, period), int(by_ward.get((d, ward, layer), 0)))
                    )
            total = sum(table.values[k] for k in ward_keys)
            parts.append(table.add((("district", district), layer, period), total))
            table.add_sum(parts[-1], ward_keys)
        rest = borough - sum(table.values[p] for p in parts)  # incidents with no district, if any
        table.add_sum(
            (KIRKLEES, layer, period), [*parts, table.add(("no district", layer, period), rest, unseen=True)]
        )
    areas = [KIRKLEES, *(("district", d) for d in districts), *(("ward", w) for _, w in wards)]
    for area in areas if total else ():
        keys = [(area, layer, period) for layer in layers]
        table.add_sum(table.add((area, ALL, period), sum(table.values[k] for k in keys)), keys)


def decide(
    now: pd.DataFrame,
    before: pd.DataFrame | None,
    districts_of: Mapping[str, str],
    layers_now: Sequence[str],
    layers_before: Sequence[str],
    total_before: bool,
    hexes: pd.DataFrame,
    cell_column: str,
    area: tuple,
    threshold: int,
) -> PublicMap:
    """The public map for one choice of filters.

    ``now`` and ``before`` are counts by ``district``, ``ward_code`` and ``layer`` for the whole borough
    over the chosen months and the months before (None: not shown); ``districts_of`` maps every ward
    code to its district; ``layers_now``/``layers_before`` the
    layers the summary prints a count for in each (``total_before``: and the total of them before); ``hexes``
    the counts by ``cell_column`` and ``layer`` in
    the chosen ``area`` (see :func:`area_key`).
    """
    per_cell = hexes.groupby([cell_column, "layer"])["n"].sum().unstack("layer", fill_value=0)
    per_cell = per_cell.reindex(columns=list(layers_now), fill_value=0)
    per_cell.index = [int(c) for c in per_cell.index]
    totals = per_cell.sum(axis=1)
    drawn = {int(c) for c, n in totals.items() if n >= threshold}

    def areas() -> Table:
        table = Table()
        _add_areas(table, now, districts_of, layers_now, "now", True)
        if before is not None:
            _add_areas(table, before, districts_of, layers_before, "before", total_before)
        return table

    summary = protect(areas(), threshold)  # the same for every view: an area reads alike wherever chosen
    while True:
        table = areas()  # as decided, so that what the summaries print is part of the hexagons' check
        table.decided.update(summary.states)
        parts = [table.add(("hex", cell, ALL), int(totals[cell]), keep=True) for cell in sorted(drawn)]
        rest = table.values[(area, ALL, "now")] - sum(table.values[p] for p in parts)
        table.add_sum((area, ALL, "now"), [*parts, table.add(("hex rest", ALL), rest, unseen=True)])
        decided = protect(table, threshold)
        undrawn = {c for c in drawn if decided.hidden(("hex", c, ALL))}
        if not undrawn:
            return PublicMap(frozenset(drawn), decided)
        drawn -= undrawn
