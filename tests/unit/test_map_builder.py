"""Tests of the map builder: the HTML it renders, without a server.

The page's script keeps its pure parts in static/js/registry-map-core.js, which also loads in Node, so
popups, query parsing and filter counts are checked here by running that very file under ``node``.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import re
import shutil
import subprocess
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import folium
import pandas as pd
import pytest
from folium.plugins import MarkerCluster

from registry.map import MapFilters, MapInputError, build_map, render_map_html
from registry.map.assets import STATIC_DIR, VENDOR_PACKAGES, vendored_paths
from registry.map.builder import extract_data

if TYPE_CHECKING:
    from pathlib import Path

JS_FILE = STATIC_DIR / "js" / "registry-map-core.js"
NAN = math.nan


def _municipality(code: str, country: str, name: str, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "code": code, "country": country, "level": "gemeinde" if country == "DE" else "hromada", "name": name,
        "name_de": name, "name_en": f"{name} (en)", "name_uk": f"{name} (uk)", "population": 10_000.0,
        "lat": lat, "lon": lon, "region_code": "08" if country == "DE" else "UA46000000000026241",
        "region_name": "Baden-Württemberg" if country == "DE" else "Lviv Oblast",
        "war_status": None if country == "DE" else "not_listed", "url": f"/municipalities/{code}",
    }  # fmt: skip
    row.update(extra)
    return row


@pytest.fixture
def municipalities() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _municipality("08128007", "DE", "Bad Mergentheim", 49.49, 9.77),
            _municipality("08415078", "DE", "Bad Urach", 48.49, 9.40),
            _municipality("09162000", "DE", "München", 48.14, 11.58, region_code="09", region_name="Bayern"),
            _municipality("05111000", "DE", "Düsseldorf", NAN, NAN, region_code="05", region_name="NRW"),
            _municipality("UA46060000000042587", "UA", "Lviv", 49.84, 24.03, name_de="Lemberg"),
            _municipality(
                "UA51060010000033212",
                "UA",
                "Artsyz",
                45.99,
                29.42,
                region_code="UA51000000000030770",
                region_name="Odesa Oblast",
                war_status="possible_hostilities",
            ),
            _municipality(
                "UA63120270000028556",
                "UA",
                "Kharkiv",
                49.99,
                36.23,
                region_code="UA63000000000041885",
                region_name="Kharkiv Oblast",
                war_status="active_hostilities",
            ),
            _municipality(
                "UA12000000000090473", "UA", "Dnipro Oblast", NAN, NAN, level="oblast", war_status=None
            ),
            # war-status layer only: no partnership
            _municipality("UA05020010000053508", "UA", "Ahronomichne", 49.19, 28.37, war_status="deoccupied"),
            # neither partnered nor a hromada with a war status: must not be emitted
            _municipality("01001000", "DE", "Flensburg", 54.78, 9.44, region_code="01", region_name="SH"),
        ]
    )


def _partnership(
    pid: int, de: str | None, ua: str | None, kind: str, status: str, year: float
) -> dict[str, Any]:
    return {
        "id": pid, "de_code": de, "ua_code": ua, "kind": kind, "status": status, "start_year": year,
        "de_region_code": de[:2] if de else None,
        "ua_region_code": {"UA51060010000033212": "UA51000000000030770",
                           "UA63120270000028556": "UA63000000000041885",
                           "UA12000000000090473": "UA12000000000090473"}.get(ua or "", "UA46000000000026241"),
        "sources": [{"url": f"https://example.org/{pid}", "citation": f"Source {pid}"}],
        "url": f"/partnerships/{pid}",
    }  # fmt: skip


@pytest.fixture
def partnerships() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _partnership(1, "08128007", "UA51060010000033212", "solidarity", "active", 2023.0),
            _partnership(2, "08415078", "UA51060010000033212", "solidarity", "active", 2024.0),
            _partnership(3, "09162000", "UA63120270000028556", "partnership", "active", 1989.0),
            _partnership(4, "09162000", "UA46060000000042587", "friendship", "paused", NAN),
            _partnership(
                5, "05111000", "UA46060000000042587", "project", "in_preparation", 2016.0
            ),  # DE end: no point
            _partnership(
                6, None, "UA63120270000028556", "letter_of_intent", "requested", 2022.0
            ),  # DE end unresolved
            _partnership(7, "08128007", "UA12000000000090473", "other", "ended", 2010.0),  # UA end: no point
        ]
    )


@pytest.fixture
def unpartnered() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["UA05020010000053508", "UA59000000000000001"],
            "name": ["Ahronomichne", "Somewhere"],
            "name_uk": ["Агрономічне", "Десь"],
            "lat": [49.19, 50.9],
            "lon": [28.37, 34.8],
            "population": [9361.0, NAN],
            "need": [0.2, 0.9],
            "url": ["/municipalities/UA05020010000053508", "/municipalities/UA59000000000000001"],
        }
    )


@pytest.fixture
def page(municipalities: pd.DataFrame, partnerships: pd.DataFrame, unpartnered: pd.DataFrame) -> str:
    return render_map_html(municipalities, partnerships, unpartnered, tiles=None)


class _Refs(HTMLParser):
    """Collect every URL the page would load: scripts, stylesheets, preloads, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.inline_styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and a.get("src"):
            self.loads.append(str(a["src"]))
        if tag == "link" and a.get("href"):
            self.loads.append(str(a["href"]))
        if a.get("style"):
            self.inline_styles.append(str(a["style"]))
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.inline_styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def _refs(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


def _is_external(url: str) -> bool:
    return url.startswith("//") or urlsplit(url).scheme not in ("", "data")


def _without_data(html: str) -> str:
    return re.sub(r'<script type="application/json"[^>]*>.*?</script>', "", html, flags=re.DOTALL)


def _node(script: str, payload: object) -> Any:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (it ships with the project's machines)")
    prelude = (
        f"const RM = require({json.dumps(str(JS_FILE))});"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
    )
    result = subprocess.run(
        [node, "-e", prelude + script], input=json.dumps(payload), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# ---------- offline: no external scripts, styles or fonts ----------


@pytest.mark.parametrize("tiles", ["osm", None])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_page_loads_nothing_from_outside(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame, tiles: str | None, lang: str
) -> None:
    html = render_map_html(municipalities, partnerships, tiles=tiles, lang=lang)  # type: ignore[arg-type]
    refs = _refs(html)
    assert refs.loads, "the parser found no script or stylesheet at all"
    assert [u for u in refs.loads if _is_external(u)] == []
    assert not any(re.search(r"url\(|@import", style) for style in refs.inline_styles)
    for cdn in ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "netdna.bootstrapcdn.com"):
        assert cdn not in html


def test_only_external_address_in_code_is_the_tile_server(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame
) -> None:
    html = _without_data(render_map_html(municipalities, partnerships, tiles="osm"))
    hosts = {urlsplit(u).hostname for u in re.findall(r"https?://[^\s\"'<>)]+", html)}
    # the tile URL, and the copyright link in its attribution (a link, not a request)
    assert hosts == {"tile.openstreetmap.org", "www.openstreetmap.org"}


def test_the_page_can_be_zoomed_on_a_phone(page: str) -> None:
    viewports = re.findall(r'<meta name="viewport" content="([^"]*)"', page)
    assert viewports == ["width=device-width, initial-scale=1"]


def test_no_tiles_means_no_tile_layer(page: str) -> None:
    assert "openstreetmap.org" not in page
    assert "L.tileLayer" not in page
    assert extract_data(page)["tiles"] is False


def test_osm_tiles_are_a_base_layer(municipalities: pd.DataFrame, partnerships: pd.DataFrame) -> None:
    html = render_map_html(municipalities, partnerships, tiles="osm")
    assert "L.tileLayer" in html
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert extract_data(html)["tiles"] is True


def test_unknown_tiles_or_lang_raise(municipalities: pd.DataFrame, partnerships: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="tiles"):
        build_map(municipalities, partnerships, tiles="mapbox")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lang"):
        build_map(municipalities, partnerships, lang="fr")  # type: ignore[arg-type]


# ---------- the static files ----------


@pytest.mark.parametrize("prefix", ["/static", "/assets/map/", "https://example.org/s", ""])
def test_every_referenced_file_exists_under_the_prefix(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame, prefix: str
) -> None:
    html = render_map_html(municipalities, partnerships, tiles=None, static_prefix=prefix)
    base = prefix.rstrip("/") + "/" if prefix else ""
    urls = [u for u in _refs(html).loads if not u.startswith("data:")]
    urls += [o["url"] for o in extract_data(html)["outlines"]]
    assert len(urls) >= 10  # leaflet js+css, 3 markercluster, 2 own, 3 outlines (+3 preloads)
    for url in urls:
        assert url.startswith(base), url
        path = STATIC_DIR / url.removeprefix(base).split("?")[0]
        assert path.is_file(), f"{url} -> {path} is missing"


def test_vendored_files_and_their_css_references_exist() -> None:
    for path in vendored_paths():
        assert (STATIC_DIR / path).is_file(), path
        if path.endswith(".css"):
            for ref in re.findall(r"url\(([^)#]+)\)", (STATIC_DIR / path).read_text(encoding="utf-8")):
                target = (STATIC_DIR / path).parent / ref.strip("'\"")
                assert target.is_file(), f"{path} refers to missing {ref}"
    readme = (STATIC_DIR / "vendor" / "README.md").read_text(encoding="utf-8")
    for package in VENDOR_PACKAGES:
        assert f"| {package.version} | {package.license} |" in readme


def test_vendored_versions_are_the_ones_folium_uses() -> None:
    folium_urls = [url for _, url in [*folium.Map.default_js, *MarkerCluster.default_js]]
    for package in VENDOR_PACKAGES:
        assert any(
            f"{package.name}@{package.version}/" in url or f"{package.name}/{package.version}/" in url
            for url in folium_urls
        ), (
            f"folium {importlib.metadata.version('folium')} no longer uses "
            f"{package.name} {package.version}: re-vendor"
        )


def test_folium_class_defaults_are_left_alone(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame
) -> None:
    build_map(municipalities, partnerships, tiles=None)
    assert any("cdn.jsdelivr.net" in url for _, url in folium.Map.default_js)
    assert any("cdnjs.cloudflare.com" in url for _, url in MarkerCluster.default_js)
    # and a plain folium map made afterwards still renders its usual links
    assert "code.jquery.com" in folium.Map(tiles=None).get_root().render()


def test_outlines_are_loaded_by_url_not_inlined(page: str) -> None:
    assert '"FeatureCollection"' not in page
    data = extract_data(page)
    assert [o["key"] for o in data["outlines"]] == ["country", "land", "oblast"]
    assert all("Natural Earth" in o["attribution"] for o in data["outlines"])
    for outline in data["outlines"]:
        geojson = json.loads(
            (STATIC_DIR / outline["url"].removeprefix("/static/")).read_text(encoding="utf-8")
        )
        assert geojson["type"] == "FeatureCollection"
        assert geojson["features"]


# ---------- the data: counts equal the input ----------


def _expected(municipalities: pd.DataFrame, partnerships: pd.DataFrame) -> tuple[set[str], set[int]]:
    placed = set(municipalities.dropna(subset=["lat", "lon"])["code"])
    ends = set(partnerships["de_code"].dropna()) | set(partnerships["ua_code"].dropna())
    lines = {int(str(r.id)) for r in partnerships.itertuples() if r.de_code in placed and r.ua_code in placed}
    return ends & placed, lines


def test_emitted_tables_match_the_input(
    page: str, municipalities: pd.DataFrame, partnerships: pd.DataFrame, unpartnered: pd.DataFrame
) -> None:
    data = extract_data(page)
    rows = [dict(zip(data["partnerships"]["fields"], r, strict=True)) for r in data["partnerships"]["rows"]]
    assert sorted(r["id"] for r in rows) == sorted(partnerships["id"])
    assert {r["id"]: (r["kind"], r["status"]) for r in rows} == {
        int(str(r.id)): (r.kind, r.status) for r in partnerships.itertuples()
    }
    codes = {r[0] for r in data["municipalities"]["rows"]}
    ends = set(partnerships["de_code"].dropna()) | set(partnerships["ua_code"].dropna())
    war = set(municipalities.loc[municipalities["war_status"].notna(), "code"])
    assert codes == (ends | war) & set(municipalities["code"])
    assert "01001000" not in codes  # neither partnered nor on the war-status layer
    assert len(data["unpartnered"]["rows"]) == len(unpartnered)


def test_marker_and_line_counts_in_the_page_script(
    page: str, municipalities: pd.DataFrame, partnerships: pd.DataFrame, unpartnered: pd.DataFrame
) -> None:
    markers, lines = _expected(municipalities, partnerships)
    model = _node(
        "const m = RM.prepare(input);"
        "process.stdout.write(JSON.stringify({markers: m.markers.map(x => x.code),"
        " lines: m.lines.map(p => p.id), hromadas: m.hromadas.length, unpartnered: m.unpartnered.length}));",
        extract_data(page),
    )
    assert set(model["markers"]) == markers
    assert len(model["markers"]) == len(markers) == 6
    assert set(model["lines"]) == lines == {1, 2, 3, 4}
    assert model["hromadas"] == 4  # UA rows with a war status and a point
    assert model["unpartnered"] == len(unpartnered)


# ---------- filters ----------

QUERY: dict[str, str | int | list[str]] = {
    "land": "09",
    "kind": ["partnership", "friendship", "nonsense"],
    "status": "active",
    "year_from": "1980",
    "year_to": 2030,
    "color": "period",
    "lang": "en",  # not a filter: ignored
}


def test_query_filters_are_emitted_and_preset_in_the_form(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame
) -> None:
    html = render_map_html(municipalities, partnerships, tiles=None, filters=QUERY)
    assert extract_data(html)["filters"] == {
        "land": "09", "oblast": None, "kind": ["partnership", "friendship"], "status": ["active"],
        "year_from": 1980, "year_to": 2030, "color": "period",
    }  # fmt: skip
    assert '<option value="09" selected>Bayern</option>' in html
    assert 'name="kind" value="partnership" checked' in html
    assert 'name="kind" value="friendship" checked' in html
    assert 'name="kind" value="solidarity" checked' not in html
    assert 'name="status" value="active" checked' in html
    assert 'value="1980"' in html
    assert 'value="2030"' in html
    assert 'name="color" value="period" checked' in html
    assert '<div id="rm-legend-kind" hidden>' in html
    assert '<div id="rm-legend-period">' in html


def test_filters_accept_a_mapfilters_object(municipalities: pd.DataFrame, partnerships: pd.DataFrame) -> None:
    filters = MapFilters(oblast="UA63000000000041885", statuses=("requested",))
    html = render_map_html(municipalities, partnerships, tiles=None, filters=filters)
    assert extract_data(html)["filters"]["oblast"] == "UA63000000000041885"
    assert filters.to_query() == [("oblast", "UA63000000000041885"), ("status", "requested")]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?land=09&kind=partnership&kind=friendship&kind=nonsense&status=active&year_from=1980&year_to=2030&color=period",
        "?oblast=UA46000000000026241&year_from=abc&year_to=3000",
        "?kind=solidarity&year_from=2022&lang=en&tiles=none",
        "?color=rainbow&status=paused&status=paused",
    ],
)
def test_page_script_reads_queries_like_the_builder(query: str) -> None:
    python_side = MapFilters.from_query(
        {k: [v for kk, v in _pairs(query) if kk == k] for k, _ in _pairs(query)}
    ).to_json()
    vocab = {"kinds": ["partnership", "friendship", "solidarity", "project", "letter_of_intent", "other"],
             "statuses": ["active", "in_preparation", "requested", "paused", "ended"]}  # fmt: skip
    js_side = _node(
        "process.stdout.write(JSON.stringify(RM.parseQuery(input.q, null, input.vocab)));",
        {"q": query, "vocab": vocab},
    )
    assert js_side == python_side


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query.lstrip("?"))


