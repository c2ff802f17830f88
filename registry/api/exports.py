"""Exports of any filtered list as CSV (two dialects) or GeoJSON, streamed batch by batch, or XLSX; all three
with the same columns, those of the data dictionary (``registry.api.dictionary``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Annotated, Any, Final, Literal

import anyio
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream
from sqlalchemy.orm import Session, sessionmaker

from registry import export
from registry.api import dictionary
from registry.api.errors import COSTLY
from registry.api.params import MUNICIPALITY_QUERY, PARTNERSHIP_QUERY, MunicipalityFilters, PartnershipFilters
from registry.api.schemas import FeatureCollectionOut
from registry.repository import municipalities, partnerships

BATCH: Final = 2000
CSV_TYPE: Final = "text/csv"  # Litestar adds "; charset=utf-8"
GEOJSON_TYPE: Final = "application/geo+json"
DialectParam = Annotated[
    Literal["excel", "excel-de"],
    QueryParameter(description='"excel-de": ";" separator, decimal comma and a BOM, for German Excel'),
]
TAGS = ["exports"]

XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Fields a GeoJSON feature carries beside its geometry: every field, under the same names as the CSV.
_KIND: Final = {"text": "text", "code": "text", "integer": "integer", "number": "number", "date": "date",
                "datetime": "datetime", "list": "list"}  # fmt: skip


def _xlsx(name: str, batches: Iterator[Sequence[Mapping[str, Any]]]) -> Response[bytes]:
    """Answer with the export ``name`` (partnerships, municipalities) as a workbook of one sheet."""
    columns = [
        export.XlsxColumn(f.name, _KIND[f.kind], key=f.source)  # type: ignore[arg-type]
        for f in dictionary.EXPORTS[name]
    ]
    body = export.xlsx_bytes(columns, batches, name)
    return Response(body, media_type=XLSX_TYPE, headers=attachment(f"{name}.xlsx"))


def _properties(fields: Sequence[dictionary.Field]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    names = [(f.name, f.source) for f in fields]
    return lambda row: {name: row[key] for name, key in names}


def _reading(
    request: Request[Any, Any, Any], batches: Callable[[Session], Iterator[Sequence[Mapping[str, Any]]]]
) -> Callable[[], Iterator[Sequence[Mapping[str, Any]]]]:
    """Read the batches in a session of their own: the request's session ends before the stream does."""
    factory: sessionmaker[Session] = request.app.state["sessions"]

    def read() -> Iterator[Sequence[Mapping[str, Any]]]:
        with factory() as session:
            yield from batches(session)

    return read


def _partnership_batches(
    request: Request[Any, Any, Any], filters: PartnershipFilters, fmt: dictionary.Format
) -> Iterator[Sequence[Mapping[str, Any]]]:
    read = _reading(
        request,
        lambda s: (
            dictionary.prepare("partnerships", b, fmt)
            for b in partnerships.iter_partnerships(
                s.connection(), filters.filter, sort=filters.sort, batch=BATCH
            )
        ),
    )
    return read()


def _municipality_batches(
    request: Request[Any, Any, Any], filters: MunicipalityFilters, fmt: dictionary.Format
) -> Iterator[Sequence[Mapping[str, Any]]]:
    read = _reading(
        request,
        lambda s: (
            dictionary.prepare("municipalities", b, fmt)
            for b in municipalities.iter_municipalities(
                s.connection(), filters.filter, sort=filters.sort, batch=BATCH
            )
        ),
    )
    return read()


