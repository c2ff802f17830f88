"""Encode rows as CSV (two dialects, safe against formula injection), GeoJSON or XLSX.

Pure functions over batches of plain rows: the caller streams the CSV and GeoJSON chunks, so an export
of any size holds one batch in memory at a time; an XLSX file (a zip) is built whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import operator
import zipfile
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


# ---------- XLSX ----------
# A workbook of one sheet, written as SpreadsheetML (ECMA-376) directly: strings inline, so a text is a
# text cell and never a formula or a number ("01001000" keeps its zero, "=1+1" is shown, not run).
# XlsxWriter and openpyxl build the same file through an object per cell, ten times slower: 13,000
# municipalities took them 5-12 s on these machines, this under one (benchmarks/bench_exports.py).

XlsxKind = Literal["text", "number", "integer", "date", "datetime", "list"]
XLSX_MAX_CELL: Final = 32_767  # characters Excel keeps in a cell
XLSX_MAX_WIDTH: Final = 60  # characters; longer texts are cut off in the sheet, whole in the cell
_EXCEL_EPOCH: Final = dt.datetime(1899, 12, 30)
# XML 1.0 allows no control characters but tab, newline and carriage return.
_XML_TEXT: Final = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"} | {
    c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))
}
_STYLE: Final = {"header": 1, "text": 2, "list": 2, "date": 3, "datetime": 4, "integer": 5, "number": 0}
_NS: Final = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R: Final = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML: Final = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES: Final = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
)
_ROOT_RELS: Final = (
    _XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS: Final = (
    _XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
)
# Cell styles by index (_STYLE): 0 general, 1 header (bold, shaded), 2 text (@), 3 date, 4 date and
# time (ISO order, which every locale reads), 5 whole number.
_STYLES: Final = (
    _XML + f"<styleSheet {_NS}>"
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid">'
    '<fgColor rgb="FFDDE6F0"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


@dataclass(frozen=True)
class XlsxColumn:
    """One column of a sheet: its header, the row key it reads, and the cell type it is written as."""

    name: str
    kind: XlsxKind = "text"
    key: str | None = None


def _letters(index: int) -> str:
    """Return a column's letters: 0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _text_cell(ref: str, text: str, style: int) -> str:
    text = text[:XLSX_MAX_CELL].translate(_XML_TEXT)
    return f'<c r="{ref}" t="inlineStr" s="{style}"><is><t xml:space="preserve">{text}</t></is></c>'


def _serial(value: dt.date) -> float:
    moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    delta = moment.replace(tzinfo=None) - _EXCEL_EPOCH
    return delta.days + delta.seconds / 86_400


def xlsx_bytes(
    columns: Sequence[XlsxColumn], batches: Iterable[Sequence[Mapping[str, Any]]], sheet: str
) -> bytes:
    """Write a workbook of one sheet: a bold, frozen header with a filter; texts (codes too) as text
    cells, numbers as numbers, dates as dates; each column as wide as its longest value (capped)."""
    letters = [_letters(i) for i in range(len(columns))]
    widths = [len(c.name) for c in columns]
    keys = [c.key or c.name for c in columns]
    kinds = [c.kind for c in columns]
    rows = [
        '<row r="1">'
        + "".join(_text_cell(f"{letters[i]}1", c.name, _STYLE["header"]) for i, c in enumerate(columns))
        + "</row>"
    ]
    number = 1
    for batch in batches:
        for record in batch:
            number += 1
            cells = []
            for i, key in enumerate(keys):
                value = record[key]
                if value is None or (isinstance(value, str | list | tuple) and not value):
                    continue  # an empty cell (0 is a value)
                kind = kinds[i]
                ref = f"{letters[i]}{number}"
                if kind in ("text", "list"):
                    if kind == "list":
                        value = LIST_SEPARATOR.join(map(str, value))
                    text = value.value if isinstance(value, enum.Enum) else str(value)
                    cells.append(_text_cell(ref, text, _STYLE["text"]))
                    widths[i] = max(widths[i], len(text))
                elif kind in ("date", "datetime") and isinstance(value, dt.date):
                    cells.append(f'<c r="{ref}" s="{_STYLE[kind]}"><v>{_serial(value)!r}</v></c>')
                    widths[i] = max(widths[i], 10 if kind == "date" else 19)
                else:
                    shown = repr(float(value)) if kind == "number" else str(int(value))
                    cells.append(f'<c r="{ref}" s="{_STYLE[kind]}"><v>{shown}</v></c>')
                    widths[i] = max(widths[i], len(shown))
            rows.append(f'<row r="{number}">' + "".join(cells) + "</row>")
    area = f"A1:{letters[-1]}{max(number, 2)}"
    cols = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="{min(w, XLSX_MAX_WIDTH) + 2}" customWidth="1"/>'
        for i, w in enumerate(widths)
    )
    worksheet = (
        _XML + f'<worksheet {_NS} {_NS_R}><dimension ref="{area}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(rows)}</sheetData>'
        f'<autoFilter ref="{area}"/></worksheet>'
    )
    name = sheet[:31].translate(_XML_TEXT)
    workbook = (
        _XML + f'<workbook {_NS} {_NS_R}><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
        f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"'{name}'!${area.replace(':', ':$').replace('A1', 'A$1', 1)}</definedName></definedNames></workbook>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
            ("xl/worksheets/sheet1.xml", worksheet),
        ):
            archive.writestr(path, text)
    return buffer.getvalue()