@pytest.mark.parametrize(
    ("filters", "partnerships_shown", "markers_shown", "lines_shown"),
    [
        ({}, 7, 6, 4),
        ({"kind": ["solidarity"]}, 2, 3, 2),
        ({"land": "09"}, 2, 3, 2),
        ({"oblast": "UA63000000000041885"}, 2, 2, 1),  # no. 6 has no German end: no line, no new marker
        ({"status": ["active", "paused"]}, 4, 6, 4),
        ({"year_from": 2014, "year_to": 2021}, 1, 1, 0),  # no. 4 has no year; no. 5's DE end has no point
        ({"year_from": 2022}, 3, 4, 2),
    ],
)
def test_filter_counts_in_the_page_script(
    page: str, filters: dict[str, Any], partnerships_shown: int, markers_shown: int, lines_shown: int
) -> None:
    counts = _node(
        "const m = RM.prepare(input.data); const f = RM.normaliseFilters(input.f);"
        "const v = RM.visible(m, f);"
        "process.stdout.write(JSON.stringify([v.partnerships.length, v.markers.length, v.lines.length]));",
        {"data": extract_data(page), "f": filters},
    )
    assert counts == [partnerships_shown, markers_shown, lines_shown]


def test_url_keeps_other_parameters() -> None:
    out = _node(
        "process.stdout.write(JSON.stringify(RM.toQuery(RM.normaliseFilters(input.f), input.s)));",
        {"f": {"kind": ["project"], "year_to": 2020}, "s": "?lang=en&kind=partnership&tiles=none"},
    )
    assert out == "?lang=en&tiles=none&kind=project&year_to=2020"


