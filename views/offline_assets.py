"""Serve the map's JavaScript and CSS from installed Python packages instead of public CDNs.

Why: folium (and so streamlit-folium) loads Leaflet, jQuery, Bootstrap and marker plugins from CDNs by
default. Council networks and these machines cannot reach them, and the map then stays blank. Instead,
each asset is copied from a Python package that ships it (XStatic packages hold the upstream files
unchanged) into ``static/vendor/`` (git-ignored), which Streamlit serves at ``/app/static/...`` because
``[server] enableStaticServing`` is on, and each folium class we draw with is pointed at those URLs only.
Nothing we do not use (jQuery, Bootstrap, Font Awesome, awesome-markers) is loaded at all.

The app's own map code, ``static/js/maps.js`` (kept in the repository, not copied), is loaded after
Leaflet in every map's frame the same way, with its content's hash in the URL so that a browser never
keeps an old copy after an update.

A page that adds a folium plugin (for example ``folium.plugins.Draw``) adds a :class:`Bundle` for its
package to :data:`BUNDLES` and one line to :func:`use_local_assets`.
"""

from __future__ import annotations

import filecmp
import hashlib
import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import folium

import config

#: Streamlit serves files under ``<folder of app.py>/static/`` at ``/app/static/``.
STATIC_DIR = config.PROJECT_DIR / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
STATIC_URL = "app/static"
#: The app's own map functions (``window.kirklees``), called by the elements in :mod:`views.maps`.
APP_JS = STATIC_DIR / "js" / "maps.js"


@dataclass(frozen=True)
class Bundle:
    """Files taken from an installed XStatic-style package (a module with ``BASE_DIR``)."""

    name: str  # folder under static/vendor/
    package: str  # importable module exposing BASE_DIR
    files: tuple[str, ...]  # files or folders under BASE_DIR

    def source_dir(self) -> Path:
        return Path(importlib.import_module(self.package).BASE_DIR)


LEAFLET = Bundle("leaflet", "xstatic.pkg.leaflet", ("leaflet.js", "leaflet.css", "images"))
BUNDLES: tuple[Bundle, ...] = (LEAFLET,)


def _copy_if_changed(src: Path, dst: Path) -> bool:
    """Copy one file atomically unless ``dst`` already has the same bytes; True when it copied.

    Atomic (temporary file then rename) because several app processes or test sessions may start at
    once, and a browser must never be served a half-written leaflet.js.
    """
    if dst.exists() and filecmp.cmp(src, dst, shallow=False):
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True


def install_bundles(bundles: tuple[Bundle, ...] = BUNDLES, target: Path = VENDOR_DIR) -> list[Path]:
    """Copy every bundle's files under ``target/<bundle name>/`` (idempotent); returns the files written."""
    written: list[Path] = []
    for bundle in bundles:
        base = bundle.source_dir()
        for entry in bundle.files:
            src = base / entry
            if not src.exists():
                raise FileNotFoundError(f"{bundle.package} does not ship {entry} (looked in {base})")
            sources = sorted(p for p in src.rglob("*") if p.is_file()) if src.is_dir() else [src]
            for file in sources:
                dst = target / bundle.name / file.relative_to(base)
                if _copy_if_changed(file, dst):
                    written.append(dst)
    return written


def asset_url(bundle: Bundle, file: str, base_url_path: str = "") -> str:
    """Absolute URL path of a vendored file, honouring Streamlit's ``server.baseUrlPath``."""
    parts = [p for p in (base_url_path.strip("/"), STATIC_URL, "vendor", bundle.name, file) if p]
    return "/" + "/".join(parts)


def app_js_url(base_url_path: str = "", script: Path = APP_JS) -> str:
    """URL path of the app's own map script, with a hash of its content so a changed file is fetched anew."""
    if not script.is_file():
        raise FileNotFoundError(f"The map script {script} is missing; it ships with the app in static/js/.")
    digest = hashlib.sha256(script.read_bytes()).hexdigest()[:12]
    relative = script.relative_to(STATIC_DIR).as_posix()
    parts = [p for p in (base_url_path.strip("/"), STATIC_URL, relative) if p]
    return "/" + "/".join(parts) + f"?v={digest}"


def use_local_assets(base_url_path: str = "") -> None:
    """Point folium's element classes at the vendored files, dropping every CDN link.

    folium collects ``default_js``/``default_css`` from each element on the map and streamlit-folium
    loads exactly those lists in the map's frame, so replacing them is all it takes. Only
    ``folium.Map`` declares assets among the classes the map page uses (GeoJson, tooltips, panes,
    feature groups and tile layers have none). The app's own script comes after Leaflet, which it uses.
    """
    folium.Map.default_js = [
        ("leaflet", asset_url(LEAFLET, "leaflet.js", base_url_path)),
        ("kirklees", app_js_url(base_url_path)),
    ]
    folium.Map.default_css = [("leaflet_css", asset_url(LEAFLET, "leaflet.css", base_url_path))]
