"""Lay out a :class:`briefing.model.Pack` (and the one-page ward profile) as an A4 PDF with fpdf2.

Choices that matter to the people reading it:

* **Markings on every page.** The audience marking ("Partner — OFFICIAL" or "Public") is printed at the
  top and bottom of every page, as the Government Security Classifications expect, and the synthetic-data
  label sits in every footer when any layer is synthetic, so a page torn out of the pack still says so.
* **A Unicode font.** DejaVu Sans (shipped inside matplotlib, so nothing to install) prints the arrows
  ↑ → ↓, accented and non-Latin place names; the core PDF fonts cannot.
* **Data is plain text.** Every cell and paragraph is written with fpdf2's markdown off and no HTML
  rendering, so ``**bold**`` or ``<script>`` in a street name is printed as typed. fpdf2 replaces a
  page-count alias (``{nb}`` by default) anywhere in the text; the alias here is random per document, so
  no data can contain it.
* **Tables over prose.** Headline, hotspot, Clear Hold Build and action-day sections are tables with
  repeated headings when they run over a page, RAG cells coloured *and* written out (they must survive
  greyscale printing and colour-blind readers).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

import config
from briefing.model import PROFILE_MAP_MM, SECTION_HEADINGS, Pack, Section, WardProfile
from briefing.settings import briefing_settings
from briefing.sources import LayerSource
from briefing.tables import (
    AREA_COLUMNS,
    action_day_cells,
    action_day_columns,
    area_cells,
    headline_columns,
    headline_table,
    hotspot_cells,
    hotspot_columns,
    not_measured_notes,
    trend_key,
)
from briefing.text import clip
from geo.monitoring import WDQ_MEANING
from geo.rates import NBSP, Change, Period, combined_basis, rate_unit, residents_text

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FAMILY = "DejaVu"
ORGANISATION = "Kirklees Communities Partnership"
NAVY = (31, 78, 121)
GREY = (90, 90, 90)
LIGHT = (242, 244, 247)
WARNING = (170, 0, 0)
RAG_STYLES = {
    "Green": FontFace(emphasis="BOLD", color=(0, 97, 0), fill_color=(198, 239, 206)),
    "Amber": FontFace(emphasis="BOLD", color=(156, 87, 0), fill_color=(255, 235, 156)),
    "Red": FontFace(emphasis="BOLD", color=(156, 0, 6), fill_color=(255, 199, 206)),
}
PAGE_WIDTH = 180  # A4 minus 15 mm margins
#: Cell padding in the one-page ward profile's tables: tighter than the packs', so the page holds them all.
PROFILE_PADDING = (0.5, 1.2)
#: An abbreviation in a layer label ("KSI", "ASB"), which the ward profile spells out.
ABBREVIATION = re.compile(r"\b[A-Z]{2,}\b")


class BriefingPDF(FPDF):
    """A4 portrait with the marking, running title, synthetic label and page numbers on every page."""

    def __init__(self, *, marking: str, running_title: str, synthetic: bool, produced: datetime) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, file in (
            ("", "DejaVuSans.ttf"),
            ("B", "DejaVuSans-Bold.ttf"),
            ("I", "DejaVuSans-Oblique.ttf"),
        ):
            self.add_font(FAMILY, style, str(FONT_DIR / file))
        self._marking = marking
        self._running_title = clip(running_title, 90)
        self._synthetic = synthetic
        self._pages_alias = "{" + secrets.token_hex(4) + "}"
        self.alias_nb_pages(self._pages_alias)
        self.set_margins(15, 20, 15)
        self.set_auto_page_break(True, margin=22)
        self.set_creation_date(produced)
        self.set_creator(ORGANISATION)
        self.set_title(clip(running_title, 200))

    # ---- furniture ----------------------------------------------------------------------------------

    def _marking_line(self, marking_size: float, height: float, right: str) -> None:
        """The audience marking on the left (bold, navy) and ``right`` on the right (grey): the same line
        heads and foots every page, so a page on its own still says who may read it."""
        self.set_font(FAMILY, "B", marking_size)
        self.set_text_color(*NAVY)
        self.cell(60, height, self._marking)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, height, right, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def header(self) -> None:
        self.set_y(8)
        self._marking_line(9, 5, self._running_title)
        self.set_draw_color(200, 200, 200)
        self.line(15, 14, 195, 14)
        self.set_y(20)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-17)
        self.set_draw_color(200, 200, 200)
        self.line(15, self.get_y(), 195, self.get_y())
        self.ln(1)
        self._marking_line(8, 4.5, f"Page {self.page_no()} of {self._pages_alias}")
        if self._synthetic:
            self.set_font(FAMILY, "B", 8)
            self.set_text_color(*WARNING)
            self.cell(0, 4.5, config.SYNTHETIC_LABEL, align="C")
        self.set_text_color(0, 0, 0)

    # ---- building blocks ------------------------------------------------------------------------------

    def keep_room(self, room_mm: float) -> bool:
        """Start a new page when less than ``room_mm`` is left on this one (so a heading is never left at
        the foot of a page, apart from what it heads); True when it did."""
        if self.get_y() > self.h - self.b_margin - room_mm:
            self.add_page()
            return True
        return False

    def heading(self, text: str, *, new_page: bool = False, room_mm: float = 70) -> None:
        """A section heading; starts a new page when asked or when less than ``room_mm`` is left."""
        if new_page:
            self.add_page()
        elif not self.keep_room(room_mm):
            self.ln(4)
        self.set_font(FAMILY, "B", 14)
        self.set_text_color(*NAVY)
        self.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*NAVY)
        self.line(15, self.get_y(), 195, self.get_y())
        self.ln(2.5)
        self.set_text_color(0, 0, 0)

    def para(
        self, text: str, *, size: float = 9, style: str = "", colour: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        """A paragraph of plain text (never markdown or HTML); nothing at all for empty text."""
        if not text:
            return
        self.set_font(FAMILY, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, markdown=False, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def grid(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        align: Sequence[str] | None = None,
        styles: Sequence[Sequence[FontFace | None]] | None = None,
        size: float = 7.5,
        padding: tuple[float, float] = (0.8, 1.2),
    ) -> None:
        """A table with a navy heading row repeated on each page; every cell is plain text. ``padding`` is
        (above and below, either side) each cell's text, in mm."""
        self.set_font(FAMILY, "", size)
        self.set_draw_color(*NAVY)  # the rules between rows; never a colour left over from a box above
        with self.table(
            col_widths=tuple(widths),  # relative: scaled to the width between the margins
            width=self.epw,
            align="LEFT",  # from the left margin (a table beside the ward profile's map is narrower)
            text_align=tuple(align) if align else "LEFT",
            line_height=size * 0.52,
            padding=padding,
            headings_style=FontFace(
                emphasis="BOLD", color=(255, 255, 255), fill_color=NAVY, size_pt=size - 0.5
            ),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            cell_fill_color=LIGHT,
            cell_fill_mode="ROWS",
            markdown=False,
            repeat_headings=1,
        ) as table:
            head = table.row()
            for title in columns:
                head.cell(title)
            for i, values in enumerate(rows):
                row = table.row()
                for j, value in enumerate(values):
                    style = styles[i][j] if styles else None
                    row.cell(value, style=style) if style else row.cell(value)
        self.ln(2)

    def image_png(self, png: bytes, width: float = PAGE_WIDTH) -> None:
        self.image(png, x=15, w=width)
        self.ln(1)

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def long_date(day: date) -> str:
    """e.g. "5 November 2025" (strftime's "%-d" does not work on Windows)."""
    return f"{day.day} {day:%B %Y}"


