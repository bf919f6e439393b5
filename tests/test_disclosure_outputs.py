"""The differencing attack (tests/disclosure_attack.py) over every public output, on the synthetic demo and
on a store of the real-shaped fixtures: every public pack of the newest complete quarter (the four COG
packs and the 23 ward packs together, as one ZIP, and each on its own), every ward profile, the scorecard,
the map's summaries and hexagons for every area, and the Hotspots page's table. Each reader takes only
what the output prints (tests/disclosure_readers.py); none asks geo.disclosure what it hid. The bar: no
hidden count recovered, and no sum of hidden counts that subtraction gives below the threshold.

The attack is shown to bite: on the same outputs with small-number suppression alone (what the app did
before) it recovers hidden counts.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import config
from briefing import public, scorecard
from briefing.analyses import hotspots_from_store
from briefing.packs import PackContext, area_places, build_pack, district_places, ward_places
from briefing.scorecard import Scorecard, compute_scorecard, public_scorecard
from briefing.suppression import Disclosure
from briefing.ward_profile import build_ward_profile
from geo import public_map
from geo.classes import HEADTAIL, Classes
from geo.coverage import Coverage
from geo.disclosure import Suppression, Table
from geo.grid import study_grid
from geo.measurable import combinable
from geo.rates import Period, add_months
from layers.importer import run_import
from layers.readers import Upload
from store import Store
from store.queries import Filters, counts
from tests.disclosure_attack import Attack, Findings
from tests.disclosure_readers import read_hexes, read_hierarchy, read_pack, read_profile, read_summary
from views import hotspots_page, map_page, scorecard_page, ward_profile_page

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PRODUCED = date(2025, 11, 25)
THRESHOLD = 5
PUBLIC = Disclosure("public", THRESHOLD)
#: the real-shaped fixtures: two police.uk months, a STATS19 year, fly-tipping, fires and council ASB
REAL_FILES = {
    "police-csv": ["police-street-2024-06.csv", "police-street-2024-07.csv"],
    "stats19": [
        "stats19-2024/stats19-kirklees-2024-collisions.csv",
        "stats19-2024/stats19-kirklees-2024-casualties.csv",
    ],
    "fly-tipping": ["fly-tipping-export.csv"],
    "fires": ["fire-incidents.csv"],
    "council-asb": ["council-asb-2023-24.csv"],
}


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("real") / "real.duckdb")
    for source, names in REAL_FILES.items():
        uploads = [Upload(Path(n).name, (FIXTURES / n).read_bytes()) for n in names]
        for report in run_import(store, source, uploads):
            assert report.error is None and report.added, (source, report.error)
    return store


@pytest.fixture(scope="module", params=["demo", "real"])
def store(request: pytest.FixtureRequest) -> Store:
    return request.getfixturevalue("demo_store" if request.param == "demo" else "real_store")


@pytest.fixture(scope="module")
def ctx(store: Store) -> PackContext:
    return PackContext.load(store)


def primary_only(table: Table, threshold: int) -> Suppression:
    """What public outputs did before: hide 1 to 4, nothing else (to show the attack bites)."""
    states = {
        k: "unseen" if k in table.unseen else "small" if 0 < v < threshold else "shown"
        for k, v in table.values.items()
    }
    return Suppression(threshold, dict(table.values), states)


def assert_safe(found: Findings) -> None:
    assert not found.recovered, str(found)
    assert not found.small_sums, str(found)


# ---- the scorecard -------------------------------------------------------------------------------------


def attack_scorecard(card: Scorecard) -> Findings:
    """Every measure's tables as the public page prints them: Kirklees = districts = wards, for both
    12-month periods, and the Kirklees sparkline's two halves = the two periods."""
    a = Attack(THRESHOLD)
    head = scorecard_page.headline_frame(card, {}, PUBLIC)
    for _, row in head.iterrows():
        m = row["Measure"]
        districts = scorecard_page.breakdown_frame(card.at("district", m), "", PUBLIC)
        wards = scorecard_page.breakdown_frame(card.at("ward", m), "", PUBLIC)
        for column, when in (("Latest 12 months", "now"), ("12 months before", "before")):
            if row[column].startswith(("no data", "not measured")) or row[column] == "–":
                continue
            a.read(f"{m}|K|{when}", row[column])
            a.sum(f"{m}|K|{when}", [f"{m}|{d}|{when}" for d in districts["Area"]])
            for _, d in districts.iterrows():
                a.read(f"{m}|{d['Area']}|{when}", d[column])
                in_district = wards[wards["District"] == d["Area"]]["Area"]
                a.sum(f"{m}|{d['Area']}|{when}", [f"{m}|{w}|{when}" for w in in_district])
            for _, w in wards.iterrows():
                a.read(f"{m}|{w['Area']}|{when}", w[column])
        spark = row["Last 24 months"]
        months = [f"{m}|month {i}" for i in range(len(spark))]
        for name, value in zip(months, spark, strict=True):
            if value is None:
                a.unseen(name)
                a.printed.add(name)  # a gap where a count was withheld: a hidden figure
            else:
                a.read(name, f"{value:,}")
        if len(spark) == 24:
            for when, half in (("before", months[:12]), ("now", months[12:])):
                if f"{m}|K|{when}" in a.bounds:
                    a.sum(f"{m}|K|{when}", half)
    return a.solve()