async def started(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Read the start of an export (its header and first batch) before answering.

    A database that fails at once then gives a 503, not a 200 cut after the header row; one that fails
    later aborts the response (the server closes the connection before the last chunk), so no client
    takes a cut file for a whole one.
    """
    head = await anyio.to_thread.run_sync(lambda: list(itertools.islice(chunks, 2)))
    return itertools.chain(head, chunks)


def attachment(name: str) -> dict[str, str]:
    """Headers that make a browser save the answer as the file ``name``."""
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _documented(media_type: str, description: str, body: Any = str) -> dict[int, ResponseSpec]:
    return {
        **COSTLY,
        200: ResponseSpec(
            data_container=body, media_type=media_type, description=description, generate_examples=False
        ),
    }


@get(
    "/api/partnerships.csv",
    dependencies=PARTNERSHIP_QUERY,
    tags=TAGS,
    media_type=CSV_TYPE,
    responses=_documented(CSV_TYPE, "the partnerships as CSV (UTF-8)"),
)
async def partnerships_csv(
    request: Request[Any, Any, Any], filters: PartnershipFilters, dialect: DialectParam = "excel"
) -> Stream:
    """Export the filtered partnerships as CSV; takes the filters of `GET /api/partnerships`.

    Cells that start with `=`, `+`, `-` or `@` get a leading apostrophe, so spreadsheets do not run them.
    """
    chunks = export.csv_chunks(
        dictionary.columns(dictionary.PARTNERSHIP_FIELDS),
        _partnership_batches(request, filters, "csv"),
        dialect,
    )
    return Stream(await started(chunks), media_type=CSV_TYPE, headers=attachment("partnerships.csv"))


@get(
    "/api/partnerships.geojson",
    dependencies=PARTNERSHIP_QUERY,
    tags=TAGS,
    media_type=GEOJSON_TYPE,
    responses=_documented(
        GEOJSON_TYPE, "the partnerships as an RFC 7946 FeatureCollection of LineStrings", FeatureCollectionOut
    ),
)
async def partnerships_geojson(request: Request[Any, Any, Any], filters: PartnershipFilters) -> Stream:
    """Export the filtered partnerships as GeoJSON: a LineString from the German to the Ukrainian partner."""
    chunks = export.geojson_chunks(
        _partnership_batches(request, filters, "geojson"),
        geometry=lambda r: export.line((r["de_lon"], r["de_lat"]), (r["ua_lon"], r["ua_lat"])),
        properties=_properties(dictionary.PARTNERSHIP_FIELDS),
        feature_id=lambda r: r["id"],
    )
    return Stream(await started(chunks), media_type=GEOJSON_TYPE, headers=attachment("partnerships.geojson"))


@get(
    "/api/municipalities.csv",
    dependencies=MUNICIPALITY_QUERY,
    tags=TAGS,
    media_type=CSV_TYPE,
    responses=_documented(CSV_TYPE, "the municipalities as CSV (UTF-8)"),
)
async def municipalities_csv(
    request: Request[Any, Any, Any], filters: MunicipalityFilters, dialect: DialectParam = "excel"
) -> Stream:
    """Export the filtered municipalities as CSV; takes the filters of `GET /api/municipalities`."""
    chunks = export.csv_chunks(
        dictionary.columns(dictionary.MUNICIPALITY_FIELDS),
        _municipality_batches(request, filters, "csv"),
        dialect,
    )
    return Stream(await started(chunks), media_type=CSV_TYPE, headers=attachment("municipalities.csv"))


@get(
    "/api/municipalities.geojson",
    dependencies=MUNICIPALITY_QUERY,
    tags=TAGS,
    media_type=GEOJSON_TYPE,
    responses=_documented(
        GEOJSON_TYPE, "the municipalities as an RFC 7946 FeatureCollection of Points", FeatureCollectionOut
    ),
)
async def municipalities_geojson(request: Request[Any, Any, Any], filters: MunicipalityFilters) -> Stream:
    """Export the filtered municipalities as GeoJSON points (their centres)."""
    chunks = export.geojson_chunks(
        _municipality_batches(request, filters, "geojson"),
        geometry=lambda r: export.point(r["lon"], r["lat"]),
        properties=_properties(dictionary.MUNICIPALITY_FIELDS),
        feature_id=lambda r: r["code"],
    )
    body = await started(chunks)
    return Stream(body, media_type=GEOJSON_TYPE, headers=attachment("municipalities.geojson"))


@get(
    "/api/partnerships.xlsx",
    dependencies=PARTNERSHIP_QUERY,
    tags=TAGS,
    media_type=XLSX_TYPE,
    sync_to_thread=True,
    responses=_documented(XLSX_TYPE, "the partnerships as an Excel workbook (one sheet)", bytes),
)
def partnerships_xlsx(request: Request[Any, Any, Any], filters: PartnershipFilters) -> Response[bytes]:
    """Export the filtered partnerships as XLSX, with the CSV's columns: codes as text cells, dates as
    dates, a frozen header with filters; takes the filters of `GET /api/partnerships`."""
    return _xlsx("partnerships", _partnership_batches(request, filters, "xlsx"))


@get(
    "/api/municipalities.xlsx",
    dependencies=MUNICIPALITY_QUERY,
    tags=TAGS,
    media_type=XLSX_TYPE,
    sync_to_thread=True,
    responses=_documented(XLSX_TYPE, "the municipalities as an Excel workbook (one sheet)", bytes),
)
def municipalities_xlsx(request: Request[Any, Any, Any], filters: MunicipalityFilters) -> Response[bytes]:
    """Export the filtered municipalities as XLSX, with the CSV's columns: codes as text cells, dates as
    dates, a frozen header with filters; takes the filters of `GET /api/municipalities`."""
    return _xlsx("municipalities", _municipality_batches(request, filters, "xlsx"))


ROUTES = [
    partnerships_csv,
    partnerships_geojson,
    partnerships_xlsx,
    municipalities_csv,
    municipalities_geojson,
    municipalities_xlsx,
]
