"""Allow `python -m registry`."""

from __future__ import annotations

from registry.cli import run

run()
