"""List the map's static files and build their URLs under a prefix the app chooses.

Everything the map page loads lives in ``STATIC_DIR`` (``registry/map/static``), so the map works
without internet: mount that directory at the prefix passed to the builder (``/static`` by default),
e.g. in Litestar ``create_static_files_router(path="/static", directories=[STATIC_DIR])``.

- ``vendor/<package>-<version>/``: Leaflet and Leaflet.markercluster, byte for byte from the npm
  tarballs of the versions folium 0.20 points to (written by ``scripts/vendor_map_assets.py``, which
  also writes ``vendor/README.md`` with versions, licences and checksums). The version is part of the
  path, so these files can be cached forever.
- ``outlines/*.geojson``: simplified country, Land, oblast and hromada outlines
  (``scripts/simplify_outlines.py``).
- ``js/registry-map-core.js`` (pure: data, filters, popups; also run by the unit tests under Node),
  ``js/registry-map.js`` (the page: layers, form, hooks) and ``css/registry-map.css``: our own client
  code; their URLs carry a content hash (``?v=``) so a browser never runs a stale copy after a deploy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class VendorPackage:
    """An npm package whose built files are copied into ``static/vendor``."""

    name: str
    version: str
    license: str
    license_file: str  # inside the tarball's package/ folder
    files: tuple[str, ...]  # inside the tarball's package/ folder, all under dist/

    @property
    def directory(self) -> str:
        """Return the folder under ``STATIC_DIR`` that holds this package's files."""
        return f"vendor/{self.name}-{self.version}"

    def static_path(self, tarball_path: str) -> str:
        """Map a path inside the tarball to its path under ``STATIC_DIR`` (``dist/`` is dropped)."""
        return f"{self.directory}/{tarball_path.removeprefix('dist/')}"


LEAFLET: Final = VendorPackage(
    name="leaflet",
    version="1.9.3",
    license="BSD-2-Clause",
    license_file="LICENSE",
    files=(
        "dist/leaflet.js",
        "dist/leaflet.js.map",  # named at the end of leaflet.js; without it dev tools log a 404
        "dist/leaflet.css",
        # leaflet.css refers to these (layer control icon, default marker icon)
        "dist/images/layers.png",
        "dist/images/layers-2x.png",
        "dist/images/marker-icon.png",
        "dist/images/marker-icon-2x.png",
        "dist/images/marker-shadow.png",
    ),
)
MARKER_CLUSTER: Final = VendorPackage(
    name="leaflet.markercluster",
    version="1.1.0",
    license="MIT",
    license_file="MIT-LICENCE.txt",
    files=("dist/leaflet.markercluster.js", "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css"),
)
VENDOR_PACKAGES: Final = (LEAFLET, MARKER_CLUSTER)


@dataclass(frozen=True)
class Asset:
    """A script or stylesheet: folium's name for the link and the file's path under ``STATIC_DIR``."""

    key: str
    path: str
    fingerprint: bool = False  # append ?v=<content hash> (our own files, whose paths do not change)


# The keys are folium's own ("leaflet", "leaflet_css", "markerclusterjs", ...), so an element that
# adds its default links under the same name replaces ours instead of adding a CDN link beside it.
# jQuery, Bootstrap, glyphicons, Font Awesome and awesome-markers are left out: none of the elements
# the builder uses needs them (folium only calls jQuery for html popups, GeoJson-by-URL and
# keep_in_front, none of which the builder uses).
MAP_JS: Final = (Asset("leaflet", LEAFLET.static_path("dist/leaflet.js")),)
MAP_CSS: Final = (Asset("leaflet_css", LEAFLET.static_path("dist/leaflet.css")),)
MARKER_CLUSTER_JS: Final = (
    Asset("markerclusterjs", MARKER_CLUSTER.static_path("dist/leaflet.markercluster.js")),
)
MARKER_CLUSTER_CSS: Final = (
    Asset("markerclustercss", MARKER_CLUSTER.static_path("dist/MarkerCluster.css")),
    Asset("markerclusterdefaultcss", MARKER_CLUSTER.static_path("dist/MarkerCluster.Default.css")),
)
APP_JS: Final = (
    Asset("registry_map_core_js", "js/registry-map-core.js", fingerprint=True),
    Asset("registry_map_js", "js/registry-map.js", fingerprint=True),
)
APP_CSS: Final = (Asset("registry_map_css", "css/registry-map.css", fingerprint=True),)


@dataclass(frozen=True)
class Outline:
    """A base-layer outline file and how it is drawn."""

    key: str  # style class in registry-map.js: "country", "land", "oblast"
    path: str


# Natural Earth is public domain and asks for no credit; the map names it anyway (message
# map_attribution_outlines) so users know where the lines come from (data/geo/SOURCES.md).
OUTLINES: Final = (
    Outline("country", "outlines/countries.geojson"),
    Outline("land", "outlines/de_laender.geojson"),
    Outline("oblast", "outlines/ua_oblasts.geojson"),
)
# OpenStreetMap (ODbL): fetched, and credited (map_attribution_hromadas), only while hromadas are coloured.
HROMADA_OUTLINES: Final = "outlines/ua_hromadas.geojson"


@cache
def _content_hash(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str, static_prefix: str, *, fingerprint: bool = False) -> str:
    """Return the URL of a file under ``STATIC_DIR`` served at ``static_prefix``.

    ``static_prefix`` may be absolute ("/static"), a full origin ("https://example.org/static") or
    empty, for URLs relative to the page.
    """
    prefix = static_prefix.rstrip("/")
    url = f"{prefix}/{path}" if prefix else path
    return f"{url}?v={_content_hash(path)}" if fingerprint else url


def links(assets: tuple[Asset, ...], static_prefix: str) -> list[tuple[str, str]]:
    """Return ``(name, url)`` pairs in the shape of folium's ``default_js``/``default_css``."""
    return [(a.key, static_url(a.path, static_prefix, fingerprint=a.fingerprint)) for a in assets]


def vendored_paths() -> tuple[str, ...]:
    """Return every vendored file's path under ``STATIC_DIR``, licences included."""
    return tuple(
        path
        for package in VENDOR_PACKAGES
        for path in (
            *(package.static_path(f) for f in package.files),
            f"{package.directory}/{package.license_file}",
        )
    )
