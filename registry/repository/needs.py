"""The needs/offers vocabulary, the needs hromadas state and the offers German municipalities make."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import ColumnElement, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from registry.errors import ConflictError, NotFoundError, UnprocessableError
from registry.models import HromadaNeed, Municipality, MunicipalityOffer, NeedCategory, Source
from registry.repository.audit import Actor, record_event
from registry.repository.common import (
    SourceSpec,
    compare_and_set,
    delete_if_version,
    id_of,
    municipality_row,
    require_version,
    source_id,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from registry.records import CategoryRecord

NEED_TABLE: Final = cast("Table", HromadaNeed.__table__)
OFFER_TABLE: Final = cast("Table", MunicipalityOffer.__table__)
# Who states needs: hromadas, and Kyiv and Sevastopol, which are municipalities outside any hromada.
NEED_LEVELS: Final = frozenset({"hromada", "city_special_status"})
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
    """What tells needs and offers apart: table, entity name, fields, and who may declare them."""

    entity: str
    table: Table
    model: type[HromadaNeed] | type[MunicipalityOffer]
    fields: tuple[str, ...]
    country: str


NEED: Final = Kind("need", NEED_TABLE, HromadaNeed, ("category", "priority", "note", "stated_on"), "UA")
OFFER: Final = Kind("offer", OFFER_TABLE, MunicipalityOffer, ("category", "note"), "DE")


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


def categories(session: Session) -> list[dict[str, Any]]:
    """Return the vocabulary in its file's order."""
    rows = session.execute(
        select(*(getattr(NeedCategory, f) for f in CATEGORY_FIELDS)).order_by(NeedCategory.position)
    ).mappings()
    return [dict(r) for r in rows]


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


def _snapshot(kind: Kind, record: Mapping[str, Any]) -> dict[str, Any]:
    values = {"municipality_code": record["municipality_code"], **{f: record[f] for f in kind.fields}}
    if kind is NEED:
        source = record["source"]
        values["source"] = None if source is None else {k: source[k] for k in ("url", "citation")}
    return values | {"version": record["version"]}


def _check_category(session: Session, category: str) -> None:
    if session.get(NeedCategory, category) is None:
        raise UnprocessableError(
            f"unknown category {category!r}; GET /api/categories lists the vocabulary", field="category"
        )


def create_declared(
    session: Session,
    kind: Kind,
    code: str,
    values: Mapping[str, Any],
    actor: Actor,
    *,
    source: SourceSpec | None = None,
) -> int:
    """Declare a need of a hromada (or an offer of a German municipality); return its id."""
    unit = municipality_row(session, code)
    if unit["country"] != kind.country or (kind is NEED and unit["level"] not in NEED_LEVELS):
        who = "hromadas (and Kyiv, Sevastopol)" if kind is NEED else "German units"
        raise UnprocessableError(f"only {who} declare {kind.entity}s; {unit['code']} is a {unit['level']}")
    _check_category(session, values["category"])
    row = {f: values.get(f) for f in kind.fields} | {"municipality_id": unit["id"]}
    if kind is NEED:
        row["source_id"] = None if source is None else source_id(session, source)
    clash = session.scalar(
        select(kind.model.id).where(
            kind.model.municipality_id == unit["id"], kind.model.category == values["category"]
        )
    )
    if clash is not None:
        raise ConflictError(
            f"{unit['code']} already has {kind.entity} {clash} in category {values['category']!r}: "
            "edit that one",
            field="category",
        )
    try:
        new_id: int = session.execute(insert(kind.table).values(row).returning(kind.table.c.id)).scalar_one()
    except IntegrityError as exc:  # the same category declared concurrently
        raise ConflictError(
            f"{unit['code']} already has a {kind.entity} in this category", field="category"
        ) from exc
    after = declared(session, kind, new_id)
    record_event(
        session,
        actor,
        "create",
        kind.entity,
        new_id,
        before=None,
        after=_snapshot(kind, after),
        municipality_code=unit["code"],
    )
    return new_id


def update_declared(
    session: Session,
    kind: Kind,
    record_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    actor: Actor,
    *,
    source: SourceSpec | None = None,
    clear_source: bool = False,
) -> int:
    """Change a need (or offer) under compare-and-set; return its new version."""
    before = declared(session, kind, record_id)
    label = f"{kind.entity} {record_id}"
    if "category" in changes:
        _check_category(session, changes["category"])
    values = {k: v for k, v in changes.items() if before[k] != v}
    if kind is NEED and (source is not None or clear_source):
        new_source = None if source is None else source_id(session, source)
        if new_source != (before["source"] or {}).get("id"):
            values["source_id"] = new_source
    if not values:
        require_version(before["version"], expected_version, label=label)
        return expected_version
    try:
        version = compare_and_set(session, kind.table, record_id, expected_version, values, label=label)
    except IntegrityError as exc:
        raise ConflictError(
            f"{before['municipality_code']} already has a {kind.entity} in this category", field="category"
        ) from exc
    after = declared(session, kind, record_id)
    record_event(
        session,
        actor,
        "update",
        kind.entity,
        record_id,
        before=_snapshot(kind, before),
        after=_snapshot(kind, after),
        municipality_code=before["municipality_code"],
    )
    return version


def delete_declared(
    session: Session, kind: Kind, record_id: int, expected_version: int, actor: Actor
) -> None:
    """Withdraw a need (or offer); the audit trail keeps what it was."""
    before = declared(session, kind, record_id)
    delete_if_version(session, kind.table, record_id, expected_version, label=f"{kind.entity} {record_id}")
    record_event(
        session,
        actor,
        "delete",
        kind.entity,
        record_id,
        before=_snapshot(kind, before),
        after=None,
        municipality_code=before["municipality_code"],
    )


def declared_counts(session: Session) -> dict[str, dict[str, int]]:
    """Count needs and offers per category."""
    return {
        kind.entity: dict(
            session.execute(
                select(kind.model.category, func.count())
                .group_by(kind.model.category)
                .order_by(kind.model.category)
            ).all()
        )
        for kind in (NEED, OFFER)
    }
