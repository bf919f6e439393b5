"""DfT STATS19 road collisions -> the ``ksi`` layer: killed-or-seriously-injured collisions.

**Which KSI.** Severity is the police-recorded severity as STATS19 reports it (``collision_severity`` /
``casualty_severity`` 1 fatal, 2 serious), unadjusted: only fatal and serious collisions are mapped; slight
ones are counted and set aside. Given the matching casualty file, each collision also carries its KSI
casualty count (fatal + serious casualties), because the partnership's target is counted in casualties,
not collisions. When the casualty file has DfT's adjusted-severity columns, each collision also keeps
DfT's adjusted KSI estimate (attribute :data:`ADJUSTED_ATTRIBUTE`: its fatal casualties plus each
casualty's ``casualty_adjusted_severity_serious`` probability). DfT publishes adjusted figures because
police forces moved to injury-based recording at different times; for a force already recording that
way the two agree. The estimate covers the casualties of the KSI collisions stored: casualties of
collisions the police recorded as slight are not mapped, so their (usually zero) probabilities of
having been serious are not in it.

Both the current names (``collision_index``, ``collision_severity``) and the older ones
(``accident_index``, ``accident_severity``) are read. Coordinates come from longitude/latitude, or,
where those are missing, from the OS grid columns converted with pyproj. The local-authority column is
kept as an attribute but does not decide anything: the loaded ward polygons decide what is in the area,
as for every other layer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import config
from geo.boundaries import Wards
from layers.identity import record_ids
from layers.readers import (
    COORDINATE_FIELDS,
    COORDINATES,
    Field,
    FileProblem,
    Schema,
    Table,
    Upload,
    need,
    peek_rows,
    read_table,
)
from layers.report import (
    NOT_KSI,
    UNKNOWN_CATEGORY,
    ImportReport,
    Parsed,
    Triage,
    attribute_frame,
    check_when_and_where,
    incident_frame,
)
from layers.values import numbers

#: The layer road collisions go to (``fed_by = "stats19"`` in data/layers.toml).
LAYER = config.layer_fed_by("stats19")
#: STATS19 severity codes (and the words some extracts use instead).
SEVERITY = {
    "1": "Fatal",
    "2": "Serious",
    "3": "Slight",
    "fatal": "Fatal",
    "serious": "Serious",
    "slight": "Slight",
}
KSI = ("Fatal", "Serious")
#: Incident attribute holding DfT's adjusted KSI casualty estimate for a collision (see the module notes).
ADJUSTED_ATTRIBUTE = "ksi_casualties_adjusted"
#: How figures name the two KSI definitions wherever both are shown.
RECORDED_LABEL = "police-recorded severity, unadjusted (STATS19)"
ADJUSTED_LABEL = "DfT adjusted estimate"

COLLISIONS = Schema(
    expected="a DfT STATS19 collision CSV (columns collision_index or accident_index, collision_severity or "
    "accident_severity, date, longitude/latitude or location_easting_osgr/location_northing_osgr)",
    fields=(
        Field("index", ("collision_index", "accident_index")),
        Field("severity", ("collision_severity", "accident_severity")),
        Field("date", ("date",)),
        Field("time", ("time",)),
        *COORDINATE_FIELDS,
        Field("lad", ("local_authority_ons_district",)),
        Field("lsoa", ("lsoa_of_collision_location", "lsoa_of_accident_location")),
        Field("casualties", ("number_of_casualties",)),
        Field("vehicles", ("number_of_vehicles",)),
        Field("speed_limit", ("speed_limit",)),
        Field("road_class", ("first_road_class",)),
        Field("road_number", ("first_road_number",)),
    ),
    required=(*need("index", "severity", "date"), COORDINATES),
)

CASUALTIES = Schema(
    expected="a DfT STATS19 casualty CSV (columns collision_index or accident_index, casualty_severity)",
    fields=(
        Field("index", ("collision_index", "accident_index")),
        Field("severity", ("casualty_severity",)),
        Field("adjusted_serious", ("casualty_adjusted_severity_serious",)),
    ),
    required=need("index", "severity"),
)

#: Collision columns kept with each record (as JSON attributes in the store).
ATTRIBUTES = ("time", "lad", "lsoa", "casualties", "vehicles", "speed_limit", "road_class", "road_number")


def parse(uploads: list[Upload], report: ImportReport, wards: Wards) -> Parsed:
    """A collision file and optionally its casualty file (in either order) -> KSI collisions."""
    if not 1 <= len(uploads) <= 2:
        raise FileProblem(
            f"STATS19 takes a collision file and optionally its casualty file, not {len(uploads)} files."
        )
    if len(uploads) == 2 and _is_casualty_file(uploads[0]):
        uploads = [uploads[1], uploads[0]]
    table = read_table(uploads[0], COLLISIONS, spreadsheets=False)
    casualties = read_table(uploads[1], CASUALTIES, spreadsheets=False) if len(uploads) == 2 else None
    return collisions(table, casualties, report, wards)


def _is_casualty_file(upload: Upload) -> bool:
    top = peek_rows(upload)
    return max((CASUALTIES.score(r) for r in top), default=0) > max(
        (COLLISIONS.score(r) for r in top), default=0
    )


def collisions(table: Table, casualties: Table | None, report: ImportReport, wards: Wards) -> Parsed:
    triage = Triage(report, table, wards)
    severity = table.col("severity").str.lower().map(SEVERITY).to_numpy(dtype=object)
    triage.set_aside(pd.isna(severity), UNKNOWN_CATEGORY)
    triage.set_aside(severity == "Slight", NOT_KSI)
    dates, _, points = check_when_and_where(triage, table)

    keep = triage.kept
    index = record_ids(table, "index", keep, (table.col("date"), points.lat, points.lon, severity)).ids
    parsed = incident_frame(
        triage,
        layer=LAYER,
        category=severity,
        source_id=index,
        dates=dates,
        month_only=np.zeros(len(table), dtype=bool),
        points=points,
        severity=severity,
    )
    attributes = attribute_frame(triage, table, ATTRIBUTES)
    if casualties is not None:
        counts = ksi_casualties(casualties, table, report)
        matched = counts.reindex(index)
        people = matched["fatal_or_serious"].fillna(0).to_numpy(dtype=int)
        parsed["casualties"] = pd.array(people, dtype="Int32")
        attributes["fatal_casualties"] = matched["fatal"].fillna(0).astype(int).astype(str).to_numpy()
        attributes["serious_casualties"] = matched["serious"].fillna(0).astype(int).astype(str).to_numpy()
        if "adjusted" in matched:
            attributes[ADJUSTED_ATTRIBUTE] = matched["adjusted"].fillna(0).round(4).astype(str).to_numpy()
    return Parsed(triage, parsed, attributes, describe)


def describe(incidents: pd.DataFrame, attributes: pd.DataFrame) -> dict:
    """KSI collisions by severity and, with a casualty file, KSI casualties by severity, in the area."""
    out: dict = {"ksi_collisions": {s: int((incidents["category"] == s).sum()) for s in KSI}}
    if "fatal_casualties" in attributes:
        out["ksi_casualties"] = {
            "Fatal": int(attributes["fatal_casualties"].astype(int).sum()),
            "Serious": int(attributes["serious_casualties"].astype(int).sum()),
        }
    if ADJUSTED_ATTRIBUTE in attributes:
        out[ADJUSTED_ATTRIBUTE] = round(float(attributes[ADJUSTED_ATTRIBUTE].astype(float).sum()), 2)
    return out


def ksi_casualties(table: Table, collisions: Table, report: ImportReport) -> pd.DataFrame:
    """Per collision index: fatal, serious and KSI casualty counts (and the adjusted KSI estimate).

    The casualty rows are not incidents themselves, so they are summarised in the report's details
    rather than counted as rows read.
    """
    severity = table.col("severity").str.lower().map(SEVERITY)
    frame = pd.DataFrame(
        {
            "index": table.col("index").to_numpy(),
            "fatal": (severity == "Fatal").to_numpy(dtype=int),
            "serious": (severity == "Serious").to_numpy(dtype=int),
        }
    )
    frame["fatal_or_serious"] = frame["fatal"] + frame["serious"]
    if table.has("adjusted_serious"):
        # fatal casualties count 1; serious ones count their probability of being serious under the new system
        frame["adjusted"] = frame["fatal"] + np.nan_to_num(numbers(table.col("adjusted_serious")))
    counts = frame.groupby("index").sum()
    known = counts.index.isin(collisions.col("index").unique())
    if not known.any():
        raise FileProblem(
            f"{table.file_name}'s collision_index values match none of the collisions in "
            f"{collisions.file_name}; expected the casualty file of the same STATS19 release."
        )
    report.details["casualty_rows_for_other_collisions"] = int(
        frame["index"].isin(counts.index[~known]).sum()
    )
    report.details["casualty_file"] = table.file_name
    report.details["casualty_rows_read"] = len(table)
    report.details["casualty_rows_unreadable_severity"] = int(severity.isna().sum())
    return counts
