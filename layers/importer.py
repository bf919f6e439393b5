"""Running imports: the one registry of sources and the one path from uploaded bytes to the store.

The command line (``hotspots import``) and the app's Data page both call :func:`run_import`, so a file
imports the same way from either. For incident sources the path is fixed, whatever the source:

0. a file whose content shows it belongs to another source is refused, naming that source
   (:func:`wrong_source`);
1. the source's parser reads the file and sets aside rows it cannot use (bad date, no coordinates,
   outside every ward of the loaded boundaries...: see :func:`layers.report.check_when_and_where`);
2. a record id given twice in the file is set aside as a duplicate within the file; rows without an id
   that repeat another row's cells are separate reports (one row is one report), kept and counted, and
   the report says how many;
3. the report is checked to add up (read = accepted + set aside) and, with the accepted rows, written
   in one transaction by :func:`layers.ingest.ingest`; records already stored are skipped there.

Nothing is written when a file cannot be read at all (the report then carries the one-sentence error),
nor when the same file was imported before and would add nothing (``already_imported``).
"""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from geo.boundaries import Wards
from layers import boundary_import, council_asb, fires, fly_tipping, police, police_api, population, stats19
from layers.http import http_request
from layers.ingest import MixedData, coverage_frame, current_wards, ingest, refuse_mixing
from layers.readers import FileProblem, Schema, Upload, file_message, peek_rows
from layers.report import DUPLICATE, RECORDED_ROWS_PER_REASON, ImportReport, Parsed, Triage
from store import Store
from store.errors import StoreProblem
from store.reimports import earlier_import, stored_records

#: Called with (fraction done 0..1, what is happening) so the app can show a progress bar.
Progress = Callable[[float, str], None]
Parser = Callable[[list[Upload], ImportReport, Wards], Parsed]


def _quiet(fraction: float, message: str) -> None:
    """The default progress callback: say nothing."""


@dataclass(frozen=True)
class Source:
    """One kind of file the app imports."""

    id: str
    label: str
    #: what the files should be, shown as help
    description: str
    #: file name endings offered by upload dialogs
    extensions: tuple[str, ...]
    #: True: all files given form one import (STATS19 collisions + casualties); False: one import per file
    together: bool = False
    #: incident parser; None for the boundary and population sources, which have their own path
    parser: Parser | None = None
    #: column schemas that recognise this source's files, for auto-detection
    schemas: tuple[Schema, ...] = ()
    #: layers the source reports on: an import covers these layers for the months its file holds
    layers: tuple[str, ...] = ()


SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        Source(
            "police-csv",
            "police.uk street crime CSV",
            "Monthly street-level crime file from data.police.uk (crime and anti-social behaviour). "
            "A whole West Yorkshire force file is fine: rows outside the wards are set aside.",
            ("csv",),
            parser=police.parse_csv,
            schemas=(police.SCHEMA,),
            layers=police.LAYERS,
        ),
        Source(
            "police-api",
            "police.uk API responses (JSON)",
            "Saved responses of the police.uk crimes-street API: a JSON list of crime records.",
            ("json",),
            parser=police_api.parse_saved,
            layers=police.LAYERS,
        ),
        Source(
            "stats19",
            "STATS19 road collisions",
            "DfT STATS19 collision CSV, optionally with the matching casualty CSV (select both). Only fatal "
            "and serious collisions are mapped.",
            ("csv",),
            together=True,
            parser=stats19.parse,
            schemas=(stats19.COLLISIONS, stats19.CASUALTIES),
            layers=(stats19.LAYER,),
        ),
        Source(
            "fly-tipping",
            "Fly-tipping export",
            "Council fly-tipping export (CSV or Excel): a date, a location (easting/northing or "
            "latitude/longitude) and ideally an id and the DEFRA size.",
            ("csv", "xlsx"),
            parser=fly_tipping.parse,
            schemas=(fly_tipping.SCHEMA,),
            layers=(fly_tipping.LAYER,),
        ),
        Source(
            "fires",
            "Fire incidents",
            "Fire and rescue incident export (CSV or Excel); only deliberate primary and secondary fires "
            "are mapped.",
            ("csv", "xlsx"),
            parser=fires.parse,
            schemas=(fires.SCHEMA,),
            layers=(fires.LAYER,),
        ),
        Source(
            "council-asb",
            "Council ASB records",
            "The council's own anti-social behaviour records (CSV or Excel): a date, a location "
            "(easting/northing or latitude/longitude), the ASB type (personal, nuisance or environmental) "
            "and ideally a case reference. Kept apart from police.uk ASB, which has no type.",
            ("csv", "xlsx"),
            parser=council_asb.parse,
            schemas=(council_asb.SCHEMA,),
            layers=(council_asb.LAYER,),
        ),
        Source(
            "wards",
            "Ward boundaries",
            "ONS ward boundaries of one area: GeoJSON, GeoPackage or a zipped Shapefile, any coordinate "
            "system. Replaces the current wards and re-assigns every stored incident.",
            ("geojson", "json", "gpkg", "zip"),
        ),
        Source(
            "population",
            "Ward populations",
            "CSV (or Excel) of ward code or ward name and population.",
            ("csv", "xlsx"),
            schemas=(population.SCHEMA,),
        ),
    )
}


