"""The CSV and GeoJSON encoders, without a server: dialects, formula cells, chunking."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
from typing import Any

import pytest

from registry.export import Column, csv_chunks, geojson_chunks, line, neutralise, point


class Kind(enum.StrEnum):
    SOLIDARITY = "solidarity"


COLUMNS = [
    Column("id", "integer"),
    Column("name"),
    Column("kind"),
    Column("lat", "number"),
    Column("since", "date"),
    Column("topics", "list"),
]
ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "Charkiw",
        "kind": Kind.SOLIDARITY,
        "lat": 49.99,
        "since": dt.date(2022, 5, 1),
        "topics": ["water", "schools"],
    },
    {"id": 2, "name": "=1+1", "kind": None, "lat": None, "since": None, "topics": []},
    {"id": 3, "name": '-Kyiv; "quoted"', "kind": "other", "lat": -0.5, "since": None, "topics": ["@x"]},
]


def _read(content: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+49 30", "'+49 30"),
        ("-5", "'-5"),
        ("@me", "'@me"),
        ("\tx", "'\tx"),
        ("Kyiv", "Kyiv"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_formula_cells_get_an_apostrophe(cell: str, shown: str) -> None:
    assert neutralise(cell) == shown


@pytest.mark.parametrize(
    ("dialect", "delimiter", "lat", "bom"), [("excel", ",", "49.99", False), ("excel-de", ";", "49,99", True)]
)
def test_both_dialects(dialect: str, delimiter: str, lat: str, bom: bool) -> None:
    content = b"".join(csv_chunks(COLUMNS, [ROWS[:2], ROWS[2:]], dialect))
    assert content.startswith(b"\xef\xbb\xbf") is bom
    header, first, second, third = _read(content, delimiter)
    assert header == ["id", "name", "kind", "lat", "since", "topics"]
    assert first == ["1", "Charkiw", "solidarity", lat, "2022-05-01", "water | schools"]
    assert second == ["2", "'=1+1", "", "", "", ""]
    assert third[1:4] == ['\'-Kyiv; "quoted"', "other", "-0" + lat[2] + "5"]  # numbers are not neutralised
    assert third[5] == "'@x"


def test_one_chunk_per_batch_and_a_single_column() -> None:
    chunks = list(csv_chunks([Column("name")], [[{"name": "a"}], [], [{"name": "+b"}]]))
    assert chunks == [b"name\r\n", b"a\r\n", b"", b"'+b\r\n"]


def test_geojson_is_one_valid_document_whatever_the_batches() -> None:
    batches: list[list[dict[str, Any]]] = [
        [],
        [{"id": 1, "lon": 30.52, "lat": 50.45}],
        [{"id": 2, "lon": None, "lat": None}],
        [],
    ]
    document = json.loads(
        b"".join(
            geojson_chunks(
                batches,
                geometry=lambda r: point(r["lon"], r["lat"]),
                properties=lambda r: {"id": r["id"]},
                feature_id=lambda r: r["id"],
            )
        )
    )
    assert document["type"] == "FeatureCollection"
    assert [f["geometry"] for f in document["features"]] == [
        {"type": "Point", "coordinates": [30.52, 50.45]},
        None,
    ]
    empty = json.loads(b"".join(geojson_chunks([], geometry=lambda r: None, properties=dict, feature_id=len)))
    assert empty == {"type": "FeatureCollection", "features": []}


def test_lines_need_both_ends() -> None:
    assert line((13.4, 52.5), (30.5, 50.4)) == {
        "type": "LineString",
        "coordinates": [[13.4, 52.5], [30.5, 50.4]],
    }
    assert line((13.4, None), (30.5, 50.4)) is None
