"""Filter values by name as well as by code, over real HTTP on the whole bundled data: the same rows as
the code gives; a name that names nothing or several is a 400 problem naming the candidates."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest

BAVARIA = "09"
SUMY_OBLAST = "UA59000000000057109"


def _ids(base: str, **params: str) -> list[int]:
    response = httpx.get(f"{base}/api/partnerships", params={**params, "limit": "500"}, timeout=60)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["items"]]


@pytest.mark.parametrize(
    ("param", "name", "code"),
    [
        ("land", "Bayern", BAVARIA),
        ("land", "Bavaria", BAVARIA),
        ("land", f"DE_{BAVARIA}", BAVARIA),  # as the CSV export writes it
        ("oblast", "Sumy", SUMY_OBLAST),
        ("oblast", "Сумська область", SUMY_OBLAST),
        ("kreis", "Landkreis Harz", "15085"),
    ],
)
def test_a_name_filters_like_its_code(loaded_api: str, param: str, name: str, code: str) -> None:
    by_code = _ids(loaded_api, **{param: code})
    assert _ids(loaded_api, **{param: name}) == by_code
    if param != "kreis":
        assert by_code  # a real selection, not two empty lists


def test_exports_stats_and_municipalities_take_names(loaded_api: str) -> None:
    by_name = httpx.get(f"{loaded_api}/api/partnerships.csv", params={"land": "Bayern"}, timeout=60)
    by_code = httpx.get(f"{loaded_api}/api/partnerships.csv", params={"land": BAVARIA}, timeout=60)
    assert by_name.content == by_code.content
    assert len(pd.read_csv(io.BytesIO(by_name.content))) > 10
    stats = httpx.get(f"{loaded_api}/api/stats", params={"oblast": "Sumy"}).json()
    assert stats["total"] == len(_ids(loaded_api, oblast=SUMY_OBLAST))
    kreise = httpx.get(f"{loaded_api}/api/municipalities", params={"region": "Bayern", "level": "kreis"})
    assert kreise.json()["total"] == 71  # Bavaria's Landkreise and kreisfreie Städte


@pytest.mark.parametrize(
    ("params", "field", "candidates"),
    [
        ({"oblast": "Xyzzy"}, "oblast", []),  # names nothing: not an empty 200
        (
            {"municipality": "Frankfurt"},
            "municipality",
            ["06412000 Frankfurt am Main", "12053000 Frankfurt (Oder)"],
        ),
        ({"land": "Sumy"}, "land", []),  # a Ukrainian name is no Land
    ],
)
def test_an_unknown_or_ambiguous_name_is_a_problem_naming_the_candidates(
    loaded_api: str, params: dict[str, str], field: str, candidates: list[str]
) -> None:
    response = httpx.get(f"{loaded_api}/api/partnerships", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:registry:problem:unresolved-value"
    (item,) = problem["errors"]
    assert (item["field"], item["location"]) == (field, "query")
    assert params[field] in item["detail"]
    for expected in candidates:
        assert any(c.startswith(expected) for c in item["candidates"]), item["candidates"]


def test_the_map_opens_with_names_too(loaded_api: str) -> None:
    from registry.map.builder import extract_data

    page = httpx.get(f"{loaded_api}/map", params={"land": "Bayern", "focus": "Charkiw"}, timeout=60).text
    filters = extract_data(page)["filters"]
    assert (filters["land"], filters["focus"]) == (BAVARIA, "UA63120270000028556")
    unknown = httpx.get(f"{loaded_api}/map", params={"oblast": "Xyzzy"}, timeout=60)
    assert unknown.status_code == 200  # a bookmarked map opens; the filter selects nothing
