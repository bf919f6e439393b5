"""What the map draws: hexagon features and colour classes, simplified outlines, escaped names."""

from __future__ import annotations

import html

import h3
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon, box, shape

from geo.boundaries import Wards
from geo.classes import HEADTAIL, Classes
from geo.grid import StudyGrid, study_grid
from geo.hexgrid import cell_ring
from geo.mapdata import (
    BOUNDARY_TOLERANCE_DEG,
    COORD_DECIMALS,
    HEX_PALETTE,
    area_features,
    hex_layer,
    map_resolution,
    palette_for,
    ward_features,
)
from layers.wards import shipped_wards


def test_resolution_is_coarse_for_the_borough_and_fine_for_a_place() -> None:
    assert map_resolution(local=False, borough_resolution=8, local_resolution=9) == 8
    assert map_resolution(local=True, borough_resolution=8, local_resolution=9) == 9


def test_palette_runs_from_pale_to_dark() -> None:
    assert palette_for(0) == []
    assert palette_for(1) == [HEX_PALETTE[-1]]
    assert palette_for(2) == [HEX_PALETTE[0], HEX_PALETTE[-1]]
    assert palette_for(len(HEX_PALETTE)) == list(HEX_PALETTE)


def test_cell_ring_is_the_closed_h3_hexagon() -> None:
    cell = h3.latlng_to_cell(53.6458, -1.7850, 9)
    ring = cell_ring(h3.str_to_int(cell), 5)
    assert len(ring) == 7 and ring[0] == ring[-1]
    poly = Polygon(ring)
    lat, lng = h3.cell_to_latlng(cell)
    assert poly.contains(shapely.Point(lng, lat))
    corners = {(round(lng, 5), round(lat, 5)) for lat, lng in h3.cell_to_boundary(cell)}
    assert {tuple(p) for p in ring} == corners


def _cell(lat: float, lng: float, res: int = 9) -> int:
    return h3.str_to_int(h3.latlng_to_cell(lat, lng, res))


def _grid(cells: dict[int, tuple[str, str]], res: int = 9) -> StudyGrid:
    """A hand-made study grid: cell -> (ward name, district)."""
    order = sorted(cells)
    return StudyGrid(
        res=res,
        cells=np.array(order, dtype=np.uint64),
        ward_codes=np.array([f"W{i}" for i in range(len(order))], dtype=object),
        ward_names=np.array([cells[c][0] for c in order], dtype=object),
        districts=np.array([cells[c][1] for c in order], dtype=object),
        inside_share=np.ones(len(order)),
    )


def test_hex_layer_counts_per_layer_names_cells_by_the_grid_and_escapes_names() -> None:
    a, b = _cell(53.6458, -1.7850), _cell(53.6900, -1.6300)
    outside = _cell(53.0, -1.0)  # not in the grid: stored under other boundaries
    grid = _grid({a: ("Almond <b>bury</b>", "Huddersfield & Co"), b: ("Ashbrow", "Huddersfield")})
    counts = pd.DataFrame(
        [(a, "crime", 11), (a, "asb", 2), (b, "crime", 6), (outside, "crime", 1)],
        columns=["h3_r9", "layer", "n"],
    )
    classes = Classes(HEADTAIL, (1, 5, 10))  # fixed by the page for the whole borough, not from these
    layer = hex_layer(
        counts, cell_column="h3_r9", layer_ids=("crime", "asb", "ksi"), grid=grid, classes=classes
    )
    props = {f["properties"]["total"]: f["properties"] for f in layer.geojson["features"]}
    assert set(props) == {13, 6, 1}
    assert (props[13]["crime"], props[13]["asb"], props[13]["ksi"]) == (11, 2, 0)
    assert props[13]["ward"] == "Almond &lt;b&gt;bury&lt;/b&gt;"
    assert props[13]["district"] == "Huddersfield &amp; Co"
    assert (props[6]["ward"], props[6]["district"]) == ("Ashbrow", "Huddersfield")
    assert (props[1]["ward"], props[1]["district"]) == ("-", "-")
    assert all(p["kind"] == "hex" for p in props.values())
    # the given classes colour 1, 6 and 13 palest to darkest, whatever the counts drawn
    assert [props[n]["style"]["fillColor"] for n in (1, 6, 13)] == [
        HEX_PALETTE[0],
        HEX_PALETTE[2],
        HEX_PALETTE[4],
    ]
    assert layer.legend == [(HEX_PALETTE[0], "1–4"), (HEX_PALETTE[2], "5–9"), (HEX_PALETTE[4], "10 or more")]
    for feature in layer.geojson["features"]:
        assert feature["geometry"]["type"] == "Polygon" and len(feature["geometry"]["coordinates"][0]) == 7


