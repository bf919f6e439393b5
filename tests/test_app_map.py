"""The map page under Streamlit's AppTest: it runs on the demo, labels it, and the filters change the numbers.

Expected figures are computed straight from the store with :mod:`store.queries`, so the test checks the
page shows the right numbers, not merely different ones.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import folium
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import config
from briefing.reads import ward_populations
from geo.rates import Period, add_months
from layers.importer import run_import
from layers.ingest import PARSED_COLUMNS, current_wards, ingest
from layers.readers import Upload
from layers.wards import shipped_wards
from store import Store
from store.queries import Filters, counts, date_range
from views import offline_assets
from views.common import plain

APP = Path(__file__).resolve().parent.parent / "app.py"
#: what the map adds up with every layer switched on: not police.uk-style ASB, because the demo's council
#: ASB records are the same reports (`same_reports_as` in data/layers.toml) and are never added to them
ALL_LAYERS = tuple(lid for lid in config.layers() if lid != "asb")


@pytest.fixture
def app(demo_app: AppTest) -> AppTest:
    return demo_app


def default_period(store: Store) -> Period:
    last = date_range(store)[1]
    return Period.of_months(add_months(last, -11), last)


def expected_total(store: Store, period: Period, **kw) -> int:
    filters = Filters(layers=kw.pop("layers", ALL_LAYERS), start=period.start, end=period.end, **kw)
    return int(counts(store, filters)["n"].sum())


def shown_total(at: AppTest) -> int:
    return int(at.metric[0].value.replace(",", ""))


def table_counts(at: AppTest) -> dict[str, int]:
    table = at.table[0].value
    return {label: int(n.replace(",", "")) for label, n in table["Incidents"].items()}


def test_page_runs_on_the_demo_with_labels_and_correct_default_numbers(
    app: AppTest, demo_store: Store
) -> None:
    warnings = " ".join(w.value for w in app.warning)
    assert config.SYNTHETIC_LABEL in warnings
    assert any(config.BOUNDARY_ATTRIBUTION in c.value for c in app.caption)
    period = default_period(demo_store)
    assert any(c.value == period.label for c in app.caption)
    assert shown_total(app) == expected_total(demo_store, period)
    rows = table_counts(app)
    assert list(rows) == [config.layers()[lid].label for lid in ALL_LAYERS] + ["All shown"]
    assert any("ASB (police.uk) is left out" in c.value for c in app.sidebar.caption)
    assert rows["All shown"] == sum(v for k, v in rows.items() if k != "All shown")
    # the rate uses the borough's residents as the briefing packs count them (no import: the shipped file)
    people = sum(p.people for p in ward_populations(demo_store).values())
    assert people == sum(r.population for r in config.default_populations())
    # the rate heading names the estimate, as data/population.csv states it
    shown = app.table[0].value.loc["All shown", "Rate per 1,000 residents (ONS mid-2020)"]
    rate = float(shown.replace(",", ""))
    assert rate == pytest.approx(rows["All shown"] * 1000 / people, abs=0.05)
    assert app.markdown.values and any("map-legend" in m for m in app.markdown.values)


def test_district_and_ward_filters_change_the_numbers(app: AppTest, demo_store: Store) -> None:
    period = default_period(demo_store)
    borough = shown_total(app)
    app.selectbox(key="filter_district").set_value("Dewsbury & Mirfield").run()
    assert not app.exception
    district = shown_total(app)
    assert 0 < district < borough
    assert district == expected_total(demo_store, period, district="Dewsbury & Mirfield")
    assert any(h.value == plain("Dewsbury & Mirfield") for h in app.subheader)

    wards = current_wards(demo_store)
    mirfield = next(c for c, n in wards.name_by_code.items() if n == "Mirfield")
    assert set(app.selectbox(key="filter_ward").options) == {
        "All wards",
        *(wards.name_by_code[c] for c in wards.wards_in("Dewsbury & Mirfield")),
    }
    app.selectbox(key="filter_ward").set_value(mirfield).run()
    assert shown_total(app) == expected_total(demo_store, period, ward=mirfield) < district
    assert any(h.value == plain("Mirfield (Dewsbury & Mirfield)") for h in app.subheader)  # shown as text


def test_layer_toggle_and_category_filter_change_the_numbers(app: AppTest, demo_store: Store) -> None:
    period = default_period(demo_store)
    app.toggle(key="filter_layer_crime").set_value(False).run()
    rows = table_counts(app)
    assert config.layers()["crime"].label not in rows
    without_crime = tuple(lid for lid in ALL_LAYERS if lid != "crime")
    assert shown_total(app) == expected_total(demo_store, period, layers=without_crime)

    app.toggle(key="filter_layer_crime").set_value(True).run()
    app.multiselect(key="filter_categories").set_value([("crime", "Robbery")]).run()
    robbery = expected_total(demo_store, period, layers=("crime",), categories=(("crime", ("Robbery",)),))
    assert table_counts(app)[config.layers()["crime"].label] == robbery
    assert shown_total(app) == expected_total(demo_store, period, layers=without_crime) + robbery


def test_months_filter_changes_numbers_and_change_needs_a_full_previous_period(
    app: AppTest, demo_store: Store
) -> None:
    first, last = date_range(demo_store)
    opening = Period.of_months(first, add_months(first, 5))
    app.select_slider(key="filter_months").set_value(
        (opening.start.strftime("%Y-%m"), opening.end.strftime("%Y-%m"))
    ).run()
    assert not app.exception
    assert shown_total(app) == expected_total(demo_store, opening)
    assert any(c.value == opening.label for c in app.caption)
    # nothing loaded before the first month: no change is claimed, and it says how much is missing
    assert set(app.table[0].value["Change"]) == {"not comparable: 6 months missing"}

    later = Period.of_months(add_months(first, 6), add_months(first, 11))
    app.select_slider(key="filter_months").set_value(
        (later.start.strftime("%Y-%m"), later.end.strftime("%Y-%m"))
    ).run()
    now, before = expected_total(demo_store, later), expected_total(demo_store, opening)
    assert shown_total(app) == now
    change = app.table[0].value.loc["All shown", "Change"]
    assert re.fullmatch(rf"[↑↓→]\s.*\(from\s{before:,}\)|→\sno change.*", change), change


def test_filters_survive_a_rerun_and_an_empty_selection_is_explained(app: AppTest) -> None:
    app.selectbox(key="filter_district").set_value("Rural").run()
    app.run()
    assert app.selectbox(key="filter_district").value == "Rural"
    for lid in config.layers():
        app.toggle(key=f"filter_layer_{lid}").set_value(False)
    app.run()
    assert not app.exception
    assert shown_total(app) == 0
    assert any("at least one layer" in i.value for i in app.info)


def test_choosing_all_of_kirklees_clears_the_ward(app: AppTest) -> None:
    app.selectbox(key="filter_district").set_value("Huddersfield").run()
    ashbrow = next(c for c in app.selectbox(key="filter_ward").options if c == "Ashbrow")
    app.selectbox(key="filter_ward").select(ashbrow).run()
    assert app.selectbox(key="filter_ward").value
    app.selectbox(key="filter_district").set_value("").run()  # "All of Kirklees"
    assert not app.exception
    assert app.selectbox(key="filter_ward").value == ""  # all wards, not the ward chosen before
    assert app.subheader[0].value == "All of Kirklees"


def test_imported_populations_set_the_rates(
    monkeypatch: pytest.MonkeyPatch, demo_store: Store, tmp_path: Path
) -> None:
    """The map page takes its residents from the store's imported populations, as the packs do."""
    store = Store(tmp_path / "demo-with-populations.duckdb")
    shutil.copy(demo_store.path, store.path)
    wards = current_wards(store)
    rows = "\n".join(f"{code},{name},10000" for code, name in zip(wards.codes, wards.names, strict=True))
    (report,) = run_import(
        store, "population", [Upload("pop.csv", f"Ward code,Ward name,Population\n{rows}\n".encode())]
    )
    assert report.ok, report.summary()
    monkeypatch.setenv("HOTSPOTS_STORE", str(store.path))
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    assert not at.exception, [e.message for e in at.exception]
    people = 10_000 * len(wards.codes)
    rate = float(at.table[0].value.loc["All shown", "Rate per 1,000 residents (pop.csv)"].replace(",", ""))
    assert rate == pytest.approx(table_counts(at)["All shown"] * 1000 / people, abs=0.05)
    assert any(c.value == f"Rates use {people:,} residents (pop.csv)." for c in at.caption)


