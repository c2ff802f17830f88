"""`registry account invite | list`: browser accounts on the command line (the first admin starts here)."""

from __future__ import annotations

import getpass

import click

from registry import locale
from registry.cli import Context, main, pass_context
from registry.db import transaction
from registry.models import AccountRole
from registry.repository import accounts as store
from registry.services import accounts
from registry.services.accounts import FormRejectedError, InviteSpec


@main.group("account")
def account() -> None:
    """Manage browser accounts (staff of a municipality, coordinators, admins)."""


@account.command("invite")
@click.option(
    "--role",
    type=click.Choice([r.value for r in AccountRole]),
    required=True,
    help="staff: one municipality's own pages; coordinator: all, invites staff, confirms matches; "
    "admin: also invites coordinators and disables accounts.",
)
@click.option("--municipality", default=None, help="Code of the municipality (staff only), e.g. 06412000.")
@click.option("--login", required=True, help="E-mail address or user name to sign in with.")
@click.option("--name", required=True, help="Shown in the public audit trail, e.g. 'Olena Koval, Nizhyn'.")
@pass_context
def account_invite(context: Context, role: str, municipality: str | None, login: str, name: str) -> None:
    """Create an account and print its one-time link (valid 14 days) to set the password."""
    context.ensure_migrated()
    spec = InviteSpec(login, name, AccountRole(role), municipality)
    try:
        with transaction(context.sessions) as session:
            account_id, token = accounts.invite(session, None, spec, by=f"cli:{getpass.getuser()}")
    except FormRejectedError as rejected:
        for problem in rejected.problems:
            click.echo(f"error: --{problem.field}: {locale.text('en', problem.key)}", err=True)
        raise SystemExit(2) from rejected
    click.echo(f"created account {account_id} ({role}) for {name!r}. Pass this link on; it works once:")
    click.echo(f"{context.settings.public_url}/account/invitation/{token}")


@account.command("list")
@pass_context
def account_list(context: Context) -> None:
    """List accounts (id, role, state, municipality, login, name)."""
    context.ensure_migrated()
    with context.sessions() as session:
        found = store.list_accounts(session)
    for a in found:
        state = "disabled" if a.disabled else ("active" if a.has_password else "invited")
        unit = a.municipality_code or "-"
        click.echo(f"{a.id:>4}  {a.role.value:11} {state:8} {unit:20} {a.login}  {a.name}")
