"""The Litestar application factory.

Route handlers come from one module per concern, each exporting ``ROUTES``; add a new module's
routes to ``route_handlers()`` (or pass ``extra_handlers`` to ``create_app``). Handlers reach the
shared name search as the ``search`` dependency (also ``app.state["search"]``), the matching input
cache as ``matching`` and the session factory as ``app.state["sessions"]``.
"""

from __future__ import annotations

import gc
import inspect
import sys
import time
from collections.abc import AsyncIterator, Sequence
from functools import partial
from typing import Any, Final

import anyio
import msgspec
from litestar import Litestar, Request, Router, get
from litestar.di import Provide
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPIType, Parameter, Schema, SecurityScheme, Tag
from litestar.routes import HTTPRoute
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session, sessionmaker

from registry import db
from registry.api import (
    account_pages,
    coverage,
    datapackage,
    exports,
    imports,
    municipalities,
    needs,
    partnerships,
    profile_pages,
    stats,
    suggestion_pages,
    suggestions,
)
from registry.api.auth import IF_MATCH_PATTERN, SAFE_METHODS, provide_actor
from registry.api.cache import ReadCache, ResponseStore
from registry.api.deps import DbSession
from registry.api.edge import EdgeGuard, ExpensiveWork, Proxies, RateLimiter, redact_access_log
from registry.api.errors import READ
from registry.api.page_errors import error_response
from registry.api.pages import page_routes
from registry.api.params import check_request
from registry.api.schemas import HealthOut, forbidding_structs
from registry.api.session_store import DatabaseStore
from registry.api.site import STATIC_PREFIX, template_config
from registry.config import Settings
from registry.services.build_process import BuildProcess
from registry.services.cache import DataGeneration, Stamped, StampWatcher
from registry.services.changes import ChangeListener
from registry.services.search import MunicipalitySearch
from registry.services.suggestions import MatchingData

CACHED_READS: Final = 4096  # answers of GET /api/... kept in memory until the data changes
FINISHING_THREADS: Final = 16  # threads that only commit, roll back and close request sessions
# A write's answer waits at most this long for the name index and the matching input it outdated to be
# rebuilt (about a second each on the bundled data), so its client reads the write in the next request.
WRITE_SETTLE_SECONDS: Final = 10.0
MAX_BODY_BYTES: Final = 1024 * 1024  # JSON bodies; the CSV import allows more (registry/api/imports.py)
# Swagger UI served by the app itself (registry/api/static/vendor), so the docs page works offline.
SWAGGER_UI_VERSION: Final = "5.18.2"
SWAGGER_UI: Final = f"{STATIC_PREFIX}/vendor/swagger-ui-dist"
DESCRIPTION: Final = """Open registry of German-Ukrainian municipal partnerships.

Reads are open. Writes need an API key (`Authorization: Bearer <key>`, created with
`registry apikey create`) and, for an existing record, `If-Match` with the ETag you read: a stale
ETag gets 412 and changes nothing. Errors are RFC 9457 problem details (`application/problem+json`)
whose `errors` name the field at fault. Unknown query parameters are rejected (400).

The answer to a write comes once the search index and the suggestions' input include it; other
clients read the previous data until then (about a second).
"""


@get("/health", sync_to_thread=True, tags=["meta"], responses=READ)
def health(session: DbSession) -> HealthOut:
    """Report that the app is up and the database answers."""
    return HealthOut(status="ok", revision=db.current_revision(session.connection()))


def route_handlers() -> list[ControllerRouterHandler]:
    """Every route of the app, module by module."""
    return [
        health,
        *municipalities.ROUTES,
        *partnerships.ROUTES,
        *needs.ROUTES,
        *stats.ROUTES,
        *coverage.ROUTES,
        *datapackage.ROUTES,
        *exports.ROUTES,
        *imports.ROUTES,
        *suggestions.ROUTES,
    ]


