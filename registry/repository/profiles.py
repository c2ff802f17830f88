"""Municipality profiles kept by their own staff: read, saved under compare-and-set with an audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from registry.errors import PreconditionFailedError
from registry.models import AuditEvent, MunicipalityProfile
from registry.repository.audit import Actor, record_event
from registry.repository.common import compare_and_set

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


def profile(session: Session, municipality_id: int) -> ProfileRow:
    """Return the profile of a municipality (an empty one of version 0 if none was saved)."""
    row = (
        session.execute(select(*TABLE.c).where(TABLE.c.municipality_id == municipality_id)).mappings().first()
    )
    if row is None:
        return ProfileRow()
    values = {name: row[name] for name in FIELDS} | {"languages": tuple(row["languages"] or ())}
    return ProfileRow(ProfileValues(**values), row["confirmed_on"], row["version"], row["id"])


def _snapshot(values: ProfileValues, confirmed_on: dt.date | None, version: int) -> dict[str, Any]:
    return asdict(values) | {
        "languages": list(values.languages),
        "confirmed_on": confirmed_on,
        "version": version,
    }


def save_profile(
    session: Session,
    municipality_id: int,
    code: str,
    expected_version: int,
    values: ProfileValues,
    confirmed_on: dt.date,
    actor: Actor,
) -> int:
    """Store a profile if it is still at ``expected_version`` (0: none yet); return the new version."""
    before = profile(session, municipality_id)
    columns = asdict(values) | {"languages": list(values.languages), "confirmed_on": confirmed_on}
    if before.id is None:
        if expected_version != 0:
            raise PreconditionFailedError(f"the profile of {code} no longer exists")
        try:
            session.execute(insert(TABLE).values(municipality_id=municipality_id, version=1, **columns))
        except IntegrityError as exc:  # saved concurrently by someone else (the caller rolls back)
            raise PreconditionFailedError(f"the profile of {code} was saved by someone else") from exc
        version = 1
    else:
        version = compare_and_set(
            session, TABLE, before.id, expected_version, columns, label=f"the profile of {code}"
        )
    record_event(
        session,
        actor,
        "create" if before.id is None else "update",
        "profile",
        code,
        before=None if before.id is None else _snapshot(before.values, before.confirmed_on, before.version),
        after=_snapshot(values, confirmed_on, version),
        municipality_code=code,
    )
    return version


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
