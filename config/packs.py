"""``data/briefing.toml`` read into typed, checked briefing settings: RAG margin, direction tolerance,
pack sizes and the caveat notes.

Why: the partnership changes how strict the RAG rating is, what a pack holds and how its caveats are
worded without touching code. The packs, the scorecard and their PDF take these frozen settings, so a
preset name that does not exist is refused here, in one sentence, rather than leaving a pack's action
days silently empty.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from pathlib import Path

from config.tables import Table, read_toml


@dataclass(frozen=True)
class PackSettings:
    """``[packs]``: what each briefing pack holds."""

    top_hotspots: int
    #: the Gi* neighbourhood (k rings) of the pack's hot spots
    hotspot_k: int
    #: months of the pack's emerging-hotspot trend
    trend_slices: int
    #: ids of ``data/action_presets.toml`` whose locations the pack lists, in this order
    action_day_presets: tuple[str, ...]
    action_days_per_preset: int
    chart_months: int


@dataclass(frozen=True)
class BriefingSettings:
    """Everything in ``data/briefing.toml``."""

    #: Amber when a figure is above its target by no more than this share (%), Red beyond
    amber_margin_percent: float
    #: the arrow is → when the change is within this share (%)
    stable_percent: float
    packs: PackSettings
    #: (title, text) notes for the end of a pack; the text may hold {threshold} and {threshold_minus_one}
    caveats: tuple[tuple[str, str], ...]


def _caveats(top: Table) -> tuple[tuple[str, str], ...]:
    table = top.table("caveats")
    table.only("notes")
    notes = table.raw.get("notes")

    if not isinstance(notes, list):
        table.fail("notes", 'a list of ["title", "text"] pairs', notes)
    for number, note in enumerate(notes, start=1):
        texts = isinstance(note, list) and all(isinstance(t, str) and t.strip() for t in note)
        if not texts or len(note) != 2:
            table.fail(f"notes entry {number}", 'a ["title", "text"] pair of text that is not blank', note)
    return tuple((title, text) for title, text in notes)


def read(path: Path, presets: Collection[str]) -> BriefingSettings:
    """The settings of the file at ``path``; ``presets`` is the action-day preset ids the packs may name.
    A wrong value is a ValueError naming the file and the key."""
    top = read_toml(path)
    top.only("rag", "direction", "packs", "caveats")
    rag, direction, packs = top.table("rag"), top.table("direction"), top.table("packs")
    rag.only("amber_margin_percent")
    direction.only("stable_percent")
    packs.only(*(f.name for f in fields(PackSettings)))
    chosen = packs.texts("action_day_presets", presets)
    if chosen is None:
        packs.fail("action_day_presets", f"a list of action-day presets ({', '.join(presets)})")
    return BriefingSettings(
        amber_margin_percent=rag.number("amber_margin_percent", 0, 100),
        stable_percent=direction.number("stable_percent", 0, 100),
        packs=PackSettings(
            top_hotspots=packs.whole("top_hotspots", 1, 100),
            hotspot_k=packs.whole("hotspot_k", 0, 5),
            trend_slices=packs.whole("trend_slices", 2, 120),
            action_day_presets=chosen,
            action_days_per_preset=packs.whole("action_days_per_preset", 1, 100),
            chart_months=packs.whole("chart_months", 1, 120),
        ),
        caveats=_caveats(top),
    )
