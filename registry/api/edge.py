"""The HTTP edge: who the client is, rate limits, bounded expensive work, and the headers every answer gets.

Two ASGI middlewares (Litestar runs app middleware after routing, so both see the route handler):

- ``EdgeGuard`` (outermost) refuses what no handler should see (a NUL byte in the path or query, an
  API key in the URL), authenticates writes before their body is parsed (so a malformed body without
  a key is a 401, not a 400), limits writes per key for a valid key and per client address otherwise
  (a random Bearer token no longer opens a bucket of its own), and adds the security headers.
- ``ExpensiveWork`` (inside the read cache, so cached answers pass freely) limits reads of the costly
  endpoints per client and bounds how many run at once: a saturated server answers 503 with
  Retry-After instead of queueing until everything is slow.

The client address is the socket's peer, unless that peer is a configured proxy
(``REGISTRY_TRUSTED_PROXIES``); only then is ``X-Forwarded-For`` read, right to left.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

import anyio
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, TooManyRequestsException, ValidationException

from registry.errors import AuthenticationError
from registry.repository import apikeys
from registry.repository.audit import Actor

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send
    from sqlalchemy.orm import Session, sessionmaker

ACCESS_LOGGER: Final = "uvicorn.access"
WINDOW_SECONDS: Final = 60
MAX_BUCKETS: Final = 10_000  # clients remembered by a limiter; the least recently seen go first
SATURATED_RETRY_SECONDS: Final = 5
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
ACTOR_SCOPE_KEY: Final = "registry.actor"  # the key EdgeGuard authenticated, for provide_actor
# Reads that cost a lot of CPU or memory per request: the plan, suggestions and every export.
EXPENSIVE: Final = re.compile(
    r"^/api/(plan(\.csv)?|suggestions(/explain)?|coverage\.csv|(partnerships|municipalities)\.(csv|geojson|xlsx))$"
)
_BEARER: Final = re.compile(rb"^Bearer[ \t]+([A-Za-z0-9_\-]{1,200})[ \t]*$", re.IGNORECASE)
# Query parameters that carry a secret, and the shape of a registry key anywhere in a URL.
SECRET_PARAMS: Final = frozenset(
    {"api_key", "apikey", "token", "access_token", "auth", "authorization", "bearer", "secret"}
)
_KEY_IN_TEXT: Final = re.compile(r"rk_[A-Za-z0-9_\-]+")
_SECRET_IN_QUERY: Final = re.compile(
    r"(?i)([?&](?:" + "|".join(sorted(SECRET_PARAMS)) + r")=)[^&\s\"]*"
)
# Pages: no inline script or style (the templates have none), no framing. The map sends its own policy
# (hashes of folium's inline set-up); it gets frame-ancestors added. Swagger UI (/schema) runs an
# inline script, so it is only kept from being framed.
PAGE_CSP: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
FRAME_CSP: Final = "frame-ancestors 'none'"
CSP: Final = b"content-security-policy"
SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


def redact(text: str) -> str:
    """Blank the secrets of a URL or log line: registry keys and the values of secret parameters."""
    return _KEY_IN_TEXT.sub("rk_[redacted]", _SECRET_IN_QUERY.sub(r"\1[redacted]", text))


class RedactSecrets(logging.Filter):
    """Keep API keys sent in a URL out of the access log (uvicorn logs the path with its query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_access_log() -> None:
    """Install the filter once on the server's access logger."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())


class Proxies:
    """The proxies whose ``X-Forwarded-For`` is believed (addresses or networks); none by default."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks = [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip()]

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, scope: Scope) -> str:
        """Return the client's address: the peer, or, behind trusted proxies, the first untrusted hop."""
        peer = (scope.get("client") or ("unknown", 0))[0]
        if not self.networks or not self.trusted(peer):
            return str(peer)
        forwarded = b",".join(v for k, v in scope.get("headers", []) if k.lower() == b"x-forwarded-for")
        hops = [h.strip() for h in forwarded.decode("latin-1").split(",") if h.strip()]
        for hop in reversed(hops):
            if not self.trusted(hop):
                return hop
        return hops[0] if hops else str(peer)


@dataclass
class _Window:
    start: float
    count: int


