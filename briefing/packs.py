"""Build briefing packs: a district (one per Community Outcome Group), a ward, or a Clear Hold Build area,
for a quarter, for partners or the public; and all of them at once as a ZIP.

Every number comes from the functions the app's pages use - :mod:`briefing.headlines` on
:func:`store.queries.counts`, :func:`briefing.analyses.hotspots_from_store` for hotspots and trend classes,
:func:`briefing.analyses.plan` for action-day locations, :mod:`geo.chb` / :mod:`geo.monitoring` for Clear Hold
Build - so a pack agrees with the app for the same place and months. This module only chooses the
inputs (the place, the quarter, the settings in ``data/briefing.toml``) and collects the results into a
:class:`briefing.model.Pack`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import h3
import numpy as np
import pandas as pd

import config
from briefing import analyses, public, reads
from briefing.areas import area_rows, find_area, outlines, overlapping, register_place
from briefing.baselines import measure_baselines
from briefing.charts import LayerSeries, chart_window, layer_series, trend_charts
from briefing.exports import file_name
from briefing.headlines import Headlines, headline_rows
from briefing.maps import MapContent, focus_bounds, place_map
from briefing.model import ActionDayRow, HotspotRow, Pack, Section
from briefing.pdf import render_pack
from briefing.periods import Quarter, quarters_with_data
from briefing.places import Place, district_place, tally_monthly, ward_place
from briefing.register import Register, build_register
from briefing.settings import briefing_settings, caveats, public_threshold
from briefing.sources import LayerSource, coverage_of, earliest_month, latest_month, layer_sources
from briefing.suppression import Audience, Disclosure
from config.action_days import PickerDefaults, Preset
from geo import action_days
from geo.boundaries import Wards
from geo.coverage import Coverage
from geo.grid import StudyGrid
from geo.harm import default_weights
from geo.measurable import combinable, loaded_categories
from geo.rates import Period, Population
from store import Store
from store.queries import Filters, categories


@dataclass(frozen=True, eq=False)
class PackContext:
    """What every pack from one store shares, read once per batch: boundaries, populations, sources, and
    the study grid of every district and ward (and the borough) at the packs' resolution."""

    store: Store
    wards: Wards
    populations: dict[str, Population]
    sources: dict[str, LayerSource]
    grids: dict[tuple[int, str | None, str | None], StudyGrid] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store) -> PackContext:
        if not store.exists():
            raise FileNotFoundError(
                f"no incident store at {store.path}; run `hotspots demo` or import data first"
            )
        with store.reading():
            sources = layer_sources(store)
            if not sources:
                raise ValueError(
                    f"the store at {store.path} holds no incidents, so there is nothing to report"
                )
            context = cls(store, reads.current_wards(store), reads.ward_populations(store), sources)
            res = config.map_settings().local_resolution
            areas = [(None, None), *((d, None) for d in context.wards.district_names)]
            for district, ward in [*areas, *((None, c) for c in context.wards.codes)]:
                context.grid(res, district=district, ward=ward)  # read now, on this connection
            return context

    def grid(self, res: int, *, district: str | None = None, ward: str | None = None) -> StudyGrid:
        """The study grid of the borough, a district or a ward (code), as stored; kept for the batch."""
        key = (res, district, ward)
        if key not in self.grids:
            self.grids[key] = reads.study_grid(self.store, self.wards, res, district=district, ward=ward)
        return self.grids[key]

    @cached_property
    def baselines(self) -> dict[str, str]:
        """Each measure's baseline text with the figures counted from real data, read once per batch."""
        return measure_baselines(self.store)

    @cached_property
    def _releases(self) -> dict[str, public.Release]:
        return {}

    def release(self, quarter: Quarter) -> public.Release:
        """The headline figures and trend charts of every district and ward pack of the quarter, with the
        counts their public versions withhold decided together (:mod:`briefing.public`): computed on first
        use and shared by every public pack of the quarter, so a district's pack and its wards' agree."""
        if quarter.code not in self._releases:
            months = briefing_settings().packs.chart_months
            places = [*district_places(self), *ward_places(self)]
            headlines = {
                public.place_key(p): headline_rows(
                    self.store,
                    p,
                    quarter,
                    populations=self.populations,
                    all_wards=self.wards.codes,
                    sources=self.sources,
                )
                for p in places
            }
            series = {public.place_key(p): chart_series(self, p, quarter.period, months) for p in places}
            districts = {
                ("district", d): [public.place_key(ward_place(self.wards, c)) for c in self.wards.wards_in(d)]
                for d in self.wards.district_names
            }
            self._releases[quarter.code] = public.release(
                quarter, headlines, series, districts, public_threshold()
            )
        return self._releases[quarter.code]

    @cached_property
    def register(self) -> Register:
        """The Clear Hold Build register, computed on first use and shared by every pack of the batch."""
        settings = config.chb_settings()
        grid = self.grid(settings.resolution)
        return build_register(self.store, self.wards, settings, grid)

    @property
    def latest_month(self) -> date:
        return latest_month(self.sources)

    @property
    def first_month(self) -> date:
        return earliest_month(self.sources)

    @property
    def coverage(self) -> Coverage:
        return coverage_of(self.sources)

    def quarters(self) -> list[Quarter]:
        """Every quarter some layer has data for, newest first: the quarters a pack can be built for."""
        return quarters_with_data(self.coverage)

    def default_quarter(self) -> Quarter:
        """The pack default: the newest quarter some layer covers completely, else the newest with any data.

        A quarter still being loaded (two of its three months in) would compare two months with three, so
        a complete one is preferred; a store holding only part of a quarter still gets a pack, which says
        which months it has.
        """
        quarters = self.quarters()
        complete = [q for q in quarters if any(s.covers(q.period) for s in self.sources.values())]
        return (complete or quarters)[0]

    def check_quarter(self, quarter: Quarter) -> None:
        """A clear error when no layer has data for any month of the quarter (a pack of zeros would
        mislead); a partly covered quarter is allowed, and the pack says which months it has."""
        if not self.coverage.any_in(quarter.period):
            raise ValueError(
                f"no data was loaded for any month of {quarter.label}; data is loaded for "
                f"{self.first_month:%b %Y} to {self.latest_month:%b %Y}, and the newest quarter with data "
                f"is {self.default_quarter().code}"
            )


