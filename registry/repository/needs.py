"""The needs/offers vocabulary, the needs hromadas state and the offers German municipalities make."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import ColumnElement, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from registry.errors import ConflictError, NotFoundError
from registry.models import HromadaNeed, Municipality, MunicipalityOffer, NeedCategory, Source
from registry.repository.common import id_of
from registry.repository.count_rows import DeclaredCountsRow
from registry.repository.name_rows import CategoryRow

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from registry.records import CategoryRecord

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


def categories(session: Session) -> list[CategoryRow]:
    """Return the vocabulary in its file's order."""
    columns = (getattr(NeedCategory, f) for f in CATEGORY_FIELDS)
    return [CategoryRow(*row) for row in session.execute(select(*columns).order_by(NeedCategory.position))]


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


def _shape(kind: Kind, row: Mapping[Any, Any]) -> dict[str, Any]:
    out = dict(row)
    if kind is NEED:
        sid, url, citation = out.pop("source_id"), out.pop("source_url"), out.pop("source_citation")
        out["source"] = None if sid is None else {"id": sid, "url": url, "citation": citation}
    return out


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
) -> tuple[list[dict[str, Any]], int]:
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
    rows = session.execute(statement.where(*clauses).order_by(*order).limit(limit).offset(offset)).mappings()
    return [_shape(kind, r) for r in rows], total


def declared(session: Session, kind: Kind, record_id: int) -> dict[str, Any]:
    """Return one need (or offer)."""
    statement, _unit, _region = _select(kind)
    row = session.execute(statement.where(kind.model.id == record_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no {kind.entity} with id {record_id}")
    return _shape(kind, row)


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
