"""What an import did with every row: accepted, or set aside with a reason and the row number.

One report type serves every source, the command line (``--json``), the app's Data page and the audit
log in the store. Its invariant is checked before anything is written: **rows read = rows accepted + rows
set aside**, so a row can never silently disappear between the file and the map. Of the accepted rows,
``added`` are new to the store and ``already_stored`` were there from an earlier import (re-importing a
file adds nothing). Duplicates are both kinds together: repeated rows within the file (set aside) and
rows already stored.

The same module holds the bookkeeping every source shares - :class:`Triage`, which sorts rows into
accepted and set aside, and the checks all incident sources make (:func:`check_when_and_where`: a
readable date, a usable location, inside a ward) - so the five importers differ only in what is truly
theirs: columns, categories and identities.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from config.wards import MAX_WARD_POPULATION
from geo.boundaries import Wards
from layers.identity import record_ids
from layers.readers import Table
from layers.values import Points, parse_dates, read_points

# Reasons a row is set aside. Short, fixed wording: they are keys in the JSON report and labels on screen.
MALFORMED = "malformed row"
CUT_OFF = "cut-off last row"
BAD_DATE = "bad date"
UNKNOWN_CATEGORY = "unknown category"
NO_COORDINATES = "no coordinates"
BAD_COORDINATES = "bad coordinates"
DUPLICATE = "duplicate within the file"
OUTSIDE_AREA = "outside area"
NOT_KSI = "not KSI"
NOT_DELIBERATE = "not deliberate"
MOTIVE_NOT_KNOWN = "motive not known"
NOT_A_FIRE = "not a primary or secondary fire"
UNKNOWN_WARD = "unknown ward"
BAD_NUMBER = "bad number"
POPULATION_OUT_OF_RANGE = "population out of range"

#: What each reason means, for the Data page and the CLI.
REASON_HELP: dict[str, str] = {
    MALFORMED: "the row has more cells than the file has column headings",
    CUT_OFF: "the file ends inside this row, without the line break every complete row ends with, so the "
    "file was probably cut off (a download or copy that stopped early) and the row's last values cannot be "
    "trusted: check the file is complete, or end the row with a line break if it is",
    BAD_DATE: "the date is missing, unreadable, before 1990 or in the future",
    UNKNOWN_CATEGORY: "the crime type, severity or other category is not one this app knows",
    NO_COORDINATES: "the row has no location (police.uk cannot map some incidents)",
    BAD_COORDINATES: "the location is not a usable latitude/longitude or OS grid reference",
    DUPLICATE: "the same record id (Crime ID, API id, incident number) appears earlier in the same file, "
    "so it is counted once; rows without an id are each a separate report and are all kept",
    OUTSIDE_AREA: "the location is outside every ward of the study area (e.g. elsewhere in the force area)",
    NOT_KSI: "a slight-injury collision: only fatal and serious (KSI) collisions are mapped",
    NOT_DELIBERATE: "an accidental fire: only deliberate fires are mapped",
    MOTIVE_NOT_KNOWN: "the fire's motive is not recorded as deliberate",
    NOT_A_FIRE: "the incident is not a primary or secondary fire (e.g. chimney fire, false alarm)",
    UNKNOWN_WARD: "the ward code or name matches no ward of the loaded boundaries",
    BAD_NUMBER: "the value is not a whole number (thousands may be separated only as in 12,345: '1,2,3' is "
    "not a number)",
    POPULATION_OUT_OF_RANGE: f"a ward's population must be from 1 to {MAX_WARD_POPULATION:,}: 0, less, or "
    "more is a typing or export error",
}

#: Row numbers kept per reason in the report recorded in the store (the full list is in the CSV download).
RECORDED_ROWS_PER_REASON = 1000


@dataclass
class ImportReport:
    """The outcome of importing one file (or one STATS19 collision + casualty pair)."""

    source: str
    file_name: str
    rows_read: int = 0
    accepted: int = 0
    added: int | None = None
    already_stored: int | None = None
    import_id: str | None = None
    #: the one-sentence reason nothing could be imported, when that happened
    error: str | None = None
    #: "import <id> on <date>" when the same file was imported before and this import would add nothing:
    #: then nothing at all is written, not even an audit row
    already_imported: str | None = None
    accepted_by_layer: dict[str, int] = field(default_factory=dict)
    unmapped_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: source-specific figures (e.g. KSI casualties by severity)
    details: dict[str, Any] = field(default_factory=dict)
    _set_aside: dict[str, list[np.ndarray]] = field(default_factory=dict, repr=False)
    #: (reason, row numbers, cells of the whole table, positions of the set-aside rows in it)
    _set_aside_values: list[tuple[str, np.ndarray, pd.DataFrame, np.ndarray]] = field(
        default_factory=list, repr=False
    )

    # ---- building --------------------------------------------------------------------------------------

    def add_set_aside(
        self, reason: str, rows: np.ndarray, values: pd.DataFrame, positions: np.ndarray | None = None
    ) -> None:
        """Record rows set aside for ``reason``, with their cells as read for the CSV download: the rows
        of ``values`` at ``positions`` (all of ``values`` when None). Cells are copied only when asked for.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        self._set_aside.setdefault(reason, []).append(rows)
        positions = np.arange(len(values)) if positions is None else positions
        self._set_aside_values.append((reason, rows, values, positions))

    def release_tables(self) -> None:
        """Keep the cells of set-aside rows without keeping whole tables for them, where that is smaller.

        Rows are set aside by reference to the table they came from, so a force file mostly set aside
        (outside the area) costs no copy. But a file mostly accepted would keep all its cells - a
        million-row file's several hundred megabytes - through the store write just for its few set-aside
        rows: those are copied out instead, and the table can go.
        """
        by_table: dict[int, int] = {}
        for _, _, values, positions in self._set_aside_values:
            by_table[id(values)] = by_table.get(id(values), 0) + len(positions)
        self._set_aside_values = [
            (reason, rows, values.iloc[positions].reset_index(drop=True), np.arange(len(positions)))
            if by_table[id(values)] < len(values) / 2
            else (reason, rows, values, positions)
            for reason, rows, values, positions in self._set_aside_values
        ]

    def check(self) -> None:
        """Refuse to record a report that does not add up: that would be a bug losing rows."""
        if self.rows_read != self.accepted + self.rows_set_aside:
            raise RuntimeError(
                f"import report for {self.file_name} does not add up: {self.rows_read} read, "
                f"{self.accepted} accepted, {self.rows_set_aside} set aside"
            )

    # ---- reading ---------------------------------------------------------------------------------------

    @property
    def set_aside(self) -> dict[str, np.ndarray]:
        """Reason -> sorted row numbers."""
        return {reason: np.sort(np.concatenate(parts)) for reason, parts in self._set_aside.items()}

    @property
    def rows_set_aside(self) -> int:
        return int(sum(len(p) for parts in self._set_aside.values() for p in parts))

    @property
    def duplicates(self) -> int:
        """Repeated rows within the file plus accepted rows the store already held."""
        return int(sum(len(p) for p in self._set_aside.get(DUPLICATE, []))) + (self.already_stored or 0)

    @property
    def ok(self) -> bool:
        """True when the file was imported (even if every row was already stored)."""
        return self.error is None and self.accepted > 0

    def to_dict(
        self, max_rows_per_reason: int | None = None, *, max_ranges: int | None = None
    ) -> dict[str, Any]:
        """JSON-ready form; ``max_rows_per_reason`` caps the row-number lists (counts stay exact).

        With ``max_ranges`` the rows of each reason are given as runs instead - ``["12-4011", "4015"]``,
        at most that many - so the command line's ``--json`` for a force file with 290,000 rows outside
        the area stays a few kilobytes; the set-aside CSV lists every row.
        """
        set_aside = {}
        for reason, rows in sorted(self.set_aside.items(), key=lambda kv: -len(kv[1])):
            if max_ranges is not None:
                runs = row_ranges(rows)[:max_ranges]
                listed = int(sum(last - first + 1 for first, last in runs))
                texts = [str(first) if first == last else f"{first}-{last}" for first, last in runs]
                set_aside[reason] = {"count": int(len(rows)), "rows": texts}
            else:
                shown = rows if max_rows_per_reason is None else rows[:max_rows_per_reason]
                listed = len(shown)
                set_aside[reason] = {"count": int(len(rows)), "rows": [int(r) for r in shown]}
            if listed < len(rows):
                set_aside[reason]["rows_not_listed"] = int(len(rows) - listed)
        return {
            "source": self.source,
            "file": self.file_name,
            "ok": self.ok,
            "error": self.error,
            "already_imported": self.already_imported,
            "import_id": self.import_id,
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "added": self.added,
            "already_stored": self.already_stored,
            "duplicates": self.duplicates,
            "rows_set_aside": self.rows_set_aside,
            "set_aside": set_aside,
            "accepted_by_layer": dict(self.accepted_by_layer),
            "unmapped_columns": list(self.unmapped_columns),
            "notes": list(self.notes),
            "details": self.details,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str)

    def set_aside_frame(self) -> pd.DataFrame:
        """Every set-aside row: its row number, the reason and its cells as read, in file order."""
        if not self._set_aside_values:
            return pd.DataFrame(columns=["row", "reason"])
        parts = []
        for reason, rows, values, positions in self._set_aside_values:
            part = values.iloc[positions].reset_index(drop=True).astype(str)
            part.insert(0, "reason", reason)
            part.insert(0, "row", rows)
            parts.append(part)
        frame = pd.concat(parts, ignore_index=True)
        return frame.sort_values("row", kind="stable").reset_index(drop=True)

    def summary(self) -> str:
        """One line for people: what was read, kept and set aside."""
        if self.error:
            return self.error
        if self.already_imported:
            kept = f"all {self.accepted:,} accepted rows already stored" if self.accepted else "none accepted"
            return (
                f"{self.file_name}: already imported ({self.already_imported}): nothing new, so nothing was "
                f"written ({self.rows_read:,} rows read, {kept})."
            )
        text = f"{self.file_name}: {self.rows_read:,} rows read, {self.accepted:,} accepted"
        if self.added is not None:
            text += f" ({self.added:,} added, {self.already_stored or 0:,} already stored)"
        if self.rows_set_aside:
            parts = ", ".join(f"{len(rows):,} {reason}" for reason, rows in self.set_aside.items())
            text += f"; {self.rows_set_aside:,} set aside ({parts})"
        return text + "."


