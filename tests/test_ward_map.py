"""The ward profile's map: the ward's boundary, its hexagons and its hot spots, on the page and on the
one-page PDF, drawn offline.

The map is checked against a planted truth (a map drawn with one hot cell of a known class, and without
it) and against the profile's own hotspot table (a ward whose table lists 99% hot spots shows that colour);
the PDF is read back with pypdf for its images and text.
"""

from __future__ import annotations

import io
from datetime import date

import matplotlib.colors as mcolors
import matplotlib.image as mpimg
import numpy as np
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

import config
from briefing.maps import MapContent, place_map
from briefing.model import PROFILE_MAP_MM
from briefing.packs import PackContext
from briefing.pdf import render_ward_profile
from briefing.ward_profile import build_ward_profile
from geo.gistar import CLASS_COLOURS
from geo.grid import covering_cells
from geo.hexgrid import cell_polygon
from store import Store

#: Hot cells are drawn at 90% opacity over the white ward: the colour a pixel inside one takes.
HOT_ALPHA = 0.9


def pixels_of(png: bytes, colour: str, alpha: float = HOT_ALPHA) -> int:
    """How many pixels of the image are ``colour`` laid at ``alpha`` over white (within rounding)."""
    image = mpimg.imread(io.BytesIO(png), format="png")[..., :3]
    target = alpha * np.array(mcolors.to_rgb(colour)) + (1 - alpha) * np.ones(3)
    return int((np.abs(image - target).max(axis=-1) < 0.02).sum())


@pytest.fixture(scope="module")
def ctx(demo_store: Store) -> PackContext:
    return PackContext.load(demo_store)


def test_a_planted_hot_cell_is_drawn_in_its_class_colour_over_the_ward_grid(ctx: PackContext) -> None:
    wards = ctx.wards
    code = wards.codes[wards.names.index("Greenhead")]
    ward = wards.geometry_of(ward=code)
    res = config.settings()["map"]["local_resolution"]
    cells = [int(c) for c in covering_cells(ward, res)]
    inner = ward.representative_point()
    hot = next(c for c in cells if cell_polygon(c).contains(inner))

    def draw(hot_cells) -> bytes:
        content = MapContent(
            place=ward, wards=wards, place_wards=(code,), hot_cells=hot_cells, grid_cells=cells, title="x"
        )
        return place_map(content, width_in=2.5, height_in=3.5, legend=False)

    with_hot, without = draw([(hot, 3)]), draw([])
    # a cell of about 0.1 km² in a ward of a few km², on a 2.5-inch map at 170 dpi: dozens of pixels
    assert pixels_of(with_hot, CLASS_COLOURS[3]) > 30
    assert pixels_of(without, CLASS_COLOURS[3]) == 0
    # the grid is drawn: its outline colour is on the map (lines: full opacity)
    assert pixels_of(without, "#c4c4c4", alpha=1.0) > 0


def test_the_ward_profile_pdf_shows_the_map_beside_its_tables_on_one_page(ctx: PackContext) -> None:
    profile = build_ward_profile(ctx, "Ashbrow", "partner", date(2025, 11, 25))
    # the demo plants a serious-violence cluster in Ashbrow: the table lists 99% hot spots and so the
    # map shows that colour
    assert any("99%" in h.confidence for h in profile.hotspots.rows)
    assert pixels_of(profile.map_png, CLASS_COLOURS[3]) > 0
    data = render_ward_profile(profile)
    (page,) = PdfReader(io.BytesIO(data)).pages
    images = [
        x for x in page["/Resources"]["/XObject"].values() if x.get_object()["/Subtype"] == "/Image"
    ]
    assert len(images) == 2  # the monthly trend and the map
    shapes = {round(int(x.get_object()["/Width"]) / int(x.get_object()["/Height"]), 2) for x in images}
    width, height = PROFILE_MAP_MM
    assert round(width / height, 2) in shapes
    text = page.extract_text()
    for words in ("Most frequent in the ward", "Hotspots in the ward", "Clear Hold Build areas"):
        assert words in text


def _profile_page() -> None:
    from views import ward_profile_page

    ward_profile_page.render()


def test_the_ward_profile_page_shows_the_ward_map(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    at = AppTest.from_function(_profile_page, default_timeout=240).run()
    assert not at.exception, at.exception
    images = at.get("image")
    captions = [i.proto.imgs[0].caption for i in images if i.proto.imgs]
    assert any("hexagons" in c for c in captions), captions
