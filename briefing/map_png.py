"""The Map page's "save as image": the hexagons, outlines and place names of the current view as a PNG,
drawn offline with matplotlib (no tiles, no network, no browser screenshot).

Why server-side: the image must come from exactly what the page shows (the same colours, classes and
public-safe hexagons) and be ready before the download button is drawn, so it arrives on the first
click. Drawn in British National Grid metres, so hexagons keep their shape.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from textwrap import fill

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from shapely.geometry.base import BaseGeometry  # noqa: E402

import config  # noqa: E402
from briefing.text import for_matplotlib  # noqa: E402
from geo import crs  # noqa: E402
from geo.boundaries import Wards  # noqa: E402

DPI = 130
SIZE_IN = (10.0, 8.0)
#: Map padding around the area shown, as a share of its size.
PAD = 0.04
#: Characters per line of the notes under the map.
NOTE_CHARS = 150


@dataclass(frozen=True)
class MapImage:
    """What one saved map shows (coordinates lon/lat)."""

    title: str
    subtitle: str
    #: hexagon features as the page draws them (``properties.style.fillColor``)
    hexagons: Sequence[dict]
    area: BaseGeometry
    #: the chosen district or ward, outlined; None for the whole borough
    selected: BaseGeometry | None
    #: (colour, label) per colour class, and the classification in words
    legend: Sequence[tuple[str, str]]
    legend_title: str
    #: lines under the map: coverage, public note, synthetic label
    notes: Sequence[str] = ()


def _bng(rings: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Lon/lat rings in British National Grid metres, reprojected in one call (one per ring is slow)."""
    if not rings:
        return []
    allxy = np.concatenate(rings)
    x, y = crs.to_bng(allxy[:, 0], allxy[:, 1])
    out, start = [], 0
    for ring in rings:
        out.append(np.column_stack((x[start : start + len(ring)], y[start : start + len(ring)])))
        start += len(ring)
    return out


def _rings(geom: BaseGeometry) -> list[np.ndarray]:
    parts = getattr(geom, "geoms", [geom])
    return [np.asarray(p.exterior.coords) for p in parts if not p.is_empty]


def _overlaps(box, kept) -> bool:
    return any(box.overlaps(other) for other in kept)


def map_png(image: MapImage, wards: Wards, places: Sequence[config.Place] = ()) -> bytes:
    """The PNG bytes of ``image`` over the ward and district outlines, with the names of the places
    inside the view (towns first; a name that would overlap one already written is left out)."""
    fig = plt.figure(figsize=SIZE_IN, dpi=DPI)
    fig.text(0.02, 0.975, for_matplotlib(image.title, 90), fontsize=14, fontweight="bold", va="top")
    fig.text(0.02, 0.94, for_matplotlib(image.subtitle, 140), fontsize=9, va="top")
    ax = fig.add_axes((0.01, 0.1, 0.72, 0.82))
    hexagons = [np.asarray(f["geometry"]["coordinates"][0], dtype=float) for f in image.hexagons]
    colours = [f["properties"]["style"]["fillColor"] for f in image.hexagons]
    ax.add_collection(PolyCollection(_bng(hexagons), facecolors=colours, edgecolors="white", linewidths=0.3))
    ward_rings = _bng([r for g in wards.geometries for r in _rings(g)])
    ax.add_collection(PolyCollection(ward_rings, facecolors="none", edgecolors="#4d4d4d", linewidths=0.5))
    district_rings = _bng([r for g in wards.district_geometries.values() for r in _rings(g)])
    ax.add_collection(PolyCollection(district_rings, facecolors="none", edgecolors="#1a1a1a", linewidths=1.4))
    if image.selected is not None:
        selected = _bng(_rings(image.selected))
        ax.add_collection(PolyCollection(selected, facecolors="none", edgecolors="#1f4e79", linewidths=2.4))
    shown = image.selected if image.selected is not None else image.area
    minx, miny = crs.to_bng(np.array([shown.bounds[0]]), np.array([shown.bounds[1]]))
    maxx, maxy = crs.to_bng(np.array([shown.bounds[2]]), np.array([shown.bounds[3]]))
    dx, dy = (maxx[0] - minx[0]) * PAD, (maxy[0] - miny[0]) * PAD
    ax.set_xlim(minx[0] - dx, maxx[0] + dx)
    ax.set_ylim(miny[0] - dy, maxy[0] + dy)
    ax.set_aspect("equal")
    ax.set_axis_off()
    local = image.selected is not None
    renderer = fig.canvas.get_renderer()
    kept = []
    for place in sorted(places, key=lambda p: config.PLACE_KINDS.index(p.kind)):
        if place.kind != "town" and not local:
            continue  # as on the page: smaller places only once zoomed in
        x, y = crs.to_bng(np.array([place.lon]), np.array([place.lat]))
        if not (minx[0] <= x[0] <= maxx[0] and miny[0] <= y[0] <= maxy[0]):
            continue
        town = place.kind == "town"
        label = ax.text(
            x[0],
            y[0],
            for_matplotlib(place.name, 40),
            ha="center",
            va="center",
            clip_on=True,
            fontsize=9 if town else 7.5,
            fontweight="bold" if town else "normal",
            color="#1a1a1a",
            bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.8},
        )
        extent = label.get_window_extent(renderer)
        if _overlaps(extent, kept):
            label.remove()
        else:
            kept.append(extent)
    handles = [Patch(facecolor=c, edgecolor="#999", label=label) for c, label in image.legend]
    if handles:
        fig.legend(
            handles=handles,
            title=fill(for_matplotlib(image.legend_title, 60), 30),
            loc="upper left",
            bbox_to_anchor=(0.74, 0.9),
            fontsize=9,
            title_fontsize=9,
            frameon=False,
        )
    notes = [*image.notes, config.BOUNDARY_ATTRIBUTION]
    fig.text(
        0.02,
        0.015,
        "\n".join(fill(for_matplotlib(n, 400), NOTE_CHARS) for n in notes),
        fontsize=7,
        va="bottom",
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 1})
    plt.close(fig)
    return buf.getvalue()
