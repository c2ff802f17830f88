"""Self-service in Chromium, end to end: from an invitation to a partnership in preparation.

A coordinator invites staff of Nizhyn (a hromada) and of Potsdam; each sets a password through the
link and signs in; both keep their profile and state a need and an offer, which moves them to the top
of each other's suggestions (the `declared` criterion); two editors of one form get the conflict and
lose nothing; both say "interested"; the coordinator sees the match and confirms it. Every form is
driven by its labels and roles (what a screen reader announces), the sign-in by keyboard alone.

Runs on the real subset data (a few Länder and oblasts) with an app of its own, since it writes.
``REGISTRY_SCREENSHOTS=docs`` saves a screenshot of each step as docs/selfservice-*.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from registry.config import Settings
from registry.models import AccountRole
from tests.browser.browsing import DESKTOP, Browsing, browse
from tests.devtools import serve_app
from tests.selfservice import PASSWORD, make_account

pytestmark = pytest.mark.browser

NIZHYN = "UA74040250000063494"
POTSDAM = "12054000"
CHERNIHIV_OBLAST = "UA74000000000025378"
BRANDENBURG = "12"
SHOTS = os.environ.get("REGISTRY_SCREENSHOTS")


@pytest.fixture(scope="module")
def app(subset_database: Settings) -> Iterator[str]:
    """The app over the subset (Secure cookies, as in production: Chromium keeps them on 127.0.0.1)."""
    settings = replace(subset_database, map_tiles=None)
    make_account(settings, "coordinator@example.org", AccountRole.COORDINATOR)
    with serve_app(settings) as url:
        yield url


def _shot(page: Any, name: str, tmp_path: Path, *, full_page: bool = True) -> None:
    target = Path(SHOTS) if SHOTS else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"selfservice-{name}.png"), full_page=full_page)
    assert (target / f"selfservice-{name}.png").stat().st_size > 10_000  # a page, not a blank


def _sign_in_by_keyboard(b: Browsing, login: str) -> None:
    page = b.page
    b.open("/account/sign-in")
    page.get_by_label("E-mail address or user name").focus()
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/account")


def _invite(b: Browsing, municipality: str, name: str, login: str) -> str:
    page = b.page
    b.open("/account/invite")
    page.get_by_label("Role").select_option("staff")
    page.get_by_label("Code of the municipality (for staff of a municipality)").fill(municipality)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail address or user name").fill(login)
    page.get_by_role("button", name="Create the invitation link").click()
    return str(page.get_by_label("Invitation link").input_value())


def _accept(b: Browsing, link: str) -> None:
    page = b.page
    page.goto(link)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Set your password").click()
    page.wait_for_url("**/account")


def _first_suggestion(b: Browsing, code: str, region: str) -> str:
    """Open the suggestions through the GET form (region only) and return the first one's code."""
    page = b.page
    b.open(f"/municipalities/{code}")
    form = page.get_by_role("form", name="Narrow the suggestions")
    form.get_by_label(re.compile("^(Oblast|Land)")).select_option(region)
    form.get_by_role("button", name="Show suggestions").click()
    page.wait_for_url(re.compile(rf".*/municipalities/{code}/suggestions\?.*region={region}.*"))
    return str(page.locator("li.suggestion").first.get_attribute("id")).removeprefix("s-")


def _edit(b: Browsing, code: str) -> Any:
    b.open(f"/municipalities/{code}/edit")
    return b.page


def test_from_an_invitation_to_a_partnership_in_preparation(chromium: Any, app: str, tmp_path: Path) -> None:
    contexts = [browse(chromium, app, DESKTOP, "en-GB") for _ in range(4)]
    coordinator, nizhyn, potsdam, nizhyn2 = (next(c) for c in contexts)
    try:
        _flow(coordinator, nizhyn, potsdam, nizhyn2, tmp_path)
        for b in (coordinator, nizhyn, potsdam, nizhyn2):
            b.assert_clean()
    finally:
        for c in contexts:
            next(c, None)


