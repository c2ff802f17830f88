"""The web pages over real HTTP on the subset: content, language, links, escaping, the map page's data.

The browser tests (``tests/browser``) drive the same pages in Chromium; these check what the server
sends, fast and without a browser.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from registry import db
from registry.api.app import create_app
from registry.map.builder import extract_data
from registry.models import Municipality, Partnership
from registry.repository import needs
from registry.repository.audit import Actor
from registry.services.coverage import coverage
from registry.services.loading import load_bundled
from registry.services.needs import create_declared
from tests.devtools import serve_app

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from registry.config import Settings

CHERNIHIV = "UA74100390000073425"
CHERNIHIV_CENTRE = "UA74100390010054825"  # the city itself, a settlement of the hromada
MEMMINGEN = "09764000"
SEVASTOPOL = "UA85000000000065278"  # occupied
BAVARIA = "09"
UNTERALLGAEU = "09778"  # a Landkreis


@pytest.fixture(scope="module")
def site(subset_database: Settings) -> Iterator[str]:
    with serve_app(replace(subset_database, map_tiles=None)) as url:
        yield url


@pytest.fixture(scope="module")
def memmingen_chernihiv(subset_sessions: sessionmaker[Session]) -> int:
    de, ua = aliased(Municipality), aliased(Municipality)
    with subset_sessions() as session:
        found = session.scalar(
            select(Partnership.id)
            .join(de, de.id == Partnership.de_municipality_id)
            .join(ua, ua.id == Partnership.ua_municipality_id)
            .where(de.code == MEMMINGEN, ua.code == CHERNIHIV)
        )
    assert found is not None
    return found


class _Page(HTMLParser):
    """Collect what the checks below look at: links, loads, labels, landmarks, text."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.links: list[str] = []
        self.loads: list[str] = []
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "a" and a.get("href") is not None:
            self.links.append(str(a["href"]))
        if tag in ("script", "img") and a.get("src"):
            self.loads.append(str(a["src"]))
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "preload", "icon"):
            self.loads.append(str(a["href"]))
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        if tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def stays_here(url: str) -> bool:
    """Tell whether loading ``url`` from a page stays on the page's server."""
    return url.startswith("data:") or (urlsplit(url).scheme == "" and not url.startswith("//"))


def get(site: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(site + path, timeout=60, **kwargs)


def fact_row(html: str, label: str) -> str:
    """Return the row of the facts table for the fact labelled ``label``."""
    found = re.search(rf'<tr><th scope="row">{re.escape(label)}</th>.*?</tr>', html, flags=re.DOTALL)
    assert found, f"no {label} row"
    return found.group()


# ---------- every page: status, language, landmarks, labels, links ----------

PAGES = [
    "/",
    "/search?q=Tschernihiw",
    f"/municipalities/{CHERNIHIV}",
    f"/municipalities/{MEMMINGEN}",
    f"/municipalities/{BAVARIA}",
    f"/municipalities/{SEVASTOPOL}",
    "/coverage",
    "/guide",
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["de", "en", "uk"])
def test_page_is_accessible_html(site: str, path: str, lang: str) -> None:
    sep = "&" if "?" in path else "?"
    response = get(site, f"{path}{sep}lang={lang}")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.lang == lang
    assert page.tags.count("main") == 1
    assert page.tags.count("h1") == 1
    assert "nav" in page.tags
    assert "header" in page.tags
    assert "footer" in page.tags
    assert page.links[0] == "#main", "the first link skips to the content"
    unlabelled = [c for c in page.controls if c.get("id") not in page.label_for and not c.get("aria-label")]
    assert unlabelled == []
    for href in page.links:
        scheme = urlsplit(href).scheme
        assert scheme in ("", "http", "https"), href
    for url in page.loads:
        assert stays_here(url), f"{url} would leave the server"
        if not url.startswith("data:"):
            assert get(site, url).status_code == 200, url


def test_language_cookie_sticks_and_the_browser_preference_counts(site: str) -> None:
    with httpx.Client(base_url=site, timeout=60) as client:
        first = client.get("/?lang=uk")
        assert "lang=uk" in first.headers["set-cookie"]
        assert parse(client.get("/coverage").text).lang == "uk"  # the cookie, no parameter
        assert parse(client.get("/coverage", headers={"Accept-Language": "de"}).text).lang == "uk"
        assert parse(client.get("/coverage?lang=en").text).lang == "en"
        assert parse(client.get("/").text).lang == "en"
    assert "set-cookie" not in get(site, "/").headers  # only an explicit choice sets the cookie
    assert "Accept-Language" in get(site, "/").headers["vary"]


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("uk", "uk"),
        ("uk-UA,uk;q=0.9,en-US;q=0.8", "uk"),
        ("uk,de;q=0.5", "uk"),
        ("ru-UA,ru;q=0.9", "uk"),  # Russian as set in Ukraine: Ukrainian, not German
        ("ru-RU,ru;q=0.9,en;q=0.5", "en"),
        ("de-DE,de;q=0.9,uk;q=0.8", "de"),
        ("fr-FR", "de"),
    ],
)
def test_the_browser_language_chooses_the_page_language(site: str, accept: str, lang: str) -> None:
    assert parse(get(site, "/guide", headers={"Accept-Language": accept}).text).lang == lang


