"""The CSV and GeoJSON encoders, without a server: dialects, formula cells, chunking."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
from typing import Any

import openpyxl
import pytest

from registry.export import (
    Column,
    XlsxColumn,
    csv_chunks,
    geojson_chunks,
    line,
    neutralise,
    point,
    xlsx_bytes,
)


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


# ---------- XLSX ----------


def test_xlsx_cells_keep_their_types_and_never_run_formulas() -> None:
    columns = [
        XlsxColumn("code"), XlsxColumn("n", "integer"), XlsxColumn("x", "number"), XlsxColumn("day", "date"),
        XlsxColumn("at", "datetime"), XlsxColumn("tags", "list"), XlsxColumn("note"),
    ]  # fmt: skip
    at = dt.datetime(2025, 1, 2, 3, 4, 5)
    rows = [
        {"code": "01001000", "n": 5, "x": -2.25, "day": dt.date(2023, 12, 31), "at": at,
         "tags": ["a", "b"], "note": '=HYPERLINK("http://evil") <&> \x01tab\there'},
        {"code": "UA63", "n": None, "x": None, "day": None, "at": None, "tags": [], "note": ""},
    ]  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(columns, [rows], "a<sheet>&name")))
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "a<sheet>&name"
    assert [c.value for c in sheet[1]] == ["code", "n", "x", "day", "at", "tags", "note"]
    first = [c.value for c in sheet[2]]
    assert first[:3] == ["01001000", 5, -2.25]
    assert first[3] == dt.datetime(2023, 12, 31)
    assert first[4] == dt.datetime(2025, 1, 2, 3, 4, 5)
    assert first[5:] == ["a | b", '=HYPERLINK("http://evil") <&> tab\there']  # text, not a formula
    assert sheet["G2"].data_type == "s"
    assert [c.value for c in sheet[3]] == ["UA63", None, None, None, None, None, None]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"
