"""The layering the README promises, checked on the source itself so that it cannot silently erode.

sources (layers/) -> store/ -> geo/ -> briefing/, views/, cli/. SQL lives only in store/; geo/ holds pure
functions (no store, Streamlit, database or file I/O); files under data/ are parsed only by config/;
coordinate systems and H3 cell geometry each have one home. The checks read the code with :mod:`ast`,
so a comment or a docstring mentioning SQL or EPSG codes does not trip them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PACKAGES = ("app.py", "serve.py", "bench", "briefing", "cli", "config", "geo", "layers", "store", "views")

SQL = re.compile(
    r"\bSELECT\b[\s\S]+\bFROM\b|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b|"
    r"\bCREATE\s+(OR\s+REPLACE\s+)?(TABLE|VIEW|INDEX)\b|\bDROP\s+TABLE\b|\bALTER\s+TABLE\b",
)
#: The style every query here is written in (keywords in capitals), so prose ("select a ward from the
#: list") is not mistaken for SQL.


def _modules(*roots: str) -> Iterator[Path]:
    for root in roots:
        path = PROJECT / root
        yield from [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported(tree: ast.Module) -> set[str]:
    """Top-level names of every module imported anywhere in the file (lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the string constants that are docstrings (module, class, function)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _strings(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal that is not a docstring; an f-string's literal parts are
    joined with a placeholder, so ``f"SELECT {cols} FROM t"`` is still seen as SQL."""
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else " x " for v in node.values)
            yield node.lineno, text
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def _calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every call, e.g. ``h3.cell_to_boundary`` or ``open``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts = []
            func = node.func
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            if isinstance(func, ast.Name):
                parts.append(func.id)
            yield node.lineno, ".".join(reversed(parts))


def _relative(path: Path) -> str:
    return str(path.relative_to(PROJECT))


def test_geo_is_pure() -> None:
    """geo/ takes arrays and frames and returns results: it never reaches the store, the page or a file."""
    forbidden = {"store", "streamlit", "duckdb", "layers", "views", "briefing", "cli", "tomllib"}
    found = []
    for path in _modules("geo"):
        tree = _tree(path)
        bad = {name for name in _imported(tree) if name.split(".")[0] in forbidden}
        found += [f"{_relative(path)} imports {name}" for name in sorted(bad)]
        found += [
            f"{_relative(path)}:{line} calls {name}"
            for line, name in _calls(tree)
            if name in {"open", "Path.open"} or name.endswith((".read_text", ".read_bytes", ".write_text"))
        ]
    assert found == []


#: The config/ functions geo/ still calls, and why each may. Every other function of config/ reads a file
#: under data/ (the ward GeoJSON, the district mapping, populations, places, targets...) or the
#: environment: the caller reads it and hands geo/ the result, so calling geo/ never reads a file.
GEO_CONFIG_CALLS = {
    "layers": "data/layers.toml, the registry of layer ids: their names, order and harm weights label "
    "every figure, weight and table geo/ returns (geo.measurable.part_label alone has some thirty "
    "callers), so handing it in would thread one more argument through most of geo/",
    "hotspot_settings": "[hotspots] in data/settings.toml, the evidence every Gi* run needs (permutations, "
    "seed, fewest incidents), read in four geo/ functions that pages, packs, commands and the register "
    "reach by several paths; passing it in is a change to all of those callers",
}


def _config_functions() -> set[str]:
    """Names of the functions the ``config`` package offers (cached or not; classes and constants are
    not reads)."""
    import config

    return {
        name
        for name, value in vars(config).items()
        if callable(value)
        and not isinstance(value, type)
        and getattr(value, "__module__", "").split(".")[0] == "config"
    }


def _config_calls(tree: ast.Module, functions: set[str]) -> list[tuple[int, str]]:
    """(line, name) of every call of one of ``functions`` as ``config.name()``, and of every import of one
    by name (``from config import name``: its calls could not be told from local functions)."""
    found = [
        (node.lineno, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "config" and node.level == 0
        for alias in node.names
        if alias.name in functions
    ]
    found += [
        (line, name.removeprefix("config."))
        for line, name in _calls(tree)
        if name.startswith("config.") and name.removeprefix("config.") in functions
    ]
    return sorted(found)


def test_geo_reads_no_data_file_through_config() -> None:
    """geo/ is handed what the data files say rather than asking config/ for it; the calls left are
    listed in :data:`GEO_CONFIG_CALLS` with why, and a listed call that has gone must leave the list."""
    functions = _config_functions()
    handed_in = {"default_wards_geojson", "district_mapping", "default_populations", "places", "targets"}
    assert handed_in <= functions, "the check does not see config/'s file readers: it would check nothing"
    calls = [
        (f"{_relative(path)}:{line}", name)
        for path in _modules("geo")
        for line, name in _config_calls(_tree(path), functions)
    ]
    assert [f"{where} calls config.{name}" for where, name in calls if name not in GEO_CONFIG_CALLS] == []
    assert {name for _, name in calls} == set(GEO_CONFIG_CALLS)


def test_the_check_sees_config_reads() -> None:
    """The check itself: a call through the package or a function imported by name is seen; a constant,
    a settings class or another module's function of the same name is not."""
    source = """
import config
from config import Place, district_mapping
a = config.default_wards_geojson()
b = config.BOROUGH_NAME
c = district_mapping()
d = other.default_wards_geojson()
"""
    found = _config_calls(ast.parse(source), {"default_wards_geojson", "district_mapping"})
    assert found == [(3, "district_mapping"), (4, "default_wards_geojson")]


def test_sql_only_in_store() -> None:
    found = [
        f"{_relative(path)}:{line}: {text.strip()[:60]!r}"
        for path in _modules(*PACKAGES)
        if not _relative(path).startswith("store/")
        for line, text in _strings(_tree(path))
        if SQL.search(text)
    ]
    assert found == []


def test_the_check_sees_sql() -> None:
    """The SQL check itself: it must catch plain and f-string SQL and leave prose and docstrings alone."""
    source = '''
"""SELECT the best FROM the docstring is fine."""
a = "SELECT n FROM incidents WHERE layer = ?"
b = f"SELECT {cols} FROM incidents"
c = "Select a ward from the list"
'''
    hits = [line for line, text in _strings(ast.parse(source)) if SQL.search(text)]
    assert hits == [3, 4]


def test_data_files_are_parsed_only_by_config() -> None:
    found = [
        f"{_relative(path)} imports tomllib"
        for path in _modules(*PACKAGES)
        if not _relative(path).startswith("config/") and "tomllib" in _imported(_tree(path))
    ]
    assert found == []


def test_data_files_are_found_only_by_config() -> None:
    """No module outside config/ builds a path into data/ - ``DATA_DIR`` or a data file's own name - so
    no file there is read, as CSV, JSON or TOML, without config/ parsing and checking it."""
    names = {path.name for path in (PROJECT / "data").iterdir() if path.is_file()}
    found = []
    for path in _modules(*PACKAGES):
        if _relative(path).startswith("config/"):
            continue
        tree = _tree(path)
        found += [f"{_relative(path)}:{line}: {text!r}" for line, text in _strings(tree) if text in names]
        found += [
            f"{_relative(path)}:{node.lineno}: DATA_DIR"
            for node in ast.walk(tree)
            if (isinstance(node, ast.Attribute) and node.attr == "DATA_DIR")
            or (isinstance(node, ast.Name) and node.id == "DATA_DIR")
        ]
    assert {"chb.toml", "targets.csv"} <= names and found == []


@pytest.mark.parametrize(
    ("what", "home", "kind", "is_use"),
    [
        ("the British National Grid code", "geo/crs.py", "str", lambda s: s == "EPSG:27700"),
        ("a pyproj transformer", "geo/crs.py", "call", lambda s: s.endswith("Transformer.from_crs")),
        ("H3 cell outlines", "geo/hexgrid.py", "call", lambda s: s.endswith("cell_to_boundary")),
    ],
)
def test_one_home(what: str, home: str, kind: str, is_use) -> None:
    """Coordinate systems are written once (geo/crs.py) and H3 cell geometry is drawn in one module."""
    found = []
    for path in _modules(*PACKAGES):
        tree = _tree(path)
        uses = _strings(tree) if kind == "str" else _calls(tree)
        found += [f"{_relative(path)}:{line}" for line, s in uses if is_use(s)]
    elsewhere = [place for place in found if not place.startswith(f"{home}:")]
    assert found, f"{what}: none found at all, so this check checks nothing"
    assert elsewhere == [], f"{what} outside {home}"


#: What pages and packs may take from the importers: running an import, building the demo, upgrading a
#: store, reading an uploaded file - writes and uploads, never a read of stored data (those go through
#: store/ and geo/, via briefing/reads.py), plus the STATS19 column names the road figures label, and
#: the wards in force (``layers.wards``: the store's boundaries else the shipped file, with districts from
#: the mapping file), so that imports and pages assign incidents to the very same wards.
WRITE_ENTRY_POINTS = {
    ("layers.importer", name) for name in ("SOURCES", "detect_source", "run_import", "undo")
} | {
    ("layers.readers", "Upload"),
    ("layers.report", "REASON_HELP"),
    ("layers.report", "ImportReport"),
    ("layers.demo", "build_demo_store"),
    ("layers.ingest", "upgrade_store"),
    ("layers.area_files", "area_from_upload"),
    ("layers.wards", "current_wards"),
    *(("layers.stats19", name) for name in ("ADJUSTED_ATTRIBUTE", "ADJUSTED_LABEL", "RECORDED_LABEL")),
}


def test_pages_and_packs_read_only_through_store_and_geo() -> None:
    found = []
    for path in _modules("views", "briefing", "app.py"):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "layers":
                found += [
                    f"{_relative(path)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if (node.module, alias.name) not in WRITE_ENTRY_POINTS
                ]
            elif isinstance(node, ast.Import):
                found += [f"{_relative(path)}: {a.name}" for a in node.names if a.name.startswith("layers")]
    assert found == []


def test_no_layer_is_named_in_the_code() -> None:
    """Layer ids live in data/layers.toml; the importers ask it which layer they write (``fed_by``)."""
    import config

    ids = set(config.layers())
    found = [
        f"{_relative(path)}:{line}: {text!r}"
        for path in _modules(*PACKAGES)
        for line, text in _strings(_tree(path))
        if text in ids
    ]
    assert ids and found == []


def test_every_importer_finds_its_layer_in_the_data_file(tmp_path: Path, monkeypatch) -> None:
    import config

    assert {config.layers()[config.layer_fed_by(feed)].fed_by for feed in config.FEEDS} == set(config.FEEDS)
    text = (config.DATA_DIR / "layers.toml").read_text()
    twice = tmp_path / "layers.toml"
    twice.write_text(text.replace('fed_by = "fires"', 'fed_by = "stats19"'))
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    config.layers.cache_clear()
    try:
        with pytest.raises(ValueError, match="fed_by must name each of .* at most once, not stats19"):
            config.layers()
    finally:
        monkeypatch.undo()
        config.layers.cache_clear()


#: Cached functions in views/ not keyed on (store path, store version), and why each may not be:
#: they decide the version itself or act once per store file, or they cache only files made from
#: results already read (never reading the store).
NOT_KEYED_ON_VERSION = {
    "views/common.py:_is_synthetic": "keyed on the file's signature (two stats), read before any version",
    "views/common.py:_version": "works out the version, keyed on the file's signature",
    "views/common.py:_build_demo": "builds the demo file once per process",
    "views/common.py:_upgraded": "upgrades an older store once per process",
    "views/hotspots_page.py:_files": "the download files of a result already read",
    "app.py:prepare_map_assets": "copies Leaflet into static/ once per process",
}


def _cached_functions() -> list[tuple[str, list[str]]]:
    """(``module:function``, its parameter names) for every function under a Streamlit cache decorator."""
    found = []
    for path in _modules("views", "app.py"):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef) and any(
                ast.unparse(d).startswith(("st.cache_data", "st.cache_resource")) for d in node.decorator_list
            ):
                found.append((f"{_relative(path)}:{node.name}", [a.arg for a in node.args.args]))
    return found


def test_every_cached_read_is_keyed_on_the_store_version() -> None:
    """One caching pattern in views/: a cached read takes the store's path and version first, so any
    import, undo or designation (which changes the version) refreshes every page at once, and a
    widget change that does not touch the store is served from the cache."""
    cached = _cached_functions()
    assert len(cached) > 20, "found too few cached functions: this check would check nothing"
    unkeyed = {name for name, params in cached if params[:2] != ["path", "version"]}
    assert unkeyed == set(NOT_KEYED_ON_VERSION)
