"""A watched browser page: what it requested, what it logged, and whether anything left the machine."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from registry.models import Municipality, Partnership
from tests.devtools import is_local

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session, sessionmaker

DESKTOP: Final = {"width": 1440, "height": 900}
PHONE: Final = {"width": 390, "height": 844}


@dataclass
class Browsing:
    """A page with everything it requested and every error it logged."""

    page: Any
    base: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    expected: set[str] = field(default_factory=set)  # console errors an error page causes by design

    def open(self, path: str, *, status: int = 200) -> Any:
        """Load ``path``; an error page (``status`` >= 400) makes Chromium log its status, as expected."""
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None
        assert response.status == status, f"{path}: HTTP {response.status}"
        if status >= 400:
            self.expected.add(f"Failed to load resource: the server responded with a status of {status}")
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
        # and the first view has settled: Leaflet ignores a new view while a zoom animation runs
        self.wait("!registryMap.map._animatingZoom")

    def assert_clean(self) -> None:
        unexpected = [e for e in self.errors if not any(e.startswith(x) for x in self.expected)]
        assert unexpected == [], "JavaScript errors"
        assert self.blocked == [], "requests that would leave the machine"
        assert self.requests, "no request recorded at all"
        assert all(is_local(url) for url in self.requests)


def browse(chromium: Any, base: str, viewport: dict[str, int], locale: str) -> Iterator[Browsing]:
    """Open a fresh browser context (no cookies) whose browser prefers ``locale``; close it afterwards."""
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


def first_partnership(sessions: sessionmaker[Session], ua_code: str) -> int:
    """Return the id of the first partnership of a Ukrainian unit."""
    with sessions() as session:
        ua = aliased(Municipality)
        first = session.scalar(
            select(func.min(Partnership.id))
            .join(ua, ua.id == Partnership.ua_municipality_id)
            .where(ua.code == ua_code)
        )
    assert first is not None, f"{ua_code} has no partnership"
    return first


def german_partners(sessions: sessionmaker[Session], ua_code: str) -> list[tuple[str, str]]:
    """Return the code and German name of every German partner of a Ukrainian unit."""
    with sessions() as session:
        de, ua = aliased(Municipality), aliased(Municipality)
        rows = session.execute(
            select(de.code, func.coalesce(de.name_de, de.name))
            .join(Partnership, Partnership.de_municipality_id == de.id)
            .join(ua, ua.id == Partnership.ua_municipality_id)
            .where(ua.code == ua_code)
        ).all()
    return [(code, name) for code, name in rows]
