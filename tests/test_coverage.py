"""Coverage is data: a month nobody loaded is "no data", never 0, in every count, change, window and pack.

The real-shaped stores here hold what an analyst would have after loading one police.uk month (crime and
ASB for June 2024), or two months with the one between them missing. Expected wording and counts are
worked out by hand from the fixture files.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from briefing.charts import layer_series
from briefing.packs import PackContext, build_pack, district_places
from briefing.pdf import render_pack
from briefing.periods import Quarter
from briefing.scorecard import compute_scorecard
from briefing.suppression import Disclosure
from briefing.tables import headline_cells
from geo.coverage import Coverage
from geo.hotspots import default_window, trend_slices
from geo.rates import Change, Period
from layers.importer import run_import
from layers.readers import Upload
from store import Store
from store.queries import Filters, counts
from tests.import_helpers import count, fixture
from views.map_page import summary_table

JUNE = "police-street-2024-06.csv"
JULY = "police-street-2024-07.csv"
PRODUCED = date(2025, 11, 30)


def _coverage(**layers: list[str]) -> Coverage:
    rows = [(layer, pd.Timestamp(m + "-01")) for layer, months in layers.items() for m in months]
    return Coverage.from_frame(pd.DataFrame(rows, columns=["layer", "month"]))


# ---- the rules, hand-worked -------------------------------------------------------------------------------


def test_months_missing_windows_and_labels() -> None:
    cov = _coverage(crime=["2024-05", "2024-06", "2024-08"], asb=["2024-06"])
    summer = Period(date(2024, 5, 1), date(2024, 8, 31))
    assert cov.covered_months(summer, ["crime"]) == [date(2024, 5, 1), date(2024, 6, 1), date(2024, 8, 1)]
    assert cov.missing(summer, ["crime"]) == 1  # July
    assert cov.missing(summer, ["crime", "asb"]) == 3  # a month counts only when every layer has it
    assert cov.missing(summer, ["fires"]) == 4  # a layer never loaded
    assert not cov.covers(summer, ["crime"]) and cov.covers(Period(date(2024, 6, 1), date(2024, 6, 30)))
    assert cov.label(summer, ["crime"]) == "May 2024 to Aug 2024 (3 of 4 months with data)"
    spring = Period(date(2024, 5, 1), date(2024, 6, 30))
    assert cov.label(spring, ["crime"]) == "May 2024 to Jun 2024 (2 months)"
    assert cov.latest(["asb"]) == date(2024, 6, 1) and cov.latest() == date(2024, 8, 1)
    window = cov.latest_window(12, ["asb"])
    assert (window.start, window.end) == (date(2023, 7, 1), date(2024, 6, 30))
    assert cov.label(window, ["asb"]) == "Jul 2023 to Jun 2024 (1 of 12 months with data)"


def test_a_change_against_a_period_with_missing_months_is_not_comparable() -> None:
    assert Change(40, None, missing=11).text == "not comparable: 11 months missing"
    assert Change(40, None, missing=1).text == "not comparable: 1 month missing"
    assert Change(40, 50).text.startswith("↓")  # both periods covered: a real change


# ---- one real month in a store --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def june(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("june") / "real.duckdb")
    (report,) = run_import(store, "police-csv", [fixture(JUNE)])
    assert report.ok
    return store


def test_an_import_records_the_months_and_layers_its_file_covers(june: Store) -> None:
    cov = june.coverage()
    # the file is one month of police.uk data: crime and ASB for June 2024 (its bad "2024-13" row is no month)
    assert sorted(zip(cov["layer"], pd.to_datetime(cov["month"]).dt.strftime("%Y-%m"), strict=True)) == [
        ("asb", "2024-06"),
        ("crime", "2024-06"),
    ]
    assert not cov["synthetic"].any()


def test_the_map_summary_says_what_is_missing_instead_of_zero(june: Store) -> None:
    cov = Coverage.from_frame(june.coverage())
    year = cov.latest_window(12)
    layers = ("crime", "asb", "deliberate_fire")
    current = counts(june, Filters(layers=layers, start=year.start, end=year.end), ("layer",))
    table = summary_table(current, None, layers, None, cov, year)
    crimes = count(june, "SELECT count(*) FROM incidents WHERE layer = 'crime'")
    assert table.loc["Crime", "Incidents"] == f"{crimes:,} (1 of 12 months)"
    assert table.loc["Crime", "Change"] == "not comparable: 11 months missing"
    assert table.loc["Deliberate fires", "Incidents"] == "no data"  # never loaded: not 0
    total = count(june, "SELECT count(*) FROM incidents")
    assert table.loc["All shown with data", "Incidents"] == f"{total:,} (1 of 12 months)"  # no fires in it
    assert not any("100%" in text or "from\u00a00" in text for text in table["Change"])


def test_hotspot_windows_end_at_the_data_and_say_how_much_of_them_it_fills(june: Store) -> None:
    cov = Coverage.from_frame(june.coverage())
    first, last = default_window(cov, 12, ["crime"])
    assert (str(first), str(last)) == ("2023-07", "2024-06")
    assert trend_slices(last, cov, ["crime"]) is None  # one month is no trend


def test_a_pack_for_the_one_quarter_with_data_is_built_and_says_what_is_missing(june: Store) -> None:
    ctx = PackContext.load(june)
    assert ctx.quarters() == [Quarter(2024, 2)]
    assert ctx.default_quarter() == Quarter(2024, 2)
    place = next(p for p in district_places(ctx) if p.name == "Huddersfield")
    pack = build_pack(ctx, place, Quarter(2024, 2), "partner", PRODUCED)
    crime = next(r for r in pack.headlines.rows if r.layer == "crime" and not r.is_measure)
    assert crime.count is None and crime.rag is None and crime.direction == ""
    assert crime.missing == (2, 3, 3)  # Apr and May of Q2 2024; all of Q2 2023 and Q1 2024
    cells = headline_cells(crime, Disclosure("partner"))
    assert cells[1] == "no data for 2 of 3 months"
    assert all(r.rag is None for r in pack.headlines.rows)  # no RAG on a count that is not there
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pack(pack))).pages)
    squeezed = "".join(text.split())
    assert "nodatafor2of3months" in squeezed  # table cells wrap, so compare without spaces
    assert "synthetic" not in text.lower()  # a real store's pack never says synthetic
    assert "100%" not in text and "from 0" not in text


def test_the_scorecard_gives_no_value_arrow_or_rag_over_months_without_data(june: Store) -> None:
    ctx = PackContext.load(june)
    card = compute_scorecard(june, ctx.wards, ctx.populations, ctx.sources, ctx.latest_month)
    total = next(s for s in card.at("Kirklees") if s.measure.measure == "Total crime")
    assert total.value is None and total.rag is None and total.missing == (11, 12)
    assert total.comparison == "not comparable: 11 months missing"
    spark = card.sparklines["Total crime"]
    assert spark[-1] == count(june, "SELECT count(*) FROM incidents WHERE layer = 'crime'")
    assert spark[:-1] == (None,) * (len(spark) - 1)  # gaps, not zeros


# ---- a month missing between two loaded ones ----------------------------------------------------------


def test_a_gap_between_loaded_months_is_no_data(tmp_path: Path) -> None:
    store = Store(tmp_path / "gap.duckdb")
    may = fixture(JULY).data.decode("utf-8-sig").replace("2024-07", "2024-05")
    run_import(store, "police-csv", [fixture(JULY)])
    run_import(store, "police-csv", [Upload("police-street-2024-05.csv", may.encode("utf-8-sig"))])
    cov = Coverage.from_frame(store.coverage())
    june = Period(date(2024, 6, 1), date(2024, 6, 30))
    july_period = Period(date(2024, 7, 1), date(2024, 7, 31))
    assert cov.missing(june, ["crime"]) == 1 and cov.covers(july_period, ["crime", "asb"])
    layers = ("crime", "asb")
    now = counts(store, Filters(layers=layers, start=july_period.start, end=july_period.end), ("layer",))
    before = counts(store, Filters(layers=layers, start=june.start, end=june.end), ("layer",))
    table = summary_table(now, before, layers, None, cov, july_period)
    assert table.loc["Crime", "Change"] == "not comparable: 1 month missing"  # not "↑ from 0"
    shown_june = summary_table(before, None, layers, None, cov, june)
    assert shown_june.loc["Crime", "Incidents"] == "no data"


def test_undoing_an_import_takes_its_months_away(tmp_path: Path) -> None:
    store = Store(tmp_path / "undo.duckdb")
    (report,) = run_import(store, "police-csv", [fixture(JULY)])
    assert not store.coverage().empty
    store.undo_import(report.import_id)
    assert store.coverage().empty
    assert Coverage.from_frame(store.coverage()).latest() is None


def test_a_file_about_somewhere_else_vouches_for_no_month_here(tmp_path: Path) -> None:
    leeds = (
        "Crime ID,Month,Longitude,Latitude,Location,Crime type\n"
        "abc,2024-08,-1.549200,53.799700,On or near Briggate,Burglary\n"
    )
    store = Store(tmp_path / "leeds.duckdb")
    (report,) = run_import(store, "police-csv", [Upload("leeds.csv", leeds.encode())])
    assert report.accepted == 0
    assert store.coverage().empty  # not "0 crimes in Kirklees in August"



def test_trend_charts_draw_months_without_data_as_gaps_not_zeros() -> None:
    frame = pd.DataFrame(
        {"month": pd.to_datetime(["2024-04-01", "2024-06-01"]), "layer": "crime", "n": [5, 7]}
    )
    covered = frozenset({date(2024, 4, 1), date(2024, 6, 1)})  # May was never loaded
    series = layer_series(
        frame, "crime", "Crime", "#000000", date(2024, 3, 1), date(2024, 6, 1),
        (date(2024, 3, 1), date(2024, 6, 1)), covered,
    )  # fmt: skip
    assert series.counts == (None, 5, None, 7)
