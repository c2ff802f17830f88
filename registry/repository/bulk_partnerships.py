"""The SQL of an import's write: many partnerships, their topics, source links and audit events at once.

Each function is a few statements whatever the number of rows (multi-row INSERTs, IN lists of at
most ``IN_BATCH``), so an import's write lasts as long as its bulk statements, not a round trip per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from registry.errors import ConflictError
from registry.models import PartnershipSource, PartnershipTopic, Source
from registry.repository.common import IN_BATCH, SourceSpec, insert_rows
from registry.repository.partnerships import TABLE, pair_ids

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
# Core tables, not ORM entities: an INSERT of an entity with many rows goes through the ORM's bulk path.
SOURCE: Final = cast("Table", Source.__table__)
TOPIC: Final = cast("Table", PartnershipTopic.__table__)


@dataclass(frozen=True)
class StoredSource:
    """A source row as the registry holds it (a key cited before keeps its stored URL and citation)."""

    id: int
    url: str | None
    citation: str


def _stored(session: Session, keys: Sequence[str]) -> dict[str, StoredSource]:
    found: dict[str, StoredSource] = {}
    for start in range(0, len(keys), IN_BATCH):
        statement = select(Source.key, Source.id, Source.url, Source.citation).where(
            Source.key.in_(keys[start : start + IN_BATCH])
        )
        found.update(
            (key, StoredSource(sid, url, citation)) for key, sid, url, citation in session.execute(statement)
        )
    return found


def ensure_sources(session: Session, specs: Iterable[SourceSpec]) -> dict[str, StoredSource]:
    """Return the stored source of every spec by its key, adding the new ones (safe against a concurrent
    insert of the same key)."""
    wanted = {spec.key: spec for spec in specs}
    found = _stored(session, sorted(wanted))
    missing = [
        {
            "key": key,
            "url": spec.url,
            "citation": spec.citation or spec.url or "",
            "publisher": spec.publisher,
        }
        for key, spec in wanted.items()
        if key not in found
    ]
    if missing:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        insert_rows(session, dialect.insert(SOURCE).on_conflict_do_nothing(index_elements=["key"]), missing)
        found.update(_stored(session, [str(row["key"]) for row in missing]))
    return found


def insert_partnerships(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert partnership rows (all with the same columns); return their ids in the rows' order.

    One executemany, then the ids by pair: SQLite can return ids in the rows' order only one row per
    statement.
    """
    if not rows:
        return []
    try:
        insert_rows(session, insert(TABLE), rows)
    except IntegrityError as exc:  # a pair created meanwhile, or a unit removed by a reload
        raise ConflictError(
            "a partnership of the file was created, or one of its units removed, while it was imported; "
            "nothing was written: import it again"
        ) from exc
    pairs = [(row["de_municipality_id"], row["ua_municipality_id"]) for row in rows]
    ids = pair_ids(session, pairs)
    return [ids[pair] for pair in pairs]


def update_partnerships(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Update partnerships under compare-and-set, each row naming ``b_id`` and ``b_version`` and every
    other column it sets (all rows the same); return the ids whose version had moved on (not written)."""
    if not rows:
        return []
    columns = [name for name in rows[0] if not name.startswith("b_")]
    statement = (
        update(TABLE)
        .where(TABLE.c.id == bindparam("b_id"), TABLE.c.version == bindparam("b_version"))
        .values({name: bindparam(name) for name in columns} | {"version": TABLE.c.version + 1})
    )
    updated = session.execute(statement, list(rows), execution_options={"synchronize_session": False})
    if updated.rowcount == len(rows):  # type: ignore[attr-defined]
        return []
    expected = {row["b_id"]: row["b_version"] + 1 for row in rows}
    ids = sorted(expected)
    now: dict[int, int] = {}
    for start in range(0, len(ids), IN_BATCH):
        statement_now = select(TABLE.c.id, TABLE.c.version).where(
            TABLE.c.id.in_(ids[start : start + IN_BATCH])
        )
        now.update((pid, version) for pid, version in session.execute(statement_now))
    return [pid for pid in ids if now.get(pid) != expected[pid]]


def add_topics(session: Session, topics: Sequence[tuple[int, str]]) -> None:
    """Add topics: (partnership id, topic), none of them there yet."""
    insert_rows(session, insert(TOPIC), [{"partnership_id": pid, "topic": topic} for pid, topic in topics])


def replace_topics(session: Session, topics: Mapping[int, Sequence[str]]) -> None:
    """Make each partnership's topics the given ones."""
    ids = sorted(topics)
    for start in range(0, len(ids), IN_BATCH):
        session.execute(delete(TOPIC).where(TOPIC.c.partnership_id.in_(ids[start : start + IN_BATCH])))
    add_topics(session, [(pid, topic) for pid in ids for topic in topics[pid]])


def link_sources(session: Session, links: Sequence[tuple[int, int, str]]) -> None:
    """Cite sources: (partnership id, source id, role), none of them cited yet."""
    insert_rows(
        session,
        insert(cast("Table", PartnershipSource.__table__)),
        [{"partnership_id": pid, "source_id": sid, "role": role} for pid, sid, role in links],
    )
