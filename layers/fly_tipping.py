"""Council fly-tipping exports (CSV or XLSX) -> the ``fly_tipping`` layer, by DEFRA size class.

There is no national point-level standard, so every council system names its columns differently:
columns are matched by name with synonyms (see :data:`SCHEMA`), and the report lists the columns it did
not use so the analyst can see nothing important was missed. Size text is mapped to the DEFRA size
classes of ``data/layers.toml`` by key words ("Car Boot or Less", "car boot", "CAR-BOOT" all match);
a size it does not recognise is kept as "Other / unknown size" and named in the report, because an
unusual size label is no reason to lose the incident.
"""

from __future__ import annotations

import config
from geo.boundaries import Wards
from layers.readers import COORDINATE_FIELDS, COORDINATES, Field, Schema, Upload, loose, need, read_table
from layers.report import ImportReport, Parsed, Triage, check_when_and_where, export_incidents
from layers.values import per_distinct

#: The layer fly-tipping goes to (``fed_by = "fly-tipping"`` in data/layers.toml).
LAYER = config.layer_fed_by("fly-tipping")
UNKNOWN_SIZE = "Other / unknown size"
#: (key word in the loosened size text, DEFRA size class in data/layers.toml), first match wins.
SIZE_WORDS: tuple[tuple[str, str], ...] = (
    ("blackbag", "Single black bag"),
    ("singlebag", "Single black bag"),
    ("carboot", "Car boot or less"),
    ("smallvan", "Small van load"),
    ("transit", "Transit van load"),
    ("tipper", "Tipper lorry load"),
    ("lorry", "Tipper lorry load"),
    ("significant", "Significant/multiple loads"),
    ("multiple", "Significant/multiple loads"),
)

SCHEMA = Schema(
    expected="a fly-tipping export (CSV or Excel) with a date and a location as easting/northing or "
    "latitude/longitude, ideally an id and the DEFRA waste size",
    fields=(
        Field(
            "id",
            (
                "Reference",
                "ID",
                "Incident ID",
                "Incident reference",
                "Incident number",
                "Case reference",
                "Case ID",
                "Case number",
                "Enquiry number",
                "Request ID",
                "Service request",
                "Job number",
                "Ref",
                "Report ID",
                "Fly tip ID",
                "Flytipping ID",
            ),
        ),
        Field(
            "date",
            (
                "Date",
                "Incident date",
                "Date reported",
                "Reported date",
                "Report date",
                "Date of incident",
                "Date received",
                "Received date",
                "Date found",
                "Date logged",
                "Logged date",
                "Created date",
                "Date created",
                "Created",
            ),
        ),
        *COORDINATE_FIELDS,
        Field(
            "size",
            (
                "Size",
                "Waste size",
                "Size of tip",
                "Size category",
                "Tip size",
                "Load size",
                "Size of waste",
                "Incident size",
                "Quantity",
                "Amount",
                "Volume",
            ),
        ),
        Field("land_type", ("Land type", "Land", "Land use", "Land category", "Location type", "Site type")),
        Field(
            "waste_type",
            ("Waste type", "Type of waste", "Waste", "Waste category", "Main waste type", "Type"),
        ),
        Field("status", ("Status", "Case status", "Current status", "Outcome")),
        Field(
            "street",
            (
                "Street",
                "Street name",
                "Road",
                "Location",
                "Address",
                "Site address",
                "Site",
                "Location description",
            ),
        ),
        Field("ward", ("Ward", "Ward name")),
    ),
    required=(*need("date"), COORDINATES),
)

ATTRIBUTES = ("size", "land_type", "waste_type", "status", "ward")


def size_class(text: str) -> str:
    """The DEFRA size class a size text names, else :data:`UNKNOWN_SIZE`."""
    key = loose(text)
    return next((size for word, size in SIZE_WORDS if word in key), UNKNOWN_SIZE)


def parse(uploads: list[Upload], report: ImportReport, wards: Wards) -> Parsed:
    """A fly-tipping export (exactly one file) -> incidents by DEFRA size class."""
    (upload,) = uploads
    table = read_table(upload, SCHEMA)
    triage = Triage(report, table, wards)
    checked = check_when_and_where(triage, table)
    sizes = table.col("size")
    category = per_distinct(sizes, size_class)
    unrecognised = sizes[triage.kept & (category == UNKNOWN_SIZE) & (sizes != "").to_numpy()].value_counts()
    if len(unrecognised):
        listed = ", ".join(f"'{s}' ({n:,})" for s, n in unrecognised.head(5).items())
        report.notes.append(f"sizes not recognised, stored as '{UNKNOWN_SIZE}': {listed}")
    return export_incidents(
        triage,
        table,
        checked,
        layer=LAYER,
        category=category,
        kind=sizes,
        kind_name="size",
        no_id_note="no id column: records are identified by date, place and size",
        attributes=ATTRIBUTES,
    )
