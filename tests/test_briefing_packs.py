"""Briefing packs end to end on the demo store: read the PDFs back, check what partners and the public see,
and that the pack's numbers are the app's numbers."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pandas as pd
import pytest
from pypdf import PdfReader

import config
from briefing import analyses, packs
from briefing.analyses import hotspots_from_store
from briefing.headlines import HeadlineRow, headline_rows
from briefing.model import SECTION_HEADINGS, Pack
from briefing.packs import (
    PackContext,
    action_day_section,
    area_places,
    build_pack,
    district_places,
    zip_files,
)
from briefing.pdf import render_pack
from briefing.periods import Quarter
from briefing.places import ward_place
from briefing.suppression import Disclosure
from briefing.tables import action_day_cells, headline_cells, hotspot_cells
from geo.grid import study_grid
from geo.harm import default_weights
from geo.rates import area_population
from store import Store
from store.queries import Filters, cell_counts, counts
from tests.test_store import count_connections
from views.map_page import summary_table

PRODUCED = date(2025, 11, 25)
H3_ID = re.compile(r"\b8[0-9a-f]{14}\b")
COORDINATE = re.compile(r"\b53\.\d{3,}|-1\.\d{3,}")
#: A count of 1-4 given away by a change ("(from 3)", "(both 3)": a space or a no-break space) or a breakdown.
SMALL_COUNT = re.compile(r"\(from\s[1-4]\)|both\s[1-4]\)|: [1-4][;)]")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(scope="module")
def ctx(demo_store: Store) -> PackContext:
    return PackContext.load(demo_store)


@pytest.fixture(scope="module")
def huddersfield(ctx: PackContext) -> dict[str, tuple[Pack, bytes, str]]:
    """The Huddersfield COG pack for the default quarter, for both audiences: (model, PDF, text)."""
    place = next(p for p in district_places(ctx) if p.name == "Huddersfield")
    out = {}
    for audience in ("partner", "public"):
        pack = build_pack(ctx, place, ctx.default_quarter(), audience, PRODUCED)
        data = render_pack(pack)
        out[audience] = (pack, data, pdf_text(data))
    return out


def test_default_period_is_the_last_complete_quarter(ctx: PackContext) -> None:
    assert ctx.default_quarter().code == "2025Q3"  # the demo ends in September 2025


@pytest.mark.parametrize("audience", ["partner", "public"])
def test_pack_names_place_period_label_and_every_section(huddersfield, audience: str) -> None:
    pack, data, text = huddersfield[audience]
    assert data.startswith(b"%PDF")
    assert "Huddersfield" in text
    assert "Q3 2025 (Jul to Sep 2025)" in text
    assert "Q3 2024 (Jul to Sep 2024)" in text and "Q2 2025 (Apr to Jun 2025)" in text
    assert config.SYNTHETIC_LABEL in text
    assert "25 November 2025" in text
    for heading in SECTION_HEADINGS:
        assert heading in text, heading
    marking = "Partner — OFFICIAL" if audience == "partner" else "Public"
    pages = PdfReader(io.BytesIO(data)).pages
    assert all(marking in page.extract_text() for page in pages)  # marked on every page
    assert all(config.SYNTHETIC_LABEL in page.extract_text() for page in pages)
    assert "↑" in text or "↓" in text or "→" in text  # the Unicode arrows survived


def test_partner_pack_has_full_detail(huddersfield) -> None:
    pack, _, text = huddersfield["partner"]
    assert H3_ID.search(text) and COORDINATE.search(text)  # cell ids and action-day centres
    assert pack.hotspots.rows and pack.action_days.rows
    assert any(r.kind == "Candidate" for r in pack.areas.rows)  # the demo's town-centre cluster


def test_public_pack_shows_no_small_counts_no_cells_no_coordinates(huddersfield) -> None:
    pack, _, text = huddersfield["public"]
    assert not H3_ID.search(text)
    assert not COORDINATE.search(text)
    assert not SMALL_COUNT.search(text)
    assert all(r.total >= 5 for r in pack.hotspots.rows)
    assert all(r.incidents >= 5 for r in pack.action_days.rows)
    # where a part of a row is hidden its total is too (total minus the parts shown would give it away)
    layer_ids = list(pack.layer_labels)
    hotspot_rows = [hotspot_cells(r, layer_ids, pack.disclosure) for r in pack.hotspots.rows]
    assert any("fewer than 5" in cells for cells in hotspot_rows)  # the demo has such rows
    for cells in hotspot_rows:
        assert (cells[3 + len(layer_ids)] == "not shown") == ("fewer than 5" in cells[3 : 3 + len(layer_ids)])
    for r in pack.action_days.rows:
        behind = action_day_cells(r, pack.disclosure)[4]
        assert behind.startswith("not shown (") == ("fewer than 5" in behind)
    assert [r.number for r in pack.action_days.rows] == list(range(1, len(pack.action_days.rows) + 1))
    assert all(r.kind == "Designated" for r in pack.areas.rows)  # candidates are for partners only
    for row in pack.headlines.rows:
        shown = headline_cells(row, pack.disclosure)[1]
        assert shown in ("0", "no data", "fewer than 5") or int(shown.replace(",", "")) >= 5


def test_small_place_public_pack_says_fewer_than_5(ctx: PackContext) -> None:
    place = ward_place(ctx.wards, "Golcar")
    pack = build_pack(ctx, place, ctx.default_quarter(), "public", PRODUCED)
    text = pdf_text(render_pack(pack))
    ksi: HeadlineRow = next(r for r in pack.headlines.rows if r.layer == "ksi" and not r.is_measure)
    assert 0 < ksi.count < 5  # the demo has a handful of KSI collisions a quarter in a ward
    assert "fewer than 5" in text
    assert not COORDINATE.search(text) and not H3_ID.search(text)
    assert not SMALL_COUNT.search(text)


def test_headline_numbers_are_the_map_pages_numbers(
    ctx: PackContext, huddersfield, demo_store: Store
) -> None:
    pack = huddersfield["partner"][0]
    period = pack.quarter.period
    layer_ids = tuple(config.layers())
    current = counts(
        demo_store,
        Filters(layers=layer_ids, start=period.start, end=period.end, district="Huddersfield"),
        ("layer",),
    )
    population = area_population(ctx.populations, ctx.wards.wards_in("Huddersfield"))
    app = summary_table(current, None, layer_ids, population, ctx.coverage, period)
    for lid, spec in config.layers().items():
        if lid not in ctx.sources:  # a layer with no data has no line (the demo has no police.uk ASB)
            continue
        row = next(r for r in pack.headlines.rows if r.layer == lid and not r.is_measure)
        assert app.loc[spec.label, "Incidents"] == f"{row.count:,}"
        assert app.loc[spec.label, f"Rate per 1,000 residents ({population.basis})"] == f"{row.rate:,.1f}"


def test_measure_rows_count_their_categories(huddersfield, demo_store: Store) -> None:
    pack = huddersfield["partner"][0]
    row = next(r for r in pack.headlines.rows if r.label == "Residential burglary")
    period = pack.quarter.previous().period
    before = counts(
        demo_store,
        Filters(
            layers=("crime",),
            categories=(("crime", ("Burglary",)),),
            start=period.start,
            end=period.end,
            district="Huddersfield",
        ),
    )
    assert row.last_quarter == int(before["n"].sum())
    assert row.target == pytest.approx(1307 / 4 * pack.headlines.share)


def test_action_days_are_the_pickers_answer(ctx: PackContext, huddersfield, demo_store: Store) -> None:
    pack = huddersfield["partner"][0]
    defaults, presets = config.action_presets().picker, config.action_presets().presets
    police = analyses.plan(
        demo_store,
        ctx.wards,
        weights=presets["police"].weights,
        weights_name="Police",
        period=pack.quarter.period,
        n=3,
        min_distance_m=defaults.min_distance_m,
        resolution=defaults.resolution,
        district="Huddersfield",
    )
    in_pack = [r for r in pack.action_days.rows if r.preset == "Police"]
    assert [(r.location, r.lat, r.lon, r.incidents) for r in in_pack] == [
        (loc.street, loc.lat, loc.lon, loc.incidents) for loc in police.locations
    ]


def test_chb_rows_are_the_register_rows(ctx: PackContext, huddersfield) -> None:
    pack = huddersfield["partner"][0]
    register = ctx.register.table().set_index("name")
    for row in pack.areas.rows:
        assert register.loc[row.name, "phase"] == row.phase
        assert register.loc[row.name, "last_12_months"] == row.last_12_months


def test_public_action_day_section_renumbers_after_leaving_small_places_out(ctx: PackContext) -> None:
    place = ward_place(ctx.wards, "Denby Dale")
    partner, _ = action_day_section(ctx, place, ctx.default_quarter().period, Disclosure("partner"))
    public, _ = action_day_section(ctx, place, ctx.default_quarter().period, Disclosure("public"))
    assert any(r.incidents < 5 for r in partner.rows)  # roads locations with one or two collisions
    assert all(r.incidents >= 5 for r in public.rows)
    assert [r.number for r in public.rows] == list(range(1, len(public.rows) + 1))


def test_each_section_reads_the_store_on_one_connection(
    ctx: PackContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening the store costs 20-50 ms and a section makes several small reads: they share one."""
    place = ward_place(ctx.wards, "Ashbrow")
    period = ctx.default_quarter().period
    opened = count_connections(monkeypatch)
    sections = {
        "hotspots": lambda: packs.hotspot_section(ctx, place, period, Disclosure("partner")),
        "action days": lambda: action_day_section(ctx, place, period, Disclosure("partner")),
        "headlines": lambda: headline_rows(
            ctx.store,
            place,
            ctx.default_quarter(),
            populations=ctx.populations,
            all_wards=ctx.wards.codes,
            sources=ctx.sources,
        ),
    }
    for name, section in sections.items():
        opened.clear()
        section()
        assert len(opened) == 1, name


