"""Writes over real HTTP: API keys and roles, ETag preconditions, concurrent writers, the audit trail,
sources, needs and offers, facts, rate and size limits."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from registry import db
from registry.models import ApiKeyRole
from registry.repository import apikeys
from registry.repository.audit import Actor
from registry.services import needs as declared

if TYPE_CHECKING:
    from collections.abc import Iterator

    from registry.config import Settings
    from tests.conftest import LiveApi

TELTOW = "12069616"
POTSDAM = "12054000"
CHERNIHIV = "UA74100390000073425"
NIZHYN = "UA74040250000063494"
SOURCE = {"url": "https://example.org/council-decision"}


def _pair_codes() -> Iterator[tuple[str, str]]:
    """Pairs that are not partners in the subset, one per test that creates a partnership."""
    for de in (POTSDAM, "12051000", "12052000", "12053000", "12060005", "12060020", "12060024", "12060036"):
        for ua in (CHERNIHIV, NIZHYN):
            yield de, ua


PAIRS = _pair_codes()


@pytest.fixture
def created(live_api: LiveApi) -> dict[str, Any]:
    """A new partnership between a fresh pair, as the API returned it (with its ETag)."""
    de, ua = next(PAIRS)
    body = {"de_code": de, "ua_code": ua, "kind": "solidarity", "start_year": 2023, "sources": [SOURCE]}
    response = httpx.post(f"{live_api.url}/api/partnerships", json=body, headers=live_api.editor)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created | {"etag": response.headers["etag"], "location": response.headers["location"]}


def test_a_new_partnership_is_created_with_etag_and_location(
    live_api: LiveApi, created: dict[str, Any]
) -> None:
    assert created["etag"] == f'"partnership-{created["id"]}-v1"'
    fetched = httpx.get(f"{live_api.url}{created['location']}")
    assert fetched.headers["etag"] == created["etag"]
    assert fetched.json()["sources"][0]["url"] == SOURCE["url"]
    assert fetched.json()["de"]["region_code"] == "12"
    assert fetched.json()["ua"]["region_code"].startswith("UA74")


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "need an API key"),
        ({"Authorization": "Bearer rk_not-a-key"}, "unknown or revoked"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "malformed Authorization"),
    ],
)
def test_writes_need_a_valid_key(live_api: LiveApi, headers: dict[str, str], detail: str) -> None:
    body = {"de_code": POTSDAM, "ua_code": NIZHYN, "kind": "friendship", "sources": [SOURCE]}
    response = httpx.post(f"{live_api.url}/api/partnerships", json=body, headers=headers)
    assert response.status_code == 401
    assert detail in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working(live_api: LiveApi) -> None:
    engine = db.make_engine(live_api.settings)
    with db.transaction(db.make_sessionmaker(engine)) as session:
        key, secret = apikeys.create_key(session, "short-lived", ApiKeyRole.EDITOR)
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"category": "water", "note": "revocation test"}
    assert (
        httpx.post(
            f"{live_api.url}/api/municipalities/{POTSDAM}/offers", json=body, headers=headers
        ).status_code
        == 201
    )
    with db.transaction(db.make_sessionmaker(engine)) as session:
        apikeys.revoke_key(session, key.id)
    engine.dispose()
    again = httpx.post(f"{live_api.url}/api/municipalities/{POTSDAM}/offers", json=body, headers=headers)
    assert again.status_code == 401


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"de_code": "99999999"}, 404, "de_code"),
        ({"de_code": CHERNIHIV, "ua_code": POTSDAM}, 422, "de_code"),
        ({"start_date": "2023-05-01", "end_date": "2022-01-01"}, 422, "end_date"),
        ({"start_date": "2023-05-01", "start_year": 2022}, 422, "start_year"),
        ({"sources": []}, 400, "sources"),
        ({"sources": [{"publisher": "nobody"}]}, 422, "url"),
        ({"kind": "twinning"}, 400, "kind"),
        ({"topics": ["Water Supply"]}, 400, "topics[0]"),
    ],
)
def test_invalid_partnerships_are_refused_naming_the_field(
    live_api: LiveApi, change: dict[str, Any], status: int, field: str
) -> None:
    body = {"de_code": POTSDAM, "ua_code": NIZHYN, "kind": "friendship", "sources": [SOURCE]} | change
    response = httpx.post(f"{live_api.url}/api/partnerships", json=body, headers=live_api.editor)
    assert response.status_code == status, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (
        httpx.get(
            f"{live_api.url}/api/partnerships", params={"municipality": POTSDAM, "hromada": NIZHYN}
        ).json()["total"]
        == 0
    )


def test_the_same_pair_cannot_be_created_twice(live_api: LiveApi, created: dict[str, Any]) -> None:
    body = {
        "de_code": created["de"]["code"],
        "ua_code": created["ua"]["code"],
        "kind": "partnership",
        "sources": [SOURCE],
    }
    response = httpx.post(f"{live_api.url}/api/partnerships", json=body, headers=live_api.editor)
    assert response.status_code == 409
    assert f"partnership {created['id']} already links" in response.json()["detail"]


def test_the_etag_flow(live_api: LiveApi, created: dict[str, Any]) -> None:
    url, pid = f"{live_api.url}{created['location']}", created["id"]

    def patch(body: dict[str, Any], **headers: str) -> httpx.Response:
        return httpx.patch(url, json=body, headers=live_api.editor | headers)

    missing = patch({"notes": "no precondition"})
    assert missing.status_code == 428
    assert missing.json()["errors"][0]["field"] == "If-Match"
    assert patch({"notes": "wildcard"}, **{"If-Match": "*"}).status_code == 428
    assert patch({"notes": "other record"}, **{"If-Match": f'"partnership-{pid + 1}-v1"'}).status_code == 412
    first = patch({"notes": "first edit", "topics": ["water", "schools"]}, **{"If-Match": created["etag"]})
    assert first.status_code == 200
    assert first.headers["etag"] == f'"partnership-{pid}-v2"'
    assert first.json()["topics"] == ["schools", "water"]
    stale = patch({"notes": "stale edit"}, **{"If-Match": created["etag"]})
    assert stale.status_code == 412
    assert "nothing was written" in stale.json()["detail"]
    weak = patch({"status": "ended", "end_date": "2025-12-31"}, **{"If-Match": "W/" + first.headers["etag"]})
    assert weak.status_code == 200, weak.text
    current = httpx.get(url).json()
    assert (current["notes"], current["status"], current["version"]) == ("first edit", "ended", 3)
    assert httpx.get(f"{live_api.url}/api/partnerships", params={"topic": "water"}).json()["total"] >= 1


def test_a_change_that_changes_nothing_writes_nothing_but_still_needs_the_current_etag(
    live_api: LiveApi, created: dict[str, Any]
) -> None:
    url = f"{live_api.url}{created['location']}"
    same = httpx.patch(
        url, json={"kind": "solidarity"}, headers=live_api.editor | {"If-Match": created["etag"]}
    )
    assert same.status_code == 200
    assert same.headers["etag"] == created["etag"]
    history = httpx.get(f"{url}/history").json()
    assert [e["action"] for e in history["items"]] == ["create"]


def test_two_concurrent_writers_never_overwrite_each_other(
    live_api: LiveApi, created: dict[str, Any]
) -> None:
    url, etag = f"{live_api.url}{created['location']}", created["etag"]
    for round_ in range(5):
        barrier = threading.Barrier(2)
        results: dict[str, httpx.Response] = {}

        def write(
            name: str,
            read_etag: str = etag,
            n: int = round_,
            barrier: threading.Barrier = barrier,
            results: dict[str, httpx.Response] = results,
        ) -> None:
            with httpx.Client(headers=live_api.editor) as client:
                barrier.wait()  # both writers read the same version, then write at the same moment
                results[name] = client.patch(
                    url, json={"notes": f"{name} {n}"}, headers={"If-Match": read_etag}
                )

        threads = [threading.Thread(target=write, args=(name,)) for name in ("anna", "bohdan")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(r.status_code for r in results.values())
        assert statuses == [200, 412], {k: (r.status_code, r.text) for k, r in results.items()}
        winner = next(name for name, r in results.items() if r.status_code == 200)
        current = httpx.get(url)
        assert current.json()["notes"] == f"{winner} {round_}"
        assert current.json()["version"] == round_ + 2
        etag = current.headers["etag"]
    updates = httpx.get(f"{url}/history").json()["items"]
    assert [e["action"] for e in updates] == ["update"] * 5 + ["create"]


def test_writers_that_retry_on_412_lose_no_update(live_api: LiveApi, created: dict[str, Any]) -> None:
    url = f"{live_api.url}{created['location']}"
    names = [f"w{i}" for i in range(6)]

    def add_my_topic(name: str) -> None:
        with httpx.Client(headers=live_api.editor) as client:
            while True:
                current = client.get(url)
                topics = current.json()["topics"]
                answer = client.patch(
                    url, json={"topics": [*topics, name]}, headers={"If-Match": current.headers["etag"]}
                )
                if answer.status_code == 200:
                    return
                assert answer.status_code == 412, answer.text

    threads = [threading.Thread(target=add_my_topic, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = httpx.get(url).json()
    assert final["topics"] == sorted(names)
    assert final["version"] == 1 + len(names)


def test_the_audit_trail_records_who_when_before_and_after(
    live_api: LiveApi, created: dict[str, Any]
) -> None:
    url, pid = f"{live_api.url}{created['location']}", created["id"]
    edited = httpx.patch(
        url, json={"notes": "charter signed"}, headers=live_api.editor | {"If-Match": created["etag"]}
    )
    added = httpx.post(
        f"{url}/sources",
        json={"citation": "Amtsblatt 12/2023", "role": "also"},
        headers=live_api.editor | {"If-Match": edited.headers["etag"]},
    )
    assert added.status_code == 201
    assert len(added.json()["sources"]) == 2
    duplicate = httpx.post(
        f"{url}/sources",
        json={"citation": "Amtsblatt 12/2023"},
        headers=live_api.editor | {"If-Match": added.headers["etag"]},
    )
    assert duplicate.status_code == 409
    primary = next(s for s in added.json()["sources"] if s["role"] == "primary")
    removed = httpx.delete(
        f"{url}/sources/{primary['id']}", headers=live_api.editor | {"If-Match": added.headers["etag"]}
    )
    assert removed.status_code == 200
    assert [s["citation"] for s in removed.json()["sources"]] == ["Amtsblatt 12/2023"]
    last = removed.json()["sources"][0]["id"]
    kept = httpx.delete(
        f"{url}/sources/{last}", headers=live_api.editor | {"If-Match": removed.headers["etag"]}
    )
    assert kept.status_code == 422
    forbidden = httpx.delete(url, headers=live_api.editor | {"If-Match": removed.headers["etag"]})
    assert forbidden.status_code == 403
    deleted = httpx.delete(url, headers=live_api.admin | {"If-Match": removed.headers["etag"]})
    assert deleted.status_code == 204
    assert httpx.get(url).status_code == 404

    events = httpx.get(f"{url}/history").json()
    assert "items" in events, events
    assert [e["action"] for e in events["items"]] == [
        "delete",
        "remove_source",
        "add_source",
        "update",
        "create",
    ]
    assert [e["actor"] for e in events["items"]] == ["test admin"] + ["test editor"] * 4
    delete, remove, add, update, create = events["items"]
    assert update["before"]["notes"] is None
    assert update["after"]["notes"] == "charter signed"
    assert update["before"]["version"] == 1
    assert update["after"]["version"] == 2
    assert len(add["after"]["sources"]) == len(add["before"]["sources"]) + 1
    assert [s["citation"] for s in remove["after"]["sources"]] == ["Amtsblatt 12/2023"]
    assert create["before"] is None
    assert create["after"]["de_code"] == created["de"]["code"]
    assert delete["after"] is None
    assert delete["before"]["notes"] == "charter signed"
    assert create["at"] <= update["at"] <= delete["at"]
    across = httpx.get(f"{live_api.url}/api/audit", params={"entity": "partnership", "key": str(pid)}).json()
    assert across["items"] == events["items"]


def test_needs_and_offers(live_api: LiveApi) -> None:
    api, editor = live_api.url, live_api.editor
    need = {
        "category": "water",
        "priority": 1,
        "note": "pumping stations",
        "stated_on": "2025-03-01",
        "source": {"url": "https://example.org/needs"},
    }
    created = httpx.post(f"{api}/api/municipalities/{CHERNIHIV}/needs", json=need, headers=editor)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["category_label_en"], body["priority"], body["source"]["url"]) == (
        "Water supply and wastewater",
        1,
        "https://example.org/needs",
    )
    for path, payload, status in [
        (f"/api/municipalities/{CHERNIHIV}/needs", need, 409),  # one need per category
        (f"/api/municipalities/{CHERNIHIV}/needs", {"category": "teleportation"}, 422),
        (f"/api/municipalities/{TELTOW}/needs", {"category": "water"}, 422),  # Germans offer, not need
        ("/api/municipalities/UA74000000000025378/needs", {"category": "water"}, 422),  # an oblast
        (f"/api/municipalities/{CHERNIHIV}/offers", {"category": "water"}, 422),
        (f"/api/municipalities/{CHERNIHIV}/needs", {"category": "water", "priority": 4}, 400),
    ]:
        assert httpx.post(f"{api}{path}", json=payload, headers=editor).status_code == status, path
    offer = httpx.post(
        f"{api}/api/municipalities/{TELTOW}/offers",
        json={"category": "water", "note": "Stadtwerke operator partnership"},
        headers=editor,
    )
    assert offer.status_code == 201
    need_url = f"{api}/api/needs/{body['id']}"
    changed = httpx.patch(
        need_url, json={"priority": 2, "source": None}, headers=editor | {"If-Match": created.headers["etag"]}
    )
    assert changed.status_code == 200
    assert changed.json()["priority"] == 2
    assert changed.json()["source"] is None
    listed = httpx.get(
        f"{api}/api/needs", params={"region": "UA74000000000025378", "category": "water"}
    ).json()
    assert [n["id"] for n in listed["items"]] == [body["id"]]
    assert httpx.get(f"{api}/api/offers", params={"municipality": TELTOW}).json()["total"] == 1
    page = httpx.get(f"{api}/api/municipalities/{CHERNIHIV}").json()
    assert [n["category"] for n in page["needs"]] == ["water"]
    stats = httpx.get(f"{api}/api/stats").json()
    assert stats["needs_by_category"]["water"] >= 1
    assert stats["offers_by_category"]["water"] >= 1
    history = httpx.get(f"{api}/api/municipalities/{CHERNIHIV}/history").json()["items"]
    assert [(e["entity"], e["action"]) for e in history[:2]] == [("need", "update"), ("need", "create")]
    assert history[0]["before"]["priority"] == 1
    assert history[0]["after"]["priority"] == 2
    gone = httpx.delete(need_url, headers=editor | {"If-Match": changed.headers["etag"]})
    assert gone.status_code == 204
    assert httpx.get(need_url).status_code == 404


def test_facts_change_with_their_source_and_name_search_still_works(live_api: LiveApi) -> None:
    url = f"{live_api.url}/api/municipalities/{NIZHYN}"
    before = httpx.get(url)
    body = {
        "population": 65_000,
        "population_date": "2025-01-01",
        "area_km2": 42.5,
        "source": {"url": "https://example.org/census", "publisher": "city council"},
    }
    changed = httpx.patch(url, json=body, headers=live_api.editor | {"If-Match": before.headers["etag"]})
    assert changed.status_code == 200, changed.text
    facts = changed.json()
    assert facts["population"] == 65_000
    assert facts["fact_sources"]["population"]["url"] == "https://example.org/census"
    assert facts["area_km2"] == 42.5
    assert facts["fact_sources"]["area"]["url"] == "https://example.org/census"
    assert facts["version"] == before.json()["version"] + 1
    stale = httpx.patch(
        url, json=body | {"population": 1}, headers=live_api.editor | {"If-Match": before.headers["etag"]}
    )
    assert stale.status_code == 412
    assert httpx.get(url).json()["population"] == 65_000
    german = httpx.get(f"{live_api.url}/api/municipalities/{TELTOW}")
    refused = httpx.patch(
        f"{live_api.url}/api/municipalities/{TELTOW}",
        json={"war_status": "occupied", "source": SOURCE},
        headers=live_api.editor | {"If-Match": german.headers["etag"]},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "war_status"
    negative = httpx.patch(
        f"{live_api.url}/api/municipalities/{TELTOW}",
        json={"area_km2": -1, "source": SOURCE},
        headers=live_api.editor | {"If-Match": german.headers["etag"]},
    )
    assert negative.status_code == 400
    assert negative.json()["errors"][0]["field"] == "area_km2"
    found = httpx.get(f"{live_api.url}/api/municipalities", params={"q": "Nischyn"}).json()
    assert found["items"][0]["code"] == NIZHYN
    events = httpx.get(f"{url}/history").json()["items"]
    assert events[0]["before"]["population"] == before.json()["population"]
    assert events[0]["after"]["population"] == 65_000
    assert events[0]["after"]["area_km2"] == 42.5


@pytest.mark.parametrize("empty", [{}, {"publisher": "nobody"}], ids=["empty", "publisher-only"])
def test_every_write_refuses_a_source_without_url_or_citation(
    live_api: LiveApi, empty: dict[str, Any]
) -> None:
    """One rule for sources (issue 9): a facts PATCH used to take ``"source": {}`` and record a fact
    with an empty source, while a new partnership refused it. Each write answers 422 naming ``url``
    and writes nothing: no new version, no audit event."""
    facts_url = f"{live_api.url}/api/municipalities/{NIZHYN}"
    before = httpx.get(facts_url)
    history = httpx.get(f"{facts_url}/history").json()["total"]
    needs = httpx.get(f"{live_api.url}/api/needs", params={"municipality": NIZHYN}).json()["total"]
    need_body = {"category": "water", "priority": 1, "source": empty}
    partnership_body = {"de_code": POTSDAM, "ua_code": NIZHYN, "kind": "friendship", "sources": [empty]}
    answers = {
        "facts": httpx.patch(
            facts_url,
            json={"population": 1, "source": empty},
            headers=live_api.editor | {"If-Match": before.headers["etag"]},
        ),
        "partnership": httpx.post(
            f"{live_api.url}/api/partnerships", json=partnership_body, headers=live_api.editor
        ),
        "need": httpx.post(f"{facts_url}/needs", json=need_body, headers=live_api.editor),
    }
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 422)
    assert all(a.json()["errors"][0]["field"] == "url" for a in answers.values())
    after = httpx.get(facts_url).json()
    assert (after["version"], after["population"]) == (before.json()["version"], before.json()["population"])
    assert httpx.get(f"{facts_url}/history").json()["total"] == history
    assert httpx.get(f"{live_api.url}/api/needs", params={"municipality": NIZHYN}).json()["total"] == needs


def test_writes_are_rate_limited_per_key(live_api: LiveApi, start_server: Any) -> None:
    limited: Settings = replace(live_api.settings, write_rate_limit_per_minute=3)
    url = start_server(limited)
    answers = [
        httpx.post(f"{url}/api/partnerships", json={"kind": "nonsense"}, headers=live_api.editor).status_code
        for _ in range(4)
    ]
    assert answers == [400, 400, 400, 429]
    refused = httpx.post(f"{url}/api/partnerships", json={}, headers=live_api.editor)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (
        httpx.post(f"{url}/api/partnerships", json={}, headers=live_api.admin).status_code == 400
    )  # its own budget
    assert httpx.get(f"{url}/api/partnerships").status_code == 200  # reads are not limited


def test_oversized_bodies_are_refused(live_api: LiveApi) -> None:
    body = {
        "de_code": POTSDAM,
        "ua_code": NIZHYN,
        "kind": "friendship",
        "sources": [SOURCE],
        "notes": "x" * 2_000_000,
    }
    response = httpx.post(f"{live_api.url}/api/partnerships", json=body, headers=live_api.editor)
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_reads_see_writes_made_by_other_processes(live_api: LiveApi) -> None:
    """The read cache notices a change another process made (here: the repository, as the CLI would)."""
    url = f"{live_api.url}/api/offers"
    params = {"municipality": "12052000", "category": "education"}
    assert httpx.get(url, params=params).json()["total"] == 0  # now cached
    engine = db.make_engine(live_api.settings)
    with db.transaction(db.make_sessionmaker(engine)) as session:
        declared.create_declared(
            session,
            declared.OFFER,
            "12052000",
            {"category": "education", "note": "schools"},
            Actor("cli:test"),
        )
    engine.dispose()
    deadline = time.monotonic() + 5
    while httpx.get(url, params=params).json()["total"] == 0:
        assert time.monotonic() < deadline, "the cached answer outlived the change"
        time.sleep(0.2)


def test_a_list_page_shows_each_partnership_as_its_own_page_does(
    live_api: LiveApi, created: dict[str, Any]
) -> None:
    """Topics and sources come with the page's one query (JSON built by the database): alphabetical
    topics, the primary source first, then the others by id, as on the record's own page."""
    url = f"{live_api.url}{created['location']}"
    etag = created["etag"]
    for citation in ("Amtsblatt 3/2024", "Amtsblatt 1/2024"):
        added = httpx.post(
            f"{url}/sources",
            json={"citation": citation, "role": "also"},
            headers=live_api.editor | {"If-Match": etag},
        )
        assert added.status_code == 201, added.text
        etag = added.headers["etag"]
    edited = httpx.patch(
        url, json={"topics": ["water", "culture", "schools"]}, headers=live_api.editor | {"If-Match": etag}
    )
    assert edited.status_code == 200, edited.text
    page = httpx.get(
        f"{live_api.url}/api/partnerships", params={"hromada": created["ua"]["code"], "limit": 50}
    )
    assert page.status_code == 200
    [listed] = [p for p in page.json()["items"] if p["id"] == created["id"]]
    own = httpx.get(url).json()
    assert listed == own
    assert listed["topics"] == ["culture", "schools", "water"]
    roles = [s["role"] for s in listed["sources"]]
    assert roles == ["primary", "also", "also"]
    ids = [s["id"] for s in listed["sources"][1:]]
    assert ids == sorted(ids)
    assert [s["citation"] for s in listed["sources"][1:]] == ["Amtsblatt 3/2024", "Amtsblatt 1/2024"]
