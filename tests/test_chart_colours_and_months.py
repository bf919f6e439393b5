"""One colour per layer on every chart, from data/layers.toml, and a year on every month label.

The colours are read here straight from data/layers.toml with tomllib (not through config/), and the
months a chart shows are worked out from the series it was given, so neither expectation is the code's
own output. The pack charts are inspected as the matplotlib figure they draw; the app's charts as the
Vega-Lite spec they send (the Clear Hold Build page's, in tests/test_app_chb.py).
"""

from __future__ import annotations

import re
import tomllib

import matplotlib.colors as mcolors
import pandas as pd
import pytest

import config
from briefing import charts
from briefing.packs import PackContext, chart_series
from briefing.periods import trailing_months
from briefing.places import ward_place
from briefing.suppression import Disclosure
from store import Store
from views.charts import monthly_layers_chart

MONTH_WITH_YEAR = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s(\d{4})$")


def colours_in_file() -> dict[str, str]:
    """Layer label -> colour, as data/layers.toml writes them."""
    with open(config.DATA_DIR / "layers.toml", "rb") as f:
        layers = tomllib.load(f)["layers"]
    return {spec["label"]: spec["colour"] for spec in layers.values()}


@pytest.fixture(scope="module")
def ward_series(demo_store: Store) -> list[charts.LayerSeries]:
    ctx = PackContext.load(demo_store)
    period = trailing_months(ctx.latest_month, 12)
    return chart_series(ctx, ward_place(ctx.wards, "Ashbrow"), period, 12)


def _figure(monkeypatch: pytest.MonkeyPatch, series, cols: int):
    """The figure trend_charts draws (captured instead of saved as PNG)."""
    drawn = []
    monkeypatch.setattr(charts, "_png", lambda fig: drawn.append(fig) or b"")
    charts.trend_charts(series, None, Disclosure("partner"), cols=cols, panel_height_in=1.2)
    (fig,) = drawn
    fig.canvas.draw()
    return fig


@pytest.mark.parametrize("cols", [2, 5])  # a pack's two wide panels; the ward profile's five narrow ones
def test_pack_charts_draw_each_layer_in_its_colour_with_a_year_on_every_month(
    ward_series, monkeypatch: pytest.MonkeyPatch, cols: int
) -> None:
    colours = colours_in_file()
    fig = _figure(monkeypatch, ward_series, cols)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert len(panels) == len(ward_series) > 1
    for ax, s in zip(panels, ward_series, strict=True):
        expected = mcolors.to_rgb(colours[s.label])
        (bars, *_) = ax.containers
        assert {mcolors.to_rgb(bar.get_facecolor()) for bar in bars} == {expected}, s.label
        labels = [t for t in ax.get_xticklabels() if t.get_text()]
        assert labels, s.label
        for position, label in zip(ax.get_xticks(), labels, strict=True):
            month = s.months[int(position)]
            found = MONTH_WITH_YEAR.match(label.get_text().replace("\n", " "))
            assert found and found.groups() == (f"{month:%b}", str(month.year)), label.get_text()
        # and no two labels run into each other, even in the narrow panels
        boxes = sorted((t.get_window_extent() for t in labels), key=lambda b: b.x0)
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:], strict=False)), s.label


def test_app_layer_charts_use_the_file_colours_and_label_months_with_years() -> None:
    colours = colours_in_file()
    ids = list(config.layers())[:3]
    frame = pd.DataFrame(
        {lid: [3, 1, 4] for lid in ids}, index=pd.to_datetime(["2024-11-01", "2024-12-01", "2025-01-01"])
    )
    spec = monthly_layers_chart(frame, value="Incidents").to_dict()
    scale = spec["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == colours
    assert spec["encoding"]["x"]["axis"]["format"] == "%b %Y"
