"""A store is real or synthetic, never both: real files never land in the demo's store, the demo never lands
in a real one, and the app shows real data by default once there is some, with a visible way back to the
demo. Figures built from a real store never say "synthetic"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from layers.importer import run_import
from store import Store
from tests.import_helpers import FIXTURES, assert_same, fixture, run_cli, snapshot

APP = Path(__file__).resolve().parents[1] / "app.py"
POLICE = str(FIXTURES / "police-street-2024-06.csv")
REFUSED = "holds the synthetic demo, and real data is never mixed with it"


@pytest.fixture
def demo_copy(demo_store: Store, tmp_path: Path) -> Store:
    copy = Store(tmp_path / "demo.duckdb")
    shutil.copy(demo_store.path, copy.path)
    return copy


def test_the_cli_refuses_real_data_for_the_demo_store_and_says_the_way_on(
    demo_copy: Store, capsys: pytest.CaptureFixture
) -> None:
    before = snapshot(demo_copy)
    code, _, err = run_cli(capsys, "import", "police-csv", POLICE, "--store", str(demo_copy.path))
    assert code == 1
    assert err.strip().splitlines() == [
        f"not imported: demo.duckdb {REFUSED}: import into a real store instead (add --new-store PATH on the "
        "command line, or use 'Start a real store' on the Load data page)"
    ]
    assert_same(before, snapshot(demo_copy))


def test_new_store_starts_a_real_store_and_never_reuses_one(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    real = tmp_path / "real.duckdb"
    code, out, _ = run_cli(capsys, "import", "police-csv", POLICE, "--new-store", str(real), "--json")
    assert code == 0 and json.loads(out)["rows_added"] == 19
    code, out, _ = run_cli(capsys, "summary", "--store", str(real), "--json")
    assert code == 0 and json.loads(out)["synthetic_layers"] == []
    code, _, err = run_cli(capsys, "import", "police-csv", POLICE, "--new-store", str(real))
    assert code == 1 and "already exists; use --store to import into it" in err
    both = ("--new-store", str(real), "--store", str(real))
    code, _, err = run_cli(capsys, "import", "police-csv", POLICE, *both)
    assert code == 1 and "not both" in err


def test_the_demo_never_replaces_a_real_store(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    real = Store(tmp_path / "real.duckdb")
    run_import(real, "police-csv", [fixture("police-street-2024-06.csv")])
    before = snapshot(real)
    code, _, err = run_cli(capsys, "demo", "--replace", "--years", "1", "--store", str(real.path))
    assert code == 1 and "holds real data; the demo never replaces it" in err
    assert_same(before, snapshot(real))


def test_the_demo_builds_in_its_own_store_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSPOTS_DEMO_STORE", str(tmp_path / "demo.duckdb"))
    monkeypatch.setenv("HOTSPOTS_STORE", str(tmp_path / "real.duckdb"))
    code, _, _ = run_cli(capsys, "demo", "--years", "1")
    assert code == 0 and (tmp_path / "demo.duckdb").exists() and not (tmp_path / "real.duckdb").exists()
    # with no real store yet, reading commands show the demo; once one exists, they show it
    code, out, _ = run_cli(capsys, "summary", "--json")
    assert json.loads(out)["store"] == str(tmp_path / "demo.duckdb")
    run_cli(capsys, "import", "police-csv", POLICE)
    code, out, _ = run_cli(capsys, "summary", "--json")
    assert json.loads(out)["store"] == str(tmp_path / "real.duckdb")
    assert json.loads(out)["synthetic_layers"] == []


def test_the_app_opens_the_real_store_with_a_switch_to_the_demo(
    demo_copy: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Store(tmp_path / "real.duckdb")
    run_import(real, "police-csv", [fixture("police-street-2024-06.csv")])
    monkeypatch.setenv("HOTSPOTS_STORE", str(real.path))
    monkeypatch.setenv("HOTSPOTS_DEMO_STORE", str(demo_copy.path))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    assert not any(config.SYNTHETIC_LABEL in w.value for w in at.warning)
    assert any("Showing **real data**" in c.value for c in at.sidebar.caption)
    at.toggle(key="data_show_demo").set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(config.SYNTHETIC_LABEL in w.value for w in at.warning)
    assert any("the **synthetic demo**" in c.value for c in at.sidebar.caption)


def test_the_load_data_page_starts_a_real_store_instead_of_filling_the_demo(
    demo_copy: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real.duckdb"
    monkeypatch.setenv("HOTSPOTS_STORE", str(real))
    monkeypatch.setenv("HOTSPOTS_DEMO_STORE", str(demo_copy.path))
    before = snapshot(demo_copy)
    at = AppTest.from_string("from views import data_page\ndata_page.render()\n", default_timeout=60).run()
    assert any("starts your **real data store**" in i.value for i in at.info)
    upload = fixture("police-street-2024-06.csv")
    at.file_uploader(key="data_files").upload(upload.name, upload.data, "text/csv").run()
    at.button(key="data_import").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert Store(real).exists() and not Store(real).is_synthetic()
    assert_same(before, snapshot(demo_copy))
