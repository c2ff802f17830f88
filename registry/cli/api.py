"""`registry apikey create | list | revoke` and `registry import FILE`: write-API keys, bulk import."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Final

import click

from registry.cli import Context, main, pass_context
from registry.db import transaction
from registry.errors import IngestError
from registry.models import ApiKeyRole
from registry.repository import apikeys
from registry.repository.audit import Actor
from registry.services.importing import import_partnerships
from registry.services.search import MunicipalitySearch

CLI_ACTOR: Final = "command line"


@main.group("apikey")
def apikey() -> None:
    """Manage API keys for writes (reads need no key)."""


@apikey.command("create")
@click.option(
    "--name", required=True, help="Who holds the key; shown in the public audit trail (use a role or office)."
)
@click.option(
    "--role",
    type=click.Choice([r.value for r in ApiKeyRole]),
    default="editor",
    show_default=True,
    help="editor: create and edit; admin: also delete.",
)
@pass_context
def apikey_create(context: Context, name: str, role: str) -> None:
    """Create a key and print it once: only its hash is stored."""
    context.ensure_migrated()
    with transaction(context.sessions) as session:
        info, secret = apikeys.create_key(session, name.strip(), ApiKeyRole(role))
    click.echo(f"created key {info.id} ({info.role}) for {info.name!r}. Store it now, it is not shown again:")
    click.echo(secret)


@apikey.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def apikey_list(context: Context, as_json: bool) -> None:
    """List keys (id, role, name, first characters, created, revoked)."""
    context.ensure_migrated()
    with context.sessions() as session:
        keys = apikeys.list_keys(session)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": k.id,
                        "name": k.name,
                        "role": k.role.value,
                        "prefix": k.prefix,
                        "created_at": k.created_at.isoformat(),
                        "revoked_at": k.revoked_at and k.revoked_at.isoformat(),
                    }
                    for k in keys
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for k in keys:
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        click.echo(f"{k.id:>4}  {k.role.value:7} {k.prefix}…  {k.created_at:%Y-%m-%d}  {state:24} {k.name}")


@apikey.command("revoke")
@click.argument("key_id", type=int)
@pass_context
def apikey_revoke(context: Context, key_id: int) -> None:
    """Revoke key KEY_ID (see `registry apikey list`); it stops working at once."""
    with transaction(context.sessions) as session:
        info = apikeys.revoke_key(session, key_id)
    click.echo(f"key {info.id} ({info.name!r}) revoked at {info.revoked_at:%Y-%m-%d %H:%M:%S} UTC")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option(
    "--as", "actor", default=None, help='Name shown in the public audit trail (default: "command line").'
)
@pass_context
def import_file(context: Context, file: Path, dry_run: bool, actor: str | None) -> None:
    """Import partnerships from FILE (the columns of data/partnerships.csv): all rows or none."""
    context.ensure_migrated()
    # Not the OS account: the audit trail is public, and a login name is nobody's business.
    who = Actor(name=actor or CLI_ACTOR)
    try:
        # Not db.transaction: the import ends its reading transaction itself before it writes.
        with context.sessions() as session:
            report = import_partnerships(
                session,
                MunicipalitySearch(),
                file.read_bytes(),
                file.name,
                who,
                dry_run=dry_run,
                max_rows=context.settings.import_max_rows,
            )
            session.commit()  # closing the session without it rolls back
    except IngestError as error:
        click.echo(f"error: {error}\nnothing was written.", err=True)
        sys.exit(2)
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{report.rows} rows: {report.created} {verb} created, {report.updated} {verb} updated, "
        f"{report.unchanged} unchanged"
    )
