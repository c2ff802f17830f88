"""The audit trail: one event per write, with the record before and after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Table, func, insert, or_, select

from registry.models import ApiKeyRole, AuditEvent
from registry.repository.common import insert_rows
from registry.repository.rows import utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Actor:
    """Who writes: an API key or a browser account (its name and id), or a command-line user."""

    name: str
    role: ApiKeyRole = ApiKeyRole.ADMIN
    api_key_id: int | None = None
    account_id: int | None = None


@dataclass(frozen=True)
class AuditQuery:
    """Which events to list; every field narrows the list."""

    entity: str | None = None
    entity_key: str | None = None
    municipality_code: str | None = None  # events of the municipality and of its needs and offers
    actor: str | None = None


@dataclass(frozen=True)
class AuditEventRow:
    """One write as the trail lists it.

    ``before`` and ``after`` stay dicts: they are the free-form JSON snapshots each kind of record writes
    (``jsonable``), not rows of a table.
    """

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_key: str
    municipality_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def jsonable(value: Any) -> Any:
    """Turn a snapshot value into JSON: dates as ISO strings, enums as their values."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str):
        return str(value)  # a StrEnum member becomes its plain value
    return value


def record_event(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_key: str | int,
    *,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    municipality_code: str | None = None,
) -> None:
    """Add one event to the current transaction, so it commits or rolls back with the write itself."""
    session.add(
        AuditEvent(
            at=dt.datetime.now(dt.UTC),
            actor=actor.name,
            api_key_id=actor.api_key_id,
            account_id=actor.account_id,
            action=action,
            entity=entity,
            entity_key=str(entity_key),
            municipality_code=municipality_code,
            before=None if before is None else jsonable(before),
            after=None if after is None else jsonable(after),
        )
    )
    session.flush()


@dataclass(frozen=True)
class Recorded:
    """One record's part of a bulk write: its key, and the record before and after (None: none)."""

    entity_key: str | int
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


def record_events(
    session: Session, actor: Actor, action: str, entity: str, records: Sequence[Recorded]
) -> None:
    """Add the events of a bulk write in one statement, to the current transaction like ``record_event``.

    The snapshots are JSON-ready already (``jsonable``): the caller converts them before its write starts.
    """
    if not records:
        return
    at = dt.datetime.now(dt.UTC)
    insert_rows(
        session,
        insert(cast("Table", AuditEvent.__table__)),
        [
            {
                "at": at,
                "actor": actor.name,
                "api_key_id": actor.api_key_id,
                "account_id": actor.account_id,
                "action": action,
                "entity": entity,
                "entity_key": str(r.entity_key),
                "municipality_code": None,
                "before": r.before,
                "after": r.after,
            }
            for r in records
        ],
    )


def _where(query: AuditQuery) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if query.entity is not None:
        clauses.append(AuditEvent.entity == query.entity)
    if query.entity_key is not None:
        clauses.append(AuditEvent.entity_key == query.entity_key)
    if query.municipality_code is not None:
        clauses.append(
            or_(
                AuditEvent.municipality_code == query.municipality_code,
                (AuditEvent.entity == "municipality") & (AuditEvent.entity_key == query.municipality_code),
            )
        )
    if query.actor is not None:
        clauses.append(AuditEvent.actor == query.actor)
    return clauses


def list_events(
    session: Session, query: AuditQuery, *, limit: int, offset: int
) -> tuple[list[AuditEventRow], int]:
    """Return one page of events, newest first, and how many match in all."""
    clauses = _where(query)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*clauses)) or 0
    rows = session.scalars(
        select(AuditEvent).where(*clauses).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    )
    return [
        AuditEventRow(
            e.id, utc(e.at), e.actor, e.action, e.entity, e.entity_key, e.municipality_code, e.before, e.after
        )
        for e in rows
    ], total
