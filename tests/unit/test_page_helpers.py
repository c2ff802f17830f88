"""The pure helpers of the web pages: language choice, number formats, chart geometry, the map page's bar."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.api import charts, i18n
from registry.api.pages_map import with_site_bar
from registry.map.labels import KINDS, STATUSES, WAR_STATUSES


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        ("en", "de", "de-DE", ("en", True)),  # the query wins and sets the cookie
        ("fr", "en", "de", ("en", False)),  # an unknown query value is ignored
        (None, "en", "de-DE,de;q=0.9", ("en", False)),  # the cookie beats the browser
        (None, None, "fr-FR, en-GB;q=0.8, de;q=0.9", ("de", False)),  # the browser's best of ours
        (None, None, "en-US,en;q=0.9", ("en", False)),
        (None, None, "de;q=0, en;q=0.1", ("en", False)),  # q=0 means "not this one"
        (None, None, "fr, es", ("de", False)),  # none of ours: German
        (None, None, None, ("de", False)),
        (None, None, "en;q=abc, de", ("de", False)),  # a broken q-value is skipped
    ],
)
def test_choose_lang(
    query: str | None, cookie: str | None, accept: str | None, expected: tuple[str, bool]
) -> None:
    assert i18n.choose_lang(query, cookie, accept) == expected


def test_both_languages_have_every_string() -> None:
    de, en = i18n.texts("de"), i18n.texts("en")
    assert de.keys() == en.keys()
    assert all(de.values())
    assert all(en.values())
    assert de["nav_map"] == "Karte"
    assert en["nav_map"] == "Map"


def test_vocabularies_are_the_maps() -> None:
    """A page names a kind, status or war status exactly as the map does."""
    v = i18n.vocabularies("de")
    assert v["kinds"] == {t.code: t.de for t in KINDS}
    assert v["statuses"] == {t.code: t.de for t in STATUSES}
    assert v["war"] == {t.code: t.de for t in WAR_STATUSES}


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "text"),
    [
        (1421125, "de", 0, "1.421.125"),
        (1421125, "en", 0, "1,421,125"),
        (349.8, "de", 1, "349,8"),
        (-289200, "de", 0, "-289.200"),
        (49.99232, "en", 4, "49.9923"),
        (None, "de", 0, ""),
    ],
)
def test_number(value: float | None, lang: i18n.Lang, decimals: int, text: str) -> None:
    assert i18n.number(value, lang, decimals=decimals) == text


def test_date() -> None:
    day = dt.date(2025, 4, 30)
    assert i18n.date(day, "de") == "30.04.2025"
    assert i18n.date(day, "en") == "30 Apr 2025"
    assert i18n.date(None, "en") == ""


def test_display_name_prefers_the_language() -> None:
    row = {"ua_code": "UA1", "ua_name": "Kharkiv", "ua_name_de": "Charkiw", "ua_name_en": None}
    assert i18n.display_name(row, "de", "ua_") == "Charkiw"
    assert i18n.display_name(row, "en", "ua_") == "Kharkiv"
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


def test_periods_match_the_map() -> None:
    assert charts.period_counts([(2013, 1), (2014, 2), (2021, 3), (2022, 4)], unknown=5) == {
        "before_2014": 1, "2014_2021": 5, "since_2022": 4, "unknown": 5,
    }  # fmt: skip


def test_bar_list_scales_to_the_largest() -> None:
    bars = charts.bar_list([("a", "A", 10, "/x"), ("b", "B", 5, None), ("c", "C", 0, None)])
    assert [b.percent for b in bars] == [100.0, 50.0, 0.0]
    assert charts.bar_list([("a", "A", 0, None)])[0].percent == 0.0


def test_site_bar_goes_into_the_builders_page() -> None:
    page = "<html><head><title>x</title></head>\n<body><div class='folium-map'></div></body></html>"
    out = with_site_bar(page, "<header>BAR</header>")
    order = [out.index(s) for s in ("map-page.css", "map-page.js", "</head>", "<body>", "BAR", "folium-map")]
    assert order == sorted(order)
    with pytest.raises(ValueError, match="substring not found"):
        with_site_bar("<p>no page</p>", "<header></header>")
