"""The three-way merge of a stale edit form, and what a profile's reminder and a password must meet."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.repository.profiles import ProfileRow, ProfileValues
from registry.services.accounts import check_password
from registry.services.profiles import DeclaredEntry, EditForm, merge, needs_reminder

WATER = DeclaredEntry(True, "1", "pumps", 3)


def _form(contact: str | None = None, declared: dict[str, DeclaredEntry] | None = None) -> EditForm:
    return EditForm(ProfileValues(contact_person=contact), 1, {"water": DeclaredEntry(), **(declared or {})})


@pytest.mark.parametrize(
    ("mine", "was", "theirs", "merged", "conflicts"),
    [
        ("A", "A", "B", "B", []),  # untouched by me: theirs
        ("C", "A", "A", "C", []),  # changed by me only: mine
        ("C", "A", "B", "C", ["contact_person"]),  # both, differently: mine, and a conflict
        ("B", "A", "B", "B", []),  # both, the same way: no conflict
    ],
)
def test_profile_fields_merge(mine: str, was: str, theirs: str, merged: str, conflicts: list[str]) -> None:
    form, found = merge(_form(mine), _form(was), _form(theirs))
    assert form.profile.contact_person == merged
    assert found == conflicts


def test_declared_entries_merge_and_take_the_stored_versions() -> None:
    stored = _form(declared={"water": WATER})
    form, found = merge(_form(), _form(), stored)
    assert form.declared["water"] == WATER  # theirs, untouched by me, with its version
    mine = _form(declared={"water": DeclaredEntry(True, "2", "tanks", 0)})
    form, found = merge(mine, _form(), stored)
    assert form.declared["water"] == DeclaredEntry(True, "2", "tanks", 3)
    assert found == ["cat.water"]


@pytest.mark.parametrize(
    ("confirmed", "remind"), [(None, False), (dt.date(2025, 12, 1), False), (dt.date(2025, 11, 30), True)]
)
def test_the_reminder_comes_after_twelve_months(confirmed: dt.date | None, remind: bool) -> None:
    assert needs_reminder(ProfileRow(confirmed_on=confirmed), dt.date(2026, 12, 1)) is remind


@pytest.mark.parametrize(
    ("password", "repeated", "field"),
    [
        ("short", "short", "password"),
        ("olena@example.org", "olena@example.org", "password"),
        ("a long passphrase", "a long passphrase!", "repeated"),
        ("a long passphrase", "a long passphrase", None),
    ],
)
def test_passwords(password: str, repeated: str, field: str | None) -> None:
    problems = check_password(password, repeated, "olena@example.org")
    assert [p.field for p in problems] == ([field] if field else [])