def _function(handler: HTTPRouteHandler) -> Any:
    """The handler's own function (sync handlers are wrapped to run in a thread)."""
    fn = handler.fn
    while hasattr(fn, "func"):  # litestar.utils.sync.AsyncCallable, functools.partial
        fn = fn.func
    return fn


def _operation_id(handler: HTTPRouteHandler, _method: Any, _components: Any) -> str:
    return str(_function(handler).__name__)


def openapi_config() -> OpenAPIConfig:
    """The OpenAPI schema at /schema/openapi.json and Swagger UI at /schema (interactive docs)."""
    return OpenAPIConfig(
        title="registry",
        version="1",
        description=DESCRIPTION,
        path="/schema",
        render_plugins=[
            SwaggerRenderPlugin(
                version=SWAGGER_UI_VERSION,
                js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
                css_url=f"{SWAGGER_UI}/swagger-ui.css",
                standalone_preset_js_url=f"{SWAGGER_UI}/swagger-ui-standalone-preset.js",
                favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_UI}/favicon-32x32.png'>",
                path=["/", "/swagger"],
            )
        ],
        operation_id_creator=_operation_id,
        components=Components(
            security_schemes={
                "apiKey": SecurityScheme(
                    type="http", scheme="bearer", description="an API key from `registry apikey create`"
                )
            }
        ),
        tags=[
            Tag(name="municipalities", description="German and Ukrainian units, their facts and sources"),
            Tag(name="partnerships", description="partnerships, their sources and history; bulk import"),
            Tag(name="needs and offers", description="the vocabulary, hromadas' needs, German offers"),
            Tag(name="statistics"),
            Tag(name="exports", description="CSV and GeoJSON of any filtered list, streamed"),
            Tag(name="audit"),
            Tag(name="suggestions", description="partner suggestions with explanations; the coverage plan"),
        ],
    )


def _restore_constraints(prop: Schema, exact: dict[str, Any]) -> None:
    """Copy bounds and item patterns from msgspec's schema of a field onto Litestar's."""
    branch = next((b for b in exact.get("anyOf", [exact]) if b.get("type") != "null"), exact)
    for key, attribute in (("minimum", "minimum"), ("maximum", "maximum")):
        if key in branch and getattr(prop, attribute) is None:
            setattr(prop, attribute, branch[key])
    items = branch.get("items")
    if items and "pattern" in items:
        for array in [prop, *(prop.one_of or [])]:
            if isinstance(array, Schema) and array.type == OpenAPIType.ARRAY:
                array.items = Schema(
                    type=OpenAPIType.STRING, pattern=items["pattern"], description=items.get("description")
                )


def _restore_zero_bounds(handler: HTTPRouteHandler, parameters: Sequence[Any]) -> None:
    """Put back the bounds of 0 Litestar drops from query parameters (it tests ``if ge:``)."""
    declared = handler.parsed_fn_signature.parameters
    for parameter in parameters:
        definition = getattr(declared.get(parameter.name), "kwarg_definition", None)
        if (
            not isinstance(parameter, Parameter)
            or not isinstance(parameter.schema, Schema)
            or definition is None
        ):
            continue
        for bound, attribute in (("ge", "minimum"), ("le", "maximum")):
            if getattr(definition, bound, None) == 0 and getattr(parameter.schema, attribute) is None:
                setattr(parameter.schema, attribute, 0)