def test_the_public_scorecard_survives_the_attack(ctx: PackContext) -> None:
    card = compute_scorecard(ctx.store, ctx.wards, ctx.populations, ctx.sources, ctx.latest_month)
    shown = public_scorecard(card, THRESHOLD)
    assert_safe(attack_scorecard(shown))
    # what is built on a hidden count is hidden with it: rate, RAG, arrow, a "down N" target
    for level in ("district", "ward"):
        for m in {s.measure.measure for s in shown.scores}:
            frame = scorecard_page.breakdown_frame(shown.at(level, m), "", PUBLIC)
            hidden = frame["Latest 12 months"].isin(["fewer than 5", "not shown"])
            assert (frame.loc[hidden, "RAG"] == "").all() and (frame.loc[hidden, "Trend"] == "").all()
            assert (frame.loc[hidden, frame.columns[3]] == "–").all()  # the rate column
            before_hidden = frame["12 months before"].isin(["fewer than 5", "not shown"])
            if shown.at(level, m)[0].measure.reduction_per_year is not None:
                assert frame.loc[before_hidden, "Share of target"].isin(["fewer than 5", "not shown"]).all()


def test_small_number_suppression_alone_gives_scorecard_counts_away(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = PackContext.load(demo_store)
    card = compute_scorecard(ctx.store, ctx.wards, ctx.populations, ctx.sources, ctx.latest_month)
    monkeypatch.setattr(scorecard, "protect", primary_only)
    found = attack_scorecard(public_scorecard(card, THRESHOLD))
    assert found.recovered  # e.g. a ward's KSI casualties: its district minus the other wards


# ---- briefing packs ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def packs(ctx: PackContext) -> list:
    """Every public district and ward pack of the newest complete quarter."""
    quarter = ctx.default_quarter()
    return [
        build_pack(ctx, p, quarter, "public", PRODUCED) for p in [*district_places(ctx), *ward_places(ctx)]
    ]


def test_every_public_pack_survives_the_attack_together_and_alone(packs: list) -> None:
    a = Attack(THRESHOLD)
    for pack in packs:
        read_pack(a, pack)
    together = a.solve()
    assert together.hidden > 0  # there are hidden counts to attack
    assert_safe(together)
    for pack in packs:
        alone = Attack(THRESHOLD)
        read_pack(alone, pack)
        assert_safe(alone.solve())


def test_public_packs_of_designated_areas_survive_the_attack(ctx: PackContext) -> None:
    for place in area_places(ctx, designated_only=True):
        a = Attack(THRESHOLD)
        read_pack(a, build_pack(ctx, place, ctx.default_quarter(), "public", PRODUCED))
        assert_safe(a.solve())


def test_small_number_suppression_alone_gives_pack_counts_away(
    real_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = PackContext.load(real_store)
    monkeypatch.setattr(public, "protect", primary_only)
    a = Attack(THRESHOLD)
    for place in district_places(ctx):
        read_pack(a, build_pack(ctx, place, ctx.default_quarter(), "public", PRODUCED))
    found = a.solve()
    assert found.recovered or found.small_sums  # e.g. a KSI month: the quarter minus its other months


# ---- ward profiles -------------------------------------------------------------------------------------


def test_every_public_ward_profile_survives_the_attack(ctx: PackContext) -> None:
    hidden = 0
    for code in ctx.wards.wards_in(None):
        profile = build_ward_profile(ctx, code, "public", PRODUCED)
        a = Attack(THRESHOLD)
        rates = ward_profile_page.rates_table(profile).to_dict("records")
        read_profile(a, profile, rates, ward_profile_page.categories_table(profile).to_dict("records"))
        found = a.solve()
        hidden += found.hidden
        assert_safe(found)
    assert hidden > 0


# ---- the map -------------------------------------------------------------------------------------------


def map_views(store: Store, months: int) -> Findings:
    """Every area's view of the map for the latest ``months`` months, all layers: summaries (linked as
    districts and wards) and each view's hexagons."""
    from layers.ingest import current_wards

    wards = current_wards(store)
    coverage = Coverage.from_frame(store.coverage())
    last = coverage.latest()
    period = Period.of_months(add_months(last, 1 - months), last)
    layers, _ = combinable(tuple(config.layers()), set(counts(store, Filters(), ("layer",))["layer"]))
    a, areas = Attack(THRESHOLD), {}
    choices = [(None, None), *((d, None) for d in wards.district_names)]
    choices += [(wards.district_by_code[c], c) for c in wards.wards_in(None)]
    for district, ward in choices:
        filters = Filters(layers=layers, start=period.start, end=period.end, district=district, ward=ward)
        res = 9 if district else 8
        grid = study_grid(wards, res, district=district, ward=ward)
        chosen = map_page.public_layers(filters, coverage)
        colours = Classes(HEADTAIL, (THRESHOLD,))  # the colours play no part in what is printed
        hexes, decided = map_page._public(
            str(store.path), store.version(), filters, res, chosen, colours, grid, wards
        )
        area = public_map.area_key(district, ward)
        earlier = period.previous()
        table = map_page.summary_table(
            counts(store, filters, ("layer",)),
            counts(store, filters.shifted(earlier.start, earlier.end), ("layer",)),
            layers,
            None,
            coverage,
            period,
            lambda layer, when, area=area, decided=decided: decided.mark((area, layer, when)),
            PUBLIC,
        )
        names = read_summary(a, str(area), table)
        total = next((stem for label, stem in names.items() if label.startswith("All shown")), None)
        geojson = json.loads(hexes.geojson_text)
        assert all(f["properties"]["total"] not in ("1", "2", "3", "4") for f in geojson["features"])
        read_hexes(a, str(area), geojson, total)
        areas[area] = names
    read_hierarchy(a, areas, wards.district_by_code)
    return a.solve()


@pytest.mark.parametrize("months", [3, 12])
def test_the_public_map_survives_the_attack_across_every_area(store: Store, months: int) -> None:
    found = map_views(store, months)
    assert found.hidden > 0
    assert_safe(found)


# ---- the Hotspots page ---------------------------------------------------------------------------------


def test_public_hot_cell_tables_survive_the_attack(store: Store) -> None:
    from layers.ingest import current_wards

    wards = current_wards(store)
    coverage = Coverage.from_frame(store.coverage())
    last = pd.Period(coverage.latest(), "M")
    layers, _ = combinable(tuple(config.layers()), set(counts(store, Filters(), ("layer",))["layer"]))
    for district in (None, *wards.district_names):
        grid = study_grid(wards, 9 if district else 8, district=district)
        first = last - 11
        filters = Filters(
            layers=layers, start=first.start_time.date(), end=last.end_time.date(), district=district
        )
        result = hotspots_from_store(store, filters, grid, first=first, last=last, k=1)
        printed = hotspots_page.public_counts(result, THRESHOLD)
        ranked = hotspots_page.ranked_table(result, printed)
        assert not {"Gi* z", "FDR-adjusted p", "H3 cell", "Harm score"} & set(ranked.columns)
        layer_columns = [c for c in ranked.columns if c in {s.label for s in config.layers().values()}]
        a = Attack(THRESHOLD)
        for i, row in ranked.iterrows():
            a.read(f"{i}|all", row["Incidents"])
            for c in layer_columns:
                a.read(f"{i}|{c}", row[c])
            a.sum(f"{i}|all", [f"{i}|{c}" for c in layer_columns])
        assert_safe(a.solve())
        features = hotspots_page.map_features(result, printed)["features"]
        assert all(f["properties"]["z"] == "–" for f in features)  # a z-score is a neighbourhood's count
        assert all(f["properties"]["value"] not in ("1", "2", "3", "4") for f in features)
