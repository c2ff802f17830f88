"""Who may write: API keys (reads are open), roles and ETag preconditions (rate limits: api/edge.py)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from litestar import Request
from litestar.datastructures import ResponseHeader
from litestar.params import HeaderParameter

from registry.api.deps import DbSession
from registry.api.edge import actor_of
from registry.errors import (
    AuthenticationError,
    PermissionDeniedError,
    PreconditionFailedError,
    PreconditionRequiredError,
    ValidationError,
)
from registry.models import ApiKeyRole
from registry.repository import apikeys
from registry.repository.audit import Actor

IfMatch = Annotated[
    str | None, HeaderParameter(name="If-Match", description="the ETag of the version you edit (required)")
]
ETAG_HEADER: Final = [
    ResponseHeader(name="ETag", description="the record's version, for If-Match", documentation_only=True)
]
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY: Final[list[dict[str, list[str]]]] = [{"apiKey": []}]  # OpenAPI security requirement of every write
_BEARER: Final = re.compile(r"^Bearer[ \t]+([A-Za-z0-9_\-]{1,200})[ \t]*$", re.IGNORECASE)
_TAG: Final = re.compile(r'(?:W/)?"([^"]*)"')
_OUR_TAG: Final = re.compile(r"(?P<record>.*)-v(?P<version>\d{1,15})")
# A list of entity tags (RFC 9110 8.8.3); also the pattern the OpenAPI schema gives the header.
IF_MATCH_PATTERN: Final = r'^(W/)?"[\x21\x23-\x7e]*"([ \t]*,[ \t]*(W/)?"[\x21\x23-\x7e]*")*$'
IF_MATCH: Final = re.compile(IF_MATCH_PATTERN)


def provide_actor(request: Request[Any, Any, Any], session: DbSession) -> Actor:
    """Authenticate the request's API key (``Authorization: Bearer <key>``).

    The edge (registry/api/edge.py) has normally done it already, before the body was read.
    """
    if (known := actor_of(request.scope)) is not None:
        return known
    header = request.headers.get("authorization")
    if not header:
        raise AuthenticationError("writes need an API key: send the header Authorization: Bearer <key>")
    match = _BEARER.match(header)
    if match is None:
        raise AuthenticationError("malformed Authorization header; expected: Bearer <key>")
    key = apikeys.active_key(session, match.group(1))
    if key is None:
        raise AuthenticationError("unknown or revoked API key")
    return Actor(name=key.name, role=key.role, api_key_id=key.id)


def require_admin(actor: Actor) -> None:
    """Deleting records is for admins; editors end partnerships instead."""
    if actor.role != ApiKeyRole.ADMIN:
        raise PermissionDeniedError(
            f"the key {actor.name!r} is an editor key; deleting needs an admin key "
            '(end a partnership instead with PATCH {"status": "ended"})'
        )


def etag(entity: str, key: str | int, version: int) -> str:
    """Return the ETag of one version of one record, e.g. ``"partnership-17-v3"``."""
    return f'"{entity}-{key}-v{version}"'


def expected_version(if_match: str | None, entity: str, key: str | int) -> int:
    """Return the version an ``If-Match`` header names for this record.

    No header is 428: a write without it could silently overwrite someone else's change. ``*`` is 428
    too, for the same reason. A header that is no list of ETags is 400; an ETag of another record or
    version never matches: 412. Weak ETags are accepted, because proxies that compress responses
    weaken them.
    """
    if if_match is None or not if_match.strip() or if_match.strip() == "*":
        raise PreconditionRequiredError(
            "this write needs an If-Match header with the ETag you read (GET the record first); "
            "If-Match: * would overwrite any version",
            field="If-Match",
        )
    if not IF_MATCH.fullmatch(if_match.strip()):
        raise ValidationError(
            f'malformed If-Match {if_match!r}; expected an ETag like "{entity}-1-v1"', field="If-Match"
        )
    record = f"{entity}-{key}"
    versions = [
        int(m.group("version"))
        for tag in _TAG.finditer(if_match)
        if (m := _OUR_TAG.fullmatch(tag.group(1))) is not None and m.group("record") == record
    ]
    if not versions:
        raise PreconditionFailedError(
            f"If-Match {if_match!r} names no version of {entity} {key}; nothing was written", field="If-Match"
        )
    return max(versions)
