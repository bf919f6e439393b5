"""Static charts for packs and profiles (matplotlib, rendered to PNG in memory; no display needed).

Why static images: a pack must print, e-mail and open offline exactly as it was produced. Charts are
drawn from the same monthly counts the app reads (:func:`briefing.places.tally_monthly`).

Monthly trend with the seasonal pattern: bars are the place's monthly counts; the dashed line is the
average for that calendar month over every complete year in the data, so a partner can see at a glance
whether a summer rise in ASB is more than the usual summer rise. In public versions a month with 1 to 4
incidents - or one withheld so that another cannot be worked out (:mod:`geo.disclosure`) - is drawn as a
hatched block, never as its value, and so is a point of the seasonal line that would give one away.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402

from briefing.suppression import HIDDEN_TOTAL, Disclosure  # noqa: E402
from briefing.text import for_matplotlib  # noqa: E402
from geo.rates import add_months, months_between  # noqa: E402

DPI = 170
FONT = "DejaVu Sans"
#: Space at the foot of a chart for its legend, in inches.
LEGEND_IN = 0.3
#: Measures text without drawing it (for fitting panel titles).
_TEXT = TextToPath()


@dataclass(frozen=True)
class LayerSeries:
    """One layer's monthly counts for a chart: ``months`` (first days) aligned with ``counts``."""

    label: str
    colour: str
    months: tuple[date, ...]
    counts: tuple[int | None, ...]  # None: no data loaded for the month (drawn as a gap, never as 0)
    seasonal: tuple[float | None, ...]  # average for each month's calendar month (None: not enough data)
    #: the months the seasonal line averages, with their counts (public outputs check these sums too)
    history: tuple[date, ...] = ()
    history_counts: tuple[int, ...] = ()
    layer: str = ""  # the layer id


#: A month's tick label: the month with its year under it ("Jan" over "2025").
MONTH_LABEL = "%b\n%Y"
#: Narrowest gap between two month labels, in inches ("2025" at 7 pt is about a quarter of an inch wide).
MIN_TICK_GAP_IN = 0.35
#: Background of a month with no data loaded in a trend panel.
NO_DATA_GREY = "#d4d4d4"
#: A month withheld from a public chart so that another figure cannot be worked out: a hatched band.
WITHHELD_STYLE = {"facecolor": "white", "edgecolor": "#b0b0b0", "hatch": "xxxx", "linewidth": 0}


def seasonal_profile(monthly: pd.Series) -> dict[int, float]:
    """Average count per calendar month (1-12) over the whole years in ``monthly`` (index: month starts).

    Only whole calendar years' worth of months are averaged from the end backwards, so every calendar
    month is averaged over the same number of years and no month is favoured by a partial year.
    """
    if monthly.empty:
        return {}
    years = len(monthly) // 12
    if years == 0:
        return {}
    tail = monthly.iloc[-12 * years :]
    months = pd.DatetimeIndex(tail.index).month
    return {int(m): float(v) for m, v in tail.groupby(months).mean().items()}


