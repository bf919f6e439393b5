"""Ward populations: the published ONS mid-2020 estimates shipped in data/population.csv, import by name or
code, fall back to the shipped file, undo restores, and every rate names its basis."""

from __future__ import annotations

import pytest

import config
from briefing.reads import ward_populations
from geo.rates import Population, area_population, rate_unit
from layers.importer import run_import, undo
from layers.readers import Upload
from store import Store
from tests.import_helpers import fixture


def test_populations_fall_back_to_the_shipped_file_until_imported(empty_store: Store) -> None:
    shipped = {r.ward_code: r.population for r in config.default_populations()}
    pops = ward_populations(empty_store)
    assert {code: p.people for code, p in pops.items()} == shipped
    assert {p.basis for p in pops.values()} == {"ONS mid-2020"}


def test_shipped_populations_are_the_published_ons_mid_2020_ward_estimates(empty_store: Store) -> None:
    """Figures as ONS publishes them (ward mid-2020 estimates via Nomis), read the way rates read them."""
    pops = ward_populations(empty_store)
    assert len(pops) == 23
    assert sum(p.people for p in pops.values()) == 441_290
    assert pops["E05001389"].people == 20_572  # Ashbrow
    assert pops["E05001410"].people == 24_262  # Newsome
    assert pops["E05008562"].people == 16_407  # Kirkburton
    rows = config.default_populations()
    assert {r.year for r in rows} == {"2020"}
    assert not any("approximat" in f"{r.basis} {r.source}".lower() for r in rows)  # no placeholder left
    borough = area_population(pops, pops)
    assert rate_unit(borough.basis) == "per 1,000 residents (ONS mid-2020)"


def test_population_by_ward_name_with_title_rows_and_thousands_separators(empty_store: Store) -> None:
    (report,) = run_import(empty_store, "population", [fixture("ward-population.csv")])
    assert report.error is None
    assert {reason: rows.tolist() for reason, rows in report.set_aside.items()} == {
        "unknown ward": [10],  # Atlantis
        "bad number": [11],  # Golcar: "not known"
    }
    assert report.accepted == report.added == 7
    assert "16 ward(s) not in the file keep their earlier figure" in report.notes[-1]
    pops = ward_populations(empty_store)
    assert pops["E05008558"] == Population(18900, "ward-population.csv")  # Almondbury, imported
    assert pops["E05008560"].people == 19010  # "Crosland Moor & Netherton" matched by loose name
    assert pops["E05001408"].people == 19400  # "Liversedge And Gomersal"
    assert pops["E05001401"] == Population(18240, "ONS mid-2020")  # Golcar: unusable there, shipped kept
    assert len(pops) == 23
    # a rate over wards from both says its denominator is mixed
    assert set(area_population(pops, pops).basis.split(" and ")) == {"ONS mid-2020", "ward-population.csv"}


def test_a_later_import_wins_and_undo_brings_the_earlier_figures_back(empty_store: Store) -> None:
    run_import(empty_store, "population", [fixture("ward-population.csv")])
    newer = b"Ward code,Population\nE05008558,19500\nE05001389,21000\n"
    (report,) = run_import(empty_store, "population", [Upload("mid-2023.csv", newer)])
    assert ward_populations(empty_store)["E05008558"].people == 19500
    message = undo(empty_store, report.import_id)
    assert message.endswith("its ward populations no longer count")
    assert ward_populations(empty_store)["E05008558"].people == 18900
    assert "already undone" in undo(empty_store, report.import_id)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            b"Ward,Population\nAtlantis,10\nLyonesse,20\n",
            "none of its 2 rows names a ward of the loaded boundaries",
        ),
        (b"Ward,Colour\nAshbrow,red\n", "lacks the column Population"),
    ],
)
def test_population_files_matching_no_ward_are_refused(empty_store: Store, content: bytes, says: str) -> None:
    (report,) = run_import(empty_store, "population", [Upload("pop.csv", content)])
    assert report.error is not None and report.error.startswith("pop.csv") and says in report.error
    assert empty_store.populations().empty
