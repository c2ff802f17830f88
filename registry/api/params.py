"""Query parameters shared by the lists, the exports and the statistics, as Litestar dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final, TypeAlias

import anyio.to_thread
from litestar import Request, Response
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.params import FromQuery, PathParameter, QueryParameter

from registry.api.deps import Reads, Search
from registry.api.schemas import CODE_PATTERN, NO_NUL
from registry.models import Confidence, Country, Level, PartnershipKind, PartnershipStatus, WarStatus
from registry.repository.municipalities import MunicipalityFilter, MunicipalitySort
from registry.repository.partnerships import PartnershipFilter, PartnershipSort
from registry.services.filter_values import resolve_values

SEARCH_DEPTH: Final = 200  # how many name-search hits a filtered search considers
MAX_PAGE: Final = 500


def code_param(description: str) -> Any:
    """A query parameter holding a code."""
    return QueryParameter(pattern=CODE_PATTERN, max_length=80, description=description)


def unit_param(description: str) -> Any:
    """A query parameter naming a unit: any of its codes, or its name in any spelling (resolved by the
    name search; a name that names no unit or several is a 400 naming the candidates)."""
    return QueryParameter(max_length=200, pattern=NO_NUL, description=description)


YearParam = Annotated[int | None, QueryParameter(ge=1900, le=2100)]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000, description="items to skip")]
RecordId = Annotated[int, PathParameter(ge=1, le=2_147_483_647)]
PathCode = Annotated[
    str, PathParameter(pattern=CODE_PATTERN, max_length=80, description="any code of the unit")
]


@dataclass(frozen=True)
class MunicipalityQuery:
    """A municipality filter, its sort, and the search scores of a name query."""

    filter: MunicipalityFilter
    sort: str
    scores: dict[int, float]


async def municipality_query(
    reads: Reads,
    search: Search,
    q: Annotated[
        str | None,
        QueryParameter(
            max_length=200, pattern=NO_NUL, description="a name in any spelling: Charkiw, Kharkiv, Харків"
        ),
    ] = None,
    country: FromQuery[Country | None] = None,
    level: Annotated[list[Level] | None, QueryParameter(description="repeat for several")] = None,
    region: Annotated[str | None, unit_param("the Land or oblast: code or name (Bayern, Sumy)")] = None,
    district: Annotated[str | None, unit_param("the Kreis or raion: code or name")] = None,
    population_min: Annotated[int | None, QueryParameter(ge=-(2**31), le=2**31 - 1)] = None,
    population_max: Annotated[int | None, QueryParameter(ge=-(2**31), le=2**31 - 1)] = None,
    war_status: Annotated[list[WarStatus] | None, QueryParameter(description="repeat for several")] = None,
    has_partner: Annotated[
        bool | None, QueryParameter(description="with (true) or without (false) partnerships")
    ] = None,
    sort: Annotated[
        MunicipalitySort | None,
        QueryParameter(description="default: relevance with q, else name; ties by id"),
    ] = None,
) -> MunicipalityQuery:
    """Filter municipalities; ``q`` runs the core name search and keeps its best hits.

    Without a name to look up, the parameters are only parsed: no thread, no database.
    """
    ids: list[int] | None = None
    scores: dict[int, float] = {}
    query = q if q is not None and q.strip() else None
    if query is not None or region or district:

        def look_up() -> tuple[list[tuple[int, float]], dict[str, str | None]]:
            with reads() as session:
                matches = (
                    search.index(session).search(
                        query, country=country.value if country else None, limit=SEARCH_DEPTH
                    )
                    if query is not None
                    else []
                )
                units = resolve_values(session, search, {"region": region, "district": district})
                return [(m.municipality_id, m.score) for m in matches], units

        found, units = await anyio.to_thread.run_sync(look_up)
        region, district = units["region"], units["district"]
        if query is not None:
            ids = [mid for mid, _ in found]
            scores = dict(found)
    chosen = sort or ("relevance" if ids is not None else "name")
    return MunicipalityQuery(
        MunicipalityFilter(
            country=country.value if country else None,
            levels=[lv.value for lv in level or []],
            region=region,
            district=district,
            population_min=population_min,
            population_max=population_max,
            war_statuses=[w.value for w in war_status or []],
            has_partner=has_partner,
            ids=ids,
        ),
        chosen,
        scores,
    )


@dataclass(frozen=True)
class PartnershipQuery:
    filter: PartnershipFilter
    sort: str


async def partnership_query(
    reads: Reads,
    search: Search,
    land: Annotated[
        str | None, unit_param("German partner is or lies in this Land: key (09) or name (Bayern)")
    ] = None,
    kreis: Annotated[
        str | None, unit_param("German partner is or lies in this Kreis: key (09162) or name")
    ] = None,
    municipality: Annotated[str | None, unit_param("German partner: code or name")] = None,
    oblast: Annotated[
        str | None, unit_param("Ukrainian partner is or lies in this oblast: KATOTTH code or name (Sumy)")
    ] = None,
    raion: Annotated[
        str | None, unit_param("Ukrainian partner is or lies in this raion: code or name")
    ] = None,
    hromada: Annotated[
        str | None, unit_param("Ukrainian partner: code (a settlement's resolves) or name")
    ] = None,
    kind: Annotated[list[PartnershipKind] | None, QueryParameter(description="repeat for several")] = None,
    status: Annotated[
        list[PartnershipStatus] | None, QueryParameter(description="repeat for several")
    ] = None,
    confidence: Annotated[list[Confidence] | None, QueryParameter(description="repeat for several")] = None,
    start_year_min: YearParam = None,
    start_year_max: YearParam = None,
    topic: Annotated[str | None, QueryParameter(pattern=r"^[a-z][a-z0-9_]{0,59}$")] = None,
    text: Annotated[
        str | None,
        QueryParameter(
            max_length=200,
            pattern=NO_NUL,
            description="a partner's name in any spelling, or words of the notes",
        ),
    ] = None,
    sort: Annotated[PartnershipSort, QueryParameter(description="ties are broken by id")] = "id",
) -> PartnershipQuery:
    """Filter partnerships; a unit may be given by code or by name (looked up in a thread)."""
    units: dict[str, str | None] = {
        "land": land, "kreis": kreis, "municipality": municipality, "oblast": oblast, "raion": raion,
        "hromada": hromada,
    }  # fmt: skip
    if any(units.values()):

        def look_up() -> dict[str, str | None]:
            with reads() as session:
                return resolve_values(session, search, units)

        units = await anyio.to_thread.run_sync(look_up)
    return PartnershipQuery(
        PartnershipFilter(
            land=units["land"],
            kreis=units["kreis"],
            municipality=units["municipality"],
            oblast=units["oblast"],
            raion=units["raion"],
            hromada=units["hromada"],
            kinds=[k.value for k in kind or []],
            statuses=[s.value for s in status or []],
            confidences=[c.value for c in confidence or []],
            start_year_min=start_year_min,
            start_year_max=start_year_max,
            topic=topic,
            text=text,
        ),
        sort,
    )


MunicipalityFilters: TypeAlias = NamedDependency[MunicipalityQuery]
PartnershipFilters: TypeAlias = NamedDependency[PartnershipQuery]
MUNICIPALITY_QUERY: Final = {"filters": Provide(municipality_query)}
PARTNERSHIP_QUERY: Final = {"filters": Provide(partnership_query)}


def _allowed_query_names(request: Request[Any, Any, Any]) -> frozenset[str] | None:
    """The query parameters the OpenAPI schema documents for this operation (None: not documented)."""
    app = request.app
    table: dict[tuple[str, str], frozenset[str]] | None = app.state.get("query_parameters")
    if table is None:
        table = {}
        for path, item in (app.openapi_schema.paths or {}).items():
            for method in ("get", "put", "post", "delete", "patch", "head", "options"):
                operation = getattr(item, method, None)
                if operation is not None:
                    table[path, method.upper()] = frozenset(
                        p.name for p in operation.parameters or [] if getattr(p, "param_in", None) == "query"
                    )
        app.state["query_parameters"] = table
    return table.get((request.scope.get("path_template", ""), request.method))


def _route_methods(request: Request[Any, Any, Any]) -> frozenset[str]:
    """Every method the request's path answers (Litestar's own OPTIONS answer can miss some)."""
    app = request.app
    table: dict[str, frozenset[str]] | None = app.state.get("route_methods")
    if table is None:
        table = {}
        for route in app.routes:
            table[route.path_format] = table.get(route.path_format, frozenset()) | frozenset(route.methods)
        app.state["route_methods"] = table
    return table.get(request.scope.get("path_template", ""), frozenset({"OPTIONS"}))


def check_request(request: Request[Any, Any, Any]) -> Response[None] | None:
    """Answer OPTIONS with every allowed method, and 400 to an unknown query parameter, instead of
    ignoring a typo."""
    if request.method == "OPTIONS":
        return Response(None, status_code=204, headers={"Allow": ", ".join(sorted(_route_methods(request)))})
    allowed = _allowed_query_names(request)
    if allowed is None:
        return None
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ValidationException(
            "unknown query parameter(s)",
            extra=[
                {
                    "key": name,
                    "source": "query",
                    "message": "unknown query parameter; this operation accepts: "
                    + (", ".join(sorted(allowed)) or "none"),
                }
                for name in unknown
            ],
        )
    return None
