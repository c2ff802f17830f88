"""Build the partnership map: data frames in, a folium map or its HTML out (no database, no HTTP).

The input contract of the frames is documented in ``registry.map.payload``; the query filters in
``registry.map.filters``; the static files the page loads, and how to serve them, in
``registry.map.assets``.

How the page is put together: folium creates the Leaflet map, the (empty) layers and the layer
control, with every script and stylesheet pointed at ``{static_prefix}/vendor/...`` instead of
folium's CDNs. The data go into the page once, as compact JSON tables, and
``static/js/registry-map.js`` builds the markers, lines and circles from them in the browser, and
applies the filters. One folium ``Marker``/``PolyLine``/``CircleMarker`` per item, with its popup,
costs about 1 KB of generated script each (3.3 MB and a 5 s render for the ~3,200 items of the full
network in ``benchmarks/bench_map.py``); the tables cost under 200 bytes a row, 0.55 MB and 0.15 s.
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING, Any, Final, Literal

import folium
from branca.element import Element, Figure
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from folium.template import Template

from registry.map.assets import (
    APP_CSS,
    APP_JS,
    MAP_CSS,
    MAP_JS,
    MARKER_CLUSTER_CSS,
    MARKER_CLUSTER_JS,
    OUTLINES,
    links,
    static_url,
)
from registry.map.filters import MapFilters, QueryValue
from registry.map.labels import (
    KINDS,
    LANGS,
    PERIODS,
    STATUSES,
    UNKNOWN_WAR_STATUS_COLOR,
    UNPARTNERED_COLOR,
    WAR_STATUSES,
    Lang,
    colors,
    labels,
    ui,
)
from registry.map.panel import render_panel
from registry.map.payload import build_payload

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

Tiles = Literal["osm"] | None

# OpenStreetMap's standard tiles; their usage policy asks for this attribution.
OSM_TILES: Final = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION: Final = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
# Where the reference data of data/README.md come from; the map shows it in its attribution line.
DATA_ATTRIBUTION: Final = {
    "de": "Daten: © Statistisches Bundesamt (Destatis); KSE Loc Data Hub (MIT); OCHA COD-AB (CC BY-IGO 3.0)",
    "en": "Data: © Statistisches Bundesamt (Destatis); KSE Loc Data Hub (MIT); OCHA COD-AB (CC BY-IGO 3.0)",
    "uk": "Дані: © Statistisches Bundesamt (Destatis); KSE Loc Data Hub (MIT); OCHA COD-AB (CC BY-IGO 3.0)",
}
# Germany and Ukraine together, [[south, west], [north, east]].
BOUNDS: Final = [[44.3, 5.8], [55.1, 40.3]]
DATA_ELEMENT_ID: Final = "registry-map-data"
DEFAULT_YEAR_RANGE: Final = (1950, 2030)


class _Raw(Element):
    """Text put into the page exactly as given.

    branca turns everything a ``MacroElement`` macro returns into a new Jinja template and renders it
    again, so data placed through a macro would be evaluated: a name containing ``{{ ... }}`` would run
    as template code. Data and the panel therefore go into the page through this element only.
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = text


_FOLIUM_VIEWPORT: Final = re.compile(r'<meta name="viewport" content="[^"]*user-scalable=no" />')
_VIEWPORT: Final = '<meta name="viewport" content="width=device-width, initial-scale=1">'


class _Page(Figure):
    """folium's page, with a language and an escaped title."""

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="{{ this.lang }}">\n'
        "<head>\n"
        "<title>{{ this.title|e }}</title>\n"
        '<link rel="icon" href="data:,">\n'  # no favicon request (a 404 in the console otherwise)
        "    {{ this.header.render(**kwargs) }}\n"
        "</head>\n"
        "<body>\n"
        "    {{ this.html.render(**kwargs) }}\n"
        "</body>\n"
        "<script>\n"
        "    {{ this.script.render(**kwargs) }}\n"
        "</script>\n"
        "</html>\n"
    )

    def __init__(self, lang: Lang, title: str) -> None:
        super().__init__(title=title)
        self.lang = lang


