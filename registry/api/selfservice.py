"""What the municipality page shows of self-service: the profile its staff keep, the edit link, the
suggestion controls, and which suggested partners its staff turned down (never suggested again)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from babel import Locale

from registry.locale import LOCALES
from registry.repository import profiles
from registry.repository import responses as answers
from registry.services import accounts
from registry.services.profiles import needs_reminder
from registry.services.responses import WAR_CHOICES, SuggestionQuery

if TYPE_CHECKING:
    from litestar import Request
    from sqlalchemy.orm import Session

    from registry.locale import Lang
    from registry.repository.accounts import AccountRow
    from registry.repository.rows import MunicipalityFactsRow


def signed_in(request: Request[Any, Any, Any], session: Session) -> AccountRow | None:
    """Return the account signed in on this request, if any (pages outside the account router)."""
    data = request.scope.get("session")
    return accounts.current(session, data.get("account")) if isinstance(data, dict) else None


def turned_down_pairs(session: Session, facts: MunicipalityFactsRow) -> frozenset[tuple[str, str]]:
    """Return the (German, Ukrainian) pairs a unit's staff marked "not a fit" (``Filters.exclude_pairs``)."""
    refused = answers.turned_down(session, facts.id)
    code = facts.code
    return frozenset((code, other) if facts.country == "DE" else (other, code) for other in refused)


def page_context(
    request: Request[Any, Any, Any], session: Session, facts: MunicipalityFactsRow, lang: Lang
) -> dict[str, Any]:
    """Return the municipality page's self-service parts."""
    stored = profiles.profile(session, facts.id)
    names = Locale.parse(LOCALES[lang]).languages
    viewer = signed_in(request, session)
    return {
        "profile": stored if stored.id is not None else None,
        "profile_languages": [names.get(code, code) for code in stored.values.languages],
        "may_edit": accounts.may_edit(viewer, facts.code),
        "reminder": needs_reminder(stored, dt.datetime.now(dt.UTC).date()),
        "query": SuggestionQuery(),
        "regions": answers.regions(session, "UA" if facts.country == "DE" else "DE"),
        "war": [],
        "war_choices": WAR_CHOICES,
        "coordinator": accounts.is_coordinator(viewer),
    }
