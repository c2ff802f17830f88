"""One family of domain errors; the API maps each to an HTTP status in one place."""

from __future__ import annotations

from dataclasses import dataclass


class RegistryError(Exception):
    """Base of every error the registry raises on purpose; ``field`` names the input at fault, if any."""

    status_code = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConfigurationError(RegistryError):
    """The settings name something that cannot work, e.g. a database driver that is not installed."""


class NotFoundError(RegistryError):
    status_code = 404


class ConflictError(RegistryError):
    status_code = 409


class ValidationError(RegistryError):
    status_code = 400


class UnresolvedValueError(ValidationError):
    """A value that should name one unit names none or several; ``candidates`` are the nearest."""

    def __init__(self, message: str, *, field: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message, field=field)
        self.candidates = candidates


class UnprocessableError(ValidationError):
    """Well-formed input that breaks a rule of the registry (an end before the start, a need of a Kreis)."""

    status_code = 422


class AuthenticationError(RegistryError):
    """No API key, or an unknown or revoked one."""

    status_code = 401


class PermissionDeniedError(RegistryError):
    """A valid API key whose role does not allow the operation."""

    status_code = 403


class PreconditionFailedError(RegistryError):
    """The record changed since the client read it (its ``If-Match`` is stale): nothing was written."""

    status_code = 412


class PreconditionRequiredError(RegistryError):
    """A write to an existing record came without ``If-Match``, so it could overwrite someone's change."""

    status_code = 428


@dataclass(frozen=True)
class Problem:
    """One problem in an input file or request: where it is and what is wrong."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    candidates: tuple[str, ...] = ()  # best guesses for a name that could not be placed

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        column = f" [{self.field}]" if self.field else ""
        guesses = f" (candidates: {'; '.join(self.candidates)})" if self.candidates else ""
        return f"{where}{column}: {self.message}{guesses}" if where or column else self.message + guesses


class IngestError(ValidationError):
    """Input data that cannot be loaded; carries every problem found, each with file, line, field."""

    status_code = 422  # the file was readable as a request body; its content breaks the rules

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the input:\n{shown}{more}")