def test_the_switch_offers_every_other_language_in_its_own_name(site: str) -> None:
    html = get(site, "/search?q=Tschernihiw&country=UA&lang=uk").text
    switch = re.search(r'<nav class="lang-switch".*?</nav>', html, flags=re.DOTALL)
    assert switch
    links = re.findall(
        r'<a class="lang-link" href="([^"]+)" hreflang="(\w+)" lang="(\w+)"[^>]*>([^<]+)</a>', switch.group()
    )
    assert links == [
        ("/search?q=Tschernihiw&amp;country=UA&amp;lang=de", "de", "de", "Deutsch"),
        ("/search?q=Tschernihiw&amp;country=UA&amp;lang=en", "en", "en", "English"),
    ]
    assert '<link rel="alternate" hreflang="de"' in html
    assert parse(html).lang == "uk"


def test_switch_link_keeps_the_other_parameters(site: str) -> None:
    page = parse(get(site, "/search?q=Tschernihiw&country=UA&lang=de").text)
    switch = [h for h in page.links if "lang=" in h]
    assert switch == ["/search?q=Tschernihiw&country=UA&lang=en", "/search?q=Tschernihiw&country=UA&lang=uk"]


def test_ukrainian_pages_format_numbers_and_dates_as_ukrainian(site: str) -> None:
    html = get(site, f"/municipalities/{CHERNIHIV}?lang=uk").text
    population = fact_row(html, "Населення")
    assert re.search(r"\d{3}\u00a0\d{3} <span class=\"meta\">\(станом на \d{2}\.\d{2}\.\d{4}\)", population)
    assert "Чернігів" in re.search(r"<h1>.*?</h1>", html, flags=re.DOTALL).group()  # type: ignore[union-attr]


