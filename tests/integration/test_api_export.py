"""Exports over real HTTP: CSV read back with pandas in both dialects, formula cells neutralised,
GeoJSON checked against RFC 7946, both streamed."""

from __future__ import annotations

import io
import json
import math
from typing import TYPE_CHECKING, Any

import httpx
import pandas as pd
import pytest

from registry.codes import official_code

if TYPE_CHECKING:
    from tests.conftest import LiveApi

Document = dict[str, Any]


def _csv(api_url: str, path: str, **params: Any) -> httpx.Response:
    response = httpx.get(f"{api_url}{path}", params=params, timeout=120)
    assert response.status_code == 200, response.text
    return response


def _listed(api: LiveApi, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpx.get(f"{api.url}{path}", params={**params, "limit": 500}).json()[
        "items"
    ]
    return items


def test_partnerships_csv_reads_back_with_pandas_in_both_dialects(live_api: LiveApi) -> None:
    plain = _csv(live_api.url, "/api/partnerships.csv")
    german = _csv(live_api.url, "/api/partnerships.csv", dialect="excel-de")
    assert plain.headers["content-type"] == "text/csv; charset=utf-8"
    assert plain.headers["content-disposition"] == 'attachment; filename="partnerships.csv"'
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert german.content.startswith(b"\xef\xbb\xbf")
    assert b";" in german.content.splitlines()[0]
    assert b"," not in german.content.splitlines()[0]

    frame = pd.read_csv(io.BytesIO(plain.content))  # no options: the codes must survive as they are
    frame_de = pd.read_csv(io.BytesIO(german.content), sep=";", decimal=",", encoding="utf-8-sig")
    listed = _listed(live_api, "/api/partnerships")
    assert list(frame["id"]) == [p["id"] for p in listed] == list(frame_de["id"])
    pd.testing.assert_frame_equal(frame, frame_de)  # the same numbers, whatever the decimal mark
    first = listed[0]
    row = frame.iloc[0]
    assert (official_code(row["de_code"]), row["ua_code"], row["kind"]) == (
        first["de"]["code"],
        first["ua"]["code"],
        first["kind"],
    )
    assert math.isclose(row["ua_lat"], first["ua"]["lat"], abs_tol=1e-6)
    # German keys are text with their leading zeros, "DE_" before them (registry.codes)
    assert frame["de_code"].str.match(r"^(DE_0?\d+|DE-X-.+)$").all()
    assert {official_code(c) for c in frame["de_code"]} == {p["de"]["code"] for p in listed}
    assert row["sources"].split(" | ")[0] == (first["sources"][0]["url"] or first["sources"][0]["citation"])


def test_exports_take_the_filters_of_the_lists(live_api: LiveApi) -> None:
    frame = pd.read_csv(io.BytesIO(_csv(live_api.url, "/api/partnerships.csv", land="12").content))
    assert list(frame["id"]) == [p["id"] for p in _listed(live_api, "/api/partnerships", land="12")]
    assert set(frame["de_land"]) == {"Brandenburg"}
    towns = pd.read_csv(
        io.BytesIO(
            _csv(
                live_api.url, "/api/municipalities.csv", region="12", level="stadt", sort="-population"
            ).content
        )
    )
    listed = _listed(live_api, "/api/municipalities", region="12", level="stadt", sort="-population")
    assert [official_code(c) for c in towns["code"]] == [m["code"] for m in listed]
    assert list(towns["population"]) == [m["population"] for m in listed]
    refused = httpx.get(f"{live_api.url}/api/partnerships.csv", params={"dialect": "excel-fr"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "dialect"


@pytest.mark.parametrize("dialect", ["excel", "excel-de"])
def test_formula_cells_are_neutralised(live_api: LiveApi, dialect: str) -> None:
    notes = {'=HYPERLINK("http://evil")': 0, "+1+2": 0, "-3": 0, "@SUM(A1)": 0}
    ids = []
    for i, note in enumerate(notes):
        body = {
            "de_code": "12052000",
            "ua_code": ["UA74040250000063494", "UA74100390000073425"][i % 2],
            "kind": "other",
            "notes": note,
            "sources": [{"citation": f"=cmd|' /C calc'!A{i}"}],
        }
        if i >= 2:
            body["de_code"] = "12051000"
        response = httpx.post(f"{live_api.url}/api/partnerships", json=body, headers=live_api.editor)
        assert response.status_code in (201, 409), response.text
        if response.status_code == 201:
            ids.append(response.json()["id"])
    frame = pd.read_csv(
        io.BytesIO(_csv(live_api.url, "/api/partnerships.csv", dialect=dialect, kind="other").content),
        sep=";" if dialect == "excel-de" else ",",
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    exported = set(frame["notes"])
    assert {"'" + note for note in notes} <= exported
    assert not any(
        cell.startswith(("=", "+", "-", "@")) for column in frame.columns for cell in frame[column]
    )
    assert all(s.startswith("'=cmd") for s in frame["sources"] if "cmd" in s)


def _position(position: Any) -> None:
    assert isinstance(position, list), position
    assert len(position) in (2, 3), position
    lon, lat = position[:2]
    assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in position)
    assert -180 <= lon <= 180, position
    assert -90 <= lat <= 90, position


def check_geojson(document: Document, geometry_type: str) -> None:
    """Check a FeatureCollection against RFC 7946 (sections 3.1-3.3) for one geometry type."""
    assert document.get("type") == "FeatureCollection"
    assert "crs" not in document  # RFC 7946 4: coordinates are WGS 84, no crs member
    assert isinstance(document.get("features"), list)
    for feature in document["features"]:
        assert feature.get("type") == "Feature"
        assert "geometry" in feature
        assert "properties" in feature
        assert feature["properties"] is None or isinstance(feature["properties"], dict)
        assert isinstance(feature.get("id", ""), str | int | float)
        geometry = feature["geometry"]
        if geometry is None:  # 3.2: an unlocated feature
            continue
        assert geometry.get("type") == geometry_type
        coordinates = geometry.get("coordinates")
        if geometry_type == "Point":
            _position(coordinates)
        else:
            assert isinstance(coordinates, list)
            assert len(coordinates) >= 2
            for position in coordinates:
                _position(position)


@pytest.mark.parametrize(
    "broken",
    [
        {"type": "Feature", "features": []},
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]},
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Point", "coordinates": [49.9, 136.2]},
                }
            ],
        },
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Point", "coordinates": ["36.2", 49.9]},
                }
            ],
        },
        {"type": "FeatureCollection", "crs": {}, "features": []},
    ],
)
def test_the_geojson_check_catches_broken_documents(broken: Document) -> None:
    with pytest.raises(AssertionError):
        check_geojson(broken, "Point")


