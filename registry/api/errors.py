"""One error mapping for the whole API: every failure becomes RFC 9457 problem details.

Domain errors (registry.errors) carry their HTTP status; Litestar's own (validation, 404 route, 405,
413 body too large, 429 rate limit) keep theirs; anything else is a 500 whose detail reveals nothing.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from registry.api.schemas import ProblemItemOut, ProblemOut
from registry.errors import IngestError, RegistryError, UnresolvedValueError

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
log = logging.getLogger("registry.api")
_BACKTICKED = re.compile(r"`([^`]+)`")
_SLUG = re.compile(r"(?<!^)(?=[A-Z])")
LOCATIONS: Final = frozenset({"query", "path", "header", "body", "csv"})


def _type(name: str) -> str:
    """A stable URN per error class, e.g. urn:registry:problem:precondition-failed."""
    slug = _SLUG.sub("-", name.removesuffix("Error").removesuffix("Exception")).lower()
    return f"urn:registry:problem:{slug}"


def _validation_items(extra: Any) -> list[ProblemItemOut]:
    items = []
    for entry in extra if isinstance(extra, list) else []:
        if not isinstance(entry, dict):
            continue
        message, key = str(entry.get("message", "")), entry.get("key")
        source = entry.get("source")
        if key in (None, "data") and (named := _BACKTICKED.search(message)):
            key = named.group(1)  # "Object contains unknown field `foo`" names the field in the message
        items.append(
            ProblemItemOut(
                detail=message,
                field=None if key is None else str(key),
                location=source if source in LOCATIONS else None,
            )
        )
    return items


def problem_for(request: Request[Any, Any, Any], exc: Exception) -> tuple[ProblemOut, dict[str, str]]:
    """Describe ``exc`` as a problem, with the headers the response must carry."""
    headers: dict[str, str] = {}
    if isinstance(exc, IngestError):
        status, detail = exc.status_code, f"{len(exc.problems)} problem(s) in the file; nothing was written"
        items = [
            ProblemItemOut(
                detail=p.message, field=p.field, location="csv", line=p.line, candidates=list(p.candidates)
            )
            for p in exc.problems
        ]
    elif isinstance(exc, UnresolvedValueError):
        status, detail = exc.status_code, str(exc)
        items = [
            ProblemItemOut(
                detail=str(exc), field=exc.field, location="query", candidates=list(exc.candidates)
            )
        ]
    elif isinstance(exc, RegistryError):
        status, detail = exc.status_code, str(exc)
        items = [] if exc.field is None else [ProblemItemOut(detail=str(exc), field=exc.field)]
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    elif isinstance(exc, ValidationException):
        status, detail = 400, "the request is malformed"
        items = _validation_items(exc.extra)
        if items:
            detail = "; ".join(f"{i.field}: {i.detail}" if i.field else i.detail for i in items)
        elif exc.detail:
            detail = str(exc.detail)
    elif isinstance(exc, HTTPException):
        status, detail, items = exc.status_code, str(exc.detail), []
        headers.update({str(k): str(v) for k, v in (exc.headers or {}).items()})
        if status == 429:
            headers.setdefault("Retry-After", headers.get("RateLimit-Reset", "60"))
    elif isinstance(exc, RecursionError) and "deserializing" in str(exc):
        # msgspec gives up on a JSON body nested deeper than Python's recursion limit: the body is at fault
        status, detail, items = 400, "the JSON body is nested too deeply", []
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        status, detail, items = 500, "internal error; it was logged", []
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    problem = ProblemOut(
        type="about:blank" if status >= 500 else _type(type(exc).__name__),
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=items,
    )
    return problem, headers


def problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """The app's only exception handler."""
    problem, headers = problem_for(request, exc)
    return Response(
        msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


DESCRIPTIONS: Final[dict[int, str]] = {
    400: "Malformed request: an unknown query parameter, a bad value or body; `errors` names the field",
    401: "No API key, or an unknown or revoked one (send `Authorization: Bearer <key>`)",
    403: "The API key's role does not allow this",
    404: "No such record",
    409: "The change conflicts with an existing record",
    412: "The record changed since you read it (stale If-Match): nothing was written",
    413: "The request body is too large",
    422: "Well-formed, but breaks a rule of the registry (import: every problem with line and column)",
    428: "A write to an existing record needs an If-Match header with the record's ETag",
    429: "Too many writes; retry after the number of seconds in Retry-After",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Document the problem responses an operation can give."""
    return {
        status: ResponseSpec(
            data_container=ProblemOut,
            description=DESCRIPTIONS[status],
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in sorted({400, *statuses})
    }


READ: Final = problems()
RECORD: Final = problems(404)
CREATE: Final = problems(401, 403, 404, 409, 413, 422, 429)
EDIT: Final = problems(401, 403, 404, 409, 412, 413, 422, 428, 429)
