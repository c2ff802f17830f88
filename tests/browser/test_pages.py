"""The pages in a real browser: Debian's Chromium driven by Playwright, against the whole bundled data:
search, a municipality, language, keyboard, phone widths, contrast, the API docs (the map: ``test_map.py``).

The browser, the app and the pages are shared with the other browser tests (``tests/browser/conftest.py``).
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, union
from sqlalchemy.orm import Session, sessionmaker

from registry.models import Municipality, Partnership
from tests.browser.browsing import PHONE, Browsing, first_partnership, german_partners

pytestmark = pytest.mark.browser

KHARKIV = "UA63120270000028556"
MUNICH = "09162000"
BAVARIA = "09"


# ---------- search and the municipality page ----------


def test_search_finds_charkiw_and_its_page_shows_its_partners(
    browsing: Browsing, loaded_sessions: sessionmaker[Session]
) -> None:
    partners = german_partners(loaded_sessions, KHARKIV)
    browsing.open("/")
    page = browsing.page
    page.get_by_label("Kommune suchen (jede Schreibweise)").fill("Charkiw")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")
    first = page.locator("ol.results > li a").first
    assert first.get_attribute("href") == f"/municipalities/{KHARKIV}"
    assert first.inner_text() == "Charkiw"
    first.click()
    page.wait_for_url(f"**/municipalities/{KHARKIV}")
    assert page.locator("h1").inner_text().startswith("Charkiw")
    assert "Харків" in page.locator("h1").inner_text()
    rows = page.locator("tr.partner-row")
    assert rows.count() == len(partners)
    table = page.locator("table.partnerships").inner_text()
    for code, name in partners:
        assert name in table
        assert page.locator(f'table.partnerships a[href="/municipalities/{code}"]').count() == 1
    assert page.locator("li.suggestion").count() == 10
    assert "Rang 1 von " in page.locator("li.suggestion").first.inner_text()
    browsing.assert_clean()


# ---------- language, keyboard, phone, contrast ----------


def test_the_language_switch_works_and_sticks(browsing: Browsing) -> None:
    page = browsing.page
    browsing.open("/")
    assert page.locator("html").get_attribute("lang") == "de"  # the browser prefers German
    assert page.locator("nav").get_by_role("link", name="Karte").count() == 1
    assert page.locator(".lang-switch a").all_inner_texts() == ["English", "Українська"]
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=en]")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("nav").get_by_role("link", name="Map").count() == 1
    browsing.open("/coverage")  # no parameter: the cookie keeps English
    assert page.locator("h1").inner_text() == "Coverage: German partners for Ukrainian hromadas"
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=uk]")
    assert page.locator("h1").inner_text() == "Охоплення: німецькі партнери для українських громад"
    browsing.open("/")  # the cookie keeps Ukrainian over the browser's German
    assert page.evaluate("document.documentElement.lang") == "uk"
    assert page.locator(".lang-switch a").all_inner_texts() == ["Deutsch", "English"]
    # the map page's bar switches too, keeping the filters set without a reload
    browsing.open_map("/map?lang=en")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.select_option("#rm-land", BAVARIA)
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=de]")
    browsing.wait("document.documentElement.dataset.registryMap === 'ready'")
    assert page.evaluate("document.documentElement.lang") == "de"
    assert "land=09" in page.url
    assert page.locator("#rm-land").input_value() == BAVARIA
    assert page.get_by_text("Kommunen mit Partnerschaft").count() >= 1
    browsing.assert_clean()


def test_keyboard_reaches_the_content_first(browsing: Browsing) -> None:
    page = browsing.page
    browsing.open("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()  # shown while focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"  # the search field comes next
    browsing.assert_clean()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/municipalities/{KHARKIV}",
        "/coverage",
        "/partnerships/",
        "/search?q=Lviv",
        f"/municipalities/{MUNICH}/suggestions/{KHARKIV}",  # the printable suggestion, with its address
    ],
)
def test_pages_fit_a_phone(phone: Browsing, loaded_sessions: sessionmaker[Session], path: str) -> None:
    if path == "/partnerships/":  # the first partnership of Kharkiv
        path = f"/partnerships/{first_partnership(loaded_sessions, KHARKIV)}"
    phone.open(path)
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways ({width}px)"
    phone.assert_clean()


_CONTRAST = """(selector) => {
  // WCAG 2 contrast of each element's text against what lies behind it (semi-transparent layers blended)
  const parse = c => { const v = c.match(/[\\d.]+/g).map(Number); return v.length === 3 ? [...v, 1] : v; };
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, below) => [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3]));
  return [...document.querySelectorAll(selector)].slice(0, 20).map(el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] === 1) break;
    }
    let bg = [255, 255, 255];
    for (const layer of layers.reverse()) bg = over(layer, bg);
    const fg = parse(getComputedStyle(el).color);
    const a = lum(over(fg, bg)), b = lum(bg);
    return [el.textContent.trim().slice(0, 30), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""


@pytest.mark.parametrize(
    ("path", "selectors"),
    [
        (f"/municipalities/{KHARKIV}", ["h1", ".uk", ".meta", "a", ".nav-list a", "td", ".badge", ".hint"]),
        ("/coverage", [".stacked-label a", ".stacked-count", "figcaption", ".lead", "td a", ".zero"]),
        ("/", [".figure", ".figures li", "label", ".hint", "button", ".nav-list a"]),
    ],
)
def test_text_contrast_is_at_least_aa(browsing: Browsing, path: str, selectors: list[str]) -> None:
    browsing.open(path)
    for selector in selectors:
        ratios = browsing.page.evaluate(_CONTRAST, selector)
        low = [(text, round(ratio, 2)) for text, ratio in ratios if ratio < 4.5]
        assert low == [], f"{selector} on {path}"


def test_every_partnered_place_has_a_page(browsing: Browsing, loaded_sessions: sessionmaker[Session]) -> None:
    """The popups link to record pages: a sample of them must open (no 404 from the map)."""
    with loaded_sessions() as session:
        ends = union(
            select(Partnership.de_municipality_id), select(Partnership.ua_municipality_id)
        ).subquery()
        codes = session.scalars(
            select(Municipality.code)
            .where(Municipality.id.in_(select(ends.c[0])))
            .order_by(Municipality.code)
            .limit(8)
        ).all()
    for code in codes:
        browsing.open(f"/municipalities/{code}")
    browsing.assert_clean()


def test_the_api_docs_page_works_offline_and_lists_every_operation(browsing: Browsing) -> None:
    schema = httpx.get(f"{browsing.base}/schema/openapi.json").json()
    operations = sum(
        1
        for item in schema["paths"].values()
        for method in item
        if method in {"get", "post", "patch", "delete"}
    )
    browsing.open("/schema")
    page = browsing.page
    browsing.wait(f"document.querySelectorAll('.opblock').length === {operations}")
    assert page.locator(".opblock-summary-path", has_text="/api/suggestions").count() >= 1
    browsing.assert_clean()  # Swagger UI comes from the app itself, not from a CDN
