"""Static place maps for packs, drawn offline with matplotlib: no tiles, no network, same result anywhere.

What is drawn, bottom to top: neighbouring wards for context (grey), the place's wards with their names,
the place outline, hot cells coloured by Gi* confidence, Clear Hold Build outlines, numbered action-day
locations; then a scale bar, a north arrow, a legend and the boundary attribution.

Numbers must stay readable: locations so close that their pins would overlap share one pin ("4, 7"), and
when a second, enlarged map follows, the overview outlines the enlarged part and leaves the pins inside it
to that map rather than piling them on top of each other.

Why British National Grid (EPSG:27700): it is in metres and true to shape in Kirklees, so the scale bar
is exact and hexagons look like hexagons (plain latitude/longitude would stretch everything east-west).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.patches import Polygon as PolygonPatch  # noqa: E402
from shapely.geometry.base import BaseGeometry  # noqa: E402

import config  # noqa: E402
from briefing.text import for_matplotlib  # noqa: E402
from geo import crs  # noqa: E402
from geo.boundaries import Wards  # noqa: E402
from geo.gistar import CLASS_COLOURS, CLASS_LABELS, CONFIDENCE_BANDS  # noqa: E402
from geo.hexgrid import cell_polygon  # noqa: E402

DPI = 170
FONT = "DejaVu Sans"
AREA_COLOUR = "#5e3c99"
ACTION_COLOUR = "#08519c"
ENLARGED_COLOUR = "#1a1a1a"
ENLARGED_LABEL = "Shown enlarged in the second map"
#: Width of an action-day pin, in inches: pins nearer than this share one pin.
PIN_IN = 0.19
#: Ward and area names: font size (points) and the average width of a character, in ems, to estimate
#: how long a name is before it is drawn.
LABEL_PT = 6.5
LABEL_EM = 0.6
#: Space under the map for the legend and for the attribution line, in inches; a legend of more rows
#: (a narrow map's single column) gets LEGEND_ROW_IN for each.
LEGEND_IN = 0.5
LEGEND_ROW_IN = 0.13
#: Characters of the 5.5 pt attribution line that fit in an inch of map width.
ATTRIBUTION_CHARS_PER_IN = 22
GRID_COLOUR = "#c4c4c4"
GRID_LABEL = "Hexagon (not a hot spot)"
ATTRIBUTION_IN = 0.15


@dataclass(frozen=True)
class MapContent:
    """Everything on one place map (all coordinates EPSG:4326)."""

    place: BaseGeometry
    wards: Wards
    place_wards: tuple[str, ...]
    #: (H3 cell as int, Gi* class code 1-3) for hot cells to draw
    hot_cells: Sequence[tuple[int, int]] = ()
    #: (label, outline) for Clear Hold Build areas
    areas: Sequence[tuple[str, BaseGeometry]] = ()
    #: (number, lat, lon) for suggested action-day locations
    action_days: Sequence[tuple[int, float, float]] = ()
    title: str = ""
    #: False for a map that never draws hot cells (the action-day list's): its legend leaves them out
    hotspot_legend: bool = True
    #: every H3 cell (as int) of the place, outlined faintly under the hot cells (the ward profile's map):
    #: the reader sees the grid the hot spots were picked from, and that the rest of it was not hot
    grid_cells: Sequence[int] = ()


def to_bng(geom: BaseGeometry) -> BaseGeometry:
    """Reproject a lon/lat geometry to British National Grid metres."""
    return crs.reproject(geom, crs.WGS84, crs.BNG)


def _polygons(geom: BaseGeometry) -> list[np.ndarray]:
    """Exterior rings of every polygon part of ``geom`` (holes are drawn by the fill of what is inside)."""
    parts = getattr(geom, "geoms", [geom])
    return [np.asarray(p.exterior.coords) for p in parts if p.geom_type == "Polygon" and not p.is_empty]


def _draw(ax: plt.Axes, geom: BaseGeometry, **style) -> None:
    for ring in _polygons(geom):
        ax.add_patch(PolygonPatch(ring, closed=True, **style))


def nice_scale_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^n metres) of about a fifth of the map width."""
    target = max(span_m / 5, 1.0)
    power = 10 ** np.floor(np.log10(target))
    return float(max(step * power for step in (1, 2, 5) if step * power <= target))


