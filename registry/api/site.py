"""What every web page shares: the objects kept per app, the language choice, templates and static files."""

from __future__ import annotations

import hashlib
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig
from markupsafe import Markup

from registry.api import i18n
from registry.map.payload import safe_url
from registry.services.mapview import MapView

if TYPE_CHECKING:
    from collections.abc import Mapping

    from litestar import Request

    from registry.config import Settings
    from registry.locale import Lang
    from registry.map.builder import Tiles
    from registry.services.search import MunicipalitySearch
    from registry.services.suggestions import MatchingData

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
PAGES_STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
STATIC_PREFIX: Final = "/static"  # serves registry/map/static and registry/api/static
STYLESHEET: Final = "pages.css"
# Caches keep their copies for a day; every page names the stylesheet with a content hash (?v=).
STATIC_MAX_AGE: Final = 24 * 3600
# The reference data every page credits (data/README.md), as the publishers name themselves.
DATA_CREDITS: Final = (
    "© Statistisches Bundesamt (Destatis); KSE Loc Data Hub (MIT); OCHA COD-AB (CC BY-IGO 3.0)"
)
# Pages differ by language: shared caches must keep one copy per cookie and browser preference.
VARY: Final = {"Vary": "Cookie, Accept-Language"}


def map_tiles(settings: Settings) -> Tiles:
    """Translate the tile setting for the map builder, which knows OpenStreetMap or no tiles."""
    if settings.map_tiles is None:
        return None
    if settings.map_tiles.lower() == "osm":
        return "osm"
    raise ValueError(f"REGISTRY_MAP_TILES must be 'osm' or 'off', got {settings.map_tiles!r}")


class Site:
    """The objects the pages keep for the life of the app (caches that follow the database).

    A plain class, not a dataclass: Litestar hands dependencies to msgspec, which would try to
    rebuild a dataclass from its annotations.
    """

    __slots__ = ("maps", "matching", "search", "tiles")

    def __init__(self, tiles: Tiles, search: MunicipalitySearch, matching: MatchingData) -> None:
        """Keep the shared search and matching caches, and a map view with the tile setting."""
        self.tiles: Tiles = tiles
        self.search = search
        self.matching = matching
        self.maps = MapView(tiles=tiles, static_prefix=STATIC_PREFIX)


SiteDep: TypeAlias = NamedDependency[Site]  # "site": the pages' shared objects


@cache
def _fingerprint(name: str) -> str:
    return hashlib.sha256((PAGES_STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """Return the URL of one of our own static files, with its content hash against stale caches."""
    return f"{STATIC_PREFIX}/{name}?v={_fingerprint(name)}"


def verbatim(value: object, tag: str = "span") -> Markup:
    """Mark text that is no interface text and never to be translated: a query, a code (``tag="code"``)."""
    return Markup('<{0} translate="no">{1}</{0}>').format(Markup(tag), value)


@cache
def environment() -> Environment:
    """Return the Jinja environment of the pages (one per process; templates are cached in it)."""
    # autoescape: names and notes come from the database, which editors write to
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda value, lang, decimals=0: i18n.number(value, lang, decimals=decimals)
    env.filters["fdate"] = i18n.date
    env.filters["uname"] = lambda row, lang, prefix="": i18n.display_name(row, lang, prefix)
    env.filters["uname_lang"] = lambda row, lang, prefix="": i18n.name_and_lang(row, lang, prefix)[1]
    env.filters["verbatim"] = verbatim
    env.filters["safe_href"] = safe_url  # only http(s) and relative links, never javascript:
    env.globals["static_url"] = static_url
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Return the template configuration the app passes to Litestar (templates in ``api/templates``)."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def page_lang(request: Request[Any, Any, Any]) -> tuple[Lang, bool]:
    """Return the request's page language and whether ``?lang=`` chose it (then the cookie is set)."""
    return i18n.choose_lang(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )


def lang_cookie(lang: Lang) -> Cookie:
    """Return the cookie that keeps the chosen language."""
    return Cookie(key=i18n.COOKIE, value=lang, max_age=i18n.COOKIE_MAX_AGE, path="/", samesite="lax")


def switch_href(request: Request[Any, Any, Any], lang: Lang) -> str:
    """Return the current address with ``lang`` as the language, every other parameter kept."""
    # parsed from the raw query string, which keeps the parameters' order
    pairs = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "lang"]
    return f"{request.url.path}?{urlencode([*pairs, ('lang', lang)])}"


def page_context(request: Request[Any, Any, Any], lang: Lang) -> dict[str, Any]:
    """Return what every page's template needs: language, messages, vocabularies, navigation."""
    return {
        "lang": lang,
        "t": i18n.Messages(lang),
        "term": partial(i18n.term, lang),
        "switch": [(other, switch_href(request, other)) for other in i18n.other_langs(lang)],
        "path": request.url.path,
        "stylesheet": static_url(STYLESHEET),
        "data_credits": DATA_CREDITS,
    }


def render(
    request: Request[Any, Any, Any],
    lang: Lang,
    set_cookie: bool,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
) -> Template:
    """Render ``template`` with the page context and ``context``; set the language cookie if asked."""
    return Template(
        template_name=template,
        context={**page_context(request, lang), **context},
        status_code=status_code,
        cookies=[lang_cookie(lang)] if set_cookie else [],
        headers=VARY,
    )
