"""The council's own anti-social behaviour records (CSV or XLSX) -> the ``council_asb`` layer, by kind.

Why a separate source and layer: police.uk publishes ASB with no kind, so its reports are all
"Unclassified" (layer ``asb``) and cannot answer the Partnership Plan's "nuisance ASB incidents" measure.
The council's ASB case system types each report personal (targeted at a person or household), nuisance
(rowdy behaviour, nuisance motorbikes, fireworks) or environmental (graffiti, litter, dumping). Those
records go to their own layer, never into ``asb``: the two sources record many of the same reports, so
the store keeps them apart, each figure names the source it counts, and ``same_reports_as`` in
``data/layers.toml`` stops any figure adding the two (see :mod:`geo.measurable`).

Like the fly-tipping importer, columns are matched by name with synonyms (see :data:`SCHEMA`) and the
report lists columns it did not use. The kind is read from the type text by key words ("ASB -
Nuisance", "Personal ASB", "Environmental" all match); a type it cannot place is set aside as an
unknown category with its row number, and the report names the values, because counting an unknown
kind as nuisance (or as nothing) would move the measure.
"""

from __future__ import annotations

import numpy as np

import config
from geo.boundaries import Wards
from layers.readers import COORDINATE_FIELDS, COORDINATES, Field, Schema, Upload, loose, need, read_table
from layers.report import (
    UNKNOWN_CATEGORY,
    ImportReport,
    Parsed,
    Triage,
    check_when_and_where,
    export_incidents,
)
from layers.values import per_distinct

LAYER = config.layer_fed_by("council-asb")
#: (key word in the loosened type text, kind in data/layers.toml), first match wins: the kind's own name
#: first, so "Environmental nuisance" is environmental and "Personal nuisance" personal.
TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("personal", "Personal"),
    ("targeted", "Personal"),
    ("harass", "Personal"),
    ("intimidat", "Personal"),
    ("environment", "Environmental"),
    ("graffiti", "Environmental"),
    ("litter", "Environmental"),
    ("flytip", "Environmental"),
    ("dumping", "Environmental"),
    ("dogfoul", "Environmental"),
    ("nuisance", "Nuisance"),
    ("rowdy", "Nuisance"),
    ("noise", "Nuisance"),
    ("motorbike", "Nuisance"),
    ("motorcycle", "Nuisance"),
    ("firework", "Nuisance"),
)

SCHEMA = Schema(
    expected="a council anti-social behaviour export (CSV or Excel) with a date, a location as "
    "easting/northing or latitude/longitude, the ASB type (personal / nuisance / environmental) and "
    "ideally a case reference",
    fields=(
        Field(
            "id",
            (
                "Reference",
                "ID",
                "Case reference",
                "Case ref",
                "Case ID",
                "Case number",
                "ASB reference",
                "ASB case reference",
                "ASB ID",
                "Incident reference",
                "Incident ID",
                "Incident number",
                "Report ID",
                "Ref",
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
                "Date logged",
                "Logged date",
                "Date opened",
                "Opened date",
                "Created date",
                "Date created",
                "Created",
            ),
        ),
        *COORDINATE_FIELDS,
        Field(
            "asb_type",
            (
                "ASB type",
                "Type of ASB",
                "ASB category",
                "ASB classification",
                "ASB kind",
                "Classification",
                "Category",
                "Incident type",
                "Incident category",
                "Problem type",
                "Type",
            ),
        ),
        Field("detail", ("Sub type", "Subtype", "ASB sub type", "Description", "Nature", "Problem")),
        Field("status", ("Status", "Case status", "Current status", "Outcome")),
        Field(
            "street",
            ("Street", "Street name", "Road", "Location", "Address", "Location description", "Site"),
        ),
        Field("ward", ("Ward", "Ward name")),
    ),
    required=(*need("date", "asb_type"), COORDINATES),
)

ATTRIBUTES = ("asb_type", "detail", "status", "ward")


def asb_kind(text: str) -> str | None:
    """'Personal', 'Nuisance' or 'Environmental' from an ASB type text; None when it names none."""
    key = loose(text)
    return next((kind for word, kind in TYPE_WORDS if word in key), None)


def parse(uploads: list[Upload], report: ImportReport, wards: Wards) -> Parsed:
    """A council ASB export (exactly one file) -> typed ASB incidents; unknown types set aside by row."""
    (upload,) = uploads
    table = read_table(upload, SCHEMA)
    triage = Triage(report, table, wards)
    types = table.col("asb_type")
    category = per_distinct(types, asb_kind)
    unknown = np.asarray([c is None for c in category], dtype=bool)
    named = types[triage.kept & unknown].replace("", "(blank)").value_counts()
    if len(named):
        listed = ", ".join(f"'{t}' ({n:,})" for t, n in named.head(5).items())
        report.notes.append(
            f"ASB types not recognised as personal, nuisance or environmental, set aside: {listed}"
        )
    triage.set_aside(unknown, UNKNOWN_CATEGORY)
    return export_incidents(
        triage,
        table,
        check_when_and_where(triage, table),
        layer=LAYER,
        category=category,
        kind=types,
        kind_name="ASB type",
        no_id_note="no case reference column: records are identified by date, place and ASB type",
        attributes=ATTRIBUTES,
    )
