"""Needs of hromadas and offers of German municipalities: declare, change, withdraw; each audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.exc import IntegrityError

from registry.errors import ConflictError, UnprocessableError
from registry.repository import needs as sql
from registry.repository.common import SourceSpec, municipality_row, source_id
from registry.repository.needs import NEED, OFFER, DeclaredRow, Kind, NeedRow
from registry.services import writes
from registry.services.writes import Change, require_source

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.repository.audit import Actor

__all__ = ["NEED", "NEED_LEVELS", "OFFER", "create_declared", "delete_declared", "kind_of", "update_declared"]

# Who states needs: hromadas, and Kyiv and Sevastopol, which are municipalities outside any hromada.
NEED_LEVELS: Final = frozenset({"hromada", "city_special_status"})


def kind_of(country: object, level: object) -> Kind | None:
    """Return what a unit declares: needs (hromadas, Kyiv, Sevastopol), offers (German units), or nothing."""
    if str(country) == "UA" and str(level) in NEED_LEVELS:
        return NEED
    if str(country) == "DE":
        return OFFER
    return None


def _source_id(record: DeclaredRow) -> int | None:
    return record.source.id if isinstance(record, NeedRow) and record.source else None


def _audited(kind: Kind) -> writes.Audited[int, DeclaredRow]:
    def snapshot(record: DeclaredRow) -> dict[str, Any]:
        """What the audit trail keeps of a need or offer: a free-form JSON object."""
        fields = {name: getattr(record, name) for name in kind.fields}
        values = {"municipality_code": record.municipality_code, **fields}
        if isinstance(record, NeedRow):
            source = record.source
            values["source"] = None if source is None else {"url": source.url, "citation": source.citation}
        return values | {"version": record.version}

    return writes.Audited(
        entity=kind.entity,
        table=kind.table,
        read=lambda session, record_id: sql.declared(session, kind, record_id),
        snapshot=snapshot,
        row_id=lambda row: row.id,
        version=lambda row: row.version,
        key=lambda row: row.id,
        municipality_code=lambda row: row.municipality_code,
    )


AUDITED: Final = {NEED.entity: _audited(NEED), OFFER.entity: _audited(OFFER)}


def _check_category(session: Session, category: str) -> None:
    if not sql.category_exists(session, category):
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
    if kind_of(unit["country"], unit["level"]) is not kind:
        who = "hromadas (and Kyiv, Sevastopol)" if kind is NEED else "German units"
        raise UnprocessableError(f"only {who} declare {kind.entity}s; {unit['code']} is a {unit['level']}")
    _check_category(session, values["category"])
    row = {f: values.get(f) for f in kind.fields} | {"municipality_id": unit["id"]}
    if kind is NEED:
        row["source_id"] = None if source is None else source_id(session, require_source(source))
    clash = sql.declared_in_category(session, kind, unit["id"], values["category"])
    if clash is not None:
        raise ConflictError(
            f"{unit['code']} already has {kind.entity} {clash} in category {values['category']!r}: "
            "edit that one",
            field="category",
        )
    return writes.create(
        session,
        AUDITED[kind.entity],
        actor,
        "create",
        lambda: sql.insert_declared(session, kind, row, unit_code=unit["code"]),
    )


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

    unit: list[str] = []  # the unit's code, for the message of a clash the database finds

    def plan(before: DeclaredRow) -> Change | None:
        unit.append(before.municipality_code)
        if "category" in changes:
            _check_category(session, changes["category"])
        values = {k: v for k, v in changes.items() if getattr(before, k) != v}
        if kind is NEED and (source is not None or clear_source):
            new_source = None if source is None else source_id(session, require_source(source))
            if new_source != _source_id(before):
                values["source_id"] = new_source
        return Change(values) if values else None

    try:
        return writes.update(session, AUDITED[kind.entity], record_id, expected_version, actor, plan)
    except IntegrityError as exc:  # moved into a category the unit already has
        raise ConflictError(
            f"the unit already has a {kind.entity} in this category", field="category"
        ) from exc


def delete_declared(
    session: Session, kind: Kind, record_id: int, expected_version: int, actor: Actor
) -> None:
    """Withdraw a need (or offer); the audit trail keeps what it was."""
    writes.delete(session, AUDITED[kind.entity], record_id, expected_version, actor)
