"""One audited write for every edit: read, validate, compare-and-set on the version, read, record.

Each use case (a partnership, a municipality's facts, a need or an offer) describes its record once as
an ``Audited`` and states what to change; this module does the rest in that order, inside the caller's
transaction, so the audit event commits or rolls back with the write itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from registry.errors import UnprocessableError
from registry.repository.audit import Actor, record_event
from registry.repository.common import SourceSpec, compare_and_set, delete_if_version, require_version

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import Session

K = TypeVar("K")  # how callers name a record: an id, a code
R = TypeVar("R")  # the record as the repository reads it


def _none(_row: Any) -> None:
    return None


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Audited(Generic[K, R]):
    """How one kind of record is read, named and recorded in the audit trail."""

    entity: str  # as the audit trail names it: "partnership", "municipality", "need", "offer"
    table: Table
    read: Callable[[Session, K], R]
    snapshot: Callable[[R], Mapping[str, Any]]  # what the audit trail keeps of the record
    row_id: Callable[[R], int]
    version: Callable[[R], int]
    key: Callable[[R], str | int]  # the audit trail's entity key
    municipality_code: Callable[[R], str | None] = _none  # ties needs and facts to a municipality

    def label(self, row: R) -> str:
        """Name the record in an error message."""
        return f"{self.entity} {self.key(row)}"


@dataclass(frozen=True)
class Change:
    """What an update writes: columns set together with the version bump, then further SQL."""

    values: Mapping[str, Any]
    then: Callable[[], None] = field(default=_nothing)  # e.g. topics or source links of the same write


def require_source(source: SourceSpec) -> SourceSpec:
    """Refuse a source that names neither a URL nor a citation: the one rule for every edit."""
    if not (source.url or source.citation):
        raise UnprocessableError("a source needs a url or a citation", field="url")
    return source


def record(
    session: Session, kind: Audited[K, R], actor: Actor, action: str, before: R | None, after: R | None
) -> None:
    """Add the audit event of one write (``before`` None for a creation, ``after`` for a deletion)."""
    row = after if after is not None else before
    assert row is not None
    record_event(
        session,
        actor,
        action,
        kind.entity,
        kind.key(row),
        before=None if before is None else kind.snapshot(before),
        after=None if after is None else kind.snapshot(after),
        municipality_code=kind.municipality_code(row),
    )


def create(session: Session, kind: Audited[K, R], actor: Actor, action: str, insert: Callable[[], K]) -> K:
    """Run ``insert`` (validated by the caller), read the new record back and record it."""
    key = insert()
    record(session, kind, actor, action, None, kind.read(session, key))
    return key


def update(
    session: Session,
    kind: Audited[K, R],
    key: K,
    expected_version: int,
    actor: Actor,
    plan: Callable[[R], Change | None],
    *,
    action: str = "update",
) -> int:
    """Change a record under compare-and-set; return its new version.

    ``plan`` validates against the record as it is and returns the change, or None when the request
    changes nothing: then nothing is written, but a stale ``expected_version`` fails all the same.
    """
    before = kind.read(session, key)
    change = plan(before)
    if change is None:
        require_version(kind.version(before), expected_version, label=kind.label(before))
        return expected_version
    version = compare_and_set(
        session, kind.table, kind.row_id(before), expected_version, change.values, label=kind.label(before)
    )
    change.then()
    record(session, kind, actor, action, before, kind.read(session, key))
    return version


def delete(
    session: Session,
    kind: Audited[K, R],
    key: K,
    expected_version: int,
    actor: Actor,
    *,
    then: Callable[[R], None] = _none,
) -> None:
    """Delete a record under compare-and-set; the audit trail keeps what it was."""
    before = kind.read(session, key)
    delete_if_version(session, kind.table, kind.row_id(before), expected_version, label=kind.label(before))
    then(before)
    record(session, kind, actor, "delete", before, None)