def row_ranges(rows: np.ndarray) -> list[tuple[int, int]]:
    """Row numbers as runs of consecutive rows, (first, last) each: 12, 13, 14, 20 -> (12, 14), (20, 20)."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    if not len(rows):
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1)
    firsts = rows[np.concatenate([[0], breaks + 1])]
    lasts = rows[np.concatenate([breaks, [len(rows) - 1]])]
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


class Triage:
    """Sorts each row of one table into accepted or set aside; a row gets one reason, the first found.

    Importers state their checks as boolean masks, in order; this class keeps the bookkeeping (which
    rows are still in, their row numbers, their raw cells for the report) in one place.
    """

    def __init__(self, report: ImportReport, table: Table, wards: Wards) -> None:
        self.report = report
        self.wards = wards
        self.values = table.frame
        self.rows = table.rows
        self.kept = np.ones(len(table.frame), dtype=bool)
        #: index into ``wards`` of each row's ward (-1 outside), once :func:`check_when_and_where` ran
        self.ward_index = np.full(len(table.frame), -1, dtype=np.int64)
        #: each row's date (NaT where unreadable), once :func:`check_when_and_where` ran
        self.dates = np.full(len(table.frame), np.datetime64("NaT"), dtype="datetime64[D]")
        report.rows_read += len(table.frame) + len(table.malformed) + (table.cut_off is not None)
        cut_off = (table.cut_off,) if table.cut_off else ()
        for reason, raw in ((MALFORMED, table.malformed), (CUT_OFF, cut_off)):
            if raw:
                numbers, texts = zip(*raw, strict=True)
                report.add_set_aside(reason, np.asarray(numbers), pd.DataFrame({"raw row": texts}))
        report.unmapped_columns.extend(c for c in table.match.unmapped if c not in report.unmapped_columns)
        report.notes.extend(table.notes)

    def set_aside(self, mask: np.ndarray, reason: str) -> None:
        """Set aside the rows of ``mask`` (one flag per row of the table) that are still in."""
        hit = np.asarray(mask, dtype=bool) & self.kept
        if hit.any():
            self.report.add_set_aside(reason, self.rows[hit], self.values, np.flatnonzero(hit))
            self.kept &= ~hit

    def set_aside_kept(self, mask: np.ndarray, reason: str) -> None:
        """Set aside rows by a mask over the rows still in (e.g. computed on the accepted frame)."""
        full = np.zeros_like(self.kept)
        full[np.flatnonzero(self.kept)[np.asarray(mask, dtype=bool)]] = True
        self.set_aside(full, reason)

    def rows_kept(self) -> np.ndarray:
        """Row numbers of the rows still in, in table order (the rows of the parsed incidents)."""
        return self.rows[self.kept]

    def finish(self) -> None:
        """Count the accepted rows; no row is set aside after this, so the table's cells are let go."""
        self.report.accepted = int(self.kept.sum())
        self.report.release_tables()
        self.values = self.values.iloc[:0]

    def months(self) -> list[str]:
        """The months (``YYYY-MM``) the file covers: every month holding at least one readable date, among
        all its rows, wherever they are and whether or not they were accepted (a force file's rows
        outside the study area, or slight collisions, still show which months the file reports on).

        Empty when no row landed inside the study area: a file about somewhere else vouches for nothing
        here, and its months must not turn into "no incidents" for this area.
        """
        if not (self.ward_index >= 0).any():
            return []
        dated = self.dates[~np.isnat(self.dates)]
        return [str(m) for m in np.unique(dated.astype("datetime64[M]"))]