# ---------- popups ----------


def _popup(page: str, kind: str, code_or_id: str | int) -> str:
    html: str = _node(
        "const d = input.data; const m = RM.prepare(d);"
        "const ctx = {lang: d.lang, locale: 'de-DE', ui: d.ui, regions: d.regions, kinds: d.labels.kinds,"
        " statuses: d.labels.statuses, war: d.labels.war};"
        "const item = input.kind === 'partnership' ? m.partnerships.find(p => p.id === input.key)"
        " : input.kind === 'unpartnered' ? m.unpartnered.find(u => u.code === input.key)"
        " : m.byCode[input.key];"
        "process.stdout.write(JSON.stringify(RM.popups[input.kind](item, ctx)));",
        {"data": extract_data(page), "kind": kind, "key": code_or_id},
    )
    return html


def test_municipality_popup_has_three_names_facts_partners_and_links(page: str) -> None:
    html = _popup(page, "municipality", "UA63120270000028556")
    for text in (
        "Kharkiv",
        "Kharkiv (en)",
        "Kharkiv (uk)",
        'lang="uk"',
        "Einwohner: 10.000",
        "Kharkiv Oblast",
    ):
        assert text in html
    assert "München" in html
    assert "Städtepartnerschaft" in html
    assert "Beginn: 1989" in html
    assert "Absichtserklärung" in html
    assert "angefragt" in html
    assert '<a href="https://example.org/3">Source 3</a>' in html
    assert '<a href="/partnerships/3">' in html
    assert '<a href="/municipalities/UA63120270000028556">' in html


