"""Municipalities' answers to suggested partners, and the matches: interest on both sides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import Table, and_, insert, or_, select
from sqlalchemy.orm import aliased

from registry.models import Municipality, Partnership, ResponseKind, SuggestionResponse
from registry.repository.audit import Actor, record_event
from registry.repository.common import compare_and_set, unit_name, unit_name_columns

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.repository.name_rows import UnitNameRow

TABLE: Final = cast("Table", SuggestionResponse.__table__)


@dataclass(frozen=True)
class ResponseRow:
    """One answer, with both units' codes and names."""

    id: int
    code: str  # who answered
    name: str
    country: str
    partner_code: str
    partner_name: str
    response: ResponseKind
    reason: str | None
    score: float | None
    rank: int | None
    answered_at: dt.datetime
    version: int


@dataclass(frozen=True)
class MatchRow:
    """Interest on both sides: the German and the Ukrainian unit, when each said so, and its partnership."""

    de_code: str
    de_name: str
    ua_code: str
    ua_name: str
    ua_name_uk: str | None
    de_answered_at: dt.datetime
    ua_answered_at: dt.datetime
    partnership_id: int | None  # the partnership record, once a coordinator confirmed the match


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


_unit = aliased(Municipality, name="unit")
_partner = aliased(Municipality, name="partner")


def _select() -> Any:
    r = SuggestionResponse
    return (
        select(
            r.id,
            _unit.code,
            _unit.name,
            _unit.country,
            _partner.code.label("partner_code"),
            _partner.name.label("partner_name"),
            r.response,
            r.reason,
            r.score,
            r.rank,
            r.updated_at,
            r.version,
        )
        .join(_unit, _unit.id == r.municipality_id)
        .join(_partner, _partner.id == r.partner_id)
    )


def _row(r: Any) -> ResponseRow:
    return ResponseRow(
        r.id, r.code, r.name, str(r.country), r.partner_code, r.partner_name, ResponseKind(r.response),
        r.reason, r.score, r.rank, _aware(r.updated_at), r.version,
    )  # fmt: skip


def responses_of(session: Session, municipality_id: int) -> dict[str, ResponseRow]:
    """Return a unit's answers by the partner's code."""
    rows = session.execute(_select().where(SuggestionResponse.municipality_id == municipality_id))
    return {row.partner_code: row for row in map(_row, rows)}


def all_responses(session: Session) -> list[ResponseRow]:
    """Return every answer, oldest first."""
    return [_row(r) for r in session.execute(_select().order_by(SuggestionResponse.id))]


def _snapshot(row: ResponseRow) -> dict[str, Any]:
    """Return what the audit trail keeps of an answer: a free-form JSON object, so a dict by design."""
    return {
        "municipality_code": row.code,
        "partner_code": row.partner_code,
        "response": row.response,
        "reason": row.reason,
        "score": row.score,
        "rank": row.rank,
        "version": row.version,
    }


def _one(session: Session, response_id: int) -> ResponseRow:
    return _row(session.execute(_select().where(SuggestionResponse.id == response_id)).one())


def save_response(
    session: Session,
    unit: tuple[int, str],
    partner: tuple[int, str],
    values: dict[str, Any],
    actor: Actor,
) -> None:
    """Record or change a unit's answer to a partner (``values``: response, reason, score, rank)."""
    now = dt.datetime.now(dt.UTC)
    existing = session.scalar(
        select(SuggestionResponse.id).where(
            SuggestionResponse.municipality_id == unit[0], SuggestionResponse.partner_id == partner[0]
        )
    )
    before = None if existing is None else _one(session, existing)
    if existing is None:
        new_id = session.execute(
            insert(TABLE)
            .values(
                municipality_id=unit[0], partner_id=partner[0], account_id=actor.account_id,
                created_at=now, updated_at=now, version=1, **values,
            )
            .returning(TABLE.c.id)
        ).scalar_one()  # fmt: skip
    else:
        assert before is not None
        new_id = existing
        compare_and_set(
            session, TABLE, existing, before.version,
            values | {"updated_at": now, "account_id": actor.account_id}, label="the answer",
        )  # fmt: skip
    after = _one(session, new_id)
    record_event(
        session,
        actor,
        "create" if before is None else "update",
        "response",
        f"{unit[1]}:{partner[1]}",
        before=None if before is None else _snapshot(before),
        after=_snapshot(after),
        municipality_code=unit[1],
    )


def turned_down(session: Session, municipality_id: int) -> frozenset[str]:
    """Return the codes of the partners a unit marked "not a fit"."""
    return frozenset(
        session.scalars(
            select(_partner.code)
            .join(SuggestionResponse, SuggestionResponse.partner_id == _partner.id)
            .where(
                SuggestionResponse.municipality_id == municipality_id,
                SuggestionResponse.response == ResponseKind.NOT_A_FIT,
            )
        )
    )


def matches(session: Session) -> list[MatchRow]:
    """Return the pairs in which both sides said "interested", newest first."""
    de_answer = aliased(SuggestionResponse, name="de_answer")
    ua_answer = aliased(SuggestionResponse, name="ua_answer")
    de_unit = aliased(Municipality, name="de_unit")
    ua_unit = aliased(Municipality, name="ua_unit")
    statement = (
        select(
            de_unit.code.label("de_code"),
            de_unit.name.label("de_name"),
            ua_unit.code.label("ua_code"),
            ua_unit.name.label("ua_name"),
            ua_unit.name_uk.label("ua_name_uk"),
            de_answer.updated_at.label("de_at"),
            ua_answer.updated_at.label("ua_at"),
            Partnership.id.label("partnership_id"),
        )
        .join(de_unit, de_unit.id == de_answer.municipality_id)
        .join(ua_unit, ua_unit.id == de_answer.partner_id)
        .join(
            ua_answer,
            and_(ua_answer.municipality_id == ua_unit.id, ua_answer.partner_id == de_unit.id),
        )
        .outerjoin(
            Partnership,
            and_(Partnership.de_municipality_id == de_unit.id, Partnership.ua_municipality_id == ua_unit.id),
        )
        .where(
            de_unit.country == "DE",
            de_answer.response == ResponseKind.INTERESTED,
            ua_answer.response == ResponseKind.INTERESTED,
        )
    )
    rows = session.execute(statement).all()
    found = [
        MatchRow(
            r.de_code, r.de_name, r.ua_code, r.ua_name, r.ua_name_uk, _aware(r.de_at), _aware(r.ua_at),
            r.partnership_id,
        )
        for r in rows
    ]  # fmt: skip
    return sorted(found, key=lambda m: max(m.de_answered_at, m.ua_answered_at), reverse=True)


def is_match(session: Session, de_id: int, ua_id: int) -> bool:
    """Tell whether both units said "interested" in each other."""
    count = len(
        session.scalars(
            select(SuggestionResponse.id).where(
                SuggestionResponse.response == ResponseKind.INTERESTED,
                or_(
                    and_(SuggestionResponse.municipality_id == de_id, SuggestionResponse.partner_id == ua_id),
                    and_(SuggestionResponse.municipality_id == ua_id, SuggestionResponse.partner_id == de_id),
                ),
            )
        ).all()
    )
    return count == 2


def regions(session: Session, country: str) -> list[UnitNameRow]:
    """Return the Länder or the oblasts (with Kyiv and Sevastopol), by name, for a filter's choices."""
    levels = ("land",) if country == "DE" else ("oblast", "city_special_status")
    m = Municipality
    rows = session.execute(
        select(*unit_name_columns(m)).where(m.country == country, m.level.in_(levels)).order_by(m.name)
    )
    return [unit_name(*row) for row in rows]