def layer_series(
    frame: pd.DataFrame,
    layer: str,
    label: str,
    colour: str,
    first: date,
    last: date,
    history: tuple[date, date],
    covered: frozenset[date],
) -> LayerSeries:
    """Build a :class:`LayerSeries` for ``first``..``last`` from monthly counts (``month, layer, n``).

    ``covered`` holds the months the layer has data for: other months are gaps, not zeros. ``history`` is
    the span the seasonal pattern is averaged over; it uses the unbroken run of covered months at its end,
    so a month nobody loaded never pulls the "usual" level down.
    """
    rows = frame[frame["layer"] == layer]
    by_month = rows.groupby(pd.to_datetime(rows["month"]))["n"].sum()
    run = list(months_between(*history))
    while any(m not in covered for m in run):
        run = run[1:]
    full = pd.DatetimeIndex([pd.Timestamp(m) for m in run])
    history = by_month.reindex(full, fill_value=0)
    profile = seasonal_profile(history)
    averaged = history.iloc[len(history) - 12 * (len(history) // 12) :] if profile else history.iloc[:0]
    months = tuple(months_between(first, last))
    counts = tuple(int(by_month.get(pd.Timestamp(m), 0)) if m in covered else None for m in months)
    return LayerSeries(
        label,
        colour,
        months,
        counts,
        tuple(profile.get(m.month) for m in months),
        history=tuple(t.date() for t in averaged.index),
        history_counts=tuple(int(v) for v in averaged),
        layer=layer,
    )


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def trend_charts(
    series: Sequence[LayerSeries],
    highlight: tuple[date, date] | None,
    disclosure: Disclosure,
    *,
    width_in: float = 7.1,
    panel_height_in: float = 1.75,
    cols: int = 2,
) -> bytes:
    """Small multiples, one panel per layer, ``cols`` across; the highlighted months (the pack's quarter)
    are drawn darker on a shaded band. Returns PNG bytes."""
    rows = max(1, -(-len(series) // cols))
    height_in = panel_height_in * rows + LEGEND_IN
    wide = cols <= 2
    wspace = 0.18 if wide else 0.35
    # the panels' width, from the fixed layout below: the plotting width shared by the panels and the gaps
    panel_in = (width_in - 0.6) / (cols + (cols - 1) * wspace)
    title_font = FontProperties(family=FONT, weight="bold", size=8 if wide else 6.5)
    titles = [wrap_to_width(for_matplotlib(s.label, 60), title_font, panel_in * 72) for s in series]
    title_in = max((t.count("\n") + 1 for t in titles), default=1) * title_font.get_size() * 1.25 / 72
    with plt.rc_context({"font.family": FONT, "font.size": 7}):
        fig, axes = plt.subplots(rows, cols, figsize=(width_in, height_in), squeeze=False)
        for ax in axes.ravel()[len(series) :]:
            ax.axis("off")
        any_hidden = any_withheld = False
        for ax, s, title in zip(axes.ravel(), series, titles, strict=False):
            small, withheld = _panel(ax, s, highlight, disclosure, tick_step(panel_in, len(s.months)))
            any_hidden, any_withheld = any_hidden or small, any_withheld or withheld
            ax.set_title(title, loc="left", fontproperties=title_font)
        handles = [Patch(facecolor="#7f7f7f", label="Monthly count")]
        if highlight is not None:
            handles.append(Patch(facecolor="#303030", label="The pack's quarter (shaded)"))
        handles.append(
            plt.Line2D(
                [], [], color="black", linestyle="--", linewidth=1, label="Usual for the month (average)"
            )
        )
        if any(c is None for s in series for c in s.counts):
            handles.append(Patch(facecolor=NO_DATA_GREY, label="No data loaded"))
        if any_hidden:
            handles.append(
                Patch(
                    facecolor="white",
                    edgecolor="#8c8c8c",
                    hatch="////",
                    label=f"{disclosure.hidden_text} (not shown)",
                )
            )
        if any_withheld:
            handles.append(Patch(**WITHHELD_STYLE, label="not shown (would give a small count away)"))
        fig.legend(
            handles=handles, loc="lower center", ncol=len(handles), frameon=False, bbox_to_anchor=(0.5, 0)
        )
        # a fixed layout: measuring every label to fit them ("tight" layout) doubles the drawing time
        fig.subplots_adjust(
            left=0.5 / width_in,
            right=1 - 0.1 / width_in,
            top=1 - (0.14 + title_in) / height_in,
            bottom=(LEGEND_IN + 0.3) / height_in,
            wspace=wspace,
            hspace=0.75,
        )
        return _png(fig)


def tick_step(panel_in: float, months: int) -> int:
    """Months between labelled ticks (3, 6 or 12) in a panel ``panel_in`` inches wide showing ``months``
    months: the fewest that leave :data:`MIN_TICK_GAP_IN` between labels, so that years never run into
    each other in the ward profile's narrow panels."""
    per_month = panel_in / max(months, 1)
    return next((step for step in (3, 6) if step * per_month >= MIN_TICK_GAP_IN), 12)


def wrap_to_width(text: str, font: FontProperties, width_pt: float) -> str:
    """``text`` broken at spaces into lines no wider than ``width_pt`` (a longer single word stays whole).

    Why: a panel title wider than its panel runs on over the next one ("Anti-social behaviour" in the ward
    profile's five narrow panels); the layer labels come from ``data/layers.toml``, so they are measured
    rather than shortened by hand.
    """
    lines: list[str] = []
    for word in text.split(" "):
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and _TEXT.get_text_width_height_descent(joined, font, ismath=False)[0] <= width_pt:
            lines[-1] = joined
        else:
            lines.append(word)
    return "\n".join(lines)


def _panel(
    ax: plt.Axes,
    s: LayerSeries,
    highlight: tuple[date, date] | None,
    disclosure: Disclosure,
    step: int,
) -> tuple[bool, bool]:
    """Draw one layer's panel (all but its title); whether some month was hidden as small, and whether
    one was withheld so that another cannot be worked out (drawn as a hatched band, no height at all)."""
    x = np.arange(len(s.months))
    missing = np.array([c is None for c in s.counts])
    counts = np.array([0 if c is None else c for c in s.counts], dtype=float)
    hidden = np.array([c is not None and disclosure.hides(c) for c in s.counts])
    withheld = np.array([c is not None and disclosure.count(c) == HIDDEN_TOTAL for c in s.counts])
    for i in x[withheld]:
        ax.axvspan(i - 0.45, i + 0.45, zorder=0.6, **WITHHELD_STYLE)
    hidden &= ~withheld
    in_quarter = np.array([highlight is not None and highlight[0] <= m <= highlight[1] for m in s.months])
    shown = np.where(hidden, 0, counts)
    colours = [_shade(s.colour, 0.55) if q else s.colour for q in in_quarter]
    if in_quarter.any():
        quarter_x = x[in_quarter]
        ax.axvspan(quarter_x[0] - 0.5, quarter_x[-1] + 0.5, color="#fff2cc", zorder=0)
    for i in x[missing]:  # no data loaded: a grey band over the month (even in the quarter), not a zero
        ax.axvspan(i - 0.45, i + 0.45, color=NO_DATA_GREY, zorder=0.5)
    ax.bar(x, shown, color=colours, width=0.8, alpha=0.9)
    if hidden.any():
        ax.bar(
            x[hidden],
            disclosure.threshold,
            width=0.8,
            color="white",
            edgecolor="#8c8c8c",
            hatch="////",
            linewidth=0.4,
        )
    seasonal = np.array([np.nan if v is None else v for v in s.seasonal], dtype=float)
    if disclosure.public:
        seasonal = np.where(seasonal < disclosure.threshold, np.nan, seasonal)
    ax.plot(x, seasonal, color="black", linestyle="--", linewidth=1)
    ticks = [i for i, m in enumerate(s.months) if (m.month - 1) % step == 0]
    # every month label with its year ("Jan" alone leaves the reader guessing which January)
    ax.set_xticks(ticks, [s.months[i].strftime(MONTH_LABEL) for i in ticks])
    ax.set_xlim(-0.7, len(s.months) - 0.3)
    ax.set_ylim(
        0, max(np.nanmax(np.append(shown, seasonal)), disclosure.threshold if hidden.any() else 1) * 1.15
    )
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4, integer=True))
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return bool(hidden.any()), bool(withheld.any())


def _shade(colour: str, factor: float) -> tuple[float, float, float]:
    """``colour`` darkened towards black by ``factor`` (0 = unchanged, 1 = black)."""
    r, g, b = matplotlib.colors.to_rgb(colour)
    return (r * (1 - factor), g * (1 - factor), b * (1 - factor))


def chart_window(quarter_end: date, months: int) -> tuple[date, date]:
    """First and last month of a chart ``months`` long ending with the quarter's last month."""
    last = quarter_end.replace(day=1)
    return add_months(last, 1 - months), last
