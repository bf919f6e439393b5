"""What the app's server does once, at start-up, before it answers anyone (see ``serve.py``).

Why: the first person to open the app used to wait for Python to import the Map page's libraries -
pandas, folium and its templates, altair, the app's own modules - about two seconds of a first paint
that should take under three. Imported here, before the server listens, that cost is paid while nobody
is waiting, and every page run after finds the modules loaded.

``streamlit_folium`` is the one module left out, on purpose: it declares the map component, and
Streamlit registers a component only when it is declared during a page run. Imported here, the map
would stay blank (its component files answer "not found"); it costs a tenth of a second on the first
run instead.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

#: The modules the Map page's first run needs (it is the page people open first), beyond those these
#: import themselves: the pages' modules, and libraries they import only when drawing.
FIRST_PAGE_MODULES = (
    "views.access",
    "views.common",
    "views.layout",
    "views.map_page",
    "views.map_tools",
    "views.maps",
    "views.offline_assets",
    "views.problems",
    "store.db",
    "folium.plugins",
    "streamlit.emojis",
)

#: Must not be imported before a page run declares it (see the module docstring).
COMPONENT_MODULE = "streamlit_folium"


def prepare() -> None:
    """Import everything the first page needs except the map component, then freeze what was loaded.

    Streamlit collects garbage after every page run (``runner.postScriptGC``); a full collection walks
    every object in the process, and the libraries alone hold hundreds of thousands that live as long as
    the server. :func:`gc.freeze` sets them aside, so that pause (a quarter of a second, while the
    browser waited for the map's files) only walks what page runs create.
    """
    for name in FIRST_PAGE_MODULES:
        importlib.import_module(name)
    if COMPONENT_MODULE in sys.modules:
        raise RuntimeError(f"{COMPONENT_MODULE} was imported at start-up: the map would never show")
    # The first element a process draws has Streamlit check how it was started by asking ``inspect`` for
    # the source of every frame on the stack, which maps the file of every loaded module to it once: a
    # tenth to a third of a second with the libraries above loaded. Mapped here, later lookups are cheap.
    inspect.getmodule(sys._getframe())
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def warm_up(_app: Any) -> AsyncIterator[None]:
    """``st.App`` lifespan: :func:`prepare` before the server starts listening."""
    prepare()
    yield
