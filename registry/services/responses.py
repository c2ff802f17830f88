"""Suggestions a municipality can act on: filtered lists, answers, matches, and their confirmation.

A unit's staff answer a suggested partner "interested" or "not a fit" (with a reason from a short
list); a partner turned down is never suggested to that unit again (the matching's
``Filters.exclude_pairs``). Interest on both sides is a match, which a coordinator confirms into a
partnership record in preparation through the audited ``create_partnership``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from registry.errors import ConflictError, UnprocessableError
from registry.matching import (
    DEFAULT_BLEND,
    Filters,
    UnknownCodeError,
    suggest_for_german,
    suggest_for_hromada,
)
from registry.models import PartnershipKind, PartnershipStatus, ResponseKind, WarStatus
from registry.repository import responses as store
from registry.repository.common import SourceSpec, municipality_row
from registry.services.accounts import actor, require_coordinator, require_edit
from registry.services.partnership_edits import PartnershipSpec, create_partnership

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.matching import MatchingInput, Suggestion
    from registry.repository.accounts import AccountRow
    from registry.repository.responses import MatchRow

# Why a suggested partner is not a fit: a short list, so that the answers can be counted.
REASONS: Final = ("size", "distance", "topics", "capacity", "has_partner", "other")
# War statuses a German unit's staff may narrow the suggested hromadas to (occupied ones are never suggested).
WAR_CHOICES: Final = tuple(s.value for s in WarStatus if s is not WarStatus.OCCUPIED)
CSV_FIELDS: Final = (
    "municipality_code", "municipality_name", "country", "partner_code", "partner_name", "response",
    "reason", "score", "rank", "answered_at", "mutual", "partnership_id",
)  # fmt: skip


@dataclass(frozen=True)
class SuggestionQuery:
    """The controls of the suggestion form (a GET form: its URL can be shared)."""

    blend: float = DEFAULT_BLEND
    region: str | None = None  # code of an oblast (for a German unit) or a Land (for a Ukrainian one)
    war_statuses: tuple[str, ...] = ()
    population_min: int | None = None
    population_max: int | None = None


def suggestions(
    session: Session, data: MatchingInput, code: str, country: str, query: SuggestionQuery, limit: int
) -> list[Suggestion]:
    """Rank partners of a unit under the form's controls, leaving out the partners it turned down.

    Raises:
        UnprocessableError: the unit cannot be matched (e.g. a Land).
    """
    unit = municipality_row(session, code)
    refused = store.turned_down(session, unit["id"])
    german = country == "DE"
    population = (query.population_min, query.population_max)
    filters = Filters(
        oblast_codes=frozenset({query.region}) if german and query.region else None,
        land_codes=frozenset({query.region}) if not german and query.region else None,
        war_statuses=frozenset(query.war_statuses) if german and query.war_statuses else None,
        ua_population=population if german else (None, None),
        de_population=(None, None) if german else population,
        exclude_pairs=frozenset((code, other) if german else (other, code) for other in refused),
    )
    rank = suggest_for_german if german else suggest_for_hromada
    try:
        return list(rank(data, code, filters=filters, limit=limit, blend=query.blend))
    except UnknownCodeError as error:
        raise UnprocessableError(str(error), field="for") from error


def respond(
    session: Session,
    viewer: AccountRow | None,
    code: str,
    partner: str,
    response: str,
    reason: str | None,
    score: float | None,
    rank: int | None,
) -> None:
    """Record a unit's answer to a suggested partner (only its own staff or a coordinator may)."""
    unit = municipality_row(session, code)
    who = require_edit(viewer, unit["code"])
    other = municipality_row(session, partner, field="partner")
    if str(other["country"]) == str(unit["country"]):
        raise UnprocessableError("a partner lies in the other country", field="partner")
    try:
        kind = ResponseKind(response)
    except ValueError as error:
        raise UnprocessableError(f"unknown answer {response!r}", field="response") from error
    if kind is ResponseKind.NOT_A_FIT and reason not in REASONS:
        raise UnprocessableError("say why it is not a fit", field="reason")
    store.save_response(
        session,
        (unit["id"], unit["code"]),
        (other["id"], other["code"]),
        {"response": kind, "reason": reason if kind is ResponseKind.NOT_A_FIT else None,
         "score": score, "rank": rank},
        actor(who),
    )  # fmt: skip


def matches(session: Session, viewer: AccountRow | None) -> list[MatchRow]:
    """Return the pairs with interest on both sides (coordinators only)."""
    require_coordinator(viewer)
    return store.matches(session)


def confirm(
    session: Session, viewer: AccountRow | None, de_code: str, ua_code: str, kind: str, public_url: str
) -> int:
    """Turn a match into a partnership record in preparation; return its id."""
    who = require_coordinator(viewer)
    german = municipality_row(session, de_code, field="de")
    ukrainian = municipality_row(session, ua_code, field="ua")
    if not store.is_match(session, german["id"], ukrainian["id"]):
        raise ConflictError("both sides must have said they are interested", field="ua")
    if kind not in {k.value for k in PartnershipKind}:
        raise UnprocessableError(f"unknown kind {kind!r}", field="kind")
    source = SourceSpec(
        url=f"{public_url}/matches#{german['code']}-{ukrainian['code']}",
        citation=f"Registry self-service: interest stated by both {german['code']} and {ukrainian['code']}",
    )
    spec = PartnershipSpec(
        de_code=german["code"],
        ua_code=ukrainian["code"],
        kind=kind,
        status=PartnershipStatus.IN_PREPARATION,
        notes="Both municipalities said they are interested in the registry's suggestion; "
        f"confirmed by {who.name}.",
        sources=[(source, "primary")],
    )
    return create_partnership(session, spec, actor(who))


def responses_csv(session: Session, viewer: AccountRow | None) -> str:
    """Return every answer as CSV, for evaluating the matching (coordinators only)."""
    require_coordinator(viewer)
    rows = store.all_responses(session)
    mutual = {(m.de_code, m.ua_code): m.partnership_id for m in store.matches(session)}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in rows:
        pair = (r.code, r.partner_code) if r.country == "DE" else (r.partner_code, r.code)
        writer.writerow([
            r.code, r.name, r.country, r.partner_code, r.partner_name, r.response.value, r.reason or "",
            "" if r.score is None else f"{r.score:.4f}", "" if r.rank is None else r.rank,
            r.answered_at.isoformat(timespec="seconds"), "yes" if pair in mutual else "no",
            mutual.get(pair) or "",
        ])  # fmt: skip
    return buffer.getvalue()
