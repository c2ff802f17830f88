"""Browser accounts: invitations, passwords (argon2id), sign-in with its rate limit, who may edit what.

Every check a form makes returns catalogue keys (domain ``account``), so the page says it in the
reader's language and names the field at fault. A failed sign-in is a result, not an exception: the
attempt must be committed for the rate limit to count it.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from registry.errors import PermissionDeniedError, UnprocessableError
from registry.models import AccountRole, ApiKeyRole
from registry.repository import accounts as store
from registry.repository.audit import Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.repository.accounts import AccountRow

# argon2id with the library's defaults (RFC 9106's second recommended setting: 64 MiB, 3 passes).
HASHER: Final = PasswordHasher()
# Verified when a login is unknown, so that a wrong login takes as long as a wrong password.
_DUMMY_HASH: Final = HASHER.hash(secrets.token_urlsafe(16))
INVITATION_VALID: Final = dt.timedelta(days=14)
TOKEN_BYTES: Final = 32  # 256 random bits per invitation link
PASSWORD_MIN: Final = 12  # NIST SP 800-63B asks for at least 8; we ask for a passphrase
PASSWORD_MAX: Final = 200
# The login rate limit: failed attempts in the window, per account and per client address.
WINDOW: Final = dt.timedelta(minutes=15)
FAILURES_PER_LOGIN: Final = 5
FAILURES_PER_CLIENT: Final = 20
_LOGIN: Final = re.compile(r"^[^\s@]{1,100}(@[^\s@]{1,100})?$")
# Who may invite whom: coordinators invite staff; admins (and the command line) anyone.
INVITES: Final[dict[AccountRole, frozenset[AccountRole]]] = {
    AccountRole.STAFF: frozenset(),
    AccountRole.COORDINATOR: frozenset({AccountRole.STAFF}),
    AccountRole.ADMIN: frozenset(AccountRole),
}


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with a form: the field and the catalogue key of the message."""

    field: str
    key: str


class FormRejectedError(UnprocessableError):
    """A form with one or more problems; nothing was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.key}" for p in problems), field=problems[0].field)
        self.problems = problems


class SignIn(enum.StrEnum):
    """How a sign-in attempt ended."""

    OK = "ok"
    WRONG = "wrong"  # unknown login, wrong password, disabled or not yet activated: one answer for all
    LIMITED = "limited"  # too many failures of this login or this client: try again later


@dataclass(frozen=True)
class SignInResult:
    outcome: SignIn
    account: AccountRow | None = None


@dataclass(frozen=True)
class InviteSpec:
    """A new account as the inviting coordinator (or the command line) describes it."""

    login: str
    name: str
    role: AccountRole
    municipality: str | None = None  # the code of the municipality a staff account belongs to
    problems: list[FieldProblem] = field(default_factory=list)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def actor(viewer: AccountRow) -> Actor:
    """Return who writes, for the audit trail: the account's name and id."""
    role = ApiKeyRole.ADMIN if viewer.role is AccountRole.ADMIN else ApiKeyRole.EDITOR
    return Actor(name=viewer.name, role=role, account_id=viewer.id)


def is_coordinator(viewer: AccountRow | None) -> bool:
    return viewer is not None and viewer.role in (AccountRole.COORDINATOR, AccountRole.ADMIN)


def may_edit(viewer: AccountRow | None, code: str) -> bool:
    """Tell whether the account may edit the municipality with ``code`` (its profile, needs, answers)."""
    if viewer is None or viewer.disabled:
        return False
    return is_coordinator(viewer) or viewer.municipality_code == code


def require_edit(viewer: AccountRow | None, code: str) -> AccountRow:
    """Return the viewer if it may edit ``code``; else PermissionDeniedError (403)."""
    if viewer is None or not may_edit(viewer, code):
        raise PermissionDeniedError(f"this account may not edit municipality {code}")
    return viewer


def require_coordinator(viewer: AccountRow | None) -> AccountRow:
    if viewer is None or not is_coordinator(viewer):
        raise PermissionDeniedError("only coordinators may do this")
    return viewer


