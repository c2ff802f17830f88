"""Save the README's screenshots: the map, a municipality page, the start page, the guide and the coverage
dashboard.

Serves the app over the configured database (``DATABASE_URL``, default ``./registry.db``; load it first
with ``registry load`` or ``registry serve``) with map tiles off, so the pictures show what a
coordinator sees offline, and photographs the pages in Debian's Chromium, at desktop width and, with
``--phone``, at a phone's too. German pictures are ``docs/<page>.png``, the others
``docs/<page>-<lang>.png`` and ``docs/<page>-<lang>-phone.png``.

Run: ``.venv/bin/python scripts/screenshots.py [--out docs] [--code UA63120270000028556] [--lang uk]
[--phone]``
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

from registry import db
from registry.config import Settings
from registry.models import Partnership

# tests.devtools (the app on a free port, Chromium) is shared with the browser tests; run from any cwd.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.devtools import launch_chromium, serve_app

KHARKIV = "UA63120270000028556"
ROOT = Path(__file__).resolve().parents[1]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# Taller first screens where the page's point lies lower (the municipality's partners and suggestions).
DESKTOP_HEIGHTS = {"municipality": 1400, "guide": 1200, "coverage": 1500, "index": 1000}
# The pages photographed (name -> address); the municipality's is filled in from --code.
PAGES = {"map": "/map", "municipality": "/municipalities/{code}", "index": "/", "guide": "/guide",
         "coverage": "/coverage"}  # fmt: skip


def _file(name: str, lang: str, phone: bool) -> str:
    if lang == "de" and not phone:
        return f"{name}.png"
    return f"{name}-{lang}{'-phone' if phone else ''}.png"


def main(argv: list[str] | None = None) -> int:
    """Photograph the map and one municipality page; return 2 if the database holds no partnerships."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNG files")
    parser.add_argument("--code", default=KHARKIV, help="the municipality to show (any code)")
    parser.add_argument("--lang", choices=["de", "en", "uk"], default="de")
    parser.add_argument("--phone", action="store_true", help="also photograph every page at a phone's width")
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
    saved = []
    with serve_app(settings) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for phone in (False, True) if args.phone else (False,):
            for name, path in PAGES.items():
                height = DESKTOP_HEIGHTS.get(name, DESKTOP["height"])
                viewport = PHONE if phone else {**DESKTOP, "height": height}
                page = browser.new_page(viewport=viewport, device_scale_factor=1)
                page.goto(f"{base}{path.format(code=args.code)}?lang={args.lang}", wait_until="load")
                if name == "map":
                    # polled from here: wait_for_function evaluates inside the page, which the map's
                    # Content-Security-Policy forbids
                    while not page.evaluate("document.documentElement.dataset.registryMap === 'ready'"):
                        page.wait_for_timeout(50)
                    page.evaluate("() => window.registryMap.ready")
                    page.wait_for_timeout(500)  # the last zoom animation
                target = args.out / _file(name, args.lang, phone)
                page.screenshot(path=str(target))  # the first screen, as a reader opens the page
                saved.append(target)
                page.close()
        browser.close()
    for target in saved:
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
