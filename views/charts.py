"""Charts shared by the pages: one colour per layer, a year on every month label, sparklines with gaps.

Why one module: a layer drawn orange on one page and blue on the next makes a reader compare the wrong
bars, and a month axis reading "Jan, Apr, Jul" leaves them guessing which year. Every chart of layers takes
its colours from ``data/layers.toml`` (as the packs' charts and the map do) through :func:`layer_scale`,
and every month axis is formatted by :data:`MONTH_FORMAT` ("Jan 2025").
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import altair as alt
import pandas as pd

import config

#: Every month label on a page: the month and its year ("Jan 2025"), never the month alone.
MONTH_FORMAT = "%b %Y"


def month_axis(title: str | None = None) -> alt.Axis:
    """A time axis whose labels all carry their year (Vega-Lite's default writes the year only at January)."""
    return alt.Axis(format=MONTH_FORMAT, title=title, labelAngle=0)


def layer_scale() -> alt.Scale:
    """Layer label -> the layer's ``colour`` in ``data/layers.toml``, for a chart coloured by layer label."""
    specs = config.layers().values()
    return alt.Scale(domain=[s.label for s in specs], range=[s.colour for s in specs])


def monthly_layers_chart(frame: pd.DataFrame, *, value: str, height: int = 180) -> alt.Chart:
    """Stacked monthly bars of a months x layer ids frame (index: month starts), one colour per layer;
    ``value`` names what is counted (the y-axis title and the tooltip)."""
    labels = {lid: spec.label for lid, spec in config.layers().items()}
    long = (
        frame.rename(columns=labels)
        .rename_axis(index="month", columns="Layer")
        .stack()
        .rename(value)
        .reset_index()
    )
    long["month"] = pd.to_datetime(long["month"])
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", axis=month_axis()),
            y=alt.Y(f"sum({value}):Q", title=value),
            color=alt.Color("Layer:N", scale=layer_scale(), legend=alt.Legend(orient="top", title=None)),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month", format=MONTH_FORMAT),
                "Layer:N",
                alt.Tooltip(f"sum({value}):Q", title=value),
            ],
        )
        .properties(height=height)
    )


def sparkline_image(
    values: Sequence[float | None], colour: str, *, width: int = 84, height: int = 60
) -> str | None:
    """A sparkline of ``values`` (oldest first) as an SVG data URL for ``st.column_config.ImageColumn``,
    with a gap for every None (a month with no data, or a count the public version does not show);
    None when no value is known.

    Why not Streamlit's ``LineChartColumn``: it cannot draw a gap - a series holding a single None shows as
    raw text (",,,,13") instead of a line - and a gap drawn as a line across, or as zero, would pass a
    missing month off as data. Runs of two or more months are lines; a month alone between gaps is a dot.
    The data grid draws an image at its row's height and cuts off what is wider than the column, so the
    default shape (7:5) keeps the whole series in the scorecard's column in presentation mode's taller rows.
    """
    known = [v for v in values if v is not None]
    if not known:
        return None
    pad = 3.0
    low, high = min(known), max(known)
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def point(i: int, v: float) -> tuple[float, float]:
        share = 0.5 if high == low else (v - low) / (high - low)
        return round(pad + i * step, 1), round(height - pad - share * (height - 2 * pad), 1)

    runs: list[list[tuple[float, float]]] = []
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        elif runs and runs[-1]:
            runs[-1].append(point(i, v))
        else:
            runs.append([point(i, v)])
    marks = []
    for run in (r for r in runs if r):
        if len(run) == 1:
            marks.append(f'<circle cx="{run[0][0]}" cy="{run[0][1]}" r="1.8" fill="{colour}"/>')
        else:
            xy = " ".join(f"{x},{y}" for x, y in run)
            marks.append(f'<polyline points="{xy}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(marks)}</svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
