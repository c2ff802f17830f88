"""The server-rendered pages: start page with search, a municipality, a partnership, statistics, the map.

Handlers are thin: the repository reads, ``registry.services.suggestions``/``registry.matching`` suggest, the
templates in ``api/templates`` render. Mount them with ``page_routes(settings)`` and pass
``site.template_config()`` to the app.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import urlencode

from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from markupsafe import Markup, escape

from registry import locale
from registry.api import coverage, datapackage, i18n, selfservice
from registry.api.deps import DbSession
from registry.api.guide import guide_page
from registry.api.pages_map import partnership_map
from registry.api.site import (
    PAGES_STATIC_DIR,
    STATIC_MAX_AGE,
    STATIC_PREFIX,
    Site,
    SiteDep,
    map_tiles,
    page_lang,
    render,
    verbatim,
)
from registry.errors import NotFoundError
from registry.ingest.partnerships import OCCUPIED_REASON, STATUS_RULES
from registry.map import STATIC_DIR as MAP_STATIC_DIR
from registry.matching import Filters, UnknownCodeError, suggest_for_german, suggest_for_hromada
from registry.models import Level, WarStatus
from registry.repository import needs
from registry.repository import pages as queries
from registry.repository.municipalities import municipality_facts
from registry.repository.partnerships import (
    PartnershipFilter,
    list_partnerships,
    partnership,
    partnerships_of,
)
from registry.repository.rows import MunicipalityFactsRow
from registry.services import needs as declared_edits
from registry.services.search import MunicipalitySearch
from registry.services.suggestions import MatchingData

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from litestar.types import ControllerRouterHandler
    from markupsafe import Markup
    from sqlalchemy.orm import Session

    from registry.config import Settings
    from registry.locale import Lang
    from registry.matching.score import Suggestion
    from registry.repository.name_rows import UnitNameRow
    from registry.repository.rows import PartnershipRow

SEARCH_LIMIT: Final = 20
SUGGESTION_LIMIT: Final = 10
NEWEST_LIMIT: Final = 6
SUGGESTIBLE_UA: Final = (Level.HROMADA, Level.CITY_SPECIAL_STATUS, Level.RAION, Level.OBLAST)

DECLARED_LIMIT: Final = 100
# The reasons the loader gives for a status (registry.ingest.partnerships), each with its message: the
# page says them in the reader's language; a reason an editor wrote is shown as written.
GENERATED_REASONS: Final[dict[str, str]] = {
    OCCUPIED_REASON: "reason_occupied",
    **{reason: f"reason_{status}" for status, _, reason in STATUS_RULES},
}

Query = Annotated[str, QueryParameter(max_length=200, required=False)]
CountryParam = Annotated[str | None, QueryParameter(pattern=r"^(DE|UA)?$", required=False)]


def _not_found(request: Request[Any, Any, Any], lang: Lang, set_cookie: bool, message: Markup) -> Template:
    context = {"title": locale.text(lang, "not_found"), "message": message, "fields": []}
    return render(request, lang, set_cookie, "error.html", context, status_code=404)


@get("/", sync_to_thread=True)
def index(request: Request[Any, Any, Any], session: DbSession) -> Template:
    """Show the search form, the headline counts and the newest partnerships."""
    lang, set_cookie = page_lang(request)
    newest, _ = list_partnerships(
        session.connection(), PartnershipFilter(), sort="-start_year", limit=NEWEST_LIMIT, offset=0
    )
    return render(
        request, lang, set_cookie, "index.html",
        {"counts": queries.headline_counts(session), "newest": newest, "q": "", "country": ""},
    )  # fmt: skip


@get("/search", sync_to_thread=True)
def search_page(
    request: Request[Any, Any, Any],
    session: DbSession,
    site: SiteDep,
    q: Query = "",
    country: CountryParam = None,
) -> Template:
    """List the municipalities whose name in any spelling is like ``q``, best first."""
    lang, set_cookie = page_lang(request)
    results = site.search.find(session, q, country=country or None, limit=SEARCH_LIMIT) if q.strip() else []
    codes = [r.code for r in results]
    counts = queries.partnership_counts(session, codes)
    parents = queries.parent_names(session, codes)
    rows = [
        r.as_dict() | {"partnerships": counts.get(r.code, 0), "parent": parents.get(r.code)} for r in results
    ]
    return render(
        request, lang, set_cookie, "search.html", {"q": q, "country": country or "", "results": rows}
    )


def explanation(suggestion: Suggestion, lang: Lang) -> tuple[str, Lang]:
    """Return a suggestion's explanation in ``lang`` and the language it is in.

    The matching module explains in German and English; a language it does not explain in yet
    (``explanation_uk``) gets the English one, and its own as soon as the suggestion carries it.
    """
    own = getattr(suggestion, f"explanation_{lang}", None)
    if isinstance(own, str) and own:
        return own, lang
    return suggestion.explanation_en, "en"


def suggestion_row(suggestion: Suggestion, names: Mapping[str, UnitNameRow], lang: Lang) -> dict[str, Any]:
    """Return what a page shows of a suggested partner: its stored names (or the matching data's, for a
    unit removed since the data was built), its rank and its explanation in ``lang``."""
    unit = names.get(suggestion.code)
    text, text_lang = explanation(suggestion, lang)
    return {
        **(dataclasses.asdict(unit) if unit else {"name": suggestion.name, "name_uk": suggestion.name_uk,
                                                   "level": suggestion.level}),
        "code": suggestion.code, "score": suggestion.score, "rank": suggestion.rank,
        "candidates": suggestion.candidates,
        "explanation": marked_latin(text) if text_lang == "uk" else text, "explanation_lang": text_lang,
        "flags": list(suggestion.flags),
    }  # fmt: skip


# A run of Latin script in a Ukrainian text: German place names and the titles of sources, which stay
# in Latin ("Landkreis Celle", "© Statistisches Bundesamt (Destatis)") and are marked as not interface.
_LATIN_RUN: Final = re.compile(r"[A-Za-zÀ-ɏ][^\u0400-\u04ff]*?(?=[\s,;:]*(?:[\u0400-\u04ff«»]|$))")


def marked_latin(text: str) -> Markup:
    """Escape `text` and mark its Latin-script runs translate="no" (names and titles in a Ukrainian text)."""
    parts, last = [], 0
    for run in _LATIN_RUN.finditer(text):
        parts += [
            escape(text[last : run.start()]),
            Markup('<span translate="no">'),
            escape(run[0]),
            Markup("</span>"),
        ]
        last = run.end()
    return Markup("").join([*parts, escape(text[last:])])


def _suggestions(
    site: Site, session: Session, facts: MunicipalityFactsRow, lang: Lang
) -> tuple[list[dict[str, Any]], str | None]:
    """Return the suggested partners of a unit, or why there are none (in the page language)."""
    code, level = facts.code, facts.level
    if facts.country == "UA":
        if level not in SUGGESTIBLE_UA:
            return [], locale.text(lang, "suggestions_none_level")
        if facts.war_status == WarStatus.OCCUPIED:
            return [], locale.text(lang, "suggestions_none_occupied")
    data = site.matching.get(session)
    filters = Filters(exclude_pairs=selfservice.turned_down_pairs(session, facts))  # "not a fit" stays out
    try:
        if facts.country == "DE":
            found = suggest_for_german(data, code, limit=SUGGESTION_LIMIT, filters=filters)
        else:
            found = suggest_for_hromada(data, code, limit=SUGGESTION_LIMIT, filters=filters)
    except UnknownCodeError:  # a Land: the matching ranks municipalities and Kreise only
        return [], locale.text(lang, "suggestions_none_level")
    names = queries.unit_names(session, [s.code for s in found])
    rows = [suggestion_row(s, names, lang) for s in found]
    return rows, None if rows else locale.text(lang, "suggestions_empty")


def _declared(session: Session, facts: MunicipalityFactsRow, lang: Lang) -> dict[str, Any] | None:
    """Return the needs a hromada declared or the offers a German municipality made, labelled in ``lang``.

    None for the units that declare neither (oblasts and raions).
    """
    kind = declared_edits.kind_of(facts.country, facts.level)
    if kind is None:
        return None
    labels = {c.code: c.label(lang) for c in needs.categories(session)}
    items, _ = needs.list_declared(session, kind, municipality=facts.code, limit=DECLARED_LIMIT, offset=0)
    return {
        "kind": kind.entity,
        "entries": [
            {
                "label": labels.get(item.category, item.category),
                "priority": getattr(item, "priority", None),  # needs only
                "stated_on": getattr(item, "stated_on", None),
                "note": item.note,
                "source": getattr(item, "source", None),
            }
            for item in items
        ],
    }


def _exports(facts: MunicipalityFactsRow) -> dict[str, str]:
    side = "municipality" if facts.country == "DE" else "hromada"
    code = facts.code
    return {
        "json": f"/api/municipalities/{code}",
        "csv": f"/api/partnerships.csv?{side}={code}",
        "geojson": f"/api/partnerships.geojson?{side}={code}",
    }


@get("/municipalities/{code:str}", sync_to_thread=True)
def municipality_page(
    request: Request[Any, Any, Any],
    session: DbSession,
    site: SiteDep,
    code: Annotated[str, PathParameter(max_length=80)],
) -> Template | Redirect:
    """Show a municipality: facts with their sources, partnerships, suggested partners, exports."""
    lang, set_cookie = page_lang(request)
    try:
        facts = municipality_facts(session, code)
    except NotFoundError:
        message = i18n.Messages(lang)("not_found_municipality", code=verbatim(code, "code"))
        return _not_found(request, lang, set_cookie, message)
    if facts.code != code:  # another code of the unit (a settlement's KATOTTH): one address per record
        query = f"?{request.url.query}" if request.url.query else ""  # keeps ?lang= and the page's form
        return Redirect(f"/municipalities/{facts.code}{query}", status_code=301)
    partnerships = partnerships_of(session, facts.id)
    suggestions, none_reason = _suggestions(site, session, facts, lang)
    units = queries.unit_names(
        session,
        [facts.region_code, facts.district_code, facts.parent_code,
         *(p.de.region_code for p in partnerships), *(p.ua.region_code for p in partnerships)],
    )  # fmt: skip
    return render(
        request, lang, set_cookie, "municipality.html",
        {
            "m": facts, "units": units, "partnerships": partnerships, "suggestions": suggestions,
            "none_reason": none_reason, "exports": _exports(facts),
            # the unit and its partners, not its whole Land or oblast
            "map_href": f"/map?{urlencode({'focus': facts.code})}",
            "declared": _declared(session, facts, lang),
            **selfservice.page_context(request, session, facts, lang),  # profile, edit link, controls
        },
    )  # fmt: skip


@get("/partnerships/{partnership_id:int}", sync_to_thread=True)
def partnership_page(
    request: Request[Any, Any, Any],
    session: DbSession,
    partnership_id: Annotated[int, PathParameter(ge=1, le=2_147_483_647)],
) -> Template:
    """Show a partnership: both partners, kind, status, dates, sources, notes and how it was resolved."""
    lang, set_cookie = page_lang(request)
    try:
        record = partnership(session, partnership_id)
    except NotFoundError:
        message = i18n.Messages(lang)("not_found_partnership", id=partnership_id)
        return _not_found(request, lang, set_cookie, message)
    units = queries.unit_names(
        session,
        [record.de.region_code, record.de.district_code, record.ua.region_code, record.ua.district_code],
    )
    reason = GENERATED_REASONS.get(record.status_reason or "")
    categories = {c.code: c.label(lang) for c in needs.categories(session)}
    return render(
        request, lang, set_cookie, "partnership.html",
        {"p": record, "units": units, "map_href": _partnership_map_href(record),
         "status_reason": locale.text(lang, reason) if reason else None, "categories": categories},
    )  # fmt: skip


def _partnership_map_href(record: PartnershipRow) -> str:
    """Return the map focused on one partner of a partnership (its lines include this one)."""
    code = record.de.code or record.ua.code
    return f"/map?{urlencode({'focus': code})}" if code else "/map"


def page_routes(
    settings: Settings,
    *,
    search: MunicipalitySearch | None = None,
    matching: MatchingData | None = None,
    extra: Sequence[ControllerRouterHandler] = (),
) -> list[Router]:
    """Return the pages' router and the static files' router, to add to the app's route handlers.

    Pass the app's own ``search`` and ``matching`` to share their caches with the API; ``extra``
    pages (routers too) share the pages' ``site``.

    Raises:
        ValueError: ``settings.map_tiles`` is neither "osm" nor off.
    """
    site = Site(
        map_tiles(settings), search or MunicipalitySearch(), matching or MatchingData(settings.data_dir)
    )
    pages = Router(
        path="/",
        route_handlers=[
            index,
            search_page,
            municipality_page,
            partnership_page,
            partnership_map,
            guide_page,
            *coverage.PAGES,
            *datapackage.PAGES,
            *extra,
        ],
        dependencies={"site": Provide(lambda: site, use_cache=True, sync_to_thread=False)},
        opt={"exclude_from_csrf": True},  # reading sets no CSRF cookie; the account pages opt back in
        include_in_schema=False,
    )
    static = create_static_files_router(
        path=STATIC_PREFIX,
        directories=[MAP_STATIC_DIR, PAGES_STATIC_DIR],
        cache_control=CacheControlHeader(max_age=STATIC_MAX_AGE),
        include_in_schema=False,
    )
    return [pages, static]
