"""Ward populations: import by name or code, fall back to data/population.csv, undo restores."""

from __future__ import annotations

import pytest

import config
from layers.importer import run_import, undo
from layers.population import ward_populations
from layers.readers import Upload
from store import Store
from tests.import_helpers import fixture


def test_populations_fall_back_to_the_shipped_file_until_imported(empty_store: Store) -> None:
    shipped = {r["ward_code"]: int(r["population"]) for r in config.default_populations()}
    pops = ward_populations(empty_store)
    assert {code: p.people for code, p in pops.items()} == shipped
    assert pops["E05001389"].approximate is False  # Ashbrow: a mid-year estimate
    assert pops["E05008558"].approximate is True  # Almondbury: the demo's equal share


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
    assert pops["E05008558"].people == 18900 and not pops["E05008558"].approximate  # Almondbury, imported
    assert pops["E05008560"].people == 19010  # "Crosland Moor & Netherton" matched by loose name
    assert pops["E05001408"].people == 19400  # "Liversedge And Gomersal"
    assert pops["E05001401"].people == 18240  # Golcar: not usable in the file, shipped figure kept
    assert len(pops) == 23


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
