"""Ward boundaries, districts from the mapping file, and H3 parent derivation."""

from __future__ import annotations

import h3
import numpy as np
import pytest

from config.wards import WardDistrict
from geo.boundaries import detect_ward_columns, normalise_name, wards_from_geojson
from geo.hexgrid import RESOLUTIONS, cell_columns, points_to_cells
from layers.wards import shipped_wards


def test_shipped_wards_are_the_23_kirklees_wards_in_4_districts() -> None:
    wards = shipped_wards()
    assert len(wards) == 23
    assert wards.district_names == ["Batley & Spen", "Dewsbury & Mirfield", "Huddersfield", "Rural"]
    sizes = {d: len(wards.wards_in(d)) for d in wards.district_names}
    assert sizes == {"Batley & Spen": 6, "Dewsbury & Mirfield": 4, "Huddersfield": 7, "Rural": 6}
    minx, miny, maxx, maxy = wards.area.bounds
    assert (round(minx, 3), round(miny, 3), round(maxx, 3), round(maxy, 3)) == (-2.009, 53.52, -1.571, 53.765)


def test_representative_points_from_design_land_in_their_ward() -> None:
    wards = shipped_wards()
    design = {
        "Ashbrow": (53.6772, -1.7733),
        "Mirfield": (53.6741, -1.6894),
        "Colne Valley": (53.6078, -1.9402),
    }
    idx = wards.assign(np.array([p[0] for p in design.values()]), np.array([p[1] for p in design.values()]))
    assert [wards.names[i] for i in idx] == list(design)
    assert wards.assign(np.array([53.80, np.nan]), np.array([-1.55, -1.7])).tolist() == [-1, -1]


def test_year_suffixed_properties_are_detected() -> None:
    assert detect_ward_columns({"WD24CD": "x", "WD24NM": "y", "LAD24CD": "z"}) == ("WD24CD", "WD24NM")
    assert detect_ward_columns({"WD23CD": 1, "WD24CD": 1, "WD23NM": 1, "WD24NM": 1}) == ("WD24CD", "WD24NM")
    with pytest.raises(ValueError, match="LSOA21CD"):
        detect_ward_columns({"LSOA21CD": "E01", "LSOA21NM": "Kirklees 001A"})


def test_districts_follow_the_mapping_by_code_then_by_name() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"WD24CD": "E05999999", "WD24NM": "Batley  EAST"},
                "geometry": square,
            },
            {
                "type": "Feature",
                "properties": {"WD24CD": "E05000001", "WD24NM": "Nowhere"},
                "geometry": square,
            },
        ],
    }
    mapping = [WardDistrict("E05001390", "Batley East", "Batley & Spen")]
    wards = wards_from_geojson(data, source="t", mapping_rows=mapping)
    assert wards.district_by_code == {"E05000001": "Unmapped", "E05999999": "Batley & Spen"}
    assert normalise_name("Crosland Moor & Netherton") == normalise_name("crosland moor and netherton")


def test_each_resolution_is_indexed_from_the_point_not_as_a_parent() -> None:
    rng = np.random.default_rng(1)
    lat, lon = rng.uniform(53.52, 53.76, 500), rng.uniform(-2.0, -1.58, 500)
    lat[:50], lon[:50] = lat[50:100], lon[50:100]  # repeated points (police.uk snaps to shared points)
    cols = cell_columns(lat, lon)
    assert set(cols) == {f"h3_r{r}" for r in RESOLUTIONS}
    for res in RESOLUTIONS:
        expected = [h3.str_to_int(h3.latlng_to_cell(a, b, res)) for a, b in zip(lat, lon, strict=True)]
        assert cols[f"h3_r{res}"].tolist() == expected
    finest = [h3.latlng_to_cell(a, b, 10) for a, b in zip(lat, lon, strict=True)]
    parents = [h3.str_to_int(h3.cell_to_parent(c, 9)) for c in finest]
    assert (cols["h3_r9"] != np.array(parents, dtype=np.uint64)).any()  # the old rule really differed
    assert points_to_cells(np.array([np.nan]), np.array([1.0])).tolist() == [0]
