"""Pure rules behind packs, profiles and the scorecard: quarters, targets, RAG, arrows, suppression, text."""

from __future__ import annotations

import csv
from datetime import date

import pandas as pd
import pytest
from matplotlib.font_manager import FontProperties

import config
from briefing.charts import seasonal_profile, wrap_to_width
from briefing.headlines import direction, rag, target_for_period
from briefing.maps import merge_pins, nice_scale_length
from briefing.periods import Quarter, trailing_months
from briefing.suppression import Disclosure, parse_audience
from briefing.text import MAX_CHARS, clip, for_matplotlib
from config.measures import target_from_row
from geo.rates import Change

# ---- quarters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2024Q4", "2024q4", "2024-Q4", " 2024 Q4 "])
def test_quarter_parses_the_usual_spellings(text: str) -> None:
    assert Quarter.parse(text) == Quarter(2024, 4)


@pytest.mark.parametrize("text", ["2024Q5", "2024Q0", "Q4 2024", "2024-10", "", "24Q1"])
def test_quarter_rejects_anything_else_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match="is not a quarter such as 2024Q4"):
        Quarter.parse(text)


def test_quarter_months_and_comparisons_cross_year_ends() -> None:
    q = Quarter(2025, 1)
    assert (q.period.start, q.period.end) == (date(2025, 1, 1), date(2025, 3, 31))
    assert q.previous() == Quarter(2024, 4)
    assert q.same_last_year() == Quarter(2024, 1)
    assert Quarter(2024, 4).period.end == date(2024, 12, 31)
    assert Quarter(2024, 4).label == "Q4 2024 (Oct to Dec 2024)"
    assert Quarter(2024, 4).code == "2024Q4"


def test_trailing_twelve_months() -> None:
    period = trailing_months(date(2025, 9, 1))
    assert (period.start, period.end, period.months) == (date(2024, 10, 1), date(2025, 9, 30), 12)


# ---- targets, RAG and arrows ---------------------------------------------------------------------------


def _target(**row: str):
    base = {"measure": "Thing", "layer": "crime", "categories": "*", "target": "1200", "comparison": "below"}
    return target_from_row(base | row, config.DATA_DIR / "targets.csv", "row 2", config.layer_categories())


def test_every_target_in_the_data_file_parses() -> None:
    parsed = config.targets()
    with open(config.DATA_DIR / "targets.csv", newline="", encoding="utf-8") as f:
        assert len(parsed) == len(list(csv.DictReader(f))) > 0
    ksi = next(t for t in parsed if t.layer == "ksi")
    assert ksi.counts_casualties and ksi.reduction_per_year == 10 and ksi.annual is None
    crime = next(t for t in parsed if t.measure == "Total crime")
    assert crime.whole_layer and crime.annual == 45418
    burglary = next(t for t in parsed if t.measure == "Residential burglary")
    assert burglary.categories == ("Burglary",) and not burglary.whole_layer


def test_target_rows_that_cannot_be_read_say_which_measure() -> None:
    with pytest.raises(ValueError, match="'Thing'"):
        _target(comparison="roughly")
    with pytest.raises(ValueError, match="must be a number"):
        _target(target="lots")
    with pytest.raises(ValueError, match=r"row 2 \('Thing'\): layer must be one of .*, not 'crimes'"):
        _target(layer="crimes")
    wrong = r"categories must be \* or categories of crime .*, not 'Burglary; Arson'"
    with pytest.raises(ValueError, match=wrong):
        _target(categories="Burglary; Arson")
    assert _target(categories="Burglary; Drugs").categories == ("Burglary", "Drugs")


def test_below_target_is_scaled_by_months_and_population_share() -> None:
    t = _target(target="1200")
    assert target_for_period(t, 12, 1.0, None) == pytest.approx(1200)
    assert target_for_period(t, 3, 0.25, None) == pytest.approx(75)  # a quarter of a quarter-sized place
    assert target_for_period(t, 3, None, None) is None  # no population share, no fair target


def test_down_n_a_year_target_is_last_year_minus_the_scaled_reduction() -> None:
    t = _target(target="", comparison="down 10 a year")
    assert target_for_period(t, 12, 1.0, 229) == pytest.approx(219)
    assert target_for_period(t, 3, 0.5, 40) == pytest.approx(40 - 10 * 3 / 12 * 0.5)
    assert target_for_period(t, 12, 1.0, None) is None


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (100, 100, "Green"),
        (90, 100, "Green"),
        (105, 100, "Amber"),
        (105.01, 100, "Red"),
        (None, 100, None),
        (5, None, None),
    ],
)
def test_rag_green_at_or_below_amber_within_margin_red_beyond(value, target, expected) -> None:
    assert rag(value, target, amber_margin_percent=5) == expected


@pytest.mark.parametrize(
    ("current", "previous", "arrow"),
    [
        (103, 100, "→"),
        (97, 100, "→"),
        (104, 100, "↑"),
        (96, 100, "↓"),
        (0, 0, "→"),
        (2, 0, "↑"),
        (5, None, ""),
    ],
)
def test_direction_arrow_has_a_stable_band(current, previous, arrow) -> None:
    assert direction(current, previous, stable_percent=3) == arrow