# ---- places ------------------------------------------------------------------------------------------


def district_places(ctx: PackContext, district: str = "all") -> list[Place]:
    """The COG districts: all of them, or the one named."""
    names = ctx.wards.district_names if district.strip().lower() == "all" else [district]
    return [district_place(ctx.wards, d) for d in names]


def area_places(ctx: PackContext, area: str = "all", *, designated_only: bool = False) -> list[Place]:
    """Clear Hold Build areas as places: every area in the register, or the one named (name or id).
    ``designated_only`` (public packs): a candidate is an analytical suggestion for partners, see
    :func:`listed_areas`."""
    ids = list(outlines(ctx.register)) if area.strip().lower() == "all" else [find_area(ctx.register, area)]
    if designated_only:
        designated = {d.designation.id for d in ctx.register.designated}
        ids = [i for i in ids if i in designated]
    return [register_place(ctx.register, ctx.wards, i) for i in ids]


def ward_places(ctx: PackContext, districts: Iterable[str] | None = None) -> list[Place]:
    """Every ward (of the given districts), sorted by name."""
    chosen = set(districts) if districts is not None else None
    codes = [c for c in ctx.wards.wards_in(None) if chosen is None or ctx.wards.district_by_code[c] in chosen]
    return [ward_place(ctx.wards, c) for c in codes]


# ---- sections ----------------------------------------------------------------------------------------


