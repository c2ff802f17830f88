"""Open registry and matching service for German–Ukrainian municipal partnerships."""

from __future__ import annotations

__version__ = "0.1.0"
