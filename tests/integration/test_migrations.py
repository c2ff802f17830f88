"""Migrations run up and down on the real backend, and the models match the migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, select, update

from registry import db
from registry.config import Settings
from registry.models import Municipality, Partnership
from registry.repository.audit import Actor
from registry.repository.common import SourceSpec, municipality_row
from registry.repository.loading import kept_columns
from registry.repository.partnerships import partnership
from registry.services.loading import load_bundled
from registry.services.municipalities import update_facts
from registry.services.partnership_edits import update_partnership

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


def test_the_upgrade_to_0004_marks_the_edits_of_the_audit_trail_no_load_has_overwritten(
    migrated: Settings, subset_dir: Path
) -> None:
    engine = db.make_engine(migrated)
    sessions = db.make_sessionmaker(engine)
    load_bundled(sessions, subset_dir, lambda _message: None)
    kept_code, lost_code = "UA74040250000063494", "UA74100390000073425"  # Nizhyn, Chernihiv
    editor, census = Actor("test editor"), SourceSpec(url="https://example.org/census")
    with db.transaction(sessions) as session:
        kept_id, lost_id = session.scalars(select(Partnership.id).order_by(Partnership.id).limit(2))
        for code, change in ((kept_code, {"population": 65_000}), (lost_code, {"lat": 51.5})):
            update_facts(session, code, municipality_row(session, code)["version"], change, census, editor)
        for pid in (kept_id, lost_id):
            update_partnership(session, pid, partnership(session, pid).version, {"notes": "edited"}, editor)
    with db.transaction(sessions) as session:
        # A load overwrote the second edit of each kind, as loads did before 0004: the version moved on.
        session.execute(
            update(Municipality)
            .where(Municipality.code == lost_code)
            .values(version=Municipality.version + 1)
        )
        session.execute(
            update(Partnership).where(Partnership.id == lost_id).values(version=Partnership.version + 1)
        )
    db.downgrade(migrated, "0003")  # forgets the marks; the audit trail stays
    db.upgrade(migrated)
    with sessions() as session:
        facts = dict(session.execute(select(Municipality.code, Municipality.edited_facts)).all())
        edited = dict(session.execute(select(Partnership.id, Partnership.edited_at)).all())
    engine.dispose()
    assert kept_columns(facts[kept_code] or ()) == kept_columns(["population"])
    assert {code for code, marked in facts.items() if marked} == {kept_code}
    assert edited[kept_id] is not None
    assert {pid for pid, at in edited.items() if at is not None} == {kept_id}