def combined_layers(ctx: PackContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The layers with data that a figure adding layers together uses, and a note per layer left out
    because another holds the same reports (:func:`geo.measurable.combinable`: never counted twice)."""
    return combinable((lid for lid in config.layers() if lid in ctx.sources), ctx.sources)


def _months(period: Period) -> tuple[pd.Period, pd.Period]:
    return pd.Period(period.start, freq="M"), pd.Period(period.end, freq="M")


def hotspot_section(
    ctx: PackContext, place: Place, period: Period, disclosure: Disclosure
) -> tuple[Section, list[tuple[int, int]], str]:
    """Top hot cells (rows), every hot cell to draw (cell, class code), and the method in words."""
    options = briefing_settings().packs
    res = config.map_settings().local_resolution
    k = options.hotspot_k
    first, last = _months(period)
    layer_ids, left_out = combined_layers(ctx)
    # the Hotspots page's own path, with all layers on, "Harm-weighted" and the monthly trend
    result = analyses.hotspots_from_store(
        ctx.store,
        Filters(layers=layer_ids, district=place.district, ward=place.ward),
        ctx.grid(res, district=place.district, ward=place.ward),
        first=first,
        last=last,
        k=k,
        weights=default_weights(),
        trend_freq="month",
        trend_n=options.trend_slices,
    )
    slices = result.trend_slices
    hot = result.hot_cells()
    if place.cells is not None:
        hot_cells = np.array([int(h, 16) for h in hot["h3"]], dtype=np.uint64)
        hot = hot[np.isin(hot_cells, np.array(sorted(place.cells), dtype=np.uint64))]
    found = len(hot)
    hot = hot[np.array([disclosure.shows_cell(int(n)) for n in hot["count"]], dtype=bool)]
    drawn = [(int(h, 16), int(code)) for h, code in zip(hot["h3"], hot["class_code"], strict=True)]
    rows = tuple(
        HotspotRow(
            rank=i + 1,
            cell=r["h3"],
            location=str(r.get("street") or ""),
            ward=str(r["ward"]),
            counts={lid: int(r.get(f"n_{lid}", 0)) for lid in layer_ids},
            total=int(r["count"]),
            confidence=str(r["class"]),
            trend=str(r["trend"]),
        )
        for i, (_, r) in enumerate(hot.head(options.top_hotspots).iterrows())
    )
    trend_words = (
        f"; the trend class compares {len(slices)} monthly slices to {last.strftime('%b %Y')}"
        if slices is not None
        else "; the data is too short for a trend class"
    )
    method = (
        f"Hexagons of about {_cell_km2(res)} km² that are significant Getis-Ord Gi* hot spots for "
        f"{period.label}, on the harm-weighted total of all layers (weights in data/layers.toml), "
        f"with {k} ring of neighbours, significance from random permutations and false-discovery-rate "
        f"control{trend_words}. Hottest first; counts "
        "are incidents in those months. The app's Hotspots page shows the same cells with every layer on, "
        f"the harm-weighted score, resolution {res}, {k} ring and the monthly trend."
        + "".join(f" {note}" for note in left_out)
    )
    if rows:
        note = ""
    elif result.too_few:  # say why there are none, rather than show an empty map as if it were news
        note = result.too_few_message
    elif found:
        note = f"Every hot spot here had fewer than {disclosure.threshold} incidents, so none is shown."
    else:
        note = "No hexagon in this place was a significant hot spot in those months."
    return Section(rows=rows, note=note), drawn, method


def _cell_km2(res: int) -> str:
    return f"{h3.average_hexagon_area(res, 'km^2'):.2f}"


def _preset_locations(
    ctx: PackContext,
    place: Place,
    period: Period,
    preset: Preset,
    defaults: PickerDefaults,
    n: int,
) -> tuple[Sequence[action_days.Location], str]:
    """The picker's locations for one preset, and its "too few incidents" sentence ('' when enough):
    :func:`briefing.analyses.plan` for a district or ward; for an area (a set of cells) the same steps,
    :func:`~briefing.analyses.weighted_incidents`, the minimum and :func:`~geo.action_days.pick`, on the
    incidents in the area's cells."""
    if place.cells is None:
        result = analyses.plan(
            ctx.store,
            ctx.wards,
            weights=preset.weights,
            weights_name=preset.label,
            period=period,
            n=n,
            min_distance_m=defaults.min_distance_m,
            resolution=defaults.resolution,
            district=place.district,
            ward=place.ward,
        )
        return result.locations, result.too_few
    checked = action_days.check_weights(preset.weights, loaded_categories(categories(ctx.store)))
    incidents = analyses.weighted_incidents(
        ctx.store, checked.weights, period=period, resolution=place.cell_res, district=place.district
    )
    inside = incidents[incidents["cell"].isin(place.cells)]
    too_few = action_days.too_few_incidents(inside)
    if too_few:
        return [], too_few
    found = action_days.pick(
        inside,
        area=place.geometry,
        area_name=place.name,
        period=period,
        wards=ctx.wards,
        n=n,
        min_distance_m=defaults.min_distance_m,
        district=place.district,
    )
    return found, ""


def action_day_section(
    ctx: PackContext, place: Place, period: Period, disclosure: Disclosure
) -> tuple[Section, str]:
    """Suggested locations for each preset named in ``data/briefing.toml``, numbered across presets.

    Locations the audience may not see (public: fewer incidents than the threshold) are dropped before
    numbering, so the numbers run without gaps that would hint at a hidden row.
    """
    options = briefing_settings().packs
    settings = config.action_presets()
    defaults, presets = settings.picker, settings.presets
    wanted = [presets[p] for p in options.action_day_presets]  # config checked that each one exists
    per_preset = options.action_days_per_preset
    with ctx.store.reading():  # one connection for every preset's read (the picking is quick)
        picked = [_preset_locations(ctx, place, period, p, defaults, per_preset) for p in wanted]
        loaded = loaded_categories(categories(ctx.store))
    rows: list[ActionDayRow] = []
    for preset, (found, _) in zip(wanted, picked, strict=True):
        shown = [loc for loc in found if disclosure.shows_cell(loc.incidents)]
        first_number = len(rows) + 1
        rows.extend(
            ActionDayRow(
                number=first_number + i,
                preset=preset.label,
                location=loc.street,
                ward=loc.ward_name,
                lat=loc.lat,
                lon=loc.lon,
                incidents=loc.incidents,
                counts=dict(loc.counts),
                why=loc.why,
            )
            for i, loc in enumerate(shown)
        )
    checks = {p.label: action_days.check_weights(p.weights, loaded) for p in wanted}
    # a part no stored record can count, or a layer left out so nothing is counted twice, is said so
    said = "".join(f" {name} focus, {n}." for name, c in checks.items() for n in (*c.unmeasured, *c.left_out))
    method = (
        f"The app's action-day picker run on {period.label} for each focus ("
        + "; ".join(f"{label}: {action_days.describe_weights(c.weights)}" for label, c in checks.items())
        + f"), {per_preset} locations each, at least {defaults.min_distance_m:,.0f} m apart within a focus. "
        "Numbers match the map."
        + said
    )
    public = (
        f"Public version: locations with fewer than {disclosure.threshold} incidents are left out."
        if disclosure.public
        else ""
    )
    # a focus with too few incidents says so (the same minimum as the hot spots), never an empty list
    too_few = [f"{preset.label} focus: {why}" for preset, (_, why) in zip(wanted, picked, strict=True) if why]
    note = " ".join(filter(None, [*too_few, public]))
    return Section(rows=tuple(rows), note=note), method


def chart_series(ctx: PackContext, place: Place, period: Period, months: int) -> list[LayerSeries]:
    """The monthly trend series for the place: ``months`` months ending with ``period``; the seasonal
    pattern is averaged over all data up to the end of ``period``. One series per layer of
    :func:`combined_layers`: two layers holding the same reports get one panel, not two."""
    history = (ctx.first_month, period.end.replace(day=1))
    first, last = chart_window(period.end, months)
    first = min(max(first, ctx.first_month), period.start)  # the whole period, its gaps shown as gaps
    frame = tally_monthly(ctx.store, place, place.filters(Period(history[0], period.end)))
    specs = config.layers()
    return [
        layer_series(
            frame, lid, specs[lid].label, specs[lid].colour, first, last, history, ctx.sources[lid].months
        )
        for lid in combined_layers(ctx)[0]
    ]


def chart_png(
    series: Sequence[LayerSeries],
    period: Period,
    disclosure: Disclosure,
    *,
    highlight: bool = True,
    cols: int = 2,
    panel_height_in: float = 1.75,
) -> bytes:
    """Monthly trend small multiples of :func:`chart_series`, the period shaded when ``highlight``."""
    shaded = (period.start, period.end) if highlight else None
    return trend_charts(series, shaded, disclosure, cols=cols, panel_height_in=panel_height_in)


def listed_areas(ctx: PackContext, place: Place, disclosure: Disclosure) -> list[str]:
    """Register ids of the Clear Hold Build areas a pack lists and draws: those overlapping the place.

    Public versions list designated areas only: a candidate is an analytical suggestion for partners to
    consider, not a partnership decision, and publishing it would name a neighbourhood as a
    serious-crime area before anyone has decided anything.
    """
    ids = overlapping(ctx.register, place.geometry)
    if disclosure.public:
        designated = {d.designation.id for d in ctx.register.designated}
        ids = [i for i in ids if i in designated]
    return ids


def area_section(ctx: PackContext, place: Place, area_ids: list[str], disclosure: Disclosure) -> Section:
    """Register rows of the listed Clear Hold Build areas (see :func:`listed_areas`)."""
    register = ctx.register
    if register.analysis is None:
        return Section(
            available=False,
            note="the store holds too few months of data for the Clear Hold Build analysis "
            f"({register.settings.slices} {register.settings.slice}s are needed).",
        )
    rows = area_rows(register, area_ids)
    as_at = f"Register as at {register.as_at:%b %Y}, the latest month of data"
    counts = (
        "; counts are the indicator crimes ("
        + ", ".join(cat for cats in register.settings.indicators.values() for cat in cats)
        + ") in the last 3 and 12 months."
    )
    public = " Public version: designated areas only." if disclosure.public else ""
    if not rows:
        kind = "designated Clear Hold Build area" if disclosure.public else "Clear Hold Build area"
        return Section(note=f"No {kind} overlaps {place.name}. {as_at}.{public}")
    return Section(rows=tuple(rows), note=as_at + counts + public)


def pack_maps(content: MapContent) -> tuple[bytes, ...]:
    """The whole place; and, when the hotspots and locations sit in a small part of it, a zoomed detail
    map under it (both then half-page height)."""
    focus = focus_bounds(content)
    if focus is None:
        return (place_map(content),)
    return (
        place_map(content, height_in=4.4, enlarged=focus),
        place_map(content, height_in=3.8, bounds=focus, legend=False),
    )


def build_pack(
    ctx: PackContext,
    place: Place,
    quarter: Quarter,
    audience: Audience,
    produced: date,
) -> Pack:
    """Gather every section of one pack (see :data:`briefing.model.SECTION_HEADINGS`)."""
    ctx.check_quarter(quarter)
    disclosure = Disclosure(audience, public_threshold())
    hotspots, hot_cells, hotspot_method = hotspot_section(ctx, place, quarter.period, disclosure)
    actions, action_method = action_day_section(ctx, place, quarter.period, disclosure)
    layer_ids = combined_layers(ctx)[0]
    headlines, series = pack_figures(ctx, place, quarter, disclosure)
    if disclosure.public:
        hotspots, actions = public.protect_rows(hotspots, actions, layer_ids, disclosure.threshold)
    area_ids = listed_areas(ctx, place, disclosure)
    areas = area_section(ctx, place, area_ids, disclosure)
    if disclosure.public:
        areas = public.protect_areas(areas, disclosure.threshold)
    drawn_areas = [outlines(ctx.register)[i] for i in area_ids]
    maps = pack_maps(
        MapContent(
            place=place.geometry,
            wards=ctx.wards,
            place_wards=place.ward_codes,
            hot_cells=hot_cells,
            action_days=[(r.number, r.lat, r.lon) for r in actions.rows],
            areas=drawn_areas,
            title=place.name,
        )
    )
    map_note = (
        f"Hot spots for {quarter.label} (harm-weighted, all layers) and the suggested action-day locations "
        "numbered as in their table."
        + (
            " The second map enlarges the part outlined on the first, where the hot spots are."
            if len(maps) > 1
            else ""
        )
        + (
            f" Public version: hexagons and locations with fewer than {disclosure.threshold} incidents "
            "are not drawn."
            if disclosure.public
            else ""
        )
    )
    return Pack(
        place=place,
        quarter=quarter,
        disclosure=disclosure,
        produced=produced,
        sources=tuple(ctx.sources.values()),
        headlines=headlines,
        maps=maps,
        map_note=map_note,
        trends_png=chart_png(series, quarter.period, disclosure),
        trend_series=series,
        hotspots=hotspots,
        hotspot_method=hotspot_method,
        areas=areas,
        action_days=actions,
        action_day_method=action_method,
        caveats=tuple(caveats(disclosure.threshold)),
        baselines=ctx.baselines,
        layer_labels={lid: config.layers()[lid].label for lid in layer_ids},
    )


def pack_figures(
    ctx: PackContext, place: Place, quarter: Quarter, disclosure: Disclosure
) -> tuple[Headlines, tuple[LayerSeries, ...]]:
    """The headline table and the trend chart's series. Public versions withhold every count that is
    small or would give a small one away (:mod:`briefing.public`), decided for all the districts and
    wards of the quarter together (a Clear Hold Build area, which adds up with nothing printed, alone)."""
    if disclosure.public and place.kind != "area":
        release = ctx.release(quarter)
        return release.headlines_of(place), release.series_of(place)
    headlines = headline_rows(
        ctx.store,
        place,
        quarter,
        populations=ctx.populations,
        all_wards=ctx.wards.codes,
        sources=ctx.sources,
    )
    series = chart_series(ctx, place, quarter.period, briefing_settings().packs.chart_months)
    if not disclosure.public:
        return headlines, tuple(series)
    key = public.place_key(place)
    release = public.release(quarter, {key: headlines}, {key: series}, {}, disclosure.threshold)
    return release.headlines_of(place), release.series_of(place)


def pack_pdf(
    ctx: PackContext, place: Place, quarter: Quarter, audience: Audience, produced: date
) -> tuple[str, bytes]:
    """(file name, PDF bytes) for one place."""
    pack = build_pack(ctx, place, quarter, audience, produced)
    return pack.file_name, render_pack(pack)


def batch(
    ctx: PackContext, places: Sequence[Place], quarter: Quarter, audience: Audience, produced: date
) -> dict[str, bytes]:
    """File name -> PDF for each place, in order. Two places with the same file name (a designated area
    named like a candidate) get ``-2``, ``-3``... rather than one silently replacing the other."""
    files: dict[str, bytes] = {}
    for place in places:
        name, data = pack_pdf(ctx, place, quarter, audience, produced)
        stem, n = name.removesuffix(".pdf"), 1
        while name in files:
            n += 1
            name = f"{stem}-{n}.pdf"
        files[name] = data
    return files


def archive_name(ctx: PackContext, quarter: Quarter, audience: Audience) -> str:
    """The ZIP of a batch of packs, e.g. ``packs-2025Q3-partner.zip``: ``SYNTHETIC-`` first when the store
    holds synthetic data, as the packs in it are (:func:`briefing.exports.file_name`), for the page's
    download and the command line's file alike."""
    synthetic = any(source.synthetic for source in ctx.sources.values())
    return file_name(f"packs-{quarter.code}-{audience}", "zip", synthetic=synthetic)


def zip_files(files: dict[str, bytes]) -> bytes:
    """The files in one ZIP (deflated), as bytes, for a single download."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()