class RateLimiter:
    """Fixed one-minute windows per identity, for at most ``max_buckets`` identities at a time."""

    def __init__(
        self, per_minute: int, max_buckets: int = MAX_BUCKETS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.max_buckets = max_buckets
        self.clock = clock
        self.windows: OrderedDict[str, _Window] = OrderedDict()

    def __len__(self) -> int:
        return len(self.windows)

    def hit(self, identity: str) -> int:
        """Count one request; return 0 if allowed, else the seconds until the window ends."""
        now = self.clock()
        window = self.windows.get(identity)
        if window is None or now - window.start >= WINDOW_SECONDS:
            window = self.windows[identity] = _Window(now, 0)
        self.windows.move_to_end(identity)
        while len(self.windows) > self.max_buckets:
            self.windows.popitem(last=False)
        if window.count >= self.per_minute:
            return max(1, int(window.start + WINDOW_SECONDS - now + 0.999))
        window.count += 1
        return 0


def _too_many(retry_after: int, what: str) -> TooManyRequestsException:
    return TooManyRequestsException(
        f"too many {what}; retry in {retry_after} s", headers={"Retry-After": str(retry_after)}
    )


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((v for k, v in scope.get("headers", []) if k.lower() == name), None)


def _needs_actor(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    parameters = getattr(getattr(handler, "parsed_fn_signature", None), "parameters", {})
    return "actor" in parameters


def _lookup(factory: sessionmaker[Session], secret: str) -> Actor | None:
    with factory() as session:
        key = apikeys.active_key(session, secret)
    return None if key is None else Actor(name=key.name, role=key.role, api_key_id=key.id)


def actor_of(scope: Scope) -> Actor | None:
    """Return the key EdgeGuard authenticated for this request, if any."""
    actor = cast("dict[str, Any]", scope).get(ACTOR_SCOPE_KEY)
    return actor if isinstance(actor, Actor) else None


class EdgeGuard:
    """Refuse bad URLs and keys in URLs, authenticate and rate-limit writes, add security headers."""

    def __init__(
        self, app: ASGIApp, *, factory: sessionmaker[Session], proxies: Proxies, writes: RateLimiter
    ) -> None:
        self.app = app
        self.factory = factory
        self.proxies = proxies
        self.writes = writes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        self._refuse_bad_url(scope)
        if cast("dict[str, Any]", scope)["method"] not in SAFE_METHODS:
            await self._admit_write(scope)
        await self.app(scope, receive, _with_security_headers(scope, send))

    @staticmethod
    def _refuse_bad_url(scope: Scope) -> None:
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"") or b"\x00" in scope.get(
            "query_string", b""
        ):
            raise ValidationException("the URL contains a NUL character (%00)")
        query = scope.get("query_string", b"").decode("latin-1")
        names = {part.split("=", 1)[0].lower() for part in query.split("&") if part}
        if names & SECRET_PARAMS or _KEY_IN_TEXT.search(query):
            raise AuthenticationError(
                "API keys are never accepted in the URL (URLs end up in logs and histories): send "
                "Authorization: Bearer <key>, and revoke a key that was sent in a URL"
            )

    async def _admit_write(self, scope: Scope) -> None:
        header = _header(scope, b"authorization")
        match = _BEARER.match(header) if header else None
        actor = None
        if match is not None:
            actor = await anyio.to_thread.run_sync(_lookup, self.factory, match.group(1).decode())
        identity = f"key:{actor.api_key_id}" if actor else f"ip:{self.proxies.client(scope)}"
        if retry := self.writes.hit(identity):
            raise _too_many(retry, "writes")
        if actor is not None:
            cast("dict[str, Any]", scope)[ACTOR_SCOPE_KEY] = actor
        elif _needs_actor(scope):
            if header is None:
                raise AuthenticationError(
                    "writes need an API key: send the header Authorization: Bearer <key>"
                )
            if match is None:
                raise AuthenticationError("malformed Authorization header; expected: Bearer <key>")
            raise AuthenticationError("unknown or revoked API key")


def _with_security_headers(scope: Scope, send: Send) -> Send:
    schema = scope["path"] == "/schema" or scope["path"].startswith("/schema/")

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            given = list(message.get("headers", []))
            own = next((v.decode("latin-1") for k, v in given if k.lower() == CSP), None)
            headers = [(k, v) for k, v in given if k.lower() != CSP]
            names = {k.lower() for k, _ in headers}
            headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
            html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
            if own is not None:
                policy = own if "frame-ancestors" in own else f"{own.rstrip('; ')}; {FRAME_CSP}"
            elif html and not schema:
                policy = PAGE_CSP
            else:
                policy = FRAME_CSP
            headers.append((b"content-security-policy", policy.encode("latin-1")))
            message = {**message, "headers": headers}
        await send(message)

    return sending


class ExpensiveWork:
    """Limit costly reads per client, and how many run at once (503 with Retry-After when full)."""

    def __init__(self, app: ASGIApp, *, proxies: Proxies, reads: RateLimiter, concurrency: int) -> None:
        self.app = app
        self.proxies = proxies
        self.reads = reads
        self.free = concurrency  # only the event loop's thread touches it: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not EXPENSIVE.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        if retry := self.reads.hit(f"ip:{self.proxies.client(scope)}"):
            raise _too_many(retry, "requests for this costly resource")
        if self.free <= 0:
            raise HTTPException(
                status_code=503,
                detail="the server is busy with costly requests; retry shortly",
                headers={"Retry-After": str(SATURATED_RETRY_SECONDS)},
            )
        self.free -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.free += 1

