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

import datetime as dt
import html
import json
import re
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import folium
from branca.element import Element, Figure
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from folium.template import Template

from registry import locale
from registry.locale import LANGS, Lang
from registry.map.assets import (
    APP_CSS,
    APP_JS,
    HROMADA_OUTLINES,
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
    PERIODS,
    STATUSES,
    UNKNOWN_WAR_STATUS_COLOR,
    WAR_STATUSES,
    colors,
    labels,
)
from registry.map.panel import NEED_CLASSES, render_panel
from registry.map.payload import build_payload
from registry.map.texts import text as map_text
from registry.map.texts import ui

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

Tiles = Literal["osm"] | None

# OpenStreetMap's standard tiles; their usage policy asks for this attribution.
OSM_TILES: Final = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION: Final = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
# Hromadas coloured by need: the colours of the classes in registry.map.panel.NEED_CLASSES (light to
# dark, ColorBrewer "OrRd"), a partnered hromada and an occupied one.
NEED_COLORS: Final = ("#fdd49e", "#fdae61", "#f46d43", "#d7301f", "#990000")
PARTNERED_COLOR: Final = "#74add1"
OCCUPIED_COLOR: Final = "#9e9e9e"
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


_E = TypeVar("_E", bound=Element)


def _named(element: _E, name: str) -> _E:
    """Give a folium element a fixed name (folium draws a random one), so that the page's inline script
    is the same on every build and its hash in the Content-Security-Policy stays valid (``csp``)."""
    element._id = name
    return element


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


def _focus(unit: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    keys = ("code", "country", "level", "name", "name_de", "name_en", "name_uk", "lat", "lon", "url")
    return {k: unit.get(k) for k in keys}


def build_map(
    municipalities: pd.DataFrame,
    partnerships: pd.DataFrame,
    unpartnered: pd.DataFrame | None = None,
    *,
    regions: pd.DataFrame | None = None,
    focus: Mapping[str, Any] | None = None,
    static_prefix: str = "/static",
    tiles: Tiles = "osm",
    lang: Lang = "de",
    filters: MapFilters | Mapping[str, QueryValue] | None = None,
    data_attribution: str | None = None,
) -> folium.Map:
    """Build the partnership map.

    Args:
        municipalities: places that are partnership ends, and all hromadas for the hromada colouring
            (contract: ``registry.map.payload``).
        partnerships: one row per partnership.
        unpartnered: hromadas without a German partner, with a ``need`` score; no need colouring if None.
        regions: centres of Länder and oblasts, the ends of the overview lines; without them the map
            draws every partnership at every zoom.
        focus: the unit ``filters.focus`` names (code, country, level, names, lat, lon, url), so the page
            can show it even without a partnership; None when there is no focus or it is unknown.
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
    payload = build_payload(municipalities, partnerships, unpartnered, regions)

    # minZoom/maxZoom go to the map itself (folium's min_zoom/max_zoom only reach a tile layer it
    # creates); markercluster needs a maxZoom even when no tiles are drawn.
    # zoomSnap 0.25 lets the first view fit Germany and Ukraine snugly instead of a whole zoom level out.
    m = _named(
        folium.Map(
            location=[50.0, 22.0],
            zoom_start=5,
            tiles=None,
            minZoom=3,
            maxZoom=18,
            zoomSnap=0.25,
            zoomDelta=0.5,
        ),
        "registry",
    )
    # Instance attributes: folium's class-level lists must keep their defaults for other maps.
    m.default_js = links(MAP_JS, static_prefix)
    m.default_css = links(MAP_CSS, static_prefix)
    _Page(lang, text["title"]).add_child(m)

    if tiles == "osm":
        _named(
            folium.TileLayer(
                tiles=OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19, overlay=False
            ),
            "osm",
        ).add_to(m)
    # The layers are switched in the page's own panel (registry/map/templates/panel.html), not by
    # Leaflet's layer control, which stayed open over the popups and a third of a phone's screen.
    outlines = _named(folium.FeatureGroup(name="outlines", control=False), "outlines").add_to(m)
    hromadas = _named(folium.FeatureGroup(name="hromadas", control=False, show=False), "hromadas").add_to(m)
    markers = MarkerCluster(  # type: ignore[no-untyped-call]
        name="markers",
        control=False,
        # up to zoom 8 (one Land or oblast on screen) markers cluster; closer, every place shows
        disableClusteringAtZoom=9,
        maxClusterRadius=45,
        spiderfyOnMaxZoom=False,
    )
    markers.default_js = links(MARKER_CLUSTER_JS, static_prefix)
    markers.default_css = links(MARKER_CLUSTER_CSS, static_prefix)
    # lines: one per partnership; flows: one per Land and oblast, drawn instead at the overview zooms
    _named(markers, "markers")
    lines = _named(folium.FeatureGroup(name="lines", control=False), "lines")
    flows = _named(folium.FeatureGroup(name="flows", control=False), "flows")
    markers.add_to(m)
    lines.add_to(m)
    flows.add_to(m)
    has_unpartnered = bool(payload["unpartnered"]["rows"])
    # The first view (fitBounds) and the scale bar are set by the script, which knows how much of the map
    # the filter panel covers.

    page_data: dict[str, Any] = {
        **payload,
        "lang": lang,
        "tiles": tiles is not None,
        "bounds": BOUNDS,
        "filters": active.to_json(),
        "focus": _focus(focus) if active.focus else None,
        "layers": {
            "map": m.get_name(),
            "outlines": outlines.get_name(),
            "markers": markers.get_name(),
            "lines": lines.get_name(),
            "flows": flows.get_name(),
            "hromadas": hromadas.get_name(),
        },
        "outlines": [
            {
                "key": o.key,
                "url": static_url(o.path, static_prefix),
                "attribution": html.escape(map_text(lang, "attribution_outlines")),
            }
            for o in OUTLINES
        ],
        "hromada_outlines": {
            "url": static_url(HROMADA_OUTLINES, static_prefix),
            "attribution": html.escape(map_text(lang, "attribution_hromadas")),
        },
        "attribution": html.escape(
            data_attribution if data_attribution is not None else map_text(lang, "attribution_data")
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
            "need": list(NEED_COLORS),
            "partnered": PARTNERED_COLOR,
            "occupied": OCCUPIED_COLOR,
        },
        "need_classes": [list(c) for c in NEED_CLASSES],
    }
    panel = render_panel(
        lang=lang,
        text=text,
        filters=active,
        regions=payload["regions"],
        year_range=_year_range(payload),
        has_unpartnered=has_unpartnered,
        labels=page_data["labels"],
        colors=page_data["colors"],
        war_date=_war_date(payload, lang),
    )
    preload = [o["url"] for o in page_data["outlines"]]
    _named(_Client(static_prefix, panel, _json_for_script(page_data), preload), "client").add_to(m)
    return m


def _war_date(payload: Mapping[str, Any], lang: Lang) -> str:
    """Return the newest edition date of the hostilities list among the hromadas, formatted for ``lang``."""
    table = payload["municipalities"]
    index = table["fields"].index("war_status_date")
    dates = [row[index] for row in table["rows"] if row[index]]
    return locale.date(dt.date.fromisoformat(max(dates)), lang) if dates else map_text(lang, "unknown")


def render_map_html(
    municipalities: pd.DataFrame,
    partnerships: pd.DataFrame,
    unpartnered: pd.DataFrame | None = None,
    *,
    regions: pd.DataFrame | None = None,
    focus: Mapping[str, Any] | None = None,
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
        regions=regions,
        focus=focus,
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