def _flow(coordinator: Browsing, nizhyn: Browsing, potsdam: Browsing, nizhyn2: Browsing, tmp: Path) -> None:
    # 1. The coordinator invites staff of both municipalities; each link works once.
    _sign_in_by_keyboard(coordinator, "coordinator@example.org")
    link_ua = _invite(coordinator, NIZHYN, "Olena Koval, Nizhyn", "olena@nizhyn.example")
    _shot(coordinator.page, "1-invite", tmp)
    link_de = _invite(coordinator, POTSDAM, "Jan Weber, Potsdam", "jan@potsdam.example")

    # 2. Each sets a password through the link (and is signed in); one signs out and in by keyboard.
    nizhyn.page.goto(link_ua)
    _shot(nizhyn.page, "2-set-password", tmp)
    _accept(nizhyn, link_ua)
    _accept(potsdam, link_de)
    potsdam.page.get_by_role("button", name="Sign out").click()
    potsdam.page.wait_for_url(re.compile(r".*/$"))
    potsdam.page.get_by_role("link", name="Sign in").click()
    potsdam.page.get_by_label("E-mail address or user name").fill("jan@potsdam.example")
    potsdam.page.get_by_label("Password").fill("not the password")
    potsdam.page.get_by_role("button", name="Sign in").click()
    alert = potsdam.page.get_by_role("alert")
    assert "The login or the password is wrong." in alert.inner_text()
    assert potsdam.page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    potsdam.expected.add("Failed to load resource: the server responded with a status of 401")
    _shot(potsdam.page, "3-sign-in-error", tmp)
    _sign_in_by_keyboard(potsdam, "jan@potsdam.example")

    # 3. Before anything is declared, Chernihiv comes first for Potsdam, not Nizhyn.
    before = _first_suggestion(potsdam, POTSDAM, CHERNIHIV_OBLAST)
    assert before != NIZHYN

    # 4. Bad input: an error summary naming the field, nothing saved.
    page = _edit(nizhyn, NIZHYN)
    page.get_by_label("Website").fill("nizhyn-rada.gov.ua")
    page.get_by_role("button", name="Save and confirm").click()
    nizhyn.expected.add("Failed to load resource: the server responded with a status of 422")
    summary = page.get_by_role("alert")
    assert "Enter a web address starting with https:// or http://." in summary.inner_text()
    summary.get_by_role("link").first.click()  # the summary's link takes the keyboard to the field
    assert page.evaluate("document.activeElement.id") == "f-website"
    _shot(page, "4-edit-error", tmp)

    # 5. The profile and a need, saved; then Potsdam's offer in the same area.
    page.get_by_label("Website").fill("https://nizhyn-rada.gov.ua")
    page.get_by_label("Contact person").fill("Olena Koval")
    page.get_by_label("Office in charge").fill("Відділ міжнародних зв’язків")
    page.get_by_label("Ukrainian", exact=True).check()
    page.get_by_label("English", exact=True).check()
    page.get_by_label("Short self-description in English").fill("Historic town of 65,000 north-east of Kyiv.")
    page.get_by_label("Education, schools and kindergartens", exact=True).check()
    page.get_by_label("Priority: Education, schools and kindergartens").select_option("1")
    page.get_by_label("Comment: Education, schools and kindergartens").fill("Two schools need equipment")
    page.get_by_role("button", name="Save and confirm").click()
    page.wait_for_url(re.compile(r".*/edit\?saved=1$"))
    assert page.get_by_role("status").inner_text() == "Saved and confirmed."
    _shot(page, "5-edit-saved", tmp)
    page = _edit(potsdam, POTSDAM)
    page.get_by_label("Education, schools and kindergartens", exact=True).check()
    page.get_by_label("Comment: Education, schools and kindergartens").fill("School partnerships, teachers")
    page.get_by_role("button", name="Save and confirm").click()
    page.wait_for_url(re.compile(r".*/edit\?saved=1$"))

    # 6. The `declared` criterion: each now comes first for the other, and the explanation says why.
    assert _first_suggestion(potsdam, POTSDAM, CHERNIHIV_OBLAST) == NIZHYN
    first = potsdam.page.locator("li.suggestion").first.inner_text()
    assert "declared needs matched by offers: Education, schools and kindergartens" in first
    assert _first_suggestion(nizhyn, NIZHYN, BRANDENBURG) == POTSDAM
    nizhyn.page.get_by_role("form", name=re.compile("^Answer about")).first.get_by_role(
        "button", name=re.compile("^Interested")
    ).click()
    nizhyn.page.wait_for_url(re.compile(rf".*/suggestions\?.*#s-{POTSDAM}$"))
    assert "You said you are interested" in nizhyn.page.locator(f"#s-{POTSDAM}").inner_text()
    second = nizhyn.page.locator("li.suggestion").nth(1)
    turned_down = str(second.get_attribute("id")).removeprefix("s-")
    second.get_by_label("Reason").select_option("distance")
    second.get_by_role("button", name=re.compile("^Not a fit")).click()
    nizhyn.page.wait_for_url(re.compile(rf".*/suggestions\?.*#s-{turned_down}$"))
    assert nizhyn.page.locator(f"#s-{turned_down}").count() == 0  # never suggested to Nizhyn again
    nizhyn.page.locator(f"#s-{POTSDAM}").scroll_into_view_if_needed()
    _shot(nizhyn.page, "6-suggestions-answered", tmp, full_page=False)  # the first screen of a long list
    potsdam.page.locator(f"#s-{NIZHYN}").get_by_role("button", name=re.compile("^Interested")).click()
    potsdam.page.wait_for_url(f"**#s-{NIZHYN}")
    potsdam.page.locator(f"#s-{NIZHYN}").get_by_role("link", name=re.compile("^Printable view")).click()
    potsdam.page.wait_for_url(re.compile(rf".*/suggestions/{NIZHYN}\?.*"))
    assert potsdam.page.get_by_role("heading", level=1).inner_text().startswith("Potsdam")
    potsdam.page.emulate_media(media="print")
    _shot(potsdam.page, "7-print", tmp)
    potsdam.page.emulate_media(media="screen")

    # 7. Two editors of one form: the second gets the conflict and loses nothing, nor does the first.
    _sign_in_by_keyboard(nizhyn2, "coordinator@example.org")
    one, two = _edit(nizhyn, NIZHYN), _edit(nizhyn2, NIZHYN)
    education = "Comment: Education, schools and kindergartens"
    one.get_by_label("Contact person").fill("Olena Koval-Shevchenko")
    one.get_by_label(education).fill("Two schools need equipment and a bus")
    one.get_by_role("button", name="Save and confirm").click()
    one.wait_for_url(re.compile(r".*/edit\?saved=1$"))
    two.get_by_label("Office in charge").fill("International office of the city council")
    two.get_by_label(education).fill("Three schools, one kindergarten")
    two.get_by_role("button", name="Save and confirm").click()
    nizhyn2.expected.add("Failed to load resource: the server responded with a status of 409")
    conflict = two.get_by_role("alert")
    assert "Someone else has saved in the meantime" in conflict.inner_text()
    assert "Two schools need equipment and a bus" in conflict.inner_text()  # theirs, beside yours
    assert two.get_by_label(education).input_value() == "Three schools, one kindergarten"  # yours, kept
    assert two.get_by_label("Office in charge").input_value() == "International office of the city council"
    assert two.get_by_label("Contact person").input_value() == "Olena Koval-Shevchenko"  # theirs, merged in
    _shot(two, "8-conflict", tmp)
    assert (
        _edit(nizhyn, NIZHYN).get_by_label(education).input_value() == "Two schools need equipment and a bus"
    )
    two.get_by_role("button", name="Save and confirm").click()  # saving again is a decision
    two.wait_for_url(re.compile(r".*/edit\?saved=1$"))
    merged = _edit(nizhyn, NIZHYN)
    assert merged.get_by_label("Contact person").input_value() == "Olena Koval-Shevchenko"
    assert merged.get_by_label("Office in charge").input_value() == "International office of the city council"

    # 8. The coordinator sees the match and confirms it into a partnership in preparation.
    coordinator.open("/matches")
    row = coordinator.page.locator(f"tr[id='{POTSDAM}-{NIZHYN}']")
    assert "Potsdam" in row.inner_text()
    assert "Nizhyn" in row.inner_text()
    row.get_by_label("Kind").select_option("partnership")
    _shot(coordinator.page, "9-matches", tmp)
    row.get_by_role("button", name=re.compile("^Record as partnership in preparation")).click()
    coordinator.page.wait_for_url(re.compile(r".*/partnerships/\d+$"))
    record = coordinator.page.locator("main").inner_text()
    assert "in preparation" in record.lower()
    _shot(coordinator.page, "10-partnership", tmp)
    coordinator.open("/matches")
    assert coordinator.page.locator(f"tr[id='{POTSDAM}-{NIZHYN}'] a[href^='/partnerships/']").count() == 1