def _complete_schema(app: Litestar) -> None:
    """Say in the schema what Litestar cannot infer: each operation's docstring, that bodies forbid
    unknown fields, and that If-Match is required."""
    schema = app.openapi_schema
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in (schema.paths or {}):
            continue
        item = schema.paths[route.path_format]  # type: ignore[index]
        for method, (handler, _model) in route.route_handler_map.items():
            operation = getattr(item, method.lower(), None)
            doc = inspect.getdoc(_function(handler))
            if operation is not None and doc and not handler.description:
                summary, _, rest = doc.partition("\n\n")
                operation.summary = " ".join(summary.split())
                operation.description = rest.strip() or None
            if operation is not None:
                _restore_zero_bounds(handler, operation.parameters or [])
    components = schema.components.schemas or {}
    for cls in forbidding_structs():
        component = components.get(cls.__name__)
        if component is None:
            continue
        component.additional_properties = False
        # Litestar drops some constraints (a minimum of 0, patterns of list items); msgspec's own
        # schema of the same type keeps them.
        exact = msgspec.json.schema(cls)["$defs"][cls.__name__]["properties"]
        for name, prop in (component.properties or {}).items():
            if isinstance(prop, Schema) and name in exact:
                _restore_constraints(prop, exact[name])
    for item in (schema.paths or {}).values():
        for operation in (item.patch, item.delete, item.put, item.post):
            for parameter in operation.parameters or [] if operation else []:
                if isinstance(parameter, Parameter) and parameter.name == "If-Match":
                    parameter.required = True
                    parameter.schema = Schema(
                        type=OpenAPIType.STRING, pattern=IF_MATCH_PATTERN, description=parameter.description
                    )


def tune_interpreter() -> None:
    """Keep the threads that answer quick requests (/health) from waiting behind costly ones (a plan).

    Measured with benchmarks/bench_plan.py (20 plan requests at once, on a shared machine): /health p99
    200-370 ms before, mostly 47-140 ms after. Full garbage collections paused every thread for 150 ms
    and more: what the start built is frozen out of them, and they come less often; and a thread gives
    up the interpreter lock after 1 ms instead of 5. What was left, the lock held by the plan's numpy
    and pandas work, went with the plans to a process of their own (/health p99 25-47 ms).
    """
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    sys.setswitchinterval(0.001)


