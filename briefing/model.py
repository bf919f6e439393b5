"""The content of a briefing pack as plain data: what :mod:`briefing.packs` gathers and :mod:`briefing.pdf`
lays out.

Why a separate model: the numbers are fixed once, here, and every output (PDF, the packs page, tests)
reads the same values. Rows keep raw numbers; only :class:`briefing.suppression.Disclosure` turns them
into text for an audience, so a public pack cannot show a number the model did not let through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from briefing import exports
from briefing.charts import LayerSeries
from briefing.headlines import Headlines
from briefing.periods import Quarter
from briefing.places import Place
from briefing.sources import LayerSource
from briefing.suppression import Disclosure
from geo.coverage import WindowCount
from geo.rates import Period, Population

#: File-name prefix per kind of place.
FILE_PREFIXES = {"district": "", "ward": "ward-", "area": "chb-"}
#: Section headings, in pack order (tests check every one is printed).
SECTION_HEADINGS = (
    "Headlines",
    "Map",
    "Monthly trends",
    "Top hotspots",
    "Clear Hold Build areas",
    "Suggested action-day locations",
    "Notes on the data",
)


@dataclass(frozen=True)
class HotspotRow:
    """A hot cell: where it is, what happened there in the quarter, how sure and which way it is going."""

    rank: int
    cell: str  # H3 index (partner packs only)
    location: str  # most common street name in the records ("" when none)
    ward: str
    counts: dict[str, int]  # layer id -> incidents in the quarter
    total: int
    confidence: str  # Gi* class in words
    trend: str  # emerging-hotspot class ("" when the data is too short for a trend)


@dataclass(frozen=True)
class AreaRow:
    """A Clear Hold Build area overlapping the place: candidate (found in the data) or designated."""

    name: str
    kind: str  # "Candidate" or "Designated"
    wards: str
    phase: str
    since: str  # when the phase began (designated) or "" (candidates)
    last_3_months: WindowCount  # over the months loaded only, saying how many (never a missing month as 0)
    last_12_months: WindowCount
    trend: str
    reading: str  # monitoring reading in words (designated) or the phase rule (candidates)


@dataclass(frozen=True)
class ActionDayRow:
    """A suggested action-day location."""

    number: int
    preset: str  # e.g. "Police"
    location: str
    ward: str
    lat: float
    lon: float
    incidents: int
    counts: dict[str, int]  # label -> incidents
    why: str


@dataclass(frozen=True)
class Section:
    """A list section's rows, or the reason it has none (an analysis not available, nothing found)."""

    rows: tuple = ()
    note: str = ""
    available: bool = True


@dataclass(frozen=True)
class RateRow:
    """One layer in a ward profile: the ward's count and its rate beside its district's and Kirklees'."""

    layer: str
    label: str
    count: int | None  # None: the layer has no data for some month of the period (never read as 0)
    rate: float | None
    district_rate: float | None
    borough_rate: float | None


@dataclass(frozen=True)
class CategoryRow:
    """One of a ward's most frequent categories, with the 12 months before for comparison."""

    label: str  # "Crime: Shoplifting"
    count: int
    previous: int | None


#: The ward profile's map on the page (width, height in mm): the right-hand column beside the top-categories
#: and hotspot tables, so the profile still fits one page.
PROFILE_MAP_MM = (64.0, 88.0)


@dataclass(frozen=True)
class WardProfile:
    """Everything on the one-page ward profile for councillors."""

    place: Place
    district: str
    period: Period
    disclosure: Disclosure
    produced: date
    sources: tuple[LayerSource, ...]
    rates: tuple[RateRow, ...]
    people: tuple[Population | None, Population | None, Population | None]  # ward, district, Kirklees
    categories: tuple[CategoryRow, ...]
    trend_png: bytes
    #: the ward's boundary, its hexagons, its hot spots and Clear Hold Build areas (briefing.maps)
    map_png: bytes
    hotspots: Section
    areas: Section
    #: what the trend chart draws (public: with the counts it withholds), for reading back in tests
    trend_series: tuple[LayerSeries, ...] = ()

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.sources)

    @property
    def file_name(self) -> str:
        """e.g. ``ward-profile-golcar-2025-09-partner.pdf``, ``SYNTHETIC-`` first when built from the demo."""
        stem = f"ward-profile-{self.place.slug}-{self.period.end:%Y-%m}-{self.disclosure.audience}"
        return exports.file_name(stem, "pdf", synthetic=self.synthetic)


@dataclass(frozen=True)
class Pack:
    """Everything printed in one briefing pack."""

    place: Place
    quarter: Quarter
    disclosure: Disclosure
    produced: date
    sources: tuple[LayerSource, ...]
    headlines: Headlines
    maps: tuple[bytes, ...]  # the place; then a zoomed detail map when the hotspots are close together
    map_note: str
    trends_png: bytes
    hotspots: Section
    hotspot_method: str
    areas: Section
    action_days: Section
    action_day_method: str
    caveats: tuple[tuple[str, str], ...]
    layer_labels: dict[str, str] = field(default_factory=dict)
    #: measure -> baseline text with the figures counted from real data (:mod:`briefing.baselines`)
    baselines: dict[str, str] = field(default_factory=dict)
    #: what the trend chart draws (public: with the counts it withholds), for reading back in tests
    trend_series: tuple[LayerSeries, ...] = ()

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.sources)

    @property
    def file_name(self) -> str:
        """e.g. ``huddersfield-2025Q3-partner.pdf``; ward and Clear Hold Build area packs are prefixed
        (``ward-``, ``chb-``) so a ward and an area of the same name never overwrite each other, and a pack
        built from the demo is ``SYNTHETIC-`` first, as every download is."""
        prefix = FILE_PREFIXES[self.place.kind]
        stem = f"{prefix}{self.place.slug}-{self.quarter.code}-{self.disclosure.audience}"
        return exports.file_name(stem, "pdf", synthetic=self.synthetic)
