"""Statistics of (filtered) partnerships, and the audit trail across records."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter

from registry.api import convert
from registry.api.deps import DbSession
from registry.api.errors import READ
from registry.api.params import PARTNERSHIP_QUERY, Limit, Offset, PartnershipFilters, code_param
from registry.api.schemas import NO_NUL, AuditPageOut, StatsOut
from registry.repository import audit
from registry.repository.statistics import partnership_statistics


@get("/api/stats", sync_to_thread=True, dependencies=PARTNERSHIP_QUERY, responses=READ, tags=["statistics"])
def stats(session: DbSession, filters: PartnershipFilters) -> StatsOut:
    """Count partnerships by German Land, oblast, kind, status and start year (with a running total,
    so the growth since 2022 shows); takes the filters of `GET /api/partnerships`."""
    return convert.typed(StatsOut, partnership_statistics(session, filters.filter))


@get("/api/audit", sync_to_thread=True, responses=READ, tags=["audit"])
def audit_trail(
    session: DbSession,
    entity: Annotated[
        str | None, QueryParameter(pattern=r"^(partnership|municipality|need|offer|profile|response)$")
    ] = None,
    key: Annotated[str | None, code_param("the record's id or code (with entity)")] = None,
    by: Annotated[
        str | None,
        QueryParameter(max_length=200, pattern=NO_NUL, description="who wrote: the API key's name"),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditPageOut:
    """List writes across records, newest first: who, when, which record, before and after."""
    query = audit.AuditQuery(entity=entity, entity_key=key, actor=by)
    rows, total = audit.list_events(session, query, limit=limit, offset=offset)
    return convert.audit_page(rows, total, limit, offset)


ROUTES = [stats, audit_trail]
