"""Action-day picker: a worked example by hand, then the rules on the demo (spread, area, order, repeat)."""

from __future__ import annotations

import io
import itertools
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime

import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

import config
from briefing.analyses import plan
from geo.action_days import (
    ActionPlan,
    Location,
    Weight,
    apply_weights,
    automatic_window,
    distance_m,
    layer_weights,
    pick,
    street_name,
)
from geo.boundaries import Wards
from geo.grid import study_grid
from geo.rates import Period, add_months
from layers.ingest import current_wards
from store import Store

WARDS = Wards(
    codes=("A", "B"),
    names=("Alpha", "Beta"),
    districts=("North", "North"),
    geometries=(box(-1.80, 53.63, -1.76, 53.67), box(-1.76, 53.63, -1.72, 53.67)),
    source="test",
)
JAN = Period(date(2025, 1, 1), date(2025, 1, 31))


def _row(lat: float, lon: float, weight: float, label: str, street: str) -> dict:
    cell = h3.str_to_int(h3.latlng_to_cell(lat, lon, 9))
    return {
        "cell": np.uint64(cell),
        "lat": lat,
        "lon": lon,
        "street": street,
        "weight": weight,
        "label": label,
    }


def test_worked_example_by_hand() -> None:
    """Four places in ward Alpha/Beta (district North), minimum distance 400 m, N = 3.

    * P at (53.6500, -1.7800): Drugs x3 (weight 1) and Burglary x1 (weight 2) -> score 5; the
      weighted mean latitude is (3 x 53.6500 + 2 x 53.6504) / 5 = 53.65016.
    * Q in the next cell, 0.005° of longitude east (0.005 x 111,320 x cos 53.65° = 330 m): score 4,
      too close to P.
    * R at -1.7650 (about 1 km east) and S at -1.7500 (about 2 km): score 3 each; the tie goes to the
      smaller H3 cell id.
    Expected: P, then R and S in cell-id order; Q skipped.
    """
    p = [
        _row(53.6500, -1.7800, 1, "Drugs", s)
        for s in ("On or near Market Street", "Station Road", "Station Road")
    ]
    p.append(_row(53.6504, -1.7800, 2, "Burglary", "on or near Market Street"))
    q = [_row(53.6500, -1.7750, 1, "Drugs", "Mill Lane")] * 4
    r = [_row(53.6500, -1.7650, 1, "Robbery", "Bank Street")] * 3
    s = [_row(53.6500, -1.7500, 1, "Robbery", "Carr Lane")] * 3
    incidents = pd.DataFrame(p + q + r + s)
    assert incidents.loc[:3, "cell"].nunique() == 1  # P's four points share one cell
    assert incidents.loc[4, "cell"] != incidents.loc[0, "cell"]
    assert distance_m(53.65, -1.78, np.array([53.65]), np.array([-1.775]))[0] == pytest.approx(330, abs=2)

    got = pick(
        incidents, area=WARDS.area, area_name="North", period=JAN, wards=WARDS, n=3, min_distance_m=400
    )
    assert [loc.rank for loc in got] == [1, 2, 3]
    first = got[0]
    assert first.score == 5 and first.incidents == 4
    assert first.counts == {"Drugs": 3, "Burglary": 1}
    assert first.lat == pytest.approx(53.65016, abs=1e-6) and first.lon == pytest.approx(-1.78, abs=1e-9)
    assert first.street == "Market Street"  # 2 each after dropping "On or near"; A-Z tie-break
    assert (first.ward_code, first.ward_name, first.district) == ("A", "Alpha", "North")
    assert first.why == (
        "4 incidents here in Jan 2025, mostly Drugs (3) and Burglary (1), "
        "for a weighted score of 5: the highest score in North."
    )
    r_cell, s_cell = (h3.latlng_to_cell(53.65, lon, 9) for lon in (-1.7650, -1.7500))
    assert [loc.cell for loc in got[1:]] == sorted([r_cell, s_cell])
    assert {loc.cell: loc.ward_name for loc in got[1:]} == {r_cell: "Alpha", s_cell: "Beta"}
    assert all(loc.score == 3 for loc in got[1:])
    assert "Mill Lane" not in {loc.street for loc in got}
    assert got[1].why.endswith("at least 400 m from those ranked above.")
    assert "all Robbery" in got[1].why

    # with no minimum distance Q comes second; asking for more than exist returns what there is
    close = pick(
        incidents, area=WARDS.area, area_name="North", period=JAN, wards=WARDS, n=10, min_distance_m=0
    )
    assert [loc.street for loc in close] == ["Market Street", "Mill Lane", *[loc.street for loc in got[1:]]]


