"""The pure helpers of the web pages: language choice, number formats, chart geometry, the map page's bar."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.api import charts, i18n, pages
from registry.api.pages_map import with_site_bar
from registry.locale import LANGS, Lang
from registry.map.labels import KINDS, PERIODS, STATUSES, WAR_STATUSES
from registry.matching.score import Suggestion


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        ("en", "de", "de-DE", ("en", True)),  # the query wins and sets the cookie
        ("uk", None, "de-DE", ("uk", True)),
        ("fr", "en", "de", ("en", False)),  # an unknown query value is ignored
        (None, "en", "de-DE,de;q=0.9", ("en", False)),  # the cookie beats the browser
        (None, "uk", "de-DE", ("uk", False)),
        (None, None, "fr-FR, en-GB;q=0.8, de;q=0.9", ("de", False)),  # the browser's best of ours
        (None, None, "en-US,en;q=0.9", ("en", False)),
        (None, None, "de;q=0, en;q=0.1", ("en", False)),  # q=0 means "not this one"
        (None, None, "fr, es", ("de", False)),  # none of ours: German
        (None, None, None, ("de", False)),
        (None, None, "en;q=abc, de", ("de", False)),  # a broken q-value is skipped
        (None, None, "uk", ("uk", False)),
        (None, None, "uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7", ("uk", False)),
        (None, None, "ru-UA,ru;q=0.9,en;q=0.8", ("uk", False)),  # Russian as spoken in Ukraine
        (None, None, "ru-RU,ru;q=0.9,en;q=0.8", ("en", False)),  # Russian elsewhere: the next preference
        (None, None, "ru", ("de", False)),
        (None, None, "de-DE,de;q=0.9,uk;q=0.8", ("de", False)),
        (None, None, "en;q=0.5, uk;q=0.9", ("uk", False)),
        (None, None, "uk_UA", ("uk", False)),
    ],
)
def test_choose_lang(
    query: str | None, cookie: str | None, accept: str | None, expected: tuple[str, bool]
) -> None:
    assert i18n.choose_lang(query, cookie, accept) == expected


@pytest.mark.parametrize("lang", LANGS)
def test_pages_name_the_maps_terms_alike(lang: Lang) -> None:
    """A page names a kind, status, period or war status exactly as the map's legend does."""
    for vocabulary, terms in (
        ("kind", KINDS),
        ("status", STATUSES),
        ("period", PERIODS),
        ("war", WAR_STATUSES),
    ):
        assert {t.code: i18n.term(lang, vocabulary, t.code) for t in terms} == {
            t.code: t.label(lang) for t in terms
        }


def test_a_term_missing_from_its_vocabulary_shows_its_code() -> None:
    assert i18n.term("uk", "kind", "solidarity") == "Партнерство солідарності"
    assert i18n.term("uk", "subtype", "city with special status") == "місто зі спеціальним статусом"
    assert i18n.term("uk", "war", "a_new_category") == "a_new_category"
    assert i18n.term("uk", "war", None) == ""
    with pytest.raises(ValueError, match="vocabulary"):
        i18n.term("uk", "colour", "red")


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "text"),
    [
        (1421125, "de", 0, "1.421.125"),
        (1421125, "en", 0, "1,421,125"),
        (1421125, "uk", 0, "1\u00a0421\u00a0125"),
        (349.8, "de", 1, "349,8"),
        (349.8, "uk", 1, "349,8"),
        (-289200, "de", 0, "-289.200"),
        (49.99232, "en", 4, "49.9923"),
        (None, "de", 0, ""),
    ],
)
def test_number(value: float | None, lang: Lang, decimals: int, text: str) -> None:
    assert i18n.number(value, lang, decimals=decimals) == text


def test_date() -> None:
    day = dt.date(2025, 4, 30)
    assert i18n.date(day, "de") == "30.04.2025"
    assert i18n.date(day, "uk") == "30.04.2025"
    assert i18n.date(day, "en") == "30 Apr 2025"
    assert i18n.date("2025-04-30", "uk") == "30.04.2025"  # a source's edition, stored as text
    assert i18n.date("2024 Q3", "uk") == "2024 Q3"
    assert i18n.date(None, "en") == ""


def test_names_are_in_the_readers_language_and_script() -> None:
    kharkiv = {"ua_code": "UA63120270000028556", "ua_name": "Kharkiv", "ua_name_de": "Charkiw",
               "ua_name_en": None, "ua_name_uk": "Харків"}  # fmt: skip
    assert i18n.name_and_lang(kharkiv, "de", "ua_") == ("Charkiw", "de")
    assert i18n.name_and_lang(kharkiv, "en", "ua_") == ("Kharkiv", "en")  # falls back to the own name
    assert i18n.name_and_lang(kharkiv, "uk", "ua_") == ("Харків", "uk")
    munich = {"code": "09162000", "country": "DE", "name": "München", "name_de": "München",
              "name_en": "Munich", "name_uk": "Мюнхен"}  # fmt: skip
    assert i18n.name_and_lang(munich, "en") == ("Munich", "en")
    assert i18n.name_and_lang(munich, "uk") == ("München", "de")  # German names stay in Latin script
    assert i18n.display_name({"code": "X"}, "en") == "X"


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (3, 1), (5, 2), (8, 2), (9, 5), (52, 20), (124, 50), (1000, 500)]
)
def test_nice_step(largest: int, step: int) -> None:
    assert charts.nice_step(largest) == step
    assert largest / step <= 4


