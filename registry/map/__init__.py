"""The partnership map: a pure builder (frames in, HTML out) and the static files its page loads."""

from __future__ import annotations

from registry.map.assets import STATIC_DIR
from registry.map.builder import build_map, render_map_html
from registry.map.filters import MapFilters
from registry.map.payload import MapInputError

__all__ = ["STATIC_DIR", "MapFilters", "MapInputError", "build_map", "render_map_html"]
