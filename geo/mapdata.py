"""Turn counts and boundaries into what a web map draws: hexagon features, colour classes, outlines, view.

Why a separate, pure module: the map page must stay fast and safe, and both are easier to guarantee
(and test) away from Streamlit and folium. Fast: boundaries are simplified and coordinates rounded, so
the browser receives tens of kilobytes, not the survey-grade polygons; incidents are only ever sent as
per-hexagon counts. Safe: every name that came from a data file is HTML-escaped here, because map
tooltips insert feature properties into the page as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo.boundaries import Wards
from geo.classes import Classes
from geo.grid import StudyGrid
from geo.hexgrid import cells_geojson

#: Sequential yellow-orange-red (ColorBrewer YlOrRd, 5 classes): readable for most colour-vision
#: deficiencies and prints well in greyscale; darker = more incidents.
HEX_PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: Simplification tolerance for drawn boundaries, in degrees (about 15-20 m at Kirklees' latitude):
#: invisible at borough and ward zoom, and it cuts the boundary payload several-fold.
BOUNDARY_TOLERANCE_DEG = 0.0002
#: Decimal places kept in drawn coordinates (1e-5 degrees is about 1 m).
COORD_DECIMALS = 5


def map_resolution(*, local: bool, borough_resolution: int, local_resolution: int) -> int:
    """H3 resolution for the map: coarse for the whole borough, finer once narrowed to a district or ward.

    Why two: at borough zoom, small cells are a few pixels wide and turn the map into noise; once a user
    has zoomed into a place, the finer cells show which streets are involved.
    """
    return local_resolution if local else borough_resolution


def palette_for(classes: int, palette: Sequence[str] = HEX_PALETTE) -> list[str]:
    """``classes`` colours spread across the palette, so few classes still run from pale to dark."""
    if classes <= 0:
        return []
    if classes == 1:
        return [palette[-1]]
    idx = np.linspace(0, len(palette) - 1, classes).round().astype(int)
    return [palette[i] for i in idx]


@dataclass(frozen=True)
class HexLayer:
    """Hexagon features for the map with the colour classes used to draw them (for the legend)."""

    geojson: dict
    classes: Classes
    colours: list[str]

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(colour, label) per class, palest first."""
        return list(zip(self.colours, self.classes.labels(), strict=True))


def hex_layer(
    counts: pd.DataFrame,
    *,
    cell_column: str,
    layer_ids: Sequence[str],
    grid: StudyGrid,
    classes: Classes,
    printed: Callable[[int, str], str] | None = None,
) -> HexLayer:
    """Hexagon features from counts per (cell, layer) (column ``n``), one feature per cell.

    Each feature carries the count for every layer in ``layer_ids`` (zeros included, so tooltips line
    up), the total, and the cell's ward and district from the study ``grid`` of the area shown, so a
    hexagon is named by the one rule every page and pack uses (:mod:`geo.grid`: the ward holding the
    cell's centre, else the nearest ward of the area). A cell outside the grid (possible only for
    incidents stored under older boundaries) is named "-". Names are HTML-escaped because the tooltip
    shows them as HTML. ``printed(cell, layer id or "total")`` gives the text a public map prints instead
    of a count (:mod:`geo.public_map`); the colours still follow the counts, in the ``classes`` the page
    fixed for the whole borough (:mod:`geo.classes`), so a filter never rescales them.
    """
    colours = palette_for(len(classes))
    if counts.empty:
        return HexLayer({"type": "FeatureCollection", "features": []}, classes, colours)
    per_layer = (
        counts.groupby([cell_column, "layer"])["n"]
        .sum()
        .unstack("layer")
        .reindex(columns=list(layer_ids))
        .fillna(0)
    ).astype(np.int64)
    totals_arr = per_layer.sum(axis=1).to_numpy()
    fill = [colours[k] for k in classes.of(totals_arr)]
    pos = grid.index_of(per_layer.index.to_numpy(dtype=np.uint64))
    known = pos >= 0
    wards = np.where(known, grid.ward_names[pos], "-")
    districts = np.where(known, grid.districts[pos], "-")
    properties = []
    for i, (cell, layer_counts) in enumerate(
        zip(per_layer.index, per_layer.to_numpy().tolist(), strict=True)
    ):
        shown: dict[str, object] = dict(zip(layer_ids, layer_counts, strict=True))
        shown["total"] = int(totals_arr[i])
        if printed is not None:
            shown = {key: printed(int(cell), key) for key in shown}
        properties.append(
            {
                "kind": "hex",
                "ward": html.escape(str(wards[i])),
                "district": html.escape(str(districts[i])),
                **shown,
                "style": {"fillColor": fill[i]},
            }
        )
    return HexLayer(cells_geojson(per_layer.index, properties, COORD_DECIMALS), classes, colours)


def simplified(geom: BaseGeometry, tolerance: float = BOUNDARY_TOLERANCE_DEG) -> dict:
    """GeoJSON geometry of ``geom`` simplified (topology kept) and rounded, for drawing only."""
    small = shapely.simplify(geom, tolerance, preserve_topology=True)
    return mapping(shapely.transform(small, lambda xy: np.round(xy, COORD_DECIMALS)))


def ward_features(wards: Wards, tolerance: float = BOUNDARY_TOLERANCE_DEG) -> dict:
    """Simplified ward polygons with escaped ward and district names (``kind`` = "ward")."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "ward", "ward": html.escape(name), "district": html.escape(district)},
                "geometry": simplified(geom, tolerance),
            }
            for name, district, geom in zip(wards.names, wards.districts, wards.geometries, strict=True)
        ],
    }


def area_features(
    shapes: Mapping[str, BaseGeometry], kind: str, tolerance: float = BOUNDARY_TOLERANCE_DEG
) -> dict:
    """Simplified named outlines (districts, or a selected area) with escaped names."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": kind, "name": html.escape(name)},
                "geometry": simplified(geom, tolerance),
            }
            for name, geom in shapes.items()
        ],
    }
