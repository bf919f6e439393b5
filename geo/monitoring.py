"""Before/after monitoring of designated Clear Hold Build areas: rate ratios and displacement.

Why: once partners designate an area and start a phase, they need to know whether crime fell *because
of it* and whether it simply moved next door. Three zones are compared over the same months:

* the **area** itself (the designated polygon);
* a **buffer** ring around it (default 500 m wide), where displaced crime would show up first;
* a **control**: the rest of the district(s) the area lies in, outside area and buffer, which carries
  the background trend (seasons, recording changes, the borough-wide fall or rise).

The rules, written down:

* **Periods are whole calendar months** (police.uk publishes months only). A phase that starts mid-month
  counts that whole month as "after". *After* runs from the phase's start month to the month before the
  next phase began, or to the last month of data. *Before* is the ``before_months`` months just before
  the start month (fewer when the data begins later). Counts are of the indicator crimes (the CHB
  indicator set) unless a caller passes another selection.
* **Rate ratio** = (after count / after months) / (before count / before months). Its **exact 95%
  confidence interval** conditions on the total ``n = a + b``: given ``n``, the after count ``a`` is
  Binomial(n, π) with ``π = RR·tₐ / (RR·tₐ + t_b)``. The Clopper-Pearson interval for π,
  ``π_L = Beta⁻¹(α/2; a, b+1)`` and ``π_U = Beta⁻¹(1-α/2; a+1, b)``, maps back through
  ``RR = π/(1-π) · t_b/tₐ``. With ``a = 0`` the lower limit is 0; with ``b = 0`` the ratio and upper
  limit are infinite; with no incidents at all nothing can be said (ratio undefined, interval 0 to ∞).
  A ratio is called a significant fall/rise only when the whole interval lies below/above 1.
* **Weighted displacement quotient** (Bowers & Johnson, 2003) with R = area, B = buffer, C = control and
  subscripts b(efore), a(fter)::

      success measure  SM  = Ra/Ca - Rb/Cb          (negative: the area fell relative to the control)
      buffer measure   BM  = Ba/Ca - Bb/Cb
      WDQ                  = BM / SM

  Reading: if the control has no incidents in either period, or SM ≥ 0 (the area did not improve
  relative to the control, so there is nothing to displace), it is **inconclusive**. A buffer change is
  only read as real when it is beyond chance: Fisher's exact test on the 2×2 table of buffer and control
  counts before and after must give p ≤ 1 - confidence (0.05), otherwise **inconclusive**. Then WDQ above
  the neutral band reads **diffusion of benefits** (the buffer improved too; above 1, by more than the
  area itself), below minus the band **displacement** (the buffer worsened; below -1, by more than the
  area improved, so the net effect is harmful), and within the band **inconclusive**.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import shapely
from scipy import stats
from shapely.geometry.base import BaseGeometry

from config.chb import MonitoringSettings
from geo import crs
from geo.boundaries import Wards
from geo.coverage import Coverage, WindowCount
from geo.rates import Period, add_months, month_start, months_between

ZONES = ("area", "buffer", "control")

DISPLACEMENT = "displacement"
DIFFUSION = "diffusion of benefits"
INCONCLUSIVE = "inconclusive"


# ---- the statistics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRatio:
    """After-versus-before rate ratio with its exact confidence interval."""

    after: int
    before: int
    after_months: float
    before_months: float
    ratio: float | None  # None when there were no incidents in either period
    lower: float
    upper: float
    confidence: float

    @property
    def direction(self) -> str:
        """ "fall" / "rise" when the whole interval is below / above 1, else "no significant change"."""
        if self.upper < 1:
            return "fall"
        if self.lower > 1:
            return "rise"
        return "no significant change"

    @property
    def text(self) -> str:
        """e.g. "0.62 (95% CI 0.45–0.85)"."""
        level = f"{self.confidence:.0%}"
        if self.ratio is None:
            return "no incidents before or after"
        return f"{_fmt(self.ratio)} ({level} CI {_fmt(self.lower)}–{_fmt(self.upper)})"


def _fmt(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:.2f}"


def rate_ratio(
    after: int, before: int, after_months: float = 1.0, before_months: float = 1.0, confidence: float = 0.95
) -> RateRatio:
    """Rate ratio after/before with the exact conditional-binomial interval (see the module rules)."""
    if after < 0 or before < 0:
        raise ValueError("counts cannot be negative")
    if after_months <= 0 or before_months <= 0:
        raise ValueError("both periods must last more than zero months")
    alpha = 1.0 - confidence
    a, b = int(after), int(before)
    scale = before_months / after_months

    def to_ratio(pi: float) -> float:
        return math.inf if pi >= 1.0 else pi / (1.0 - pi) * scale

    if a + b == 0:
        return RateRatio(a, b, after_months, before_months, None, 0.0, math.inf, confidence)
    pi_low = 0.0 if a == 0 else float(stats.beta.ppf(alpha / 2, a, b + 1))
    pi_high = 1.0 if b == 0 else float(stats.beta.ppf(1 - alpha / 2, a + 1, b))
    ratio = math.inf if b == 0 else (a / after_months) / (b / before_months)
    return RateRatio(
        a, b, after_months, before_months, ratio, to_ratio(pi_low), to_ratio(pi_high), confidence
    )


#: The weighted displacement quotient in one plain-English sentence, printed wherever the quotient is (the
#: Clear Hold Build page, the packs' Clear Hold Build section, the method page): "WDQ" alone means nothing
#: to a partner who has not read Bowers & Johnson.
WDQ_MEANING = (
    "The weighted displacement quotient (WDQ) compares how crime changed in the ring around an area with how "
    "it changed in the area itself, both against the rest of the district: above 0 the ring improved too "
    "(diffusion of benefits), below 0 crime moved next door (displacement), near 0 there is no clear effect."
)


@dataclass(frozen=True)
class Displacement:
    """Bowers & Johnson's weighted displacement quotient and its reading in words."""

    wdq: float | None
    success_measure: float | None
    buffer_measure: float | None
    buffer_p: float | None  # Fisher's exact p for the buffer's change against the control's
    reading: str  # DISPLACEMENT, DIFFUSION or INCONCLUSIVE
    explanation: str


