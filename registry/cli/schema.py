"""`registry db ...`: migrate the schema with Alembic."""

from __future__ import annotations

import click

from registry import db
from registry.cli import Context, main, pass_context


@main.group("db")
def db_group() -> None:
    """Migrate the database schema (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@pass_context
def db_upgrade(context: Context, revision: str) -> None:
    """Migrate up to REVISION (default: head)."""
    db.upgrade(context.settings, revision)
    click.echo(f"database at revision {db.database_revision(context.settings)}")


@db_group.command("downgrade")
@click.argument("revision")
@pass_context
def db_downgrade(context: Context, revision: str) -> None:
    """Migrate down to REVISION (e.g. "base", "-1" or a revision id)."""
    db.downgrade(context.settings, revision)
    click.echo(f"database at revision {db.database_revision(context.settings)}")


@db_group.command("current")
@pass_context
def db_current(context: Context) -> None:
    """Show the database's revision and the newest one shipped."""
    current = db.database_revision(context.settings)
    click.echo(f"current: {current or 'none (not migrated)'}; head: {db.head_revision(context.settings)}")
