"""The write of an import: every checked row planned in memory, then one short bulk write with its audit.

What each row does (create, update, nothing) and what the audit trail records of it (the partnership
before and after, as ``snapshot`` reads it) is worked out before the first write; the write itself is a
few bulk statements. SQLite takes its write lock at the first write and holds it to the commit, so this
keeps the lock for as long as the statements take, not the checking and placing of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import msgspec

from registry.errors import PreconditionFailedError
from registry.repository import bulk_partnerships as sql
from registry.repository.audit import Recorded, jsonable, record_events
from registry.repository.partnership_edits import edited
from registry.repository.partnerships import EDITABLE, snapshot
from registry.repository.rows import CitedSourceRow, PartnershipRow
from registry.services.partnership_edits import editable

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session

    from registry.repository.audit import Actor
    from registry.repository.common import SourceSpec
    from registry.services.importing import Placed

ACTION: Final = "import"  # the audit trail's action of every write of an import


@dataclass(frozen=True)
class Update:
    """A pair already in the registry that the row changes."""

    item: Placed
    before: PartnershipRow
    changes: dict[str, Any]  # the fields whose value the row changes
    topics: tuple[str, ...] | None  # the row's topics when they differ from the record's, else None
    sources: list[tuple[SourceSpec, str]]  # sources the row cites that the record does not yet


def changes_of(item: Placed) -> Update | None:
    """Return what a row changes in the pair it names, or None if nothing."""
    before = item.existing
    assert before is not None
    changes = {k: v for k, v in item.explicit.items() if getattr(before, k) != v}
    topics = tuple(sorted(set(item.spec.topics))) if item.spec.topics else None
    cited = {s.key for s in before.sources}
    sources = [(spec, role) for spec, role in item.spec.sources if spec.key not in cited]
    if topics == before.topics:
        topics = None
    if not changes and topics is None and not sources:
        return None
    return Update(item, before, changes, topics, sources)


def _primary_first(sources: Sequence[CitedSourceRow]) -> tuple[CitedSourceRow, ...]:
    return tuple(sorted(sources, key=lambda s: (s.role != "primary", s.id)))  # as the repository reads them


def _cited(
    sources: Sequence[tuple[SourceSpec, str]], stored: Mapping[str, sql.StoredSource]
) -> list[CitedSourceRow]:
    return [
        CitedSourceRow(stored[s.key].id, stored[s.key].url, stored[s.key].citation, None, role)
        for s, role in sources
    ]


def _created_snapshot(item: Placed) -> dict[str, Any]:
    """What ``snapshot`` reads of a partnership just created from ``item``, JSON-ready, but its sources."""
    ready: dict[str, Any] = jsonable(
        {
            "de_code": item.de_code,
            "ua_code": item.ua_code,
            **{name: getattr(item.spec, name) for name in EDITABLE},
            "topics": list(_topics(item)),
            "version": 1,
        }
    )
    return ready


def _topics(item: Placed) -> tuple[str, ...]:
    return tuple(sorted(set(item.spec.topics)))


def _listed(sources: Sequence[CitedSourceRow]) -> list[dict[str, Any]]:
    return [{"id": s.id, "url": s.url, "citation": s.citation, "role": s.role} for s in sources]


def write(session: Session, created: Sequence[Placed], updated: Sequence[Update], actor: Actor) -> list[int]:
    """Create and update the partnerships, record every one in the audit trail; return the new ids.

    Raises:
        PreconditionFailedError: a pair the file updates was edited since it was read; nothing is written.
        ConflictError: a pair the file creates was created meanwhile (the caller's transaction rolls back).
    """
    # Everything that needs no database first: SQLite's write lock is taken at the first write below.
    stamp = edited()
    new_rows = [
        {
            "de_municipality_id": item.de_id,
            "ua_municipality_id": item.ua_id,
            **{name: getattr(item.spec, name) for name in EDITABLE},
            "kind_source": item.spec.kind_source,
            "version": 1,
            **stamp,
        }
        for item in created
    ]
    changed_rows = [
        {"b_id": c.before.id, "b_version": c.before.version, **editable(c.before), **c.changes, **stamp}
        for c in updated
    ]
    created_after = [_created_snapshot(item) for item in created]

    stored = sql.ensure_sources(
        session,
        [spec for item in created for spec, _ in item.spec.sources]
        + [spec for change in updated for spec, _ in change.sources],
    )
    ids = sql.insert_partnerships(session, new_rows)
    if stale := sql.update_partnerships(session, changed_rows):
        raise PreconditionFailedError(
            f"partnership {stale[0]} was changed by someone else during the import; nothing was written: "
            "import the file again"
        )
    sql.add_topics(session, [(pid, t) for pid, item in zip(ids, created, strict=True) for t in _topics(item)])
    sql.replace_topics(session, {c.before.id: c.topics for c in updated if c.topics is not None})
    sql.link_sources(
        session,
        [
            (pid, stored[s.key].id, role)
            for pid, item in zip(ids, created, strict=True)
            for s, role in item.spec.sources
        ]
        + [(c.before.id, stored[s.key].id, role) for c in updated for s, role in c.sources],
    )
    events = [
        Recorded(pid, None, after | {"sources": _listed(_primary_first(_cited(item.spec.sources, stored)))})
        for pid, item, after in zip(ids, created, created_after, strict=True)
    ]
    for change in updated:
        after = msgspec.structs.replace(
            change.before,
            **change.changes,
            topics=change.before.topics if change.topics is None else change.topics,
            sources=_primary_first([*change.before.sources, *_cited(change.sources, stored)]),
            version=change.before.version + 1,
        )
        events.append(
            Recorded(change.before.id, jsonable(snapshot(change.before)), jsonable(snapshot(after)))
        )
    record_events(session, actor, ACTION, "partnership", events)
    return ids