def invite(session: Session, inviter: AccountRow | None, spec: InviteSpec, by: str) -> tuple[int, str]:
    """Create an account without a password and a one-time link to set it; return (account id, token).

    ``inviter`` None is the command line, which may invite any role (the first admin comes from there).
    """
    problems: list[FieldProblem] = []
    if inviter is not None and spec.role not in INVITES[inviter.role]:
        raise PermissionDeniedError(f"a {inviter.role} account may not invite a {spec.role}")
    if not _LOGIN.fullmatch(spec.login.strip()):
        problems.append(FieldProblem("login", "acc_err_login"))
    if not spec.name.strip() or len(spec.name) > 200:
        problems.append(FieldProblem("name", "acc_err_name"))
    municipality_id = None
    if spec.role is AccountRole.STAFF:
        code = (spec.municipality or "").strip()
        municipality_id = store.municipality_id(session, code) if code else None
        if municipality_id is None:
            problems.append(FieldProblem("municipality", "acc_err_municipality"))
    if problems:
        raise FormRejectedError(problems)
    if store.password_hash(session, spec.login) is not None:
        raise FormRejectedError([FieldProblem("login", "acc_err_login_taken")])
    account_id = store.create_account(session, spec.login, spec.name, spec.role, municipality_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    store.add_invitation(session, account_id, token, by, now(), INVITATION_VALID)
    return account_id, token


def open_invitation(session: Session, token: str) -> store.InvitationRow | None:
    """Return the invitation if it can still be used (known, unused, not expired, account enabled)."""
    found = store.invitation(session, token)
    if found is None or found.used_at is not None or found.expires_at <= now() or found.account.disabled:
        return None
    return found


def check_password(password: str, repeated: str, login: str) -> list[FieldProblem]:
    """Return what is wrong with a new password (empty: nothing)."""
    if len(password) < PASSWORD_MIN or len(password) > PASSWORD_MAX:
        return [FieldProblem("password", "acc_err_password_length")]
    if password.strip().casefold() == login.casefold():
        return [FieldProblem("password", "acc_err_password_login")]
    if password != repeated:
        return [FieldProblem("repeated", "acc_err_password_repeat")]
    return []


def accept_invitation(session: Session, token: str, password: str, repeated: str) -> AccountRow:
    """Set the password of an invited account and use up the invitation; return the account."""
    found = open_invitation(session, token)
    if found is None:
        raise FormRejectedError([FieldProblem("token", "acc_err_invitation")])
    if problems := check_password(password, repeated, found.account.login):
        raise FormRejectedError(problems)
    if not store.use_invitation(session, found.id, now()):
        raise FormRejectedError([FieldProblem("token", "acc_err_invitation")])
    store.set_password_hash(session, found.account.id, HASHER.hash(password))
    return found.account


def sign_in(session: Session, login: str, password: str, client: str) -> SignInResult:
    """Check a login and password under the rate limit, and record the attempt."""
    at = now()
    since = at - WINDOW
    if (
        store.failed_attempts(session, since, login=login) >= FAILURES_PER_LOGIN
        or store.failed_attempts(session, since, client=client) >= FAILURES_PER_CLIENT
    ):
        return SignInResult(SignIn.LIMITED)
    found = store.password_hash(session, login)
    account_id, hashed, disabled = found if found is not None else (0, None, True)
    try:
        HASHER.verify(hashed or _DUMMY_HASH, password[:PASSWORD_MAX])
        good = hashed is not None and not disabled
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        good = False
    store.add_attempt(session, client, login, good, at)
    if not good:
        return SignInResult(SignIn.WRONG)
    if hashed is not None and HASHER.check_needs_rehash(hashed):
        store.set_password_hash(session, account_id, HASHER.hash(password))
    store.mark_signed_in(session, account_id, at)
    return SignInResult(SignIn.OK, store.account(session, account_id))


def current(session: Session, account_id: object) -> AccountRow | None:
    """Return the signed-in account for a session's account id, None if unknown or disabled."""
    if not isinstance(account_id, int):
        return None
    found = store.account(session, account_id)
    return None if found is None or found.disabled else found