def test_partnership_popup_names_both_sides(page: str) -> None:
    html = _popup(page, "partnership", 1)
    for text in (
        "Bad Mergentheim (uk)",
        "Bad Mergentheim (en)",
        "Artsyz (uk)",
        "Artsyz (en)",
        "aktiv",
        "2023",
    ):
        assert text in html
    assert '<a href="/partnerships/1">' in html


def test_unpartnered_popup_shows_need(page: str) -> None:
    html = _popup(page, "unpartnered", "UA59000000000000001")
    assert "Десь" in html
    assert "Bedarf: 90 %" in html
    assert "Einwohner: unbekannt" in html


# ---------- hostile data ----------


def test_names_cannot_inject_markup_script_or_template_code(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame
) -> None:
    evil = "</script><script>alert(1)</script>{{ 7*7 }}{% if 1 %}x{% endif %}"
    municipalities.loc[0, ["name", "name_de", "region_name"]] = [evil, evil, evil]
    partnerships.at[0, "sources"] = [  # type: ignore[assignment]
        {"url": "javascript:alert(1)", "citation": evil},
        {"url": "https://ok.example/a", "citation": "fine"},
    ]
    html = render_map_html(municipalities, partnerships, tiles=None)
    assert "<script>alert(1)</script>" not in html
    data = extract_data(html)  # the JSON still decodes to the very same strings
    names = {r[0]: r[3] for r in data["municipalities"]["rows"]}
    assert names["08128007"] == evil
    sources = dict(zip(data["partnerships"]["fields"], data["partnerships"]["rows"][0], strict=True))[
        "sources"
    ]
    assert sources == [{"url": None, "citation": evil}, {"url": "https://ok.example/a", "citation": "fine"}]
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in html  # region name, escaped
    popup = _popup(html, "municipality", "08128007")
    assert "<script>" not in popup
    assert "&lt;/script&gt;" in popup
    assert "javascript:" not in popup


