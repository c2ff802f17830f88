"""Sign-in in the browser: the session and CSRF set-up, sign in and out, invitations, the account page.

Sessions are Litestar's server-side session middleware over the registry's database
(``api.session_store``): the cookie (Secure, HttpOnly, SameSite=Lax) holds only a random id, and the
session ends after ``Settings.session_max_age`` or when its owner signs out. Every form carries
Litestar's CSRF token. The API under /api is excluded from both: machines use API keys, never cookies.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Annotated, Any, Final, TypeAlias

from litestar import Request, Router, get, post
from litestar.config.csrf import CSRFConfig
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.params import Body, PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.types import Empty

from registry import locale
from registry.api.deps import DbSession
from registry.api.edge import Proxies
from registry.api.site import page_lang, render
from registry.config import Settings
from registry.errors import PermissionDeniedError
from registry.locale import Lang
from registry.models import AccountRole
from registry.repository import accounts as store
from registry.repository.accounts import AccountRow
from registry.services import accounts
from registry.services.accounts import FieldProblem, FormRejectedError, InviteSpec, SignIn

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
NOT_PROTECTED: Final = ["^/api/", "^/schema", "^/static/", "^/health"]  # key-authenticated or read-only
# Only the account router's pages get (and check) a CSRF cookie: reading the registry sets no cookie,
# and the API's keys never need one. The pages' router opts out by this key, this router back in.
CSRF_OPT_OUT: Final = "exclude_from_csrf"
SESSION_KEY: Final = "account"
KEEP_PREFIX: Final = "keep."  # fields of a form carried through a sign-in after the session expired
_SAFE_NEXT: Final = re.compile(r"^/[A-Za-z0-9/_\-.]*$")
Token = Annotated[str, PathParameter(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_\-]+$")]


class Viewer:
    """The signed-in account of a request, or None (a plain class: Litestar leaves it as it is)."""

    __slots__ = ("account",)

    def __init__(self, account: AccountRow | None) -> None:
        self.account = account


ViewerDep: TypeAlias = NamedDependency[Viewer]  # "viewer"


def _secret(settings: Settings, purpose: str) -> bytes:
    base = settings.session_secret or _process_secret()
    return hashlib.sha256(f"{purpose}:{base}".encode()).digest()


_PROCESS_SECRET: list[str] = []


def _process_secret() -> str:
    """A random secret for this process, for a registry run without REGISTRY_SESSION_SECRET."""
    if not _PROCESS_SECRET:
        _PROCESS_SECRET.append(secrets.token_urlsafe(32))
    return _PROCESS_SECRET[0]


SESSION_STORE: Final = "web_sessions"  # the name of the app's store (api.session_store.DatabaseStore)


class _QuietBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions, but a reader without a session gets no cookie and no row."""

    async def store_in_message(self, scope_session: Any, message: Any, connection: Any) -> None:
        """Store a session with data; end an emptied one; leave a reader who never had one alone."""
        if scope_session is not Empty and not scope_session:
            if not connection.cookies.get(self.config.key):
                return
            scope_session = Empty
        await super().store_in_message(scope_session, message, connection)


@dataclass
class _SessionConfig(ServerSideSessionConfig):
    _backend_class = _QuietBackend


def session_config(settings: Settings) -> ServerSideSessionConfig:
    """Return the session middleware's configuration."""
    return _SessionConfig(
        store=SESSION_STORE,
        key="registry_session",
        max_age=settings.session_max_age,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        exclude=NOT_PROTECTED,
    )


def csrf_config(settings: Settings) -> CSRFConfig:
    """Return the CSRF middleware's configuration: a signed double-submit token in every form."""
    return CSRFConfig(
        secret=_secret(settings, "csrf").hex(),
        cookie_name="registry_csrf",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=NOT_PROTECTED,
        exclude_from_csrf_key=CSRF_OPT_OUT,
    )


def provide_viewer(request: Request[Any, Any, Any], session: DbSession) -> Viewer:
    """Return the signed-in account (None when signed out, expired, disabled)."""
    data = request.scope.get("session")
    account_id = data.get(SESSION_KEY) if isinstance(data, dict) else None
    return Viewer(accounts.current(session, account_id) if account_id is not None else None)


def texts(form: dict[str, Any], name: str) -> str:
    """Return one posted field as text (the last of repeated ones)."""
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).replace("\x00", "")


