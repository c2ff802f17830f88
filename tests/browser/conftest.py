"""The browser tests' shared parts: Debian's Chromium driven by Playwright, against the whole bundled data.

The app runs under uvicorn in a background thread on a free port, with map tiles off, so no request
may leave the machine: every request is recorded, and any that would leave is aborted and fails the
test. A missing browser skips these tests locally and fails them in CI (``CI=1``). One browser and one
app serve the whole run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pytest

from registry.devtools import chromium_path, in_ci, is_local, launch_chromium, serve_app

if TYPE_CHECKING:
    from collections.abc import Iterator

    from registry.config import Settings

KHARKIV = "UA63120270000028556"
BAVARIA = "09"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


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


@dataclass
class Browsing:
    """A page with everything it requested and every error it logged."""

    page: Any
    base: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None
        assert response.status == 200, f"{path}: HTTP {response.status}"
        return response

    def wait(self, expression: str, timeout: float = 20.0) -> Any:
        """Wait until a JavaScript expression is truthy; return its value.

        Polls ``page.evaluate`` from here: Playwright's ``wait_for_function`` builds its predicate with
        ``eval`` inside the page, which a Content-Security-Policy without 'unsafe-eval' (the map's)
        forbids, while ``evaluate`` runs through the DevTools protocol, which the policy does not govern.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = self.page.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout} s: {expression}")
            time.sleep(0.05)

    def open_map(self, path: str = "/map") -> None:
        self.open(path)
        self.wait("document.documentElement.dataset.registryMap === 'ready'")
        self.page.evaluate("() => window.registryMap.ready")  # the outlines are drawn too

    def assert_clean(self) -> None:
        assert self.errors == [], "JavaScript errors"
        assert self.blocked == [], "requests that would leave the machine"
        assert self.requests, "no request recorded at all"
        assert all(is_local(url) for url in self.requests)


def _browse(chromium: Any, base: str, viewport: dict[str, int], locale: str) -> Iterator[Browsing]:
    context = chromium.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    watched = Browsing(page, base)

    def guard(route: Any) -> None:
        url = route.request.url
        watched.requests.append(url)
        if is_local(url):
            route.continue_()
        else:
            watched.blocked.append(url)
            route.abort()

    context.route("**/*", guard)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on(
        "console", lambda message: watched.errors.append(message.text) if message.type == "error" else None
    )
    page.set_default_timeout(20_000)
    yield watched
    context.close()


@pytest.fixture
def browsing(chromium: Any, app_url: str) -> Iterator[Browsing]:
    """A desktop-sized page whose browser prefers German."""
    yield from _browse(chromium, app_url, DESKTOP, "de-DE")


@pytest.fixture
def phone(chromium: Any, app_url: str) -> Iterator[Browsing]:
    """A phone-sized page whose browser prefers English."""
    yield from _browse(chromium, app_url, PHONE, "en-GB")
