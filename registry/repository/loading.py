"""Writes of the bundled data: upserts that change only what changed in the source.

Edits made through the API win over the bundled data: a fact edited through the API keeps its value
and source (and so do the facts citing the same source, e.g. a population's date), a partnership
edited through the API is left as it is, and one deleted through the API is not re-created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, or_, select, text, update
from sqlalchemy.orm import Session

from registry.facts import FACT_SOURCE
from registry.models import (
    DeletedPartnership,
    HromadaNeed,
    Municipality,
    MunicipalityCode,
    MunicipalityName,
    MunicipalityOffer,
    Partnership,
    PartnershipSource,
    Source,
    UnresolvedRow,
)
from registry.records import Dataset, MunicipalityRecord, PartnershipRecord, UnplacedRow

BATCH = 5000
Progress = Callable[[str], None]

# Record fields stored as municipality columns under the same name.
_PLAIN_COLUMNS = (
    "code",
    "country",
    "level",
    "subtype",
    "name",
    "name_official",
    "name_de",
    "name_en",
    "name_uk",
    "population",
    "population_date",
    "area_km2",
    "lat",
    "lon",
    "war_status",
    "war_status_date",
    "occupied_since",
    "occupation_ended",
    "idp_registered",
    "idp_date",
    "distance_to_russia_km",
)
_SOURCE_COLUMNS = {
    "population_source": "population_source_id",
    "area_source": "area_source_id",
    "coordinates_source": "coordinates_source_id",
    "war_status_source": "war_status_source_id",
    "idp_source": "idp_source_id",
    "distance_source": "distance_source_id",
}


@dataclass
class SyncCounts:
    """What a sync did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept_stale: int = 0
    kept_edited: int = 0  # records edited through the API, left as they are
    kept_deleted: int = 0  # source rows of records deleted through the API, not re-created
    kept_facts: int = 0  # records (also counted above) whose facts edited through the API were kept
    linked: int = (
        0  # new source rows naming a pair entered through the API: linked to that record, kept as is
    )

    def __str__(self) -> str:
        parts = [f"{self.added:,} added", f"{self.updated:,} updated", f"{self.unchanged:,} unchanged"]
        if self.kept_edited:
            parts.append(f"{self.kept_edited:,} kept (edited through the API)")
        if self.kept_deleted:
            parts.append(f"{self.kept_deleted:,} not re-created (deleted through the API)")
        if self.linked:
            parts.append(f"{self.linked:,} linked to the same pair entered through the API")
        if self.removed:
            parts.append(f"{self.removed:,} removed (no longer in the source)")
        if self.kept_stale:
            parts.append(f"{self.kept_stale:,} no longer in the source but kept (referenced or edited)")
        if self.kept_facts:
            parts.append(f"facts edited through the API kept in {self.kept_facts:,}")
        return ", ".join(parts)


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def sync_sources(session: Session, specs: Iterable[Dataset | tuple[str | None, str]]) -> dict[str, int]:
    """Make sure every dataset and cited URL/citation has a source row; return key -> id."""
    wanted: dict[str, dict[str, Any]] = {}
    for spec in specs:
        if isinstance(spec, Dataset):
            wanted[spec.key] = {
                "key": spec.key,
                "url": spec.url,
                "citation": spec.citation,
                "publisher": spec.publisher,
                "licence": spec.licence,
                "edition": spec.edition,
            }
        else:
            url, citation = spec
            key = (url or citation)[:500]
            wanted.setdefault(
                key,
                {
                    "key": key,
                    "url": url,
                    "citation": citation,
                    "publisher": None,
                    "licence": None,
                    "edition": None,
                },
            )
    existing = {s.key: s for s in session.scalars(select(Source))}
    new_rows = [row for key, row in wanted.items() if key not in existing]
    for chunk in _chunks(new_rows):
        session.execute(insert(Source), chunk)
    for key, row in wanted.items():
        current = existing.get(key)
        if current is not None and any(getattr(current, k) != v for k, v in row.items()):
            for column, value in row.items():
                setattr(current, column, value)
    session.flush()
    return dict(session.execute(select(Source.key, Source.id)).all())


def _municipality_row(record: MunicipalityRecord, source_ids: dict[str, int]) -> dict[str, Any]:
    row = {column: getattr(record, column) for column in _PLAIN_COLUMNS}
    row["code_scheme"] = record.scheme
    for field_name, column in _SOURCE_COLUMNS.items():
        key = getattr(record, field_name)
        row[column] = source_ids[key] if key else None
    row["source_hash"] = record.digest()
    return row


def kept_columns(edited_facts: Iterable[str]) -> frozenset[str]:
    """Return the columns a reload leaves alone: the sources of the edited facts, and every fact citing them.

    A fact never changes without its source, so an edited population keeps its date too, and an edited
    latitude its longitude: the source the coordinator cited covers them all.
    """
    sources = {FACT_SOURCE[fact] for fact in edited_facts if fact in FACT_SOURCE}
    return frozenset(sources | {fact for fact, column in FACT_SOURCE.items() if column in sources})


