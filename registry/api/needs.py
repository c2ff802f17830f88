"""The needs/offers vocabulary, hromadas' needs and German municipalities' offers."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, delete, get, patch, post
from litestar.params import JSONBody, QueryParameter

from registry.api import convert
from registry.api.auth import ETAG_HEADER, SECURITY, IfMatch, etag, expected_version
from registry.api.deps import DbSession, Writer
from registry.api.errors import CREATE, EDIT, READ, RECORD
from registry.api.params import Limit, Offset, PathCode, RecordId, code_param
from registry.api.partnerships import spec
from registry.api.schemas import (
    CategoryOut,
    NeedIn,
    NeedOut,
    NeedPageOut,
    NeedPatchIn,
    OfferIn,
    OfferOut,
    OfferPageOut,
    OfferPatchIn,
    SourceIn,
    changes,
)
from registry.repository import needs as declared
from registry.services import needs as edits

Category = Annotated[
    str | None, QueryParameter(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="a category code")
]
Region = Annotated[str | None, code_param("code of the oblast (needs) or Land (offers)")]
Municipality = Annotated[str | None, code_param("code of the municipality")]
TAGS = ["needs and offers"]


def _one(session: DbSession, kind: declared.Kind, record_id: int, *, created: bool = False) -> Response[Any]:
    row = declared.declared(session, kind, record_id)
    headers = {"ETag": etag(kind.entity, record_id, row.version)}
    if created:
        headers["Location"] = f"/api/{kind.entity}s/{record_id}"
    body = convert.need(row) if kind is declared.NEED else convert.offer(row)
    return Response(body, headers=headers, status_code=201 if created else 200)


@get("/api/categories", sync_to_thread=True, responses=READ, tags=TAGS)
def list_categories(session: DbSession) -> list[CategoryOut]:
    """List the vocabulary of needs and offers (code and German/English/Ukrainian labels)."""
    return [convert.typed(CategoryOut, row) for row in declared.categories(session)]


@get("/api/needs", sync_to_thread=True, responses=READ, tags=TAGS)
def list_needs(
    session: DbSession,
    category: Category = None,
    region: Region = None,
    municipality: Municipality = None,
    priority: Annotated[int | None, QueryParameter(ge=1, le=3)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> NeedPageOut:
    """List the needs hromadas declared, by municipality, then priority."""
    rows, total = declared.list_declared(
        session,
        declared.NEED,
        municipality=municipality,
        region=region,
        category=category,
        priority=priority,
        limit=limit,
        offset=offset,
    )
    return NeedPageOut(items=[convert.need(r) for r in rows], total=total, limit=limit, offset=offset)


@get("/api/offers", sync_to_thread=True, responses=READ, tags=TAGS)
def list_offers(
    session: DbSession,
    category: Category = None,
    region: Region = None,
    municipality: Municipality = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> OfferPageOut:
    """List the offers German municipalities made."""
    rows, total = declared.list_declared(
        session,
        declared.OFFER,
        municipality=municipality,
        region=region,
        category=category,
        limit=limit,
        offset=offset,
    )
    return OfferPageOut(items=[convert.offer(r) for r in rows], total=total, limit=limit, offset=offset)


@post(
    "/api/municipalities/{code:str}/needs",
    sync_to_thread=True,
    responses=CREATE,
    tags=TAGS,
    security=SECURITY,
    response_headers=ETAG_HEADER,
)
def create_need(
    session: DbSession, actor: Writer, code: PathCode, data: JSONBody[NeedIn]
) -> Response[NeedOut]:
    """Declare a need of a hromada (or Kyiv, Sevastopol): one per category, priority 1 (high) to 3."""
    source = None if data.source is None else spec(data.source)
    new_id = edits.create_declared(
        session, declared.NEED, code, changes(data, skip=frozenset({"source"})), actor, source=source
    )
    return _one(session, declared.NEED, new_id, created=True)


@post(
    "/api/municipalities/{code:str}/offers",
    sync_to_thread=True,
    responses=CREATE,
    tags=TAGS,
    security=SECURITY,
    response_headers=ETAG_HEADER,
)
def create_offer(
    session: DbSession, actor: Writer, code: PathCode, data: JSONBody[OfferIn]
) -> Response[OfferOut]:
    """Declare what a German municipality offers, one per category."""
    new_id = edits.create_declared(session, declared.OFFER, code, changes(data), actor)
    return _one(session, declared.OFFER, new_id, created=True)


@get(
    "/api/needs/{need_id:int}", sync_to_thread=True, responses=RECORD, tags=TAGS, response_headers=ETAG_HEADER
)
def get_need(session: DbSession, need_id: RecordId) -> Response[NeedOut]:
    """Show one need; the ETag is for edits."""
    return _one(session, declared.NEED, need_id)


@get(
    "/api/offers/{offer_id:int}",
    sync_to_thread=True,
    responses=RECORD,
    tags=TAGS,
    response_headers=ETAG_HEADER,
)
def get_offer(session: DbSession, offer_id: RecordId) -> Response[OfferOut]:
    """Show one offer; the ETag is for edits."""
    return _one(session, declared.OFFER, offer_id)


@patch(
    "/api/needs/{need_id:int}",
    sync_to_thread=True,
    responses=EDIT,
    tags=TAGS,
    security=SECURITY,
    response_headers=ETAG_HEADER,
)
def edit_need(
    session: DbSession,
    actor: Writer,
    need_id: RecordId,
    data: JSONBody[NeedPatchIn],
    if_match: IfMatch = None,
) -> Response[NeedOut]:
    """Change a need (`"source": null` removes its source); needs `If-Match`."""
    version = expected_version(if_match, "need", need_id)
    edits.update_declared(
        session,
        declared.NEED,
        need_id,
        version,
        changes(data, skip=frozenset({"source"})),
        actor,
        source=spec(data.source) if isinstance(data.source, SourceIn) else None,
        clear_source=data.source is None,
    )
    return _one(session, declared.NEED, need_id)


@patch(
    "/api/offers/{offer_id:int}",
    sync_to_thread=True,
    responses=EDIT,
    tags=TAGS,
    security=SECURITY,
    response_headers=ETAG_HEADER,
)
def edit_offer(
    session: DbSession,
    actor: Writer,
    offer_id: RecordId,
    data: JSONBody[OfferPatchIn],
    if_match: IfMatch = None,
) -> Response[OfferOut]:
    """Change an offer; needs `If-Match`."""
    version = expected_version(if_match, "offer", offer_id)
    edits.update_declared(session, declared.OFFER, offer_id, version, changes(data), actor)
    return _one(session, declared.OFFER, offer_id)


@delete("/api/needs/{need_id:int}", sync_to_thread=True, responses=EDIT, tags=TAGS, security=SECURITY)
def delete_need(session: DbSession, actor: Writer, need_id: RecordId, if_match: IfMatch = None) -> None:
    """Withdraw a need (met, or stated by mistake); needs `If-Match`. The audit trail keeps it."""
    edits.delete_declared(session, declared.NEED, need_id, expected_version(if_match, "need", need_id), actor)


@delete("/api/offers/{offer_id:int}", sync_to_thread=True, responses=EDIT, tags=TAGS, security=SECURITY)
def delete_offer(session: DbSession, actor: Writer, offer_id: RecordId, if_match: IfMatch = None) -> None:
    """Withdraw an offer; needs `If-Match`. The audit trail keeps it."""
    edits.delete_declared(
        session, declared.OFFER, offer_id, expected_version(if_match, "offer", offer_id), actor
    )


ROUTES = [
    list_categories,
    list_needs,
    list_offers,
    create_need,
    create_offer,
    get_need,
    get_offer,
    edit_need,
    edit_offer,
    delete_need,
    delete_offer,
]
