"""The store of Litestar's server-side sessions, in the registry's own database.

Signing out deletes the row, so a copied cookie is worthless afterwards; several processes of the app
share the sessions; expired ones are dropped as new ones are stored.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import anyio
from litestar.stores.base import Store

from registry.db import transaction
from registry.repository import web_sessions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def _delta(value: int | dt.timedelta | None) -> dt.timedelta | None:
    return dt.timedelta(seconds=value) if isinstance(value, int) else value


class DatabaseStore(Store):
    """A Litestar store over the ``web_session`` table (each call one short transaction in a thread)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        """Keep the app's session factory."""
        self._factory = factory

    async def set(self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None) -> None:
        """Store a session's data."""
        data = value.encode() if isinstance(value, str) else value

        def run() -> None:
            with transaction(self._factory) as session:
                web_sessions.put(session, key, data, _delta(expires_in))

        await anyio.to_thread.run_sync(run)

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        """Return a session's data, or None."""

        def run() -> bytes | None:
            with transaction(self._factory) as session:
                return web_sessions.get(session, key, _delta(renew_for))

        return await anyio.to_thread.run_sync(run)

    async def delete(self, key: str) -> None:
        """Delete a session."""

        def run() -> None:
            with transaction(self._factory) as session:
                web_sessions.remove(session, key)

        await anyio.to_thread.run_sync(run)

    async def delete_all(self) -> None:
        """Delete every session (everybody is signed out)."""

        def run() -> None:
            with transaction(self._factory) as session:
                web_sessions.remove(session, None)

        await anyio.to_thread.run_sync(run)

    async def exists(self, key: str) -> bool:
        """Tell whether a session exists and has not expired."""
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        """Return the seconds a session has left."""

        def run() -> int | None:
            with transaction(self._factory) as session:
                return web_sessions.expires_in(session, key)

        return await anyio.to_thread.run_sync(run)
