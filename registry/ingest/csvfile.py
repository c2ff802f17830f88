"""Read a CSV file strictly: UTF-8, required columns, and the physical line of every row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from registry.errors import IngestError, Problem
from registry.records import Row


def read_rows(path: Path, required: Sequence[str], *, label: str | None = None) -> list[Row]:
    """Read every row of ``path``; raise IngestError for bad encoding or missing columns."""
    return list(iter_rows(path.read_bytes(), required, label=label or path.name))


def iter_rows(content: bytes, required: Sequence[str], *, label: str) -> Iterator[Row]:
    """Decode and parse CSV bytes, checking encoding and header before yielding any row."""
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
    for values in reader:
        if not any(v.strip() for v in values):
            start = reader.line_num + 1
            continue
        if len(values) != len(header):
            raise IngestError(
                [Problem(f"{len(values)} fields where the header has {len(header)}", file=label, line=start)]
            )
        yield Row(label, start, dict(zip(header, values, strict=True)))
        start = reader.line_num + 1