def weighted_displacement(
    area: tuple[int, int],
    buffer: tuple[int, int],
    control: tuple[int, int],
    *,
    neutral_band: float = 0.1,
    confidence: float = 0.95,
) -> Displacement:
    """WDQ from (before, after) counts for area, buffer and control over the same periods (module rules)."""
    (rb, ra), (bb, ba), (cb, ca) = area, buffer, control
    if cb == 0 or ca == 0:
        return Displacement(
            None, None, None, None, INCONCLUSIVE, "The control area has no incidents in one of the periods."
        )
    sm = ra / ca - rb / cb
    bm = ba / ca - bb / cb
    p = float(stats.fisher_exact([[bb, ba], [cb, ca]]).pvalue)
    if sm >= 0:
        why = "The area did not fall relative to the rest of the district, so there is nothing to displace."
        return Displacement(None, sm, bm, p, INCONCLUSIVE, why)
    wdq = bm / sm
    if p > 1 - confidence:
        why = (
            f"The surrounding buffer's change relative to the rest of the district is within chance "
            f"(weighted displacement quotient {wdq:.2f}, p = {p:.2f})."
        )
        return Displacement(wdq, sm, bm, p, INCONCLUSIVE, why)
    if wdq > neutral_band:
        extent = "by more than the area itself" if wdq > 1 else "though less than the area itself"
        why = f"The surrounding buffer improved too, {extent} (weighted displacement quotient {wdq:.2f})."
        return Displacement(wdq, sm, bm, p, DIFFUSION, why)
    if wdq < -neutral_band:
        extent = (
            "by more than the area improved, so the net effect is harmful"
            if wdq < -1
            else "but by less than the area improved, so there is still a net benefit"
        )
        why = f"Crime rose in the surrounding buffer, {extent} (weighted displacement quotient {wdq:.2f})."
        return Displacement(wdq, sm, bm, p, DISPLACEMENT, why)
    why = (
        "The surrounding buffer barely changed relative to the rest of the district "
        f"(weighted displacement quotient {wdq:.2f})."
    )
    return Displacement(wdq, sm, bm, p, INCONCLUSIVE, why)


