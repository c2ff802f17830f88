"""API keys: created with a random secret shown once, stored only as its SHA-256 hash, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from registry.errors import NotFoundError
from registry.models import ApiKey, ApiKeyRole

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KEY_PREFIX: Final = "rk_"  # marks a registry key, so a leaked one is easy to recognise in a scan
KEY_BYTES: Final = 32  # 256 random bits
SHOWN_CHARACTERS: Final = 10  # how much of a key `apikey list` shows to tell keys apart


@dataclass(frozen=True)
class KeyInfo:
    """What is known of a key without its secret."""

    id: int
    name: str
    role: ApiKeyRole
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_secret(secret: str) -> str:
    """Hash a key for storage and lookup."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(key: ApiKey) -> KeyInfo:
    return KeyInfo(key.id, key.name, ApiKeyRole(key.role), key.prefix, key.created_at, key.revoked_at)


def create_key(session: Session, name: str, role: ApiKeyRole) -> tuple[KeyInfo, str]:
    """Create a key and return it with its secret, which is not stored and cannot be shown again."""
    secret = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    key = ApiKey(name=name, role=role, key_hash=hash_secret(secret), prefix=secret[:SHOWN_CHARACTERS])
    session.add(key)
    session.flush()
    session.refresh(key)
    return _info(key), secret


def list_keys(session: Session) -> list[KeyInfo]:
    """Return every key, revoked ones included, oldest first."""
    return [_info(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]


def revoke_key(session: Session, key_id: int) -> KeyInfo:
    """Revoke a key; revoking twice keeps the first date."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFoundError(f"no API key with id {key_id}")
    if key.revoked_at is None:
        key.revoked_at = dt.datetime.now(dt.UTC)
        session.flush()
    return _info(key)


def active_key(session: Session, secret: str) -> KeyInfo | None:
    """Return the active key with this secret, or None for an unknown or revoked one."""
    key = session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_secret(secret), ApiKey.revoked_at.is_(None))
    )
    return None if key is None else _info(key)