# ---------- input contract ----------


def test_missing_columns_are_named(municipalities: pd.DataFrame, partnerships: pd.DataFrame) -> None:
    with pytest.raises(MapInputError, match=r"municipalities: missing columns \['lat', 'war_status'\]"):
        build_map(municipalities.drop(columns=["lat", "war_status"]), partnerships)
    with pytest.raises(MapInputError, match="unpartnered: missing columns"):
        build_map(municipalities, partnerships, pd.DataFrame({"code": ["x"]}))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("kind", "twinning", "unknown kind 'twinning'"),
        ("status", "Active", "unknown status 'Active'"),
        ("sources", "https://example.org", "sources must be a list"),
        ("id", 2, "appears twice"),
    ],
)
def test_bad_partnership_values_raise(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame, column: str, value: object, message: str
) -> None:
    partnerships[column] = partnerships[column].astype(object)
    partnerships.at[0, column] = value  # type: ignore[assignment]
    with pytest.raises(MapInputError, match=message):
        build_map(municipalities, partnerships)


def test_duplicate_codes_and_bad_need_raise(
    municipalities: pd.DataFrame, partnerships: pd.DataFrame, unpartnered: pd.DataFrame
) -> None:
    with pytest.raises(MapInputError, match="appears twice"):
        build_map(pd.concat([municipalities, municipalities.iloc[:1]]), partnerships)
    unpartnered.loc[0, "need"] = 1.5
    with pytest.raises(MapInputError, match=r"outside 0\.\.1"):
        build_map(municipalities, partnerships, unpartnered)


