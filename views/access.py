"""Who is looking, and so what they may see (being written: sign-in, roles and modes, issue 11).

Every page asks :func:`current_audience` which :class:`briefing.suppression.Audience` its figures are for:
"public" outputs are public-safe (small counts hidden, no points), "partner" outputs show full detail.
"""

from __future__ import annotations

from briefing.suppression import Audience


def current_audience() -> Audience:
    """The audience of the person using the app: "partner" for a signed-in partner or analyst (or the one
    analyst of a local install), "public" for everyone else."""
    return "partner"
