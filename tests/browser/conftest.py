"""One browser and one app for every browser test: Debian's Chromium driven by Playwright, against the
whole bundled data.

The app runs under uvicorn in a background thread on a free port, with map tiles off, so no request
may leave the machine: every request is recorded, and any that would leave is aborted and fails the
test. A missing browser skips these tests locally and fails them in CI (``CI=1``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.browsing import DESKTOP, PHONE, Browsing, browse
from tests.devtools import chromium_path, in_ci, launch_chromium, serve_app

if TYPE_CHECKING:
    from collections.abc import Iterator

    from registry.config import Settings


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason} (CI=1: the browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Headless Chromium for the whole run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if chromium_path() is None:
        _unavailable("Debian's chromium is not installed (make browser)")
    playwright = sync_playwright().start()
    try:
        browser = launch_chromium(playwright)
    except Exception as exc:  # a broken install: say what failed
        playwright.stop()
        _unavailable(f"chromium does not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def app_url(loaded: Settings) -> Iterator[str]:
    """The app over the whole bundled data, tiles off."""
    with serve_app(replace(loaded, map_tiles=None)) as url:
        yield url


@pytest.fixture
def browsing(chromium: Any, app_url: str) -> Iterator[Browsing]:
    """A desktop-sized page whose browser prefers German."""
    yield from browse(chromium, app_url, DESKTOP, "de-DE")


@pytest.fixture
def phone(chromium: Any, app_url: str) -> Iterator[Browsing]:
    """A phone-sized page whose browser prefers English."""
    yield from browse(chromium, app_url, PHONE, "en-GB")


@pytest.fixture
def ukrainian(chromium: Any, app_url: str) -> Iterator[Browsing]:
    """A desktop-sized page whose browser prefers Ukrainian (Accept-Language: uk-UA)."""
    yield from browse(chromium, app_url, DESKTOP, "uk-UA")


@pytest.fixture
def ukrainian_phone(chromium: Any, app_url: str) -> Iterator[Browsing]:
    """A phone-sized page whose browser prefers Ukrainian."""
    yield from browse(chromium, app_url, PHONE, "uk-UA")
