"""The Data page under Streamlit's AppTest: upload, auto-detected source, report, history and undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers.importer import detect_source, run_import
from layers.readers import Upload
from store import Store
from tests.import_helpers import count, fixture


def _data_page() -> None:
    from views import data_page

    data_page.render()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("HOTSPOTS_STORE", str(path))
    return Store(path)


def _page() -> AppTest:
    at = AppTest.from_function(_data_page, default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_upload_is_recognised_imported_and_reported(store: Store) -> None:
    at = _page()
    upload = fixture("police-street-2024-06.csv")
    at.file_uploader(key="data_files").upload(upload.name, upload.data, "text/csv").run()
    assert at.selectbox(key="data_source").value == "police-csv"  # recognised from its columns
    at.button(key="data_import").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [m.value for m in at.metric] == ["27", "19", "19", "8"]
    reasons = at.dataframe[0].value
    assert dict(zip(reasons["Reason"], reasons["Rows"], strict=True)) == {
        "outside area": 3, "no coordinates": 2, "duplicate within the file": 1, "unknown category": 1,
        "bad date": 1,
    }  # fmt: skip
    meaning = dict(zip(reasons["Reason"], reasons["Meaning"], strict=True))["duplicate within the file"]
    assert "counted once" in meaning and "separate report" in meaning
    assert any(t.value.startswith("Note: 1 row repeats an earlier row's month, map point") for t in at.text)
    assert count(store, "SELECT count(*) FROM incidents") == 19
    history = at.dataframe[1].value
    assert history["File"].tolist() == ["police-street-2024-06.csv"]


def test_file_names_and_errors_are_shown_as_plain_text(store: Store) -> None:
    at = _page()
    name = "<img src=x onerror=alert(1)> **bold**.csv"
    at.file_uploader(key="data_files").upload(name, b"colour,shape\nred,round\n", "text/csv").run()
    at.selectbox(key="data_source").set_value("fires").run()
    at.button(key="data_import").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] == ["Not imported"]
    assert any(t.value.startswith(name + " has no columns this app recognises") for t in at.text)
    assert not any("<img" in m.value for m in at.markdown)
    assert not store.exists() or count(store, "SELECT count(*) FROM imports") == 0


def test_history_and_undo_of_a_whole_import(store: Store) -> None:
    (police,) = run_import(store, "police-csv", [fixture("police-street-2024-06.csv")])
    run_import(store, "fires", [fixture("fire-incidents.csv")])
    at = _page()
    assert len(at.dataframe[0].value) == 2
    at.selectbox(key="data_undo_choice").set_value(police.import_id).run()
    assert at.button(key="data_undo").disabled  # not before the box is ticked
    at.checkbox(key="data_undo_sure").check().run()
    at.button(key="data_undo").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(t.value.endswith("removed 19 incidents") for t in at.text)
    assert count(store, "SELECT count(*) FROM incidents") == 4  # the fires import is untouched
    assert at.dataframe[0].value.set_index("Import").loc[police.import_id, "Status"] == "undone"


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("police-street-2024-06.csv", "police-csv"),
        ("police-api-2024-06.json", "police-api"),
        ("stats19-accidents-2019.csv", "stats19"),
        ("fly-tipping-export.csv", "fly-tipping"),
        ("fire-incidents.csv", "fires"),
        ("ward-population.csv", "population"),
    ],
)
def test_sources_are_recognised_from_content_not_names(name: str, source: str) -> None:
    assert detect_source(Upload("upload.dat", fixture(name).data)) == source


def test_unrecognisable_files_are_left_for_the_user_to_choose() -> None:
    assert detect_source(Upload("x.csv", b"colour,shape\nred,round\n")) is None
    assert detect_source(Upload("x.csv", bytes(range(256)))) is None
    wards = Path(__file__).resolve().parents[1] / "data" / "kirklees-wards-2013.geojson"
    assert detect_source(Upload("x", wards.read_bytes())) == "wards"