# ---- zones -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Zones:
    """The area, the buffer ring around it, and the control (rest of its districts), in EPSG:4326."""

    area: BaseGeometry
    buffer: BaseGeometry
    control: BaseGeometry
    districts: tuple[str, ...]
    buffer_m: float

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of the area and its buffer: the incidents to read besides
        those of the control districts."""
        return tuple(shapely.union_all([self.area, self.buffer]).bounds)


def area_km2(geom: BaseGeometry) -> float:
    """Area of an EPSG:4326 geometry in km², measured on the British National Grid."""
    return crs.reproject(geom, crs.WGS84, crs.BNG).area / 1e6


def make_zones(area: BaseGeometry, wards: Wards, buffer_m: float) -> Zones:
    """Buffer ring (``buffer_m`` metres wide, measured on the British National Grid) and control zone.

    The control is every district the area overlaps, minus the area and its buffer. An area outside all
    districts has an empty control, and every displacement reading is then inconclusive.
    """
    if buffer_m <= 0:
        raise ValueError("the buffer must be wider than 0 m")
    area = shapely.make_valid(area)
    metric = crs.reproject(area, crs.WGS84, crs.BNG)
    outer = crs.reproject(metric.buffer(buffer_m), crs.BNG, crs.WGS84)
    ring = outer.difference(area)
    districts = tuple(d for d, g in wards.district_geometries.items() if g.intersection(area).area > 0)
    control = shapely.union_all([wards.district_geometries[d] for d in districts]).difference(outer)
    return Zones(area, ring, control, districts, float(buffer_m))


def zone_of_points(zones: Zones, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Zone name per point ("area", "buffer", "control"), or None outside all three (vectorised)."""
    out = np.full(np.asarray(lat).shape, None, dtype=object)
    for name in reversed(ZONES):  # area last, so it wins on shared edges
        geom = getattr(zones, name)
        out[shapely.contains_xy(geom, lon, lat)] = name
    return out


def zone_counts(points: pd.DataFrame, zones: Zones) -> pd.DataFrame:
    """Incidents per (month, layer, category, zone) for the three zones, every layer.

    ``points`` (month, layer, category, lat, lon) must hold at least every incident of
    :attr:`Zones.districts` and of :attr:`Zones.bounds` (a buffer can reach into a neighbouring district),
    as ``store.queries.points_near`` reads them; each point is then placed by polygon.
    """
    frame = points.copy()
    frame["zone"] = zone_of_points(zones, frame["lat"].to_numpy(), frame["lon"].to_numpy())
    frame = frame.dropna(subset=["zone"])
    return (
        frame.groupby(["month", "layer", "category", "zone"], as_index=False)
        .size()
        .rename(columns={"size": "n"})
        .astype({"n": "int64"})
    )


def indicator_mask(frame: pd.DataFrame, indicators: Mapping[str, Sequence[str]]) -> pd.Series:
    """Rows (with ``layer``/``category``) in the indicator set; no categories listed = the whole layer."""
    mask = pd.Series(False, index=frame.index)
    for layer, cats in indicators.items():
        in_layer = frame["layer"] == layer
        mask |= in_layer & frame["category"].isin(list(cats)) if cats else in_layer
    return mask


