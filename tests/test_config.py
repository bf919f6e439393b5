"""config/ reads data/chb.toml and data/action_presets.toml into checked, typed settings (issue 13).

The shipped files are compared with the same files read independently (plain ``tomllib``), and each
kind of mistake a partner could make in them is planted in a copy and must come back as one sentence
naming the file, the key and what was expected - from the reader, and from the command line without a
traceback.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

import config
from store import Store
from tests.import_helpers import run_cli

CHB = config.CHB_FILE
PRESETS = config.ACTION_PRESETS_FILE
ROADS_PART = (
    '{ layer = "ksi", weight = 1, why = "Each collision where someone was killed or seriously injured '
    'counts once." },'
)


def _raw(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def test_the_shipped_chb_file_is_read_as_written() -> None:
    raw, settings = _raw(CHB), config.chb_settings()
    for key, value in raw["candidates"].items():
        assert getattr(settings, key) == value, key
    assert settings.indicators == {layer: tuple(cats) for layer, cats in raw["indicators"].items()}
    mon, read = raw["monitoring"], settings.monitoring
    assert (read.buffer_m, read.before_months) == (mon["buffer_m"], mon["before_months"])
    assert (read.neutral_band, read.confidence) == (mon["wdq_neutral_band"], mon["confidence"])
    assert read.indicators == settings.indicators
    assert len(settings.phases) == len(raw["phases"]) == 5
    for rule, written in zip(settings.phases, raw["phases"], strict=True):
        given = {k: v for k, v in dataclasses.asdict(rule).items() if v is not None}
        assert given == {k: tuple(v) if isinstance(v, list) else v for k, v in written.items()}
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.alpha = 1  # type: ignore[misc]


def test_the_shipped_presets_file_is_read_as_written() -> None:
    raw, read = _raw(PRESETS), config.action_presets()
    assert dataclasses.asdict(read.picker) == raw["picker"]
    assert list(read.presets) == list(raw["presets"]) == ["police", "fire", "environment", "roads"]
    for pid, preset in read.presets.items():
        written = raw["presets"][pid]
        assert (preset.label, preset.description) == (written["label"], written.get("description", ""))
        parts = [(w.layer, w.category, w.weight, w.why) for w in preset.weights]
        assert parts == [
            (w["layer"], w.get("category"), w["weight"], w.get("why", "")) for w in written["weights"]
        ]


#: (text in data/chb.toml, what a partner might write instead, the sentence that must come back)
CHB_MISTAKES = [
    (
        "alpha = 0.05",
        'alpha = "0.05"',
        r"\[candidates\] alpha must be a number from 0\.001 to 0\.5, not '0\.05'",
    ),
    ("resolution = 9", "resolution = 11", r"\[candidates\] resolution must be one of 7, 8, 9, 10, not 11"),
    (
        'slice = "quarter"',
        'slice = "week"',
        r"\[candidates\] slice must be one of 'month', 'quarter', not 'week'",
    ),
    (
        "trend_slices = 6",
        "trend_slices = 20",
        r"\[candidates\] trend_slices must be a whole number from 2 to 12",
    ),
    (
        "min_count = 150\n",
        "",
        r"\[candidates\] min_count must be a whole number .*, but the file does not give it",
    ),
    ('"Robbery"]', '"Robery"]', r"\[indicators\] crime must be a list of 'Violence .*, not \['Robery'\]"),
    ("crime = [", "crimes = [", r"\[indicators\] may only have crime, asb, .*, not crimes"),
    (
        "hot_recently = false",
        "hot_recenty = false",
        r"\[\[phases\]\] rule 5 may only have .*, not hot_recenty",
    ),
    (
        "hot_latest = true",
        'hot_latest = "yes"',
        r"\[\[phases\]\] rule 3 hot_latest must be true or false, not 'yes'",
    ),
    (
        'phase = "Build"',
        'phase = " "',
        r"\[\[phases\]\] rule 5 phase must be text in quotes that is not blank",
    ),
    ("buffer_m = 500", "buffer_m = 5", r"\[monitoring\] buffer_m must be a number from 50 to 3000, not 5"),
    (
        "confidence = 0.95",
        "confidence = 95",
        r"\[monitoring\] confidence must be a number from 0\.5 to 0\.999",
    ),
    ("k = 1", "k =", r"is not a valid TOML file"),
]

#: the same for data/action_presets.toml
PRESET_MISTAKES = [
    ("resolution = 9", 'resolution = "9"', r"\[picker\] resolution must be one of 7, 8, 9, 10, not '9'"),
    (
        "min_distance_m = 400",
        "min_distance_m = -1",
        r"\[picker\] min_distance_m must be a number from 0 to 5000",
    ),
    ("n = 10", "n = 0", r"\[picker\] n must be a whole number of at least 1, not 0"),
    (
        '{ layer = "ksi"',
        '{ layer = "KSI"',
        r"\[presets\.roads\] weight 1 layer must be one of 'crime', .*, not 'KSI'",
    ),
    (
        'category = "Drugs"',
        'category = "Drug"',
        r"\[presets\.police\] weight 2 category must be one of .*, not 'Drug'",
    ),
    (
        "weight = 2, why",
        "weight = -2, why",
        r"\[presets\.police\] weight 3 weight must be a number from 0 to 1000",
    ),
    (
        'label = "Fire"',
        'lable = "Fire"',
        r"\[presets\.fire\] may only have label, description, weights, not lable",
    ),
    (ROADS_PART, "", r"\[presets\.roads\] weights must be a list of one or more tables, not \[\]"),
]

Reader = Callable[[Path, dict], object]


def _planted(tmp_path: Path, shipped: Path, old: str, new: str) -> Path:
    """A copy of ``shipped`` in ``tmp_path`` with the first ``old`` replaced by ``new``."""
    text = shipped.read_text(encoding="utf-8")
    assert old in text, f"the planted mistake needs {old!r} in {shipped.name}"
    edited = tmp_path / shipped.name
    edited.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edited


@pytest.mark.parametrize(
    ("reader", "shipped", "old", "new", "message"),
    [(config.chb.read, CHB, *case) for case in CHB_MISTAKES]
    + [(config.action_days.read, PRESETS, *case) for case in PRESET_MISTAKES],
)
def test_a_mistake_in_the_file_is_one_sentence_naming_the_file_and_the_key(
    tmp_path: Path, reader: Reader, shipped: Path, old: str, new: str, message: str
) -> None:
    edited = _planted(tmp_path, shipped, old, new)
    with pytest.raises(ValueError) as caught:
        reader(edited, config.layer_categories())
    sentence = str(caught.value)
    assert sentence.startswith(f"{edited}: ") and "\n" not in sentence, sentence
    assert re.search(message, sentence), sentence


@pytest.fixture
def planted_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Point config at a copy of a data file with a mistake planted, and forget the cached settings."""

    def plant(attribute: str, old: str, new: str) -> Path:
        edited = _planted(tmp_path, getattr(config, attribute), old, new)
        monkeypatch.setattr(config, attribute, edited)
        return edited

    config.chb_settings.cache_clear()
    config.action_presets.cache_clear()
    yield plant
    monkeypatch.undo()
    config.chb_settings.cache_clear()
    config.action_presets.cache_clear()