def sync_municipalities(
    session: Session,
    records: Sequence[MunicipalityRecord],
    source_ids: dict[str, int],
    progress: Progress,
) -> SyncCounts:
    """Insert new municipalities, update changed ones (names and codes too), skip the unchanged.

    An update leaves the facts edited through the API as they are (see ``kept_columns``).
    """
    counts = SyncCounts()
    existing = {
        code: (mid, digest, edited)
        for code, mid, digest, edited in session.execute(
            select(Municipality.code, Municipality.id, Municipality.source_hash, Municipality.edited_facts)
        )
    }
    new = [r for r in records if r.code not in existing]
    changed = [r for r in records if r.code in existing and existing[r.code][1] != r.digest()]
    counts.added, counts.updated = len(new), len(changed)
    counts.unchanged = len(records) - len(new) - len(changed)
    counts.kept_facts = sum(1 for r in records if r.code in existing and existing[r.code][2])
    for chunk in _chunks([_municipality_row(r, source_ids) for r in new]):
        session.execute(insert(Municipality), [{**row, "version": 1} for row in chunk])
    # One UPDATE per set of kept columns: nearly every row has none, so nearly always just one.
    by_kept: dict[frozenset[str], list[dict[str, Any]]] = {}
    for record in changed:
        mid, _digest, edited = existing[record.code]
        kept = kept_columns(edited or ())
        row = {c: v for c, v in _municipality_row(record, source_ids).items() if c not in kept}
        by_kept.setdefault(kept, []).append(row | {"b_id": mid})
    table = cast("Table", Municipality.__table__)
    for changed_rows in by_kept.values():
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                {c: bindparam(c) for c in changed_rows[0] if c != "b_id"} | {"version": table.c.version + 1}
            )
        )
        for chunk in _chunks(changed_rows):
            session.execute(statement, chunk)
    ids = dict(session.execute(select(Municipality.code, Municipality.id)).all())
    touched = new + changed
    _link_parents(session, touched, ids)
    _replace_names_and_codes(session, touched, ids, progress)
    counts.removed, counts.kept_stale = _remove_stale(session, {r.code for r in records}, ids)
    return counts


def _link_parents(session: Session, records: Sequence[MunicipalityRecord], ids: dict[str, int]) -> None:
    table = cast("Table", Municipality.__table__)
    rows = [
        {
            "b_id": ids[r.code],
            "parent_id": ids.get(r.parent_code or ""),
            "region_id": ids.get(r.region_code or ""),
            "district_id": ids.get(r.district_code or ""),
        }
        for r in records
    ]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            parent_id=bindparam("parent_id"),
            region_id=bindparam("region_id"),
            district_id=bindparam("district_id"),
        )
    )
    for chunk in _chunks(rows):
        session.execute(statement, chunk)


def _replace_names_and_codes(
    session: Session, records: Sequence[MunicipalityRecord], ids: dict[str, int], progress: Progress
) -> None:
    touched_ids = [ids[r.code] for r in records]
    for start in range(0, len(touched_ids), BATCH):
        batch = touched_ids[start : start + BATCH]
        session.execute(delete(MunicipalityName).where(MunicipalityName.municipality_id.in_(batch)))
        session.execute(delete(MunicipalityCode).where(MunicipalityCode.municipality_id.in_(batch)))
    names: list[dict[str, Any]] = []
    codes: dict[str, dict[str, Any]] = {}
    for record in records:
        mid = ids[record.code]
        names += [
            {"municipality_id": mid, "name": n[:300], "lang": lang, "kind": str(kind), "key": key[:300]}
            for n, lang, kind, key in record.name_rows
        ]
        for code, scheme, label in record.codes:
            codes.setdefault(
                code,
                {
                    "code": code,
                    "scheme": scheme,
                    "municipality_id": mid,
                    "label": (label or "")[:300] or None,
                },
            )
    if codes:
        taken = set(session.scalars(select(MunicipalityCode.code)))
        clashes = [c for c in codes if c in taken]
        if clashes:  # a code moved to another municipality (e.g. a village to a new hromada)
            for start in range(0, len(clashes), BATCH):
                session.execute(
                    delete(MunicipalityCode).where(MunicipalityCode.code.in_(clashes[start : start + BATCH]))
                )
    for label, rows in (("names", names), ("codes", list(codes.values()))):
        for index, chunk in enumerate(_chunks(rows)):
            session.execute(insert(MunicipalityName if label == "names" else MunicipalityCode), chunk)
            if len(rows) > BATCH:
                progress(f"  {label}: {min((index + 1) * BATCH, len(rows)):,} / {len(rows):,}")


