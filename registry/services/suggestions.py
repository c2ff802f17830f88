"""The matching module fed from the database, cached until the data changes."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from registry.matching import MatchingInput
from registry.matching.frames import PARTNERSHIP_COLUMNS
from registry.repository import matching as queries
from registry.services.matching_model import read_model

# How often a long-running process asks the database whether another process changed the data.
STAMP_INTERVAL_SECONDS: Final = 2.0


class MatchingData:
    """Build `MatchingInput` from the database once, and again only after the data changed."""

    def __init__(self, data_dir: Path | None = None) -> None:
        """Read the fitted model shipped in `data_dir` (none: unit coefficients, tests of single rules)."""
        self._model = read_model(data_dir) if data_dir is not None else None
        self._lock = threading.Lock()
        self._data: MatchingInput | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._checked_at = 0.0

    def invalidate(self) -> None:
        """Forget the cached input (call after a write in this process)."""
        with self._lock:
            self._data = None

    def get(self, session: Session) -> MatchingInput:
        """Return the current matching input."""
        with self._lock:
            now = time.monotonic()
            if self._data is not None and now - self._checked_at < STAMP_INTERVAL_SECONDS:
                return self._data
            stamp = queries.matching_stamp(session)
            self._checked_at = now
            if self._data is None or stamp != self._stamp:
                self._data = MatchingInput(
                    hromadas=queries.hromadas_frame(session),
                    germans=queries.germans_frame(session),
                    partnerships=queries.partnerships_frame(session, PARTNERSHIP_COLUMNS),
                    needs=queries.needs_frame(session),
                    offers=queries.offers_frame(session),
                    third_partners=queries.third_partners_frame(session),
                    listings=queries.listings_frame(session),
                    vocabulary=queries.vocabulary_frame(session),
                    model=self._model,
                )
                self._stamp = stamp
            return self._data