def _scale_bar(ax: plt.Axes, bounds: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = bounds
    length = nice_scale_length(maxx - minx)
    x0, y0 = minx + 0.04 * (maxx - minx), miny + 0.05 * (maxy - miny)
    bar_h = 0.012 * (maxy - miny)
    half = length / 2
    ax.add_patch(plt.Rectangle((x0, y0), half, bar_h, facecolor="black", edgecolor="black", linewidth=0.6))
    ax.add_patch(
        plt.Rectangle((x0 + half, y0), half, bar_h, facecolor="white", edgecolor="black", linewidth=0.6)
    )
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0, y0 + 2 * bar_h, "0", ha="center", va="bottom", fontsize=6.5)
    ax.text(x0 + length, y0 + 2 * bar_h, text, ha="center", va="bottom", fontsize=6.5)


def _north_arrow(ax: plt.Axes, bounds: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = bounds
    x, y = maxx - 0.05 * (maxx - minx), maxy - 0.12 * (maxy - miny)
    ax.annotate(
        "N",
        xy=(x, y + 0.08 * (maxy - miny)),
        xytext=(x, y),
        ha="center",
        va="top",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2},
    )


def _frame(bounds: tuple[float, float, float, float], aspect: float) -> tuple[float, float, float, float]:
    """``bounds`` (BNG) padded by 6% and widened on the short side to the figure's ``aspect`` (h / w), so
    the map is never distorted and no space is wasted."""
    minx, miny, maxx, maxy = bounds
    pad = 0.06 * max(maxx - minx, maxy - miny, 200.0)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    w, h = maxx - minx, maxy - miny
    if h / w < aspect:
        extra = (w * aspect - h) / 2
        return minx, miny - extra, maxx, maxy + extra
    extra = (h / aspect - w) / 2
    return minx - extra, miny, maxx + extra, maxy


def focus_bounds(content: MapContent, *, max_share: float = 0.35) -> tuple[float, float, float, float] | None:
    """BNG bounds of the hot cells when they sit in a small part of the place (their extent under
    ``max_share`` of the place's), else None.

    Why: a district map at A4 size shows a town-centre cluster as a smudge with action-day numbers piled
    on top of each other; a second, zoomed map of just that part makes them readable.
    """
    shapes = [to_bng(cell_polygon(c)) for c, _ in content.hot_cells]
    if not shapes:
        return None
    focus = shapely.union_all(shapes).bounds
    place = to_bng(content.place).bounds
    size = max(focus[2] - focus[0], focus[3] - focus[1])
    if size >= max_share * max(place[2] - place[0], place[3] - place[1]):
        return None
    return focus


def merge_pins(points: Sequence[tuple[int, float, float]], within_m: float) -> list[tuple[str, float, float]]:
    """Action-day pins as (label, x, y) in BNG metres: locations nearer than ``within_m`` to a pin already
    placed join it, so its label lists every number ("4, 7") instead of one number hiding another."""
    pins: list[tuple[list[int], float, float]] = []
    for number, lat, lon in sorted(points):
        x, y = (float(v) for v in crs.to_bng(lon, lat))
        near = next((p for p in pins if np.hypot(p[1] - x, p[2] - y) < within_m), None)
        if near is None:
            pins.append(([number], x, y))
        else:
            near[0].append(number)
    return [(", ".join(str(n) for n in numbers), x, y) for numbers, x, y in pins]


def crowded_bounds(
    content: MapContent, *, width_in: float, height_in: float
) -> tuple[float, float, float, float] | None:
    """BNG bounds, padded by two pin widths, of the action-day locations that would share a pin
    (:func:`merge_pins`) on the whole-place map of this size with its legend; None when every number
    gets a pin of its own.

    Why: a printed list whose map reads "1, 4, 10" at the town centre sends the reader to the table to
    find which is which; a second, enlarged map of just those places gives each its own number.
    """
    below_in = LEGEND_IN + ATTRIBUTION_IN
    bounds = _frame(to_bng(content.place).bounds, (height_in - below_in) / width_in)
    pin_m = PIN_IN * (bounds[2] - bounds[0]) / (0.99 * width_in)
    labels = [label for label, _, _ in merge_pins(content.action_days, pin_m)]
    shared = {int(n) for label in labels if "," in label for n in label.split(", ")}
    if not shared:
        return None
    points = [crs.to_bng(lon, lat) for number, lat, lon in content.action_days if number in shared]
    xs, ys = [float(x) for x, _ in points], [float(y) for _, y in points]
    pad = 2 * pin_m
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def _label_point(area: BaseGeometry, busy: Sequence[BaseGeometry], half_width: float) -> BaseGeometry:
    """Where to centre a ward's name ``2 * half_width`` wide: in ``area`` at least ``half_width`` from
    everything ``busy`` (hot cells, pins, names already written) when there is room, else anywhere inside
    ``area`` (empty when the ward is out of the frame).

    Why: a name written over a hot spot or a pin hides it or is hidden by it, and two names side by side
    read as one.
    """
    clear = area.difference(shapely.union_all(busy).buffer(half_width)) if busy else area
    return (clear if not clear.is_empty else area).representative_point()


