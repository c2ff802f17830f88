"""A municipality's own page, kept by its staff: profile, needs (hromadas) or offers (German units).

One form saves all of it in one transaction, through the audited edit functions of the repository
(``needs.create_declared`` / ``update_declared`` / ``delete_declared`` and ``profiles.save_profile``),
each record under its version: a form read before someone else's change fails whole with
PreconditionFailedError, and the caller rolls the transaction back and shows both versions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from registry.errors import PreconditionFailedError
from registry.repository import needs, profiles
from registry.repository.common import municipality_row
from registry.repository.profiles import FIELDS, ProfileRow, ProfileValues
from registry.services import needs as declared_edits
from registry.services import writes
from registry.services.accounts import FieldProblem, FormRejectedError, actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.records import CategoryRecord
    from registry.repository.accounts import AccountRow

# Working languages offered on the form (ISO 639-1); their names come from Babel in the page language.
LANGUAGES: Final = ("de", "uk", "en", "pl", "fr", "es", "it")
TEXT_MAX: Final = {"contact_person": 200, "office": 300, "email": 200, "website": 500}
DESCRIPTION_MAX: Final = 1000
NOTE_MAX: Final = 500
REMIND_AFTER: Final = dt.timedelta(days=365)  # a profile unconfirmed this long asks its staff to confirm it
PROFILE: Final = writes.Audited[int, ProfileRow](
    entity="profile",
    table=profiles.TABLE,
    read=profiles.profile,
    snapshot=profiles.snapshot,
    row_id=lambda row: row.id or 0,
    version=lambda row: row.version,
    key=lambda row: row.code or "",
    municipality_code=lambda row: row.code,
)
_EMAIL: Final = re.compile(r"^[^\s@]{1,100}@[^\s@]{1,100}\.[^\s@]{2,}$")


@dataclass(frozen=True)
class DeclaredEntry:
    """One category of the form: declared or not, priority (needs), comment, the version it was read at."""

    checked: bool = False
    priority: str = "2"
    note: str = ""
    version: int = 0  # 0: not declared when the form was read


@dataclass(frozen=True)
class EditForm:
    """The form as typed (strings kept as typed, so a rejected form shows them again)."""

    profile: ProfileValues
    profile_version: int
    declared: dict[str, DeclaredEntry] = field(default_factory=dict)


@dataclass(frozen=True)
class EditState:
    """What the edit page shows of a municipality as stored."""

    code: str
    municipality_id: int
    kind: needs.Kind | None  # NEED, OFFER or None (a unit that declares neither)
    profile: ProfileRow
    declared: dict[str, DeclaredEntry]  # by category
    categories: list[CategoryRecord]

    def as_form(self) -> EditForm:
        return EditForm(self.profile.values, self.profile.version, dict(self.declared))


def state(session: Session, code: str) -> EditState:
    """Return the stored profile and needs or offers of a municipality."""
    unit = municipality_row(session, code)
    kind = declared_edits.kind_of(unit["country"], unit["level"])
    declared: dict[str, DeclaredEntry] = {}
    if kind is not None:
        items, _ = needs.list_declared(session, kind, municipality=unit["code"], limit=100, offset=0)
        for item in items:
            priority = item.priority if isinstance(item, needs.NeedRow) else 2
            declared[item.category] = DeclaredEntry(True, str(priority), item.note or "", item.version)
    return EditState(
        unit["code"], unit["id"], kind, profiles.profile(session, unit["id"]), declared,
        needs.categories(session),
    )  # fmt: skip


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).replace("\x00", "").strip()


def _int(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 10 else -1


def parse(form: Mapping[str, Any], categories: Sequence[CategoryRecord], prefix: str = "") -> EditForm:
    """Read the posted form (``prefix="was."``: the stored values it was read with); nothing is checked."""
    langs = form.get(f"{prefix}languages", [])
    chosen = tuple(code for code in LANGUAGES if code in (langs if isinstance(langs, list) else [langs]))
    values = ProfileValues(
        **{name: _text(form, prefix + name) or None for name in FIELDS if name != "languages"},
        languages=chosen,
    )
    declared = {
        c.code: DeclaredEntry(
            checked=_text(form, f"{prefix}cat.{c.code}") == "on",
            priority=_text(form, f"{prefix}prio.{c.code}") or "2",
            note=_text(form, f"{prefix}note.{c.code}"),
            version=max(_int(_text(form, f"ver.{c.code}") or "0"), 0),
        )
        for c in categories
    }
    return EditForm(values, max(_int(_text(form, "profile_version") or "0"), 0), declared)


def _state(entry: DeclaredEntry) -> tuple[bool, str, str]:
    return (True, entry.priority, entry.note) if entry.checked else (False, "", "")


def merge(typed: EditForm, was: EditForm, stored: EditForm) -> tuple[EditForm, list[str]]:
    """Merge what was typed into what someone else saved since the form was read (a three-way merge).

    A field the person did not change takes the other's value; a field they changed keeps what they
    typed. Returns the merged form, under the stored versions, and the fields both changed differently
    (the conflicts the page shows side by side).
    """
    conflicts: list[str] = []
    values: dict[str, Any] = {}
    for name in FIELDS:
        mine, before, theirs = (
            getattr(typed.profile, name),
            getattr(was.profile, name),
            getattr(stored.profile, name),
        )
        values[name] = theirs if mine == before else mine
        if mine != before and theirs not in (before, mine):
            conflicts.append(name)
    declared: dict[str, DeclaredEntry] = {}
    for code, mine_entry in typed.declared.items():
        theirs_entry = stored.declared.get(code, DeclaredEntry())
        mine, before = _state(mine_entry), _state(was.declared.get(code, DeclaredEntry()))
        chosen = theirs_entry if mine == before else mine_entry
        if mine != before and _state(theirs_entry) not in (before, mine):
            conflicts.append(f"cat.{code}")
        declared[code] = DeclaredEntry(chosen.checked, chosen.priority, chosen.note, theirs_entry.version)
    return EditForm(ProfileValues(**values), stored.profile_version, declared), conflicts


def check(form: EditForm, kind: needs.Kind | None) -> list[FieldProblem]:
    """Return every problem of a form (empty: it can be saved)."""
    problems: list[FieldProblem] = []
    p = form.profile
    for name, limit in TEXT_MAX.items():
        if len(getattr(p, name) or "") > limit:
            problems.append(FieldProblem(name, "acc_err_too_long"))
    if p.email and not _EMAIL.fullmatch(p.email):
        problems.append(FieldProblem("email", "acc_err_email"))
    if p.website:
        parts = urlsplit(p.website)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in p.website:
            problems.append(FieldProblem("website", "acc_err_website"))
    for lang in ("de", "en", "uk"):
        if len(getattr(p, f"description_{lang}") or "") > DESCRIPTION_MAX:
            problems.append(FieldProblem(f"description_{lang}", "acc_err_description"))
    if kind is not None:
        for category, entry in form.declared.items():
            if entry.checked and kind is needs.NEED and entry.priority not in ("1", "2", "3"):
                problems.append(FieldProblem(f"prio.{category}", "acc_err_priority"))
            if len(entry.note) > NOTE_MAX:
                problems.append(FieldProblem(f"note.{category}", "acc_err_note"))
            if entry.note and not entry.checked:
                problems.append(FieldProblem(f"cat.{category}", "acc_err_note_unchecked"))
    return problems


def _save_declared(
    session: Session, current: EditState, form: EditForm, viewer: AccountRow, today: dt.date
) -> None:
    kind = current.kind
    assert kind is not None
    who = actor(viewer)
    stored = {item.category: item for item in needs.list_declared(
        session, kind, municipality=current.code, limit=100, offset=0)[0]}  # fmt: skip
    for category, entry in form.declared.items():
        item = stored.get(category)
        wanted: dict[str, Any] = {"note": entry.note or None}
        if kind is needs.NEED:
            wanted["priority"] = int(entry.priority)
        if item is None:
            if entry.version:  # it was declared when the form was read and has been withdrawn since
                raise PreconditionFailedError(f"{kind.entity} {category} was withdrawn by someone else")
            if entry.checked:
                if kind is needs.NEED:
                    wanted["stated_on"] = today
                declared_edits.create_declared(
                    session, kind, current.code, {"category": category, **wanted}, who
                )
        elif not entry.version:  # declared by someone else since the form was read
            raise PreconditionFailedError(f"{kind.entity} {category} was declared by someone else")
        elif entry.checked:
            declared_edits.update_declared(session, kind, item.id, entry.version, wanted, who)
        else:
            declared_edits.delete_declared(session, kind, item.id, entry.version, who)


def save(session: Session, code: str, form: EditForm, viewer: AccountRow) -> None:
    """Save the profile (confirmed today) and the needs or offers of a form, all or nothing.

    Raises:
        FormRejectedError: a field is at fault; nothing was written.
        PreconditionFailedError: someone else changed a record since the form was read; the caller
            must roll back what was written before the failure.
    """
    current = state(session, code)
    if problems := check(form, current.kind):
        raise FormRejectedError(problems)
    today = dt.datetime.now(dt.UTC).date()
    who = actor(viewer)
    if current.profile.id is None:
        if form.profile_version != 0:
            raise PreconditionFailedError(f"the profile of {code} no longer exists")
        writes.create(session, PROFILE, who, "create", lambda: profiles.insert_profile(
            session, current.municipality_id, form.profile, today))  # fmt: skip
    else:
        writes.update(
            session, PROFILE, current.municipality_id, form.profile_version, who,
            lambda _before: writes.Change(profiles.columns(form.profile, today)),
        )  # fmt: skip
    if current.kind is not None:
        _save_declared(session, current, form, viewer, today)


def needs_reminder(profile: ProfileRow, today: dt.date) -> bool:
    """Tell whether a profile was last confirmed more than 12 months ago (a new one says "never")."""
    return profile.confirmed_on is not None and today - profile.confirmed_on > REMIND_AFTER