def test_real_data_is_not_labelled_synthetic(monkeypatch: pytest.MonkeyPatch, empty_store: Store) -> None:
    incidents = pd.DataFrame(
        {
            "layer": "crime",
            "category": ["Burglary", "Robbery", "Drugs"],
            "source_id": ["r1", "r2", "r3"],
            "date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
            "date_precision": "month",
            "lat": 53.6458,
            "lon": -1.7850,
            "street": None,
            "severity": None,
            "casualties": None,
            "attributes": None,
        }
    )[list(PARSED_COLUMNS)]
    ingest(empty_store, incidents, shipped_wards(), source="police.uk", file_name="real.csv", rows_read=3)
    monkeypatch.setenv("HOTSPOTS_STORE", str(empty_store.path))
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    assert not at.exception, [e.message for e in at.exception]
    assert not any(config.SYNTHETIC_LABEL in w.value for w in at.warning)
    assert shown_total(at) == 3
    assert any(c.value == "Jan 2025 to Mar 2025 (3 months)" for c in at.caption)


def test_first_run_builds_the_demo_in_its_own_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "demo.duckdb"
    real = tmp_path / "fresh" / "store.duckdb"
    monkeypatch.setenv("HOTSPOTS_STORE", str(real))
    monkeypatch.setenv("HOTSPOTS_DEMO_STORE", str(path))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    assert path.exists() and Store(path).synthetic_layers() == sorted(config.layers())
    assert not real.exists()  # the real store is started by the first real import, never by the demo
    assert any("synthetic demo" in c.value for c in at.sidebar.caption)
    assert any(config.SYNTHETIC_LABEL in w.value for w in at.warning)
    assert shown_total(at) > 0