# ---- the pack -------------------------------------------------------------------------------------------


def _document(content: Pack | WardProfile, running_title: str) -> BriefingPDF:
    """The PDF for a pack or a ward profile: marked for its audience on every page, labelled synthetic when
    any of its data is, and dated the day it was produced."""
    return BriefingPDF(
        marking=content.disclosure.marking,
        running_title=running_title,
        synthetic=content.synthetic,
        produced=datetime.combine(content.produced, datetime.min.time()),
    )


def render_pack(pack: Pack) -> bytes:
    """The whole pack as PDF bytes, sections in :data:`briefing.model.SECTION_HEADINGS` order."""
    pdf = _document(pack, f"{pack.place.name} · {pack.quarter.label}")
    _cover(pdf, pack)
    headlines, map_, trends, hotspots, areas, action_days, notes = SECTION_HEADINGS
    _headlines(pdf, pack, headlines)
    pdf.heading(map_, new_page=True)
    for png in pack.maps:
        pdf.image_png(png)
    pdf.para(pack.map_note, size=8, colour=GREY)
    pdf.heading(trends, new_page=True)
    pdf.para(
        f"Incidents per month in {pack.place.name}. The darker bars on a shaded band are "
        f"{pack.quarter.label}; "
        "the dashed line is the usual level for each calendar month (the average over the years of data), "
        "so a rise that is only the normal seasonal pattern shows as bars following the line.",
        size=8.5,
    )
    pdf.image_png(pack.trends_png)
    _hotspots(pdf, pack, hotspots)
    _areas(pdf, pack, areas)
    _action_days(pdf, pack, action_days)
    _notes(pdf, pack, notes)
    return pdf.output_bytes()