def monthly_series(counts: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """Counts per month (rows, every month from ``first`` to ``last``) and zone (columns), 0-filled."""
    months = pd.DatetimeIndex([pd.Timestamp(m) for m in months_between(first, last)], name="month")
    table = counts.groupby(["month", "zone"])["n"].sum().unstack("zone")
    return table.reindex(index=months, columns=list(ZONES)).fillna(0).astype("int64")


# ---- phases ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseComparison:
    """Before/after figures for one phase start."""

    phase: str
    start: date
    before: Period | None
    after: Period | None
    area: RateRatio | None = None
    buffer: RateRatio | None = None
    control: RateRatio | None = None
    displacement: Displacement | None = None
    note: str = ""

    @property
    def reading(self) -> str:
        return self.displacement.reading if self.displacement else INCONCLUSIVE


def phase_periods(
    phase_starts: Mapping[str, date], first: date, last: date, before_months: int
) -> list[tuple[str, date, Period | None, Period | None]]:
    """(phase, start, before period, after period) for each phase start, in date order (module rules).

    A period is None when the data holds none of its months (phase begins after the last month of data,
    or before the first).
    """
    ordered = sorted(phase_starts.items(), key=lambda kv: (kv[1], kv[0]))
    out = []
    for i, (phase, start) in enumerate(ordered):
        begin = month_start(start)
        stop = add_months(ordered[i + 1][1], -1) if i + 1 < len(ordered) else month_start(last)
        stop = min(stop, month_start(last))
        after = Period.of_months(begin, stop) if month_start(first) <= begin <= stop else None
        before_first = max(add_months(begin, -before_months), month_start(first))
        before_last = add_months(begin, -1)
        before = Period.of_months(before_first, before_last) if before_first <= before_last else None
        out.append((phase, start, before, after))
    return out


def compare(
    series: pd.DataFrame,
    phase: str,
    start: date,
    before: Period | None,
    after: Period | None,
    settings: MonitoringSettings,
) -> PhaseComparison:
    """Rate ratios per zone and the WDQ for one phase, from :func:`monthly_series` output."""
    if before is None or after is None:
        missing = "after" if after is None else "before"
        return PhaseComparison(
            phase, start, before, after, note=f"The data holds no months {missing} this start."
        )

    def total(period: Period) -> pd.Series:
        window = series.loc[pd.Timestamp(period.start) : pd.Timestamp(period.end)]
        return window.sum()

    b, a = total(before), total(after)
    ratios = {
        zone: rate_ratio(int(a[zone]), int(b[zone]), after.months, before.months, settings.confidence)
        for zone in ZONES
    }
    displacement = weighted_displacement(
        (int(b["area"]), int(a["area"])),
        (int(b["buffer"]), int(a["buffer"])),
        (int(b["control"]), int(a["control"])),
        neutral_band=settings.neutral_band,
        confidence=settings.confidence,
    )
    return PhaseComparison(
        phase, start, before, after, ratios["area"], ratios["buffer"], ratios["control"], displacement
    )


@dataclass(frozen=True)
class Monitoring:
    """Everything monitored for one designated area."""

    zones: Zones
    counts: pd.DataFrame  # (month, layer, category, zone, n), every layer
    indicator_series: pd.DataFrame  # months x zones, indicator crimes only
    comparisons: tuple[PhaseComparison, ...]
    coverage: Coverage
    indicator_layers: tuple[str, ...]

    def recent(self, months: int, zone: str = "area") -> WindowCount:
        """Indicator crimes in ``zone`` over the ``months`` months to the last month of data, counted over
        the months loaded for the indicator layers only and saying how many were not
        (:class:`geo.coverage.WindowCount`): a month nobody loaded is not a month without crime."""
        return self.coverage.latest_count(self.indicator_series[zone], months, self.indicator_layers)

    @property
    def latest(self) -> PhaseComparison | None:
        """The comparison for the most recent phase start that has before and after data."""
        usable = [c for c in self.comparisons if c.displacement is not None]
        return usable[-1] if usable else None

    def layer_series(self, zone: str = "area") -> pd.DataFrame:
        """Months x layers for one zone (all categories), for the chart per area."""
        table = (
            self.counts[self.counts["zone"] == zone].groupby(["month", "layer"])["n"].sum().unstack("layer")
        )
        return table.reindex(self.indicator_series.index).fillna(0).astype("int64")


def monitor(
    points: pd.DataFrame,
    zones: Zones,
    phase_starts: Mapping[str, date],
    settings: MonitoringSettings,
    span: tuple[date, date],
    coverage: Coverage,
) -> Monitoring:
    """Monitor one area: zone counts, the indicator series and a comparison per phase start.

    ``points`` are the incidents around the zones (see :func:`zone_counts`); ``span`` is the first and
    last month of data in the store. A phase whose before or after months include one without data for
    an indicator layer (by ``coverage``) is not compared, and recent counts leave such months out and say
    so: a month not loaded would count as a month with no crime and fake a fall or a rise.
    """
    counts = zone_counts(points, zones)
    first, last = month_start(span[0]), month_start(span[1])
    series = monthly_series(counts[indicator_mask(counts, settings.indicators)], first, last)
    comparisons = []
    for phase, start, before, after in phase_periods(phase_starts, first, last, settings.before_months):
        refused = _not_loaded(phase, start, before, after, coverage, list(settings.indicators))
        comparisons.append(refused or compare(series, phase, start, before, after, settings))
    return Monitoring(zones, counts, series, tuple(comparisons), coverage, tuple(settings.indicators))


def _not_loaded(
    phase: str,
    start: date,
    before: Period | None,
    after: Period | None,
    coverage: Coverage,
    layers: list[str],
) -> PhaseComparison | None:
    """The refusal for a phase whose before or after months are not all loaded, else None."""
    if before is None or after is None:
        return None
    gaps = []
    for side, period in (("before", before), ("after", after)):
        if missing := coverage.missing(period, layers):
            gaps.append(f"{missing} of the {period.months} months {side} this start")
    if not gaps:
        return None
    note = f"Not comparable: {' and '.join(gaps)} have no data loaded for the indicator crimes."
    return PhaseComparison(phase, start, before, after, note=note)
