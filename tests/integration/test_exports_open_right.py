"""Exports that open right, over real HTTP on the whole bundled data: pandas and Excel read every export
without options; CSV, XLSX and GeoJSON carry the same columns; the data package validates with its CSV
files; partnership rows carry their licence and source; the municipalities their dated facts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import openpyxl
import pandas as pd
import pytest
from frictionless import validate

from registry.api.dictionary import EXPORTS, RECORD_LICENCE
from registry.codes import official_code

FLENSBURG = "01001000"
MUNICH = "09162000"
KHARKIV = "UA63120270000028556"


def _get(base: str, path: str, **params: str) -> httpx.Response:
    response = httpx.get(f"{base}{path}", params=params, timeout=120)
    assert response.status_code == 200, response.text[:500]
    return response


def test_xlsx_keeps_codes_as_text_dates_as_dates_with_a_frozen_header(loaded_api: str) -> None:
    body = _get(loaded_api, "/api/municipalities.xlsx", country="DE", q="Flensburg").content
    frame = pd.read_excel(io.BytesIO(body))  # no options
    row = frame.loc[frame["name"] == "Flensburg"].iloc[0]
    # the leading zero is still there: text, which even pandas, which makes numbers of numeric-looking
    # text cells, keeps as text (registry.codes)
    assert row["code"] == f"DE_{FLENSBURG}"
    assert official_code(row["code"]) == FLENSBURG
    assert row["region_code"] == "DE_01"
    assert row["population_date"] == pd.Timestamp("2023-12-31")
    assert row["population_year"] == 2023
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref is not None
    assert sheet.auto_filter.ref.startswith("A1:")
    header = [cell.value for cell in sheet[1]]
    code_cell = sheet.cell(row=2, column=header.index("code") + 1)
    assert (code_cell.value, code_cell.data_type, code_cell.number_format) == (f"DE_{FLENSBURG}", "s", "@")
    date_cell = sheet.cell(row=2, column=header.index("population_date") + 1)
    assert date_cell.is_date
    assert sheet.column_dimensions["D"].width >= len("Flensburg")  # "name", as wide as its values


@pytest.mark.parametrize("export", ["partnerships", "municipalities"])
def test_csv_xlsx_and_geojson_carry_the_same_columns(loaded_api: str, export: str) -> None:
    params = {"land": "09"} if export == "partnerships" else {"region": "09", "level": "kreis"}
    csv = pd.read_csv(io.BytesIO(_get(loaded_api, f"/api/{export}.csv", **params).content))
    xlsx = pd.read_excel(io.BytesIO(_get(loaded_api, f"/api/{export}.xlsx", **params).content))
    geojson = json.loads(_get(loaded_api, f"/api/{export}.geojson", **params).content)
    names = [f.name for f in EXPORTS[export]]
    assert list(csv.columns) == list(xlsx.columns) == names
    assert all(list(feature["properties"]) == names for feature in geojson["features"])
    assert len(csv) == len(xlsx) == len(geojson["features"]) > 5
    key = "id" if export == "partnerships" else "code"
    # the same rows and values; the tabular files write German keys with "DE_" so that they stay text
    assert [str(v) for v in csv[key]] == [str(v) for v in xlsx[key]]
    assert [official_code(str(v)) for v in xlsx[key]] == [
        str(f["properties"][key]) for f in geojson["features"]
    ]


def test_partnership_rows_carry_their_licence_and_source(loaded_api: str) -> None:
    frame = pd.read_csv(io.BytesIO(_get(loaded_api, "/api/partnerships.csv").content))
    assert set(frame["licence"]) == {RECORD_LICENCE}
    listed = httpx.get(f"{loaded_api}/api/partnerships", params={"limit": 500}).json()["items"]
    by_id = {p["id"]: p for p in listed}
    for row in frame.itertuples(index=False):
        primary = by_id[row.id]["sources"][0]
        assert row.source_citation == primary["citation"]
        assert (row.source_url if isinstance(row.source_url, str) else None) == primary["url"]


def test_municipalities_carry_war_status_idps_and_their_dates(loaded_api: str) -> None:
    frame = pd.read_csv(io.BytesIO(_get(loaded_api, "/api/municipalities.csv", country="UA").content))
    kharkiv = frame.loc[frame["code"] == KHARKIV].iloc[0]
    assert kharkiv["war_status"] in {"active_hostilities", "possible_hostilities"}
    assert kharkiv["war_status_date"] == "2025-04-30"
    assert kharkiv["idp_registered"] < 0  # a net figure: more residents left than IDPs arrived
    assert kharkiv["idp_date"] == "2023-07-25"
    assert kharkiv["population_year"] == 2022
    partnered = httpx.get(f"{loaded_api}/api/partnerships", params={"hromada": KHARKIV}).json()
    current = [p for p in partnered["items"] if p["status"] != "ended"]
    assert kharkiv["partner_count"] == len(current) > 0


def test_exported_codes_are_accepted_back(loaded_api: str) -> None:
    unit = httpx.get(f"{loaded_api}/api/municipalities/DE_{FLENSBURG}").json()
    assert unit["code"] == FLENSBURG
    by_prefixed = httpx.get(f"{loaded_api}/api/partnerships", params={"municipality": f"DE_{MUNICH}"}).json()
    by_key = httpx.get(f"{loaded_api}/api/partnerships", params={"municipality": MUNICH}).json()
    assert by_prefixed["total"] == by_key["total"] > 0


def test_the_data_package_validates_with_its_csv_files(loaded_api: str, tmp_path: Path) -> None:
    package = _get(loaded_api, "/api/datapackage.json").json()
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    for resource in package["resources"]:
        (tmp_path / resource["path"]).write_bytes(_get(loaded_api, f"/api/{resource['path']}").content)
        fields = [f["name"] for f in resource["schema"]["fields"]]
        assert fields == [f.name for f in EXPORTS[resource["name"]]]
        assert all(f["description"] for f in resource["schema"]["fields"])
        assert resource["licenses"]
        assert resource["sources"]
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])[:10]
    stored = httpx.get(f"{loaded_api}/api/partnerships", params={"limit": 1}).json()["total"]
    assert report.tasks[0].stats["rows"] == stored > 200
    german = _get(loaded_api, "/api/datapackage.json", lang="de").json()
    assert german["resources"][0]["title"] == "Partnerschaften"


@pytest.mark.parametrize(("lang", "heading"), [("de", "Datenverzeichnis"), ("en", "Data dictionary")])
def test_the_dictionary_page_lists_every_field(loaded_api: str, lang: str, heading: str) -> None:
    html = _get(loaded_api, "/data-dictionary", lang=lang).text
    assert f"<h1>{heading}</h1>" in html
    for export, fields in EXPORTS.items():
        for field in fields:
            assert f'id="{export}-{field.name}"' in html
    assert 'href="/api/partnerships.xlsx"' in html
