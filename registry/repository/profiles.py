"""Municipality profiles kept by their own staff: read one, add the first (edits: services.profiles)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from registry.errors import PreconditionFailedError
from registry.models import AuditEvent, Municipality, MunicipalityProfile

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

TABLE: Final = cast("Table", MunicipalityProfile.__table__)
FIELDS: Final = (
    "contact_person",
    "office",
    "email",
    "website",
    "languages",
    "description_de",
    "description_en",
    "description_uk",
)


@dataclass(frozen=True)
class ProfileValues:
    """What a profile says; every text may be empty."""

    contact_person: str | None = None
    office: str | None = None
    email: str | None = None
    website: str | None = None
    languages: tuple[str, ...] = ()
    description_de: str | None = None
    description_en: str | None = None
    description_uk: str | None = None


@dataclass(frozen=True)
class ProfileRow:
    """A stored profile: its values, when its staff last confirmed it, its version (0: none stored yet)."""

    values: ProfileValues = field(default_factory=ProfileValues)
    confirmed_on: dt.date | None = None
    version: int = 0
    id: int | None = None
    code: str | None = None  # the municipality's code


def profile(session: Session, municipality_id: int) -> ProfileRow:
    """Return the profile of a municipality (an empty one of version 0 if none was saved)."""
    code = session.scalar(select(Municipality.code).where(Municipality.id == municipality_id))
    row = (
        session.execute(select(*TABLE.c).where(TABLE.c.municipality_id == municipality_id)).mappings().first()
    )
    if row is None:
        return ProfileRow(code=code)
    values = {name: row[name] for name in FIELDS} | {"languages": tuple(row["languages"] or ())}
    return ProfileRow(ProfileValues(**values), row["confirmed_on"], row["version"], row["id"], code)


def columns(values: ProfileValues, confirmed_on: dt.date) -> dict[str, Any]:
    """Return the table's columns for a profile's values (the values an INSERT or UPDATE writes, not a row
    read back: a dict by design)."""
    return asdict(values) | {"languages": list(values.languages), "confirmed_on": confirmed_on}


def insert_profile(
    session: Session, municipality_id: int, values: ProfileValues, confirmed_on: dt.date
) -> int:
    """Add the first profile of a municipality; PreconditionFailedError if another was saved meanwhile."""
    try:
        session.execute(
            insert(TABLE).values(municipality_id=municipality_id, version=1, **columns(values, confirmed_on))
        )
    except IntegrityError as exc:  # saved concurrently by someone else (the caller rolls back)
        raise PreconditionFailedError("the profile was saved by someone else") from exc
    return municipality_id


def snapshot(row: ProfileRow) -> dict[str, Any]:
    """Return what the audit trail keeps of a profile: a free-form JSON object, so a dict by design."""
    return asdict(row.values) | {
        "languages": list(row.values.languages), "confirmed_on": row.confirmed_on, "version": row.version
    }  # fmt: skip


def last_editor(session: Session, code: str, entities: tuple[str, ...]) -> tuple[str, dt.datetime] | None:
    """Return who last changed a municipality's records of these entities, and when."""
    row = session.execute(
        select(AuditEvent.actor, AuditEvent.at)
        .where(AuditEvent.municipality_code == code, AuditEvent.entity.in_(entities))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
    return str(row.actor), at
