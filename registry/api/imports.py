"""Bulk import of partnerships from a CSV body: every row checked first, then all written or none."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Final

import anyio
from litestar import Request, post
from litestar.exceptions import HTTPException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE

from registry.api import convert
from registry.api.auth import SECURITY
from registry.api.deps import DbSession, Search, Writer
from registry.api.errors import CREATE
from registry.api.schemas import ImportOut
from registry.services.importing import import_partnerships

MAX_IMPORT_BYTES: Final = 16 * 1024 * 1024  # ~60,000 rows of data/partnerships.csv
LABEL: Final = "request body"


@dataclass
class CsvUpload(Operation):
    """Document the request body, which Litestar cannot infer from a raw read."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="CSV with the columns of data/partnerships.csv (UTF-8, header row)",
            content={"text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))},
        )


@post(
    "/api/partnerships/import",
    status_code=200,
    responses=CREATE,
    tags=["partnerships"],
    security=SECURITY,
    operation_class=CsvUpload,
    request_max_body_size=MAX_IMPORT_BYTES,
)
async def import_csv(
    request: Request[Any, Any, Any],
    session: DbSession,
    search: Search,
    actor: Writer,
    dry_run: Annotated[bool, QueryParameter(description="check and report, write nothing")] = False,
) -> ImportOut:
    """Import partnerships from a CSV body (the columns of data/partnerships.csv; other columns ignored).

    Each side is given by a code (AGS, Kreis or Land key, KATOTTH) or by a name in any spelling
    (`de_name` with `de_state`, `ua_name_en` with `ua_oblast` narrow it). Every row is checked first:
    if any row has a problem, the response (422) lists every problem with its line and column, and
    unknown or ambiguous names with the best candidates, and nothing is written. Otherwise all rows
    are written in one transaction. A pair already in the registry is updated, not duplicated.
    """
    try:
        content = await request.body()
    except HTTPException as error:
        if error.status_code != HTTP_413_REQUEST_ENTITY_TOO_LARGE:
            raise
        raise HTTPException(
            status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            detail=f"the file is larger than {MAX_IMPORT_BYTES // 2**20} MiB, the most one import takes: "
            "split the file",
        ) from error
    report = await anyio.to_thread.run_sync(
        partial(
            import_partnerships,
            session,
            search,
            content,
            LABEL,
            actor,
            dry_run=dry_run,
            max_rows=request.app.state["settings"].import_max_rows,
        )
    )
    return convert.struct(ImportOut, report.__dict__)


ROUTES = [import_csv]