# ---- suppression ---------------------------------------------------------------------------------------


def test_public_hides_one_to_four_but_shows_zero_and_five() -> None:
    public = Disclosure("public", 5)
    assert [public.count(n) for n in (0, 1, 4, 5, 1234)] == [
        "0",
        "fewer than 5",
        "fewer than 5",
        "5",
        "1,234",
    ]
    assert public.count(None) == "no data"
    partner = Disclosure("partner", 5)
    assert [partner.count(n) for n in (1, 4)] == ["1", "4"]


def test_public_hides_anything_that_would_reveal_a_small_count() -> None:
    public = Disclosure("public", 5)
    assert public.rate(0.1, 3) == "–"  # rate x population = count
    assert public.change(Change(3, 10)) == "not shown (small numbers)"
    assert public.change(Change(10, 3)) == "not shown (small numbers)"
    assert public.direction("↓", 3, 10) == ""
    assert public.figure(1.2, 4) == "fewer than 5"
    assert not public.shows_cell(4) and public.shows_cell(5)
    assert public.change(Change(12, 10)) == "↑\u00a020.0% (from\u00a010)"  # the map's words
    assert public.change(Change(12, 10)) == Change(12, 10).text
    assert public.change(Change(5, 0)) == "↑\u00a0from\u00a00"  # nothing before is not a small number
    assert public.change(Change(3, 0)) == "not shown (small numbers)"
    assert public.change(Change(0, 0)) == "→ none in either period"
    assert public.change(Change(7, None)) == "no data for the previous period"
    assert public.change(None) == "no data"
    partner = Disclosure("partner", 5)
    assert partner.change(Change(3, 10)) == "↓\u00a070.0% (from\u00a010)"
    assert partner.change(Change(3, 3)) == "→\u00a0no change (both\u00a03)"
    # a total beside its parts: 247 minus the parts shown would give a hidden 1 away
    assert public.total(247, [213, 25, 8, 1, 0]) == "not shown"
    assert public.total(247, [213, 25, 9, 0]) == "247"
    assert partner.total(247, [213, 25, 8, 1, 0]) == "247"
    assert partner.shows_cell(1)


def test_markings_and_audience_parsing() -> None:
    assert Disclosure("partner").marking == "Partner — OFFICIAL"
    assert Disclosure("public").marking == "Public"
    assert parse_audience(" Public ") == "public"
    with pytest.raises(ValueError, match="audience"):
        parse_audience("press")


# ---- text ----------------------------------------------------------------------------------------------


def test_clip_keeps_text_as_written_but_bounded() -> None:
    assert clip("<b>Main</b> Street") == "<b>Main</b> Street"
    assert clip("a\tb\nc\x00d") == "a b c d"
    long = "x" * 500
    assert len(clip(long)) == MAX_CHARS and clip(long).endswith("…")
    assert clip(None) == ""


def test_matplotlib_text_escapes_dollar_signs() -> None:
    assert for_matplotlib("$x^2$ Lane") == r"\$x^2\$ Lane"


# ---- charts and maps -----------------------------------------------------------------------------------


def test_seasonal_profile_averages_whole_years_only() -> None:
    months = pd.date_range("2022-10-01", periods=30, freq="MS")  # 2.5 years: the oldest 6 months are dropped
    values = pd.Series([100.0] * 6 + [m.month for m in months[6:]], index=months)
    profile = seasonal_profile(values)
    assert profile == {m: float(m) for m in range(1, 13)}
    assert seasonal_profile(values.iloc[:11]) == {}


@pytest.mark.parametrize(("span", "length"), [(12_000, 2000), (30_000, 5000), (4_000, 500), (900, 100)])
def test_scale_bar_lengths_are_round(span: float, length: float) -> None:
    assert nice_scale_length(span) == length


def test_action_day_pins_that_would_overlap_share_one_pin() -> None:
    # 4 and 7 about 11 m apart (one pin "4, 7"); 9 about 1 km away keeps its own
    pins = merge_pins([(7, 53.6450, -1.7800), (9, 53.6540, -1.7800), (4, 53.6451, -1.7800)], within_m=50)
    assert [label for label, _, _ in pins] == ["4, 7", "9"]
    assert len(merge_pins([(1, 53.645, -1.78), (2, 53.6451, -1.78)], within_m=5)) == 2


def test_panel_titles_wrap_to_the_panel_width() -> None:
    font = FontProperties(family="DejaVu Sans", weight="bold", size=6.5)
    assert wrap_to_width("Anti-social behaviour", font, 73) == "Anti-social\nbehaviour"  # ward profile panel
    assert wrap_to_width("Anti-social behaviour", font, 240) == "Anti-social behaviour"  # a pack's wide panel
    assert wrap_to_width("Crime", font, 10) == "Crime"  # one word stays whole