@dataclass
class Parsed:
    """What a source's parser hands to the import pipeline (:mod:`layers.importer`)."""

    triage: Triage
    #: one row per row still in: the store's parsed columns except ``attributes``
    incidents: pd.DataFrame
    #: the same rows' extra source columns, stored as JSON attributes (encoded only for accepted rows)
    attributes: pd.DataFrame
    #: figures over the finally accepted rows (incidents, attributes) for the report's details
    describe: Callable[[pd.DataFrame, pd.DataFrame], dict[str, Any]] | None = None
    #: rows whose identity repeats an earlier row of the file (kept: one row is one report)
    repeats: RepeatedReports | None = None


@dataclass(frozen=True)
class RepeatedReports:
    """Rows without an id whose identity an earlier row of the file shares: separate reports, all kept.

    The import report says how many there were, so an analyst who expected "duplicates" to be dropped
    sees that they were counted, and why.
    """

    #: one flag per parsed incident row
    mask: np.ndarray
    #: what identifies such a row, e.g. "month, map point, street and type (no Crime ID)"
    identity: str

    def note(self, kept: np.ndarray) -> str | None:
        """The report's sentence for the repeats among the ``kept`` rows; None when there are none."""
        n = int(np.asarray(self.mask)[kept].sum())
        if not n:
            return None
        rows, verb = ("row repeats", "it is") if n == 1 else ("rows repeat", "they are")
        return (
            f"{n:,} {rows} an earlier row's {self.identity}: each row is a separate report, "
            f"so {verb} kept and counted"
        )


