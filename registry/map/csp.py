"""The map page's Content-Security-Policy: hashes of the inline script and styles folium writes.

folium puts the map's set-up (``L.map(...)``, the empty layers) into an inline ``<script>`` and its sizing
into inline ``<style>`` elements. Rather than allow every inline script ('unsafe-inline'), the policy
names these by their SHA-256 hashes (CSP Level 2). The builder gives every folium element a fixed name,
so the inline parts are the same on every page with the same tile setting, and their hashes stay valid
across builds and processes. The data go into the page as ``<script type="application/json">``, which a
browser never runs, so it needs no hash; everything else the page runs is a file under ``/static``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Final

_SCRIPT: Final = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)
_STYLE: Final = re.compile(r"<style[^>]*>(?P<body>.*?)</style>", re.DOTALL | re.IGNORECASE)
_DATA_BLOCK: Final = re.compile(r'type\s*=\s*"application/(?:ld\+)?json"', re.IGNORECASE)
OSM_TILE_HOST: Final = "https://tile.openstreetmap.org"


def _hash(body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@dataclass(frozen=True)
class InlineHashes:
    """The CSP hash sources of a page's inline scripts and style elements, in page order, no repeats."""

    scripts: tuple[str, ...]
    styles: tuple[str, ...]


def inline_hashes(page: str) -> InlineHashes:
    """Hash every inline script a browser would run and every inline style element of ``page``."""
    scripts = [
        _hash(m.group("body"))
        for m in _SCRIPT.finditer(page)
        if "src=" not in m.group("attrs") and not _DATA_BLOCK.search(m.group("attrs"))
    ]
    styles = [_hash(m.group("body")) for m in _STYLE.finditer(page)]
    return InlineHashes(tuple(dict.fromkeys(scripts)), tuple(dict.fromkeys(styles)))


def content_security_policy(page: str, *, tiles: bool) -> str:
    """Return the Content-Security-Policy header value under which ``page`` (a map page) works.

    Args:
        page: the whole HTML of the page.
        tiles: whether the page loads OpenStreetMap tiles (its only request outside the app).
    """
    hashes = inline_hashes(page)
    images = "'self' data:" + (f" {OSM_TILE_HOST}" if tiles else "")
    return "; ".join(
        (
            "default-src 'self'",
            " ".join(("script-src 'self'", *hashes.scripts)),
            " ".join(("style-src 'self'", *hashes.styles)),
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