# ---------- page structure ----------


def test_layers_legend_and_accessible_form(page: str) -> None:
    m_html = page
    for name in (
        "Umrisse (Staaten, Länder, Oblaste)", "Kommunen mit Partnerschaft", "Partnerschaften",
        "Hromadas nach Kriegsstatus", "Hromadas ohne deutschen Partner (Größe: Bedarf)",
    ):  # fmt: skip
        assert json.dumps(name) in m_html or name in m_html
    assert "L.markerClusterGroup" in m_html
    assert "L.control.layers" in m_html
    assert '<html lang="de">' in m_html
    for control in ("rm-land", "rm-oblast", "rm-year-from", "rm-year-to"):
        assert f'<label for="{control}">' in m_html
        assert f'id="{control}"' in m_html
    assert m_html.count("<legend>") == 4  # kind, status, start year, line colour
    assert 'role="status" aria-live="polite"' in m_html
    assert "Solidaritätspartnerschaft" in m_html
    assert "gestrichelt: nicht aktiv" in m_html


def test_english_page(municipalities: pd.DataFrame, partnerships: pd.DataFrame) -> None:
    html = render_map_html(municipalities, partnerships, tiles=None, lang="en")
    assert '<html lang="en">' in html
    assert "Solidarity partnership" in html
    assert "Municipalities with partnerships" in html
    assert extract_data(html)["labels"]["statuses"]["paused"] == "paused"