def _legend_handles(content: MapContent, enlarged: bool) -> list:
    # hot-spot fills as on the app's maps (geo.gistar.CLASS_COLOURS), most confident first; only on a map
    # that can draw hot cells (a pack's), not on one of action-day locations alone
    handles = [
        Patch(facecolor=CLASS_COLOURS[c], label=CLASS_LABELS[c])
        for c, _, _ in (CONFIDENCE_BANDS if content.hotspot_legend else ())
    ]
    handles.append(
        Line2D(
            [], [], color="#1a1a1a", linewidth=1.8, label=for_matplotlib(content.title or "This place", 60)
        )
    )
    if content.areas:
        handles.append(
            Line2D([], [], color=AREA_COLOUR, linewidth=1.6, linestyle="--", label="Clear Hold Build area")
        )
    if content.action_days:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color="none",
                markerfacecolor=ACTION_COLOUR,
                markersize=8,
                label="Suggested action-day location (number as in the table)",
            )
        )
    if enlarged:
        handles.append(
            Patch(facecolor="none", edgecolor=ENLARGED_COLOUR, linestyle=":", label=ENLARGED_LABEL)
        )
    if content.grid_cells:
        handles.append(Patch(facecolor="white", edgecolor=GRID_COLOUR, label=GRID_LABEL))
    return handles


def _legend(ax: plt.Axes, handles: list, columns: int, bottom: float) -> None:
    # below the map, never over it: a legend box in a corner hides whatever lies there; ``bottom`` (a
    # share of the figure's height) keeps it above the attribution
    ax.figure.legend(
        handles=handles,
        loc="lower center",
        ncol=columns,
        fontsize=6.5,
        frameon=False,
        bbox_to_anchor=(0.5, bottom),
    )


def _half_width(label: str, metres_per_inch: float) -> float:
    """Half the (estimated) width of a map label, in map metres."""
    return LABEL_EM * LABEL_PT / 72 * len(label) / 2 * metres_per_inch


def _area_label(
    ax: plt.Axes, outline: BaseGeometry, label: str, frame: BaseGeometry, metres_per_inch: float
) -> BaseGeometry | None:
    """The area's name just above its top edge (inside the frame), in the outline's colour; returns the
    space it takes (None when the area is out of the frame), for the ward names to keep clear of."""
    visible = outline.intersection(frame)
    if visible.is_empty:
        return None
    minx, _, maxx, maxy = visible.bounds
    text = for_matplotlib(label, 40)
    x, half = (minx + maxx) / 2, _half_width(text, metres_per_inch)
    ax.text(
        x,
        maxy,
        text,
        ha="center",
        va="bottom",
        fontsize=LABEL_PT,
        color=AREA_COLOUR,
        fontweight="bold",
        zorder=6,
        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75},
    )
    return shapely.box(x - half, maxy, x + half, maxy + LABEL_PT / 72 * metres_per_inch)


