"""Hear of writes made by other processes at once: PostgreSQL ``LISTEN`` on the registry's channel.

Every transaction that writes announces its commit (``registry.db.announce_writes``). Each serving
process listens on a connection of its own and, on each notification, outdates the response cache
and has the name index and the matching input compare their fingerprints at once. Without it (SQLite,
or while the listening connection is down) the fingerprint poll of ``services/cache.py`` notices
within a second.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Final

import psycopg
from sqlalchemy.engine import make_url

from registry.db import CHANGES_CHANNEL

log = logging.getLogger("registry.changes")

# How long one wait for notifications lasts before the thread checks whether it should stop.
WAIT_SECONDS: Final = 1.0
# Pause before reconnecting after the listening connection failed.
RECONNECT_SECONDS: Final = 2.0


def libpq_url(database_url: str) -> str:
    """Return ``database_url`` as libpq takes it (without SQLAlchemy's ``+driver``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeListener:
    """Call ``on_change`` for every write committed anywhere in the database, from a background thread."""

    def __init__(self, database_url: str, on_change: Callable[[], None]) -> None:
        self._url = libpq_url(database_url)
        self._on_change = on_change
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen in the background (returns at once; see ``wait_listening``)."""
        self._thread = threading.Thread(target=self._run, name="registry-change-listener", daemon=True)
        self._thread.start()

    def wait_listening(self, timeout: float) -> bool:
        """Wait until the listening connection is up; tell whether it is."""
        return self._listening.wait(timeout)

    def stop(self) -> None:
        """Stop listening."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=WAIT_SECONDS + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception:  # the database restarted or is unreachable: retry; the poll covers meanwhile
                log.warning("listening for changes failed; retrying in %ss", RECONNECT_SECONDS, exc_info=True)
            self._listening.clear()
            self._stop.wait(RECONNECT_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(self._url, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANGES_CHANNEL}")
            self._listening.set()
            self._on_change()  # whatever was written while this connection was not listening
            while not self._stop.is_set():
                heard = False
                for _notification in connection.notifies(timeout=WAIT_SECONDS):
                    heard = True
                    break  # one invalidation covers a burst; the rest are read on the next pass
                if heard:
                    self._on_change()