def check_when_and_where(
    triage: Triage, table: Table, date_key: str = "date"
) -> tuple[np.ndarray, np.ndarray, Points]:
    """The checks every incident source shares: a readable date, a usable location inside the wards.

    Returns (dates, month-only flags, points) for every row of the table, and sets the triage's ward
    index. Runs before a parser builds its records because a force file is mostly outside the study
    area: dropping those rows first makes everything after it several times cheaper.
    """
    dates, month_only = parse_dates(table.col(date_key))
    points = read_points(table)
    triage.dates = np.asarray(dates, dtype="datetime64[D]")
    triage.set_aside(np.isnat(dates), BAD_DATE)
    triage.set_aside(points.missing, NO_COORDINATES)
    triage.set_aside(points.bad, BAD_COORDINATES)
    if points.from_grid:
        triage.report.notes.append(f"{points.from_grid:,} rows located from their OS grid easting/northing")
    located = triage.kept
    triage.ward_index[located] = triage.wards.assign(points.lat[located], points.lon[located])
    triage.set_aside(triage.ward_index < 0, OUTSIDE_AREA)
    return dates, month_only, points


def incident_frame(
    triage: Triage,
    *,
    layer: str | np.ndarray,
    category: np.ndarray,
    source_id: np.ndarray,
    dates: np.ndarray,
    month_only: np.ndarray,
    points: Points,
    street: pd.Series | None = None,
    severity: np.ndarray | None = None,
) -> pd.DataFrame:
    """The store's parsed columns (but ``attributes``) for the rows still in; arrays cover every row,
    except ``source_id``, which covers only the rows still in (see :func:`layers.identity.record_ids`)."""
    keep = triage.kept
    n = int(keep.sum())
    return pd.DataFrame(
        {
            "layer": labels(np.full(n, layer, dtype=object) if isinstance(layer, str) else layer[keep]),
            "category": labels(category[keep]),
            "source_id": source_id,
            "date": dates[keep],
            "date_precision": labels(np.where(month_only[keep], "month", "day")),
            "lat": points.lat[keep],
            "lon": points.lon[keep],
            "street": None if street is None else labels(street[keep].replace("", None)),
            "severity": None if severity is None else severity[keep],
            "casualties": pd.arrays.IntegerArray(np.zeros(n, dtype=np.int32), np.ones(n, dtype=bool)),
        }
    )


