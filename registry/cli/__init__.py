"""The `registry` command line: one entry point, `--help` on every command.

Each module of this package adds the commands of one concern to the ``main`` group.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy import exc as db_errors
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from registry import db
from registry.config import Settings
from registry.errors import RegistryError


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

    def ensure_migrated(self) -> None:
        """Migrate the database to the newest schema if it is behind (e.g. a fresh SQLite file)."""
        if db.database_revision(self.settings) != db.head_revision(self.settings):
            click.echo("migrating the database to the newest schema ...")
            db.upgrade(self.settings)


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Registry of German–Ukrainian municipal partnerships.

    The database is DATABASE_URL (default: SQLite file registry.db in the checkout, or in the user
    data directory when installed).
    """
    ctx.obj = Context(Settings.from_env())


def run() -> Any:
    """Entry point that turns domain errors into a message and exit status 2."""
    from registry.cli import accounts, api, data, matching, schema  # noqa: F401  (registers their commands)

    try:
        return main(standalone_mode=True)
    except RegistryError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except (db_errors.ArgumentError, db_errors.DBAPIError) as error:
        # A wrong DATABASE_URL (unparsable, no such driver, no server, bad password, no such file):
        # one line that names the database, not a traceback of SQLAlchemy's internals.
        click.echo(f"error: cannot use the database {_shown_url()}: {_reason(error)}", err=True)
        sys.exit(2)


def _shown_url() -> str:
    """The configured database URL with its password hidden."""
    url = Settings.from_env().database_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except db_errors.ArgumentError:
        return "(DATABASE_URL)"


def _reason(error: Exception) -> str:
    """The first line of the driver's message (or SQLAlchemy's, for a URL it cannot parse)."""
    cause = error.orig if isinstance(error, db_errors.DBAPIError) else error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__
