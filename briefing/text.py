"""Text from data files and user input, made safe to print.

Why: street names, place names and area names come from imported files or from a user typing in the app.
They must appear exactly as written - never interpreted. The PDF writer is used only in plain-text mode
(no markdown, no HTML) and with a page-count alias no data can guess (see :mod:`briefing.pdf`); two
things remain for this module:

* matplotlib treats text between ``$`` signs as mathematics, so a street called ``$x$ Lane`` would be
  typeset as a formula (or fail to draw): :func:`for_matplotlib` escapes the dollar signs;
* a 5,000-character "street name" would fill a page: :func:`clip` shortens any text to a stated maximum
  with an ellipsis, so the reader can see it was cut.
"""

from __future__ import annotations

#: Longest piece of data text printed in a table cell or on a map.
MAX_CHARS = 160


def clip(text: object, limit: int = MAX_CHARS) -> str:
    """``text`` as a string, cut to ``limit`` characters (ending in "…" when cut); control characters
    other than spaces are removed because they print as nothing or as boxes."""
    value = "".join(ch if ch.isprintable() else " " for ch in str(text if text is not None else ""))
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def for_matplotlib(text: object, limit: int = MAX_CHARS) -> str:
    """Clipped text that matplotlib draws literally (dollar signs escaped so no mathtext is parsed)."""
    return clip(text, limit).replace("$", r"\$")
