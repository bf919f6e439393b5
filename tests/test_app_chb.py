"""The Clear Hold Build page in Streamlit's AppTest: designate, edit, restart, retire, restart.

Each "restart" is a brand-new AppTest session reading the same store file, as a new browser session or a
restarted server would; designations must come back from the store, not from session state.
"""

from __future__ import annotations

import getpass
import json
import shutil
import tomllib
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from layers.ingest import current_wards
from store import Store
from store import designations as des
from tests.test_chart_colours_and_months import colours_in_file
from views import maps
from views.chb_page import chb_map
from views.common import plain

HOSTILE = "Ashbrow <script>alert(1)</script> [x](javascript:alert(2))"

#: Who a change is recorded as in local mode (one analyst on this computer, no sign-in): the login name.
ANALYST = f"{getpass.getuser()} (local)"
CHB_TOML = config.DATA_DIR / "chb.toml"

def _page() -> None:
    from views import chb_page

    chb_page.render()


def _start() -> AppTest:
    at = AppTest.from_function(_page, default_timeout=240).run()
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, label: str) -> AppTest:
    (button,) = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def store(demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    copy = Store(tmp_path / "app.duckdb")
    shutil.copy(demo_store.path, copy.path)
    monkeypatch.setenv("HOTSPOTS_STORE", str(copy.path))
    return copy


def _register(at: AppTest):
    """The register: the first table on the page."""
    return at.dataframe[0].value


def test_designation_round_trip(store: Store) -> None:
    wards = current_wards(store)
    ashbrow = wards.codes[wards.names.index("Ashbrow")]

    at = _start()
    register = _register(at)
    assert set(register["Kind"]) == {"Candidate"} and "Ashbrow" in set(register["Name"])
    assert any("How areas and phases are worked out" in e.label for e in at.expander)

    # create: from a ward, with a Clear start date
    at.radio(key="chb_method").set_value("wards").run()
    at.multiselect(key="chb_wards").select(ashbrow).run()
    assert any("Marked out" in c.value and "Ashbrow" in c.value for c in at.caption)
    at.text_input(key="chb_new_name").input(HOSTILE)
    at.date_input(key="chb_new_Clear").set_value(date(2024, 4, 1))
    _click(at, "Save designated area")
    assert at.success[0].value.startswith("Saved")
    (made,) = des.designations(store)
    assert (made.name, made.method, made.created_by) == (HOSTILE, "wards", ANALYST)
    assert made.shape.equals(wards.geometry_of(ward=ashbrow))
    assert made.phase_starts == {"Clear": date(2024, 4, 1)}
    register = _register(at)
    row = register[register["Kind"] == "Designated"].iloc[0]
    assert (row["Name"], row["Phase"], row["Wards"]) == (HOSTILE, "Clear", "Ashbrow")
    assert row["Displacement"] in {"displacement", "diffusion of benefits", "inconclusive"}
    (panel,) = [e for e in at.expander if "Clear since" in e.label]
    assert "<script>" not in panel.label and plain(HOSTILE) in panel.label

    # edit: new name, Hold start, narrower buffer
    at.text_input(key=f"chb_edit_name_{made.id}").input("Ashbrow North")
    at.date_input(key=f"chb_edit_{made.id}_Hold").set_value(date(2024, 10, 1))
    at.number_input(key=f"chb_edit_buffer_{made.id}").set_value(300)
    _click(at, "Save changes")
    assert at.success[0].value == "Saved changes to “Ashbrow North”."
    (edited,) = des.designations(store)
    assert edited.phase_starts == {"Clear": date(2024, 4, 1), "Hold": date(2024, 10, 1)}
    assert (edited.buffer_m, edited.edited_by, edited.created_by) == (300.0, ANALYST, ANALYST)

    # restart: still there, as edited
    again = _start()
    register = _register(again)
    row = register[register["Kind"] == "Designated"].iloc[0]
    assert (row["Name"], row["Phase"]) == ("Ashbrow North", "Hold")
    assert any(e.label.startswith("Ashbrow North — Hold since 01 Oct 2024") for e in again.expander)

    # retire, then restart: gone from the register, kept in the store
    _click(again, "Retire this area")
    assert again.success[0].value == "Retired “Ashbrow North”."
    third = _start()
    assert "Designated" not in set(_register(third)["Kind"])
    (kept,) = des.designations(store, include_retired=True)
    assert kept.retired and kept.retired_by == ANALYST


def test_saving_an_area_empties_the_form_and_charts_the_area_in_layer_colours(store: Store) -> None:
    wards = current_wards(store)
    at = _start()
    at.radio(key="chb_method").set_value("wards").run()
    at.multiselect(key="chb_wards").select(wards.codes[wards.names.index("Ashbrow")]).run()
    at.text_input(key="chb_new_name").input("Ashbrow centre")
    at.date_input(key="chb_new_Clear").set_value(date(2024, 4, 1))
    at.number_input(key="chb_new_buffer").set_value(300)
    at.text_area(key="chb_new_notes").input("Operation Nightjar")
    _click(at, "Save designated area")
    assert at.success[0].value == "Saved “Ashbrow centre”."
    assert len(des.designations(store)) == 1
    assert at.text_input(key="chb_new_name").value == ""
    assert at.date_input(key="chb_new_Clear").value is None
    assert at.text_area(key="chb_new_notes").value == ""
    assert at.multiselect(key="chb_wards").value == []
    assert not any("Marked out" in c.value for c in at.caption)  # no area carried over
    # the buffer is back to the default of data/chb.toml
    assert at.number_input(key="chb_new_buffer").value == tomllib.loads(CHB_TOML.read_text())["monitoring"][
        "buffer_m"
    ]
    # the new area's charts: each layer in its colour of data/layers.toml, every month with its year
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    by_layer = [s for s in specs if s.get("encoding", {}).get("color", {}).get("field") == "Layer"]
    assert by_layer, "the area's incidents by layer are charted"
    for spec in by_layer:
        scale = spec["encoding"]["color"]["scale"]
        assert dict(zip(scale["domain"], scale["range"], strict=True)) == colours_in_file()
    for spec in specs:  # a layered chart draws its first layer's axis
        xs = [p["encoding"]["x"] for p in [spec, *spec.get("layer", [])] if "x" in p.get("encoding", {})]
        temporal = [x for x in xs if x.get("type") == "temporal"]
        assert temporal and temporal[0]["axis"]["format"] == "%b %Y", spec
    # its before/after table names the weighted displacement quotient in words and says what it means
    (comparisons,) = [d.value for d in at.dataframe if any("displacement" in c for c in d.value.columns)]
    assert "Weighted displacement quotient (WDQ)" in comparisons.columns
    assert "WDQ" not in comparisons.columns
    assert any("weighted displacement quotient (WDQ) compares" in c.value for c in at.caption)
    # and saving again without filling it in is refused, not a second copy of the same area
    _click(at, "Save designated area")
    assert "Mark out the area first" in at.error[0].value
    assert len(des.designations(store)) == 1


def test_saving_without_an_area_or_a_name_is_refused(store: Store) -> None:
    at = _start()
    at.text_input(key="chb_new_name").input("Nowhere")
    _click(at, "Save designated area")
    assert "Mark out the area first" in at.error[0].value
    at.radio(key="chb_method").set_value("cells").run()
    at.selectbox(key="chb_candidate").set_value(at.selectbox(key="chb_candidate").options[1]).run()
    at.text_input(key="chb_new_name").input("  ")
    _click(at, "Save designated area")
    assert "needs a name" in at.error[0].value
    at.text_area(key="chb_cells").input("not-a-cell").run()
    assert "not H3 cell ids" in at.error[0].value
    assert des.designations(store) == []


def test_map_escapes_names_in_tooltips(store: Store) -> None:
    wards = current_wards(store)
    made = des.create(
        store,
        name=HOSTILE,
        geometry=wards.geometry_of(ward=wards.codes[0]),
        method="wards",
        phase_starts={},
        created_by="t",
    )
    from briefing.register import designated_status
    from geo.coverage import Coverage

    covered = Coverage.from_frame(store.coverage())
    status = designated_status(store, wards, config.chb_settings(), None, made, covered)
    page = chb_map(maps.base_map(store, wards), [], [status]).get_root().render()
    assert "<script>alert(1)</script>" not in page
    # the tooltip text is HTML-escaped, then JSON-encoded into the page (& written as \u0026)
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in page
    # the page calls the drawing tool in the app's map script, which announces the area as leaflet.draw would
    assert "kirklees.polygonDraw(" in page
    script = (config.PROJECT_DIR / "static/js/maps.js").read_text(encoding="utf-8")
    assert "polygonDraw: polygonDraw" in script and 'map.fire("draw:created"' in script
    assert "leaflet.draw" not in page  # the drawing tool needs no plugin from a CDN


def test_page_register_covers_the_months_loaded_as_the_register_does(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a store whose incidents end in October but whose data is loaded to December (quiet months of
    fires), the page's register counts the same months as ``hotspots chb`` and the packs: the last 3 months
    are Oct-Dec, not Aug-Oct as the first and last incident dates would make them (worked by hand in
    :data:`tests.test_chb.GAP_LAST_3`)."""
    from tests.test_chb import GAP_LAST_3, GAP_LAST_12, plant_gap_store

    plant_gap_store(empty_store)
    monkeypatch.setenv("HOTSPOTS_STORE", str(empty_store.path))
    at = _start()
    row = _register(at).set_index("Name").loc["Gap"]
    assert (row["Last 3 months"], row["Last 12 months"]) == (GAP_LAST_3, GAP_LAST_12)
    assert any(c.value.startswith("As at December 2025, the latest month of data") for c in at.caption)
    # the area's monitoring runs to the last month loaded too: Clear from May, after = May-Dec
    (phases,) = [d.value for d in at.dataframe if "After" in d.value.columns]
    assert phases["After"].tolist() == ["May 2025 to Dec 2025 (8 months)"]
