"""Edits of partnerships: create, update, cite and drop sources, delete; each audited and version-checked.

Every edit stamps ``edited_at`` and deleting a bundled partnership leaves a ``DeletedPartnership`` row, so
that `registry load` neither overwrites the edit nor re-creates what was deleted.
"""

from __future__ import annotations

# Runtime imports: PartnershipSpec's annotations are resolved by readers of the dataclass.
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from registry.errors import ConflictError, NotFoundError, UnprocessableError
from registry.repository import partnership_edits as sql
from registry.repository.common import SourceSpec, municipality_row
from registry.repository.partnerships import EDITABLE, TABLE, find_pair, partnership, snapshot
from registry.services import writes
from registry.services.writes import Change, require_source

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.repository.audit import Actor

PARTNERSHIP: Final = writes.Audited[int, Mapping[str, Any]](
    entity="partnership",
    table=TABLE,
    read=partnership,
    snapshot=snapshot,
    row_id=lambda row: int(row["id"]),
    version=lambda row: int(row["version"]),
    key=lambda row: int(row["id"]),
)


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


def check_dates(values: Mapping[str, Any]) -> None:
    """Refuse an end before the start, or a start year that contradicts the start date."""
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
    sources = [(require_source(source), role) for source, role in spec.sources]
    pair = f"{german['code']} and {ukrainian['code']}"
    if (existing := find_pair(session, german["id"], ukrainian["id"])) is not None:
        raise ConflictError(f"partnership {existing['id']} already links {pair}", field="ua_code")

    def insert() -> int:
        new_id = sql.insert_partnership(session, german["id"], ukrainian["id"], values, pair=pair)
        sql.replace_topics(session, new_id, spec.topics)
        for source, role in sources:
            sql.link_source(session, new_id, source, role)
        return new_id

    return writes.create(session, PARTNERSHIP, actor, action, insert)


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

    def plan(before: Mapping[str, Any]) -> Change | None:
        if unknown := set(changes) - set(EDITABLE):
            raise UnprocessableError(
                f"not an editable field: {', '.join(sorted(unknown))}", field=min(unknown)
            )
        check_dates({**before, **changes})
        new_topics = sorted(set(topics)) if topics is not None else before["topics"]
        cited = {s["url"] or s["citation"] for s in before["sources"]}
        new_sources = [(require_source(s), role) for s, role in sources if s.key and s.key not in cited]
        changed = {k: v for k, v in changes.items() if before[k] != v}
        if not changed and new_topics == before["topics"] and not new_sources:
            return None

        def then() -> None:
            if topics is not None:
                sql.replace_topics(session, partnership_id, new_topics)
            for source, role in new_sources:
                sql.link_source(session, partnership_id, source, role)

        return Change(changed | sql.edited(), then)

    return writes.update(session, PARTNERSHIP, partnership_id, expected_version, actor, plan, action=action)


def add_source(
    session: Session, partnership_id: int, expected_version: int, source: SourceSpec, role: str, actor: Actor
) -> int:
    """Cite one more source; return the partnership's new version."""
    require_source(source)

    def link() -> None:
        if sql.link_source(session, partnership_id, source, role) is None:
            raise ConflictError(
                f"partnership {partnership_id} already cites {source.key!r}",
                field="url" if source.url else "citation",
            )

    return writes.update(
        session,
        PARTNERSHIP,
        partnership_id,
        expected_version,
        actor,
        lambda _before: Change(sql.edited(), link),
        action="add_source",
    )


def remove_source(
    session: Session, partnership_id: int, source: int, expected_version: int, actor: Actor
) -> int:
    """Stop citing a source (the source itself stays); return the partnership's new version."""

    def plan(before: Mapping[str, Any]) -> Change:
        label = f"partnership {partnership_id}"
        if all(s["id"] != source for s in before["sources"]):
            raise NotFoundError(f"{label} does not cite source {source}")
        if len(before["sources"]) == 1:
            raise UnprocessableError(f"{label} must keep at least one source: add another one first")
        return Change(sql.edited(), lambda: sql.unlink_source(session, partnership_id, source))

    return writes.update(
        session, PARTNERSHIP, partnership_id, expected_version, actor, plan, action="remove_source"
    )


def delete_partnership(session: Session, partnership_id: int, expected_version: int, actor: Actor) -> None:
    """Delete a partnership with its topics and source links; the audit trail keeps what it was.

    A partnership of the bundled data stays deleted: its source reference is remembered, and
    `registry load` does not re-create it.
    """

    def remember(before: Mapping[str, Any]) -> None:
        if before["external_ref"] is not None:
            sql.remember_deleted(session, before["external_ref"])

    writes.delete(session, PARTNERSHIP, partnership_id, expected_version, actor, then=remember)
