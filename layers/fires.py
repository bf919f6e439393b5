"""Fire and rescue incident exports (CSV or XLSX) -> the ``deliberate_fire`` layer.

Only deliberate primary and secondary fires belong to the layer. An export usually holds every incident
the service attended, so the rest are counted and set aside with the reason - accidental, motive not
recorded, or not a primary/secondary fire (chimney fires, false alarms, special services) - and the
report shows how many of each, which is itself useful context for the partnership.
"""

from __future__ import annotations

import pandas as pd

import config
from geo.boundaries import Wards
from layers.readers import COORDINATE_FIELDS, COORDINATES, Field, Schema, Upload, loose, need, read_table
from layers.report import (
    MOTIVE_NOT_KNOWN,
    NOT_A_FIRE,
    NOT_DELIBERATE,
    ImportReport,
    Parsed,
    Triage,
    check_when_and_where,
    export_incidents,
)
from layers.values import per_distinct

#: The layer deliberate fires go to (``fed_by = "fires"`` in data/layers.toml).
LAYER = config.layer_fed_by("fires")
SCHEMA = Schema(
    expected="a fire incident export (CSV or Excel) with incident number, date, incident type (primary / "
    "secondary fire), motive (deliberate / accidental) and easting/northing or latitude/longitude",
    fields=(
        Field(
            "id",
            (
                "Incident number",
                "Incident no",
                "Incident ID",
                "Incident reference",
                "Incident ref",
                "Inc no",
                "ID",
                "Reference",
            ),
        ),
        Field(
            "date",
            (
                "Date",
                "Incident date",
                "Date/time",
                "Incident date/time",
                "Date and time",
                "Datetime",
                "Date/time of call",
                "Call date",
                "Date of call",
                "Call date/time",
                "Alarm date/time",
                "Created",
            ),
        ),
        Field("time", ("Time", "Incident time", "Time of call", "Call time", "Alarm time")),
        *COORDINATE_FIELDS,
        Field(
            "incident_type",
            (
                "Incident type",
                "Fire type",
                "Type of incident",
                "Incident group",
                "Incident category",
                "Incident classification",
                "Type",
                "Category",
            ),
        ),
        Field(
            "motive",
            (
                "Motive",
                "Fire motive",
                "Motive/cause",
                "Cause",
                "Cause of fire",
                "Fire cause",
                "Accidental or deliberate",
                "Deliberate",
            ),
        ),
        Field(
            "property_type",
            (
                "Property type",
                "Property",
                "Property category",
                "Property description",
                "Property type description",
            ),
        ),
        Field("street", ("Street", "Street name", "Road", "Address", "Location")),
    ),
    required=(*need("date", "incident_type", "motive"), COORDINATES),
)

ATTRIBUTES = ("incident_type", "motive", "property_type", "time")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def fire_category(text: str) -> str | None:
    """'Primary fire' / 'Secondary fire' from the incident type text, else None (not such a fire)."""
    key = loose(text)
    if "secondary" in key:
        return "Secondary fire"
    if "primary" in key:
        return "Primary fire"
    return None


def motive(text: str, yes_no: bool) -> str:
    """'deliberate', 'accidental' or 'not known'; ``yes_no`` when the column is a Deliberate? flag."""
    key = loose(text)
    if yes_no and key in _YES:
        return "deliberate"
    if (yes_no and key in _NO) or "accident" in key or "notdeliberate" in key:
        return "accidental"
    if "deliberate" in key or "arson" in key or "malicious" in key:
        return "deliberate"
    return "not known"


def parse(uploads: list[Upload], report: ImportReport, wards: Wards) -> Parsed:
    """A fire incident export (exactly one file) -> the deliberate fires, the rest set aside by reason."""
    (upload,) = uploads
    table = read_table(upload, SCHEMA)
    triage = Triage(report, table, wards)
    types = table.col("incident_type")
    category = per_distinct(types, fire_category)
    yes_no = loose(table.match.columns["motive"]) == "deliberate"
    why = per_distinct(table.col("motive"), lambda text: motive(text, yes_no))
    triage.set_aside(pd.isna(category), NOT_A_FIRE)
    triage.set_aside(why == "accidental", NOT_DELIBERATE)
    triage.set_aside(why == "not known", MOTIVE_NOT_KNOWN)
    return export_incidents(
        triage,
        table,
        check_when_and_where(triage, table),
        layer=LAYER,
        category=category,
        kind=types,
        kind_name="type",
        no_id_note="no incident number column: records are identified by date, place and type",
        attributes=ATTRIBUTES,
    )
