"""The app's server: ``streamlit run serve.py`` (``./dev app`` does this) serves ``app.py``.

It is ``app.py`` with one difference: the modules the first page needs are imported at start-up, before
the server answers (:mod:`views.startup`), so the first person to open the Map does not wait for them.
``streamlit run app.py`` still works and serves the same app, only with a slower first page.
"""

import streamlit as st

from views.startup import warm_up

app = st.App("app.py", lifespan=warm_up)