def run_import(
    store: Store,
    source_id: str,
    uploads: Sequence[Upload],
    *,
    progress: Progress = _quiet,
    imported_by: str | None = None,
) -> list[ImportReport]:
    """Import files of one source; one report per import (per file, or one for STATS19's pair).

    A file whose content shows it belongs to another source is refused first (:func:`wrong_source`);
    every message names the files by the names they were given, never by a temporary path.
    """
    if source_id not in SOURCES:
        raise ValueError(f"unknown source {source_id!r}; choose one of {', '.join(SOURCES)}")
    if not uploads:
        raise ValueError("no files given")
    refused = [(u, why) for u in uploads if (why := wrong_source(u, source_id))]
    rest = [u for u in uploads if all(u is not r for r, _ in refused)]
    reports = [ImportReport(source_id, u.name, error=why) for u, why in refused]
    if rest and not (refused and SOURCES[source_id].together):
        reports += _import_each(store, source_id, rest, progress=progress, imported_by=imported_by)
    for report in reports:
        name = report.file_name.split(" + ")[0]
        report.error = report.error and file_message(report.error, name)
        report.notes = [file_message(note, name) for note in report.notes]
    return reports


def _import_each(
    store: Store,
    source_id: str,
    uploads: Sequence[Upload],
    *,
    progress: Progress = _quiet,
    imported_by: str | None = None,
) -> list[ImportReport]:
    """:func:`run_import` for files already checked to be of the source."""
    source = SOURCES[source_id]
    if source_id == "wards":
        if len(uploads) != 1:
            raise ValueError("give exactly one ward boundary file")
        return [
            refused_in_one_line(
                source_id,
                uploads,
                lambda: boundary_import.import_boundaries(
                    store, uploads[0], progress=progress, imported_by=imported_by
                ),
            )
        ]
    if source_id == "population":
        return [
            refused_in_one_line(
                source_id, [u], lambda u=u: population.import_population(store, u, imported_by=imported_by)
            )
            for u in uploads
        ]
    groups = [list(uploads)] if source.together else [[u] for u in uploads]
    wards = current_wards(store)
    reports = []
    for i, group in enumerate(groups):

        def step(fraction: float, message: str, i: int = i) -> None:
            progress((i + fraction) / len(groups), message)

        reports.append(
            refused_in_one_line(
                source_id,
                group,
                lambda group=group, step=step: import_incidents(
                    store, source, group, wards, progress=step, imported_by=imported_by
                ),
            )
        )
    progress(1.0, "done")
    return reports


def refused_in_one_line(
    source_id: str, uploads: Sequence[Upload], run: Callable[[], ImportReport]
) -> ImportReport:
    """Run one import. When the store cannot take it (still busy after the wait, read-only, disk full,
    damaged) its transaction has rolled back: its report then carries the one-line reason, ending
    "nothing was imported", and the files before and after it are unaffected."""
    try:
        return run()
    except StoreProblem as problem:
        report = ImportReport(source_id, " + ".join(u.name for u in uploads))
        report.error = f"{problem.brief()}; nothing was imported"
        return report