def labels(values: np.ndarray | pd.Series) -> pd.Categorical:
    """Text with few distinct values (layers, categories, streets, LSOAs, outcomes) stored once each.

    A million-row file repeats a few hundred texts: as categories they take a few megabytes instead of
    a hundred, which is what keeps a large import under its memory goal (``bench/import_memory.py``).
    """
    return pd.Categorical(values)


def attribute_frame(triage: Triage, table: Table, keys: tuple[str, ...]) -> pd.DataFrame:
    """The source columns kept as attributes, for the rows still in (fields the file lacks are left out;
    a file with none of them still gets one, empty, row per record)."""
    columns = {key: labels(table.col(key, triage.kept)) for key in keys if table.has(key)}
    return pd.DataFrame(columns, index=pd.RangeIndex(int(triage.kept.sum())))


def export_incidents(
    triage: Triage,
    table: Table,
    checked: tuple[np.ndarray, np.ndarray, Points],
    *,
    layer: str,
    category: np.ndarray,
    kind: pd.Series,
    kind_name: str,
    no_id_note: str,
    attributes: tuple[str, ...],
) -> Parsed:
    """The records of a one-file export whose rows may carry an ``id`` column (fly-tipping, fires).

    ``checked`` is what :func:`check_when_and_where` returned. A row is identified by its id where it has
    one, else by its date, place and ``kind`` (the column telling two incidents at one place and time
    apart, called ``kind_name`` in the report), numbered among identical rows: each row is a report.
    An export with no id column at all gets ``no_id_note`` in the report, because re-importing a
    corrected copy then adds nothing only while those values stay the same.
    """
    dates, month_only, points = checked
    if not table.has("id"):
        triage.report.notes.append(no_id_note)
    ids = record_ids(table, "id", triage.kept, (table.col("date"), points.lat, points.lon, kind))
    incidents = incident_frame(
        triage,
        layer=layer,
        category=category,
        source_id=ids.ids,
        dates=dates,
        month_only=month_only,
        points=points,
        street=table.col("street"),
    )
    return Parsed(
        triage,
        incidents,
        attribute_frame(triage, table, attributes),
        repeats=RepeatedReports(ids.repeats, f"date, place and {kind_name} (no id)"),
    )
