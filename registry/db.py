"""Engine, sessions and Alembic migrations for the configured database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from registry.config import Settings
from registry.errors import ConfigurationError

# Connections kept open: as many as the threads that run request handlers (anyio's default limit,
# 40), so a busy server reuses connections instead of opening and closing one per request (on
# SQLite, closing the last WAL connection also checkpoints). A few more may open for CLI-style bursts.
VERSION_TABLE: Final = "alembic_version"  # Alembic's default, which the migrations keep
POOL_SIZE: Final = 40
POOL_OVERFLOW: Final = 10


def make_engine(settings: Settings) -> Engine:
    """Create the engine; SQLite gets foreign keys and WAL so the API and CLI can share a file.

    Raises:
        ConfigurationError: the URL names a database whose driver is not installed.
    """
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = engine_for(
            url,
            connect_args={"timeout": settings.sqlite_busy_timeout_seconds},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = engine_for(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    announce_writes(engine)
    return engine


# PostgreSQL channel on which every committed write is announced (services/changes.py listens).
CHANGES_CHANNEL: Final = "registry_changes"


def announce_writes(engine: Engine) -> None:
    """Make every transaction of ``engine`` that wrote announce its commit with ``NOTIFY``.

    Engine-level, so writes of the API, the CLI and the loader all count, whether ORM or Core. The
    notification is sent in the committing transaction: PostgreSQL delivers it when, and only if, that
    transaction commits.
    """

    def mark(conn: Connection, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool) -> None:
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            conn.info["registry_wrote"] = True

    def notify(conn: Connection) -> None:
        if conn.info.pop("registry_wrote", False):
            with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute("SELECT pg_notify(%s, '')", (CHANGES_CHANNEL,))

    def forget(conn: Connection) -> None:
        conn.info.pop("registry_wrote", None)

    event.listen(engine, "after_cursor_execute", mark)
    event.listen(engine, "commit", notify)
    event.listen(engine, "rollback", forget)


def engine_for(url: str, **options: Any) -> Engine:
    """``create_engine``, with a missing driver told in one sentence (also used by migrations/env.py).

    Raises:
        ConfigurationError: the URL names a database whose driver is not installed.
    """
    try:
        return create_engine(url, **options)
    except ImportError as error:
        scheme = url.partition(":")[0]
        raise ConfigurationError(
            f"DATABASE_URL {scheme}://...: its driver ({error.name}) is not installed"
        ) from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session in one transaction: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(settings: Settings) -> Config:
    """Build the Alembic configuration programmatically, so no alembic.ini lookup is needed."""
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    """Migrate the database down to ``revision`` (e.g. ``base`` or ``-1``)."""
    command.downgrade(alembic_config(settings), revision)


def current_revision(connection: Connection) -> str | None:
    """Return the revision the database is at, or None if it was never migrated.

    A plain query rather than Alembic's MigrationContext: `/health` asks on every call, and the context
    costs a millisecond and two log lines each time.
    """
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def database_revision(settings: Settings) -> str | None:
    """Open the configured database just to read its revision."""
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            return current_revision(connection)
    finally:
        engine.dispose()


def head_revision(settings: Settings) -> str | None:
    """Return the newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