def test_year_chart_geometry() -> None:
    chart = charts.year_chart([(2020, 2), (2022, 10), (2023, 5)])
    assert [b.year for b in chart.bars] == [2020, 2021, 2022, 2023]  # the gap year gets an empty column
    assert [b.count for b in chart.bars] == [2, 0, 10, 5]
    assert [b.cumulative for b in chart.bars] == [2, 2, 12, 17]
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.year == 2022
    assert tallest.y + tallest.height == pytest.approx(chart.bottom)
    assert chart.bars[1].height == 0
    assert all(chart.left <= b.x and b.x + b.width <= chart.right + 1e-6 for b in chart.bars)
    assert chart.count_ticks[0].value == 0
    assert chart.count_ticks[-1].value >= 10
    assert chart.total_ticks[-1].value >= 17
    assert len(chart.line.split()) == 4
    # the line's last point is the total's height on the right axis
    last_y = float(chart.line.split()[-1].split(",")[1])
    scale = (chart.bottom - chart.top) / chart.total_ticks[-1].value
    assert last_y == pytest.approx(chart.bottom - 17 * scale, abs=0.01)


def test_year_chart_of_nothing() -> None:
    assert charts.year_chart([]).bars == []


def test_year_ticks_stay_few_on_a_long_axis() -> None:
    chart = charts.year_chart([(1961, 1), (2026, 1)])
    assert len(chart.bars) == 66
    assert 3 <= len(chart.year_ticks) <= 9
    assert all(t.value % 10 == 0 for t in chart.year_ticks)


def test_year_chart_keeps_the_undated_as_their_own_column() -> None:
    chart = charts.year_chart([(2020, 2), (2022, 10), (2023, 5)], unknown=12)
    assert chart.unknown is not None
    assert chart.unknown.count == 12
    assert chart.unknown.x > chart.bars[-1].x + chart.bars[-1].width  # after a gap, right of the years
    assert chart.unknown.height > max(b.height for b in chart.bars)  # on the same scale, the tallest
    assert chart.bars[-1].cumulative == 17  # the running total counts the dated ones only


def test_year_chart_sums_the_early_decades_into_one_column() -> None:
    chart = charts.year_chart([(1961, 1), (1990, 2), (2010, 3), (2024, 4)], span=20)
    assert chart.earlier == 2005
    assert (chart.bars[0].year, chart.bars[0].count) == (2004, 3)  # 1961 and 1990, before 2005
    assert len(chart.bars) == 21
    assert all(t.value >= 2005 for t in chart.year_ticks)
    assert chart.bars[-1].cumulative == 10


def test_stacked_bars_scale_to_the_largest_total() -> None:
    rows = charts.stacked_bars([("A", "/a", [("x", 6), ("y", 2)]), ("B", None, [("x", 0), ("y", 4)])])
    assert [r.total for r in rows] == [8, 4]
    assert [(s.start, s.width) for s in rows[0].segments] == [(0.0, 75.0), (75.0, 25.0)]
    assert [(s.start, s.width) for s in rows[1].segments] == [(0.0, 0.0), (0.0, 50.0)]


def test_site_bar_goes_into_the_builders_page() -> None:
    page = "<html><head><title>x</title></head>\n<body><div class='folium-map'></div></body></html>"
    out = with_site_bar(page, "<header>BAR</header>")
    order = [out.index(s) for s in ("map-page.css", "map-page.js", "</head>", "<body>", "BAR", "folium-map")]
    assert order == sorted(order)
    with pytest.raises(ValueError, match="substring not found"):
        with_site_bar("<p>no page</p>", "<header></header>")


def test_an_explanation_is_in_the_page_language() -> None:
    found = Suggestion(
        code="UA63120270000028556", name="Kharkiv", name_uk="Харків", level="hromada", score=0.5, rank=1,
        candidates=1400, criteria={}, weighted={}, explanation_de="Ähnliche Größe.",
        explanation_en="Similar size.", explanation_uk="Схожий розмір.", flags=(),
    )  # fmt: skip
    assert pages.explanation(found, "de") == ("Ähnliche Größe.", "de")
    assert pages.explanation(found, "en") == ("Similar size.", "en")
    assert pages.explanation(found, "uk") == ("Схожий розмір.", "uk")
