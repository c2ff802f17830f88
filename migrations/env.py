"""Alembic environment: the URL comes from registry.config.Settings (DATABASE_URL)."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, create_engine, event, pool

from registry.config import Settings
from registry.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _transactional_sqlite(engine: Engine) -> Engine:
    """Make SQLite run the whole upgrade, DDL included, in one transaction.

    pysqlite opens transactions only before INSERT/UPDATE/DELETE, so CREATE TABLE ran in autocommit
    and an upgrade killed part-way left tables without a revision ("table source already exists"
    ever after). As the SQLAlchemy docs on pysqlite's transactional DDL describe: turn the driver's
    own transaction handling off and emit BEGIN ourselves.
    """

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before the first DDL

    return engine


def run_migrations_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        _transactional_sqlite(engine)
    with engine.connect() as connection:
        # render_as_batch: SQLite cannot ALTER most constraints; batch mode copies the table instead.
        # transaction_per_migration=False (the default, stated): all revisions of one upgrade commit
        # together, so a killed upgrade leaves the database as it was, on SQLite and PostgreSQL.
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