def _finish(session: Session, commit: bool) -> None:
    """End a request's session: commit it whole, or roll it back whole."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def _settled(tickets: Sequence[tuple[Stamped[Any], int]], seconds: float) -> None:
    """Wait up to ``seconds`` for the background refreshes asked for, without holding a thread."""
    deadline = time.monotonic() + seconds
    while not all(cache.settled(ticket) for cache, ticket in tickets) and time.monotonic() < deadline:
        await anyio.sleep(0.005)


def create_app(
    settings: Settings | None = None,
    *,
    search: MunicipalitySearch | None = None,
    extra_handlers: Sequence[ControllerRouterHandler] = (),
    cached_reads: int = CACHED_READS,
) -> Litestar:
    """Build the app for ``settings`` (tests pass their own); ``cached_reads=0`` turns the read cache off."""
    settings = settings or Settings.from_env()
    engine = db.make_engine(settings)
    factory = db.make_sessionmaker(engine)
    names = search or MunicipalitySearch()
    # Off this process's interpreter lock: the matching input's rebuilds, and the plans (each started on
    # first use; a plan in the way of a rebuild would delay every write's answer that waits for one)
    builds, computations = BuildProcess(), BuildProcess()
    matching = MatchingData(settings.data_dir, builds=builds, computations=computations)

    # Commit or roll back in threads of their own: Litestar would run a sync generator's cleanup in
    # the shared worker threads, and when all of those wait for a pooled connection, the sessions
    # holding the connections could never finish (a deadlock under load).
    finishing = anyio.CapacityLimiter(FINISHING_THREADS)

    generation = DataGeneration()
    proxies = Proxies(settings.trusted_proxies)
    watcher = StampWatcher(factory, generation)

    # Rebuilt in the background after a write. Answers computed from a previous value meanwhile are
    # outdated by the swap (the read cache never keeps one under the new generation), or, while writes
    # wait for their rebuilds, by the bump each of them makes once its rebuilds are in: one per write.
    rebuilt = (names.cache, matching.cache)
    settling = 0

    def swapped() -> None:
        if not settling:
            generation.bump()

    for cache in rebuilt:
        cache.on_swap(swapped)

    async def provide_session(request: Request[Any, Any, Any]) -> AsyncIterator[Session]:
        session = factory()  # connects lazily, in the handler's thread
        try:
            yield session
        except BaseException:
            await anyio.to_thread.run_sync(_finish, session, False, limiter=finishing)
            raise
        await anyio.to_thread.run_sync(_finish, session, True, limiter=finishing)
        if request.method not in SAFE_METHODS:
            await written_here()

    async def written_here() -> None:
        """A write committed through this process: once the caches it outdated are rebuilt (or after
        ``WRITE_SETTLE_SECONDS``), cached reads are outdated and the write is answered."""
        nonlocal settling
        settling += 1
        try:
            tickets: list[tuple[Stamped[Any], int]] = [
                (matching.cache, matching.invalidate()),
                (names.cache, names.cache.recheck()),  # facts rank the names: a cheap re-ranking
            ]
            await _settled(tickets, WRITE_SETTLE_SECONDS)
        finally:
            settling -= 1
            generation.bump()

    def written_anywhere() -> None:
        """A write heard through LISTEN, this process's own ones too: cached reads are outdated, and the
        rebuilt caches compare their fingerprints first, so a write of ours is not rebuilt twice."""
        generation.bump()
        for cache in rebuilt:
            cache.recheck()

    # PostgreSQL tells every process of every other one's writes at once; SQLite relies on the poll
    listening = engine.dialect.name == "postgresql" and settings.listen_for_changes
    listeners = [ChangeListener(settings.database_url, written_anywhere)] if listening else []

    def provide_reads() -> sessionmaker[Session]:
        return factory

    def provide_search() -> MunicipalitySearch:
        return names

    def provide_matching() -> MatchingData:
        return matching

    # One router for all handlers: registering handlers of one path one by one would make Litestar
    # wrap the earlier ones for sync_to_thread again on every registration (litestar 2.25).
    app = Litestar(
        [
            Router(path="/", route_handlers=[*route_handlers(), *extra_handlers]),
            # pages, the map, /static; sign-in, the staff's edit page and suggestions to act on
            *page_routes(
                settings,
                search=names,
                matching=matching,
                extra=[account_pages.account_router([*profile_pages.ROUTES, *suggestion_pages.ROUTES])],
            ),
        ],
        dependencies={
            "session": Provide(provide_session),
            "reads": Provide(provide_reads, sync_to_thread=False),
            "search": Provide(provide_search, sync_to_thread=False),
            "matching": Provide(provide_matching, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=True),
        },
        exception_handlers={Exception: error_response},  # problem details; an error page for browsers
        before_request=check_request,
        middleware=[
            DefineMiddleware(
                EdgeGuard,
                factory=factory,
                proxies=proxies,
                writes=RateLimiter(settings.write_rate_limit_per_minute),
            ),
            ReadCache(ResponseStore(cached_reads), generation),
            DefineMiddleware(
                ExpensiveWork,
                proxies=proxies,
                reads=RateLimiter(settings.read_rate_limit_per_minute),
                concurrency=settings.expensive_concurrency,
            ),
            account_pages.session_config(settings).middleware,  # browser sign-in; not under /api
        ],
        csrf_config=account_pages.csrf_config(settings),  # every form of the pages; not under /api
        stores={account_pages.SESSION_STORE: DatabaseStore(factory)},
        openapi_config=openapi_config(),
        template_config=template_config(),  # Jinja templates of the web pages (registry/api/templates)
        request_max_body_size=MAX_BODY_BYTES,
        state={"settings": settings, "sessions": factory, "search": names},  # type: ignore[arg-type]
        on_startup=[
            tune_interpreter,
            watcher.start,
            *(listener.start for listener in listeners),
            redact_access_log,
        ],
        on_shutdown=[
            watcher.stop,
            *(listener.stop for listener in listeners),
            *(partial(cache.wait_settled, WRITE_SETTLE_SECONDS) for cache in rebuilt),  # then no one reads
            builds.close,
            computations.close,
            engine.dispose,
        ],
    )
    _complete_schema(app)
    return app