def _cover(pdf: BriefingPDF, pack: Pack) -> None:
    pdf.add_page()
    disclosure = pack.disclosure
    pdf.ln(6)
    pdf.para(ORGANISATION.upper(), size=9, style="B", colour=GREY)
    pdf.para("Community safety briefing", size=13, colour=NAVY)
    pdf.ln(1)
    pdf.set_font(FAMILY, "B", 26)
    pdf.multi_cell(
        0, 11, clip(pack.place.name), markdown=False, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.para(pack.place.description, size=11, colour=GREY)
    pdf.ln(3)
    previous = pack.quarter.previous()
    last_year = pack.quarter.same_last_year()
    for label, value in (
        ("Period", pack.quarter.label + _months_with_data(pack.sources, pack.quarter.period)),
        (
            "Compared with",
            f"{last_year.label} (same quarter last year) and {previous.label} (previous quarter)",
        ),
        ("Produced", long_date(pack.produced)),
        ("Audience", disclosure.marking),
    ):
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(32, 6, label)
        pdf.set_font(FAMILY, "", 10)
        pdf.multi_cell(0, 6, value, markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if disclosure.public:
        audience_text = (
            f"Public version. Counts from 1 to {disclosure.threshold - 1} are shown as "
            f'"{disclosure.hidden_text}"; a count that would let one be worked out from the others (a '
            "district minus its other wards, a quarter minus its other months) reads \"not shown\", and so "
            "do the rates, changes and totals built on a hidden count. No incident locations are shown, and "
            f"map cells and table rows with fewer than {disclosure.threshold} incidents are left out."
        )
    else:
        audience_text = (
            "Partner version: full detail, including small numbers and exact locations. For use within the "
            "partnership; do not publish or pass outside partner agencies."
        )
    _boxed(pdf, audience_text, NAVY)
    if pack.synthetic:
        _boxed(
            pdf,
            f"{config.SYNTHETIC_LABEL}. Every figure in this pack was generated by the app's demonstration "
            "data generator for training and testing. Do not use it for decisions.",
            WARNING,
        )
    pdf.ln(2)
    pdf.para("Data sources", size=11, style="B", colour=NAVY)
    rows = [
        [
            s.label,
            clip(s.description, 200),
            ", ".join(s.sources) + (" (synthetic)" if s.synthetic else ""),
            s.first.strftime("%b %Y"),
            s.latest_month.strftime("%b %Y"),
            f"{len(s.months):,}" + (f" ({s.gaps:,} missing)" if s.gaps else ""),
        ]
        for s in pack.sources
    ]
    pdf.grid(
        ["Layer", "What it is", "Source", "From", "Latest month", "Months with data"],
        rows,
        (22, 64, 28, 20, 20, 26),
        size=7.5,
    )
    pdf.para(
        "A month with no data loaded for a layer is shown as \"no data\", never as zero, and a change or "
        "rating is given only when both periods compared have data for every month.",
        size=8,
    )
    pdf.para("In this pack", size=11, style="B", colour=NAVY)
    # a no-break space before each dot keeps it at the end of a line, never at the start of the next
    pdf.para(f"{NBSP * 2}·  ".join(SECTION_HEADINGS), size=9)


def _months_with_data(sources: tuple[LayerSource, ...], period: Period) -> str:
    """Nothing when every layer covers the period; else which of its months have data, e.g. " - data
    loaded for Jun 2024 only (1 of 3 months)", so a partly loaded quarter says so on the cover."""
    if all(s.covers(period) for s in sources):
        return ""
    had = sorted({m for s in sources for m in s.months if period.start <= m <= period.end})
    if not had:
        return f" - no data loaded for any of its {period.months} months"
    named = ", ".join(f"{m:%b %Y}" for m in had)
    return f" - data loaded for {named} only ({len(had)} of {period.months} months; see Data sources)"


def _boxed(pdf: BriefingPDF, text: str, colour: tuple[int, int, int]) -> None:
    pdf.set_draw_color(*colour)
    pdf.set_line_width(0.6)
    pdf.set_text_color(*colour)
    pdf.set_font(FAMILY, "B", 9.5)
    pdf.multi_cell(
        0, 5, text, border=1, markdown=False, align="L", padding=2.5, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_line_width(0.2)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(*NAVY)
    pdf.ln(2.5)


def _headlines(pdf: BriefingPDF, pack: Pack, heading: str) -> None:
    pdf.heading(heading, new_page=True)
    h = pack.headlines
    options = briefing_settings()
    stable = f"{options.stable_percent:g}"
    amber = f"{options.amber_margin_percent:g}"
    if h.population:
        people = f"Rates use {residents_text(h.population)}."
    else:
        people = "No resident population is known for this place, so no rates are shown."
    share = "" if h.share is None else f" ({h.share:.1%} of Kirklees residents)"
    pdf.para(
        f"Counts for {pack.quarter.label}. {people} Trend compares with the same quarter last year: "
        f"↑ higher, ↓ lower, → within {stable}%. Partnership Plan targets are yearly for all of Kirklees; "
        f"here each is scaled to one quarter and to this place's share of residents{share}. RAG: Green at or "
        f"below the target, Amber up to {amber}% above it, Red beyond.",
        size=8.5,
    )
    table = headline_table(h, pack.disclosure)
    styles = [
        [
            FontFace(emphasis="ITALICS") if r.is_measure else FontFace(emphasis="BOLD"),
            *([None] * 6),
            RAG_STYLES.get(cells[-1]),
        ]
        for r, cells in zip(h.rows, table, strict=True)
    ]
    pdf.grid(
        headline_columns(h.population),
        table,
        (37, 15, 23, 30, 30, 11, 20, 14),  # the rate heading names its population estimate
        align=("LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT", "CENTER", "RIGHT", "CENTER"),
        styles=styles,
        size=7.5,
    )
    for note in not_measured_notes(h):
        pdf.para(note, size=7.5, style="I", colour=WARNING)
    measures = [r.measure for r in h.rows if r.measure is not None]
    if measures:
        pdf.para("Partnership Plan targets", size=8, style="B", colour=GREY)
        for m in measures:
            note = f" {m.notes.rstrip('.')}." if m.notes else ""
            baseline = pack.baselines.get(m.measure, m.baseline)
            pdf.para(f"{m.measure}: {m.wording}; baseline {baseline}.{note}", size=7.5, colour=GREY)


def _section_note(pdf: BriefingPDF, section: Section, empty: str) -> bool:
    """Print why a section has no rows; True when there are rows to print."""
    if not section.available:
        pdf.para(f"Not available: {section.note}", size=9, style="I", colour=WARNING)
        return False
    if not section.rows:
        pdf.para(section.note or empty, size=9, style="I")
        return False
    if section.note:
        pdf.para(section.note, size=8.5)
    return True


def _hotspots(pdf: BriefingPDF, pack: Pack, heading: str) -> None:
    pdf.heading(heading)
    pdf.para(pack.hotspot_method, size=8.5)
    if not _section_note(pdf, pack.hotspots, "No significant hotspots in this place for the quarter."):
        return
    rows = pack.hotspots.rows
    layer_ids = list(pack.layer_labels)
    # narrow count columns: let hyphenated layer names break after the hyphen ("Fly-" / "tipping")
    columns = [
        c.replace("-", "-\n") if c in pack.layer_labels.values() else c for c in hotspot_columns(layer_ids)
    ]
    n_layers = len(layer_ids)
    widths = [6, 24, 20, *([16.5] * n_layers), 13, 17.5, 17]
    align = ["RIGHT", "LEFT", "LEFT", *(["RIGHT"] * (n_layers + 1)), "CENTER", "LEFT"]
    pdf.grid(
        columns, [hotspot_cells(r, layer_ids, pack.disclosure) for r in rows], widths, align=align, size=7
    )
    pdf.para(trend_key(r.trend for r in rows), size=7.5, colour=GREY)


def _areas(pdf: BriefingPDF, pack: Pack, heading: str) -> None:
    pdf.heading(heading)
    if not _section_note(
        pdf, pack.areas, "No Clear Hold Build areas, candidate or designated, overlap this place."
    ):
        return
    rows = [area_cells(r, pack.disclosure) for r in pack.areas.rows]
    pdf.grid(AREA_COLUMNS, rows, (26, 17, 22, 13, 17, 14, 14, 20, 37), size=7)
    pdf.para(trend_key(r.trend for r in pack.areas.rows), size=7.5, colour=GREY)
    if any(r.kind == "Designated" for r in pack.areas.rows):  # their readings quote the quotient
        pdf.para(WDQ_MEANING, size=7.5, colour=GREY)


def _action_days(pdf: BriefingPDF, pack: Pack, heading: str) -> None:
    pdf.heading(heading)
    pdf.para(pack.action_day_method, size=8.5)
    if not _section_note(
        pdf, pack.action_days, "No locations: no incidents of the chosen kinds in the quarter."
    ):
        return
    rows = pack.action_days.rows
    columns = action_day_columns(pack.disclosure)
    widths = (7, 20, 45, 30, 78) if pack.disclosure.public else (6, 20, 30, 22, 40, 62)
    pdf.grid(columns, [action_day_cells(r, pack.disclosure) for r in rows], widths, size=7)


def _notes(pdf: BriefingPDF, pack: Pack, heading: str) -> None:
    pdf.heading(heading)
    for title, text in pack.caveats:
        pdf.keep_room(25)  # a note's title and the first lines of its text stay together
        pdf.para(title, size=9, style="B")
        pdf.para(text, size=8.5)


# ---- the one-page ward profile ------------------------------------------------------------------------


def render_ward_profile(profile: WardProfile) -> bytes:
    """The ward profile on one A4 page: comparison table, 12-month trend, top categories, hotspots, CHB."""
    disclosure = profile.disclosure
    pdf = _document(profile, f"{profile.place.name} ward profile · {profile.period.label}")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.para("WARD PROFILE", size=8, style="B", colour=GREY)
    pdf.set_font(FAMILY, "B", 20)
    pdf.multi_cell(0, 9, clip(profile.place.name), markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.para(
        f"{profile.place.description} · {profile.period.label} · produced "
        f"{long_date(profile.produced)} · {disclosure.marking}",
        size=8.5,
        colour=GREY,
    )
    if profile.synthetic:
        pdf.para(
            f"{config.SYNTHETIC_LABEL}: every figure here was generated for demonstration.",
            size=8,
            style="B",
            colour=WARNING,
        )

    ward, district, borough = profile.people
    pdf.para(
        f"How the ward compares (incidents {rate_unit(combined_basis(profile.people))}, last 12 months)",
        size=10,
        style="B",
        colour=NAVY,
    )
    rows = []
    for r in profile.rates:
        ratio = (
            "–"
            if disclosure.hides(r.count) or not (r.rate and r.borough_rate)
            else f"{r.rate / r.borough_rate:.1f}×"
        )
        rows.append(
            [
                r.label,
                disclosure.count(r.count),
                disclosure.rate(r.rate, r.count),
                "–" if r.district_rate is None else f"{r.district_rate:,.1f}",
                "–" if r.borough_rate is None else f"{r.borough_rate:,.1f}",
                ratio,
            ]
        )
    pdf.grid(
        ["Layer", "Incidents in the ward", "Ward", profile.district, config.BOROUGH_NAME, "Ward ÷ Kirklees"],
        rows,
        (36, 32, 24, 32, 28, 28),  # wide enough for every heading on one line
        align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        size=7.5,
        padding=PROFILE_PADDING,
    )
    residents = " · ".join(
        f"{name}: {p.people:,} residents"  # their basis is in the heading above
        for name, p in (
            (profile.place.name, ward),
            (profile.district, district),
            (config.BOROUGH_NAME, borough),
        )
        if p is not None
    )
    # a layer named with an abbreviation ("Road KSI") is spelt out: the profile has no data-sources table
    glossary = "".join(
        f" · {r.label}: {config.layers()[r.layer].description}"
        for r in profile.rates
        if ABBREVIATION.search(r.label) and r.layer in config.layers()
    )
    pdf.para(residents + glossary, size=7, colour=GREY)

    pdf.para("Month by month", size=10, style="B", colour=NAVY)
    pdf.image_png(profile.trend_png)

    # the map in a right-hand column beside the next two tables, which narrow to the left of it
    top = pdf.get_y()
    map_width, map_height = PROFILE_MAP_MM
    pdf.image(profile.map_png, x=pdf.w - pdf.r_margin - map_width, y=top, w=map_width)
    pdf.set_right_margin(pdf.r_margin + map_width + 4)
    pdf.para("Most frequent in the ward", size=10, style="B", colour=NAVY)
    pdf.grid(
        ["Category", "Last 12 months", "12 months before", "Change"],
        [
            [
                clip(c.label, 80),
                disclosure.count(c.count),
                disclosure.count(c.previous),
                disclosure.change(Change(c.count, c.previous)),
            ]
            for c in profile.categories
        ],
        (51, 13, 14, 34),  # a category and a change on one line each, beside the map
        align=("LEFT", "RIGHT", "RIGHT", "LEFT"),
        size=7,
        padding=PROFILE_PADDING,
    )

    pdf.para("Hotspots in the ward", size=10, style="B", colour=NAVY)
    key = ""  # what the table's words mean: full width under the map, where it takes fewer lines
    if _section_note(pdf, profile.hotspots, "No significant hotspots in the ward over these months."):
        pdf.grid(
            ["#", "Location", "Incidents", "Confidence", "Trend"],
            [
                [
                    str(h.rank),
                    clip(h.location) or "(no street named)",
                    disclosure.count(h.total),
                    h.confidence.replace(" confidence", ""),
                    h.trend or "–",
                ]
                for h in profile.hotspots.rows
            ],
            (6, 36, 16, 24, 30),
            size=7.5,
            padding=PROFILE_PADDING,
        )
        trends = trend_key(h.trend for h in profile.hotspots.rows)
        key = (
            "Hotspots: hexagons with a significant concentration of incidents (all layers, harm-weighted), "
            f"hottest first; a busy street can hold several. {trends}"
        )
    pdf.set_right_margin(pdf.l_margin)
    pdf.set_y(max(pdf.get_y(), top + map_height + 1))
    pdf.para(key, size=7, colour=GREY)
    pdf.para("Clear Hold Build areas", size=10, style="B", colour=NAVY)
    if _section_note(pdf, profile.areas, "No Clear Hold Build area overlaps the ward."):
        for a in profile.areas.rows:
            pdf.para(
                f"{clip(a.name)} ({a.kind.lower()}): {a.phase}"
                + (f" since {a.since}" if a.since else "")
                + f"; indicator crimes in the last 12 months: {disclosure.window(a.last_12_months)}.",
                size=8,
            )
    return pdf.output_bytes()
