"""The action-day exports: the CSV of chosen places and the printable A4 list with its maps.

Why here and not on the page: the page (:mod:`views.action_days_page`) holds only Streamlit code, and
every PDF the project prints is laid out in briefing/ with :class:`briefing.pdf.BriefingPDF`, so the
marking, fonts, synthetic label and attribution stay the same in every document. Street and area names
are printed as plain text (fpdf2's markdown off), and the CSV is made safe for spreadsheets by
:func:`briefing.exports.csv_bytes`.
"""

from __future__ import annotations

from datetime import datetime

import config
from briefing.exports import csv_bytes as safe_csv
from briefing.exports import labelled
from briefing.maps import MapContent, crowded_bounds, place_map
from briefing.pdf import FAMILY, PAGE_WIDTH, BriefingPDF
from briefing.text import clip
from geo.action_days import ActionPlan, describe_weights, weights_table
from geo.boundaries import Wards

MAX_LOCATIONS = 12  # the printable list's table must fit the page after the map
#: Printed map sizes (inches, width x height): the whole area alone, or the whole area and an enlarged
#: part where numbers would share a pin; both above the list.
PDF_MAP_IN = 7.1
PDF_MAP_HEIGHTS_IN = {"alone": 4.6, "overview": 4.0, "enlarged": 3.2}
MARKING = "Partner — OFFICIAL"


def csv_bytes(result: ActionPlan, *, synthetic: bool) -> bytes:
    """The table as CSV safe to open in a spreadsheet (:mod:`briefing.exports`); every row is labelled
    when the data is synthetic."""
    table = result.table()
    table.insert(0, "area", result.area_name)
    table.insert(1, "period", result.period.label)
    table.insert(2, "weights", f"{result.weights_name}: {describe_weights(result.weights)}")
    return safe_csv(labelled(table, synthetic))


def location_maps(
    result: ActionPlan, wards: Wards, *, district: str | None, ward: str | None
) -> tuple[bytes, ...]:
    """The area with its wards and the numbered places, drawn offline (:func:`briefing.maps.place_map`);
    where numbers would share a pin on it ("1, 4, 10" in a town centre), a second map enlarges that part
    so that each place gets its own number (:func:`briefing.maps.crowded_bounds`)."""
    content = MapContent(
        place=wards.geometry_of(district=district, ward=ward),
        wards=wards,
        place_wards=tuple([ward] if ward else wards.wards_in(district)),
        action_days=[(loc.rank, loc.lat, loc.lon) for loc in result.locations],
        title=result.area_name,
        hotspot_legend=False,
    )
    heights = PDF_MAP_HEIGHTS_IN
    crowded = crowded_bounds(content, width_in=PDF_MAP_IN, height_in=heights["overview"])
    if crowded is None:
        return (place_map(content, width_in=PDF_MAP_IN, height_in=heights["alone"]),)
    return (
        place_map(content, width_in=PDF_MAP_IN, height_in=heights["overview"], enlarged=crowded),
        place_map(content, width_in=PDF_MAP_IN, height_in=heights["enlarged"], bounds=crowded, legend=False),
    )


def pdf_bytes(
    result: ActionPlan, *, synthetic: bool, produced: datetime, maps_png: tuple[bytes, ...] = ()
) -> bytes:
    """A printable A4 list: what was asked and what counts (the weights table), the places on a map
    (``maps_png``, from :func:`location_maps`), then one row per location with the reason."""
    pdf = BriefingPDF(
        marking=MARKING,
        running_title=f"Action-day locations · {result.area_name}",
        synthetic=synthetic,
        produced=produced,
    )
    pdf.add_page()
    pdf.heading(f"Action-day locations: {clip(result.area_name, 60)}")
    pdf.para(
        f"{result.period.label}. Weights: {result.weights_name}. {result.basis} "
        f"Places at least {result.min_distance_m:,.0f} m apart, highest score first. "
        f"Produced {produced:%d %B %Y}.",
        size=9,
    )
    if synthetic:
        pdf.para(config.SYNTHETIC_LABEL, size=9, style="B", colour=(170, 0, 0))
    for note in (*result.unmeasured, *result.left_out):
        pdf.para(note, size=8.5, style="I", colour=(170, 0, 0))
    weights = weights_table(result.weights)
    pdf.grid(
        tuple(weights.columns),
        [tuple(clip(str(v), 200) for v in row) for row in weights.itertuples(index=False)],
        (48, 22, PAGE_WIDTH - 70),
        size=7,
    )
    if not result.locations:
        pdf.para(result.too_few or "No incidents of the chosen kinds in this area and window.", size=10)
    else:
        for png in maps_png:
            pdf.image_png(png)
        rows = [
            (
                str(loc.rank),
                clip(loc.street or "(no street name)", 60),
                clip(loc.ward_name, 40),
                f"{loc.lat:.5f}, {loc.lon:.5f}",
                f"{loc.score:g}",
                clip(loc.why, 300),
            )
            for loc in result.locations
        ]
        widths = (6, 27, 22, 28, 10, PAGE_WIDTH - 93)
        pdf.grid(("#", "Street", "Ward", "Lat, lon", "Score", "Why here"), rows, widths, size=7)
    pdf.set_font(FAMILY, "", 7)
    pdf.para(config.BOUNDARY_ATTRIBUTION, size=7, colour=(90, 90, 90))
    return pdf.output_bytes()
