"""Measures that the loaded data cannot count say so; police.uk ASB and council ASB are never added.

A real-shaped store is built the way an analyst builds one: the police.uk street CSV imported into an
empty store (police.uk ASB is all "Unclassified"), then the council's typed ASB records. Expected figures
come from the fixture files read independently (:func:`tests.test_import_council_asb.fixture_kinds`) or
from plain SQL counts, never from the code under test.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import cli
import config
from briefing.analyses import plan, weighted_incidents
from briefing.headlines import HeadlineRow, Headlines, headline_rows
from briefing.packs import PackContext, action_day_section, combined_layers, hotspot_section
from briefing.periods import Quarter
from briefing.places import district_place
from briefing.scorecard import Scorecard, compute_scorecard
from briefing.suppression import Disclosure
from briefing.tables import headline_cells, not_measured_notes
from cli.hotspots import build_filters
from cli.summary import summarise
from config.action_days import Weight
from geo.action_days import apply_weights, describe_weights
from geo.measurable import combinable, loaded_categories, not_measured
from geo.rates import Period
from layers.importer import run_import
from store import Store
from tests.import_helpers import count, fixture
from tests.test_import_council_asb import FIXTURE, fixture_kinds

NUISANCE = "Nuisance ASB incidents"
COUNCIL_NEEDS = config.layers()["council_asb"].needs  # the words the data file gives
JUNE = Period.of_months(date(2024, 6, 1), date(2024, 6, 1))
Q2 = Quarter(2024, 2)
Q2_MONTHS = ("2024-04", "2024-05", "2024-06")


# ---- the pure rules ---------------------------------------------------------------------------------


def test_a_category_no_loaded_record_carries_is_not_measured() -> None:
    police_only = {"asb": frozenset({"Unclassified"}), "crime": frozenset({"Drugs"})}
    assert not_measured("council_asb", ("Nuisance",), police_only) == f"not measured: needs {COUNCIL_NEEDS}"
    assert not_measured("asb", ("Nuisance",), police_only) == (
        "not measured: needs ASB (police.uk) records of kind Nuisance "
        "(the records loaded are all Unclassified)"
    )
    assert not_measured("asb", None, police_only) is None  # the whole layer is loaded
    assert not_measured("crime", ("Drugs", "Robbery"), police_only) is None  # one of the categories is enough
    typed = {"council_asb": frozenset({"Personal", "Nuisance"})}
    assert not_measured("council_asb", ("Nuisance",), typed) is None
    assert not_measured("council_asb", ("Environmental",), typed).startswith("not measured: needs ")


def test_loaded_categories_ignore_zero_counts() -> None:
    counts = pd.DataFrame(
        {"layer": ["asb", "asb", "crime"], "category": ["Unclassified", "Nuisance", "Drugs"]}
    )
    assert loaded_categories(counts.assign(n=[3, 0, 1])) == {
        "asb": frozenset({"Unclassified"}),
        "crime": frozenset({"Drugs"}),
    }


def test_layers_holding_the_same_reports_are_never_added() -> None:
    kept, notes = combinable(["crime", "asb", "council_asb"], {"crime", "asb", "council_asb"})
    assert kept == ("crime", "council_asb") and len(notes) == 1
    assert "ASB (police.uk) is left out" in notes[0] and "ASB (council records)" in notes[0]
    # with police.uk ASB alone (no council records loaded) nothing is left out
    everything = ("crime", "asb", "council_asb")
    assert combinable(everything, {"crime", "asb"}) == (everything, ())
    assert combinable(["asb"], {"asb", "council_asb"}) == (("asb",), ())  # one layer adds nothing to itself


def test_an_asb_figure_names_its_source() -> None:
    frame = pd.DataFrame(
        {"layer": ["council_asb", "crime", "asb"], "category": ["Nuisance", "Drugs", "Unclassified"]}
    )
    weights = (Weight("council_asb", "Nuisance", 1), Weight("crime", "Drugs", 1), Weight("asb", None, 1))
    assert apply_weights(frame, weights)["label"].tolist() == [
        "ASB (council records) - Nuisance",  # not a bare "Nuisance": the ASB sources are told apart
        "Drugs",
        "ASB (police.uk)",
    ]
    assert describe_weights(weights) == "ASB (council records) - Nuisance ×1, Drugs ×1, ASB (police.uk) ×1"


# ---- a real-shaped store ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def police_only(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("police") / "store.duckdb")
    (report,) = run_import(store, "police-csv", [fixture("police-street-2024-06.csv")])
    assert report.ok and report.accepted_by_layer.get("asb")
    return store


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("both") / "store.duckdb")
    run_import(store, "police-csv", [fixture("police-street-2024-06.csv")])
    (report,) = run_import(store, "council-asb", [fixture(FIXTURE)])
    assert report.ok
    return store


def _scorecard(store: Store) -> Scorecard:
    ctx = PackContext.load(store)
    return compute_scorecard(ctx.store, ctx.wards, ctx.populations, ctx.sources, ctx.latest_month)


def _headlines(store: Store) -> list[Headlines]:
    """The pack headline tables for 2024 Q2, one per district."""
    ctx = PackContext.load(store)
    return [
        headline_rows(
            store,
            district_place(ctx.wards, d),
            Q2,
            populations=ctx.populations,
            all_wards=ctx.wards.codes,
            sources=ctx.sources,
        )
        for d in ctx.wards.district_names
    ]


def _row(headlines: Headlines, label: str) -> HeadlineRow:
    return next(r for r in headlines.rows if r.label == label)


def test_police_only_scorecard_reads_not_measured(police_only: Store) -> None:
    stored = police_only.query("SELECT DISTINCT category FROM incidents WHERE layer = 'asb'")
    assert stored["category"].tolist() == ["Unclassified"]  # police.uk gives ASB no type
    card = _scorecard(police_only)
    scores = [s for s in card.scores if s.measure.measure == NUISANCE]
    assert len(scores) == 1 + 4 + 23  # Kirklees, its districts, its wards
    for s in scores:
        assert s.not_measured == f"not measured: needs {COUNCIL_NEEDS}"
        assert (s.value, s.previous, s.rate, s.rag, s.direction) == (None, None, None, None, "")
    assert card.sparklines[NUISANCE] == ()  # no line of zeros either
    # a measure the police file can count is not "not measured" (crime is loaded)
    assert all(s.not_measured is None for s in card.scores if s.measure.measure == "Total crime")


def test_police_only_pack_headlines_read_not_measured(police_only: Store) -> None:
    disclosure = Disclosure("partner")
    for headlines in _headlines(police_only):
        row = _row(headlines, NUISANCE)
        assert (row.count, row.last_year, row.rag, row.direction) == (None, None, None, "")
        cells = headline_cells(row, disclosure)
        assert cells[1] == "not measured" and cells[5] == "" and cells[-1] == ""
        # what it needs is printed under the table (PDF and packs page)
        assert f"{NUISANCE}: not measured: needs {COUNCIL_NEEDS}." in not_measured_notes(headlines)
        # police.uk ASB keeps its own line, named by its source
        asb = next(r for r in headlines.rows if r.layer == "asb")
        assert asb.label == "ASB (police.uk)" and asb.not_measured is None


def test_police_only_presets_say_which_part_found_no_source(police_only: Store) -> None:
    presets = config.action_presets().presets
    wards = PackContext.load(police_only).wards
    found = {}
    for pid in ("fire", "environment", "police"):
        result = plan(
            police_only,
            wards,
            weights=presets[pid].weights,
            weights_name=presets[pid].label,
            period=JUNE,
            n=5,
            min_distance_m=400,
            resolution=9,
        )
        found[pid] = {note.split(": not measured: needs ")[0] for note in result.unmeasured}
        assert all(": not measured: needs " in note for note in result.unmeasured)
    # the police file has crime and untyped ASB only: typed ASB, fly-tipping and fires find no source
    assert found["fire"] == {"Deliberate fires"}
    assert found["environment"] == {"Fly-tipping", "ASB (council records) - Environmental"}
    assert found["police"] == set()


def test_action_days_cli_names_the_part_with_no_source(
    police_only: Store, capsys: pytest.CaptureFixture
) -> None:
    args = ["action-days", "--preset", "environment", "--end", "2024-06", "--months", "1"]
    args += ["--store", str(police_only.path)]
    note = f"ASB (council records) - Environmental: not measured: needs {COUNCIL_NEEDS}"
    assert cli.main(args) == 0
    assert note in capsys.readouterr().out
    assert cli.main([*args, "--json"]) == 0
    assert note in json.loads(capsys.readouterr().out)["not_measured"]


def _page(store: Store, monkeypatch: pytest.MonkeyPatch, module: str) -> AppTest:
    monkeypatch.setenv("HOTSPOTS_STORE", str(store.path))

    def page(name: str) -> None:  # AppTest runs this function's source alone: the page comes as an argument
        import importlib

        importlib.import_module(f"views.{name}").render()

    at = AppTest.from_function(page, args=(module,), default_timeout=240).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_pages_say_not_measured(police_only: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(police_only, monkeypatch, "scorecard_page")
    table = at.table[0].value.set_index("Measure")
    assert table.loc[NUISANCE, "Latest 12 months"] == f"not measured: needs {COUNCIL_NEEDS}"
    assert (table.loc[NUISANCE, "RAG"], table.loc[NUISANCE, "Trend"]) == ("", "")
    about = at.dataframe[0].value.set_index("Measure")  # what each measure is, under the figures
    assert about.loc[NUISANCE, "Counted from"] == "ASB (council records)"

    at = _page(police_only, monkeypatch, "action_days_page")
    at.radio(key="ad_preset").set_value("environment").run()
    warnings = [w.value.replace("\\", "") for w in at.warning]  # as read, without Markdown escapes
    assert f"ASB (council records) - Environmental: not measured: needs {COUNCIL_NEEDS}" in warnings, warnings


# ---- after the council's typed records are imported --------------------------------------------------


def test_the_measure_counts_exactly_the_council_nuisance_rows(both: Store) -> None:
    card = _scorecard(both)
    assert card.period.start == date(2023, 7, 1) and card.period.end == date(2024, 6, 30)
    (kirklees,) = card.at("Kirklees", NUISANCE)
    assert kirklees.not_measured is None
    # every nuisance case of the fixture's 12 months, and none of police.uk's untyped ASB
    assert kirklees.value == fixture_kinds()["Nuisance"]
    assert sum(s.value for s in card.at("district", NUISANCE)) == kirklees.value

    tables = _headlines(both)
    assert sum(_row(h, NUISANCE).count for h in tables) == fixture_kinds(Q2_MONTHS)["Nuisance"]
    council = sum(_row(h, "ASB (council records)").count for h in tables)
    assert council == sum(fixture_kinds(Q2_MONTHS).values())  # its own line: council records only


def test_no_figure_adds_police_and_council_asb(both: Store) -> None:
    police_asb = count(both, "SELECT count(*) FROM incidents WHERE layer = 'asb'")
    others = count(both, "SELECT count(*) FROM incidents WHERE layer <> 'asb'")
    assert police_asb > 0 and others > 0
    # the command line summary's total
    data = summarise(both)
    assert data["layers"]["asb"] == police_asb  # each layer still shown on its own
    assert data["layers"]["total"] == others and "ASB (police.uk) is left out" in data["total_leaves_out"][0]
    # the hotspots command, packs' harm-weighted hotspots and their table columns
    args = argparse.Namespace(layer=None, category=None, district=None, ward=None)
    filters, left_out = build_filters(both, PackContext.load(both).wards, args)
    assert "asb" not in filters.layers and "council_asb" in filters.layers and left_out
    ctx = PackContext.load(both)
    layers, notes = combined_layers(ctx)
    assert "asb" not in layers and "council_asb" in layers and notes
    place = district_place(ctx.wards, "Huddersfield")
    section, _, method = hotspot_section(ctx, place, JUNE, Disclosure("partner"))
    assert notes[0] in method
    assert all("asb" not in r.counts for r in section.rows)
    # an action-day score weighting both layers counts the council's reports once, police.uk's not at all
    result = plan(
        both,
        ctx.wards,
        weights=(Weight("asb", None, 1), Weight("council_asb", None, 1)),
        weights_name="Custom",
        period=JUNE,
        n=12,
        min_distance_m=0,
        resolution=9,
    )
    assert {w.layer for w in result.weights} == {"council_asb"} and result.left_out
    scored = weighted_incidents(both, result.weights, period=JUNE, resolution=9)
    assert len(scored) == sum(fixture_kinds(("2024-06",)).values())
    # the packs' action days say which part found no source: typed ASB now has one, fly-tipping not
    _, action_method = action_day_section(ctx, place, JUNE, Disclosure("partner"))
    assert "ASB (council records) - Environmental: not measured" not in action_method
    assert "Environment focus, Fly-tipping: not measured: needs " in action_method


def test_the_map_leaves_police_asb_out_of_its_total(both: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(both, monkeypatch, "map_page")
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "ASB (police.uk) is left out" in captions
    first, last = date(2023, 7, 1), date(2024, 6, 30)
    expected = count(
        both, "SELECT count(*) FROM incidents WHERE layer <> 'asb' AND date BETWEEN ? AND ?", [first, last]
    )
    assert int(at.metric[0].value.replace(",", "")) == expected