def place_map(
    content: MapContent,
    *,
    width_in: float = 7.1,
    height_in: float = 7.4,
    bounds: tuple[float, float, float, float] | None = None,
    legend: bool = True,
    enlarged: tuple[float, float, float, float] | None = None,
    legend_columns: int = 3,
) -> bytes:
    """Render the map to PNG bytes (see the module docstring for what is drawn).

    ``bounds`` (British National Grid metres) zooms to part of the place; by default the whole place.
    A zoomed detail map printed under the overview can leave out the legend (``legend=False``).
    ``enlarged`` (BNG metres) is the part a second map shows enlarged: it is outlined here, and the
    action-day pins inside it are drawn on that map only. A narrow map (the ward profile's, beside its
    tables) lists its legend in fewer ``legend_columns``, and leaves room under the map for the rows.
    """
    wards = content.wards
    place = to_bng(content.place)
    handles = _legend_handles(content, enlarged is not None) if legend else []
    rows = -(-len(handles) // legend_columns)
    # the attribution wrapped to the map's width (a narrow map needs two or three lines)
    attribution = textwrap.fill(config.BOUNDARY_ATTRIBUTION, int(width_in * ATTRIBUTION_CHARS_PER_IN))
    below_in = (max(LEGEND_IN, rows * LEGEND_ROW_IN + 0.08) if legend else 0.0) + ATTRIBUTION_IN * (
        attribution.count("\n") + 1
    )
    bounds = _frame(bounds or place.bounds, (height_in - below_in) / width_in)
    frame = shapely.box(*bounds)
    # ward names go inside a slightly smaller frame, so no label is cut by the map edge
    inset = 0.08 * (bounds[2] - bounds[0])
    label_frame = shapely.box(bounds[0] + inset, bounds[1] + inset, bounds[2] - inset, bounds[3] - inset)
    metres_per_inch = (bounds[2] - bounds[0]) / (0.99 * width_in)
    hexagons = [(to_bng(cell_polygon(cell)), int(code)) for cell, code in content.hot_cells]
    pins = [
        (label, x, y)
        for label, x, y in merge_pins(content.action_days, PIN_IN * metres_per_inch)
        if enlarged is None or not shapely.box(*enlarged).contains(shapely.Point(x, y))
    ]
    # what a ward name should not cover (nor be hidden by); area and ward names are added as they are placed
    busy = [h for h, _ in hexagons] + [shapely.Point(x, y) for _, x, y in pins]
    if enlarged is not None:
        busy.append(shapely.box(*enlarged).boundary)

    with plt.rc_context({"font.family": FONT, "font.size": 7}):
        fig, ax = plt.subplots(figsize=(width_in, height_in))
        ax.set_facecolor("#eef2f5")
        for label, outline in content.areas:
            footprint = _area_label(ax, to_bng(outline), label, label_frame, metres_per_inch)
            busy += [footprint] if footprint is not None else []
        inside = set(content.place_wards)
        for code, name, geom in zip(wards.codes, wards.names, wards.geometries, strict=True):
            g = to_bng(geom)
            if not g.intersects(frame):
                continue
            own = code in inside
            _draw(
                ax,
                g,
                facecolor="white" if own else "#e3e3e3",
                edgecolor="#8c8c8c" if own else "#b5b5b5",
                linewidth=0.6,
                zorder=1,
            )
            label = for_matplotlib(name, 40)
            half_width = _half_width(label, metres_per_inch)
            point = _label_point(g.intersection(label_frame), busy, half_width) if own else None
            if point is not None and not point.is_empty:
                busy.append(shapely.box(point.x - half_width, point.y, point.x + half_width, point.y))
                ax.text(
                    point.x,
                    point.y,
                    label,
                    ha="center",
                    va="center",
                    fontsize=LABEL_PT,
                    color="#4d4d4d",
                    zorder=6,
                    bbox={
                        "boxstyle": "round,pad=0.15",
                        "facecolor": "white",
                        "edgecolor": "none",
                        "alpha": 0.7,
                    },
                )
        if content.grid_cells:  # one reprojection for the whole grid
            grid = to_bng(shapely.MultiPolygon([cell_polygon(c) for c in content.grid_cells]))
            _draw(ax, grid, facecolor="none", edgecolor=GRID_COLOUR, linewidth=0.3, zorder=1.5)
        for hexagon, code in hexagons:
            _draw(
                ax,
                hexagon,
                facecolor=CLASS_COLOURS[code],
                edgecolor="white",
                linewidth=0.3,
                alpha=0.9,
                zorder=2,
            )
        _draw(ax, place, facecolor="none", edgecolor="#1a1a1a", linewidth=1.8, zorder=4)
        for _, outline in content.areas:
            _draw(
                ax,
                to_bng(outline),
                facecolor="none",
                edgecolor=AREA_COLOUR,
                linewidth=1.6,
                linestyle="--",
                zorder=5,
            )
        if enlarged is not None:
            ax.add_patch(
                plt.Rectangle(
                    enlarged[:2],
                    enlarged[2] - enlarged[0],
                    enlarged[3] - enlarged[1],
                    facecolor="none",
                    edgecolor=ENLARGED_COLOUR,
                    linestyle=":",
                    linewidth=1.2,
                    zorder=7,
                )
            )
        for label, x, y in pins:
            ax.text(
                x,
                y,
                label,
                ha="center",
                va="center",
                color="white",
                fontsize=7,
                fontweight="bold",
                zorder=8,
                bbox={
                    "boxstyle": "circle,pad=0.25" if "," not in label else "round,pad=0.3",
                    "facecolor": ACTION_COLOUR,
                    "edgecolor": "white",
                    "linewidth": 1,
                },
            )

        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        _scale_bar(ax, bounds)
        _north_arrow(ax, bounds)

        if legend:
            _legend(ax, handles, legend_columns, 0.03 + ATTRIBUTION_IN * attribution.count("\n") / height_in)
        fig.text(0.01, 0.005, attribution, fontsize=5.5, color="#595959", ha="left", va="bottom")
        fig.subplots_adjust(left=0.005, right=0.995, top=0.995, bottom=below_in / height_in)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
        plt.close(fig)
        return buf.getvalue()
