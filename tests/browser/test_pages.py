"""The pages in a real browser: Debian's Chromium driven by Playwright, against the whole bundled data.

The browser, the app and the pages are shared with the other browser tests (``tests/browser/conftest.py``).
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, aliased, sessionmaker

from registry.models import Municipality, Partnership
from tests.browser.browsing import PHONE, Browsing, first_partnership

pytestmark = pytest.mark.browser

KHARKIV = "UA63120270000028556"
BAVARIA = "09"


def _placed_counts(session: Session, land: str | None = None) -> tuple[int, int]:
    """Count what the map must draw: partnered places with coordinates, and lines between two of them."""
    de, ua = aliased(Municipality), aliased(Municipality)
    land_of_de = func.coalesce(de.region_id, de.id)
    statement = (
        select(Partnership.id, de.id, ua.id)
        .join(de, de.id == Partnership.de_municipality_id)
        .join(ua, ua.id == Partnership.ua_municipality_id)
    )
    if land is not None:
        region = select(Municipality.id).where(Municipality.code == land).scalar_subquery()
        statement = statement.where(land_of_de == region)
    rows = session.execute(statement).all()
    placed = set(
        session.scalars(
            select(Municipality.id).where(Municipality.lat.is_not(None), Municipality.lon.is_not(None))
        )
    )
    lines = sum(1 for _, d, u in rows if d in placed and u in placed)
    markers = {m for _, d, u in rows for m in (d, u) if m in placed}
    return len(markers), lines


# ---------- the map ----------


def test_map_loads_offline_and_draws_what_the_database_holds(
    browsing: Browsing, loaded_sessions: sessionmaker[Session]
) -> None:
    with loaded_sessions() as session:
        markers, lines = _placed_counts(session)
        total = session.scalar(select(func.count()).select_from(Partnership))
    browsing.open_map()
    page = browsing.page
    api = page.evaluate(
        "() => [registryMap.visibleMarkers(), registryMap.visibleLines(), registryMap.totals]"
    )
    assert api[0] == markers > 300
    assert api[1] == lines > 200
    assert api[2]["partnerships"] == total
    # and in the DOM: one SVG path per line; every place is an icon or counted in a cluster's number
    dom = page.evaluate(
        """() => ({
            lines: document.querySelectorAll('path.rm-line').length,
            icons: document.querySelectorAll('.leaflet-marker-icon.rm-marker').length,
            clustered: [...document.querySelectorAll('.marker-cluster')]
                .map(e => Number(e.textContent)).reduce((a, b) => a + b, 0),
        })"""
    )
    assert dom["lines"] == lines
    assert dom["icons"] + dom["clustered"] == markers
    assert page.locator("#rm-count").inner_text().startswith(f"{total} Partnerschaften")
    assert page.locator(".leaflet-control-layers").is_visible()
    assert page.locator("#rm-legend-box").is_visible()
    browsing.assert_clean()
    assert any("/static/vendor/leaflet-1.9.3/leaflet.js" in u for u in browsing.requests)
    assert any("/static/outlines/" in u for u in browsing.requests)


def test_a_filter_changes_what_is_shown_and_the_query_opens_it_again(
    browsing: Browsing, loaded_sessions: sessionmaker[Session]
) -> None:
    with loaded_sessions() as session:
        all_markers, all_lines = _placed_counts(session)
        markers, lines = _placed_counts(session, land=BAVARIA)
    assert 0 < lines < all_lines
    browsing.open_map()
    page = browsing.page
    page.select_option("#rm-land", BAVARIA)
    page.wait_for_function(f"registryMap.visibleLines() === {lines}")
    assert page.evaluate("registryMap.visibleMarkers()") == markers < all_markers
    assert page.evaluate("document.querySelectorAll('path.rm-line').length") == lines
    assert page.evaluate("registryMap.lineData().every(p => p.de_region === '09')")
    assert "land=09" in page.url
    # a kind on top: only solidarity partnerships of Bavaria remain
    page.check("input[name=kind][value=solidarity]")
    page.wait_for_function(f"registryMap.visibleLines() < {lines}")
    assert page.evaluate("registryMap.lineData().every(p => p.kind === 'solidarity' && p.de_region === '09')")
    # the address bar now holds the filters; opening it anew shows the same
    shown = page.evaluate("registryMap.visibleLines()")
    address = page.url.removeprefix(browsing.base)
    browsing.open_map(address)
    assert page.evaluate("registryMap.visibleLines()") == shown
    assert page.locator("#rm-land").input_value() == BAVARIA
    assert page.locator("input[name=kind][value=solidarity]").is_checked()
    browsing.assert_clean()


def test_a_popup_opens_on_click_and_from_the_keyboard(
    browsing: Browsing, loaded_sessions: sessionmaker[Session]
) -> None:
    with loaded_sessions() as session:
        de, ua = aliased(Municipality), aliased(Municipality)
        partners = session.scalars(
            select(func.coalesce(de.name_de, de.name))
            .join(Partnership, Partnership.de_municipality_id == de.id)
            .join(ua, ua.id == Partnership.ua_municipality_id)
            .where(ua.code == KHARKIV)
        ).all()
    assert partners
    browsing.open_map()
    page = browsing.page
    marker = page.evaluate_handle(f"registryMap.showMarker({KHARKIV!r})").as_element()
    assert marker is not None
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "Charkiw" in text
    assert "Харків" in text
    for name in partners:
        assert name in text
    assert popup.locator(f'a[href="/municipalities/{KHARKIV}"]').count() == 1
    page.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached")
    marker.focus()  # markers are focusable (keyboard: true) and open their popup with Enter
    page.keyboard.press("Enter")
    popup.wait_for(state="visible")
    assert "Charkiw" in popup.inner_text()
    browsing.assert_clean()


def test_the_unpartnered_layer_draws_when_switched_on(browsing: Browsing) -> None:
    browsing.open_map()
    page = browsing.page
    assert page.evaluate("registryMap.visibleUnpartnered()") == 0  # off at first
    page.get_by_label("Hromadas ohne deutschen Partner (Größe: Bedarf)").check()
    page.wait_for_function("registryMap.visibleUnpartnered() > 1000")
    assert page.locator("#rm-legend-unpartnered").is_visible()
    browsing.assert_clean()


# ---------- search and the municipality page ----------


def test_search_finds_charkiw_and_its_page_shows_its_partners(
    browsing: Browsing, loaded_sessions: sessionmaker[Session]
) -> None:
    with loaded_sessions() as session:
        de, ua = aliased(Municipality), aliased(Municipality)
        partners = session.execute(
            select(de.code, func.coalesce(de.name_de, de.name))
            .join(Partnership, Partnership.de_municipality_id == de.id)
            .join(ua, ua.id == Partnership.ua_municipality_id)
            .where(ua.code == KHARKIV)
        ).all()
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
    assert "Punktzahl" in page.locator("li.suggestion").first.inner_text()
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
    browsing.open("/statistics")  # no parameter: the cookie keeps English
    assert page.locator("h1").inner_text() == "Statistics"
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=uk]")
    assert page.locator("h1").inner_text() == "Статистика"
    browsing.open("/")  # the cookie keeps Ukrainian over the browser's German
    assert page.evaluate("document.documentElement.lang") == "uk"
    assert page.locator(".lang-switch a").all_inner_texts() == ["Deutsch", "English"]
    # the map page's bar switches too, keeping the filters set without a reload
    browsing.open_map("/map?lang=en")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.select_option("#rm-land", BAVARIA)
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=de]")
    page.wait_for_function("document.documentElement.dataset.registryMap === 'ready'")
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
    "path", ["/", f"/municipalities/{KHARKIV}", "/statistics", "/partnerships/", "/search?q=Lviv"]
)
def test_pages_fit_a_phone(phone: Browsing, loaded_sessions: sessionmaker[Session], path: str) -> None:
    if path == "/partnerships/":  # the first partnership of Kharkiv
        path = f"/partnerships/{first_partnership(loaded_sessions, KHARKIV)}"
    phone.open(path)
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways ({width}px)"
    phone.assert_clean()


def test_map_fits_a_phone(phone: Browsing) -> None:
    phone.open_map()
    page = phone.page
    assert page.evaluate("document.documentElement.lang") == "en"
    box = page.locator(".folium-map").bounding_box()
    assert box is not None
    assert box["width"] == PHONE["width"]
    assert box["height"] > PHONE["height"] / 2
    assert page.evaluate("document.documentElement.scrollHeight") <= PHONE["height"]
    assert not page.locator("#rm-filter-box").evaluate("d => d.open")  # folded on a phone
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
        ("/statistics", [".bar-label a", ".bar-count", "figcaption", ".lead"]),
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
    page.wait_for_function(f"document.querySelectorAll('.opblock').length === {operations}")
    assert page.locator(".opblock-summary-path", has_text="/api/suggestions").count() >= 1
    browsing.assert_clean()  # Swagger UI comes from the app itself, not from a CDN
