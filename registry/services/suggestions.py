"""The matching module fed from the database: its input cached until the data changes (and rebuilt in
the background), and results worth keeping (the coverage plan) computed once per generation of that
input, in a process of their own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from sqlalchemy.orm import Session

from registry import db
from registry.config import Settings
from registry.matching import MatchingInput
from registry.matching.request import make_request
from registry.repository.matching import matching_stamp
from registry.services.build_process import InParts
from registry.services.cache import Memo, Stamped
from registry.services.matching_input import matching_input
from registry.services.matching_model import read_model

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from registry.services.build_process import BuildProcess

# Results kept per generation of the input: plans for a few parameter sets (each ~1 s of CPU to compute).
KEPT_RESULTS: Final = 8
T = TypeVar("T")


class MatchingData:
    """Build `MatchingInput` from the database once, and again only after the data changed."""

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        builds: BuildProcess | None = None,
        computations: BuildProcess | None = None,
    ) -> None:
        """Read the fitted model shipped in `data_dir` (none: unit coefficients, tests of single rules).

        With ``builds``, every rebuild after the first runs in that process, off this one's interpreter
        lock (``registry.services.build_process``); with ``computations``, so do the results of ``memo``
        (a plan holds the lock in numpy and pandas calls for up to ~300 ms at a time).
        """
        self._data_dir = data_dir
        self._model = read_model(data_dir) if data_dir is not None else None
        self._builds = builds
        self._computations = computations
        self._built = False
        self._input = Stamped(matching_stamp, self._build, background=True)
        self._results: Memo[Hashable, object] = Memo(KEPT_RESULTS)
        # Results of different keys are computed one after the other: each takes a few hundred MB
        # while it is computed (four plans at once took the server from 230 MB to 1.2 GB).
        self._computing = threading.Lock()

    def _build(self, session: Session) -> MatchingInput:
        if self._builds is None or not self._built or _in_memory(session):
            value = matching_input(session, self._model)
            if self._builds is not None and not self._built:
                self._builds.start(_imported)  # ready for the first rebuild
            self._built = True
            return value
        session.rollback()  # hold no locks (a schema change, a reload) while the other process reads
        return self._builds.run(read_input_elsewhere, _database_url(session), self._data_dir).value()

    @property
    def cache(self) -> Stamped[MatchingInput]:
        """The cached input (to wait for its refresh after a write)."""
        return self._input

    def invalidate(self) -> int:
        """Outdate the input and results (call after a write in this process): the input is rebuilt in the
        background, and until it is swapped in, readers get the previous one and its results. Return a
        ticket for ``cache.settled``."""
        return self._input.invalidate()

    def get(self, session: Session) -> MatchingInput:
        """Return the current matching input."""
        return self._input.get(session)

    def memo(self, session: Session, key: Hashable, compute: Callable[[MatchingInput], T]) -> T:
        """Return ``compute(input)`` for the current input, computed once per generation and ``key``.

        Concurrent requests of one key wait for the first one's result instead of computing it again.
        With a process for computations, ``compute`` (which must then pickle, e.g. a ``partial`` of a
        module's function) runs there, on that process's own copy of the input as the database holds
        it now: the same generation or, after a write meanwhile, a newer one.
        """
        data, generation = self._input.current(session)

        def run() -> T:
            with self._computing:
                if self._computations is None or _in_memory(session):
                    return compute(data)
                database_url = _database_url(session)
                session.rollback()  # hold no locks while the other process reads
                return self._computations.run(compute_elsewhere, database_url, self._data_dir, compute)

        return self._results.get(generation, key, run)  # type: ignore[return-value]


def _in_memory(session: Session) -> bool:
    """Whether the session's database lives in this process only (no other process can read it)."""
    url = session.get_bind().engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _database_url(session: Session) -> str:
    """The URL another process opens the session's database with."""
    return session.get_bind().engine.url.render_as_string(hide_password=False)


# In a build process: one engine per database, kept between builds; the input last read for results.
_engines: dict[str, Engine] = {}
_kept_inputs: dict[str, tuple[tuple[object, ...], MatchingInput]] = {}


def _engine(database_url: str) -> Engine:
    engine = _engines.get(database_url)
    if engine is None:
        engine = _engines[database_url] = db.make_engine(replace(Settings(), database_url=database_url))
    return engine


def _read_input(session: Session, data_dir: Path | None) -> MatchingInput:
    return matching_input(session, read_model(data_dir) if data_dir is not None else None)


def read_input_elsewhere(database_url: str, data_dir: Path | None) -> InParts[MatchingInput]:
    """``matching_input`` in the build process, which has no engine of the server's, and its first use."""
    with Session(_engine(database_url)) as session:
        data = _read_input(session, data_dir)
    # The derived arrays and today's ties (~0.5 s of CPU), computed here and pickled with the input, or
    # the first request after the swap would compute them in the serving process.
    make_request(data, None, None)
    return InParts(data)


def compute_elsewhere(database_url: str, data_dir: Path | None, compute: Callable[[MatchingInput], T]) -> T:
    """``compute(input)`` in a build process, on the input it read last if the data is unchanged since."""
    with Session(_engine(database_url)) as session:
        stamp = matching_stamp(session)
        kept = _kept_inputs.get(database_url)
        if kept is None or kept[0] != stamp:
            _kept_inputs.pop(database_url, None)  # not two inputs in memory at once
            kept = _kept_inputs[database_url] = (stamp, _read_input(session, data_dir))
    return compute(kept[1])


def _imported() -> None:
    """Nothing: run in the build process at its start, it imports this module (pandas, the matching)."""
