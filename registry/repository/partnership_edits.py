"""The SQL of partnership edits: insert, topics, source links, the memory of deleted bundled records.

The use cases (validation, compare-and-set, audit) are in ``registry.services.partnership_edits``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from registry.errors import ConflictError
from registry.models import DeletedPartnership, PartnershipSource, PartnershipTopic
from registry.repository.common import SourceSpec, source_id
from registry.repository.partnerships import TABLE

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session


def edited() -> dict[str, Any]:
    """Return the column values that mark a partnership as edited through the API, now (values an INSERT or
    UPDATE writes, not a row read back: a dict by design)."""
    return {"edited_at": dt.datetime.now(dt.UTC)}


def insert_partnership(
    session: Session, de_id: int, ua_id: int, values: Mapping[str, Any], *, pair: str
) -> int:
    """Insert a partnership row; return its id. ``pair`` names the two units in the error."""
    try:
        new_id: int = session.execute(
            insert(TABLE)
            .values(de_municipality_id=de_id, ua_municipality_id=ua_id, **values, **edited())
            .returning(TABLE.c.id)
        ).scalar_one()
    except IntegrityError as exc:  # the same pair created concurrently
        raise ConflictError(f"a partnership already links {pair}") from exc
    return new_id


def replace_topics(session: Session, partnership_id: int, topics: Sequence[str]) -> None:
    """Make ``topics`` the partnership's topics."""
    session.execute(delete(PartnershipTopic).where(PartnershipTopic.partnership_id == partnership_id))
    wanted = sorted({t for t in topics if t})
    if wanted:
        session.execute(
            insert(PartnershipTopic), [{"partnership_id": partnership_id, "topic": t} for t in wanted]
        )


def link_source(session: Session, partnership_id: int, source: SourceSpec, role: str) -> int | None:
    """Cite a source; return its id, or None if the partnership already cites it."""
    sid = source_id(session, source)
    linked = session.scalar(
        select(PartnershipSource.source_id).where(
            PartnershipSource.partnership_id == partnership_id, PartnershipSource.source_id == sid
        )
    )
    if linked is not None:
        return None
    session.execute(insert(PartnershipSource).values(partnership_id=partnership_id, source_id=sid, role=role))
    return sid


def unlink_source(session: Session, partnership_id: int, source: int) -> None:
    """Stop citing a source (the source itself stays)."""
    session.execute(
        delete(PartnershipSource).where(
            PartnershipSource.partnership_id == partnership_id, PartnershipSource.source_id == source
        )
    )


def remember_deleted(session: Session, external_ref: str) -> None:
    """Keep a deleted bundled partnership deleted: `registry load` skips what is remembered here."""
    session.execute(
        insert(DeletedPartnership).values(external_ref=external_ref, deleted_at=dt.datetime.now(dt.UTC))
    )
