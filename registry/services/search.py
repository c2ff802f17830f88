"""Municipality search over the database: the name index, cached until the data changes.

The index is rebuilt in the background (``Stamped(background=True)``): a search during a rebuild is
answered from the previous index. An edit of a municipality's facts (its population ranks it) only
re-ranks the existing index, in milliseconds; the names are indexed anew only when they changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.orm import Session

from registry.names import NameIndex
from registry.repository import gazetteer as queries
from registry.repository.name_rows import FoundUnitRow
from registry.services.cache import Stamped

EXACT_CODE_SCORE: Final = 100.0  # a code names its unit exactly: the top of the name scores' scale


@dataclass(frozen=True)
class SearchResult(FoundUnitRow):
    """A found municipality, as `registry find --json` and the API show it: the unit's row, how well it
    matched, and the spelling it matched."""

    score: float
    matched: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class MunicipalitySearch:
    """Find municipalities by any spelling; safe to share between threads."""

    def __init__(self) -> None:
        self._index = Stamped(queries.name_index_stamp, self._build_index, background=True)
        self._last: _Built | None = None

    @property
    def cache(self) -> Stamped[NameIndex]:
        """The cached index (to recheck it after a write, or to wait for its refresh)."""
        return self._index

    def index(self, session: Session) -> NameIndex:
        """Return the name index, rebuilt if the database changed since it was built."""
        return self._index.get(session)

    def find(
        self, session: Session, query: str, *, country: str | None = None, limit: int = 10
    ) -> list[SearchResult]:
        """Return the best matches for ``query``, best first."""
        matches = self.index(session).search(query, country=country, limit=limit)
        found = queries.search_rows(session, [m.municipality_id for m in matches])
        return [_result(found[m.municipality_id], m.score, m.matched_key) for m in matches]

    def resolve(self, session: Session, code_or_name: str, *, limit: int = 3) -> list[SearchResult]:
        """Return the unit a code names (any of its codes), else the best matches of a name; [] if none."""
        unit = queries.municipality_id_by_code(session, code_or_name)
        if unit is None:
            return self.find(session, code_or_name, limit=limit)
        return [_result(queries.search_rows(session, [unit])[unit], EXACT_CODE_SCORE, code_or_name)]

    def _build_index(self, session: Session) -> NameIndex:
        """Keep the last index if neither names nor facts changed (an edit of a partnership), re-rank it if
        only facts did, else index every name (one build at a time)."""
        names, facts = queries.names_stamp(session), queries.ranking_stamp(session)
        last = self._last
        if last and last.names == names and last.facts == facts:
            return last.index
        candidates = queries.ranking_candidates(session)
        index = last.index.reranked(candidates) if last and last.names == names else None
        if index is None:
            index = NameIndex(queries.indexed_names(session), candidates)
        self._last = _Built(names, facts, index)
        return index


@dataclass(frozen=True)
class _Built:
    """An index and the stamps of the names and facts it was built from."""

    names: tuple[Any, ...]
    facts: tuple[Any, ...]
    index: NameIndex


def _result(row: FoundUnitRow, score: float, matched: str) -> SearchResult:
    return SearchResult(**vars(row), score=score, matched=matched)
