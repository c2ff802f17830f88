"""The needs/offers vocabulary, the needs hromadas state and the offers German municipalities make."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import ColumnElement, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from registry.errors import ConflictError, NotFoundError
from registry.models import HromadaNeed, Municipality, MunicipalityOffer, NeedCategory, Source
from registry.records import CategoryRecord
from registry.repository.common import id_of
from registry.repository.count_rows import DeclaredCountsRow
from registry.repository.rows import utc

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy import Row


NEED_TABLE: Final = cast("Table", HromadaNeed.__table__)
OFFER_TABLE: Final = cast("Table", MunicipalityOffer.__table__)
CATEGORY_FIELDS: Final = (
    "code",
    "group",
    "label_de",
    "label_en",
    "label_uk",
    "examples",
    "basis",
    "position",
)


@dataclass(frozen=True)
class Kind:
    """What tells needs and offers apart in SQL: entity name, table and model, fields."""

    entity: str
    table: Table
    model: type[HromadaNeed] | type[MunicipalityOffer]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class DeclaredSourceRow:
    """The source a need cites."""

    id: int
    url: str | None
    citation: str


@dataclass(frozen=True)
class DeclaredRow:
    """A need or an offer: the unit and its region, the category, the note, the version."""

    id: int
    municipality_code: str
    municipality_name: str
    region_code: str | None  # oblast or Land (the unit's own code for Kyiv, Sevastopol)
    region_name: str | None
    category: str
    category_label_en: str
    note: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class NeedRow(DeclaredRow):
    """A need of a hromada (or Kyiv, Sevastopol): also its priority, when it was stated, its source."""

    priority: int
    stated_on: dt.date | None
    source: DeclaredSourceRow | None


@dataclass(frozen=True)
class OfferRow(DeclaredRow):
    """An offer of a German municipality."""


NEED: Final = Kind("need", NEED_TABLE, HromadaNeed, ("category", "priority", "note", "stated_on"))
OFFER: Final = Kind("offer", OFFER_TABLE, MunicipalityOffer, ("category", "note"))


def sync_categories(session: Session, records: Sequence[CategoryRecord]) -> int:
    """Make the vocabulary table hold the file's categories; keep retired ones that are still in use."""
    existing = {c.code: c for c in session.scalars(select(NeedCategory))}
    changed = 0
    for record in records:
        values = {name: getattr(record, name) for name in CATEGORY_FIELDS}
        current = existing.pop(record.code, None)
        if current is None:
            session.execute(insert(NeedCategory).values(values))
            changed += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            session.execute(update(NeedCategory).where(NeedCategory.code == record.code).values(values))
            changed += 1
    for code in existing:
        used = session.scalar(
            select(func.count()).select_from(HromadaNeed).where(HromadaNeed.category == code)
        )
        used = (used or 0) + (
            session.scalar(
                select(func.count()).select_from(MunicipalityOffer).where(MunicipalityOffer.category == code)
            )
            or 0
        )
        if not used:
            session.execute(delete(NeedCategory).where(NeedCategory.code == code))
            changed += 1
    session.flush()
    return changed


def categories(session: Session) -> list[CategoryRecord]:
    """Return the vocabulary in its file's order."""
    columns = (getattr(NeedCategory, f) for f in CATEGORY_FIELDS)
    return [CategoryRecord(*row) for row in session.execute(select(*columns).order_by(NeedCategory.position))]


def _select(kind: Kind) -> Any:
    model = kind.model
    unit = aliased(Municipality, name="unit")
    region = aliased(Municipality, name="region")
    columns: list[Any] = [
        model.id,
        unit.code.label("municipality_code"),
        unit.name.label("municipality_name"),
        region.code.label("region_code"),
        region.name.label("region_name"),
        *(getattr(model, f) for f in kind.fields),
        NeedCategory.label_en.label("category_label_en"),
        model.version,
        model.created_at,
        model.updated_at,
    ]
    statement = select(*columns)
    if model is HromadaNeed:
        statement = statement.add_columns(
            Source.id.label("source_id"),
            Source.url.label("source_url"),
            Source.citation.label("source_citation"),
        ).outerjoin(Source, Source.id == HromadaNeed.source_id)
    return (
        statement.join(unit, unit.id == model.municipality_id)
        .outerjoin(region, region.id == func.coalesce(unit.region_id, unit.id))
        .join(NeedCategory, NeedCategory.code == model.category),
        unit,
        region,
    )