def test_map_assets_point_only_at_the_local_copy(tmp_path: Path) -> None:
    written = offline_assets.install_bundles(target=tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in written} >= {
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/images/layers.png",
    }
    source = offline_assets.LEAFLET.source_dir()
    assert (tmp_path / "leaflet/leaflet.js").read_bytes() == (source / "leaflet.js").read_bytes()
    assert offline_assets.install_bundles(target=tmp_path) == []  # idempotent

    saved = folium.Map.default_js, folium.Map.default_css
    try:
        offline_assets.use_local_assets("/hotspots/")
        html = folium.Map(tiles=None).get_root().render()
    finally:
        folium.Map.default_js, folium.Map.default_css = saved
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/hotspots/app/static/vendor/leaflet/leaflet.js" in links
    assert "/hotspots/app/static/vendor/leaflet/leaflet.css" in links
    # the app's own map script, after Leaflet, named by a hash of the file so a changed file is fetched anew
    ours = [u for u in links if u.startswith("/hotspots/app/static/js/maps.js?v=")]
    leaflet = links.index("/hotspots/app/static/vendor/leaflet/leaflet.js")
    assert len(ours) == 1 and links.index(ours[0]) > leaflet
    digest = hashlib.sha256((config.PROJECT_DIR / "static/js/maps.js").read_bytes()).hexdigest()
    assert digest.startswith(ours[0].split("?v=")[1])
    assert [u for u in links if "//" in u] == []