def safe_next(path: str | None, default: str = "/account") -> str:
    """Return a local path to go on to after signing in (never another site)."""
    return path if path and _SAFE_NEXT.fullmatch(path) and not path.startswith("//") else default


def problem_texts(lang: Lang, problems: list[FieldProblem]) -> list[dict[str, str]]:
    """Return the problems of a form in the reader's language, each with the id of its field."""
    return [
        {
            "field": p.field,
            "id": "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", p.field),
            "text": locale.text(lang, p.key),
        }
        for p in problems
    ]


def page(
    request: Request[Any, Any, Any], template: str, context: dict[str, Any], *, status_code: int = 200
) -> Template:
    """Render one of the account pages in the reader's language."""
    lang, set_cookie = page_lang(request)
    errors = context.get("problems") or []
    return render(
        request, lang, set_cookie, template,
        {**context, "problems": problem_texts(lang, errors), "error_fields": {p.field for p in errors}},
        status_code=status_code,
    )  # fmt: skip


def sign_in_page(
    request: Request[Any, Any, Any],
    *,
    next_path: str,
    login: str = "",
    problems: list[FieldProblem] | None = None,
    kept: dict[str, Any] | None = None,
    expired: bool = False,
    status_code: int = 200,
) -> Template:
    """The sign-in form; ``kept`` carries the fields of a form whose session had expired."""
    carried = [
        (KEEP_PREFIX + name, item)
        for name, value in (kept or {}).items()
        if name != "_csrf_token" and not name.startswith(KEEP_PREFIX)
        for item in (value if isinstance(value, list) else [value])
    ]
    return page(
        request, "account_sign_in.html",
        {"next": next_path, "login": login, "problems": problems or [], "carried": carried,
         "expired": expired},
        status_code=status_code,
    )  # fmt: skip


@get("/account/sign-in", sync_to_thread=True)
def sign_in_form(
    request: Request[Any, Any, Any],
    next_path: Annotated[str | None, QueryParameter(name="next", max_length=300, required=False)] = None,
) -> Template:
    """Show the sign-in form."""
    return sign_in_page(request, next_path=safe_next(next_path))


def _kept(form: dict[str, Any]) -> dict[str, Any]:
    return {k[len(KEEP_PREFIX) :]: v for k, v in form.items() if k.startswith(KEEP_PREFIX)}


@post("/account/sign-in", sync_to_thread=True)
def sign_in(request: Request[Any, Any, Any], session: DbSession, data: FormData) -> Template | Redirect:
    """Check the login and password (rate-limited per account and per client) and start a session."""
    login, next_path, kept = texts(data, "login").strip(), safe_next(texts(data, "next")), _kept(data)
    # the client as the edge sees it (behind a trusted proxy: the first untrusted X-Forwarded-For hop)
    client = Proxies(request.app.state["settings"].trusted_proxies).client(request.scope)
    result = accounts.sign_in(session, login, texts(data, "password"), client)
    if result.outcome is not SignIn.OK or result.account is None:
        limited = result.outcome is SignIn.LIMITED
        wrong = FieldProblem("password", "acc_err_sign_in")
        problem = FieldProblem("login", "acc_err_limited") if limited else wrong
        return sign_in_page(
            request, next_path=next_path, login=login, problems=[problem], kept=kept,
            status_code=429 if limited else 401,
        )  # fmt: skip
    request.set_session({SESSION_KEY: result.account.id, "name": result.account.name})
    if kept:
        from registry.api.profile_pages import resume_edit  # the edit page, with what was typed

        resumed = resume_edit(request, session, result.account, next_path, kept)
        if resumed is not None:
            return resumed
    return Redirect(next_path, status_code=303)


@post("/account/sign-out")
async def sign_out(request: Request[Any, Any, Any]) -> Redirect:
    """End the session."""
    request.clear_session()
    return Redirect("/", status_code=303)


@get("/account", sync_to_thread=True)
def account_home(
    request: Request[Any, Any, Any], session: DbSession, viewer: ViewerDep
) -> Template | Redirect:
    """Show what the signed-in account can do."""
    me = viewer.account
    if me is None:
        return Redirect("/account/sign-in?next=/account", status_code=303)
    listed = store.list_accounts(session) if accounts.is_coordinator(me) else []
    return page(request, "account_home.html", {"me": me, "accounts": listed})