def test_hex_layer_names_a_hexagon_after_the_ward_holding_its_centre() -> None:
    """The Map page's rule is the Hotspots page's (geo.grid): centre first, whatever the counts say."""
    wards = shipped_wards()
    grid = study_grid(wards, 9, district="Huddersfield")
    counts = pd.DataFrame({"h3_r9": grid.cells, "layer": "crime", "n": 1})
    one_class = Classes(HEADTAIL, (1,))
    layer = hex_layer(counts, cell_column="h3_r9", layer_ids=("crime",), grid=grid, classes=one_class)
    shown = [f["properties"]["ward"] for f in layer.geojson["features"]]
    lat, lon = grid.centres
    holder = wards.assign(lat, lon)
    # centres in a Huddersfield ward (an edge cell centred outside goes to the nearest ward of the area)
    inside = (holder >= 0) & (np.asarray(wards.districts, dtype=object)[holder] == "Huddersfield")
    assert inside.sum() > 0.8 * len(grid)
    expected = np.array([html.escape(n) for n in np.asarray(wards.names, dtype=object)[holder[inside]]])
    assert (np.asarray(shown, dtype=object)[inside] == expected).all()


def test_hex_layer_of_nothing_is_empty() -> None:
    empty = pd.DataFrame(columns=["h3_r8", "layer", "n"])
    layer = hex_layer(
        empty, cell_column="h3_r8", layer_ids=("crime",), grid=_grid({}), classes=Classes(HEADTAIL, (1,))
    )
    assert layer.geojson["features"] == []


def test_outlines_are_simplified_close_to_the_real_boundaries() -> None:
    wards = shipped_wards()
    drawn = ward_features(wards)
    assert len(drawn["features"]) == len(wards) == 23
    original_vertices = sum(shapely.get_num_coordinates(g) for g in wards.geometries)
    drawn_vertices = sum(shapely.get_num_coordinates(shape(f["geometry"])) for f in drawn["features"])
    assert drawn_vertices < original_vertices
    for feature, geom in zip(drawn["features"], wards.geometries, strict=True):
        assert shapely.hausdorff_distance(shape(feature["geometry"]), geom) < 2 * BOUNDARY_TOLERANCE_DEG
    districts = area_features(wards.district_geometries, "district")
    assert sorted(f["properties"]["name"] for f in districts["features"]) == [
        "Batley &amp; Spen",
        "Dewsbury &amp; Mirfield",
        "Huddersfield",
        "Rural",
    ]


def test_outline_names_are_escaped() -> None:
    wards = Wards(("X1",), ('<img src=x onerror="alert(1)">',), ("D & D",), (box(0, 0, 1, 1),), "test")
    props = ward_features(wards)["features"][0]["properties"]
    assert props == {
        "kind": "ward",
        "ward": "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;",
        "district": "D &amp; D",
    }


def test_drawn_coordinates_are_rounded_to_about_a_metre() -> None:
    for feature in ward_features(shipped_wards())["features"]:
        coords = shapely.get_coordinates(shape(feature["geometry"]))
        assert np.array_equal(coords, np.round(coords, COORD_DECIMALS))
