"""Edits of partnerships under compare-and-set, each with its audit event: create, update, sources, delete.

Every edit stamps ``edited_at`` and deleting a bundled partnership leaves a ``DeletedPartnership`` row, so
that `registry load` neither overwrites the edit nor re-creates what was deleted.
"""

from __future__ import annotations

# Runtime imports: PartnershipSpec's annotations are resolved by readers of the dataclass.
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from registry.errors import ConflictError, NotFoundError, UnprocessableError
from registry.models import DeletedPartnership, PartnershipSource, PartnershipTopic
from registry.repository.audit import Actor, record_event
from registry.repository.common import (
    SourceSpec,
    compare_and_set,
    delete_if_version,
    municipality_row,
    require_version,
    source_id,
)
from registry.repository.partnerships import EDITABLE, TABLE, find_pair, partnership, snapshot

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class PartnershipSpec:
    """A new partnership as a client or an import row describes it."""

    de_code: str
    ua_code: str
    kind: str
    status: str = "active"
    status_reason: str | None = None
    start_year: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    notes: str | None = None
    confidence: str | None = None
    last_confirmed: dt.date | None = None
    kind_source: str | None = None
    topics: Sequence[str] = ()
    sources: Sequence[tuple[SourceSpec, str]] = field(default_factory=tuple)  # (source, role)


def _edited() -> dict[str, Any]:
    """Return the column values that mark a partnership as edited through the API, now."""
    return {"edited_at": dt.datetime.now(dt.UTC)}


def check_dates(values: Mapping[str, Any]) -> None:
    start, end, year = values.get("start_date"), values.get("end_date"), values.get("start_year")
    if start and end and end < start:
        raise UnprocessableError("end_date lies before start_date", field="end_date")
    if start and year is not None and start.year != year:
        raise UnprocessableError(f"start_year {year} contradicts start_date {start}", field="start_year")


def create_partnership(
    session: Session, spec: PartnershipSpec, actor: Actor, *, action: str = "create"
) -> int:
    """Add a partnership with its topics and sources; return its id."""
    german = municipality_row(session, spec.de_code, field="de_code")
    ukrainian = municipality_row(session, spec.ua_code, field="ua_code")
    for row, country, name in ((german, "DE", "de_code"), (ukrainian, "UA", "ua_code")):
        if row["country"] != country:
            raise UnprocessableError(f"{name} {row['code']} is not a unit in {country}", field=name)
    values = {name: getattr(spec, name) for name in EDITABLE} | {"kind_source": spec.kind_source}
    check_dates(values)
    if not spec.sources:
        raise UnprocessableError("a partnership needs at least one source", field="sources")
    if (existing := find_pair(session, german["id"], ukrainian["id"])) is not None:
        raise ConflictError(
            f"partnership {existing['id']} already links {german['code']} and {ukrainian['code']}",
            field="ua_code",
        )
    try:
        new_id: int = session.execute(
            insert(TABLE)
            .values(
                de_municipality_id=german["id"], ua_municipality_id=ukrainian["id"], **values, **_edited()
            )
            .returning(TABLE.c.id)
        ).scalar_one()
    except IntegrityError as exc:  # the same pair created concurrently
        raise ConflictError(f"a partnership already links {german['code']} and {ukrainian['code']}") from exc
    _replace_topics(session, new_id, spec.topics)
    for source, role in spec.sources:
        _link_source(session, new_id, source, role)
    record_event(
        session,
        actor,
        action,
        "partnership",
        new_id,
        before=None,
        after=snapshot(partnership(session, new_id)),
    )
    return new_id


def _replace_topics(session: Session, partnership_id: int, topics: Sequence[str]) -> None:
    session.execute(delete(PartnershipTopic).where(PartnershipTopic.partnership_id == partnership_id))
    wanted = sorted({t for t in topics if t})
    if wanted:
        session.execute(
            insert(PartnershipTopic), [{"partnership_id": partnership_id, "topic": t} for t in wanted]
        )


def _link_source(session: Session, partnership_id: int, source: SourceSpec, role: str) -> int | None:
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


