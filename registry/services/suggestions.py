"""The matching module fed from the database: its input cached until the data changes, and results
worth keeping (the coverage plan) computed once per generation of that input."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Final, TypeVar

from sqlalchemy.orm import Session

from registry.matching import MatchingInput
from registry.repository.matching import matching_stamp
from registry.services.cache import Memo, Stamped
from registry.services.matching_input import matching_input
from registry.services.matching_model import read_model

# Results kept per generation of the input: plans for a few parameter sets (each ~1 s of CPU to compute).
KEPT_RESULTS: Final = 8
T = TypeVar("T")


class MatchingData:
    """Build `MatchingInput` from the database once, and again only after the data changed."""

    def __init__(self, data_dir: Path | None = None) -> None:
        """Read the fitted model shipped in `data_dir` (none: unit coefficients, tests of single rules)."""
        model = read_model(data_dir) if data_dir is not None else None

        def build(session: Session) -> MatchingInput:
            return matching_input(session, model)

        self._input = Stamped(matching_stamp, build)
        self._results: Memo[Hashable, object] = Memo(KEPT_RESULTS)

    def invalidate(self) -> None:
        """Forget the cached input and results (call after a write in this process)."""
        self._input.invalidate()

    def get(self, session: Session) -> MatchingInput:
        """Return the current matching input."""
        return self._input.get(session)

    def memo(self, session: Session, key: Hashable, compute: Callable[[MatchingInput], T]) -> T:
        """Return ``compute(input)`` for the current input, computed once per generation and ``key``.

        Concurrent requests of one key wait for the first one's result instead of computing it again.
        """
        data, generation = self._input.current(session)
        return self._results.get(generation, key, lambda: compute(data))  # type: ignore[return-value]
