"""Server-side session data of the browser sign-in, keyed by a SHA-256 hash of the session id."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from registry.models import WebSession

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _hash(key: str) -> str:
    # The cookie's id is 256 random bits: a fast hash suffices, and a copy of the table signs no one in.
    return hashlib.sha256(key.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)


def put(session: Session, key: str, data: bytes, expires_in: dt.timedelta | None) -> None:
    """Store a session's data (replacing it), expiring after ``expires_in``; drop expired sessions."""
    now = _now()
    expires = None if expires_in is None else now + expires_in
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    changed = session.execute(
        update(WebSession).where(WebSession.key_hash == _hash(key)).values(data=data, expires_at=expires)
    )
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        # a new id: 256 random bits the middleware has just drawn, so no other request stores it
        session.add(WebSession(key_hash=_hash(key), data=data, expires_at=expires))
        session.flush()


def get(session: Session, key: str, renew_for: dt.timedelta | None) -> bytes | None:
    """Return a session's data, None if unknown or expired; ``renew_for`` extends its life."""
    row = session.execute(
        select(WebSession.data, WebSession.expires_at).where(WebSession.key_hash == _hash(key))
    ).first()
    expires = None if row is None else _aware(row.expires_at)
    if row is None or (expires is not None and expires <= _now()):
        return None
    if renew_for is not None:
        session.execute(
            update(WebSession).where(WebSession.key_hash == _hash(key)).values(expires_at=_now() + renew_for)
        )
    return bytes(row.data)


def expires_in(session: Session, key: str) -> int | None:
    """Return the seconds a session has left (None: unknown, or no expiry)."""
    expires = _aware(session.scalar(select(WebSession.expires_at).where(WebSession.key_hash == _hash(key))))
    return None if expires is None else max(int((expires - _now()).total_seconds()), 0)


def remove(session: Session, key: str | None) -> None:
    """Delete one session, or every session (``key`` None)."""
    statement = delete(WebSession)
    if key is not None:
        statement = statement.where(WebSession.key_hash == _hash(key))
    session.execute(statement)
