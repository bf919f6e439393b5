"""The Map page's tools under Streamlit's AppTest: colour classes that stay put, place and street search,
the monthly chart, and what the public version leaves out.

Expected figures come straight from the store (:mod:`store.queries`) and the data files, not from the
page's own code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import config
from geo.rates import Period, add_months
from layers.wards import shipped_wards
from store import Store
from store.queries import Filters, counts, date_range
from views import access, maps

APP = Path(__file__).resolve().parent.parent / "app.py"
LEGEND_LABEL = re.compile(r"</span>([^<]+)</span>")
#: A box the map's swapped layer fits: ``kirklees.fitArea(map, slot, key, [[south, west], [north, east]])``.
FIT_AREA = re.compile(r'kirklees\.fitArea\(\s*\w+, "(\w+)",\s*"[^"]*", (\[\[[^\]]*\], \[[^\]]*\]\])\s*\)')


@pytest.fixture
def app(demo_app: AppTest) -> AppTest:
    return demo_app


def colour_labels(at: AppTest) -> list[str]:
    """The legend's colour classes (the outline entries "ward", "district", "chosen area" left out)."""
    legend = next(m.value for m in at.markdown if 'id="map-legend"' in m.value)
    return [
        label for label in LEGEND_LABEL.findall(legend) if label not in ("ward", "district", "chosen area")
    ]


def class_bounds(labels: list[str]) -> list[tuple[int, float]]:
    out = []
    for label in labels:
        numbers = [int(n.replace(",", "")) for n in re.findall(r"[\d,]+", label)]
        out.append((numbers[0], float("inf") if "or more" in label else numbers[-1]))
    return out


def borough_cells(store: Store, res: int) -> np.ndarray:
    """Every hexagon's count for the default year and layers, all of Kirklees (independent of the page)."""
    last = date_range(store)[1]
    period = Period.of_months(add_months(last, -11), last)
    layers = tuple(lid for lid in config.layers() if lid != "asb")
    frame = counts(store, Filters(layers=layers, start=period.start, end=period.end), (f"h3_r{res}",))
    return frame["n"].to_numpy()


def in_class(values: np.ndarray, bounds: list[tuple[int, float]]) -> list[int]:
    return [int(((values >= lo) & (values <= hi)).sum()) for lo, hi in bounds]


def test_colours_stay_put_across_districts_and_categories(app: AppTest, demo_store: Store) -> None:
    app.selectbox(key="filter_district").set_value("Huddersfield").run()
    huddersfield = colour_labels(app)
    app.selectbox(key="filter_district").set_value("Rural").run()
    assert colour_labels(app) == huddersfield  # a quiet district is not rescaled to look as busy
    option = next(o for o in app.multiselect(key="filter_categories").options if "Burglary" in str(o))
    app.multiselect(key="filter_categories").select(option).run()
    assert colour_labels(app) == huddersfield
    caption = next(c.value for c in app.caption if c.value.startswith("Colours:"))
    assert "head/tail breaks" in caption and "every hexagon of Kirklees" in caption
    # head/tail over the borough's hexagons: each darker colour holds fewer hexagons than the one before,
    # and every hexagon with incidents has a colour
    cells = borough_cells(demo_store, config.settings()["map"]["local_resolution"])
    sizes = in_class(cells, class_bounds(huddersfield))
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)
    assert sum(sizes) == int((cells > 0).sum())


def test_quantiles_put_about_as_many_hexagons_in_each_colour(app: AppTest, demo_store: Store) -> None:
    app.radio(key="map_colour_classes").set_value("quantiles").run()
    labels = colour_labels(app)
    assert len(labels) == 5
    assert any("quantiles" in c.value for c in app.caption if c.value.startswith("Colours:"))
    cells = borough_cells(demo_store, config.settings()["map"]["borough_resolution"])
    shares = np.array(in_class(cells, class_bounds(labels))) / int((cells > 0).sum())
    # five equal shares are 20% each; ties between equal counts move a class by a few points at most
    assert shares.sum() == pytest.approx(1.0) and shares.min() > 0.12 and shares.max() < 0.28


def test_search_finds_a_town_and_the_streets_of_the_data(app: AppTest, demo_store: Store) -> None:
    app.text_input(key="map_search").input("Holmfirth").run()
    assert not app.exception
    assert "Holmfirth (town)" in app.selectbox(key="map_search_match").options
    app.text_input(key="map_search").input("mill lane").run()
    options = app.selectbox(key="map_search_match").options
    records = demo_store.query(
        "SELECT ward_code, count(*) AS n FROM incidents WHERE lower(street) LIKE '%mill lane%' GROUP BY 1"
    )
    by_code = shipped_wards().name_by_code
    streets = [o for o in options if o.endswith("(street)")]
    # the busiest stretches first, one per ward, at most 12 of them
    expected = records.sort_values("n", ascending=False)["ward_code"].map(by_code).tolist()[:12]
    assert streets == [f"Mill Lane, {ward} (street)" for ward in expected]
    app.text_input(key="map_search").input("zzzz").run()
    assert any("No ward, place or street matches" in c.value for c in app.caption)


def fitted_boxes(at: AppTest) -> dict[str, list[float]]:
    """The boxes the map's swapped layer moves the view to, by the page variable each is remembered in,
    as [south, west, north, east] (read from the script the page sends the map)."""
    (the_map,) = at.get("component_instance")
    script = json.loads(the_map.proto.json_args)["feature_group"]
    return {slot: [v for corner in json.loads(box) for v in corner] for slot, box in FIT_AREA.findall(script)}