def _invite_page(
    request: Request[Any, Any, Any], me: AccountRow, values: dict[str, str], problems: list[FieldProblem],
    link: str | None = None, status_code: int = 200,
) -> Template:  # fmt: skip
    roles = [r.value for r in AccountRole if r in accounts.INVITES[me.role]]
    return page(
        request, "account_invite.html",
        {"me": me, "roles": roles, "values": values, "problems": problems, "link": link},
        status_code=status_code,
    )  # fmt: skip


@get("/account/invite", sync_to_thread=True)
def invite_form(
    request: Request[Any, Any, Any],
    viewer: ViewerDep,
    municipality: Annotated[str | None, QueryParameter(max_length=80, required=False)] = None,
) -> Template | Redirect:
    """Show the invitation form (coordinators)."""
    if viewer.account is None:
        return Redirect("/account/sign-in?next=/account/invite", status_code=303)
    me = accounts.require_coordinator(viewer.account)
    return _invite_page(request, me, {"role": "staff", "municipality": municipality or ""}, [])


@post("/account/invite", sync_to_thread=True)
def invite(
    request: Request[Any, Any, Any], session: DbSession, viewer: ViewerDep, data: FormData
) -> Template:
    """Create an account and show its one-time link, to pass on by any channel."""
    me = accounts.require_coordinator(viewer.account)
    values = {name: texts(data, name).strip() for name in ("role", "login", "name", "municipality")}
    try:
        role = AccountRole(values["role"])
    except ValueError:
        return _invite_page(request, me, values, [FieldProblem("role", "acc_err_role")], status_code=422)
    spec = InviteSpec(values["login"], values["name"], role, values["municipality"] or None)
    try:
        _, token = accounts.invite(session, me, spec, by=me.name)
    except FormRejectedError as rejected:
        return _invite_page(request, me, values, rejected.problems, status_code=422)
    link = f"{str(request.base_url).rstrip('/')}/account/invitation/{token}"
    return _invite_page(request, me, {"role": values["role"], "municipality": ""}, [], link=link)


@get("/account/invitation/{token:str}", sync_to_thread=True)
def invitation_form(request: Request[Any, Any, Any], session: DbSession, token: Token) -> Template:
    """Show the form that sets the password of an invited account."""
    found = accounts.open_invitation(session, token)
    return page(
        request, "account_invitation.html", {"invitation": found, "token": token, "problems": []},
        status_code=200 if found else 404,
    )  # fmt: skip


@post("/account/invitation/{token:str}", sync_to_thread=True)
def accept_invitation(
    request: Request[Any, Any, Any], session: DbSession, token: Token, data: FormData
) -> Template | Redirect:
    """Set the password, use up the link and sign in."""
    try:
        account = accounts.accept_invitation(session, token, texts(data, "password"), texts(data, "repeated"))
    except FormRejectedError as rejected:
        found = accounts.open_invitation(session, token)
        return page(
            request, "account_invitation.html",
            {"invitation": found, "token": token, "problems": rejected.problems},
            status_code=422 if found else 404,
        )  # fmt: skip
    request.set_session({SESSION_KEY: account.id, "name": account.name})
    return Redirect("/account", status_code=303)


@post("/account/{account_id:int}/disable", sync_to_thread=True)
def disable(
    session: DbSession, viewer: ViewerDep, account_id: Annotated[int, PathParameter(ge=1, le=2_147_483_647)]
) -> Redirect:
    """Disable an account (admins): it cannot sign in any more, and its session ends."""
    me = viewer.account
    if me is None or me.role is not AccountRole.ADMIN or me.id == account_id:
        raise PermissionDeniedError("only an admin may disable another account")
    store.disable_account(session, account_id, accounts.now())
    return Redirect("/account", status_code=303)


def account_router(routes: list[Any]) -> Router:
    """The account pages and the pages that need to know who is signed in, with the ``viewer``."""
    return Router(
        path="/",
        route_handlers=[
            sign_in_form, sign_in, sign_out, account_home, invite_form, invite, invitation_form,
            accept_invitation, disable, *routes,
        ],
        dependencies={"viewer": Provide(provide_viewer, sync_to_thread=True)},
        opt={CSRF_OPT_OUT: False},  # the pages around it opt out; these forms act for an account
        include_in_schema=False,
    )  # fmt: skip
