"""The edit page of a municipality's own staff: profile, needs or offers, in one form.

A form read before someone else's change is never saved over it: the page comes back with what was
typed, the other person's version beside it and the versions of now, so saving again is a decision.
A form posted after the session expired comes back through the sign-in page with what was typed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Final

from babel import Locale
from litestar import Request, get, post
from litestar.params import PathParameter
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from registry.api.account_pages import FormData, ViewerDep, page, sign_in_page
from registry.api.deps import DbSession
from registry.api.site import page_lang
from registry.errors import ConflictError, PreconditionFailedError
from registry.locale import LOCALES, Lang
from registry.repository.accounts import AccountRow
from registry.repository.pages import unit_names
from registry.repository.profiles import last_editor
from registry.services import profiles
from registry.services.accounts import FormRejectedError, require_edit
from registry.services.profiles import EditForm, EditState

PathCode = Annotated[str, PathParameter(max_length=80, pattern=r"^[A-Za-z0-9_\-]+$")]
_EDIT_PATH: Final = re.compile(r"^/municipalities/(?P<code>[A-Za-z0-9_\-]+)/edit$")


def language_names(lang: Lang) -> list[tuple[str, str]]:
    """Return the working languages of the form with their names in the page language (from CLDR)."""
    names = Locale.parse(LOCALES[lang]).languages
    return [(code, names.get(code, code)) for code in profiles.LANGUAGES]


def edit_page(
    request: Request[Any, Any, Any],
    session: Session,
    current: EditState,
    form: EditForm,
    *,
    was: EditForm | None = None,
    problems: list[Any] | None = None,
    conflict: dict[str, Any] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    """Render the edit form with ``form``'s values (as typed, or as stored)."""
    lang, _ = page_lang(request)
    return page(
        request, "municipality_edit.html",
        {
            "code": current.code, "kind": current.kind.entity if current.kind else None,
            "form": form, "was": was or current.as_form(), "categories": current.categories,
            "languages": language_names(lang),
            "problems": problems or [], "conflict": conflict, "saved": saved,
            "confirmed_on": current.profile.confirmed_on,
            "reminder": profiles.needs_reminder(current.profile, dt.datetime.now(dt.UTC).date()),
            "unit": unit_names(session, [current.code]).get(current.code, {"code": current.code}),
        },
        status_code=status_code,
    )  # fmt: skip


def _conflict(session: Session, now: EditState, fields: list[str]) -> dict[str, Any]:
    """What the other person saved: the stored form, the fields both changed, who saved it and when."""
    editor = last_editor(session, now.code, ("profile", "need", "offer"))
    return {
        "stored": now.as_form(), "fields": fields,
        "by": editor[0] if editor else None, "at": editor[1] if editor else None,
    }  # fmt: skip


@get("/municipalities/{code:str}/edit", sync_to_thread=True)
def edit_form(
    request: Request[Any, Any, Any], session: DbSession, viewer: ViewerDep, code: PathCode
) -> Template | Redirect:
    """Show the edit form of a municipality to its own staff (and coordinators)."""
    if viewer.account is None:
        return Redirect(f"/account/sign-in?next=/municipalities/{code}/edit", status_code=303)
    require_edit(viewer.account, code)
    current = profiles.state(session, code)
    return edit_page(
        request, session, current, current.as_form(), saved=request.query_params.get("saved") == "1"
    )


def save_form(
    request: Request[Any, Any, Any], session: Session, me: AccountRow, code: str, data: dict[str, Any]
) -> Template | Redirect:
    """Save a posted form, or show it again with its problems or the conflict."""
    require_edit(me, code)
    current = profiles.state(session, code)
    form = profiles.parse(data, current.categories)
    was = profiles.parse(data, current.categories, prefix="was.")
    try:
        profiles.save(session, code, form, me)
    except FormRejectedError as rejected:
        return edit_page(
            request, session, current, form, was=was, problems=rejected.problems, status_code=422
        )
    except (PreconditionFailedError, ConflictError):
        session.rollback()  # whatever the form wrote before the stale record: all or nothing
        now = profiles.state(session, code)
        merged, fields = profiles.merge(form, was, now.as_form())
        return edit_page(
            request, session, now, merged, conflict=_conflict(session, now, fields), status_code=409
        )
    return Redirect(f"/municipalities/{current.code}/edit?saved=1", status_code=303)


@post("/municipalities/{code:str}/edit", sync_to_thread=True)
def edit(
    request: Request[Any, Any, Any], session: DbSession, viewer: ViewerDep, code: PathCode, data: FormData
) -> Template | Redirect:
    """Save the profile (confirmed today) and the needs or offers, all or nothing."""
    if viewer.account is None:  # the session expired: sign in again, keeping what was typed
        return sign_in_page(
            request, next_path=f"/municipalities/{code}/edit", kept=data, expired=True, status_code=401
        )
    return save_form(request, session, viewer.account, code, data)


def resume_edit(
    request: Request[Any, Any, Any], session: Session, me: AccountRow, next_path: str, kept: dict[str, Any]
) -> Template | None:
    """After signing in again, show the edit form with what was typed before the session expired.

    It is shown, not saved: the person checks it and saves, under the versions it was read at.
    """
    match = _EDIT_PATH.fullmatch(next_path)
    if match is None:
        return None
    code = match["code"]
    require_edit(me, code)
    current = profiles.state(session, code)
    typed = profiles.parse(kept, current.categories)
    return edit_page(request, session, current, typed, was=profiles.parse(kept, current.categories, "was."))


ROUTES = [edit_form, edit]