# ---------- errors a reader meets ----------


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/no-such-page?lang=uk", 404, "Такої сторінки немає."),
        ("/search?country=XX&lang=uk", 400, "Адреса містить значення, яке ця сторінка не може використати."),
        ("/partnerships/999999?lang=uk", 404, "Немає партнерства з номером 999999."),
        (
            "/municipalities/NOPE123?lang=de",
            404,
            'Keine Kommune mit dem Schlüssel <code translate="no">NOPE123</code>.',
        ),
        ("/no-such-page?lang=en", 404, "There is no such page."),
    ],
)
def test_a_browser_gets_an_error_page_in_its_language(site: str, path: str, status: int, text: str) -> None:
    response = get(site, path, headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.lang == path.rsplit("=", 1)[1]
    assert text in response.text
    assert "/" in page.links  # the way back


def test_an_error_page_names_the_parameter_at_fault(site: str) -> None:
    html = get(site, "/search?country=XX", headers={"Accept": "text/html"}).text
    assert '<code translate="no">country</code>' in html


@pytest.mark.parametrize(
    ("path", "accept"),
    [("/no-such-page", "application/json"), ("/api/nope", "text/html"), ("/search?country=XX", "*/*")],
)
def test_programs_still_get_problem_details(site: str, path: str, accept: str) -> None:
    response = get(site, path, headers={"Accept": accept})
    assert response.status_code in (400, 404)
    assert response.headers["content-type"] == "application/problem+json"


# ---------- search ----------


@pytest.mark.parametrize("query", ["Tschernihiw", "Chernihiv", "Чернігів", "chernigov"])
def test_search_finds_any_spelling(site: str, query: str) -> None:
    page = parse(get(site, "/search", params={"q": query}).text)
    results = [h for h in page.links if h.startswith("/municipalities/")]
    assert results[0] == f"/municipalities/{CHERNIHIV}"


def test_search_without_hits_says_so(site: str) -> None:
    assert "Keine Kommune gefunden" in get(site, "/search?q=Xyzzyqwv&lang=de").text


def test_search_rejects_an_overlong_query(site: str) -> None:
    assert get(site, "/search", params={"q": "x" * 201}).status_code == 400


# ---------- the municipality page ----------


def test_municipality_page_shows_facts_partners_suggestions_and_exports(
    site: str, subset_sessions: sessionmaker[Session], memmingen_chernihiv: int
) -> None:
    html = get(site, f"/municipalities/{CHERNIHIV}?lang=de").text
    page = parse(html)
    text = " ".join(page.text)
    assert "Tschernihiw" in text
    assert "Чернігів" in html
    assert 'lang="uk"' in html
    assert "Einwohner" in text
    assert "Kriegsstatus" in text
    assert "Kyiv School of Economics" in text  # the source of the population
    # every partnership, with its partner and its sources
    ua = aliased(Municipality)
    de = aliased(Municipality)
    with subset_sessions() as session:
        partners = session.execute(
            select(de.code, Partnership.id)
            .join(de, de.id == Partnership.de_municipality_id)
            .join(ua, ua.id == Partnership.ua_municipality_id)
            .where(ua.code == CHERNIHIV)
        ).all()
    assert partners
    for code, pid in partners:
        assert f"/municipalities/{code}" in page.links
        assert f"/partnerships/{pid}" in page.links
    assert "https://" in html  # partnership sources are linked
    suggestions = re.findall(r'<li class="suggestion">(.*?)</li>', html, flags=re.DOTALL)
    assert len(suggestions) == 10
    # The rank among all candidates, not a score without a scale ("Punktzahl 6,62").
    ranks = [re.search(r"Rang (\d+) von ([\d.]+)", s) for s in suggestions]
    assert all(ranks)
    assert [int(m.group(1)) for m in ranks if m] == list(range(1, 11))
    assert "Punktzahl" not in html
    assert MEMMINGEN not in "".join(suggestions), "an existing partner is never suggested"
    for export in (
        f"/api/municipalities/{CHERNIHIV}",
        f"/api/partnerships.csv?hromada={CHERNIHIV}",
        f"/api/partnerships.geojson?hromada={CHERNIHIV}",
    ):
        assert export in page.links
    english = get(site, f"/municipalities/{CHERNIHIV}?lang=en").text
    assert "Rank 1 of " in english
    assert "Population" in english


@pytest.mark.parametrize(
    ("code", "area_source"),
    [
        (CHERNIHIV, "Hromadas of the 2020 reform"),  # ua/hromadas.csv
        (MEMMINGEN, "Gemeindeverzeichnis (GV-ISys)"),  # its own row of the Gemeindeverzeichnis
        (UNTERALLGAEU, "Kreise derived from the Gemeindeverzeichnis"),
        (BAVARIA, "Gemeindeverzeichnis (GV-ISys)"),  # the sum over its Gemeinden
    ],
)
def test_every_fact_on_a_municipality_page_names_its_source(site: str, code: str, area_source: str) -> None:
    html = get(site, f"/municipalities/{code}?lang=en").text
    facts = re.search(r'<table class="facts.*?</table>', html, flags=re.DOTALL)
    assert facts, "no facts table"
    assert "no source recorded" not in facts.group()
    assert area_source in fact_row(html, "Area")


def test_a_german_municipality_gets_hromadas_suggested(site: str) -> None:
    html = get(site, f"/municipalities/{MEMMINGEN}?lang=en").text
    suggested = re.findall(r'<li class="suggestion">\s*<h3><a href="/municipalities/(UA\d+)"', html)
    assert len(suggested) == 10
    assert CHERNIHIV not in suggested
    assert f"/api/partnerships.csv?municipality={MEMMINGEN}" in html


def test_a_land_gets_oblasts_suggested(site: str) -> None:
    html = get(site, f"/municipalities/{BAVARIA}?lang=de").text
    suggested = re.findall(r'<li class="suggestion">\s*<h3><a href="/municipalities/(UA\d+)"', html)
    assert suggested
    assert all(code[4:13] == "000000000" for code in suggested)  # oblasts (and Kyiv), no hromada


@pytest.mark.parametrize(
    ("code", "message"),
    [(SEVASTOPOL, "Besetzte Hromadas können keine Unterstützung empfangen")],
)
def test_no_suggestions_and_why(site: str, code: str, message: str) -> None:
    html = get(site, f"/municipalities/{code}?lang=de").text
    assert message in html
    assert 'class="suggestion"' not in html


def test_another_code_of_a_unit_redirects_to_its_page(site: str) -> None:
    response = get(site, f"/municipalities/{CHERNIHIV_CENTRE}", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/municipalities/{CHERNIHIV}"
    in_ukrainian = get(site, f"/municipalities/{CHERNIHIV_CENTRE}?lang=uk", follow_redirects=False)
    assert in_ukrainian.headers["location"] == f"/municipalities/{CHERNIHIV}?lang=uk"  # the language stays


@pytest.mark.parametrize("path", ["/municipalities/NOPE123", "/partnerships/999999"])
def test_unknown_records_get_an_html_404(site: str, path: str) -> None:
    response = get(site, path + "?lang=en")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


# ---------- the partnership page ----------


def test_partnership_page(site: str, memmingen_chernihiv: int) -> None:
    html = get(site, f"/partnerships/{memmingen_chernihiv}?lang=de").text
    page = parse(html)
    assert page.lang == "de"
    assert f"/municipalities/{MEMMINGEN}" in page.links
    assert f"/municipalities/{CHERNIHIV}" in page.links
    assert "Städtepartnerschaft" in html
    assert f"/api/partnerships/{memmingen_chernihiv}" in page.links
    assert "Quellen" in html
    assert f"/map?focus={MEMMINGEN}" in page.links  # the map focused on a partner, showing this line


# ---------- coverage ----------


def test_coverage_page_charts_the_services_figures(site: str, subset_sessions: sessionmaker[Session]) -> None:
    with subset_sessions() as session:
        figures = coverage(session)
    html = get(site, "/coverage?lang=en").text
    years = {y: int(n) for y, n in re.findall(r'data-year="([\w-]+)" data-count="(\d+)"', html)}
    assert years.pop("unknown") == figures.year_unknown > 0  # the undated ones: a column of their own
    assert sum(years.values()) + figures.year_unknown == figures.partnerships
    assert 'role="img"' in html
    for land in figures.lands:
        if land.partnerships:
            assert f'href="/map?land={land.code}"' in html
    for oblast in figures.oblasts:  # every oblast, those without a German partner too
        assert oblast.names.en in html


# ---------- the map page ----------


def test_map_page_carries_every_partnership_and_respects_the_query(
    site: str, subset_sessions: sessionmaker[Session]
) -> None:
    with subset_sessions() as session:
        total = session.scalar(select(func.count()).select_from(Partnership))
    response = get(site, "/map?land=09&kind=solidarity&kind=partnership&year_from=2000&lang=en")
    assert response.status_code == 200
    data = extract_data(response.text)
    assert len(data["partnerships"]["rows"]) == total
    assert data["filters"]["land"] == "09"
    assert data["filters"]["kind"] == ["solidarity", "partnership"]
    assert data["filters"]["year_from"] == 2000
    assert data["tiles"] is False
    assert "openstreetmap.org" not in response.text.split('id="registry-map-data"')[0]
    page = parse(response.text)
    assert page.lang == "en"
    assert "/" in page.links
    assert "/coverage" in page.links
    for url in page.loads:
        assert stays_here(url), url
        if not url.startswith("data:"):
            assert get(site, url).status_code == 200, url
    for outline in data["outlines"]:
        assert get(site, outline["url"]).status_code == 200


def test_static_files_are_cached(site: str) -> None:
    response = get(site, "/static/vendor/leaflet-1.9.3/leaflet.js")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    assert get(site, "/static/pages.css").status_code == 200
    assert get(site, "/static/nope.css").status_code == 404


def test_unknown_tile_setting_is_refused_at_start(subset_database: Settings) -> None:
    with pytest.raises(ValueError, match="REGISTRY_MAP_TILES"):
        create_app(replace(subset_database, map_tiles="mapbox"))


# ---------- names from the database are escaped ----------


@pytest.fixture
def hostile(settings: Settings, sessions: sessionmaker[Session], subset_dir: Path) -> Settings:
    """A fresh subset database in which Chernihiv's names are markup."""
    load_bundled(sessions, subset_dir, lambda _message: None)
    with db.transaction(sessions) as session:
        unit = session.scalars(select(Municipality).where(Municipality.code == CHERNIHIV)).one()
        unit.name_de = unit.name_en = '<script>alert("x")</script>{{ 7*7 }}'
        unit.name_uk = "<img src=x onerror=alert(1)>"
    return replace(settings, map_tiles=None)


def test_names_are_escaped_on_every_page(hostile: Settings) -> None:
    with serve_app(hostile) as url:
        for path in (f"/municipalities/{CHERNIHIV}", f"/municipalities/{MEMMINGEN}", "/coverage", "/"):
            html = get(url, path).text
            assert "<script>alert" not in html, path
            assert "<img src=x" not in html, path
        municipality = get(url, f"/municipalities/{CHERNIHIV}").text
        assert "&lt;script&gt;alert" in municipality
        assert "{{ 7*7 }}" in municipality  # template syntax in data stays text
        map_page = get(url, "/map").text
        assert "<script>alert" not in map_page
        assert "<img src=x" not in map_page


# ---------- needs and offers, in the reader's language ----------


@pytest.fixture
def declared(settings: Settings, sessions: sessionmaker[Session], subset_dir: Path) -> Settings:
    """A fresh subset database in which Chernihiv declared a need and Memmingen an offer."""
    load_bundled(sessions, subset_dir, lambda _message: None)
    with db.transaction(sessions) as session:
        actor = Actor("test editor")
        create_declared(session, needs.NEED, CHERNIHIV, {"category": "water", "priority": 1}, actor)
        create_declared(
            session, needs.OFFER, MEMMINGEN, {"category": "energy_heating", "note": "<b>x</b>"}, actor
        )
    return replace(settings, map_tiles=None)


def test_needs_and_offers_show_in_the_readers_language(declared: Settings) -> None:
    with serve_app(declared) as url:
        chernihiv = {
            lang: get(url, f"/municipalities/{CHERNIHIV}?lang={lang}").text for lang in ("de", "en", "uk")
        }
        memmingen = get(url, f"/municipalities/{MEMMINGEN}?lang=uk").text
        bavaria = get(url, f"/municipalities/{BAVARIA}?lang=uk").text
    assert "<strong>Wasserversorgung und Abwasser</strong>" in chernihiv["de"]
    assert "<strong>Water supply and wastewater</strong>" in chernihiv["en"]
    assert "<strong>Водопостачання та водовідведення</strong>" in chernihiv["uk"]
    assert "Заявлені потреби" in chernihiv["uk"]
    assert "<strong>Енергетика та теплопостачання</strong>" in memmingen
    assert "&lt;b&gt;x&lt;/b&gt;" in memmingen  # a note is text, never markup
    assert "Муніципалітет не заявив пропозицій." in bavaria  # a Land may offer too; it has not
