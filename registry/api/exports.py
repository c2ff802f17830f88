"""Exports of any filtered list as CSV (two dialects) or GeoJSON, streamed batch by batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Annotated, Any, Final, Literal

from litestar import Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream
from sqlalchemy.orm import Session, sessionmaker

from registry import export
from registry.api.errors import READ
from registry.api.params import MUNICIPALITY_QUERY, PARTNERSHIP_QUERY, MunicipalityFilters, PartnershipFilters
from registry.api.schemas import FeatureCollectionOut
from registry.export import Column
from registry.repository import municipalities, partnerships

BATCH: Final = 2000
CSV_TYPE: Final = "text/csv"  # Litestar adds "; charset=utf-8"
GEOJSON_TYPE: Final = "application/geo+json"
DialectParam = Annotated[
    Literal["excel", "excel-de"],
    QueryParameter(description='"excel-de": ";" separator, decimal comma and a BOM, for German Excel'),
]
TAGS = ["exports"]

PARTNERSHIP_COLUMNS: Final = [
    Column("id", "integer"),
    Column("de_code"),
    Column("de_name"),
    Column("de_level"),
    Column("de_land", key="de_land_name"),
    Column("de_kreis", key="de_kreis_name"),
    Column("ua_code"),
    Column("ua_name"),
    Column("ua_name_uk"),
    Column("ua_level"),
    Column("ua_oblast", key="ua_oblast_name"),
    Column("ua_raion", key="ua_raion_name"),
    Column("kind"),
    Column("status"),
    Column("status_reason"),
    Column("start_year", "integer"),
    Column("start_date", "date"),
    Column("end_date", "date"),
    Column("confidence"),
    Column("topics", "list"),
    Column("sources", "list", key="source_list"),
    Column("notes"),
    Column("de_lat", "number"),
    Column("de_lon", "number"),
    Column("ua_lat", "number"),
    Column("ua_lon", "number"),
    Column("version", "integer"),
    Column("updated_at", "date"),
]
MUNICIPALITY_COLUMNS: Final = [
    Column("code"),
    Column("country"),
    Column("level"),
    Column("name"),
    Column("name_official"),
    Column("name_de"),
    Column("name_en"),
    Column("name_uk"),
    Column("region_code"),
    Column("region_name"),
    Column("district_code"),
    Column("district_name"),
    Column("population", "integer"),
    Column("area_km2", "number"),
    Column("lat", "number"),
    Column("lon", "number"),
    Column("war_status"),
    Column("partnership_count", "integer"),
]
_PARTNERSHIP_PROPERTIES: Final = [
    c.key or c.name for c in PARTNERSHIP_COLUMNS if not c.name.endswith(("_lat", "_lon"))
]
_MUNICIPALITY_PROPERTIES: Final = [c.name for c in MUNICIPALITY_COLUMNS if c.name not in {"lat", "lon"}]


def _with_source_list(batch: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    for row in batch:
        row["source_list"] = [s["url"] or s["citation"] for s in row["sources"]]
    return batch


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
    request: Request[Any, Any, Any], filters: PartnershipFilters
) -> Iterator[Sequence[Mapping[str, Any]]]:
    read = _reading(
        request,
        lambda s: (
            _with_source_list(b)
            for b in partnerships.iter_partnerships(s, filters.filter, sort=filters.sort, batch=BATCH)
        ),
    )
    return read()


def _municipality_batches(
    request: Request[Any, Any, Any], filters: MunicipalityFilters
) -> Iterator[Sequence[Mapping[str, Any]]]:
    read = _reading(
        request,
        lambda s: municipalities.iter_municipalities(s, filters.filter, sort=filters.sort, batch=BATCH),
    )
    return read()


def attachment(name: str) -> dict[str, str]:
    """Headers that make a browser save the answer as the file ``name``."""
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _documented(media_type: str, description: str, body: Any = str) -> dict[int, ResponseSpec]:
    return {
        **READ,
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
    chunks = export.csv_chunks(PARTNERSHIP_COLUMNS, _partnership_batches(request, filters), dialect)
    return Stream(chunks, media_type=CSV_TYPE, headers=attachment("partnerships.csv"))


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
        _partnership_batches(request, filters),
        geometry=lambda r: export.line((r["de_lon"], r["de_lat"]), (r["ua_lon"], r["ua_lat"])),
        properties=lambda r: {k: r[k] for k in _PARTNERSHIP_PROPERTIES} | {"sources": r["sources"]},
        feature_id=lambda r: r["id"],
    )
    return Stream(chunks, media_type=GEOJSON_TYPE, headers=attachment("partnerships.geojson"))


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
    chunks = export.csv_chunks(MUNICIPALITY_COLUMNS, _municipality_batches(request, filters), dialect)
    return Stream(chunks, media_type=CSV_TYPE, headers=attachment("municipalities.csv"))


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
        _municipality_batches(request, filters),
        geometry=lambda r: export.point(r["lon"], r["lat"]),
        properties=lambda r: {k: r[k] for k in _MUNICIPALITY_PROPERTIES},
        feature_id=lambda r: r["code"],
    )
    return Stream(chunks, media_type=GEOJSON_TYPE, headers=attachment("municipalities.geojson"))


ROUTES = [partnerships_csv, partnerships_geojson, municipalities_csv, municipalities_geojson]
