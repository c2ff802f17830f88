"""Helpers of the self-service tests: accounts made through the real invitation path, forms with CSRF."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import delete

from registry import db
from registry.models import AccountRole, SignInAttempt
from registry.services import accounts
from registry.services.accounts import InviteSpec

if TYPE_CHECKING:
    from registry.config import Settings

PASSWORD = "a long passphrase for tests"
_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


def make_account(settings: Settings, login: str, role: AccountRole, municipality: str | None = None) -> str:
    """Invite an account and set its password through the invitation; return the login."""
    engine = db.make_engine(settings)
    try:
        with db.transaction(db.make_sessionmaker(engine)) as session:
            _, token = accounts.invite(
                session, None, InviteSpec(login, f"Test {login}", role, municipality), by="cli:test"
            )
            accounts.accept_invitation(session, token, PASSWORD, PASSWORD)
    finally:
        engine.dispose()
    return login


def forget_attempts(settings: Settings) -> None:
    """Delete the recorded sign-in attempts (the rate limit counts them per client for 15 minutes)."""
    engine = db.make_engine(settings)
    try:
        with db.transaction(db.make_sessionmaker(engine)) as session:
            session.execute(delete(SignInAttempt))
    finally:
        engine.dispose()


def csrf(client: httpx.Client, path: str = "/account/sign-in") -> str:
    """GET a page with a form and return its CSRF token (the cookie is kept by the client)."""
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    match = _TOKEN.search(page.text)
    assert match is not None, "the form carries no CSRF token"
    return html.unescape(match.group(1))


def sign_in(client: httpx.Client, login: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the form."""
    token = csrf(client)
    return client.post(
        "/account/sign-in",
        data={"_csrf_token": token, "login": login, "password": password, "next": "/account"},
    )


def form_fields(page: str) -> dict[str, Any]:
    """Return the fields of the first POST form of a page with their values (text, hidden, checked boxes)."""
    form = page[page.index('<form method="post" action="/municipalities/') :]
    form = form[: form.index("</form>")]
    fields: dict[str, Any] = {}
    for tag in re.finditer(r"<input ([^>]*)>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(1)))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if name is None or (kind == "checkbox" and " checked" not in tag.group(1)):
            continue
        value = html.unescape(attrs.get("value", "on" if kind == "checkbox" else ""))
        if name in fields:
            fields[name] = [*([fields[name]] if isinstance(fields[name], str) else fields[name]), value]
        else:
            fields[name] = value
    for select in re.finditer(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(2))
        first = re.search(r'<option value="([^"]*)"', select.group(2))
        fields[select.group(1)] = (chosen or first).group(1) if (chosen or first) else ""  # type: ignore[union-attr]
    for area in re.finditer(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields[area.group(1)] = html.unescape(area.group(2))
    return fields