def test_quarter_outside_the_data_is_a_clear_error(ctx: PackContext) -> None:
    place = district_places(ctx, "Rural")[0]
    with pytest.raises(ValueError, match="no data was loaded for any month of Q1 2020"):
        build_pack(ctx, place, Quarter(2020, 1), "partner", PRODUCED)


def test_zip_holds_every_pack() -> None:
    files = {"a.pdf": b"%PDF-a", "b.pdf": b"%PDF-b"}
    with zipfile.ZipFile(io.BytesIO(zip_files(files))) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == files


def test_hotspots_are_the_hotspots_pages_cells(ctx: PackContext, huddersfield, demo_store: Store) -> None:
    pack = huddersfield["partner"][0]
    period = pack.quarter.period
    res = config.settings()["map"]["local_resolution"]
    result = hotspots_from_store(
        demo_store,
        # every layer but police.uk-style ASB: the demo's council ASB records are the same reports
        Filters(layers=tuple(lid for lid in config.layers() if lid != "asb"), district="Huddersfield"),
        study_grid(ctx.wards, res, district="Huddersfield"),
        first=pd.Period(period.start, "M"),
        last=pd.Period(period.end, "M"),
        k=1,
        weights=default_weights(),
    )
    top = result.hot_cells().head(len(pack.hotspots.rows))
    assert [r.cell for r in pack.hotspots.rows] == top["h3"].tolist()
    assert [r.total for r in pack.hotspots.rows] == top["count"].tolist()
    assert [r.trend for r in pack.hotspots.rows] == top["trend"].tolist()


