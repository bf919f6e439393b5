"""The ``hotspots`` console entry point, run as a user would (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import config
from store import Store

CLI = [sys.executable, "-m", "cli"]


def _run(*args: str, env_store: Path | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    if env_store is not None:
        env["HOTSPOTS_STORE"] = str(env_store)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=300)


def test_summary_json_adds_up_and_matches_the_store(demo_store: Store) -> None:
    out = _run("summary", "--json", "--store", str(demo_store.path))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    # the total adds layers, so police.uk-style ASB (the same reports as the council's) is left out of it
    total = int(demo_store.query("SELECT count(*) AS n FROM incidents WHERE layer <> 'asb'")["n"][0])
    assert data["layers"]["total"] == total and data["layers"]["asb"] == data["layers"]["council_asb"]
    assert data["total_leaves_out"] and data["total_leaves_out"][0].startswith("ASB (police.uk) is left out")
    assert sum(d["total"] for d in data["districts"].values()) == total
    assert sum(w["total"] for w in data["wards"].values()) == total
    assert len(data["wards"]) == 23
    assert data["wards"]["E05001389"]["name"] == "Ashbrow"
    assert data["wards"]["E05001389"]["district"] == "Huddersfield"
    assert data["synthetic_layers"] == sorted(config.layers())  # the demo fills every layer


def test_store_comes_from_environment_variable(demo_store: Store) -> None:
    out = _run("summary", "--json", env_store=demo_store.path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["store"] == str(demo_store.path)


def test_demo_builds_refuses_to_overwrite_and_honours_if_missing(tmp_path: Path) -> None:
    path = tmp_path / "one.duckdb"
    out = _run("demo", "--years", "1", "--seed", "7", "--store", str(path))
    assert out.returncode == 0, out.stderr
    assert "SYNTHETIC" in out.stdout
    n = int(Store(path).query("SELECT count(*) AS n FROM incidents")["n"][0])
    assert n > 50_000
    again = _run("demo", "--years", "1", "--store", str(path))
    assert again.returncode == 1 and "--replace" in again.stderr
    skip = _run("demo", "--if-missing", "--store", str(path))
    assert skip.returncode == 0 and "already exists" in skip.stdout
    assert int(Store(path).query("SELECT count(*) AS n FROM incidents")["n"][0]) == n


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    out = _run("summary", "--store", str(tmp_path / "none.duckdb"))
    assert out.returncode == 1
    assert "no incident store" in out.stderr and "hotspots demo" in out.stderr
