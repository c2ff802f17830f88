"""Every page and form read in Chromium by a browser that asks for Ukrainian: no German or English left.

The rule for what a page may show in Latin script: the interface is Ukrainian, so every Latin-script
word of the visible text and of the labels (aria-label, title, data-label) must be one of the proper
names and technical terms in ``LATIN_TERMS``, or stand inside an element that says it is not interface
text: marked with another language (``lang="de"``: a German place name, a note recorded in English),
``translate="no"`` (place names, spellings, codes, publishers), ``<code>`` or ``<cite>`` (the titles of
sources, quoted as published).
"""

from __future__ import annotations

import re
from typing import Final

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.browsing import PHONE, Browsing, first_partnership

pytestmark = pytest.mark.browser

KHARKIV = "UA63120270000028556"
MUNICH = "09162000"
BAVARIA = "09"
SEVASTOPOL = "UA85000000000065278"
# Proper names and technical terms that Ukrainian writes in Latin script.
LATIN_TERMS: Final = frozenset({
    "API", "JSON", "CSV", "GeoJSON",
    "SKEW", "Engagement", "Global", "BMZ", "GIZ", "DAC", "Nakopa", "Cities4Cities", "United4Ukraine",
    "Connective", "Cities", "SALAR", "International", "CEMR",
})  # fmt: skip
LATIN_WORD: Final = re.compile(r"[A-Za-zÀ-ɏ][\wÀ-ɏ]*")

# The interface text of a page (or of the part under `root`), without what is marked as not interface.
_INTERFACE_TEXT = """(root) => {
  const scope = root ? document.querySelector(root) : document.body;
  const pageLang = document.documentElement.lang;
  const excluded = el => el.closest('script, style, noscript, code, cite, [translate="no"]') !== null
    || (el.closest('[lang]') || document.documentElement).lang !== pageLang;
  const out = [];
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.data.trim() && !excluded(node.parentElement)) out.push(node.data.trim());
  }
  for (const el of scope.querySelectorAll('[aria-label], [title], [data-label], [placeholder], [alt]')) {
    if (excluded(el)) continue;
    for (const name of ['aria-label', 'title', 'data-label', 'placeholder', 'alt']) {
      if (el.hasAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  return out;
}"""


def latin_words(page: Browsing, root: str | None = None) -> list[str]:
    """Return the Latin-script words of a page's interface text that are not allowed terms."""
    texts: list[str] = page.page.evaluate(_INTERFACE_TEXT, root)
    assert texts, "no text read"
    return sorted({w for text in texts for w in LATIN_WORD.findall(text) if w not in LATIN_TERMS})


def test_every_page_reads_in_ukrainian(ukrainian: Browsing, loaded_sessions: sessionmaker[Session]) -> None:
    pages = [
        ("/", 200),
        ("/guide", 200),
        ("/search?q=Lviv", 200),
        ("/search?q=M%C3%BCnchen&country=DE", 200),  # German results and their Kreise
        (f"/municipalities/{KHARKIV}", 200),
        (f"/municipalities/{MUNICH}", 200),
        (f"/municipalities/{BAVARIA}", 200),
        (f"/municipalities/{SEVASTOPOL}", 200),
        (f"/partnerships/{first_partnership(loaded_sessions, KHARKIV)}", 200),
        ("/coverage", 200),
        ("/no-such-page", 404),
        ("/search?country=XX", 400),
        ("/municipalities/NOPE123", 404),
    ]
    left = {}
    for path, status in pages:
        ukrainian.open(path, status=status)  # no ?lang=: the browser's Accept-Language chooses
        assert ukrainian.page.evaluate("document.documentElement.lang") == "uk", path
        assert re.search(r"[\u0400-\u04FF]", ukrainian.page.title()), path
        if words := latin_words(ukrainian):
            left[path] = words
    assert left == {}
    ukrainian.assert_clean()


def test_the_search_form_works_in_ukrainian(ukrainian: Browsing) -> None:
    page = ukrainian.page
    ukrainian.open("/")
    page.get_by_label("Знайти громаду чи муніципалітет (будь-яке написання)").fill("Харків")
    page.get_by_label("Країна").select_option("UA")
    page.get_by_role("button", name="Шукати").click()
    page.wait_for_url("**/search?**")
    assert page.locator("h1").inner_text() == "Результати для «Харків»"
    first = page.locator("ol.results > li a").first
    assert first.inner_text() == "Харків"
    assert "територіальна громада" in page.locator("ol.results > li").first.inner_text()
    assert latin_words(ukrainian) == []
    first.click()
    page.wait_for_url(f"**/municipalities/{KHARKIV}")
    assert page.locator("h1").inner_text() == "Харків"
    assert page.locator("li.suggestion").count() == 10
    assert "Місце 1 з " in page.locator("li.suggestion").first.inner_text()
    # the explanation is English until the matching explains in Ukrainian, and says so
    explanation = page.locator("li.suggestion .explanation").first
    assert explanation.get_attribute("lang") in (None, "en")
    with page.expect_navigation():
        page.locator("li.suggestion").first.get_by_role(
            "link", name="Що далі: перші кроки та програми підтримки"
        ).click()
    assert page.locator("h1").inner_text() == "З чого почати?"
    ukrainian.assert_clean()


def test_the_map_page_bar_and_legend_read_in_ukrainian(ukrainian: Browsing) -> None:
    """The map's own texts are the map module's (domain `map`); its bar and its vocabularies are ours."""
    page = ukrainian.page
    ukrainian.open_map("/map")
    assert page.evaluate("document.documentElement.lang") == "uk"
    assert latin_words(ukrainian, ".site-bar") == []
    assert latin_words(ukrainian, "#rm-panel") == []  # filters, layers and legend: the map's catalogue
    legend = page.locator("#rm-legend-box").text_content() or ""  # the hidden parts too
    for term in ("Партнерство солідарності", "з 2022 року", "активні бойові дії"):
        assert term in legend
    ukrainian.assert_clean()


@pytest.mark.parametrize(
    "path", ["/", f"/municipalities/{KHARKIV}", "/guide", f"/municipalities/{MUNICH}/suggestions/{KHARKIV}"]
)
def test_ukrainian_pages_fit_a_phone(ukrainian_phone: Browsing, path: str) -> None:
    ukrainian_phone.open(path)
    width = ukrainian_phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways ({width}px)"
    ukrainian_phone.assert_clean()
