"""Reads over real HTTP: lists with filters, pagination and totals, name search, a municipality's page,
statistics, problem details for bad requests, and the OpenAPI schema with its docs page."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from registry import db
from tests import subset

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import LiveApi

CHERNIHIV = "UA74100390000073425"  # the hromada of the city
CHERNIHIV_OBLAST = "UA74000000000025378"
Item = dict[str, Any]


def _all(api: LiveApi, path: str, params: dict[str, Any]) -> tuple[list[Item], int]:
    """Fetch every page of a list; return the items and the total the first page announced."""
    items: list[Item] = []
    total = None
    while True:
        response = httpx.get(f"{api.url}{path}", params={**params, "limit": 7, "offset": len(items)})
        assert response.status_code == 200, response.text
        page = response.json()
        total = page["total"] if total is None else total
        assert page["total"] == total  # the count does not change between pages
        items += page["items"]
        if not page["items"]:
            return items, total


@pytest.mark.parametrize(
    ("params", "holds"),
    [
        ({"country": "UA", "level": "oblast"}, lambda m: m["country"] == "UA" and m["level"] == "oblast"),
        (
            {"region": "12", "level": ["stadt", "gemeinde"], "population_min": 20000},
            lambda m: m["region_code"] == "12" and m["population"] >= 20000,
        ),
        (
            {"district": "UA74100000000047140", "population_max": 5000},
            lambda m: m["district_code"] == "UA74100000000047140" and m["population"] <= 5000,
        ),
        ({"has_partner": "true"}, lambda m: m["partnership_count"] > 0),
        (
            {"country": "UA", "has_partner": "false", "level": "hromada", "region": CHERNIHIV_OBLAST},
            lambda m: m["partnership_count"] == 0 and m["region_code"] == CHERNIHIV_OBLAST,
        ),
        (
            {"war_status": ["active_hostilities", "occupied"]},
            lambda m: m["war_status"] in {"active_hostilities", "occupied"},
        ),
    ],
)
def test_municipality_filters_hold_for_every_item_and_the_total_counts_them(
    live_api: LiveApi, params: dict[str, Any], holds: Callable[[Item], bool]
) -> None:
    items, total = _all(live_api, "/api/municipalities", params)
    assert items, "the filter should match something in the subset"
    assert all(holds(m) for m in items), [m for m in items if not holds(m)][:3]
    assert total == len(items) == len({m["code"] for m in items})


def test_pages_follow_a_stable_order_with_ties_broken(live_api: LiveApi) -> None:
    params = {"region": "12", "sort": "-population", "level": "stadt"}
    paged, total = _all(live_api, "/api/municipalities", params)
    whole = httpx.get(f"{live_api.url}/api/municipalities", params={**params, "limit": 500}).json()
    assert [m["code"] for m in paged] == [m["code"] for m in whole["items"]]
    populations = [m["population"] for m in paged if m["population"] is not None]
    assert populations == sorted(populations, reverse=True)
    assert total == whole["total"] > 7


@pytest.mark.parametrize("spelling", ["Chernihiv", "Tschernihiw", "Чернігів", "Chernigov"])
def test_name_search_finds_a_hromada_in_any_spelling(live_api: LiveApi, spelling: str) -> None:
    found = httpx.get(f"{live_api.url}/api/municipalities", params={"q": spelling, "country": "UA"}).json()
    assert found["items"][0]["code"] == CHERNIHIV
    assert found["items"][0]["score"] > 80


def test_name_search_combines_with_filters(live_api: LiveApi) -> None:
    found = httpx.get(
        f"{live_api.url}/api/municipalities", params={"q": "Chernihiv", "level": "oblast"}
    ).json()
    assert [m["code"] for m in found["items"]] == [CHERNIHIV_OBLAST]
    assert found["total"] == 1


@pytest.mark.parametrize(
    ("params", "holds"),
    [
        ({"land": "12"}, lambda p: p["de"]["region_code"] == "12"),
        ({"oblast": CHERNIHIV_OBLAST}, lambda p: p["ua"]["region_code"] == CHERNIHIV_OBLAST),
        ({"hromada": CHERNIHIV}, lambda p: p["ua"]["code"] == CHERNIHIV),
        ({"municipality": "12069616"}, lambda p: p["de"]["code"] == "12069616"),  # Teltow
        ({"kind": ["solidarity", "friendship"]}, lambda p: p["kind"] in {"solidarity", "friendship"}),
        (
            {"status": "active", "start_year_min": 2022},
            lambda p: p["status"] == "active" and p["start_year"] >= 2022,
        ),
        ({"start_year_max": 2021}, lambda p: p["start_year"] <= 2021),
        ({"text": "Tschernihiw"}, lambda p: p["ua"]["code"] == CHERNIHIV),
    ],
)
def test_partnership_filters_hold_for_every_item(
    live_api: LiveApi, params: dict[str, Any], holds: Callable[[Item], bool]
) -> None:
    items, total = _all(live_api, "/api/partnerships", params)
    assert items, "the filter should match something in the subset"
    assert all(holds(p) for p in items)
    assert total == len(items)
    assert all(p["sources"] for p in items)  # every partnership cites a source


def test_a_kreis_filter_takes_its_members_and_a_code_of_a_settlement_finds_its_hromada(
    live_api: LiveApi,
) -> None:
    everything, _ = _all(live_api, "/api/partnerships", {})
    kreis = next(p["de"]["district_code"] for p in everything if p["de"]["district_code"])
    in_kreis, _ = _all(live_api, "/api/partnerships", {"kreis": kreis})
    assert {p["id"] for p in in_kreis} == {
        p["id"] for p in everything if kreis in (p["de"]["district_code"], p["de"]["code"])
    }
    page = httpx.get(f"{live_api.url}/api/municipalities/UA74100390010054825")  # Chernihiv the city itself
    assert page.status_code == 200
    assert page.json()["code"] == CHERNIHIV


def test_a_municipality_page_shows_facts_sources_and_partnerships(live_api: LiveApi) -> None:
    response = httpx.get(f"{live_api.url}/api/municipalities/{CHERNIHIV}")
    assert response.status_code == 200
    page = response.json()
    assert response.headers["etag"] == f'"municipality-{CHERNIHIV}-v{page["version"]}"'
    assert page["name_uk"] == "Чернігів"
    assert "Tschernihiw" in page["names"]
    assert page["population"] > 250_000
    assert page["fact_sources"]["population"]["citation"]
    assert page["area_km2"] > 0
    assert page["fact_sources"]["area"] == page["fact_sources"]["population"]  # both from ua/hromadas.csv
    assert page["partnerships"]
    assert all(p["ua"]["code"] == CHERNIHIV for p in page["partnerships"])
    assert all(s["url"] or s["citation"] for p in page["partnerships"] for s in p["sources"])
    assert page["partnership_count"] == len(page["partnerships"])
    # stored in UTC, and said so, as every timestamp the API sends (SQLite keeps it without its zone)
    assert dt.datetime.fromisoformat(page["updated_at"]).utcoffset() == dt.timedelta(0)


def test_statistics_add_up_and_show_the_growth_since_2022(live_api: LiveApi) -> None:
    stats = httpx.get(f"{live_api.url}/api/stats").json()
    total = httpx.get(f"{live_api.url}/api/partnerships", params={"limit": 1}).json()["total"]
    assert (
        stats["total"] == total == sum(r["count"] for r in stats["by_land"]) == sum(stats["by_kind"].values())
    )
    assert sum(r["count"] for r in stats["by_oblast"]) == total == sum(stats["by_status"].values())
    years = stats["by_start_year"]
    assert years[-1]["cumulative"] + stats["start_year_unknown"] == total
    assert stats["started_since_invasion"] == sum(y["count"] for y in years if y["year"] >= 2022) > 0
    brandenburg = httpx.get(f"{live_api.url}/api/stats", params={"land": "12"}).json()
    assert brandenburg["total"] == next(r["count"] for r in stats["by_land"] if r["code"] == "12")
    assert [r["code"] for r in brandenburg["by_land"]] == ["12"]


def test_statistics_list_every_land_and_oblast_with_zeros(live_api: LiveApi) -> None:
    stats = httpx.get(f"{live_api.url}/api/stats").json()
    assert {r["code"] for r in stats["by_land"]} == subset.LANDS
    assert {r["code"] for r in stats["by_oblast"]} == subset.OBLASTS | subset.SPECIAL
    counts = [r["count"] for r in stats["by_oblast"]]
    assert counts == sorted(counts, reverse=True)
    assert counts[-1] == 0  # Sevastopol: shown, not left out
    chernihiv = httpx.get(f"{live_api.url}/api/stats", params={"oblast": "Tschernihiw"}).json()
    assert [r["code"] for r in chernihiv["by_oblast"]] == [CHERNIHIV_OBLAST]  # that side is narrowed
    assert {r["code"] for r in chernihiv["by_land"]} == subset.LANDS  # the German side keeps its zeros


def test_the_vocabulary_has_three_languages(live_api: LiveApi) -> None:
    categories = httpx.get(f"{live_api.url}/api/categories").json()
    assert len(categories) == 16
    assert categories[0]["code"] == "water"
    assert all(c["label_de"] and c["label_en"] and c["label_uk"] for c in categories)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("GET", "/api/municipalities?colour=red", None, 400, "colour"),
        ("GET", "/api/partnerships?limit=0", None, 400, "limit"),
        ("GET", "/api/partnerships?kind=twinning", None, 400, "kind"),
        ("GET", "/api/partnerships?land=%27%3B%20drop", None, 400, "land"),
        ("GET", "/api/municipalities?population_min=lots", None, 400, "population_min"),
        ("GET", "/api/partnerships/99999", None, 404, None),
        ("GET", "/api/partnerships/0", None, 400, "partnership_id"),
        ("GET", "/api/municipalities/00000000", None, 404, None),
        ("GET", "/api/nowhere", None, 404, None),
        ("PUT", "/api/partnerships", b"{}", 405, None),
        ("POST", "/api/partnerships", b"{not json", 400, None),
        ("POST", "/api/partnerships", b'{"de_code": "12054000", "colour": 1}', 400, "colour"),
    ],
)
def test_bad_requests_get_problem_details_naming_the_field(
    live_api: LiveApi, method: str, path: str, body: bytes | None, status: int, field: str | None
) -> None:
    headers = {**live_api.editor, "content-type": "application/json"}
    response = httpx.request(method, f"{live_api.url}{path}", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    assert problem["type"].startswith("urn:registry:problem:")
    assert problem["instance"] == path.split("?")[0]
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]]


def test_health(live_api: LiveApi) -> None:
    head = db.head_revision(live_api.settings)
    assert httpx.get(f"{live_api.url}/health").json() == {"status": "ok", "revision": head}


def test_the_schema_documents_every_endpoint_and_the_docs_page_renders_it(live_api: LiveApi) -> None:
    schema = httpx.get(f"{live_api.url}/schema/openapi.json").json()
    expected = {
        "/api/municipalities",
        "/api/municipalities/{code}",
        "/api/municipalities/{code}/history",
        "/api/municipalities/{code}/needs",
        "/api/municipalities/{code}/offers",
        "/api/partnerships",
        "/api/partnerships/{partnership_id}",
        "/api/partnerships/{partnership_id}/sources",
        "/api/partnerships/{partnership_id}/sources/{source_id}",
        "/api/partnerships/{partnership_id}/history",
        "/api/partnerships/import",
        "/api/partnerships.csv",
        "/api/partnerships.geojson",
        "/api/municipalities.csv",
        "/api/municipalities.geojson",
        "/api/stats",
        "/api/categories",
        "/api/needs",
        "/api/needs/{need_id}",
        "/api/offers",
        "/api/offers/{offer_id}",
        "/api/audit",
    }
    assert expected <= set(schema["paths"])
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            bad = operation["responses"].get("400", {}).get("content", {})
            assert list(bad) == ["application/problem+json"], f"{method} {path}"
            if method in {"post", "patch", "delete"}:
                assert operation["security"] == [{"apiKey": []}]
    assert schema["components"]["schemas"]["PartnershipIn"]["additionalProperties"] is False
    docs = httpx.get(f"{live_api.url}/schema")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "/api/partnerships/import" in docs.text
