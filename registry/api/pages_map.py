"""The map page: the pure builder's HTML (``registry.map``) for the database's current network, with the
site's navigation bar inserted at the top."""

from __future__ import annotations

from typing import Any, Final

from litestar import MediaType, Request, Response, get

from registry.api.deps import DbSession
from registry.api.site import VARY, SiteDep, environment, lang_cookie, page_context, page_lang, static_url
from registry.map import MapFilters
from registry.map.filters import FILTER_PARAMS

MAP_PAGE_CSS: Final = "map-page.css"
MAP_PAGE_JS: Final = "map-page.js"


def with_site_bar(page: str, bar: str) -> str:
    """Insert the navigation bar, its stylesheet and script into a page of the map builder.

    The builder's page is a complete document (folium's): the stylesheet goes last in ``<head>``, so it
    wins over the map's, and the bar first in ``<body>``.

    Raises:
        ValueError: the page has no ``</head>`` or ``<body>`` (not a page of the builder).
    """
    head_end = page.index("</head>")
    links = (
        f'<link rel="stylesheet" href="{static_url(MAP_PAGE_CSS)}">\n'
        f'<script src="{static_url(MAP_PAGE_JS)}" defer></script>\n'
    )
    page = page[:head_end] + links + page[head_end:]
    body = page.index("<body>", head_end) + len("<body>")
    return page[:body] + "\n" + bar + page[body:]


@get("/map", media_type=MediaType.HTML, sync_to_thread=True)
def partnership_map(request: Request[Any, Any, Any], session: DbSession, site: SiteDep) -> Response[str]:
    """Show every partnership and partnered municipality on a map that works offline.

    Query parameters: the filters of ``registry.map.filters`` (land, oblast, kind, status, year_from,
    year_to, color), which the page also applies without a reload, and ``lang`` (de, en, uk).
    """
    lang, set_cookie = page_lang(request)
    query = {key: request.query_params.getall(key) for key in FILTER_PARAMS if key in request.query_params}
    page = site.maps.html(session, lang=lang, filters=MapFilters.from_query(query))
    bar = environment().get_template("map_header.html").render(page_context(request, lang))
    return Response(
        with_site_bar(page, bar),
        media_type=MediaType.HTML,
        cookies=[lang_cookie(lang)] if set_cookie else [],
        headers=VARY,
    )
