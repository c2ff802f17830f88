"""Read a CSV file strictly: UTF-8, required columns, and the physical line of every row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

from registry.errors import IngestError, Problem
from registry.records import Row

# The longest cell a file may hold (Python's csv module stops at this length by default, with an
# error that names neither line nor column); longer cells are reported as a problem of their own.
MAX_CELL_CHARS: Final = 131_072


def read_rows(path: Path, required: Sequence[str], *, label: str | None = None) -> list[Row]:
    """Read every row of ``path``; raise IngestError for bad encoding or missing columns."""
    return list(iter_rows(path.read_bytes(), required, label=label or path.name))


def iter_rows(content: bytes, required: Sequence[str], *, label: str) -> Iterator[Row]:
    """Decode and parse CSV bytes, checking encoding and header before yielding any row.

    A row with a cell no column may hold is not yielded; all such cells are raised together at the end.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise IngestError(
            [
                Problem(
                    f"not valid UTF-8 (byte 0x{content[exc.start]:02x} at offset {exc.start}); "
                    "save the file as UTF-8",
                    file=label,
                    line=line,
                )
            ]
        ) from exc
    # Let the parser read any cell the file holds, so an overlong one is reported with its line and
    # column below. The limit is process-wide: it only ever grows here, so concurrent readers are safe.
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise IngestError([Problem("the file is empty; expected a header row", file=label, line=1)])
    header = [column.strip() for column in header]
    if missing := [column for column in required if column not in header]:
        raise IngestError(
            [
                Problem(
                    f"missing column(s) {', '.join(missing)}; the header has {', '.join(header)}",
                    file=label,
                    line=1,
                )
            ]
        )
    start = reader.line_num + 1
    problems: list[Problem] = []  # of single cells: every one is reported, after the last row
    for values in reader:
        if not any(v.strip() for v in values):
            start = reader.line_num + 1
            continue
        if len(values) != len(header):
            raise IngestError(
                [Problem(f"{len(values)} fields where the header has {len(header)}", file=label, line=start)]
            )
        row = Row(label, start, dict(zip(header, values, strict=True)))
        if bad := _bad_cells(row, header, values):
            problems.extend(bad)
        else:
            yield row
        start = reader.line_num + 1
    if problems:
        raise IngestError(problems)


def _bad_cells(row: Row, header: Sequence[str], values: Sequence[str]) -> list[Problem]:
    """Cells no column may hold: a NUL character (PostgreSQL refuses it) or an overlong text."""
    problems = []
    for column, value in zip(header, values, strict=True):
        if "\x00" in value:
            problems.append(row.problem(column, "the cell contains a NUL character (\\x00)"))
        elif len(value) > MAX_CELL_CHARS:
            problems.append(
                row.problem(column, f"the cell has {len(value):,} characters; at most {MAX_CELL_CHARS:,}")
            )
    return problems
