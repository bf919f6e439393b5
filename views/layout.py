"""Page layout for every screen the app is shown on, and presentation mode for projectors.

Why: the pages are used on laptops, council desktops and a projector at a ward meeting (often 1024x768).
Streamlit's columns only stack below 640 px, so at 1024 px a map beside its summary was squeezed to a
third of the screen and tables were cut off. One stylesheet (``views/styles/app.css``), injected on every
page from ``app.py``, puts the summary under the map when the page is narrow and lets wide tables scroll
inside their own box; presentation mode adds large type and puts the map first at every width.

Presentation mode is public-safe: while it is on, the session is a public viewer
(:func:`views.access.is_presenting`), so the room sees public figures and no partner-only page, whoever
is signed in. A link with ``present=1`` opens in presentation mode.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

from views import access

STYLES = Path(__file__).resolve().parent / "styles"
#: Address parameter that opens the app in presentation mode (``present=1``).
P_PRESENT = "present"
#: Session key: True once the opening address's ``present`` has been read (it is read once per session).
KEY_PRESENT_READ = "present_link_read"
_YES = ("1", "true", "yes", "on")


@cache
def _stylesheet(name: str) -> str:
    return (STYLES / name).read_text(encoding="utf-8")


def read_presentation_link() -> None:
    """Once per session, before anyone asks who is looking: ``present=1`` in the opening address turns
    presentation mode on. Only ever towards the public view, so an address cannot widen what is shown."""
    if st.session_state.get(KEY_PRESENT_READ):
        return
    st.session_state[KEY_PRESENT_READ] = True
    if st.query_params.get(P_PRESENT, "").strip().lower() in _YES:
        st.session_state[access.KEY_PRESENT] = True


def style_and_switch() -> None:
    """Inject the app's stylesheet (and the presentation one while presenting) and draw the sidebar
    switch for presentation mode; keep ``present=1`` in the address while it is on."""
    st.html(f"<style>{_stylesheet('app.css')}</style>")
    st.sidebar.toggle(
        "Presentation mode",
        key=access.KEY_PRESENT,
        help="For a projector: large type, the map first, and public figures only (small numbers hidden, "
        "no partner-only pages), whoever is signed in.",
    )
    if access.is_presenting():
        st.html(f"<style>{_stylesheet('present.css')}</style>")
        st.query_params[P_PRESENT] = "1"
    elif P_PRESENT in st.query_params:
        del st.query_params[P_PRESENT]
