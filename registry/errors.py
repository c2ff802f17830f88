"""One family of domain errors; the API maps each to an HTTP status in one place."""

from __future__ import annotations

from dataclasses import dataclass


class RegistryError(Exception):
    """Base of every error the registry raises on purpose."""

    status_code = 500


class NotFoundError(RegistryError):
    status_code = 404


class ConflictError(RegistryError):
    status_code = 409


class ValidationError(RegistryError):
    status_code = 400


@dataclass(frozen=True)
class Problem:
    """One problem in an input file or request: where it is and what is wrong."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        column = f" [{self.field}]" if self.field else ""
        return f"{where}{column}: {self.message}" if where or column else self.message


class IngestError(ValidationError):
    """Input data that cannot be loaded; carries every problem found, each with file, line, field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the input:\n{shown}{more}")
