"""``data/action_presets.toml`` read into typed, checked action-day defaults and presets.

Why: planners change the presets (what each counts, how much and why) and the picker's defaults in the
file. :mod:`geo.action_days`, the page, the packs and the ``action-days`` command take these frozen
settings, so each value is checked once, here: a preset weighting a layer or category that does not
exist would otherwise rank places on nothing, without a word.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from config.tables import Table, read_toml
from config.vocabulary import RESOLUTIONS


@dataclass(frozen=True)
class Weight:
    """How much one incident of a layer (or of one of its categories) counts towards a place's score."""

    layer: str
    category: str | None
    weight: float
    #: why the preset counts this, in plain English (shown beside the weight on the page and in the PDF);
    #: words, not part of what is counted, so two weights counting the same are equal whatever their why
    why: str = field(default="", compare=False)


@dataclass(frozen=True)
class Preset:
    id: str
    label: str
    description: str
    weights: tuple[Weight, ...]


@dataclass(frozen=True)
class PickerDefaults:
    resolution: int
    window_months: int
    n: int
    min_distance_m: float
    #: the automatic window is the shortest holding at least this many incidents that count
    enough_incidents: int


@dataclass(frozen=True)
class ActionPresets:
    """Everything in ``data/action_presets.toml``."""

    picker: PickerDefaults
    #: preset id -> preset, in file order (the order the page and the command offer them)
    presets: Mapping[str, Preset]


def _weight(entry: Table, categories: Mapping[str, Collection[str]]) -> Weight:
    entry.only("layer", "category", "weight", "why")
    layer = entry.one_of("layer", tuple(categories))
    category = entry.one_of("category", tuple(categories[layer]), default=None)
    return Weight(layer, category, entry.number("weight", 0, 1000), entry.text("why", ""))


def _preset(pid: str, presets: Table, categories: Mapping[str, Collection[str]]) -> Preset:
    spec = presets.table(pid)
    spec.only("label", "description", "weights")
    return Preset(
        id=pid,
        label=spec.text("label"),
        description=spec.text("description", ""),
        weights=tuple(_weight(w, categories) for w in spec.tables("weights", "weight")),
    )


def read(path: Path, categories: Mapping[str, Collection[str]]) -> ActionPresets:
    """The defaults and presets of the file at ``path``; ``categories`` is each layer's categories
    (``data/layers.toml``), which the weights must name. A wrong value is a ValueError naming the file
    and the key."""
    top = read_toml(path)
    top.only("picker", "presets")
    picker = top.table("picker")
    picker.only("resolution", "window_months", "n", "min_distance_m", "enough_incidents")
    presets = top.table("presets")
    if not presets.raw:
        top.fail("presets", "a table with at least one preset", {})
    return ActionPresets(
        picker=PickerDefaults(
            resolution=picker.one_of("resolution", RESOLUTIONS),
            window_months=picker.whole("window_months", 1, 120),
            n=picker.whole("n", 1),
            # the bounds of the page's distance box, so the default it offers is always one it accepts
            min_distance_m=picker.number("min_distance_m", 0, 5000),
            enough_incidents=picker.whole("enough_incidents", 0),
        ),
        presets={pid: _preset(pid, presets, categories) for pid in presets.raw},
    )
