"""Migrations run up and down on the real backend, and the models match the migrations."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from registry import db
from registry.config import Settings

CORE_TABLES = {
    "municipality",
    "municipality_name",
    "municipality_code",
    "partnership",
    "partnership_source",
    "partnership_topic",
    "source",
    "unresolved_row",
}


def _tables(settings: Settings) -> set[str]:
    engine = db.make_engine(settings)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_the_schema_and_downgrade_removes_it(settings: Settings) -> None:
    db.upgrade(settings)
    assert _tables(settings) >= CORE_TABLES
    assert db.database_revision(settings) == db.head_revision(settings)
    db.downgrade(settings, "base")
    assert _tables(settings) & CORE_TABLES == set()
    db.upgrade(settings)
    assert _tables(settings) >= CORE_TABLES


def test_models_match_the_migrations(migrated: Settings) -> None:
    # Fails with "New upgrade operations detected" when a model changed without a migration.
    command.check(db.alembic_config(migrated))


def test_each_revision_downgrades_one_step(migrated: Settings) -> None:
    head = db.head_revision(migrated)
    db.downgrade(migrated, "-1")
    assert db.database_revision(migrated) != head
    db.upgrade(migrated)
    assert db.database_revision(migrated) == head
