"""Hostile text in packs, the CLI, the one-page ward profile and the Partnership Plan scorecard."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

import cli
import config
from briefing.maps import MapContent, place_map
from briefing.packs import PackContext, build_pack
from briefing.pdf import render_pack, render_ward_profile
from briefing.periods import Quarter
from briefing.places import ward_place
from briefing.scorecard import compute_scorecard
from briefing.ward_profile import build_ward_profile
from layers.ingest import PARSED_COLUMNS, ingest
from layers.wards import shipped_wards
from store import Store
from store.queries import Filters, counts

PRODUCED = date(2025, 11, 25)
HOSTILE_STREETS = (
    "<script>alert('x')</script> Road",
    "**Bold** _Lane_ {nb} <b>Street</b>",
    "Ulica Łódź – Ελληνική Οδός – Кириллическая улица",
    "Longname " + "Avenue" * 40,
)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeeze(text: str) -> str:
    """Text without whitespace: a long name wraps over several lines in a table cell."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A year of (non-synthetic) crimes in Ashbrow: four tight clusters, each on a street with a hostile
    name, 500 m or more apart, over a thin background."""
    wards = shipped_wards()
    rng = np.random.default_rng(7)
    months = pd.date_range("2024-10-01", "2025-09-01", freq="MS")
    centre_lat, centre_lon = 53.6772, -1.7733
    offsets = ((0.0, 0.0), (0.0045, 0.0), (0.0, 0.0075), (-0.0045, 0.0))
    frames = []
    for (dlat, dlon), street in zip(offsets, HOSTILE_STREETS, strict=True):
        n = 25 * len(months)
        frames.append(
            pd.DataFrame(
                {
                    # ~130 m spread: a busy neighbourhood of hexagons (one busy hexagon alone is no hot spot)
                    "lat": rng.normal(centre_lat + dlat, 0.0012, n),
                    "lon": rng.normal(centre_lon + dlon, 0.0018, n),
                    "date": np.repeat(months, 25),
                    "street": street,
                    "category": rng.choice(["Violence and sexual offences", "Drugs", "Shoplifting"], n),
                }
            )
        )
    n = 400
    frames.append(
        pd.DataFrame(
            {
                "lat": rng.uniform(53.66, 53.70, n),
                "lon": rng.uniform(-1.80, -1.74, n),
                "date": rng.choice(months, n),
                "street": "Plain Street",
                "category": "Other theft",
            }
        )
    )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.assign(
        layer="crime",
        source_id=[f"h{i}" for i in range(len(frame))],
        date_precision="month",
        severity=None,
        casualties=None,
        attributes=None,
    )[list(PARSED_COLUMNS)]
    store = Store(tmp_path_factory.mktemp("hostile") / "hostile.duckdb")
    ingest(store, frame, wards, source="police-csv", file_name="hostile.csv", rows_read=len(frame))
    return store


@pytest.fixture(scope="module")
def hostile_pack(hostile_store: Store):
    ctx = PackContext.load(hostile_store)
    pack = build_pack(ctx, ward_place(ctx.wards, "Ashbrow"), Quarter(2025, 3), "partner", PRODUCED)
    return pack, render_pack(pack)


def test_hostile_street_names_print_as_plain_text(hostile_pack) -> None:
    pack, data = hostile_pack
    text = pdf_text(data)
    flat = squeeze(text)
    listed = {r.location for r in pack.hotspots.rows} | {r.location for r in pack.action_days.rows}
    assert set(HOSTILE_STREETS[:3]) <= listed
    for street in HOSTILE_STREETS[:3]:
        assert squeeze(street) in flat, street  # tags, markdown and {nb} exactly as typed
    assert "Page 1 of" in text  # the page-count alias still works, and "{nb}" in data was not replaced
    long_name = HOSTILE_STREETS[3]
    assert long_name in listed
    assert squeeze(long_name[:150]) in flat and "…" in text  # clipped at 160 characters, visibly


def test_real_data_packs_carry_no_synthetic_label_and_say_what_is_missing(hostile_pack) -> None:
    pack, data = hostile_pack
    text = pdf_text(data)
    assert config.SYNTHETIC_LABEL not in text
    assert not pack.synthetic and pack.file_name == "ward-ashbrow-2025Q3-partner.pdf"  # no SYNTHETIC- either
    assert "Crime" in text and "Anti-social behaviour" not in text  # no columns or rows for absent layers
    assert not pack.areas.available  # a year of data is too short for Clear Hold Build
    assert "Not available: the store holds too few months" in text


def test_hostile_place_names_print_as_plain_text(hostile_pack) -> None:
    pack, _ = hostile_pack
    name = "<i>Ŵard</i> **x** $y$ {nb} Ελληνικά"
    text = pdf_text(render_pack(replace(pack, place=replace(pack.place, name=name))))
    assert name in text


def test_map_draws_dollar_signs_and_braces_literally(hostile_store: Store) -> None:
    wards = shipped_wards()
    place = wards.geometry_of(ward="E05001389")
    png = place_map(MapContent(place, wards, ("E05001389",), title=r"$\frac{1}{0}$ {broken"), height_in=3)
    assert png.startswith(b"\x89PNG")


def test_cli_writes_pdfs_and_a_zip(demo_store: Store, tmp_path: Path, capsys) -> None:
    code = cli.main(
        [
            "packs",
            "--store",
            str(demo_store.path),
            "--district",
            "Rural",
            "--period",
            "2024Q4",
            "--audience",
            "public",
            "--out",
            str(tmp_path),
            "--produced",
            "2025-11-25",
        ]
    )
    assert code == 0
    # built from the demo: every file says so in its name, as the app's downloads do
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "SYNTHETIC-packs-2024Q4-public.zip",
        "SYNTHETIC-rural-2024Q4-public.pdf",
    ]
    pdf = tmp_path / "SYNTHETIC-rural-2024Q4-public.pdf"
    text = pdf_text(pdf.read_bytes())
    assert "Rural" in text and "Q4 2024 (Oct to Dec 2024)" in text and "Public" in text
    with zipfile.ZipFile(tmp_path / "SYNTHETIC-packs-2024Q4-public.zip") as archive:
        assert archive.namelist() == ["SYNTHETIC-rural-2024Q4-public.pdf"]
        assert archive.read("SYNTHETIC-rural-2024Q4-public.pdf") == pdf.read_bytes()
    assert "SYNTHETIC-packs-2024Q4-public.zip" in capsys.readouterr().out


def test_cli_public_packs_name_no_candidate_area(demo_store: Store, tmp_path: Path, capsys) -> None:
    """The demo's register holds candidate areas but no designated one: a public pack for "all" areas, or
    for a candidate by name, is refused in one sentence and writes nothing; a partner pack is built."""
    register = PackContext.load(demo_store).register
    assert register.candidates and not register.designated
    args = ["packs", "--store", str(demo_store.path), "--period", "2024Q4", "--produced", "2025-11-25"]
    for area in ("all", register.candidates[0].name):
        out = tmp_path / "public"
        assert cli.main([*args, "--area", area, "--audience", "public", "--out", str(out)]) == 1
        assert "public packs cover designated Clear Hold Build areas only" in capsys.readouterr().err
        assert not out.exists() or not list(out.iterdir())
    partner = tmp_path / "partner"
    assert cli.main([*args, "--area", register.candidates[0].name, "--out", str(partner)]) == 0
    assert len(list(partner.glob("*.pdf"))) == 1


def test_cli_refuses_a_bad_period_clearly(demo_store: Store, tmp_path: Path, capsys) -> None:
    args = ["packs", "--store", str(demo_store.path), "--out", str(tmp_path)]
    assert cli.main([*args, "--period", "2024Q7"]) == 1
    assert "not a quarter such as 2024Q4" in capsys.readouterr().err
    assert cli.main([*args, "--period", "2019Q1"]) == 1
    assert "no data was loaded for any month of Q1 2019" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_ward_profile_is_one_page_comparing_ward_district_and_kirklees(demo_store: Store) -> None:
    ctx = PackContext.load(demo_store)
    profile = build_ward_profile(ctx, "Ashbrow", "public", PRODUCED)
    data = render_ward_profile(profile)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for words in ("Ashbrow", "Huddersfield", "Kirklees", "Oct 2024 to Sep 2025", config.SYNTHETIC_LABEL):
        assert words in text
    for heading in ("How the ward compares", "Month by month", "Most frequent", "Hotspots in the ward"):
        assert heading in text
    assert "incidents per 1,000 residents (ONS mid-2020)" in text  # the basis in data/population.csv
    crime = next(r for r in profile.rates if r.layer == "crime")
    period = profile.period
    ward_crime = counts(
        demo_store, Filters(layers=("crime",), start=period.start, end=period.end, ward=profile.place.ward)
    )
    assert crime.count == int(ward_crime["n"].sum())
    assert crime.rate == pytest.approx(crime.count * 1000 / profile.people[0].people)


def test_scorecard_adds_up_and_follows_the_targets(demo_store: Store) -> None:
    ctx = PackContext.load(demo_store)
    card = compute_scorecard(ctx.store, ctx.wards, ctx.populations, ctx.sources, ctx.latest_month)
    assert card.period.label == "Oct 2024 to Sep 2025 (12 months)"
    for kirklees in card.at("Kirklees"):
        name = kirklees.measure.measure
        assert kirklees.value == sum(s.value for s in card.at("district", name))
        assert kirklees.value == sum(s.value for s in card.at("ward", name))
        assert len(card.sparklines[name]) == 24
    crime = card.at("Kirklees", "Total crime")[0]
    total = counts(demo_store, Filters(layers=("crime",), start=card.period.start, end=card.period.end))
    assert crime.value == int(total["n"].sum())
    assert crime.target == pytest.approx(45418)
    ksi = card.at("Kirklees", "KSI casualties")[0]
    assert ksi.target == pytest.approx(ksi.previous - 10)
    assert sum(s.target for s in card.at("district", "Total crime")) == pytest.approx(45418)