def test_centre_outside_the_area_moves_to_the_nearest_incident() -> None:
    # two incidents on either side of a notch: their mean falls outside an L-shaped area
    area = shapely.union_all([box(0, 0, 2, 1), box(0, 0, 1, 2)])
    incidents = pd.DataFrame([_row(0.5, 1.9, 1, "Drugs", "X"), _row(1.9, 0.5, 1, "Drugs", "X")])
    incidents["cell"] = incidents["cell"].iloc[0]  # one place
    (loc,) = pick(incidents, area=area, area_name="L", period=JAN, wards=WARDS, n=1, min_distance_m=0)
    assert shapely.intersects_xy(area, loc.lon, loc.lat)
    assert (loc.lat, loc.lon) in {(0.5, 1.9), (1.9, 0.5)}


def test_a_place_is_named_after_the_ward_holding_its_cell_centre() -> None:
    """The grid's rule, not "the ward with most of its incidents": a hexagon whose centre is in Alpha is
    Alpha's even when three of its four incidents lie over the border in Beta, as on the Map page."""
    cell = h3.latlng_to_cell(53.65, -1.78, 9)
    lat, lon = h3.cell_to_latlng(cell)
    border = lon + 0.0002  # about 13 m east of the centre, well inside the hexagon
    wards = Wards(
        codes=("A", "B"),
        names=("Alpha", "Beta"),
        districts=("North", "North"),
        geometries=(box(-1.80, 53.63, border, 53.67), box(border, 53.63, -1.72, 53.67)),
        source="test",
    )
    rows = [_row(lat, lon - 0.0004, 1, "Drugs", "X")] + [_row(lat, lon + 0.0006, 1, "Drugs", "X")] * 3
    incidents = pd.DataFrame(rows)
    assert incidents["cell"].nunique() == 1 and h3.int_to_str(int(incidents["cell"].iloc[0])) == cell
    assert wards.assign(incidents["lat"], incidents["lon"]).tolist() == [0, 1, 1, 1]
    (loc,) = pick(
        incidents, area=wards.area, area_name="North", period=JAN, wards=wards, n=1, min_distance_m=0
    )
    assert (loc.ward_code, loc.ward_name, loc.district) == ("A", "Alpha", "North")
    grid = study_grid(wards, 9)
    assert grid.ward_codes[grid.index_of(incidents["cell"].to_numpy()[:1])[0]] == "A"
    # asked for Beta alone, the same hexagon is Beta's: the grid of a ward names every cell after it
    (in_beta,) = pick(
        incidents, area=wards.area, area_name="Beta", period=JAN, wards=wards, n=1, min_distance_m=0, ward="B"
    )
    assert in_beta.ward_name == "Beta"


def test_weights_category_rule_beats_layer_rule() -> None:
    frame = pd.DataFrame(
        {"layer": ["crime", "crime", "asb", "ksi"], "category": ["Drugs", "Burglary", "Nuisance", "Fatal"]}
    )
    weighted = apply_weights(
        frame, (Weight("crime", "Drugs", 3), Weight("crime", None, 0.5), Weight("ksi", None, 2))
    )
    assert weighted["weight"].tolist() == [3.0, 0.5, 2.0]  # ASB has no rule: left out
    assert weighted["label"].tolist() == ["Drugs", "Crime", "Road KSI"]
    assert layer_weights({"crime": 1, "asb": 0, "ksi": 2.5}) == (
        Weight("crime", None, 1.0),
        Weight("ksi", None, 2.5),
    )
    with pytest.raises(ValueError):
        apply_weights(frame, (Weight("crime", None, -1),))


