"""Each Partnership Plan measure's caveat is printed beside its figure - in the scorecard's main table and
in the row of the pack's headline table - never only inside a collapsed section or the notes at the end.

The reference is the data file itself, read here with the csv module (not through config/ or briefing/),
and the PDF is read back with pypdf, text positions and all."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

import config
from briefing.packs import PackContext, build_pack, district_places
from briefing.pdf import render_pack
from store import Store

VIOLENCE = "Violence with injury"


def written_caveats() -> dict[str, str]:
    with open(config.DATA_DIR / "targets.csv", newline="", encoding="utf-8") as f:
        return {row["measure"]: row["caveat"].strip() for row in csv.DictReader(f)}


def test_the_data_file_gives_the_broader_category_measures_a_caveat() -> None:
    caveats = written_caveats()
    # police.uk has no "violence with injury": the measure counts the whole category and must say so
    assert "violence and sexual offences" in caveats[VIOLENCE].lower()
    # a few words, not a paragraph: a table cell shows about 60 characters whole
    assert all(len(c) <= 60 for c in caveats.values()), caveats


def _scorecard() -> None:
    from views import scorecard_page

    scorecard_page.render()


def test_the_scorecard_table_shows_each_caveat_in_the_row_of_its_figure(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    at = AppTest.from_function(_scorecard, default_timeout=240).run()
    assert not at.exception, at.exception
    table = at.main.table[0].value
    assert dict(zip(table["Measure"], table["Caveat"], strict=True)) == written_caveats()
    violence = table[table["Measure"] == VIOLENCE].iloc[0]
    assert violence["Latest 12 months"].replace(",", "").isdigit()  # the figure the caveat qualifies
    # the table is on the page itself, not folded away
    assert not [t for expander in at.expander for t in (*expander.get("table"), *expander.get("dataframe"))]


def _words(data: bytes) -> list[tuple[str, float, float]]:
    """(text, x, y) of every piece of text on the PDF's pages, page by page (y grows up the page, so a
    later page's y is offset by the page heights before it)."""
    found: list[tuple[str, float, float]] = []
    for i, page in enumerate(PdfReader(io.BytesIO(data)).pages):
        offset = -i * 10_000.0

        def visit(text, cm, tm, font_dict, font_size, offset=offset) -> None:
            if text.strip():
                found.append((text.strip(), tm[4], tm[5] + offset))

        page.extract_text(visitor_text=visit)
    return found


def test_the_pack_prints_the_caveat_in_the_row_of_the_figure(demo_store: Store) -> None:
    ctx = PackContext.load(demo_store)
    pack = build_pack(ctx, district_places(ctx)[0], ctx.default_quarter(), "partner", date(2025, 11, 25))
    words = _words(render_pack(pack))
    labels = [(t, x, y) for t, x, y in words if t.startswith("↳")]
    row = next(i for i, (t, _, _) in enumerate(labels) if VIOLENCE in t)
    _, label_x, top = labels[row]
    bottom = labels[row + 1][2]  # the next row's label: the violence row lies between the two
    violence = next(r for r in pack.headlines.rows if r.label == VIOLENCE)
    figure = f"{violence.count:,}"
    # the count is printed in the row (cells are centred vertically), to the right of the label
    assert any(t == figure and bottom < y <= top and x > label_x for t, x, y in words), figure
    # and the caveat's first words in the same cell as the label, under it, above the next row
    first_words = " ".join(written_caveats()[VIOLENCE].split()[:3])
    below = [(t, y) for t, x, y in words if bottom < y < top and abs(x - label_x) < 5]
    assert any(t.lstrip("(").startswith(first_words) for t, _ in below), below
