"""Suggestions to act on: the filtered list (a GET form), one suggestion to print, answers, matches.

The list's controls are query parameters, so the page works without JavaScript and its address can be
shared. Signed-in staff of the unit (and coordinators) answer each suggestion; coordinators see the
matches (interest on both sides), confirm them into partnerships in preparation, and export the answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from registry.api.account_pages import FormData, ViewerDep, page, safe_next, texts
from registry.api.deps import DbSession
from registry.api.exports import CSV_TYPE, attachment
from registry.api.pages import explanation, marked_latin, suggestion_row
from registry.api.site import SiteDep, page_lang
from registry.errors import NotFoundError, UnprocessableError
from registry.matching import DEFAULT_BLEND, UnknownCodeError, explain_pair
from registry.models import PartnershipKind, WarStatus
from registry.repository import responses as answers
from registry.repository.municipalities import municipality_facts
from registry.repository.pages import unit_names
from registry.services import responses
from registry.services.accounts import may_edit
from registry.services.responses import REASONS, WAR_CHOICES, SuggestionQuery

PathCode = Annotated[str, PathParameter(max_length=80, pattern=r"^[A-Za-z0-9_\-]+$")]
LIMIT: Final = 20
Blend = Annotated[float, QueryParameter(ge=0, le=1, required=False)]
# A number or empty: the GET form sends its empty fields too.
Population = Annotated[str | None, QueryParameter(pattern=r"^[0-9]{0,9}$", required=False)]
Region = Annotated[str | None, QueryParameter(max_length=80, pattern=r"^[A-Za-z0-9_\-]*$", required=False)]


@get("/municipalities/{code:str}/suggestions", sync_to_thread=True)
def suggestion_list(
    request: Request[Any, Any, Any],
    session: DbSession,
    site: SiteDep,
    viewer: ViewerDep,
    code: PathCode,
    blend: Blend = DEFAULT_BLEND,
    region: Region = None,
    war: Annotated[list[WarStatus] | None, QueryParameter(required=False)] = None,
    population_min: Population = None,
    population_max: Population = None,
) -> Template:
    """Rank partners under the form's controls; staff of the unit answer each one."""
    lang, _ = page_lang(request)
    unit = municipality_facts(session, code)
    query = SuggestionQuery(
        blend=blend, region=region or None, war_statuses=tuple(str(w) for w in war or ()),
        population_min=int(population_min) if population_min else None,
        population_max=int(population_max) if population_max else None,
    )  # fmt: skip
    try:
        found = responses.suggestions(
            session, site.matching.get(session), unit.code, unit.country, query, LIMIT
        )
        reason = None
    except UnprocessableError:
        found, reason = [], "acc_sugg_not_matched"
    names = unit_names(session, [s.code for s in found])
    given = answers.responses_of(session, unit.id)
    rows = [suggestion_row(s, names, lang) | {"answer": given.get(s.code)} for s in found]
    return page(
        request, "suggestions.html",
        {
            "m": unit, "rows": rows, "reason": reason, "query": query, "war": [str(w) for w in war or ()],
            "regions": answers.regions(session, "UA" if unit.country == "DE" else "DE"),
            "war_choices": WAR_CHOICES, "reasons": REASONS,
            "may_answer": may_edit(viewer.account, unit.code), "here": str(request.url.path)
            + (f"?{request.url.query}" if request.url.query else ""),
        },
    )  # fmt: skip


@get("/municipalities/{code:str}/suggestions/{partner:str}", sync_to_thread=True)
def suggestion_print(
    request: Request[Any, Any, Any],
    session: DbSession,
    site: SiteDep,
    code: PathCode,
    partner: PathCode,
    blend: Blend = DEFAULT_BLEND,
) -> Template:
    """One suggestion on one printable page: both units' facts with dates and sources, the explanation."""
    lang, _ = page_lang(request)
    unit, other = municipality_facts(session, code), municipality_facts(session, partner)
    if unit.country == other.country:
        raise NotFoundError(f"{partner} is no partner of {code} in the other country")
    de, ua = (unit, other) if unit.country == "DE" else (other, unit)
    try:
        pair = explain_pair(site.matching.get(session), de.code, ua.code, blend=blend)
    except UnknownCodeError as error:
        raise NotFoundError(str(error)) from error
    text, text_lang = explanation(pair, lang)  # type: ignore[arg-type]
    return page(
        request, "suggestion_print.html",
        {"unit": unit, "other": other, "pair": pair, "today": dt.datetime.now(dt.UTC).date(),
         "explanation": marked_latin(text) if text_lang == "uk" else text, "explanation_lang": text_lang},
    )  # fmt: skip


def _number(text: str, kind: type[float] | type[int]) -> Any:
    try:
        return kind(text) if text else None
    except ValueError:
        return None


@post("/municipalities/{code:str}/responses", sync_to_thread=True)
def respond(
    request: Request[Any, Any, Any], session: DbSession, viewer: ViewerDep, code: PathCode, data: FormData
) -> Redirect:
    """Record "interested" or "not a fit" for a suggested partner, then go back to the list."""
    back = safe_next(texts(data, "back").split("?")[0], f"/municipalities/{code}/suggestions")
    query = texts(data, "back").partition("?")[2]
    if viewer.account is None:
        return Redirect(f"/account/sign-in?{urlencode({'next': back})}", status_code=303)
    score, rank = _number(texts(data, "score"), float), _number(texts(data, "rank"), int)
    responses.respond(
        session, viewer.account, code, texts(data, "partner"), texts(data, "response"),
        texts(data, "reason") or None, score, rank,
    )  # fmt: skip
    return Redirect(back + (f"?{query}" if query else "") + f"#s-{texts(data, 'partner')}", status_code=303)


@get("/matches", sync_to_thread=True)
def match_list(request: Request[Any, Any, Any], session: DbSession, viewer: ViewerDep) -> Template | Redirect:
    """List the pairs with interest on both sides, for coordinators to confirm."""
    if viewer.account is None:
        return Redirect("/account/sign-in?next=/matches", status_code=303)
    found = responses.matches(session, viewer.account)
    return page(request, "matches.html", {"matches": found, "kinds": [k.value for k in PartnershipKind]})


@post("/matches/confirm", sync_to_thread=True)
def confirm_match(
    request: Request[Any, Any, Any], session: DbSession, viewer: ViewerDep, data: FormData
) -> Redirect:
    """Turn a match into a partnership record in preparation (audited, with the coordinator's name)."""
    new_id = responses.confirm(
        session, viewer.account, texts(data, "de"), texts(data, "ua"), texts(data, "kind") or "partnership",
        str(request.base_url).rstrip("/"),
    )  # fmt: skip
    return Redirect(f"/partnerships/{new_id}", status_code=303)


@get("/matches/responses.csv", sync_to_thread=True, media_type=CSV_TYPE)
def responses_csv(session: DbSession, viewer: ViewerDep) -> Response[str]:
    """Every answer to a suggestion, as CSV, for evaluating the matching (coordinators)."""
    return Response(
        responses.responses_csv(session, viewer.account),
        media_type=CSV_TYPE,
        headers=attachment("suggestion-responses.csv"),
    )


ROUTES = [suggestion_list, suggestion_print, respond, match_list, confirm_match, responses_csv]
