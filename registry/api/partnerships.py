"""Partnerships: the filtered list, one record, create, edit, end or delete, sources, history."""

from __future__ import annotations

from litestar import Response, delete, get, patch, post
from litestar.params import JSONBody

from registry.api import convert
from registry.api.auth import ETAG_HEADER, SECURITY, IfMatch, etag, expected_version, require_admin
from registry.api.deps import DbSession, Reads, Writer
from registry.api.errors import CREATE, EDIT, READ, RECORD
from registry.api.params import PARTNERSHIP_QUERY, Limit, Offset, PartnershipFilters, RecordId
from registry.api.schemas import (
    AuditPageOut,
    CitedSourceIn,
    PartnershipIn,
    PartnershipOut,
    PartnershipPageOut,
    PartnershipPatchIn,
    SourceIn,
    changes,
)
from registry.repository import audit
from registry.repository import partnerships as records
from registry.repository.common import SourceSpec
from registry.services import partnership_edits as edits

TAGS = ["partnerships"]


def spec(source: SourceIn) -> SourceSpec:
    """Turn a source of a request into the services' (which refuse one with neither URL nor citation)."""
    return SourceSpec(url=source.url, citation=source.citation, publisher=source.publisher)


def one(session: DbSession, partnership_id: int, *, status_code: int = 200) -> Response[PartnershipOut]:
    """Return a partnership with its ETag."""
    row = records.partnership(session, partnership_id)
    headers = {"ETag": etag("partnership", partnership_id, row.version)}
    if status_code == 201:
        headers["Location"] = f"/api/partnerships/{partnership_id}"
    return Response(convert.partnership(row), headers=headers, status_code=status_code)


@get("/api/partnerships", sync_to_thread=True, dependencies=PARTNERSHIP_QUERY, responses=READ, tags=TAGS)
def list_partnerships(
    reads: Reads, filters: PartnershipFilters, limit: Limit = 50, offset: Offset = 0
) -> PartnershipPageOut:
    """List partnerships: filtered by place (Land, Kreis, municipality, oblast, raion, hromada), kind,
    status, start year, topic or text, in a stable order, one page at a time, with the total count."""
    with reads() as session:
        rows, total = records.list_partnerships(
            session.connection(), filters.filter, sort=filters.sort, limit=limit, offset=offset
        )
    return PartnershipPageOut(
        items=[convert.partnership(r) for r in rows], total=total, limit=limit, offset=offset
    )


@post(
    "/api/partnerships",
    sync_to_thread=True,
    responses=CREATE,
    tags=TAGS,
    security=SECURITY,
    response_headers=ETAG_HEADER,
)
def create_partnership(
    session: DbSession, actor: Writer, data: JSONBody[PartnershipIn]
) -> Response[PartnershipOut]:
    """Add a partnership between a German and a Ukrainian unit (given by codes), with its sources."""
    new = edits.PartnershipSpec(
        de_code=data.de_code,
        ua_code=data.ua_code,
        sources=[(spec(s), s.role) for s in data.sources],
        topics=data.topics,
        **changes(data, skip=frozenset({"de_code", "ua_code", "sources", "topics"})),
    )
    return one(session, edits.create_partnership(session, new, actor), status_code=201)


@get(
    "/api/partnerships/{partnership_id:int}",
    sync_to_thread=True,
    responses=RECORD,
    tags=TAGS,
    response_headers=ETAG_HEADER,
)
def get_partnership(session: DbSession, partnership_id: RecordId) -> Response[PartnershipOut]:
    """Show one partnership with both partners, its topics and sources; the ETag is for edits."""
    return one(session, partnership_id)


@patch(
    "/api/partnerships/{partnership_id:int}",
    sync_to_thread=True,
    responses=EDIT,
    tags=TAGS,
    security=SECURITY,
    response_headers=ETAG_HEADER,
)
def edit_partnership(
    session: DbSession,
    actor: Writer,
    partnership_id: RecordId,
    data: JSONBody[PartnershipPatchIn],
    if_match: IfMatch = None,
) -> Response[PartnershipOut]:
    """Change a partnership's fields; end it with `{"status": "ended", "end_date": ...}`.

    Needs `If-Match` with the ETag you read: a stale one gets 412 and changes nothing. An edited
    partnership of the bundled data keeps the edit: `registry load` no longer overwrites it.
    """
    values = changes(data, skip=frozenset({"topics"}))
    topics = data.topics if isinstance(data.topics, list) else None
    version = expected_version(if_match, "partnership", partnership_id)
    edits.update_partnership(session, partnership_id, version, values, actor, topics=topics)
    return one(session, partnership_id)


@delete(
    "/api/partnerships/{partnership_id:int}",
    sync_to_thread=True,
    responses=EDIT,
    tags=TAGS,
    security=SECURITY,
)
def delete_partnership(
    session: DbSession, actor: Writer, partnership_id: RecordId, if_match: IfMatch = None
) -> None:
    """Delete a partnership entered by mistake (admin keys only; editors end partnerships instead).

    The audit trail keeps what it was. A partnership of the bundled data stays deleted: `registry load`
    does not re-create it.
    """
    require_admin(actor)
    edits.delete_partnership(
        session, partnership_id, expected_version(if_match, "partnership", partnership_id), actor
    )


@post(
    "/api/partnerships/{partnership_id:int}/sources",
    sync_to_thread=True,
    responses=EDIT,
    tags=TAGS,
    security=SECURITY,
    response_headers=ETAG_HEADER,
)
def add_source(
    session: DbSession,
    actor: Writer,
    partnership_id: RecordId,
    data: JSONBody[CitedSourceIn],
    if_match: IfMatch = None,
) -> Response[PartnershipOut]:
    """Cite one more source for a partnership (needs the partnership's ETag in `If-Match`)."""
    version = expected_version(if_match, "partnership", partnership_id)
    edits.add_source(session, partnership_id, version, spec(data), data.role, actor)
    return one(session, partnership_id, status_code=201)


@delete(
    "/api/partnerships/{partnership_id:int}/sources/{source_id:int}",
    sync_to_thread=True,
    status_code=200,
    responses=EDIT,
    tags=TAGS,
    security=SECURITY,
    response_headers=ETAG_HEADER,
)
def remove_source(
    session: DbSession, actor: Writer, partnership_id: RecordId, source_id: RecordId, if_match: IfMatch = None
) -> Response[PartnershipOut]:
    """Stop citing a source (the last one cannot go); needs the partnership's ETag in `If-Match`."""
    version = expected_version(if_match, "partnership", partnership_id)
    edits.remove_source(session, partnership_id, source_id, version, actor)
    return one(session, partnership_id)


@get("/api/partnerships/{partnership_id:int}/history", sync_to_thread=True, responses=RECORD, tags=TAGS)
def partnership_history(
    session: DbSession, partnership_id: RecordId, limit: Limit = 50, offset: Offset = 0
) -> AuditPageOut:
    """List every write to a partnership, newest first: who, when, the record before and after.

    Works for deleted partnerships too, as long as they have a history.
    """
    query = audit.AuditQuery(entity="partnership", entity_key=str(partnership_id))
    rows, total = audit.list_events(session, query, limit=limit, offset=offset)
    if not total:
        records.partnership(session, partnership_id)  # 404 for an id that never existed
    return convert.audit_page(rows, total, limit, offset)


ROUTES = [
    list_partnerships,
    create_partnership,
    get_partnership,
    edit_partnership,
    delete_partnership,
    add_source,
    remove_source,
    partnership_history,
]