def test_presets_are_read_from_the_data_file() -> None:
    defaults, presets = config.action_presets().picker, config.action_presets().presets
    assert list(presets) == ["police", "fire", "environment", "roads"]
    police = {w.category for w in presets["police"].weights}
    assert police == {"Violence and sexual offences", "Drugs", "Possession of weapons", "Robbery", "Burglary"}
    # "Fire" counts deliberate fires and nothing else, so its top places are where fires are set
    assert [(w.layer, w.category) for w in presets["fire"].weights] == [("deliberate_fire", None)]
    # every part of every preset says why it counts, for the weights table on the page and in the PDF
    assert all(w.why.strip() for p in presets.values() for w in p.weights)
    assert {(w.layer, w.category) for w in presets["roads"].weights} == {("ksi", None)}
    assert defaults.n >= 1 and defaults.min_distance_m > 0


def test_automatic_window_is_the_shortest_holding_enough() -> None:
    """By hand: 10, 50 and 60 incidents in Jan-Mar 2025 (and 500 in Jun 2024, outside every window).
    Ending March: 1 month holds 60, 2 months 110, 3 months 120; 6 months still 120."""
    counts = {date(2024, 6, 1): 500, date(2025, 1, 1): 10, date(2025, 2, 1): 50, date(2025, 3, 1): 60}
    windows = (1, 2, 3, 6)
    assert automatic_window(counts, date(2025, 3, 1), windows, 60) == 1
    assert automatic_window(counts, date(2025, 3, 1), windows, 100) == 2
    assert automatic_window(counts, date(2025, 3, 1), windows, 120) == 3
    assert automatic_window(counts, date(2025, 3, 1), windows, 121) == 6  # never enough: the longest
    assert automatic_window({}, date(2025, 3, 1), windows, 1) == 6


def test_street_name_ignores_blanks() -> None:
    assert street_name(pd.Series([None, " ", "On or near B Road", "A Road", "B Road"])) == "B Road"
    assert street_name(pd.Series([None, ""])) == ""


# ---- on the demo --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "district", "ward"),
    [("police", "Huddersfield", None), ("environment", None, "E05001398"), ("fire", None, None)],
)
def test_picker_rules_on_the_demo(
    demo_store: Store, preset: str, district: str | None, ward: str | None
) -> None:
    wards = current_wards(demo_store)
    presets = config.action_presets().presets
    period = Period(date(2025, 4, 1), date(2025, 9, 30))
    args = dict(
        weights=presets[preset].weights,
        weights_name=presets[preset].label,
        period=period,
        n=8,
        min_distance_m=500,
        resolution=9,
        district=district,
        ward=ward,
    )
    result = plan(demo_store, wards, **args)
    locs = result.locations
    assert len(locs) == 8
    area = wards.geometry_of(district=district, ward=ward)
    grid = study_grid(wards, 9, district=district, ward=ward)  # the Map and Hotspots pages' grid
    positions = grid.index_of(np.array([h3.str_to_int(loc.cell) for loc in locs], dtype=np.uint64))
    assert (positions >= 0).all()
    assert [loc.ward_code for loc in locs] == grid.ward_codes[positions].tolist()  # one hexagon, one ward
    assert [loc.ward_name for loc in locs] == grid.ward_names[positions].tolist()
    for loc in locs:  # within the chosen area
        assert shapely.intersects_xy(area, loc.lon, loc.lat)
        assert loc.district == wards.district_by_code[loc.ward_code]
        if district:
            assert loc.district == district
        if ward:
            assert loc.ward_code == ward
        assert loc.street and loc.why.startswith(f"{loc.incidents} incident")
        assert sum(loc.counts.values()) == loc.incidents
    for a, b in itertools.combinations(locs, 2):  # at least the set distance apart
        assert distance_m(a.lat, a.lon, np.array([b.lat]), np.array([b.lon]))[0] >= 500
    scores = [loc.score for loc in locs]
    assert scores == sorted(scores, reverse=True)  # ordered by score
    assert plan(demo_store, wards, **args) == result  # same inputs, same answer
    table = result.table()
    assert table["rank"].tolist() == list(range(1, 9)) and table["score"].tolist() == scores


