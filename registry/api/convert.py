"""Turn repository rows into the API's response Structs (typed rows field by field; dict rows by key)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from registry.api.schemas import (
    AuditEventOut,
    AuditPageOut,
    MunicipalityDetailOut,
    MunicipalityOut,
    NeedOut,
    OfferOut,
    PartnershipOut,
)

if TYPE_CHECKING:
    from registry.repository.audit import AuditEventRow
    from registry.repository.needs import DeclaredRow
    from registry.repository.rows import MunicipalityFactsRow, MunicipalityRow, PartnershipRow

T = TypeVar("T")


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # SQLite returns naive datetimes; the database keeps UTC
    return value


def struct(kind: type[T], row: Mapping[str, Any]) -> T:
    """Build a Struct from a row, ignoring the row's extra columns; enums become their values."""
    return msgspec.convert({k: _plain(v) for k, v in row.items()}, kind, strict=False)


def typed(kind: type[T], row: object) -> T:
    """Encode a typed row as is, field by field: the row already has the response's shape."""
    return msgspec.convert(row, kind, from_attributes=True)


def audit_page(rows: Sequence[AuditEventRow], total: int, limit: int, offset: int) -> AuditPageOut:
    """Encode one page of the audit trail."""
    return AuditPageOut(
        items=[typed(AuditEventOut, row) for row in rows], total=total, limit=limit, offset=offset
    )


def partnership(row: PartnershipRow) -> PartnershipOut:
    """Encode a partnership row as is: the row already has the response's shape."""
    return msgspec.convert(row, PartnershipOut, from_attributes=True)


def municipality(row: MunicipalityRow, *, score: float | None = None) -> MunicipalityOut:
    """Encode a municipality row as is, with its search score when the list answers a name search."""
    return msgspec.structs.replace(msgspec.convert(row, MunicipalityOut, from_attributes=True), score=score)


def need(row: DeclaredRow) -> NeedOut:
    return typed(NeedOut, row)


def offer(row: DeclaredRow) -> OfferOut:
    return typed(OfferOut, row)


def municipality_detail(
    facts: MunicipalityFactsRow,
    partnerships: Sequence[PartnershipRow],
    needs: Sequence[DeclaredRow],
    offers: Sequence[DeclaredRow],
) -> MunicipalityDetailOut:
    """Encode a municipality's page: its facts as they are, its partnerships, needs and offers."""
    page = msgspec.structs.asdict(facts) | {
        "partnerships": [partnership(p) for p in partnerships],
        "needs": [need(n) for n in needs],
        "offers": [offer(o) for o in offers],
    }
    return msgspec.convert(page, MunicipalityDetailOut, from_attributes=True)
