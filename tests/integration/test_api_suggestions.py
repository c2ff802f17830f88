"""Partner suggestions, pair explanations and the coverage plan over real HTTP on the subset database."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import httpx
import pandas as pd
import pytest

from registry.matching.criteria import CRITERIA

if TYPE_CHECKING:
    from tests.conftest import LiveApi

TELTOW = "12069616"  # partner of Khotyn (Chernivtsi oblast) since 2023
KHOTYN = "UA73040190000062796"
CHERNIHIV = "UA74100390000073425"
COTTBUS = "12052000"
ALL_ZERO = ",".join(f"{name}=0" for name in CRITERIA)
SUBSET_OBLASTS = {"UA74000000000025378", "UA73000000000044923", "UA21000000000011690"}


def test_suggestions_for_a_german_town_are_unpartnered_hromadas_best_first(live_api: LiveApi) -> None:
    response = httpx.get(f"{live_api.url}/api/suggestions", params={"for": TELTOW, "limit": 25})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subject"] == {
        "code": TELTOW,
        "name": body["subject"]["name"],
        "country": "DE",
        "level": "stadt",
        "note": None,
    }
    assert body["blend"] == 0.25
    items = body["items"]
    assert len(items) == 25
    assert [item["rank"] for item in items] == list(range(1, 26))
    assert all(item["candidates"] >= 25 for item in items)
    assert all(item["code"].startswith("UA") for item in items)
    assert KHOTYN not in {item["code"] for item in items}  # already Teltow's partner
    assert "occupied" not in {flag for item in items for flag in item["flags"]}  # excluded by default
    first = items[0]
    assert set(first["criteria"]) == set(body["weights"])
    assert first["explanation_de"]
    assert first["explanation_en"]
    assert first["explanation_uk"]
    assert len({first["explanation_de"], first["explanation_en"], first["explanation_uk"]}) == 3


def test_explanations_name_the_hromada_in_each_readers_language(live_api: LiveApi) -> None:
    body = httpx.get(f"{live_api.url}/api/suggestions", params={"for": TELTOW, "limit": 0}).json()
    teltow, items = body["subject"]["name"], body["items"]
    chernihiv = next(item for item in items if item["code"] == CHERNIHIV)
    uk = chernihiv["name_uk"]  # Чернігів
    assert chernihiv["explanation_de"].startswith(
        f"{teltow} \u2013 Tschernihiw / {uk} (Rajon Tschernihiw, Oblast Tschernihiw): Rang "
    )
    assert chernihiv["explanation_en"].startswith(
        f"{teltow} \u2013 Chernihiv / {uk} (Chernihiv raion, Chernihiv oblast): Rank "
    )
    assert chernihiv["explanation_uk"].startswith(
        f"{teltow} \u2013 {uk} (Чернігівський район, Чернігівська область): Місце "
    )
    german_oblasts = ("Oblast Tschernihiw", "Oblast Tscherniwzi", "Oblast Transkarpatien")
    for item in items:
        assert f"{teltow} \u2013 {item['name']} / {item['name_uk']}" in item["explanation_en"]
        if item["code"][:4] in {"UA74", "UA73", "UA21"}:  # not Kyiv, its own region
            assert any(oblast in item["explanation_de"] for oblast in german_oblasts), item["explanation_de"]
            assert " oblast)" in item["explanation_en"]
    pair = httpx.get(
        f"{live_api.url}/api/suggestions/explain", params={"de": COTTBUS, "ua": CHERNIHIV}
    ).json()
    assert f"\u2013 Tschernihiw / {uk} (Rajon Tschernihiw, Oblast Tschernihiw)" in pair["explanation_de"]
    assert f"\u2013 Chernihiv / {uk} (Chernihiv raion, Chernihiv oblast)" in pair["explanation_en"]


@pytest.mark.parametrize("spelling", ["Чернігів", "Tschernihiw", "Chernihiv"])
def test_a_hromada_found_by_any_spelling_gets_german_candidates(live_api: LiveApi, spelling: str) -> None:
    body = httpx.get(f"{live_api.url}/api/suggestions", params={"for": spelling, "limit": 5}).json()
    assert body["subject"]["code"] == CHERNIHIV
    assert len(body["items"]) == 5
    assert all(not item["code"].startswith("UA") for item in body["items"])


def test_filters_and_weights_change_the_ranking(live_api: LiveApi) -> None:
    url = f"{live_api.url}/api/suggestions"
    chernivtsi = "UA73000000000044923"
    only = httpx.get(url, params={"for": COTTBUS, "limit": 0, "oblast": chernivtsi}).json()["items"]
    everywhere = httpx.get(url, params={"for": COTTBUS, "limit": 0}).json()["items"]
    assert 0 < len(only) < len(everywhere)
    chernivtsi_codes = {i["code"] for i in everywhere if i["code"].startswith("UA73")}
    assert {i["code"] for i in only} == chernivtsi_codes
    size_only = httpx.get(
        url,
        params={
            "for": COTTBUS,
            "limit": 5,
            "weights": ",".join(f"{name}=0" for name in CRITERIA if name != "size"),
        },
    ).json()
    assert set(size_only["items"][0]["weighted"]) >= {"size"}
    assert all(v == 0 for k, v in size_only["items"][0]["weighted"].items() if k != "size")


def test_an_explained_pair_that_is_already_partnered_says_so(live_api: LiveApi) -> None:
    response = httpx.get(f"{live_api.url}/api/suggestions/explain", params={"de": TELTOW, "ua": KHOTYN})
    assert response.status_code == 200, response.text
    pair = response.json()
    assert (pair["de_code"], pair["ua_code"], pair["suggestible"]) == (TELTOW, KHOTYN, False)
    assert "already_partnered" in pair["flags"]
    assert pair["rank"] is None


def test_a_declared_need_met_by_an_offer_raises_the_pair_and_is_explained(live_api: LiveApi) -> None:
    explain = f"{live_api.url}/api/suggestions/explain"
    before = httpx.get(explain, params={"de": COTTBUS, "ua": CHERNIHIV}).json()
    assert before["criteria"]["declared"] == 0
    need = {"category": "energy_heating", "priority": 1}
    created = httpx.post(
        f"{live_api.url}/api/municipalities/{CHERNIHIV}/needs", json=need, headers=live_api.editor
    )
    assert created.status_code == 201, created.text
    offered = httpx.post(
        f"{live_api.url}/api/municipalities/{COTTBUS}/offers",
        json={"category": "energy_heating"},
        headers=live_api.editor,
    )
    assert offered.status_code == 201, offered.text
    after = httpx.get(
        explain, params={"de": COTTBUS, "ua": CHERNIHIV}
    ).json()  # the write invalidated the cache
    assert after["criteria"]["declared"] > 0
    assert after["score"] > before["score"]
    label = created.json()["category_label_en"]
    assert label in after["explanation_en"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"for": "Xyzzyqwv Nowhere"}, 404),
        ({"for": TELTOW, "weights": "size=abc"}, 400),
        ({"for": TELTOW, "weights": ALL_ZERO}, 422),
        ({"for": TELTOW, "limit": -1}, 400),
        ({"for": TELTOW, "colour": "blue"}, 400),
        ({"for": TELTOW, "blend": 2}, 400),
    ],
)
def test_bad_requests_get_problem_details(live_api: LiveApi, params: dict[str, object], status: int) -> None:
    response = httpx.get(f"{live_api.url}/api/suggestions", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


def test_a_land_gets_oblasts_and_turned_down_pairs_stay_out(live_api: LiveApi) -> None:
    url = f"{live_api.url}/api/suggestions"
    land = httpx.get(url, params={"for": "12", "limit": 0}).json()  # Brandenburg
    assert land["subject"]["level"] == "land"
    assert {item["level"] for item in land["items"]} <= {"oblast", "city_special_status"}
    everything = {i["code"] for i in httpx.get(url, params={"for": COTTBUS, "limit": 0}).json()["items"]}
    assert CHERNIHIV in everything
    turned_down = httpx.get(url, params={"for": COTTBUS, "limit": 0, "exclude": [CHERNIHIV]}).json()["items"]
    assert {i["code"] for i in turned_down} == everything - {CHERNIHIV}


def test_the_coverage_plan_uses_each_german_municipality_once(live_api: LiveApi) -> None:
    plan = httpx.get(f"{live_api.url}/api/plan", timeout=120)
    assert plan.status_code == 200, plan.text
    body = plan.json()
    de_codes = [a["de_code"] for a in body["assignments"]]
    assert de_codes
    assert len(de_codes) == len(set(de_codes))
    assert {a["oblast_code"] for a in body["assignments"]} <= SUBSET_OBLASTS
    assert sum(r["assigned"] for r in body["by_oblast"]) == len(de_codes)
    csv = httpx.get(f"{live_api.url}/api/plan.csv", timeout=120)
    assert csv.status_code == 200
    frame = pd.read_csv(io.StringIO(csv.text), dtype=str)
    assert list(frame["de_code"]) == de_codes