def _remove_stale(session: Session, current: set[str], ids: dict[str, int]) -> tuple[int, int]:
    """Delete municipalities gone from the source unless a partnership still points at them, or
    something was entered for them through the API (facts, needs, offers)."""
    stale = [ids[code] for code in ids if code not in current]
    if not stale:
        return 0, 0
    referenced: set[int] = set()
    for column in (
        Partnership.de_municipality_id,
        Partnership.ua_municipality_id,
        HromadaNeed.municipality_id,
        MunicipalityOffer.municipality_id,
    ):
        referenced |= set(session.scalars(select(column).where(column.in_(stale))))
    edited = session.execute(
        select(Municipality.id, Municipality.edited_facts).where(Municipality.id.in_(stale))
    )
    referenced |= {mid for mid, facts in edited if facts}
    removable = [mid for mid in stale if mid not in referenced]
    if removable:
        session.execute(
            update(Municipality).where(Municipality.parent_id.in_(removable)).values(parent_id=None),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            delete(Municipality).where(Municipality.id.in_(removable)),
            execution_options={"synchronize_session": False},
        )
    return len(removable), len(referenced)


def sync_partnerships(
    session: Session, records: Sequence[PartnershipRecord], source_ids: dict[str, int], prefix: str
) -> SyncCounts:
    """Upsert partnerships by their source reference; a changed source row overwrites its record,
    unless the record was edited through the API. Rows of records deleted through the API are skipped."""
    counts = SyncCounts()
    ids = dict(session.execute(select(Municipality.code, Municipality.id)).all())
    existing = {
        p.external_ref: p
        for p in session.scalars(select(Partnership).where(Partnership.external_ref.like(f"{prefix}#%")))
    }
    deleted = set(
        session.scalars(
            select(DeletedPartnership.external_ref).where(DeletedPartnership.external_ref.like(f"{prefix}#%"))
        )
    )
    entered = {  # partnerships entered through the API (or another file), by pair
        (p.de_municipality_id, p.ua_municipality_id): p
        for p in session.scalars(
            select(Partnership).where(
                or_(Partnership.external_ref.is_(None), Partnership.external_ref.not_like(f"{prefix}#%"))
            )
        )
    }
    for record in records:
        if record.external_ref in deleted:
            counts.kept_deleted += 1
            continue
        current = existing.pop(record.external_ref, None)
        twin = entered.get((ids[record.de_code], ids[record.ua_code])) if current is None else None
        if twin is not None:
            # The pair is already recorded: the coordinator's record wins; the file row only points at it.
            if twin.external_ref is None:
                twin.external_ref = record.external_ref
                twin.source_hash = record.digest
                twin.edited_at = twin.edited_at or twin.created_at
            counts.linked += 1
            continue
        if current is not None and current.edited_at is not None:
            counts.kept_edited += 1
            continue
        if current is not None and current.source_hash == record.digest:
            counts.unchanged += 1
            continue
        values = {
            "de_municipality_id": ids[record.de_code],
            "ua_municipality_id": ids[record.ua_code],
            "kind": record.kind,
            "kind_source": record.kind_source,
            "status": record.status,
            "status_reason": record.status_reason,
            "start_year": record.start_year,
            "notes": record.notes,
            "confidence": record.confidence,
            "resolution_note": record.resolution_note,
            "external_ref": record.external_ref,
            "source_hash": record.digest,
            "last_confirmed": None,
        }
        if current is None:
            current = Partnership(**values)
            session.add(current)
            counts.added += 1
        else:
            for column, value in values.items():
                setattr(current, column, value)
            session.execute(delete(PartnershipSource).where(PartnershipSource.partnership_id == current.id))
            counts.updated += 1
        session.flush()
        seen: set[int] = set()
        for url, citation, role in record.sources:
            source_id = source_ids[(url or citation)[:500]]
            if source_id not in seen:
                seen.add(source_id)
                session.add(PartnershipSource(partnership_id=current.id, source_id=source_id, role=role))
    counts.kept_stale = len(existing)
    session.flush()
    return counts


def sync_unresolved(session: Session, file: str, rows: Sequence[UnplacedRow]) -> int:
    """Make the review queue of ``file`` hold exactly the rows that could not be placed this time."""
    wanted = {(u.row.get("id") or str(u.row.line), u.row.digest()): u for u in rows}
    for existing in session.scalars(select(UnresolvedRow).where(UnresolvedRow.file == file)):
        if wanted.pop((existing.row_ref, existing.source_hash), None) is None:
            session.delete(existing)
    session.flush()
    for unplaced in wanted.values():
        session.add(
            UnresolvedRow(
                file=file,
                row_ref=unplaced.row.get("id") or str(unplaced.row.line),
                line=unplaced.row.line,
                reason=unplaced.reason,
                candidates=unplaced.candidates,
                raw=unplaced.row.values,
                source_hash=unplaced.row.digest(),
            )
        )
    session.flush()
    return len(rows)


def refresh_planner_statistics(session: Session) -> None:
    """Have PostgreSQL count the tables a load just filled (SQLite plans well without statistics).

    Autovacuum does it eventually; until then the planner takes 13,000 municipalities for 1,900 and
    answers a list page with hash joins over every row instead of a few index lookups.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
