"""What a page shows when the store or the disk fails, or a settings file under ``data/`` has a mistake:
one clear message per failure, never a traceback.

The failures are classified once, in :mod:`store.errors` (busy, read-only, disk full, damaged); this
module only words their headline and draws them. ``app.py`` runs every page inside :func:`shown`, so a
failure anywhere on any page - opening the store, a cached read, building the demo - ends the page with
the message, and Streamlit's own error box (which would show the exception) is never reached. Anything
not classified is a bug: it is left to Streamlit, which with ``showErrorDetails = "none"``
(``.streamlit/config.toml``) shows a generic message and keeps the details in the server log.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

import config
from config.tables import SettingsError
from store.errors import StoreProblem, classify
from views.common import plain

#: Problem kind -> the headline people see first.
HEADLINES = {
    "busy": "The data store is busy",
    "read-only": "The data store cannot be written",
    "disk full": "The disk is full",
    "damaged": "The data store is damaged",
}


def problem_of(exc: BaseException) -> StoreProblem | None:
    """``exc`` as a :class:`StoreProblem`, or None when it is not a failure people can meet.

    Store code raises StoreProblems itself; a bare OSError (disk full, permission denied) met outside it
    is classified against the real store's path, the one file the app writes."""
    if isinstance(exc, StoreProblem):
        return exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS):
        return classify(exc, config.store_path())
    return None


def message(problem: StoreProblem) -> str:
    """The Markdown message: headline, then the sentence (as plain text, the store named by its file name
    only)."""
    headline = HEADLINES.get(problem.kind, "The data store cannot be used")
    sentence = problem.brief()
    return f"**{headline}.** {plain(sentence[:1].upper() + sentence[1:])}."


def show(problem: StoreProblem, consequence: str | None = None) -> None:
    """Draw the problem as an error box; ``consequence`` (e.g. "nothing was imported") ends the sentence."""
    text = message(problem)
    if consequence:
        text = f"{text[:-1]}; {consequence}."
    st.error(text, icon=":material/error:")


@contextmanager
def shown() -> Iterator[None]:
    """Run a page: a failure people can meet ends it with its message instead of an exception."""
    try:
        yield
    except SettingsError as exc:  # a hand-edited file under data/ with a mistake: say which and where
        st.error(
            f"**A settings file is wrong.** {plain(exc.brief())}. Ask whoever looks after the app's data "
            "files to correct it; until then this page cannot be shown.",
            icon=":material/error:",
        )
    except Exception as exc:
        problem = problem_of(exc)
        if problem is None:
            raise
        show(problem)
