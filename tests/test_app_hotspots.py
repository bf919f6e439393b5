"""The Hotspots and method pages under Streamlit's AppTest, and the page's map features (escaping)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import config
from briefing.analyses import hotspots_from_store
from geo.coverage import Coverage
from geo.gistar import CLASS_LABELS
from geo.grid import study_grid
from geo.hotspots import analyse, default_window
from geo.trends import PATTERN_RULES
from layers.ingest import current_wards
from store import Store
from store.queries import Filters
from views.hotspots_page import map_features


def _hotspots_page() -> None:
    from views import hotspots_page

    hotspots_page.render()


def _method_page() -> None:
    from views import method_page

    method_page.render()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, demo_store: Store) -> AppTest:
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    at = AppTest.from_function(_hotspots_page, default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_hotspots_page_shows_the_same_hot_cells_as_the_analysis(app: AppTest, demo_store: Store) -> None:
    assert any("hotspot-legend" in m for m in app.markdown.values)
    ranked = app.dataframe[0].value
    assert len(ranked) > 10
    codes = ranked["Class"].map({label: code for code, label in CLASS_LABELS.items()})
    assert codes.iloc[0] >= 2 and codes.is_monotonic_decreasing  # town centres at 95%+, hottest first
    assert ranked["Rank"].tolist() == list(range(1, len(ranked) + 1))
    # the same numbers as the shared code path for the default choices (all layers, last 12 months, res 8)
    first, last = default_window(Coverage.from_frame(demo_store.coverage()))
    grid = study_grid(current_wards(demo_store), config.settings()["map"]["borough_resolution"])
    # every layer but police.uk-style ASB, which the demo's council ASB records duplicate (never added)
    layers = tuple(lid for lid in config.layers() if lid != "asb")
    expected = hotspots_from_store(demo_store, Filters(layers=layers), grid, first=first, last=last)
    hot = expected.hot_cells()
    assert ranked["H3 cell"].tolist() == hot["h3"].tolist()
    np.testing.assert_allclose(ranked["Gi* z"], hot["z"].round(2))
    assert ranked["Incidents"].tolist() == hot["count"].tolist()
    assert set(ranked["Trend"]) <= {*(f"{p} hot spot" for p in PATTERN_RULES), "No pattern detected"}
    assert [b.label for b in app.get("download_button")] == [
        "Hot cells (CSV)",
        "Every cell (CSV)",
        "Every cell (GeoJSON)",
    ]


def test_harm_weighting_and_the_trust_check(app: AppTest) -> None:
    app.radio(key="hotspots_harm").set_value("Harm-weighted").run()
    assert not app.exception, [e.message for e in app.exception]
    ranked = app.dataframe[-1].value
    assert "Harm score" in ranked.columns
    app.toggle(key="hotspots_evaluate").set_value(True).run()
    assert not app.exception, [e.message for e in app.exception]
    trust = app.dataframe[-1].value
    assert len(trust) == 3
    assert trust["Method"].iloc[0].startswith("Gi*")
    assert (trust["Predictive Accuracy Index"] > 1).all()


def test_method_page_states_the_rules(monkeypatch: pytest.MonkeyPatch, demo_store: Store) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    at = AppTest.from_function(_method_page, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    text = " ".join(at.markdown.values)
    for phrase in ("Benjamini-Hochberg", "Mann-Kendall", "cold spot", "Predictive Accuracy Index", "90%"):
        assert phrase in text
    classes = at.dataframe[1].value
    assert classes["Class"].tolist() == list(CLASS_LABELS.values())
    trends = at.dataframe[3].value
    assert len(trends) == len(PATTERN_RULES) + 1


def test_map_features_escape_names_from_the_data(demo_store: Store) -> None:
    grid = study_grid(current_wards(demo_store), 8)
    cell = int(grid.cells[100])
    busy = grid.cells[grid.neighbours(1)[100].indices]  # a busy neighbourhood (a lone busy cell is none)
    frame = pd.DataFrame(
        {
            "cell": np.asarray(busy, dtype=np.uint64),
            "month": pd.Timestamp("2025-01-01"),
            "layer": "crime",
            "category": "Robbery",
            "n": 40,
        }
    )
    streets = pd.DataFrame(
        {"cell": np.array([cell], dtype=np.uint64), "street": ["<img src=x onerror=alert(1)>"], "n": [3]}
    )
    month = pd.Period("2025-01", "M")
    result = analyse(frame, grid, first=month, last=month, streets=streets)
    features = map_features(result)["features"]
    assert features  # the busy cells are significant
    streets_shown = [f["properties"]["street"] for f in features]
    assert "&lt;img src=x onerror=alert(1)&gt;" in streets_shown
    assert not any("<img" in s for s in streets_shown)
