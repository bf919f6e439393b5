"""police.uk street-level crime -> the ``crime`` and ``asb`` layers.

One monthly force file (``2024-06-west-yorkshire-street.csv``) holds both: rows whose crime type is
"Anti-social behaviour" go to ``asb`` (police.uk gives no ASB kind, so their category is "Unclassified"),
every other crime type to ``crime`` under the same category name as ``data/layers.toml``. The API serves
the same records (see :mod:`layers.police_api`); both go through :func:`incidents`, so the two routes
give the same records with the same ids, and loading a month both ways stores it once.

Identity: a crime row is its Crime ID. Rows without one (every ASB row in the CSV; British Transport
Police crimes in the API, which carry no ``persistent_id``) are identified by month, coordinates,
location text and type, numbered by occurrence among identical rows of the file
(:func:`layers.identity.record_ids`). police.uk publishes one row per report and snaps reports to shared
anonymous map points, so identical rows are separate reports: all are kept and counted, and the report
says how many. Only a repeated Crime ID (or, in the API, a repeated record ``id``) is a duplicate.
"""

from __future__ import annotations

import config
from geo.boundaries import Wards
from layers.identity import record_ids, repeated_ids
from layers.readers import COORDINATE_FIELDS, Field, Schema, Table, Upload, loose, need, read_table
from layers.report import (
    DUPLICATE,
    UNKNOWN_CATEGORY,
    ImportReport,
    Parsed,
    RepeatedReports,
    Triage,
    attribute_frame,
    check_when_and_where,
    incident_frame,
)
from layers.values import per_distinct

ASB_TYPE = "Anti-social behaviour"
#: The layers a police.uk file reports on (its crime types, and anti-social behaviour; ids from
#: ``data/layers.toml``).
LAYERS = (config.layer_fed_by("police-crime"), config.layer_fed_by("police-asb"))
#: police.uk carries no ASB kind (personal / nuisance / environmental).
ASB_CATEGORY = "Unclassified"
#: What identifies a row without a Crime ID, in the report's words.
IDENTITY_WORDS = "month, map point, street and type (no Crime ID)"

SCHEMA = Schema(
    expected="a police.uk street-level crime CSV (columns Crime ID, Month, Longitude, Latitude, Location, "
    "Crime type, ...)",
    fields=(
        Field("crime_id", ("Crime ID", "persistent_id")),
        Field("month", ("Month",)),
        *(f for f in COORDINATE_FIELDS if f.key in ("latitude", "longitude")),
        Field("location", ("Location", "street")),
        Field("crime_type", ("Crime type",)),
        Field("lsoa_code", ("LSOA code",)),
        Field("lsoa_name", ("LSOA name",)),
        Field("outcome", ("Last outcome category", "outcome")),
        Field("context", ("Context",)),
        Field("reported_by", ("Reported by",)),
        Field("falls_within", ("Falls within",)),
        Field("api_id", ("API id",)),  # the API's record id: only saved API responses carry it
    ),
    required=(*need("month", "crime_type"), (("latitude", "longitude"),)),
)

#: Columns kept with each record (as JSON attributes in the store).
ATTRIBUTES = ("lsoa_code", "lsoa_name", "outcome", "context", "reported_by", "falls_within")


def parse_csv(uploads: list[Upload], report: ImportReport, wards: Wards) -> Parsed:
    """A police.uk street CSV (exactly one file) -> triage, parsed incidents and their attributes."""
    (upload,) = uploads
    return incidents(read_table(upload, SCHEMA, spreadsheets=False), report, wards)


def _category_lookup() -> dict[str, tuple[str, str]]:
    """Loosened crime type -> (layer, category), from the layer file plus the ASB rule."""
    crime, asb = LAYERS
    lookup = {loose(c): (crime, c) for c in config.layers()[crime].categories}
    lookup[loose(ASB_TYPE)] = (asb, ASB_CATEGORY)
    return lookup


def incidents(table: Table, report: ImportReport, wards: Wards) -> Parsed:
    """Check and convert police.uk rows (from the CSV or the API) to the store's parsed columns."""
    triage = Triage(report, table, wards)
    crime_type = table.col("crime_type")
    lookup = _category_lookup()
    layer = per_distinct(crime_type, lambda text: lookup.get(loose(text), ("", ""))[0])
    category = per_distinct(crime_type, lambda text: lookup.get(loose(text), ("", ""))[1])

    triage.set_aside(layer == "", UNKNOWN_CATEGORY)
    if table.has("api_id"):  # overlapping API answers give one record twice: the same report
        triage.set_aside(repeated_ids(table.col("api_id")), DUPLICATE)
    dates, month_only, points = check_when_and_where(triage, table, "month")

    keep = triage.kept
    ids = record_ids(
        table,
        "crime_id",
        keep,
        (table.col("month"), points.lat, points.lon, table.col("location"), crime_type),
    )
    parsed = incident_frame(
        triage,
        layer=layer,
        category=category,
        source_id=ids.ids,
        dates=dates,
        month_only=month_only,
        points=points,
        street=table.col("location"),
    )
    attributes = attribute_frame(triage, table, ATTRIBUTES)
    return Parsed(triage, parsed, attributes, repeats=RepeatedReports(ids.repeats, IDENTITY_WORDS))
