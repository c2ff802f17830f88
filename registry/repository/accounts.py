"""Browser accounts, their one-time invitations and the sign-in attempts the rate limit counts."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from registry.errors import ConflictError, NotFoundError
from registry.models import Account, AccountRole, Invitation, Municipality, SignInAttempt

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ATTEMPTS_KEPT: Final = dt.timedelta(days=1)  # older sign-in attempts are deleted


@dataclass(frozen=True)
class AccountRow:
    """An account as the pages and services see it (never its password hash)."""

    id: int
    login: str
    name: str
    role: AccountRole
    municipality_code: str | None
    municipality_name: str | None
    has_password: bool
    created_at: dt.datetime
    last_sign_in: dt.datetime | None
    disabled: bool


@dataclass(frozen=True)
class InvitationRow:
    """An invitation found by its token, with the account it is for."""

    id: int
    account: AccountRow
    expires_at: dt.datetime
    used_at: dt.datetime | None


def fold_login(login: str) -> str:
    """Return the form a login is stored and compared in (e-mail addresses ignore case)."""
    return login.strip().casefold()


def token_hash(token: str) -> str:
    """Hash an invitation token for storage and lookup (it carries 256 random bits: SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite drops the zone; the registry stores UTC."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)


def _select() -> Any:
    return select(
        Account.id,
        Account.login,
        Account.name,
        Account.role,
        Municipality.code,
        Municipality.name.label("municipality_name"),
        Account.password_hash.is_not(None).label("has_password"),
        Account.created_at,
        Account.last_sign_in,
        Account.disabled_at.is_not(None).label("disabled"),
    ).outerjoin(Municipality, Municipality.id == Account.municipality_id)


def _row(r: Any) -> AccountRow:
    return AccountRow(
        id=r.id,
        login=r.login,
        name=r.name,
        role=AccountRole(r.role),
        municipality_code=r.code,
        municipality_name=r.municipality_name,
        has_password=bool(r.has_password),
        created_at=_aware(r.created_at) or dt.datetime.now(dt.UTC),
        last_sign_in=_aware(r.last_sign_in),
        disabled=bool(r.disabled),
    )


def account(session: Session, account_id: int) -> AccountRow | None:
    """Return one account, or None."""
    found = session.execute(_select().where(Account.id == account_id)).first()
    return None if found is None else _row(found)


def list_accounts(session: Session) -> list[AccountRow]:
    """Return every account, by role, then name."""
    return [_row(r) for r in session.execute(_select().order_by(Account.role, Account.name, Account.id))]


def password_hash(session: Session, login: str) -> tuple[int, str | None, bool] | None:
    """Return (id, password hash, disabled) of the account with this login, or None."""
    found = session.execute(
        select(Account.id, Account.password_hash, Account.disabled_at.is_not(None)).where(
            Account.login == fold_login(login)
        )
    ).first()
    return None if found is None else (found[0], found[1], bool(found[2]))


def create_account(
    session: Session, login: str, name: str, role: AccountRole, municipality_id: int | None
) -> int:
    """Add an account without a password; return its id."""
    try:
        new_id: int = session.execute(
            insert(Account)
            .values(login=fold_login(login), name=name.strip(), role=role, municipality_id=municipality_id)
            .returning(Account.id)
        ).scalar_one()
    except IntegrityError as exc:
        raise ConflictError(f"an account with the login {login!r} exists already", field="login") from exc
    return new_id


def add_invitation(
    session: Session, account_id: int, token: str, invited_by: str, now: dt.datetime, valid: dt.timedelta
) -> None:
    """Store an invitation (its token's hash) that expires after ``valid``."""
    session.execute(
        insert(Invitation).values(
            account_id=account_id,
            token_hash=token_hash(token),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + valid,
        )
    )


def invitation(session: Session, token: str) -> InvitationRow | None:
    """Return the invitation with this token, or None."""
    found = session.execute(
        select(Invitation.id, Invitation.account_id, Invitation.expires_at, Invitation.used_at).where(
            Invitation.token_hash == token_hash(token)
        )
    ).first()
    if found is None:
        return None
    owner = account(session, found.account_id)
    if owner is None:  # pragma: no cover - the invitation is deleted with its account
        return None
    expires = _aware(found.expires_at)
    assert expires is not None
    return InvitationRow(found.id, owner, expires, _aware(found.used_at))


def use_invitation(session: Session, invitation_id: int, now: dt.datetime) -> bool:
    """Mark an invitation used; False when it was used already (a concurrent second use)."""
    result = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def set_password_hash(session: Session, account_id: int, hashed: str) -> None:
    """Store a new password hash."""
    result = session.execute(update(Account).where(Account.id == account_id).values(password_hash=hashed))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFoundError(f"no account with id {account_id}")


def mark_signed_in(session: Session, account_id: int, now: dt.datetime) -> None:
    """Remember when the account last signed in."""
    session.execute(update(Account).where(Account.id == account_id).values(last_sign_in=now))


def disable_account(session: Session, account_id: int, now: dt.datetime) -> None:
    """Disable an account: it can no longer sign in, and its open sessions end at their next request."""
    session.execute(
        update(Account).where(Account.id == account_id, Account.disabled_at.is_(None)).values(disabled_at=now)
    )


def add_attempt(session: Session, client: str, login: str, succeeded: bool, now: dt.datetime) -> None:
    """Record a sign-in attempt and forget the ones older than a day."""
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - ATTEMPTS_KEPT))
    session.execute(
        insert(SignInAttempt).values(
            at=now, client=client[:64], login=fold_login(login)[:200], succeeded=succeeded
        )
    )


def failed_attempts(
    session: Session, since: dt.datetime, *, client: str | None = None, login: str | None = None
) -> int:
    """Count the failed sign-in attempts since ``since`` of one client or one login."""
    statement = (
        select(func.count())
        .select_from(SignInAttempt)
        .where(SignInAttempt.at >= since, SignInAttempt.succeeded.is_(False))
    )
    if client is not None:
        statement = statement.where(SignInAttempt.client == client[:64])
    if login is not None:
        statement = statement.where(SignInAttempt.login == fold_login(login)[:200])
    return session.scalar(statement) or 0


def municipality_id(session: Session, code: str) -> int | None:
    """Return the id of the municipality with exactly this code."""
    return session.scalar(select(Municipality.id).where(Municipality.code == code))
