"""Municipalities: the filtered list, one municipality's page of facts, edits of facts, its history."""

from __future__ import annotations

from litestar import Response, get, patch
from litestar.params import JSONBody

from registry.api import convert
from registry.api.auth import ETAG_HEADER, SECURITY, IfMatch, etag, expected_version
from registry.api.deps import DbSession, Reads, Writer
from registry.api.errors import EDIT, READ, RECORD
from registry.api.params import MUNICIPALITY_QUERY, Limit, MunicipalityFilters, Offset, PathCode
from registry.api.schemas import (
    AuditPageOut,
    FactsPatchIn,
    MunicipalityDetailOut,
    MunicipalityPageOut,
    changes,
)
from registry.repository import audit
from registry.repository import municipalities as queries
from registry.repository import needs as declared
from registry.repository import partnerships as partnership_queries
from registry.repository.common import SourceSpec, municipality_row
from registry.services import municipalities as fact_edits

TAGS = ["municipalities"]


def page(session: DbSession, code: str) -> Response[MunicipalityDetailOut]:
    """Build a municipality's page, with its ETag."""
    facts = queries.municipality_facts(session, code)
    body = convert.municipality_detail(
        facts,
        partnership_queries.partnerships_of(session, facts.id),
        declared.list_declared(session, declared.NEED, municipality=facts.code, limit=1000, offset=0)[0],
        declared.list_declared(session, declared.OFFER, municipality=facts.code, limit=1000, offset=0)[0],
    )
    return Response(body, headers={"ETag": etag("municipality", facts.code, facts.version)})


@get("/api/municipalities", sync_to_thread=True, dependencies=MUNICIPALITY_QUERY, responses=READ, tags=TAGS)
def list_municipalities(
    reads: Reads, filters: MunicipalityFilters, limit: Limit = 50, offset: Offset = 0
) -> MunicipalityPageOut:
    """List municipalities of both countries: filtered, in a stable order, one page at a time.

    With `q`, the list holds the best matches of the name search (any spelling), best first.
    """
    with reads() as session:
        rows, total = queries.list_municipalities(
            session.connection(), filters.filter, sort=filters.sort, limit=limit, offset=offset
        )
    items = [convert.municipality(r, score=filters.scores.get(r.id)) for r in rows]
    return MunicipalityPageOut(items=items, total=total, limit=limit, offset=offset)


@get(
    "/api/municipalities/{code:str}",
    sync_to_thread=True,
    responses=RECORD,
    tags=TAGS,
    response_headers=ETAG_HEADER,
)
def get_municipality(session: DbSession, code: PathCode) -> Response[MunicipalityDetailOut]:
    """Show one municipality: facts and their sources, names, partnerships with sources, needs, offers.

    Any code of the unit works (a settlement's KATOTTH finds its hromada). The ETag is the version of
    the municipality's own facts, for `PATCH`.
    """
    return page(session, code)


@patch(
    "/api/municipalities/{code:str}",
    sync_to_thread=True,
    responses=EDIT,
    tags=TAGS,
    security=SECURITY,
    response_headers=ETAG_HEADER,
)
def edit_municipality(
    session: DbSession, actor: Writer, code: PathCode, data: JSONBody[FactsPatchIn], if_match: IfMatch = None
) -> Response[MunicipalityDetailOut]:
    """Change facts of a municipality (population, area, coordinates, war status, IDPs, damage note).

    Every changed fact then cites the given source. Needs `If-Match` with the ETag you read; a stale
    one gets 412 and changes nothing. An edited fact keeps its value and source when `registry load`
    brings newer bundled data.
    """
    row = municipality_row(session, code)
    version = expected_version(if_match, "municipality", row["code"])
    source = data.source
    fact_edits.update_facts(
        session,
        row["code"],
        version,
        changes(data, skip=frozenset({"source"})),
        SourceSpec(url=source.url, citation=source.citation, publisher=source.publisher),
        actor,
    )
    return page(session, row["code"])


@get("/api/municipalities/{code:str}/history", sync_to_thread=True, responses=RECORD, tags=TAGS)
def municipality_history(
    session: DbSession, code: PathCode, limit: Limit = 50, offset: Offset = 0
) -> AuditPageOut:
    """List the audit trail of a municipality's facts, needs and offers, newest first."""
    row = municipality_row(session, code)
    rows, total = audit.list_events(
        session, audit.AuditQuery(municipality_code=row["code"]), limit=limit, offset=offset
    )
    return convert.audit_page(rows, total, limit, offset)


ROUTES = [list_municipalities, get_municipality, edit_municipality, municipality_history]
