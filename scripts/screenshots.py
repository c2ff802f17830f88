"""Save the README's screenshots: the map on a desktop (docs/map.png) and a phone (docs/map-phone.png), the
coverage dashboard (docs/coverage.png) and a municipality page (docs/municipality.png).

Serves the app over the configured database (``DATABASE_URL``, default ``./registry.db``; load it first
with ``registry load`` or ``registry serve``) with map tiles off, so the pictures show what a
coordinator sees offline, and photographs the pages in Debian's Chromium.

Run: ``.venv/bin/python scripts/screenshots.py [--out docs] [--code UA63120270000028556] [--lang de]``
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

from registry import db
from registry.config import Settings
from registry.devtools import launch_chromium, serve_app
from registry.models import Partnership

KHARKIV = "UA63120270000028556"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    """Photograph the map and one municipality page; return 2 if the database holds no partnerships."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNG files")
    parser.add_argument("--code", default=KHARKIV, help="the municipality to show (any code)")
    parser.add_argument("--lang", choices=["de", "en", "uk"], default="de")
    args = parser.parse_args(argv)

    settings = replace(Settings.from_env(), map_tiles=None)
    engine = db.make_engine(settings)
    try:
        with engine.connect() as connection:
            count = connection.scalar(select(func.count()).select_from(Partnership))
    finally:
        engine.dispose()
    if not count:
        print("the database holds no partnerships: run `registry load` first", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with serve_app(settings) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for name, viewport in (("map.png", DESKTOP), ("map-phone.png", PHONE)):
            page = browser.new_page(viewport=viewport, device_scale_factor=1)
            page.goto(f"{base}/map?lang={args.lang}", wait_until="load")
            page.wait_for_function("document.documentElement.dataset.registryMap === 'ready'")
            page.evaluate("() => window.registryMap.ready")
            page.wait_for_timeout(500)  # the last zoom animation
            page.screenshot(path=str(args.out / name))
            page.close()

        page = browser.new_page(viewport={"width": 1440, "height": 1500}, device_scale_factor=1)
        page.goto(f"{base}/coverage?lang={args.lang}", wait_until="load")
        page.screenshot(path=str(args.out / "coverage.png"))
        page.close()

        page = browser.new_page(viewport={"width": 1280, "height": 1400}, device_scale_factor=1)
        page.goto(f"{base}/municipalities/{args.code}?lang={args.lang}", wait_until="load")
        page.screenshot(path=str(args.out / "municipality.png"))
        browser.close()
    for name in ("map.png", "map-phone.png", "coverage.png", "municipality.png"):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