class _Client(JSCSSMixin):
    """Our script and stylesheet, the panel, the data, and the call that draws everything."""

    def __init__(self, static_prefix: str, panel: str, data_json: str, preload: list[str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "RegistryMapClient"
        self.default_js = links(APP_JS, static_prefix)
        self.default_css = links(APP_CSS, static_prefix)
        self.panel = panel
        self.data_json = data_json
        self.preload = preload

    def render(self, **kwargs: Any) -> Any:
        figure = self.get_root()
        assert isinstance(figure, Figure), "render the map through its page: map.get_root().render()"
        # The outlines are fetched by the script; preloading starts the downloads while the page parses.
        # crossorigin matches fetch()'s default (CORS mode, same-origin credentials), else Chromium
        # downloads them twice.
        preload = "".join(
            f'<link rel="preload" href="{html.escape(url)}" as="fetch" crossorigin="anonymous">\n'
            for url in self.preload
        )
        figure.header.add_child(_Raw(preload), name=self.get_name() + "_preload")
        data = f'<script type="application/json" id="{DATA_ELEMENT_ID}">{self.data_json}</script>'
        figure.html.add_child(_Raw(self.panel + "\n" + data), name=self.get_name())
        figure.script.add_child(
            _Raw(f"RegistryMap.init({json.dumps(DATA_ELEMENT_ID)});"), name=self.get_name()
        )
        return super().render(**kwargs)  # type: ignore[no-untyped-call]


def _json_for_script(value: object) -> str:
    """Dump JSON that cannot end its ``<script>`` element early or be taken for markup."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # U+2028/2029 are line ends in older JavaScript parsers
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _year_range(payload: Mapping[str, Any]) -> tuple[int, int]:
    fields = payload["partnerships"]["fields"]
    index = fields.index("start_year")
    years = [row[index] for row in payload["partnerships"]["rows"] if row[index] is not None]
    return (min(years), max(years)) if years else DEFAULT_YEAR_RANGE


def _filters(filters: MapFilters | Mapping[str, QueryValue] | None) -> MapFilters:
    return filters if isinstance(filters, MapFilters) else MapFilters.from_query(filters)


def build_map(
    municipalities: pd.DataFrame,
    partnerships: pd.DataFrame,
    unpartnered: pd.DataFrame | None = None,
    *,
    static_prefix: str = "/static",
    tiles: Tiles = "osm",
    lang: Lang = "de",
    filters: MapFilters | Mapping[str, QueryValue] | None = None,
    data_attribution: str | None = None,
) -> folium.Map:
    """Build the partnership map.

    Args:
        municipalities: places that are partnership ends, and all hromadas for the war-status layer
            (contract: ``registry.map.payload``).
        partnerships: one row per partnership.
        unpartnered: hromadas without a German partner, with a ``need`` score; no layer if None.
        static_prefix: URL where ``registry.map.assets.STATIC_DIR`` is served ("" for page-relative).
        tiles: "osm" for OpenStreetMap tiles (the page's only request outside the app), or None.
        lang: language of labels, legend and popups.
        filters: filters the page opens with (``MapFilters`` or a query mapping); the page also reads
            its own address bar, which wins.
        data_attribution: credit line for the data; default: the sources of ``data/README.md``.

    Raises:
        ValueError: ``lang`` or ``tiles`` is not one of the allowed values.
        MapInputError: the frames break the input contract.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    if tiles not in ("osm", None):
        raise ValueError(f"tiles must be 'osm' or None, got {tiles!r}")
    active = _filters(filters)
    text = ui(lang)
    payload = build_payload(municipalities, partnerships, unpartnered)

    # minZoom/maxZoom go to the map itself (folium's min_zoom/max_zoom only reach a tile layer it
    # creates); markercluster needs a maxZoom even when no tiles are drawn.
    # zoomSnap 0.25 lets the first view fit Germany and Ukraine snugly instead of a whole zoom level out.
    m = folium.Map(
        location=[50.0, 22.0], zoom_start=5, tiles=None, minZoom=3, maxZoom=18, zoomSnap=0.25, zoomDelta=0.5
    )
    # Instance attributes: folium's class-level lists must keep their defaults for other maps.
    m.default_js = links(MAP_JS, static_prefix)
    m.default_css = links(MAP_CSS, static_prefix)
    _Page(lang, text["title"]).add_child(m)

    if tiles == "osm":
        folium.TileLayer(
            tiles=OSM_TILES, attr=OSM_ATTRIBUTION, name=text["layer_tiles"], max_zoom=19, overlay=False
        ).add_to(m)
    outlines = folium.FeatureGroup(name=text["layer_outlines"]).add_to(m)
    markers = MarkerCluster(  # type: ignore[no-untyped-call]
        name=text["layer_markers"],
        # up to zoom 8 (one Land or oblast on screen) markers cluster; closer, every place shows
        disableClusteringAtZoom=9,
        maxClusterRadius=45,
        spiderfyOnMaxZoom=False,
    )
    markers.default_js = links(MARKER_CLUSTER_JS, static_prefix)
    markers.default_css = links(MARKER_CLUSTER_CSS, static_prefix)
    lines = folium.FeatureGroup(name=text["layer_lines"])
    # lines before markers, so the layer control lists places first; panes keep markers on top anyway
    markers.add_to(m)
    lines.add_to(m)
    war = folium.FeatureGroup(name=text["layer_war"], show=False).add_to(m)
    has_unpartnered = bool(payload["unpartnered"]["rows"])
    unpartnered_layer = (
        folium.FeatureGroup(name=text["layer_unpartnered"], show=False).add_to(m) if has_unpartnered else None
    )
    folium.LayerControl(collapsed=False).add_to(m)
    # The first view (fitBounds) and the scale bar are set by the script, which knows how much of the map
    # the filter panel covers.

    page_data: dict[str, Any] = {
        **payload,
        "lang": lang,
        "tiles": tiles is not None,
        "bounds": BOUNDS,
        "filters": active.to_json(),
        "layers": {
            "map": m.get_name(),
            "outlines": outlines.get_name(),
            "markers": markers.get_name(),
            "lines": lines.get_name(),
            "war": war.get_name(),
            "unpartnered": unpartnered_layer.get_name() if unpartnered_layer is not None else None,
        },
        "outlines": [
            {
                "key": o.key,
                "url": static_url(o.path, static_prefix),
                "attribution": o.attribution_de if lang == "de" else o.attribution_en,
            }
            for o in OUTLINES
        ],
        "attribution": html.escape(
            data_attribution if data_attribution is not None else DATA_ATTRIBUTION[lang]
        ),
        "ui": text,
        "labels": {
            "kinds": labels(KINDS, lang),
            "statuses": labels(STATUSES, lang),
            "periods": labels(PERIODS, lang),
            "war": labels(WAR_STATUSES, lang),
        },
        "colors": {
            "kinds": colors(KINDS),
            "periods": colors(PERIODS),
            "war": colors(WAR_STATUSES),
            "war_unknown": UNKNOWN_WAR_STATUS_COLOR,
            "unpartnered": UNPARTNERED_COLOR,
        },
    }
    panel = render_panel(
        lang=lang,
        filters=active,
        regions=payload["regions"],
        year_range=_year_range(payload),
        has_unpartnered=has_unpartnered,
    )
    preload = [o["url"] for o in page_data["outlines"]]
    _Client(static_prefix, panel, _json_for_script(page_data), preload).add_to(m)
    return m


def render_map_html(
    municipalities: pd.DataFrame,
    partnerships: pd.DataFrame,
    unpartnered: pd.DataFrame | None = None,
    *,
    static_prefix: str = "/static",
    tiles: Tiles = "osm",
    lang: Lang = "de",
    filters: MapFilters | Mapping[str, QueryValue] | None = None,
    data_attribution: str | None = None,
) -> str:
    """Build the map and return the whole page as HTML (arguments as for ``build_map``)."""
    m = build_map(
        municipalities,
        partnerships,
        unpartnered,
        static_prefix=static_prefix,
        tiles=tiles,
        lang=lang,
        filters=filters,
        data_attribution=data_attribution,
    )
    page: str = m.get_root().render()
    # folium's viewport forbids pinch zoom; people who need larger text must be able to zoom the page.
    return _FOLIUM_VIEWPORT.sub(_VIEWPORT, page, 1)


def extract_data(page: str) -> dict[str, Any]:
    """Return the JSON the page's script draws from (for tests and tools that inspect a page)."""
    match = re.search(
        rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>', page, flags=re.DOTALL
    )
    if match is None:
        raise ValueError("no map data in this page")
    data: dict[str, Any] = json.loads(match.group(1))
    return data
