"""Shared fixtures: one demo store per test session (read-only for tests), and the reference data."""

from __future__ import annotations

from pathlib import Path

import pytest

import config
from layers.demo import build_demo_store
from store import Store

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference"
DEMO = config.settings()["demo"]


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE_DIR.is_dir():
        pytest.fail(f"the shared reference data is missing: expected {REFERENCE_DIR}")
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The default demo (3 years, default seed and end month), built once. Tests must not write to it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_store(path, years=DEMO["years"], seed=DEMO["seed"], end_month=DEMO["end_month"])
    return Store(path)


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    """A fresh store file for tests that write."""
    return Store(tmp_path / "store.duckdb")
