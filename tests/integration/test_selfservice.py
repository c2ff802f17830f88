"""Self-service over real HTTP: CSRF, sessions that expire, who may edit what, the login rate limit,
stale forms, answers to suggestions and the migration that brings the accounts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from registry import db
from registry.config import Settings
from registry.models import AccountRole, AuditEvent, MunicipalityProfile, Partnership, SignInAttempt
from registry.repository.audit import Actor
from registry.repository.partnerships import partnership
from registry.services import accounts
from registry.services.loading import load_bundled
from registry.services.partnership_edits import update_partnership
from tests.conftest import LiveApi
from tests.devtools import serve_app
from tests.selfservice import PASSWORD, csrf, forget_attempts, form_fields, make_account, sign_in

POTSDAM = "12054000"
NIZHYN = "UA74040250000063494"
BERLIN = "11000000"


@pytest.fixture(scope="module")
def site(subset_database: Settings) -> Iterator[LiveApi]:
    """The app served over plain HTTP (so cookies without Secure) with a coordinator and staff of Nizhyn
    and of Potsdam."""
    settings = replace(subset_database, secure_cookies=False)
    make_account(settings, "coord@example.org", AccountRole.COORDINATOR)
    make_account(settings, "nizhyn@example.org", AccountRole.STAFF, NIZHYN)
    make_account(settings, "potsdam@example.org", AccountRole.STAFF, POTSDAM)
    with serve_app(settings) as url:
        yield LiveApi(url, settings, {}, {})


def test_the_cookies_are_secure_httponly_and_samesite_lax(live_api: LiveApi) -> None:
    make_account(live_api.settings, "cookies@example.org", AccountRole.COORDINATOR)
    with httpx.Client(base_url=live_api.url) as client:
        form = client.get("/account/sign-in")
        assert "secure" in form.headers["set-cookie"].lower()  # the CSRF cookie
        token = form.text.split('name="_csrf_token" value="')[1].split('"')[0]
        cookie = form.headers["set-cookie"].split(";")[0]
        signed = client.post(
            "/account/sign-in",
            data={"_csrf_token": token, "login": "cookies@example.org", "password": PASSWORD},
            headers={"Cookie": cookie},
        )
    assert signed.status_code == 303
    session_cookie = next(
        c for c in signed.headers.get_list("set-cookie") if c.startswith("registry_session=")
    )
    attributes = {part.strip().lower() for part in session_cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= attributes
    forget_attempts(live_api.settings)


@pytest.fixture
def browser(site: LiveApi) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url) as client:
        yield client
    forget_attempts(site.settings)


def _count(settings: Settings, model: type, *where: object) -> int:
    engine = db.make_engine(settings)
    try:
        with db.make_sessionmaker(engine)() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_a_form_without_its_csrf_token_is_refused_and_nothing_happens(
    site: LiveApi, browser: httpx.Client
) -> None:
    body = {"login": "nizhyn@example.org", "password": PASSWORD, "next": "/account"}
    assert browser.post("/account/sign-in", data=body).status_code == 403  # no cookie, no token
    token = csrf(browser)
    assert browser.post("/account/sign-in", data=body | {"_csrf_token": "x" + token[1:]}).status_code == 403
    assert _count(site.settings, SignInAttempt) == 0
    signed = browser.post("/account/sign-in", data=body | {"_csrf_token": token})
    assert signed.status_code == 303
    edit = browser.get(f"/municipalities/{NIZHYN}/edit")
    assert edit.status_code == 200
    fields = form_fields(edit.text) | {"contact_person": "Forged"}
    del fields["_csrf_token"]
    assert browser.post(f"/municipalities/{NIZHYN}/edit", data=fields).status_code == 403
    assert _count(site.settings, MunicipalityProfile) == 0


def test_an_account_of_one_municipality_cannot_edit_another(site: LiveApi, browser: httpx.Client) -> None:
    assert sign_in(browser, "nizhyn@example.org").status_code == 303
    assert browser.get(f"/municipalities/{POTSDAM}/edit", headers={"Accept": "text/html"}).status_code == 403
    token = csrf(browser, f"/municipalities/{NIZHYN}/edit")
    crafted = {"_csrf_token": token, "profile_version": "0", "contact_person": "Intruder", "cat.water": "on"}
    assert browser.post(f"/municipalities/{POTSDAM}/edit", data=crafted).status_code == 403
    answer = {"_csrf_token": token, "partner": NIZHYN, "response": "interested", "back": "/"}
    assert browser.post(f"/municipalities/{POTSDAM}/responses", data=answer).status_code == 403
    assert _count(site.settings, MunicipalityProfile) == 0
    assert _count(site.settings, AuditEvent, AuditEvent.municipality_code == POTSDAM) == 0


def test_signed_out_nobody_edits(site: LiveApi, browser: httpx.Client) -> None:
    assert browser.get(f"/municipalities/{NIZHYN}/edit").status_code == 303  # to the sign-in page
    token = csrf(browser)
    posted = browser.post(
        f"/municipalities/{NIZHYN}/edit", data={"_csrf_token": token, "contact_person": "Anonymous"}
    )
    assert posted.status_code == 401
    assert _count(site.settings, MunicipalityProfile) == 0


def test_sign_in_is_rate_limited_per_account_and_per_client(site: LiveApi, browser: httpx.Client) -> None:
    for _ in range(accounts.FAILURES_PER_LOGIN):
        assert sign_in(browser, "potsdam@example.org", "wrong password!").status_code == 401
    refused = sign_in(browser, "potsdam@example.org")  # the right password, too late
    assert refused.status_code == 429
    assert 'aria-invalid="true"' in refused.text
    assert sign_in(browser, "coord@example.org").status_code == 303  # another account still may
    for n in range(accounts.FAILURES_PER_CLIENT - accounts.FAILURES_PER_LOGIN):
        assert sign_in(browser, f"nobody{n}@example.org", "wrong password!").status_code == 401
    assert sign_in(browser, "nizhyn@example.org").status_code == 429  # this client made too many


def test_a_session_that_expired_keeps_what_was_typed(
    site: LiveApi, start_server: Callable[[Settings], str]
) -> None:
    url = start_server(replace(site.settings, session_max_age=2))
    with httpx.Client(base_url=url) as client:
        assert sign_in(client, "potsdam@example.org").status_code == 303
        fields = form_fields(client.get(f"/municipalities/{POTSDAM}/edit").text)
        typed = fields | {"office": "Büro für Städtepartnerschaften", "cat.education": "on",
                          "note.education": "Schüleraustausch"}  # fmt: skip
        time.sleep(3)
        expired = client.post(f"/municipalities/{POTSDAM}/edit", data=typed)
        assert expired.status_code == 401
        assert 'value="Büro für Städtepartnerschaften"' in expired.text  # carried in the sign-in form
        again = form_fields(expired.text.replace('action="/account/sign-in"', 'action="/municipalities/x"'))
        again |= {"login": "potsdam@example.org", "password": PASSWORD}
        resumed = client.post("/account/sign-in", data=again)
        assert resumed.status_code == 200
        shown = form_fields(resumed.text)
        assert shown["office"] == "Büro für Städtepartnerschaften"
        assert shown["note.education"] == "Schüleraustausch"
        assert shown["cat.education"] == "on"
        assert _count(site.settings, MunicipalityProfile) == 0  # shown again, not saved behind their back
        assert client.post(f"/municipalities/{POTSDAM}/edit", data=shown).status_code == 303
    forget_attempts(site.settings)
    assert _count(site.settings, MunicipalityProfile) == 1


def test_a_stale_form_shows_the_other_change_and_overwrites_nothing(site: LiveApi) -> None:
    with httpx.Client(base_url=site.url) as first, httpx.Client(base_url=site.url) as second:
        for client in (first, second):
            assert sign_in(client, "nizhyn@example.org").status_code == 303
        one = form_fields(first.get(f"/municipalities/{NIZHYN}/edit").text)
        two = form_fields(second.get(f"/municipalities/{NIZHYN}/edit").text)
        saved = first.post(
            f"/municipalities/{NIZHYN}/edit", data=one | {"contact_person": "Olena", "cat.water": "on"}
        )
        assert saved.status_code == 303
        stale = second.post(
            f"/municipalities/{NIZHYN}/edit", data=two | {"contact_person": "Petro", "cat.health": "on"}
        )
        assert stale.status_code == 409
        assert "Olena" in stale.text  # the other person's change to the same field, shown
        kept = form_fields(stale.text)
        assert kept["contact_person"] == "Petro"  # nothing typed is lost
        assert kept["cat.health"] == "on"
        assert kept["cat.water"] == "on"  # the other's need, which this form did not touch, merged in
        edit = first.get(f"/municipalities/{NIZHYN}/edit").text
        assert form_fields(edit)["contact_person"] == "Olena"  # nothing was overwritten
        assert "cat.health" not in form_fields(edit)
        resaved = second.post(f"/municipalities/{NIZHYN}/edit", data=kept)  # saving again is a decision
        assert resaved.status_code == 303
        both = form_fields(first.get(f"/municipalities/{NIZHYN}/edit").text)
        assert both["cat.water"] == both["cat.health"] == "on"
    forget_attempts(site.settings)
    events = httpx.get(f"{site.url}/api/audit", params={"by": "Test nizhyn@example.org"}).json()["items"]
    done = {(e["entity"], e["action"]) for e in events}
    assert done == {("profile", "create"), ("profile", "update"), ("need", "create")}
    assert {e["municipality_code"] for e in events} == {NIZHYN}


def test_bad_input_names_the_field_and_changes_nothing(site: LiveApi, browser: httpx.Client) -> None:
    assert sign_in(browser, "coord@example.org").status_code == 303
    fields = form_fields(browser.get(f"/municipalities/{BERLIN}/edit").text)
    before = _count(site.settings, AuditEvent)
    bad = browser.post(
        f"/municipalities/{BERLIN}/edit",
        data=fields | {"website": "javascript:alert(1)", "email": "no address", "note.health": "unticked"},
    )
    assert bad.status_code == 422
    assert 'class="error-summary"' in bad.text
    for field in ("f-website", "f-email", "f-cat-health"):
        assert f'href="#{field}"' in bad.text
        assert f'id="{field}"' in bad.text
    assert 'value="javascript:alert(1)"' in bad.text  # kept to be corrected
    assert _count(site.settings, AuditEvent) == before


def test_an_invitation_link_works_once(site: LiveApi, browser: httpx.Client) -> None:
    assert sign_in(browser, "coord@example.org").status_code == 303
    token = csrf(browser, "/account/invite")
    created = browser.post(
        "/account/invite",
        data={
            "_csrf_token": token,
            "role": "staff",
            "municipality": NIZHYN,
            "name": "Iryna",
            "login": "iryna",
        },
    )
    assert created.status_code == 200
    link = created.text.split('id="invite-link" class="wide" type="text" value="')[1].split('"')[0]
    path = link.removeprefix(site.url)
    with httpx.Client(base_url=site.url) as invited:
        token = csrf(invited, path)
        short = invited.post(path, data={"_csrf_token": token, "password": "short", "repeated": "short"})
        assert short.status_code == 422
        assert 'href="#f-password"' in short.text
        body = {"_csrf_token": token, "password": PASSWORD, "repeated": PASSWORD}
        assert invited.post(path, data=body).status_code == 303
        assert invited.get("/account").status_code == 200
        assert invited.get(path).status_code == 404
    admin = {"_csrf_token": csrf(browser, "/account/invite"), "role": "admin", "name": "X", "login": "x"}
    assert browser.post("/account/invite", data=admin).status_code == 403  # coordinators invite staff


def test_the_upgrade_to_0006_keeps_real_edits(settings: Settings, subset_dir: Path) -> None:
    db.upgrade(settings)
    engine = db.make_engine(settings)
    sessions = db.make_sessionmaker(engine)
    load_bundled(sessions, subset_dir, lambda _message: None)
    with db.transaction(sessions) as session:
        pid = session.scalar(select(Partnership.id).order_by(Partnership.id))
        assert pid is not None
        update_partnership(
            session, pid, partnership(session, pid).version, {"notes": "kept"}, Actor("editor")
        )
    db.downgrade(settings, "0005_third_partners")
    db.upgrade(settings)
    with sessions() as session:
        assert partnership(session, pid).notes == "kept"
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "partnership")).one()
        assert event.actor == "editor"
        assert event.account_id is None
    engine.dispose()
