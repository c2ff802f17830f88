"""The `registry` command line: one entry point, `--help` on every command."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from registry import db
from registry.config import Settings
from registry.errors import IngestError, RegistryError
from registry.ingest.loader import LoadReport, load_bundled
from registry.models import Municipality
from registry.repository import gazetteer as queries
from registry.search import MunicipalitySearch


class Context:
    """Settings and a lazily opened database, shared by the commands of one invocation."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._factory: sessionmaker[Session] | None = None

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._factory is None:
            self._factory = db.make_sessionmaker(db.make_engine(self.settings))
        return self._factory


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Registry of German–Ukrainian municipal partnerships.

    The database is DATABASE_URL (default: SQLite file registry.db in the checkout, or in the user
    data directory when installed).
    """
    ctx.obj = Context(Settings.from_env())


@main.group("db")
def db_group() -> None:
    """Migrate the database schema (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@pass_context
def db_upgrade(context: Context, revision: str) -> None:
    """Migrate up to REVISION (default: head)."""
    db.upgrade(context.settings, revision)
    click.echo(f"database at revision {db.current_revision(db.make_engine(context.settings))}")


@db_group.command("downgrade")
@click.argument("revision")
@pass_context
def db_downgrade(context: Context, revision: str) -> None:
    """Migrate down to REVISION (e.g. "base", "-1" or a revision id)."""
    db.downgrade(context.settings, revision)
    click.echo(f"database at revision {db.current_revision(db.make_engine(context.settings))}")


@db_group.command("current")
@pass_context
def db_current(context: Context) -> None:
    """Show the database's revision and the newest one shipped."""
    current = db.current_revision(db.make_engine(context.settings))
    click.echo(f"current: {current or 'none (not migrated)'}; head: {db.head_revision(context.settings)}")


def _print_load_report(report: LoadReport) -> None:
    click.echo(f"municipalities: {report.municipalities}")
    click.echo(f"partnerships:   {report.partnerships}")
    click.echo(f"skipped: {report.skipped_unincorporated} gemeindefreie Gebiete (uninhabited or unincorporated "
               "areas, not municipalities)")
    if report.without_coordinates:
        click.echo(f"without coordinates: {len(report.without_coordinates)} "
                   f"({', '.join(report.without_coordinates[:20])})")
    click.echo(f"not placed: {len(report.unplaced)} partnership row(s), kept for review "
               "(`registry stats` counts them):")
    for unplaced in report.unplaced:
        click.echo(f"  {unplaced.row.file}:{unplaced.row.line} (id {unplaced.row.get('id')}): {unplaced.reason}")
        if unplaced.candidates:
            click.echo(f"    candidates: {'; '.join(unplaced.candidates)}")
    click.echo(f"done in {report.seconds:.1f} s" + ("" if report.changed else " (nothing changed)"))


@main.command("load")
@pass_context
def load(context: Context) -> None:
    """Load the bundled data (idempotent: a second run changes nothing)."""
    _ensure_migrated(context)
    try:
        report = load_bundled(context.sessions, context.settings.data_dir, click.echo)
    except IngestError as error:
        click.echo(f"error: {error}\nnothing was written.", err=True)
        sys.exit(2)
    _print_load_report(report)


def _ensure_migrated(context: Context) -> None:
    engine = db.make_engine(context.settings)
    if db.current_revision(engine) != db.head_revision(context.settings):
        click.echo("migrating the database to the newest schema ...")
        db.upgrade(context.settings)


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_context
def stats(context: Context, as_json: bool) -> None:
    """Count municipalities by country and level, partnerships by kind, status and start year."""
    with context.sessions() as session:
        figures = queries.statistics(session)
    if as_json:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    click.echo("municipalities by country/level:")
    for key, count in figures["municipalities"].items():
        click.echo(f"  {key:28} {count:>7,}")
    partnerships = figures["partnerships"]
    click.echo(f"partnerships: {partnerships['total']}")
    for title in ("by_kind", "by_status", "by_start_year"):
        click.echo(f"  {title.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in partnerships[title].items()))
    click.echo(f"sources: {figures['sources']}; rows not placed (review queue): {figures['unresolved_rows']}")


@main.command("find")
@click.argument("name")
@click.option("--country", type=click.Choice(["DE", "UA"], case_sensitive=False), help="Only this country.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Number of results.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, best match first.")
@pass_context
def find(context: Context, name: str, country: str | None, limit: int, as_json: bool) -> None:
    """Find municipalities by NAME in any spelling (Charkiw, Kharkiv, Харків ...)."""
    with context.sessions() as session:
        results = MunicipalitySearch().find(session, name, country=country.upper() if country else None,
                                            limit=limit)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
        return
    if not results:
        click.echo(f"nothing found for {name!r}")
        sys.exit(1)
    for r in results:
        native = f" / {r.name_uk}" if r.name_uk and r.name_uk != r.name else ""
        population = f"{r.population:,}" if r.population is not None else "?"
        click.echo(f"{r.score:6.1f}  {r.code:22} {r.country} {r.level:20} {r.name}{native}"
                   f"  ({r.parent_name or '-'}; pop. {population})")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@pass_context
def serve(context: Context, host: str, port: int) -> None:
    """Serve the API and pages; creates, migrates and loads the database on first start."""
    import uvicorn

    from registry.api.app import create_app

    _ensure_migrated(context)
    with context.sessions() as session:
        empty = not session.scalar(select(func.count()).select_from(Municipality))
    if empty:
        click.echo("first start: loading the bundled data ...")
        _print_load_report(load_bundled(context.sessions, context.settings.data_dir, click.echo))
    click.echo(f"serving on http://{host}:{port}/ (API docs: /schema, map: /map)")
    uvicorn.run(create_app(context.settings), host=host, port=port, log_level="info")


def run() -> Any:
    """Entry point that turns domain errors into a message and exit status 2."""
    try:
        return main(standalone_mode=True)
    except RegistryError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
