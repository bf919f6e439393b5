"""No command pays for imports it does not use (issue 13).

Each check runs in a fresh interpreter and reads ``sys.modules`` afterwards, so it sees exactly what the
command or the app's start-up loaded. The heavy libraries named here cost from a few tenths of a second
to a second each to import on the partnership's laptops: SciPy's statistics (Gi*, monitoring), the PDF
writer and its charts, GDAL with GeoPandas (boundary and area files), PySAL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.import_helpers import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("scipy.stats", "matplotlib", "fpdf", "geopandas", "pyogrio", "esda", "libpysal")


def loaded_after(code: str) -> list[str]:
    """The modules of :data:`HEAVY` a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def command_loads(*argv: str) -> list[str]:
    """The heavy modules ``hotspots ARGV`` loads in a fresh interpreter (it must succeed; output hidden)."""
    run = f"import cli\nassert cli.main({list(argv)!r}) == 0"
    return loaded_after(f"import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n    {run}")


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one police.uk month, imported through the command line in a fresh interpreter;
    the import itself must not load GDAL, the PDF writer or the statistics either."""
    path = tmp_path_factory.mktemp("lazy") / "s.duckdb"
    police = FIXTURES / "police-street-2024-06.csv"
    assert command_loads("import", "police-csv", str(police), "--store", str(path)) == []
    return path


def test_summary_loads_no_statistics_pdf_or_gdal(small_store: Path) -> None:
    assert command_loads("summary", "--json", "--store", str(small_store)) == []


def test_import_history_loads_no_statistics_pdf_or_gdal(small_store: Path) -> None:
    assert command_loads("imports", "--store", str(small_store)) == []


def test_app_start_loads_only_what_the_map_needs() -> None:
    """What the server imports at start-up (``serve.py`` -> :func:`views.startup.prepare`), and what
    ``app.py`` imports itself: only what the Map needs; the other pages load when they are opened."""
    assert loaded_after("from views import startup\nstartup.prepare()") == []
    modules = "views.access, views.common, views.layout, views.map_page, views.problems, views.offline_assets"
    assert loaded_after(f"import {modules}") == []  # the page script's own imports, without serve.py


def test_the_first_map_run_after_start_up_imports_only_the_map_component(demo_store) -> None:
    """Start-up imports everything the Map's first run needs, so the first person waits for none of it;
    the map component is the one exception, since Streamlit registers it only inside a page run. (Parts
    of libraries already loaded - a pandas submodule used on first call - cost milliseconds and are not
    counted.)"""
    probe = """
import json, os, sys
from streamlit.testing.v1 import AppTest
from views import startup
startup.prepare()
at = AppTest.from_file("app.py", default_timeout=120)
before = set(sys.modules)
at.run()
assert not at.exception, [e.message for e in at.exception]
new = set(sys.modules) - before
packages = sorted({m.split(".")[0] for m in new} - {m.split(".")[0] for m in before})
own = sorted(m for m in new if m.split(".")[0] in ("views", "geo", "briefing", "store", "config", "layers"))
libraries = ("folium", "branca", "jinja2", "altair", "numpy", "h3", "shapely")
drawing = sorted(m for m in new if m.split(".")[0] in libraries)
print(json.dumps([packages, own, drawing]))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "HOTSPOTS_STORE": str(demo_store.path)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    packages, own, drawing = json.loads(done.stdout.strip().splitlines()[-1])
    assert packages == ["streamlit_folium"]  # no library is first imported by the page run but this one
    assert own == []  # nor any of the app's own modules
    assert drawing == []  # nor a part of the drawing libraries loaded on first use (folium's plugins)
