"""Municipality search over the database: the name index, cached until the data changes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.orm import Session

from registry.names import NameIndex
from registry.repository import gazetteer as queries

# How often a long-running process asks the database whether another process changed the names.
# Writes through this process call invalidate() and take effect at once.
STAMP_INTERVAL_SECONDS: Final = 1.0
EXACT_CODE_SCORE: Final = 100.0  # a code names its unit exactly: the top of the name scores' scale


@dataclass(frozen=True)
class SearchResult:
    """A found municipality, as `registry find --json` and the API show it."""

    code: str
    country: str
    level: str
    name: str
    name_de: str | None
    name_en: str | None
    name_uk: str | None
    parent_name: str | None
    population: int | None
    score: float
    matched: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class MunicipalitySearch:
    """Find municipalities by any spelling; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: NameIndex | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._checked_at = 0.0

    def invalidate(self) -> None:
        """Forget the index; the next search rebuilds it (call after writing names)."""
        with self._lock:
            self._index = None

    def index(self, session: Session) -> NameIndex:
        """Return the name index, rebuilt if the database changed since it was built."""
        with self._lock:
            now = time.monotonic()
            if self._index is not None and now - self._checked_at < STAMP_INTERVAL_SECONDS:
                return self._index
            stamp = queries.name_index_stamp(session)
            self._checked_at = now
            if self._index is None or stamp != self._stamp:
                names, candidates = queries.name_index_rows(session)
                self._index, self._stamp = NameIndex(names, candidates), stamp
            return self._index

    def find(
        self, session: Session, query: str, *, country: str | None = None, limit: int = 10
    ) -> list[SearchResult]:
        """Return the best matches for ``query``, best first."""
        matches = self.index(session).search(query, country=country, limit=limit)
        found = queries.search_rows(session, [m.municipality_id for m in matches])
        return [_result(found[m.municipality_id], m.score, m.matched_key) for m in matches]

    def resolve(self, session: Session, code_or_name: str, *, limit: int = 3) -> list[SearchResult]:
        """Return the unit a code names (any of its codes), else the best matches of a name; [] if none."""
        unit = queries.municipality_by_code(session, code_or_name)
        if unit is None:
            return self.find(session, code_or_name, limit=limit)
        return [_result(queries.search_rows(session, [unit.id])[unit.id], EXACT_CODE_SCORE, code_or_name)]


def _result(row: dict[str, Any], score: float, matched: str) -> SearchResult:
    return SearchResult(
        code=row["code"],
        country=str(row["country"]),
        level=str(row["level"]),
        name=row["name"],
        name_de=row["name_de"],
        name_en=row["name_en"],
        name_uk=row["name_uk"],
        parent_name=row["parent_name"],
        population=row["population"],
        score=score,
        matched=matched,
    )
