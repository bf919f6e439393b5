"""The bundled gazetteer (data/places.csv, parsed by config.places) and the Map page's search (geo.search)."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
import shapely

import config
from geo.search import PLACE_HALF_SIDE_M, box, cell_at, find, padded, place_in
from layers.wards import shipped_wards

STREET_COLUMNS = ["street", "ward_code", "n", "lat", "lon", "min_lat", "max_lat", "min_lon", "max_lon"]


def test_every_place_lies_inside_kirklees_and_names_are_unique() -> None:
    places = config.places()
    assert len(places) >= 30
    wards = shipped_wards()
    outside = [p.name for p in places if not wards.area.contains(shapely.Point(p.lon, p.lat))]
    assert outside == []
    assert len({p.name for p in places}) == len(places)
    assert {p.kind for p in places} <= set(config.PLACE_KINDS)


def test_well_known_places_fall_in_their_own_ward() -> None:
    """A handful of towns named after their ward must land in it (a swapped latitude/longitude or a typo
    in a digit would move them kilometres)."""
    wards = shipped_wards()
    by_name = {p.name: p for p in config.places()}
    for name, ward in [
        ("Mirfield", "Mirfield"),
        ("Cleckheaton", "Cleckheaton"),
        ("Golcar", "Golcar"),
        ("Heckmondwike", "Heckmondwike"),
        ("Kirkburton", "Kirkburton"),
        ("Lindley", "Lindley"),
        ("Denby Dale", "Denby Dale"),
        ("Dalton", "Dalton"),
        ("Almondbury", "Almondbury"),
    ]:
        place = by_name[name]
        index = wards.assign(np.array([place.lat]), np.array([place.lon]))[0]
        assert wards.names[index] == ward, name


def test_a_bad_gazetteer_row_is_one_sentence_naming_the_file(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "places.csv").write_text(
        "name,lat,lon,kind\nHolmfirth,53.571,-1.787,town\nNowhere,north,1,hamlet\n"
    )
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    config.places.cache_clear()
    try:
        with pytest.raises(
            ValueError, match=r"places\.csv: row 3 must have a name, a latitude and longitude"
        ):
            config.places()
    finally:
        config.places.cache_clear()


def test_search_finds_wards_then_places_then_streets() -> None:
    wards = shipped_wards()
    streets = pd.DataFrame(
        [("Dalton Bank Road", "E05001396", 12, 53.66, -1.75, 53.659, 53.661, -1.752, -1.748)],
        columns=STREET_COLUMNS,
    )
    found = find("dalton", wards, config.places(), streets)
    assert [m.label for m in found] == [
        "Dalton (ward)",
        "Dalton (suburb)",
        "Dalton Bank Road, Dalton (street)",
    ]
    ward = wards.geometries[list(wards.names).index("Dalton")]
    assert found[0].bounds == ward.bounds
    # a suburb: 600 m either side of its centre, i.e. 1.2 km tall (0.0108 degrees of latitude)
    west, south, east, north = found[1].bounds
    assert north - south == pytest.approx(2 * PLACE_HALF_SIDE_M["suburb"] / 111_320)
    # a short street is shown with at least 250 m either side
    assert found[2].bounds[3] - found[2].bounds[1] == pytest.approx(500 / 111_320)
    assert find("   ", wards, config.places(), streets) == []


def test_public_search_offers_only_streets_with_enough_records_in_a_fixed_box() -> None:
    wards = shipped_wards()
    streets = pd.DataFrame(
        [
            ("Mill Lane", "E05001396", 4, 53.66, -1.75, 53.6601, 53.6602, -1.7501, -1.7502),
            ("Mill Street", "E05001396", 9, 53.6612, -1.7488, 53.66, 53.67, -1.76, -1.74),
        ],
        columns=STREET_COLUMNS,
    )
    found = find("mill", wards, (), streets, public_min_records=5)
    assert [m.label for m in found] == ["Mill Street, Dalton (street)"]
    # centred on the street's middle rounded to 3 decimals (about 100 m), 1 km across: not its records' extent
    assert found[0].bounds == pytest.approx(box(53.661, -1.749, 500))


def test_padded_keeps_large_bounds_and_grows_small_ones() -> None:
    big = (-1.8, 53.6, -1.7, 53.7)
    assert padded(big) == big
    lon, lat = -1.75, 53.65
    assert padded((lon, lat, lon, lat)) == pytest.approx(box(lat, lon, 250))


def test_a_click_finds_its_hexagon_and_the_place_whose_name_is_drawn_in_it() -> None:
    holmfirth = next(p for p in config.places() if p.name == "Holmfirth")
    cell = cell_at(holmfirth.lat, holmfirth.lon, 9)
    assert h3.int_to_str(cell) == h3.latlng_to_cell(holmfirth.lat, holmfirth.lon, 9)
    assert place_in(cell, 9, config.places()) == holmfirth
    # a hexagon two rings away holds no place of the gazetteer (the nearest, Honley, is 3 km off)
    far = h3.str_to_int(sorted(h3.grid_ring(h3.int_to_str(cell), 2))[0])
    assert place_in(far, 9, config.places()) is None
    # a town and a suburb in one hexagon: the town names it
    town = config.Place("Town", holmfirth.lat, holmfirth.lon, "town")
    suburb = config.Place("Suburb", holmfirth.lat, holmfirth.lon, "suburb")
    assert place_in(cell, 9, (suburb, town)) == town