def update_partnership(
    session: Session,
    partnership_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    actor: Actor,
    *,
    topics: Sequence[str] | None = None,
    sources: Sequence[tuple[SourceSpec, str]] = (),
    action: str = "update",
) -> int:
    """Change fields (and topics; add sources); return the new version. A change that changes nothing
    writes nothing, but a stale ``expected_version`` fails all the same."""
    before = partnership(session, partnership_id)
    if unknown := set(changes) - set(EDITABLE):
        raise UnprocessableError(f"not an editable field: {', '.join(sorted(unknown))}", field=min(unknown))
    check_dates({**before, **changes})
    new_topics = sorted(set(topics)) if topics is not None else before["topics"]
    cited = {s["url"] or s["citation"] for s in before["sources"]}
    new_sources = [(s, role) for s, role in sources if s.key and s.key not in cited]
    changed = {k: v for k, v in changes.items() if before[k] != v}
    if not changed and new_topics == before["topics"] and not new_sources:
        require_version(before["version"], expected_version, label=f"partnership {partnership_id}")
        return expected_version
    version = compare_and_set(
        session,
        TABLE,
        partnership_id,
        expected_version,
        changed | _edited(),
        label=f"partnership {partnership_id}",
    )
    if topics is not None:
        _replace_topics(session, partnership_id, new_topics)
    for source, role in new_sources:
        _link_source(session, partnership_id, source, role)
    after = partnership(session, partnership_id)
    record_event(
        session, actor, action, "partnership", partnership_id, before=snapshot(before), after=snapshot(after)
    )
    return version


def add_source(
    session: Session, partnership_id: int, expected_version: int, source: SourceSpec, role: str, actor: Actor
) -> int:
    """Cite one more source; return the partnership's new version."""
    before = partnership(session, partnership_id)
    label = f"partnership {partnership_id}"
    version = compare_and_set(session, TABLE, partnership_id, expected_version, _edited(), label=label)
    if _link_source(session, partnership_id, source, role) is None:
        raise ConflictError(
            f"{label} already cites {source.key!r}", field="url" if source.url else "citation"
        )
    after = partnership(session, partnership_id)
    record_event(
        session,
        actor,
        "add_source",
        "partnership",
        partnership_id,
        before=snapshot(before),
        after=snapshot(after),
    )
    return version


def remove_source(
    session: Session, partnership_id: int, source: int, expected_version: int, actor: Actor
) -> int:
    """Stop citing a source (the source itself stays); return the partnership's new version."""
    before = partnership(session, partnership_id)
    label = f"partnership {partnership_id}"
    if all(s["id"] != source for s in before["sources"]):
        raise NotFoundError(f"{label} does not cite source {source}")
    if len(before["sources"]) == 1:
        raise UnprocessableError(f"{label} must keep at least one source: add another one first")
    version = compare_and_set(session, TABLE, partnership_id, expected_version, _edited(), label=label)
    session.execute(
        delete(PartnershipSource).where(
            PartnershipSource.partnership_id == partnership_id, PartnershipSource.source_id == source
        )
    )
    after = partnership(session, partnership_id)
    record_event(
        session,
        actor,
        "remove_source",
        "partnership",
        partnership_id,
        before=snapshot(before),
        after=snapshot(after),
    )
    return version


def delete_partnership(session: Session, partnership_id: int, expected_version: int, actor: Actor) -> None:
    """Delete a partnership with its topics and source links; the audit trail keeps what it was.

    A partnership of the bundled data stays deleted: its source reference is remembered, and
    `registry load` does not re-create it.
    """
    before = partnership(session, partnership_id)
    delete_if_version(session, TABLE, partnership_id, expected_version, label=f"partnership {partnership_id}")
    if before["external_ref"] is not None:
        session.execute(
            insert(DeletedPartnership).values(
                external_ref=before["external_ref"], deleted_at=dt.datetime.now(dt.UTC)
            )
        )
    record_event(session, actor, "delete", "partnership", partnership_id, before=snapshot(before), after=None)
