"""The scorecard's sparklines: gaps stay gaps (never a line across, never a zero), worked by hand."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from views.charts import sparkline_image

SVG = "{http://www.w3.org/2000/svg}"


def _marks(url: str) -> tuple[list[list[tuple[float, float]]], list[tuple[float, float]]]:
    """(the polylines' points, the dots' centres) of a sparkline data URL."""
    assert url.startswith("data:image/svg+xml;base64,")
    root = ET.fromstring(base64.b64decode(url.split(",", 1)[1]))
    lines = [
        [tuple(float(c) for c in pair.split(",")) for pair in line.get("points").split()]
        for line in root.iter(f"{SVG}polyline")
    ]
    dots = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle")]
    return lines, dots


def test_runs_are_lines_a_lone_month_is_a_dot_and_gaps_are_left_empty() -> None:
    # width 120, height 32, 3 px padding: 9 months 14.25 px apart; values 1..9 over 26 px of height
    series = [1, 5, None, 9, None, None, 1, 3, 5]
    lines, dots = _marks(sparkline_image(series, "#123456", width=120, height=32))
    assert lines == [[(3.0, 29.0), (17.2, 16.0)], [(88.5, 29.0), (102.8, 22.5), (117.0, 16.0)]]
    assert dots == [(45.8, 3.0)]  # the 9, alone between two gaps, at the top


def test_a_series_with_one_month_is_one_dot_and_no_months_is_no_image() -> None:
    lines, dots = _marks(sparkline_image([None] * 23 + [13], "#123456", width=120, height=32))
    assert (lines, dots) == ([], [(117.0, 16.0)])  # a flat series sits mid-height
    assert sparkline_image([None, None], "#123456") is None


def test_the_colour_is_the_one_given() -> None:
    url = sparkline_image([1, 2], "#abcdef")
    root = ET.fromstring(base64.b64decode(url.split(",", 1)[1]))
    assert [e.get("stroke") for e in root.iter(f"{SVG}polyline")] == ["#abcdef"]
