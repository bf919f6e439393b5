"""``hotspots import / imports / undo / boundaries``: reports as JSON, exit status, history and undo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from layers import boundary_import
from store import Store
from tests.import_helpers import FIXTURES, count, run_cli


def test_import_json_report_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    store = str(tmp_path / "s.duckdb")
    police = str(FIXTURES / "police-street-2024-06.csv")
    code, out, _ = run_cli(capsys, "import", "police-csv", police, "--json", "--store", store)
    assert code == 0
    data = json.loads(out)
    assert data["imported"] is True and data["rows_added"] == 19
    (report,) = data["reports"]
    assert (report["rows_read"], report["accepted"], report["duplicates"]) == (27, 19, 1)
    assert report["set_aside"]["no coordinates"] == {"count": 2, "rows": ["17-18"]}

    # the same file again: nothing added, still a successful (idempotent) import
    code, out, _ = run_cli(capsys, "import", "police-csv", police, "--json", "--store", store)
    assert code == 0 and json.loads(out)["rows_added"] == 0
    assert json.loads(out)["reports"][0]["duplicates"] == 20


def test_import_text_names_duplicates_and_the_repeated_reports_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    police = str(FIXTURES / "police-street-2024-06.csv")
    code, out, _ = run_cli(capsys, "import", "police-csv", police, "--store", str(tmp_path / "s.duckdb"))
    assert code == 0
    assert "set aside 1 x duplicate within the file (" in out and "): rows 22" in out
    assert "note: 1 row repeats an earlier row's month, map point, street and type (no Crime ID)" in out


def test_nothing_importable_exits_non_zero_with_the_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    store = str(tmp_path / "s.duckdb")
    bad = tmp_path / "notes.csv"
    bad.write_text("colour,shape\nred,round\n")
    code, _, err = run_cli(capsys, "import", "fires", str(bad), "--store", store)
    assert code == 1
    assert err.strip().startswith(
        "not imported: notes.csv has no columns this app recognises; expected a fire"
    )
    code, _, err = run_cli(capsys, "import", "fires", str(tmp_path / "missing.csv"), "--store", store)
    assert code == 1 and "missing.csv is not a file" in err


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    store = str(tmp_path / "s.duckdb")
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    code, out, _ = run_cli(
        capsys,
        "import",
        "fly-tipping",
        str(bad),
        str(FIXTURES / "fly-tipping-export.csv"),
        "--json",
        "--store",
        store,
    )
    assert code == 0
    reports = json.loads(out)["reports"]
    assert reports[0]["error"] == (
        "empty.csv is empty; expected a fly-tipping export (CSV or Excel) with a date and a location as "
        "easting/northing or latitude/longitude, ideally an id and the DEFRA waste size."
    )
    assert reports[1]["added"] == 8


def test_history_and_undo_of_a_whole_import(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    store = str(tmp_path / "s.duckdb")
    run_cli(capsys, "import", "stats19", str(FIXTURES / "stats19-accidents-2019.csv"), "--store", store)
    run_cli(capsys, "import", "fires", str(FIXTURES / "fire-incidents.csv"), "--store", store)
    code, out, _ = run_cli(capsys, "imports", "--json", "--store", store)
    history = json.loads(out)
    assert [h["source"] for h in history] == ["stats19", "fires"]
    assert all(h["imported_by"] for h in history)  # the login name goes into the audit log
    fires_id = history[1]["import_id"]
    code, out, _ = run_cli(capsys, "undo", fires_id, "--store", store)
    assert code == 0 and out.strip() == f"undid import {fires_id} (fire-incidents.csv): removed 4 incidents"
    assert count(Store(store), "SELECT count(*) FROM incidents") == 2  # the STATS19 import is untouched
    code, _, err = run_cli(capsys, "undo", "nosuchimport", "--store", store)
    assert code == 1 and "there is no import nosuchimport" in err


def test_boundaries_download_offline_says_so_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = str(tmp_path / "s.duckdb")
    run_cli(capsys, "import", "fires", str(FIXTURES / "fire-incidents.csv"), "--store", store)

    def offline(url: str, form: object = None) -> tuple[int, bytes]:
        raise ConnectionError(
            "could not reach services1.arcgis.com (Name or service not known); are you offline?"
        )

    monkeypatch.setattr(boundary_import, "http_request", offline)
    before = Store(store).version()
    code, _, err = run_cli(capsys, "boundaries", "--download", "--store", store)
    assert code == 1
    assert "offline" in err and "the boundaries were not changed" in err
    assert Store(store).version() == before
    code, out, _ = run_cli(capsys, "boundaries", "--json", "--store", store)
    info = json.loads(out)
    assert info["wards"] == 23 and info["version"] == "shipped default"


def test_the_installed_command_runs_an_import(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    population = str(FIXTURES / "ward-population.csv")
    command = [sys.executable, "-m", "cli", "import", "population", population, "--store", str(store)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ward-population.csv: 9 rows read, 7 accepted (7 added, 0 already stored)")


def test_json_report_of_a_large_bad_file_lists_row_ranges_and_stays_small(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A force-sized file's --json names set-aside rows as runs, at most 100 per reason, with exact counts.

    The file is built so the expected runs are known from its construction: spreadsheet rows 2-30,001 lie
    in London (outside the study area); below them every other row has no coordinates (1,000 separate
    rows, so the list is cut at 100 runs), the rest lie in Huddersfield.
    """
    lines = ["Crime ID,Month,Longitude,Latitude,Location,Crime type"]
    lines += [f"L{i},2024-06,-0.127800,51.507400,On or near London Road,Burglary" for i in range(30_000)]
    for i in range(2_000):
        where = "," if i % 2 == 0 else "-1.785000,53.645800"
        lines.append(f"K{i},2024-06,{where},On or near Market Street,Burglary")
    path = tmp_path / "2024-06-big-street.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = str(tmp_path / "s.duckdb")
    code, out, _ = run_cli(capsys, "import", "police-csv", str(path), "--json", "--store", store)
    assert code == 0
    assert len(out) < 20_000  # every row number listed would be ~250 KB
    (report,) = json.loads(out)["reports"]
    assert report["set_aside"]["outside area"] == {"count": 30_000, "rows": ["2-30001"]}
    missing = report["set_aside"]["no coordinates"]
    assert missing["count"] == 1_000
    assert missing["rows"][:3] == ["30002", "30004", "30006"] and len(missing["rows"]) == 100
    assert missing["rows_not_listed"] == 900
    assert report["accepted"] == 1_000
