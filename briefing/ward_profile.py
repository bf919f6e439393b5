"""The ward profile for councillors: how the ward compares with its district and Kirklees, what is rising,
where - on one page (and on the Ward profile page of the app).

Over the latest 12 months of data: the rate per 1,000 residents for each layer in the ward, its district and
Kirklees (counted with :func:`store.queries.counts` and :func:`geo.rates.rate_per_1000`, as the map page
does); a 12-month trend chart; the ward's most frequent categories against the 12 months before; its top
hotspots (:func:`briefing.packs.hotspot_section`, the packs' own analysis) and the Clear Hold Build areas
overlapping it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import config
from briefing.areas import outlines
from briefing.maps import MapContent, place_map
from briefing.model import PROFILE_MAP_MM, CategoryRow, RateRow, WardProfile
from briefing.packs import PackContext, area_section, chart_png, chart_series, hotspot_section, listed_areas
from briefing.periods import trailing_months
from briefing.places import Place, district_place, tally, ward_place
from briefing.public import protect_areas, protect_profile
from briefing.settings import public_threshold
from briefing.suppression import Audience, Disclosure
from geo.rates import area_population, rate_per_1000
from store import queries as q
from store.queries import Filters

#: Rows in the top-categories and hotspot tables (one page must hold everything).
TOP_CATEGORIES = 7
TOP_HOTSPOTS = 5


def ward_map(ctx: PackContext, place: Place, hot_cells: list[tuple[int, int]], area_ids: list[str]) -> bytes:
    """The ward's boundary over its neighbours, every hexagon of it, its hot spots (those the profile may
    show) and the Clear Hold Build areas it lists: narrow, to sit beside the profile's tables."""
    res = config.map_settings().local_resolution
    grid = ctx.grid(res, ward=place.ward)
    content = MapContent(
        place=place.geometry,
        wards=ctx.wards,
        place_wards=place.ward_codes,
        hot_cells=hot_cells,
        areas=[outlines(ctx.register)[i] for i in area_ids],
        title=place.name,
        grid_cells=tuple(int(c) for c in grid.cells),
    )
    width_mm, height_mm = PROFILE_MAP_MM
    return place_map(content, width_in=width_mm / 25.4, height_in=height_mm / 25.4, legend_columns=1)


def build_ward_profile(ctx: PackContext, ward: str, audience: Audience, produced: date) -> WardProfile:
    """The profile of a ward (name or code) over the latest 12 months of data."""
    disclosure = Disclosure(audience, public_threshold())
    place = ward_place(ctx.wards, ward)
    district = ctx.wards.district_by_code[place.ward]
    district_area = district_place(ctx.wards, district)
    period = trailing_months(ctx.latest_month, 12)
    before = period.previous()

    def per_layer(frame) -> dict[str, int]:
        return {str(k): int(v) for k, v in frame.groupby("layer")["n"].sum().items()}

    with ctx.store.reading():  # the five counts on one connection
        ward_counts = per_layer(tally(ctx.store, place, place.filters(period)))
        district_counts = per_layer(tally(ctx.store, district_area, district_area.filters(period)))
        borough = q.counts(ctx.store, Filters(start=period.start, end=period.end), ("layer",))
        now = tally(ctx.store, place, place.filters(period), by=("layer", "category"))
        earlier = tally(ctx.store, place, place.filters(before), by=("layer", "category"))
    borough_counts = per_layer(borough)
    people = (
        place.population(ctx.populations),
        district_area.population(ctx.populations),
        area_population(ctx.populations, ctx.wards.codes),
    )
    ward_n, district_n, borough_n = (p.people if p else None for p in people)
    # a layer missing a month of the period gets no count or rate (a partial year is not a year)
    complete = {lid for lid, s in ctx.sources.items() if s.covers(period)}
    rates = tuple(
        RateRow(
            layer=lid,
            label=spec.label,
            count=ward_counts.get(lid, 0) if lid in complete else None,
            rate=rate_per_1000(ward_counts.get(lid, 0), ward_n) if lid in complete else None,
            district_rate=rate_per_1000(district_counts.get(lid, 0), district_n) if lid in complete else None,
            borough_rate=rate_per_1000(borough_counts.get(lid, 0), borough_n) if lid in complete else None,
        )
        for lid, spec in config.layers().items()
        if lid in ctx.sources
    )

    earlier_n = {(r.layer, r.category): int(r.n) for r in earlier.itertuples(index=False)}
    labels = {lid: spec.label for lid, spec in config.layers().items()}
    now = now[now["layer"].isin(complete)]
    top = now.sort_values(["n", "layer", "category"], ascending=[False, True, True]).head(TOP_CATEGORIES)
    categories = tuple(
        CategoryRow(
            label=f"{labels.get(r.layer, r.layer)}: {r.category}",
            count=int(r.n),
            previous=earlier_n.get((r.layer, r.category), 0) if ctx.sources[r.layer].covers(before) else None,
        )
        for r in top.itertuples(index=False)
    )

    hotspots, hot_cells, _ = hotspot_section(ctx, place, period, disclosure)
    hotspots = replace(hotspots, rows=hotspots.rows[:TOP_HOTSPOTS])
    series = tuple(chart_series(ctx, place, period, 12))
    area_ids = listed_areas(ctx, place, disclosure)
    areas = area_section(ctx, place, area_ids, disclosure)
    if disclosure.public:
        # also withhold what the sums the profile prints would give away (briefing.public)
        areas = protect_areas(areas, disclosure.threshold)
        rates, categories, series, hotspots = protect_profile(
            rates, categories, [str(r.layer) for r in top.itertuples(index=False)], series, hotspots,
            disclosure.threshold,
        )  # fmt: skip
    return WardProfile(
        place=place,
        district=district,
        period=period,
        disclosure=disclosure,
        produced=produced,
        sources=tuple(ctx.sources.values()),
        rates=rates,
        people=people,
        categories=categories,
        trend_png=chart_png(series, period, disclosure, highlight=False, cols=5, panel_height_in=1.2),
        trend_series=series,
        map_png=ward_map(ctx, place, hot_cells, area_ids),
        hotspots=hotspots,
        areas=areas,
    )
