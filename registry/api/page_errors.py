"""Errors a reader meets on the pages: an HTML page in the reader's language, not problem details.

The app has one exception handler (``error_response``). A browser asking for a page (GET or HEAD,
``Accept`` naming ``text/html``, a path outside the API, the schema and the static files) gets the
error page; everyone else gets the RFC 9457 problem details of ``registry.api.errors``, which also
decides the status and the fields at fault for the page, so both answers always agree.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import MediaType, Request, Response

from registry import locale
from registry.api.errors import problem_for, problem_response
from registry.api.site import VARY, environment, lang_cookie, page_context, page_lang
from registry.locale import Lang

# Paths that are never pages: their errors are always problem details.
NOT_PAGES: Final = ("/api", "/schema", "/static", "/health")


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """Tell whether the request is a browser's for a page (then an error is shown as a page)."""
    path = request.url.path
    if any(path == prefix or path.startswith(prefix + "/") for prefix in NOT_PAGES):
        return False
    if request.method not in ("GET", "HEAD"):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_texts(lang: Lang, status: int) -> tuple[str, str]:
    """Return the title and the sentence an error page shows for an HTTP status."""
    if status == 404:
        return locale.text(lang, "not_found"), locale.text(lang, "error_404")
    if status == 400:
        return locale.text(lang, "error_400_title"), locale.text(lang, "error_400")
    if status >= 500:
        return locale.text(lang, "error"), locale.text(lang, "error_500")
    return locale.text(lang, "error"), locale.text(lang, "error_other", status=status)


def error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The app's only exception handler: an error page for a browser's page request, else problem details."""
    if not wants_page(request):
        return problem_response(request, exc)
    problem, headers = problem_for(request, exc)
    lang, set_cookie = page_lang(request)
    title, message = error_texts(lang, problem.status)
    fields = sorted({item.field for item in problem.errors if item.field})
    page = (
        environment()
        .get_template("error.html")
        .render({**page_context(request, lang), "title": title, "message": message, "fields": fields})
    )
    return Response(
        page,
        status_code=problem.status,
        media_type=MediaType.HTML,
        headers={**headers, **VARY},
        cookies=[lang_cookie(lang)] if set_cookie else [],
    )
