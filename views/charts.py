"""Charts shared by the pages: one colour per layer and a year on every month label.

Why one module: a layer drawn orange on one page and blue on the next makes a reader compare the wrong
bars, and a month axis reading "Jan, Apr, Jul" leaves them guessing which year. Every chart of layers takes
its colours from ``data/layers.toml`` (as the packs' charts and the map do) through :func:`layer_scale`,
and every month axis is formatted by :data:`MONTH_FORMAT` ("Jan 2025").
"""

from __future__ import annotations

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
