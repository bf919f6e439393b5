"""What every page shares (views/common.py, views/maps.py): the empty-store notice, export names and
labels, Markdown escaping, and one rule for naming a hexagon's ward on the Map and Hotspots pages."""

from __future__ import annotations

import json

import h3
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import config
from briefing.analyses import hotspots_from_store
from briefing.exports import labelled
from geo.classes import HEADTAIL, Classes
from geo.coverage import Coverage
from geo.grid import study_grid
from geo.hotspots import default_window
from layers.ingest import current_wards
from store import Store
from store.queries import Filters, counts
from views import common, map_page


@pytest.mark.parametrize(
    "page",
    [
        "map_page",
        "hotspots_page",
        "chb_page",
        "action_days_page",
        "packs_page",
        "ward_profile_page",
        "scorecard_page",
    ],
)
def test_every_data_page_says_how_to_load_data_when_the_store_is_empty(
    page: str, empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_store.set_meta("purpose", "a store that exists but holds no incidents")
    monkeypatch.setenv("HOTSPOTS_STORE", str(empty_store.path))
    at = AppTest.from_string(f"from views import {page}\n{page}.render()\n", default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    notice = at.info[0].value
    assert "no incidents in the store" in notice and "**Load data** page" in notice
    assert not at.get("component_instance") and not at.dataframe  # no map, no table drawn from nothing


def test_file_names_are_safe_and_say_synthetic() -> None:
    assert (
        common.file_name("action-days-Batley & Spen-2025-09", "csv") == "action-days-Batley-Spen-2025-09.csv"
    )
    assert common.file_name("../../etc/passwd", "pdf") == "etc-passwd.pdf"
    assert common.file_name("<>", "csv") == "download.csv"
    assert (
        common.file_name("hotspots-2025-01", "geojson", synthetic=True)
        == "SYNTHETIC-hotspots-2025-01.geojson"
    )


def test_exports_carry_the_synthetic_label_on_every_row() -> None:
    table = pd.DataFrame({"ward": ["Ashbrow", "Dalton"], "n": [3, 4]})
    shown = labelled(table, True)
    assert list(shown.columns) == ["data", "ward", "n"]
    assert (shown["data"] == config.SYNTHETIC_LABEL).all() and shown["n"].tolist() == [3, 4]
    assert labelled(table, False) is table


def test_plain_escapes_markdown_and_html() -> None:
    hostile = "[x](javascript:alert(1)) <b>*bold*</b> #1"
    escaped = common.plain(hostile)
    assert "](" not in escaped and "<b>" not in escaped and "*bold*" not in escaped
    assert escaped.replace("\\", "") == hostile


def test_map_and_hotspots_name_a_hexagon_after_the_same_ward(demo_store: Store) -> None:
    """Both pages take a hexagon's ward from the study grid (the ward holding its centre), also where most
    of a boundary hexagon's incidents lie in the next ward (the Map page's old rule named those differently).
    """
    wards = current_wards(demo_store)
    first, last = default_window(Coverage.from_frame(demo_store.coverage()))
    filters = Filters(
        layers=tuple(config.layers()),
        start=first.start_time.date(),
        end=last.end_time.date(),
        district="Huddersfield",
    )
    grid = study_grid(wards, 9, district="Huddersfield")
    hotspot_wards = hotspots_from_store(demo_store, filters, grid, first=first, last=last).table.set_index(
        "h3"
    )["ward"]

    one_colour = Classes(HEADTAIL, (1,))  # colours play no part in how hexagons are named
    drawn = map_page._hexes(str(demo_store.path), demo_store.version(), filters, 9, one_colour, grid)
    features = json.loads(drawn.geojson_text)["features"]
    map_wards = {_cell_of(f["geometry"]["coordinates"][0]): f["properties"]["ward"] for f in features}
    assert len(map_wards) == len(features) > 300
    assert all(hotspot_wards[cell] == ward for cell, ward in map_wards.items())

    by_ward = counts(demo_store, filters, ("h3_r9", "ward_code"))
    busiest = by_ward.sort_values("n").drop_duplicates("h3_r9", keep="last")
    busiest_ward = {
        h3.int_to_str(int(c)): wards.name_by_code[w]
        for c, w in zip(busiest["h3_r9"], busiest["ward_code"], strict=True)
    }
    differs = [cell for cell, ward in map_wards.items() if busiest_ward[cell] != ward]
    assert differs, "no boundary hexagon where the two rules disagree: the check above proves nothing"


def _cell_of(ring: list[list[float]]) -> str:
    """The resolution-9 H3 cell whose drawn hexagon is ``ring`` (its centre is the corners' mean)."""
    corners = ring[:-1]
    return h3.latlng_to_cell(sum(p[1] for p in corners) / 6, sum(p[0] for p in corners) / 6, 9)