def test_unknown_district_is_refused(demo_store: Store) -> None:
    presets = config.action_presets().presets
    with pytest.raises(ValueError, match="no district called"):
        plan(
            demo_store,
            current_wards(demo_store),
            weights=presets["police"].weights,
            weights_name="Police",
            period=JAN,
            n=3,
            min_distance_m=100,
            resolution=9,
            district="Atlantis",
        )


def _action_days_cli(store: Store, args: str) -> subprocess.CompletedProcess:
    """``hotspots action-days --store STORE ARGS`` in a fresh interpreter, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "cli", "action-days", "--store", str(store.path), *args.split()],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_action_days_json(demo_store: Store) -> None:
    out = _action_days_cli(
        demo_store, "--district Huddersfield --preset police --n 5 --min-distance 600 --months 3 --json"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["area"] == "Huddersfield" and data["preset"] == "Police"
    assert data["synthetic"] is True
    assert len(data["locations"]) == 5
    assert [loc["rank"] for loc in data["locations"]] == [1, 2, 3, 4, 5]
    assert data["period"]["last"] == "2025-09-30" and data["period"]["months"] == 3
    assert data["window"] == "chosen"  # --months sets the window
    first = data["locations"][0]
    assert {"lat", "lon", "street", "ward", "score", "counts", "why"} <= set(first)
    bad = _action_days_cli(demo_store, "--district Atlantis")
    assert bad.returncode == 1 and "no district called" in bad.stderr


# ---- exports and the page ------------------------------------------------------------------------------


def _demo_plan(demo_store: Store, n: int = 15):
    presets = config.action_presets().presets
    return plan(
        demo_store,
        current_wards(demo_store),
        weights=presets["police"].weights,
        weights_name="Police",
        period=Period(date(2025, 7, 1), date(2025, 9, 30)),
        n=n,
        min_distance_m=400,
        resolution=9,
        district="Huddersfield",
    )


def test_printable_list_has_the_weights_a_map_and_every_location(demo_store: Store) -> None:
    from pypdf import PdfReader

    from briefing.action_days import MAX_LOCATIONS, location_maps, pdf_bytes

    result = _demo_plan(demo_store, n=MAX_LOCATIONS)
    assert len(result.locations) == MAX_LOCATIONS
    pngs = location_maps(result, current_wards(demo_store), district="Huddersfield", ward=None)
    data = pdf_bytes(result, synthetic=True, produced=datetime(2025, 10, 6, 9, 0), maps_png=pngs)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2  # the weights and the map(s), then the list
    # the map of the numbered places, and an enlarged part where numbers would share a pin
    assert len(reader.pages[0].images) == len(pngs) >= 1
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Action-day locations: Huddersfield" in text
    assert "Jul 2025 to Sep 2025 (3 months)" in text and "Produced 06 October 2025" in text
    assert "SYNTHETIC DEMO DATA" in text and "Partner — OFFICIAL" in text
    # the weights table: every part of the police preset with its weight and its reason
    for w in result.weights:
        assert w.category in text and " ".join(w.why.split()[:4]) in text
    # what the ranking rests on: the police crimes of the window, counted here straight from the store
    where = "layer = 'crime' AND category IN (SELECT unnest(?)) AND district = ? AND date BETWEEN ? AND ?"
    params = [[w.category for w in result.weights], "Huddersfield", date(2025, 7, 1), date(2025, 9, 30)]
    (n,) = demo_store.query(f"SELECT count(*) AS n FROM incidents WHERE {where}", params)["n"]
    assert f"Based on {n:,} incidents of the chosen kinds from Jul 2025 to Sep 2025." in text
    for loc in result.locations:
        assert f"{loc.lat:.5f}, {loc.lon:.5f}" in text
    assert text.count("for a weighted score of") == MAX_LOCATIONS


def test_exports_print_hostile_text_as_typed() -> None:
    from pypdf import PdfReader

    from briefing.action_days import csv_bytes, pdf_bytes

    street = "<script>alert(1)</script> **Ünïcödé** Straße"
    loc = Location(
        rank=1,
        cell="89194254d5bffff",
        lat=53.65,
        lon=-1.78,
        street=street,
        ward_code="A",
        ward_name="Alpha",
        district="North",
        score=5.0,
        incidents=4,
        counts={"Drugs": 4},
        why="4 incidents here.",
    )
    result = ActionPlan("North", JAN, (Weight("crime", "Drugs", 1.0),), "Police", 400.0, (loc,))
    page = PdfReader(io.BytesIO(pdf_bytes(result, synthetic=False, produced=datetime(2025, 1, 1)))).pages[0]
    text = "".join(page.extract_text().split())  # the narrow street column wraps, even inside a word
    assert "".join(street.split()) in text and "SYNTHETIC" not in text
    table = pd.read_csv(io.BytesIO(csv_bytes(result, synthetic=True)), encoding="utf-8-sig")
    assert table.loc[0, "street"] == street
    assert table.loc[0, "data"] == "SYNTHETIC DEMO DATA - not real incidents"
    assert (table.loc[0, "area"], table.loc[0, "rank"]) == ("North", 1)


def test_action_days_page_in_apptest(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        from views import action_days_page

        action_days_page.render()

    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    at = AppTest.from_function(page, default_timeout=240).run()
    assert not at.exception, at.exception
    at.selectbox(key="ad_district").set_value("Huddersfield").run()
    assert at.subheader[0].value == "10 locations in Huddersfield"
    table = at.dataframe[0].value
    assert table["rank"].tolist() == list(range(1, 11)) and set(table["district"]) == {"Huddersfield"}
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download printable list (PDF)"]
    at.selectbox(key="ad_ward").set_value("E05001389").run()  # Ashbrow
    assert at.subheader[0].value.endswith("in Ashbrow")
    at.radio(key="ad_preset").set_value("custom").run()
    at.number_input(key="ad_w_crime").set_value(0.0)
    for lid in sorted(set(config.layers()) - {"crime"}):
        at.number_input(key=f"ad_w_{lid}").set_value(0.0)
    at.run()
    assert not at.exception and "at least one layer" in at.info[0].value


def _fires_per_cell(store: Store, district: str, first: date, last: date) -> dict[str, int]:
    """Deliberate fires per H3 resolution-9 cell, counted here from the raw coordinates (not the store's
    cell columns nor the picker), in a district over whole months ``first`` to ``last``."""
    rows = store.query(
        "SELECT lat, lon FROM incidents WHERE layer = 'deliberate_fire' AND district = ? "
        "AND date >= ? AND date < ?",
        [district, first, add_months(last, 1)],
    )
    cells = (h3.latlng_to_cell(lat, lon, 9) for lat, lon in zip(rows["lat"], rows["lon"], strict=True))
    return dict(Counter(cells))


def test_fire_preset_puts_places_with_deliberate_fires_first(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        from views import action_days_page

        action_days_page.render()

    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    at = AppTest.from_function(page, default_timeout=240).run()
    at.selectbox(key="ad_district").set_value("Huddersfield").run()
    at.radio(key="ad_preset").set_value("fire").run()
    assert not at.exception, at.exception
    # the weights are shown: deliberate fires, and nothing else, with the reason
    weights = at.table[0].value
    assert list(weights.index) == ["Deliberate fires"] and "fire" in weights["Why"].iloc[0]
    # the automatic window, and the count it rests on, checked against the raw records
    basis = next(c.value for c in at.caption if "Based on" in c.value)
    found = re.search(r"Based on ([\d,]+) deliberate fires from (\w{3} \d{4}) to (\w{3} \d{4})\.", basis)
    assert found, basis
    first, last = (datetime.strptime(m, "%b %Y").date() for m in found.group(2, 3))
    fires = _fires_per_cell(demo_store, "Huddersfield", first, last)
    assert int(found.group(1).replace(",", "")) == sum(fires.values())
    settings = config.action_presets().picker
    windows = sorted(o for o in at.selectbox(key="ad_window").options if o.isdigit())
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    # enough fires (the data file's minimum), and a month shorter would not have held enough
    shorter = [int(w) for w in windows if int(w) < months]
    assert sum(fires.values()) >= settings.enough_incidents
    if shorter:
        start = add_months(last, -(max(shorter) - 1))
        fewer = _fires_per_cell(demo_store, "Huddersfield", start, last)
        assert sum(fewer.values()) < settings.enough_incidents
    # every place listed has deliberate fires, exactly as many as the page says, and the first place has
    # as many as any cell of the district: the preset ranks by fires, nothing else
    table = at.dataframe[0].value
    assert len(table) == 10
    listed = [fires.get(cell, 0) for cell in table["h3_cell"]]
    assert min(listed) >= 1 and listed == table["incidents"].tolist()
    assert listed[0] == max(fires.values()) and listed == sorted(listed, reverse=True)
    assert set(table["counts"].str.replace(r": \d+$", "", regex=True)) == {"Deliberate fires"}


def test_cli_default_window_is_the_pages_automatic_window(demo_store: Store, capsys) -> None:
    """``hotspots action-days`` with no ``--months`` takes the window as the page's Automatic does (README):
    the shortest of 1, 2, 3, 6, 12 or 24 months to the last month of data holding at least
    ``enough_incidents`` counted incidents. Checked against deliberate fires counted here from the raw
    coordinates, window by window."""
    from tests.import_helpers import run_cli

    enough = config.action_presets().picker.enough_incidents
    last = date(2025, 9, 1)  # the demo's last month
    held = {
        months: sum(_fires_per_cell(demo_store, "Huddersfield", add_months(last, 1 - months), last).values())
        for months in (1, 2, 3, 6, 12, 24)
    }
    expected = min((m for m, n in held.items() if n >= enough), default=24)
    assert expected != 3  # the old fixed default would have given another window: the test can tell
    args = ("action-days", "--store", str(demo_store.path), "--district", "Huddersfield", "--preset", "fire")
    code, out, err = run_cli(capsys, *args, "--n", "3", "--json")
    assert code == 0, err
    data = json.loads(out)
    first = add_months(last, 1 - expected)
    assert data["window"] == "automatic" and data["period"]["months"] == expected
    assert data["period"]["first"] == first.isoformat() and data["period"]["last"] == "2025-09-30"
    assert data["incidents_counted"] == held[expected]
    sentence = f"Based on {held[expected]:,} deliberate fires from {first:%b %Y} to Sep 2025."
    assert data["basis"] == sentence
    # in words: what the list rests on, and how the window was chosen
    code, out, err = run_cli(capsys, *args, "--n", "3")
    assert code == 0, err
    assert sentence in out and "Window chosen automatically" in out
    # --months still overrides
    code, out, err = run_cli(capsys, *args, "--n", "3", "--months", "2", "--json")
    assert code == 0 and json.loads(out)["period"]["months"] == 2 and json.loads(out)["window"] == "chosen"