def import_incidents(
    store: Store,
    source: Source,
    uploads: list[Upload],
    wards: Wards,
    *,
    progress: Progress = _quiet,
    imported_by: str | None = None,
) -> ImportReport:
    """Parse, check, locate and store one import of incidents; see the module docstring for the steps."""
    assert source.parser is not None
    report = ImportReport(source.id, " + ".join(u.name for u in uploads))
    progress(0.0, f"Reading {report.file_name}")
    try:
        refuse_mixing(store, synthetic=False)
        parsed = source.parser(uploads, report, wards)
    except (FileProblem, MixedData) as exc:
        report.error = str(exc)
        return report
    progress(0.5, "Checking for duplicates")
    triage, incidents, attributes = without_duplicates(parsed, report)
    by_layer = incidents["layer"].value_counts().sort_index()
    report.accepted_by_layer = {str(k): int(v) for k, v in by_layer.items() if v}
    if parsed.describe is not None:
        report.details.update(parsed.describe(incidents, attributes))
    report.check()

    digest = _sha256(uploads)
    earlier = earlier_import(store, digest)
    if earlier and stored_records(store, incidents) == len(incidents):
        # the same file again, and every record it holds is stored: a no-op writes nothing at all
        report.already_imported = earlier
        report.added, report.already_stored = 0, len(incidents)
        return report
    if earlier:
        report.notes.append(f"the same file was imported before ({earlier})")
    progress(0.7, f"Storing {report.accepted:,} accepted rows")
    result = ingest(
        store,
        incidents,
        wards,
        source=source.id,
        file_name=report.file_name,
        rows_read=report.rows_read,
        rows_set_aside_before=report.rows_set_aside,
        file_sha256=digest,
        imported_by=imported_by,
        report=report.to_dict(RECORDED_ROWS_PER_REASON),
        ward_index=triage.ward_index[triage.kept],
        coverage=coverage_frame(source.layers, triage.months()),
        attributes=attributes,
    )
    report.import_id = result.outcome.import_id
    report.added = result.outcome.added
    report.already_stored = result.outcome.duplicates
    progress(1.0, "Stored")
    return report


def without_duplicates(parsed: Parsed, report: ImportReport) -> tuple[Triage, pd.DataFrame, pd.DataFrame]:
    """The parsed rows without records given twice in the file (set aside as duplicates), and the triage
    finished. The parsed frames are taken over, not copied, when no record is given twice (the usual
    case), since a million-row copy costs hundreds of megabytes."""
    incidents, attributes = parsed.incidents, parsed.attributes
    duplicate = incidents.duplicated(["layer", "source_id"]).to_numpy()
    if parsed.repeats is not None and (note := parsed.repeats.note(~duplicate)):
        report.notes.append(note)
    parsed.triage.set_aside_kept(duplicate, DUPLICATE)
    parsed.triage.finish()
    if duplicate.any():
        parsed.incidents = incidents.loc[~duplicate].reset_index(drop=True)
        parsed.attributes = attributes.loc[~duplicate].reset_index(drop=True)
    return parsed.triage, parsed.incidents, parsed.attributes


def import_api_month(
    store: Store,
    month: str,
    *,
    fetch: police_api.Fetch | None = None,
    progress: Progress = _quiet,
    imported_by: str | None = None,
) -> ImportReport:
    """Fetch one month for the study area from the police.uk API and import it like a saved response.

    Raises ConnectionError, having changed nothing, when the API cannot be reached.
    """
    wards = current_wards(store)
    progress(0.0, f"Asking data.police.uk for {month}")
    records = police_api.fetch_month(month, wards.area, fetch or http_request)
    upload = Upload(f"police.uk API {month}", json.dumps(records).encode("utf-8"))
    return import_incidents(
        store, SOURCES["police-api"], [upload], wards, progress=progress, imported_by=imported_by
    )


def _sha256(uploads: Sequence[Upload]) -> str:
    if len(uploads) == 1:
        return hashlib.sha256(uploads[0].data).hexdigest()
    return hashlib.sha256(b"".join(hashlib.sha256(u.data).digest() for u in uploads)).hexdigest()


def detect_source(upload: Upload) -> str | None:
    """The source a file most likely belongs to, from its content (never its name); None when unsure."""
    form = _form(upload)
    if form != "table":
        return form
    fits = table_fits(upload)
    best = max(fits, key=lambda sid: fits[sid][0], default=None)
    return best if best is not None and fits[best][0] >= 2 else None