def test_clearing_the_search_puts_the_map_back_on_the_chosen_district(app: AppTest) -> None:
    app.selectbox(key="filter_district").set_value("Rural").run()
    # the district's box worked out here from its wards' own polygons in the boundary file
    wards = shipped_wards()
    rural = [g.bounds for g, d in zip(wards.geometries, wards.districts, strict=True) if d == "Rural"]
    boxes = np.array(rural)
    west, south = boxes[:, 0].min(), boxes[:, 1].min()
    east, north = boxes[:, 2].max(), boxes[:, 3].max()
    district = pytest.approx([south, west, north, east], abs=1e-5)
    assert fitted_boxes(app)[maps.SEARCH_SLOT] == district

    app.text_input(key="map_search").input("Holmfirth").run()
    assert app.selectbox(key="map_search_match").options == ["Holmfirth (town)"]
    found = fitted_boxes(app)
    s, w, n, e = found[maps.SEARCH_SLOT]
    town = next(p for p in config.places() if p.name == "Holmfirth")
    assert s < town.lat < n and w < town.lon < e
    assert (n - s) < (north - south) / 4  # zoomed in on the town, well inside the district
    assert found["__hotspotsArea"] == district  # the area's own box stays, so it does not move the map

    app.text_input(key="map_search").input("").run()
    assert not app.exception
    # the search's box is the district's again: the map goes back to the view it had before the search
    assert fitted_boxes(app)[maps.SEARCH_SLOT] == district


def test_monthly_chart_uses_the_layer_colours_and_months_with_years(app: AppTest) -> None:
    charts = app.get("vega_lite_chart")
    assert charts
    spec = json.loads(charts[0].proto.spec)
    scale = spec["encoding"]["color"]["scale"]
    specs = config.layers()
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        specs[lid].label: specs[lid].colour for lid in specs if lid != "asb"
    }
    assert spec["encoding"]["x"]["axis"]["format"] == "%b %Y"


def test_public_search_and_chart_give_no_small_detail(
    monkeypatch: pytest.MonkeyPatch, demo_store: Store
) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    monkeypatch.setattr(access, "current_audience", lambda: "public")
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("The public version shows no monthly chart" in c.value for c in at.caption)
    assert not at.get("vega_lite_chart")
    at.text_input(key="map_search").input("lane").run()
    offered = [o for o in at.selectbox(key="map_search_match").options if o.endswith("(street)")]
    assert offered
    records = demo_store.query(
        "SELECT regexp_replace(street, '^on or near ', '', 'i') AS street, ward_code, count(*) AS n "
        "FROM incidents WHERE street IS NOT NULL GROUP BY ALL"
    )
    by_code = shipped_wards().name_by_code
    n = {(r.street, by_code[r.ward_code]): r.n for r in records.itertuples()}
    for option in offered:
        street, ward = option.removesuffix(" (street)").split(", ", 1)
        assert n[(street, ward)] >= 5, option
    assert not any(re.search(r"\d", o) for o in offered)  # streets are named, never counted


def _public_panel(store_path: str, ward: str, which: str) -> None:
    """AppTest script: the clicked-hexagon panel of the public map of one quiet ward's latest quarter, for
    a hexagon the public map draws (``which="drawn"``) or one with 1-4 incidents it does not draw."""
    import numpy as np

    from briefing.periods import quarters_with_data
    from briefing.settings import public_threshold
    from geo.classes import HEADTAIL, Classes
    from geo.coverage import Coverage
    from geo.grid import study_grid
    from layers.ingest import current_wards
    from store import Store
    from store.queries import Filters, counts
    from views import map_page, map_tools

    store = Store(store_path)
    wards = current_wards(store)
    coverage = Coverage.from_frame(store.coverage())
    period = quarters_with_data(coverage)[-1].period
    district = wards.district_by_code[ward]
    filters = Filters(layers=("crime",), start=period.start, end=period.end, district=district, ward=ward)
    grid = study_grid(wards, 9, district=district, ward=ward)
    layers = map_page.public_layers(filters, coverage)
    colours = Classes(HEADTAIL, (public_threshold(),))
    _, public = map_page._public(store_path, store.version(), filters, 9, layers, colours, grid, wards)
    cells = counts(store, filters, ("h3_r9",))
    small = cells[(cells["n"] >= 1) & (cells["n"] <= 4)]["h3_r9"]
    cell = int(sorted(public.drawn)[0]) if which == "drawn" else int(small.iloc[0])
    assert grid.index_of(np.array([cell], dtype=np.uint64))[0] >= 0
    map_tools.cell_panel(store, filters, grid, cell, None, public)


@pytest.mark.parametrize("which", ["drawn", "small"])
def test_the_public_panel_gives_a_drawn_hexagon_its_total_only_and_a_small_one_nothing(
    demo_store: Store, which: str
) -> None:
    ward = "E05001401"  # Golcar: a quieter ward, with drawn hexagons and hexagons of 1-4 incidents
    at = AppTest.from_function(_public_panel, args=(str(demo_store.path), ward, which), default_timeout=120)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.dataframe and not at.get("vega_lite_chart")  # no categories, no months
    if which == "small":
        assert not at.metric
        assert any("The public map does not draw this hexagon" in c.value for c in at.caption)
    else:
        assert [m.label for m in at.metric] == ["Incidents"]
        assert int(at.metric[0].value.replace(",", "")) >= 5
        assert any("a hexagon's total only" in c.value for c in at.caption)