def test_the_command_line_says_the_sentence_not_a_traceback(
    planted_settings, empty_store: Store, capsys: pytest.CaptureFixture
) -> None:
    # action-days reads its option defaults from the presets file while its options are being set up
    edited = planted_settings("ACTION_PRESETS_FILE", "n = 10", "n = ten")
    code, out, err = run_cli(capsys, "action-days", "--store", str(empty_store.path))
    assert (code, out) == (1, "")
    assert err.startswith(f"hotspots action-days: {edited}: is not a valid TOML file")
    assert err.count("\n") == 1
    # chb reads its rules once the store is open
    empty_store.set_meta("created", "yes")
    edited = planted_settings("CHB_FILE", "min_cells = 3", "min_cells = 0")
    code, out, err = run_cli(capsys, "chb", "--store", str(empty_store.path))
    assert (code, out) == (1, "")
    assert err == (
        f"hotspots chb: {edited}: [candidates] min_cells must be a whole number of at least 1, not 0\n"
    )



def test_a_page_says_the_sentence_not_a_traceback(
    planted_settings, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Clear Hold Build page with a mistake in chb.toml: one error box naming the file (not its server
    path) and the key, no exception."""
    from streamlit.testing.v1 import AppTest

    planted_settings("CHB_FILE", "min_cells = 3", "min_cells = 0")
    monkeypatch.setenv("HOTSPOTS_STORE", str(demo_store.path))
    page = "from views import common, problems, chb_page\nwith problems.shown():\n    common.ensure_store()\n"
    at = AppTest.from_string(page + "    chb_page.render()\n", default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value.replace("\\", "") for e in at.error] == [  # as read, without Markdown's escapes
        "**A settings file is wrong.** chb.toml: [candidates] min_cells must be a whole number of at "
        "least 1, not 0. Ask whoever looks after the app's data files to correct it; until then this page "
        "cannot be shown."
    ]

def test_the_shipped_ward_files_hold_the_published_figures() -> None:
    """DESIGN section 2: 23 wards in 4 districts (6, 4, 7 and 6 wards), 441,290 residents at mid-2020."""
    districts = config.district_mapping()
    assert len({r.ward_code for r in districts}) == len(districts) == 23
    sizes = {d: sum(r.district == d for r in districts) for d in {r.district for r in districts}}
    assert sizes == {"Batley & Spen": 6, "Dewsbury & Mirfield": 4, "Huddersfield": 7, "Rural": 6}
    people = {r.ward_name: r.population for r in config.default_populations()}
    assert (len(people), sum(people.values())) == (23, 441_290)
    assert (people["Ashbrow"], people["Newsome"], people["Kirkburton"]) == (20_572, 24_262, 16_407)


@pytest.mark.parametrize(
    ("reader", "row", "message"),
    [
        (config.wards.read_districts, {"district": " "}, "a district"),
        (config.wards.read_populations, {"population": "20.5k"}, "a whole number from 1 to 10,000,000"),
        (config.wards.read_populations, {"population": "0"}, "a whole number from 1 to 10,000,000"),
        (config.wards.read_populations, {"basis": ""}, "a basis"),
    ],
)
def test_a_bad_ward_row_is_one_sentence_naming_the_file_and_the_row(reader, row: dict, message: str) -> None:
    good = {"ward_code": "E1", "ward_name": "Golcar", "population": "18000", "year": "2020", "basis": "ONS"}
    good |= {"source": "ONS, OGL v3", "district": "Rural"}
    with pytest.raises(ValueError, match=rf"^wards\.csv: row 3 must have .*{re.escape(message)}"):
        reader([good, good | row], Path("wards.csv"))


#: (the reader, its [section] as a partner might write it, the sentence that must come back)
SETTING_MISTAKES = [
    (config.map_settings, {"map": {"borough_resolution": 6}}, r"\[map\] borough_resolution must be one of"),
    (config.demo_settings, {"demo": {"end_month": "Sep 2025"}}, r"\[demo\] end_month must be a month"),
    (config.demo_settings, {"demo": {"end_month": "2025-09", "years": 0}}, r"\[demo\] years must be a whole"),
    (config.public_min_count, {"suppression": {"public_min_count": "5"}}, r"\[suppression\] public_min"),
]


@pytest.mark.parametrize(("reader", "written", "message"), SETTING_MISTAKES)
def test_a_wrong_app_setting_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch, reader, written: dict, message: str
) -> None:
    monkeypatch.setattr(config, "settings", lambda: written)
    reader.cache_clear()
    try:
        with pytest.raises(ValueError, match=rf"settings\.toml: {message}"):
            reader()
    finally:
        monkeypatch.undo()
        reader.cache_clear()
    assert reader() is not None  # the shipped file reads again


LAYER_MISTAKES = [
    ('colour = "#c0392b"', 'colour = "red"', r'\[layers\.crime\] colour must be a colour written "#rrggbb"'),
    ('"Robbery" = 25', '"Robbery" = "high"', r"\[layers\.crime\.categories\] Robbery must be a number"),
    ('fed_by = "fires"', 'fed_by = "fire"', r"\[layers\.deliberate_fire\] fed_by must be .*, not 'fire'"),
]


@pytest.mark.parametrize(("old", "new", "message"), LAYER_MISTAKES)
def test_a_wrong_layer_colour_weight_or_feed_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, message: str
) -> None:
    _planted(tmp_path, config.DATA_DIR / "layers.toml", old, new)
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    config.layers.cache_clear()
    try:
        with pytest.raises(ValueError, match=message):
            config.layers()
    finally:
        monkeypatch.undo()
        config.layers.cache_clear()
