"""police.uk street-level crime -> the ``crime`` and ``asb`` layers.

One monthly force file (``2024-06-west-yorkshire-street.csv``) holds both: rows whose crime type is
"Anti-social behaviour" go to ``asb`` (police.uk gives no ASB kind, so their category is "Unclassified"),
every other crime type to ``crime`` under the same category name as ``data/layers.toml``. The API serves
the same records (see :mod:`layers.police_api`); both go through :func:`incidents`, so the two routes
give the same records with the same ids, and loading a month both ways stores it once.

Identity: a crime row is its Crime ID. ASB rows have none, so an ASB row is identified by month,
coordinates, location text and type. police.uk publishes repeated ASB reports at one snapped map point;
the partnership asked (issue 4) that these count once, so a second row with the same identity in the file
is set aside as a "duplicate within the file", and the report says why in one sentence
(:func:`explain_repeats`) with the row numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import config
from geo.boundaries import Wards
from layers.readers import (
    COORDINATE_FIELDS,
    Field,
    Schema,
    Table,
    Upload,
    loose,
    need,
    per_distinct,
    read_table,
    record_ids,
)
from layers.report import (
    DUPLICATE,
    UNKNOWN_CATEGORY,
    ImportReport,
    Parsed,
    Triage,
    attribute_frame,
    check_when_and_where,
    incident_frame,
)

ASB_TYPE = "Anti-social behaviour"
#: police.uk carries no ASB kind (personal / nuisance / environmental).
ASB_CATEGORY = "Unclassified"
#: Repeated ASB rows named in the report's note (all of them are in the set-aside list and CSV).
MAX_ROWS_NAMED = 10

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
    lookup = {loose(c): ("crime", c) for c in config.layers()["crime"].categories}
    lookup[loose(ASB_TYPE)] = ("asb", ASB_CATEGORY)
    return lookup


def incidents(table: Table, report: ImportReport, wards: Wards) -> Parsed:
    """Check and convert police.uk rows (from the CSV or the API) to the store's parsed columns."""
    triage = Triage(report, table, wards)
    crime_type = table.col("crime_type")
    lookup = _category_lookup()
    layer = per_distinct(crime_type, lambda text: lookup.get(loose(text), ("", ""))[0])
    category = per_distinct(crime_type, lambda text: lookup.get(loose(text), ("", ""))[1])

    triage.set_aside(layer == "", UNKNOWN_CATEGORY)
    dates, month_only, points = check_when_and_where(triage, table, "month")

    keep = triage.kept
    # rows without a Crime ID (all ASB): identity from month, place and type
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
        source_id=ids,
        dates=dates,
        month_only=month_only,
        points=points,
        street=table.col("location"),
    )
    return Parsed(triage, parsed, attribute_frame(triage, table, ATTRIBUTES), explain_repeats=explain_repeats)


def explain_repeats(repeated: pd.DataFrame, rows: np.ndarray) -> str | None:
    """The report's sentence on repeated ASB rows (issue 4's rule), naming them; None when there are none.

    Repeated crime rows (one Crime ID twice) need no explanation beyond the set-aside reason itself.
    """
    asb = rows[(repeated["layer"] == "asb").to_numpy()]
    if not len(asb):
        return None
    shown = ", ".join(str(r) for r in asb[:MAX_ROWS_NAMED]) + (", ..." if len(asb) > MAX_ROWS_NAMED else "")
    plural = "s" if len(asb) > 1 else ""
    return (
        "police.uk publishes repeated anti-social behaviour reports at one snapped map point (same month, "
        f"place and type, no Crime ID) and these are counted once: {len(asb):,} repeat{plural} set aside as "
        f"'{DUPLICATE}', row{plural} {shown}."
    )