def test_build_map_returns_a_folium_map(municipalities: pd.DataFrame, partnerships: pd.DataFrame) -> None:
    m = build_map(municipalities, partnerships, tiles=None)
    assert isinstance(m, folium.Map)
    kinds = [type(child).__name__ for child in m._children.values()]
    assert kinds.count("FeatureGroup") == 3
    assert "MarkerCluster" in kinds
    assert "LayerControl" in kinds
    assert kinds.index("LayerControl") < len(kinds) - 1  # the client script comes after the layers it fills


def test_full_map_stays_small() -> None:
    """A synthetic network of the real one's size: far under the 5 MB the issue allows."""
    n_de, n_ua, n_war, n_free, n_pairs = 200, 200, 1500, 1000, 250
    rows = [_municipality(f"{i:08d}", "DE", f"Gemeinde {i}", 48 + i % 7, 7 + i % 9) for i in range(n_de)]
    rows += [
        _municipality(f"UA{i:017d}", "UA", f"Hromada {i}", 46 + i % 6, 23 + i % 15)
        for i in range(n_ua + n_war)
    ]
    pairs = [_partnership(i, f"{i % n_de:08d}", f"UA{i % n_ua:017d}", "solidarity", "active", 2022.0)
             for i in range(n_pairs)]  # fmt: skip
    free = pd.DataFrame(
        {
            "code": [f"UX{i:017d}" for i in range(n_free)], "name": [f"Free {i}" for i in range(n_free)],
            "name_uk": ["Громада"] * n_free, "lat": [49.0] * n_free, "lon": [30.0] * n_free,
            "population": [5000.0] * n_free, "need": [0.5] * n_free, "url": ["/m/x"] * n_free,
        }
    )  # fmt: skip
    html = render_map_html(pd.DataFrame(rows), pd.DataFrame(pairs), free, tiles="osm")
    assert len(html.encode()) < 1_500_000


def test_builder_is_pure_no_files_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, municipalities: pd.DataFrame, partnerships: pd.DataFrame
) -> None:
    monkeypatch.chdir(tmp_path)
    render_map_html(municipalities, partnerships, tiles=None)
    assert list(tmp_path.iterdir()) == []


def _outline_points(name: str, keep: str | None = None) -> tuple[int, set[tuple[float, float]]]:
    collection = json.loads((STATIC_DIR / "outlines" / name).read_text(encoding="utf-8"))
    points: set[tuple[float, float]] = set()
    for feature in collection["features"]:
        if keep is not None and feature["id"] != keep:
            continue
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        points.update((x, y) for polygon in polygons for ring in polygon for x, y in ring)
    return len(collection["features"]), points


def test_simplified_outlines_keep_shared_borders() -> None:
    """Country, Land and oblast borders were simplified together, so they still meet exactly."""
    n_laender, laender = _outline_points("de_laender.geojson")
    n_oblasts, oblasts = _outline_points("ua_oblasts.geojson")
    _, germany = _outline_points("countries.geojson", keep="DE")
    _, ukraine = _outline_points("countries.geojson", keep="UA")
    assert (n_laender, n_oblasts) == (16, 27)
    assert germany
    assert germany <= laender
    assert ukraine
    assert ukraine <= oblasts


def test_page_scripts_parse_and_expose_the_test_hooks() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (it ships with the project's machines)")
    scripts = sorted((STATIC_DIR / "js").glob("*.js"))
    assert [p.name for p in scripts] == ["registry-map-core.js", "registry-map.js"]
    for script in scripts:
        result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    page_script = (STATIC_DIR / "js" / "registry-map.js").read_text(encoding="utf-8")
    for hook in (
        "visibleMarkers:",
        "visibleLines:",
        "setFilters:",
        "window.registryMap = api",
        "registry-map:",
    ):
        assert hook in page_script
