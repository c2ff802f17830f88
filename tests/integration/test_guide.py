"""The "where do I start" page: in every language, every link it makes points to a source it cites, every
source it cites is linked, and the start page and every suggestion lead to it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from registry.api.guide import PLACES, PROGRAMMES, SOURCE_BY_KEY, SOURCES, STEPS
from registry.locale import LANGS

KHARKIV = "UA63120270000028556"
MEMMINGEN = "09764000"


class _Links(HTMLParser):
    """The links inside <main>, and the language marks of the places named."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.links: list[str] = []
        self.places: list[tuple[str | None, str | None]] = []
        self._place = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "main":
            self.depth += 1
        if self.depth and tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        self._place = self.depth > 0 and tag == "span" and a.get("class") == "place"
        if self._place:
            self.places.append((a.get("lang"), a.get("translate")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.depth -= 1


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_every_step_and_programme_rests_on_sources_the_table_holds() -> None:
    items = (*STEPS, *PROGRAMMES)
    assert all(item.sources for item in items)
    assert {key for item in items for key in item.sources} == set(SOURCE_BY_KEY)  # none unused
    assert len(SOURCE_BY_KEY) == len(SOURCES)  # keys are unique
    assert len({s.url for s in SOURCES}) == len(SOURCES)
    assert all(urlsplit(s.url).scheme in ("http", "https") and s.publisher for s in SOURCES)


@pytest.mark.parametrize("lang", LANGS)
def test_every_link_of_the_guide_points_to_a_source_it_cites(loaded_api: str, lang: str) -> None:
    response = httpx.get(f"{loaded_api}/guide?lang={lang}", timeout=60)
    assert response.status_code == 200
    page = _links(response.text)
    external = [href for href in page.links if urlsplit(href).scheme]
    cited = {s.url for s in SOURCES}
    assert set(external) <= cited, "a link to a page the guide does not cite"
    assert set(external) == cited, "a source the guide cites but does not link"
    internal = [href for href in page.links if not urlsplit(href).scheme]
    assert internal == ["/"]  # the way to the search, where every municipality's suggestions are
    # the German places the texts name are marked as German names, never machine-translated
    assert len(page.places) >= len(PLACES)
    assert set(page.places) == {("de", "no")}


def test_the_guide_says_when_its_sources_were_read(loaded_api: str) -> None:
    html = httpx.get(f"{loaded_api}/guide?lang=uk", timeout=60).text
    assert "переглянутими 04.12.2026" in html
    assert re.search(r"<h1>З чого почати\?</h1>", html)


def test_the_start_page_and_every_suggestion_lead_to_the_guide(loaded_api: str) -> None:
    start = _links(httpx.get(f"{loaded_api}/?lang=uk", timeout=60).text)
    assert "/guide" in start.links
    for code in (KHARKIV, MEMMINGEN):
        html = httpx.get(f"{loaded_api}/municipalities/{code}?lang=uk", timeout=60).text
        suggestions = re.findall(r'<li class="suggestion">(.*?)</li>', html, flags=re.DOTALL)
        assert len(suggestions) == 10
        assert all('href="/guide"' in s for s in suggestions)
