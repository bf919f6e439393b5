"""Wherever the weighted displacement quotient appears (the Clear Hold Build page, the packs, the method
page) it is named in words before "WDQ" is used, and explained in a plain-English sentence. The Clear Hold
Build page's table and caption are checked in tests/test_app_chb.py, where an area is designated."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from briefing.packs import PackContext, build_pack
from briefing.pdf import render_pack
from briefing.periods import Quarter
from briefing.places import ward_place
from geo.monitoring import weighted_displacement
from layers.ingest import current_wards
from store import Store
from store import designations as des

SPELT_OUT = "weighted displacement quotient (WDQ)"


def named_in_words(text: str) -> bool:
    """The first "WDQ" in ``text`` (if any) is the one in "weighted displacement quotient (WDQ)": the
    abbreviation is never used before it has been said in words."""
    text = re.sub(r"\s+", " ", text).replace("**", "")
    first, spelt = text.find("WDQ"), text.lower().find(SPELT_OUT.lower())
    return first == -1 or (spelt != -1 and first == spelt + SPELT_OUT.index("WDQ"))


@pytest.mark.parametrize(
    "area, buffer, control",
    [
        ((100, 50), (100, 150), (1000, 1000)),  # crime moved next door
        ((100, 50), (200, 120), (1000, 900)),  # the ring improved too
        ((100, 50), (50, 54), (1000, 1000)),  # the ring's change is within chance
    ],
)
def test_readings_say_the_quotient_in_words(area, buffer, control) -> None:
    reading = weighted_displacement(area, buffer, control)
    assert reading.wdq is not None
    assert "WDQ" not in reading.explanation
    assert "weighted displacement quotient" in reading.explanation


def _method() -> None:
    from views import method_page

    method_page.render()


def test_the_method_page_explains_the_quotient() -> None:
    at = AppTest.from_function(_method, default_timeout=120).run()
    assert not at.exception, at.exception
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    mentions = [t for t in texts if "WDQ" in t]
    assert mentions, "the method page says how displacement is judged"
    for text in mentions:
        assert named_in_words(text), text
        # and what it means: which way is displacement, which way is the benefit spreading
        assert "displacement" in text and "diffusion of benefits" in text


def test_a_pack_with_a_designated_area_explains_the_quotient(demo_store: Store, tmp_path: Path) -> None:
    store = Store(tmp_path / "pack.duckdb")
    shutil.copy(demo_store.path, store.path)
    wards = current_wards(store)
    des.create(
        store,
        name="Ashbrow centre",
        geometry=wards.geometry_of(ward=wards.codes[wards.names.index("Ashbrow")]),
        method="wards",
        phase_starts={"Clear": date(2024, 10, 1)},
        created_by="test",
    )
    ctx = PackContext.load(store)
    pack = build_pack(ctx, ward_place(ctx.wards, "Ashbrow"), Quarter(2025, 3), "partner", date(2025, 11, 25))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pack(pack))).pages)
    flat = re.sub(r"\s+", " ", text)
    assert "weighted displacement quotient" in flat  # the area's reading quotes it
    assert SPELT_OUT in flat and named_in_words(flat)
