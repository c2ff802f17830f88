"""Encode rows as CSV (two dialects, safe against formula injection) or GeoJSON, chunk by chunk.

Pure functions over batches of plain rows: the caller streams the chunks, so an export of any size
holds one batch in memory at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import msgspec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

Kind = Literal["text", "number", "integer", "date", "list"]
Dialect = Literal["excel", "excel-de"]
# Spreadsheet programs run a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST: Final = frozenset("=+-@\t\r")
LIST_SEPARATOR: Final = " | "


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    decimal: str
    bom: bool


DIALECTS: Final[dict[str, CsvDialect]] = {
    "excel": CsvDialect(",", ".", False),
    # German Excel reads ";"-separated files with decimal commas, and needs the BOM to detect UTF-8.
    "excel-de": CsvDialect(";", ",", True),
}


@dataclass(frozen=True)
class Column:
    """One exported column: its header, the row key it reads, and its kind."""

    name: str
    kind: Kind = "text"
    key: str | None = None  # the row's key, if not the name


def neutralise(text: str) -> str:
    """Prefix a formula-like cell with an apostrophe, so a spreadsheet shows it as text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _column(values: list[Any], kind: Kind, style: CsvDialect) -> list[Any]:
    """Convert one column of a batch; whole-column comprehensions, as a call per cell would cost twice."""
    starts = FORMULA_FIRST
    if kind == "list":
        values = [LIST_SEPARATOR.join(map(str, v)) if v else None for v in values]
        kind = "text"
    if kind == "text":
        values = (
            [v.value if isinstance(v, enum.Enum) else v for v in values] if _has_enums(values) else values
        )
        return ["'" + v if v and v[0] in starts else v for v in values]
    if kind == "date":
        return [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    if kind == "number" and style.decimal != ".":
        return [None if v is None else repr(float(v)).replace(".", style.decimal) for v in values]
    return values  # integers, and numbers with a decimal point: the csv module's str() is right


def _has_enums(values: list[Any]) -> bool:
    return any(isinstance(v, enum.Enum) and not isinstance(v, str) for v in values[:1])


def csv_chunks(
    columns: Sequence[Column], batches: Iterable[Sequence[Mapping[str, Any]]], dialect: str = "excel"
) -> Iterator[bytes]:
    """Yield a CSV file chunk by chunk: the header (after a BOM for excel-de), then one chunk per batch."""
    style = DIALECTS[dialect]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.name for c in columns])
    yield (("\ufeff" if style.bom else "") + buffer.getvalue()).encode()
    keys = [c.key or c.name for c in columns]
    # One C call per row; itemgetter of a single key returns the bare value, so wrap it then.
    cells: Callable[[Mapping[str, Any]], Any] = (
        operator.itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    )
    to_convert = [(i, c.kind) for i, c in enumerate(columns) if c.kind != "integer"]
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        if batch:
            table = list(zip(*map(cells, batch), strict=True))  # column by column
            for i, kind in to_convert:
                table[i] = _column(list(table[i]), kind, style)  # type: ignore[call-overload]
            writer.writerows(zip(*table, strict=True))
        yield buffer.getvalue().encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__}")


_encoder = msgspec.json.Encoder(enc_hook=_json_default)


def geojson_chunks(
    batches: Iterable[Sequence[Mapping[str, Any]]],
    geometry: Callable[[Mapping[str, Any]], dict[str, Any] | None],
    properties: Callable[[Mapping[str, Any]], dict[str, Any]],
    feature_id: Callable[[Mapping[str, Any]], str | int],
) -> Iterator[bytes]:
    """Yield an RFC 7946 FeatureCollection chunk by chunk; a feature without coordinates has null geometry."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for batch in batches:
        features = [
            _encoder.encode(
                {
                    "type": "Feature",
                    "id": feature_id(row),
                    "geometry": geometry(row),
                    "properties": properties(row),
                }
            )
            for row in batch
        ]
        if features:
            yield (b"" if first else b",") + b",".join(features)
            first = False
    yield b"]}"


def point(lon: float | None, lat: float | None) -> dict[str, Any] | None:
    """A GeoJSON Point ([longitude, latitude], WGS 84), or None without coordinates."""
    if lon is None or lat is None:
        return None
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def line(
    start: tuple[float | None, float | None], end: tuple[float | None, float | None]
) -> dict[str, Any] | None:
    """A GeoJSON LineString between two (lon, lat) points, or None if either lacks coordinates."""
    if None in start or None in end:
        return None
    return {"type": "LineString", "coordinates": [[round(v, 6) for v in start], [round(v, 6) for v in end]]}  # type: ignore[arg-type]
