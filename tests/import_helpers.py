"""Helpers shared by the importer tests (tests/test_import_*.py): fixture files and store snapshots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cli
from layers.ingest import PARSED_COLUMNS
from layers.readers import Upload
from store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> Upload:
    """A committed fixture file as an upload."""
    return Upload(name, (FIXTURES / name).read_bytes())


def parsed_incidents(rows: list[tuple], *, ids: str = "t", street: str | None = None) -> pd.DataFrame:
    """Incidents as a parser hands them to ``ingest``: from (layer, category, date, lat, lon) rows, each
    dated to its month, with source ids ``<ids>0``, ``<ids>1``... (unique within one import)."""
    frame = pd.DataFrame(rows, columns=["layer", "category", "date", "lat", "lon"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["source_id"] = [f"{ids}{i}" for i in range(len(frame))]
    frame["date_precision"] = "month"
    frame["street"] = street
    frame[["severity", "casualties", "attributes"]] = None
    return frame[list(PARSED_COLUMNS)]


def snapshot(store: Store) -> dict[str, pd.DataFrame]:
    """Everything a store holds, for before/after comparisons: small tables whole, in a stable order;
    the incidents (hundreds of thousands of demo rows) as row count and an order-free sum of row hashes,
    which changes when any row is added, removed or altered."""
    if not store.exists():
        return {}
    with store.connect(read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {
            t: con.execute(
                f"SELECT count(*) AS n, sum(hash(t)::HUGEINT) AS digest FROM {t} t"
                if t == "incidents"
                else f"SELECT * FROM {t} ORDER BY ALL"
            ).df()
            for t in sorted(tables)
        }


def assert_same(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    """The store holds exactly what it held: nothing lost, nothing added, nothing changed."""
    assert before.keys() == after.keys()
    for name, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[name], obj=name)


def count(store: Store, sql: str, params: list | None = None) -> int:
    return int(store.query(sql, params).iloc[0, 0])


def start_cli_import(source: str, path: Path, store: Path, log: Path) -> subprocess.Popen:
    """``hotspots import SOURCE PATH --store STORE`` in a process of its own (as a second person would
    run it), its standard error written to ``log``; standard output is piped."""
    command = [sys.executable, "-m", "cli", "import", source, str(path), "--store", str(store)]
    project = FIXTURES.parents[1]
    with open(log, "w") as err:
        return subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=err, text=True)


def run_cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """``hotspots ARGS`` in this process: (exit status, standard output, standard error)."""
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err