def test_partnerships_geojson_holds_a_line_per_partnership(live_api: LiveApi) -> None:
    response = _csv(live_api.url, "/api/partnerships.geojson", land="09")
    assert response.headers["content-type"] == "application/geo+json"
    document = json.loads(response.content)
    check_geojson(document, "LineString")
    listed = _listed(live_api, "/api/partnerships", land="09")
    assert [f["id"] for f in document["features"]] == [p["id"] for p in listed]
    for feature, partnership in zip(document["features"], listed, strict=True):
        start, end = feature["geometry"]["coordinates"]
        assert math.isclose(start[0], partnership["de"]["lon"], abs_tol=1e-6)
        assert math.isclose(end[1], partnership["ua"]["lat"], abs_tol=1e-6)
        assert feature["properties"]["kind"] == partnership["kind"]
        assert feature["properties"]["de_code"] == partnership["de"]["code"]  # the official key, as text
        first = partnership["sources"][0]
        assert feature["properties"]["sources"][0] == (first["url"] or first["citation"])


def test_municipalities_geojson_holds_points(live_api: LiveApi) -> None:
    document = json.loads(
        _csv(live_api.url, "/api/municipalities.geojson", country="UA", level="hromada").content
    )
    check_geojson(document, "Point")
    total = httpx.get(
        f"{live_api.url}/api/municipalities", params={"country": "UA", "level": "hromada"}
    ).json()["total"]
    assert len(document["features"]) == total > 100
    located = [f for f in document["features"] if f["geometry"]]
    assert len(located) == total  # every hromada has a centre
    assert all(22 < f["geometry"]["coordinates"][0] < 41 for f in located)  # inside Ukraine's longitudes


def test_a_large_export_is_streamed_in_chunks(loaded_api: str) -> None:
    total = httpx.get(f"{loaded_api}/api/municipalities", params={"limit": 1}).json()["total"]
    chunks = 0
    content = bytearray()
    with httpx.stream(
        "GET", f"{loaded_api}/api/municipalities.csv", params={"dialect": "excel-de"}, timeout=120
    ) as r:
        assert r.status_code == 200
        assert r.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in r.headers
        for chunk in r.iter_raw():
            chunks += 1
            content += chunk
    frame = pd.read_csv(io.BytesIO(bytes(content)), sep=";", decimal=",", encoding="utf-8-sig")
    assert len(frame) == total > 10_000
    assert chunks > 5
    assert frame["code"].is_unique
    assert frame.loc[frame["code"] == "DE_01001000", "name"].item() == "Flensburg"
    partnerships = pd.read_csv(io.BytesIO(_csv(loaded_api, "/api/partnerships.csv").content))
    assert len(partnerships) == httpx.get(f"{loaded_api}/api/stats").json()["total"] == 221
