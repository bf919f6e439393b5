"""The briefing choices of ``data/briefing.toml`` (parsed by :func:`config.briefing`): RAG margin,
direction tolerance, pack sizes and the caveat notes.

Kept in a data file (like every other threshold in the project) so the partnership can change how
strict the RAG rating is, or reword a caveat, without touching code.
"""

from __future__ import annotations

import config
from config.packs import BriefingSettings


def briefing_settings() -> BriefingSettings:
    """The whole of ``data/briefing.toml``, checked (:func:`config.briefing`)."""
    return config.briefing()


def public_threshold() -> int:
    """Counts below this are hidden in public outputs (``[suppression] public_min_count``)."""
    return config.public_min_count()


def caveats(threshold: int) -> list[tuple[str, str]]:
    """(title, text) notes for the end of a pack, with the suppression threshold filled in."""
    out = []
    for title, text in briefing_settings().caveats:
        out.append(
            (
                title,
                text.replace("{threshold_minus_one}", str(threshold - 1)).replace(
                    "{threshold}", str(threshold)
                ),
            )
        )
    return out
