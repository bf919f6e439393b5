"""No command pays for imports it does not use (issue 13).

Each check runs in a fresh interpreter and reads ``sys.modules`` afterwards, so it sees exactly what the
command or the app's start-up loaded. The heavy libraries named here cost from a few tenths of a second
to a second each to import on the partnership's laptops: SciPy's statistics (Gi*, monitoring), the PDF
writer and its charts, GDAL with GeoPandas (boundary and area files), PySAL.
"""

from __future__ import annotations

import json
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
    """What ``app.py`` imports before drawing the Map: the other pages load when they are opened."""
    modules = "views.access, views.common, views.layout, views.map_page, views.problems, views.offline_assets"
    loaded = loaded_after(f"import {modules}")
    # matplotlib included: the Map's image is drawn only once someone asks for it
    assert loaded == []
