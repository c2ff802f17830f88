"""The coverage dashboard over real HTTP and the whole bundled data: its figures (page, JSON, CSV) equal
those an analyst computes from the CSV exports of municipalities and partnerships."""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from typing import Any

import httpx
import pandas as pd
import pytest

from registry.services.coverage import WAR_GROUPS, war_group

LUHANSK = "UA44000000000018893"
KHARKIV_OBLAST = "UA63000000000041885"
UNIT_LEVELS = ("hromada", "city_special_status")


@pytest.fixture(scope="module")
def exports(loaded_api: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two CSV exports, read the way an analyst would (codes as text)."""
    municipalities = pd.read_csv(
        io.BytesIO(httpx.get(f"{loaded_api}/api/municipalities.csv?country=UA", timeout=60).content),
        dtype=str,
        keep_default_na=False,
    )
    partnerships = pd.read_csv(
        io.BytesIO(httpx.get(f"{loaded_api}/api/partnerships.csv", timeout=60).content),
        dtype=str,
        keep_default_na=False,
    )
    return municipalities, partnerships


@pytest.fixture(scope="module")
def expected(exports: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, Any]:
    """Per oblast (a unit outside any oblast is its own): hromadas, partnered, per war group, IDPs."""
    municipalities, partnerships = exports
    partnered = set(partnerships.loc[partnerships["status"] != "ended", "ua_code"])
    units = municipalities[municipalities["level"].isin(UNIT_LEVELS)]
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for row in units.itertuples(index=False):
        oblast = row.region_code or row.code
        group = war_group(row.war_status or None)
        has = row.code in partnered
        per[oblast]["hromadas"] += 1
        per[oblast]["partnered"] += has
        per[oblast][f"{group}_hromadas"] += 1
        per[oblast][f"{group}_partnered"] += has
    return {"per": per, "units": len(units), "partnered": len(partnered & set(units["code"]))}


def test_the_json_equals_the_figures_computed_from_the_exports(
    loaded_api: str, expected: dict[str, Any]
) -> None:
    figures = httpx.get(f"{loaded_api}/api/coverage", timeout=60).json()
    assert (figures["hromadas"], figures["partnered"]) == (expected["units"], expected["partnered"])
    assert figures["hromadas"] > 1700
    by_code = {o["code"]: o for o in figures["oblasts"]}
    assert set(by_code) >= set(expected["per"])
    for code, counts in expected["per"].items():
        oblast = by_code[code]
        assert (oblast["hromadas"], oblast["partnered"]) == (counts["hromadas"], counts["partnered"]), code
        for group in WAR_GROUPS:
            assert oblast["by_war_status"][group] == {
                "hromadas": counts[f"{group}_hromadas"],
                "partnered": counts[f"{group}_partnered"],
            }, (code, group)
    # zeros are rows, not gaps: Luhansk has hromadas and no German partner
    assert by_code[LUHANSK]["hromadas"] > 30
    assert by_code[LUHANSK]["partnered"] == 0
    # every raion sums up to its oblast
    for oblast in figures["oblasts"]:
        if oblast["raions"]:
            assert sum(r["hromadas"] for r in oblast["raions"]) == oblast["hromadas"], oblast["code"]


def test_growth_keeps_the_undated_partnerships(
    loaded_api: str, exports: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, partnerships = exports
    figures = httpx.get(f"{loaded_api}/api/coverage", timeout=60).json()
    years = Counter(partnerships["start_year"])
    assert figures["year_unknown"] == years.pop("") > 50
    assert {y["year"]: y["count"] for y in figures["years"] if y["count"]} == {
        int(y): n for y, n in years.items()
    }
    assert figures["since_invasion"] == sum(n for y, n in years.items() if int(y) >= 2022)
    assert figures["partnerships"] == len(partnerships)
    assert figures["years"][-1]["cumulative"] + figures["year_unknown"] == len(partnerships)


def test_partnerships_per_land_by_level_and_kind(
    loaded_api: str, exports: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, partnerships = exports
    figures = httpx.get(f"{loaded_api}/api/coverage", timeout=60).json()
    lands = {land["names"]["de"]: land for land in figures["lands"]}
    assert len(lands) == 16
    counted = partnerships.groupby("de_land").size().to_dict()
    for name, land in lands.items():
        assert land["partnerships"] == counted.get(name, 0), name
        assert sum(land["by_level"].values()) == sum(land["by_kind"].values()) == land["partnerships"]
    kinds = partnerships[partnerships["de_land"] == "Bayern"]["kind"].value_counts().to_dict()
    assert {k: n for k, n in lands["Bayern"]["by_kind"].items() if n} == kinds


def test_the_csv_and_the_page_show_the_same_figures(loaded_api: str, expected: dict[str, Any]) -> None:
    table = pd.read_csv(
        io.BytesIO(httpx.get(f"{loaded_api}/api/coverage.csv", timeout=60).content), dtype=str
    )
    oblasts = table[table["level"] != "raion"].set_index("code")
    for code, counts in expected["per"].items():
        assert int(oblasts.loc[code, "partnered"]) == counts["partnered"], code
        assert int(oblasts.loc[code, "active_hromadas"]) == counts["active_hromadas"], code
    page = httpx.get(f"{loaded_api}/coverage?lang=en", timeout=60)
    assert page.status_code == 200
    html = page.text
    total = re.search(r"<tfoot>.*?<td>([\d,]+)</td><td>([\d,]+)</td>", html, re.DOTALL)
    assert total is not None
    assert (total.group(1), total.group(2)) == (f"{expected['units']:,}", f"{expected['partnered']:,}")
    assert "Luhansk Oblast" in html
    assert f"/map?oblast={KHARKIV_OBLAST}&amp;hromadas=need" in html  # figures link to the filtered map
    assert "year unknown" in html


def test_statistics_moved_to_the_dashboard(loaded_api: str) -> None:
    response = httpx.get(f"{loaded_api}/statistics", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"].endswith("/coverage")