def _form(upload: Upload) -> str | None:
    """"wards" or "police-api" for files recognised by their format, "table" for anything that may be a
    CSV or workbook, None for JSON of no known kind."""
    head = upload.data[:4096].removeprefix(codecs.BOM_UTF8).lstrip()  # the head only: no copy of a big file
    if head.startswith(b"SQLite format 3\x00"):
        return "wards"
    if head.startswith(b"PK\x03\x04") and boundary_import.is_zipped_shapefile(upload.data):
        return "wards"
    if head[:1] in (b"[", b"{"):
        return _detect_json(upload.data)
    return "table"


def table_fits(upload: Upload) -> dict[str, tuple[int, bool]]:
    """Per source read from tables: (the most of its columns a heading row near the top of the file
    carries, whether that row has all the columns the source needs)."""
    rows = peek_rows(upload)
    fits: dict[str, tuple[int, bool]] = {}
    for sid, source in SOURCES.items():
        for schema in source.schemas:
            for row in rows:
                match = schema.match(row)
                fit = (len(match.columns), bool(match.columns) and not schema.missing(match))
                fits[sid] = max(fits.get(sid, (0, False)), fit)
    return fits


#: How many more of a file's columns another source must recognise than the chosen one before the file
#: is refused as belonging to it: sources share date and location columns, so one more is too close.
OTHER_SOURCE_MARGIN = 2


def wrong_source(upload: Upload, source_id: str) -> str | None:
    """The one-sentence refusal when a file's content shows it belongs to another source, else None.

    Why: any file with the columns a source needs imports as that source, whatever it is - the DfT
    collision file has a date and coordinates, so as fly-tipping it added 606 "fly-tips". A file is
    refused when it is in another source's format (boundaries, saved API responses), or when it has
    every column another source needs and that source recognises at least
    :data:`OTHER_SOURCE_MARGIN` more of its columns than the chosen one.
    """
    chosen = SOURCES[source_id]
    form = _form(upload)
    if form is None:
        return None
    if form != "table":
        if form == source_id:
            return None
        return _refusal(upload.name, SOURCES[form], chosen, "its content is in that source's format")
    fits = table_fits(upload)
    mine = fits.get(source_id, (0, False))[0]
    others = {sid: n for sid, (n, complete) in fits.items() if sid != source_id and complete}
    best = max(others, key=lambda sid: others[sid], default=None)
    if best is None or others[best] < mine + OTHER_SOURCE_MARGIN:
        return None
    detail = f"its headings carry {others[best]} of that source's columns and {mine} of this one's"
    return _refusal(upload.name, SOURCES[best], chosen, detail)


def _refusal(name: str, other: Source, chosen: Source, detail: str) -> str:
    return (
        f"{name} looks like '{other.label}', not '{chosen.label}' ({detail}), so nothing was imported: "
        f"import it as '{other.label}' (hotspots import {other.id}) instead."
    )


def _detect_json(data: bytes) -> str | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        return "wards"
    if isinstance(value, list) and (not value or isinstance(value[0], dict) and "category" in value[0]):
        return "police-api"
    return None


def undo(store: Store, import_id: str, *, undone_by: str | None = None) -> str:
    """Undo a whole import (recording who did) and say what that did, in a sentence for people."""
    imports = store.imports()
    found = imports[imports["import_id"] == import_id]
    if found.empty:
        raise ValueError(f"there is no import {import_id} in this store")
    source, file_name, status = found.iloc[0][["source", "file_name", "status"]]
    if status == "undone":
        return f"import {import_id} ({file_name}) was already undone; nothing changed"
    if source == "wards":
        restored = boundary_import.undo_boundaries(store, import_id, undone_by=undone_by)
        in_use = "the shipped default wards" if restored is None else f"the boundaries from {restored.source}"
        return f"undid import {import_id} ({file_name}): {in_use} are in use, every incident assigned to them"
    removed = store.undo_import(import_id, undone_by=undone_by)
    if source == "population":
        return f"undid import {import_id} ({file_name}): its ward populations no longer count"
    return f"undid import {import_id} ({file_name}): removed {removed:,} incidents"