def _row(kind: Kind, row: Row[Any]) -> NeedRow | OfferRow:
    values = row._asdict() | {"created_at": utc(row.created_at), "updated_at": utc(row.updated_at)}
    if kind is not NEED:
        return OfferRow(**values)
    sid, url, citation = values.pop("source_id"), values.pop("source_url"), values.pop("source_citation")
    return NeedRow(**values, source=None if sid is None else DeclaredSourceRow(sid, url, citation))


def list_declared(
    session: Session,
    kind: Kind,
    *,
    municipality: str | None = None,
    region: str | None = None,
    category: str | None = None,
    priority: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[NeedRow | OfferRow], int]:
    """Return one page of needs (or offers), ordered by municipality, then priority, then category."""
    statement, unit, region_alias = _select(kind)
    model = kind.model
    clauses: list[ColumnElement[bool]] = []
    if municipality:
        clauses.append(unit.id == id_of(municipality))
    if region:
        clauses.append(region_alias.id == id_of(region))
    if category:
        clauses.append(model.category == category)
    if priority is not None and model is HromadaNeed:
        clauses.append(HromadaNeed.priority == priority)
    total_statement = select(func.count()).select_from(model).join(unit, unit.id == model.municipality_id)
    total_statement = total_statement.outerjoin(
        region_alias, region_alias.id == func.coalesce(unit.region_id, unit.id)
    )
    total = session.scalar(total_statement.where(*clauses)) or 0
    order = [unit.code, *([HromadaNeed.priority] if model is HromadaNeed else []), model.category, model.id]
    rows = session.execute(statement.where(*clauses).order_by(*order).limit(limit).offset(offset))
    return [_row(kind, r) for r in rows], total


def declared(session: Session, kind: Kind, record_id: int) -> NeedRow | OfferRow:
    """Return one need (or offer)."""
    statement, _unit, _region = _select(kind)
    row = session.execute(statement.where(kind.model.id == record_id)).first()
    if row is None:
        raise NotFoundError(f"no {kind.entity} with id {record_id}")
    return _row(kind, row)


def category_exists(session: Session, category: str) -> bool:
    """Tell whether ``category`` is in the vocabulary."""
    return session.get(NeedCategory, category) is not None


def declared_in_category(session: Session, kind: Kind, municipality_id: int, category: str) -> int | None:
    """Return the id of the unit's need (or offer) in ``category``, if it has one."""
    return session.scalar(
        select(kind.model.id).where(
            kind.model.municipality_id == municipality_id, kind.model.category == category
        )
    )


def insert_declared(session: Session, kind: Kind, row: Mapping[str, Any], *, unit_code: str) -> int:
    """Insert a need (or offer) row; return its id."""
    try:
        new_id: int = session.execute(insert(kind.table).values(row).returning(kind.table.c.id)).scalar_one()
    except IntegrityError as exc:  # the same category declared concurrently
        raise ConflictError(
            f"{unit_code} already has a {kind.entity} in this category", field="category"
        ) from exc
    return new_id


def declared_counts(session: Session) -> DeclaredCountsRow:
    """Count needs and offers per category."""

    def per_category(kind: Kind) -> dict[str, int]:
        statement = select(kind.model.category, func.count()).group_by(kind.model.category)
        return {category: n for category, n in session.execute(statement.order_by(kind.model.category))}

    return DeclaredCountsRow(needs=per_category(NEED), offers=per_category(OFFER))
