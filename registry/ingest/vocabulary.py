"""Read the needs/offers vocabulary: the categories of hromadas' needs and German municipalities' offers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from registry.errors import IngestError, Problem
from registry.ingest.cells import Values
from registry.ingest.csvfile import read_rows
from registry.records import CategoryRecord, Dataset

if TYPE_CHECKING:
    from pathlib import Path

VOCABULARY: Final = Dataset(
    "needs_vocabulary.csv",
    "Needs/offers vocabulary compiled from the categories of Cities4Cities, GIZ Kommunale Direkthilfe, "
    "Bridges of Trust, SKEW and Connective Cities (see each row's basis)",
    "registry project",
    "CC0",
    "2026-11",
)
COLUMNS: Final = ("code", "group", "label_de", "label_en", "label_uk", "examples", "basis")
CODE: Final = re.compile(r"[a-z][a-z0-9_]{1,39}")  # stable, URL-safe: the API and the matching use it


def read_vocabulary(data_dir: Path) -> list[CategoryRecord]:
    """Read and check every category; raise IngestError naming each bad cell."""
    problems: list[Problem] = []
    values = Values(problems)
    records: list[CategoryRecord] = []
    seen: dict[str, int] = {}
    for position, row in enumerate(read_rows(data_dir / VOCABULARY.path, COLUMNS, label=VOCABULARY.path)):
        code = values.code(row, "code", CODE, required=True)
        texts = {column: values.text(row, column, required=True) for column in COLUMNS[1:5]}
        if code in seen:
            problems.append(row.problem("code", f"duplicate code {code!r}, first on line {seen[code]}"))
        if code is None or code in seen or None in texts.values():
            continue
        seen[code] = row.line
        records.append(
            CategoryRecord(
                code=code,
                group=texts["group"] or "",
                label_de=texts["label_de"] or "",
                label_en=texts["label_en"] or "",
                label_uk=texts["label_uk"] or "",
                examples=row.get("examples"),
                basis=row.get("basis"),
                position=position,
            )
        )
    if problems:
        raise IngestError(problems)
    return records