def test_chb_area_is_counted_over_its_cells(ctx: PackContext, demo_store: Store) -> None:
    (area,) = area_places(ctx, "Ashbrow")  # the demo's planted cluster, found as a candidate
    assert area.kind == "area" and area.cells
    headlines = headline_rows(
        demo_store,
        area,
        ctx.default_quarter(),
        populations=ctx.populations,
        all_wards=ctx.wards.codes,
        sources=ctx.sources,
    )
    period = ctx.default_quarter().period
    per_cell = cell_counts(
        demo_store, Filters(layers=("crime",), start=period.start, end=period.end), area.cell_res
    )
    crime = next(r for r in headlines.rows if r.layer == "crime" and not r.is_measure)
    assert crime.count == int(per_cell[per_cell["cell"].isin(area.cells)]["n"].sum())
    assert crime.rate is None and crime.target is None  # no resident population for a cluster of cells


def test_batch_never_lets_one_pack_overwrite_another(
    ctx: PackContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packs, "pack_pdf", lambda *args: ("chb-ashbrow-2025Q3-partner.pdf", b"%PDF"))
    places = district_places(ctx)[:3]
    files = packs.batch(ctx, places, ctx.default_quarter(), "partner", PRODUCED)
    assert list(files) == [
        "chb-ashbrow-2025Q3-partner.pdf",
        "chb-ashbrow-2025Q3-partner-2.pdf",
        "chb-ashbrow-2025Q3-partner-3.pdf",
    ]
