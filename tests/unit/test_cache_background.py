"""The stamp-checked cache rebuilt in the background (``Stamped(background=True)``), over a real database
and real threads: readers get the previous value while a rebuild runs, the new one is swapped in, a
failed rebuild keeps the previous value and is tried again, and writes during a rebuild coalesce."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

import pytest
from sqlalchemy import func, select

from registry import db
from registry.models import Source
from registry.services import cache
from registry.services.cache import Stamped

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session, sessionmaker

SETTLE_SECONDS: Final = 30.0  # a bound for a refresh that reads a handful of rows: only a hang reaches it


def _stamp(session: Session) -> tuple[Any, ...]:
    return tuple(session.execute(select(func.count(Source.id), func.max(Source.id))).one())


def _add_source(sessions: sessionmaker[Session], key: str) -> None:
    with db.transaction(sessions) as session:
        session.add(Source(key=key, citation=key))


class GatedBuild:
    """Read the source keys; once closed, each build waits until the test opens the gate again."""

    def __init__(self) -> None:
        self.calls = 0
        self.failures = 0  # how many of the next builds fail
        self.started = threading.Event()
        self._open = threading.Event()
        self._open.set()

    def close(self) -> None:
        self._open.clear()
        self.started.clear()

    def open(self) -> None:
        self._open.set()

    def __call__(self, session: Session) -> list[str]:
        self.calls += 1
        self.started.set()
        if not self._open.wait(SETTLE_SECONDS):
            raise TimeoutError("the test never opened the gate")
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database went away")
        return sorted(session.scalars(select(Source.key)))


@pytest.fixture
def build() -> GatedBuild:
    return GatedBuild()


@pytest.fixture
def stamped(sessions: sessionmaker[Session], build: GatedBuild) -> Iterator[Stamped[list[str]]]:
    _add_source(sessions, "first")
    value: Stamped[list[str]] = Stamped(_stamp, build, background=True)
    with sessions() as session:
        assert value.get(session) == ["first"]  # the first build: synchronous
    yield value
    build.open()
    assert value.wait_settled(SETTLE_SECONDS)  # no refresh outlives the database


def _get(sessions: sessionmaker[Session], value: Stamped[list[str]]) -> tuple[list[str], int]:
    with sessions() as session:
        return value.current(session)


def test_readers_get_the_previous_value_during_a_rebuild_then_the_new_one(
    sessions: sessionmaker[Session], build: GatedBuild, stamped: Stamped[list[str]]
) -> None:
    swaps: list[int] = []
    stamped.on_swap(lambda: swaps.append(1))
    _, before = _get(sessions, stamped)
    _add_source(sessions, "second")
    build.close()
    stamped.invalidate()  # a write of this process: the rebuild starts now, in a thread of its own
    assert build.started.wait(SETTLE_SECONDS)
    with ThreadPoolExecutor(4) as pool:  # the rebuild is held at the gate: a waiting reader would hang
        during = list(pool.map(lambda _i: _get(sessions, stamped), range(8)))
    assert during == [(["first"], before)] * 8
    assert not stamped.settled()
    build.open()
    assert stamped.wait_settled(SETTLE_SECONDS)
    value, after = _get(sessions, stamped)
    assert (value, after, swaps) == (["first", "second"], before + 1, [1])


def test_a_failed_rebuild_keeps_the_previous_value_and_is_tried_again(
    sessions: sessionmaker[Session],
    build: GatedBuild,
    stamped: Stamped[list[str]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(cache, "STAMP_INTERVAL_SECONDS", 3600.0)
    _add_source(sessions, "second")
    build.failures = 1
    stamped.invalidate()
    assert stamped.wait_settled(SETTLE_SECONDS)
    assert _get(sessions, stamped)[0] == ["first"]  # kept, and not retried before the interval is over
    assert build.calls == 2
    assert "could not refresh" in caplog.text
    assert any(record.levelno == logging.ERROR and record.exc_info for record in caplog.records)
    monkeypatch.setattr(cache, "STAMP_INTERVAL_SECONDS", 0.0)  # the interval is over
    assert _get(sessions, stamped)[0] == ["first"]  # this check starts the retry
    assert stamped.wait_settled(SETTLE_SECONDS)
    assert _get(sessions, stamped)[0] == ["first", "second"]
    assert build.calls == 3


def test_writes_during_a_rebuild_make_one_more_rebuild_not_one_each(
    sessions: sessionmaker[Session], build: GatedBuild, stamped: Stamped[list[str]]
) -> None:
    build.close()
    stamped.invalidate()
    assert build.started.wait(SETTLE_SECONDS)
    for n in range(5):  # five writes while the rebuild is held
        _add_source(sessions, f"write {n}")
        stamped.invalidate()
    build.open()
    assert stamped.wait_settled(SETTLE_SECONDS)
    assert build.calls == 1 + 2  # the first build, the one under way, one more for all five writes
    assert _get(sessions, stamped)[0] == sorted(["first", *(f"write {n}" for n in range(5))])


def test_a_write_of_another_process_is_noticed_by_the_fingerprint_in_the_background(
    sessions: sessionmaker[Session],
    build: GatedBuild,
    stamped: Stamped[list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache, "STAMP_INTERVAL_SECONDS", 0.0)  # check on every read
    stamped.recheck()
    assert stamped.wait_settled(SETTLE_SECONDS)
    assert build.calls == 1  # the same fingerprint: nothing rebuilt
    _add_source(sessions, "elsewhere")  # no invalidate(): only the fingerprint can tell
    build.close()
    assert _get(sessions, stamped)[0] == ["first"]
    assert build.started.wait(SETTLE_SECONDS)
    build.open()
    assert stamped.wait_settled(SETTLE_SECONDS)
    assert _get(sessions, stamped)[0] == ["elsewhere", "first"]


def test_without_background_an_invalidated_value_is_rebuilt_by_the_next_reader(
    sessions: sessionmaker[Session], build: GatedBuild
) -> None:
    _add_source(sessions, "first")
    value: Stamped[list[str]] = Stamped(_stamp, build)
    with sessions() as session:
        value.get(session)
        _add_source(sessions, "second")
        value.invalidate()
        assert value.settled()  # nothing runs in the background
        assert value.get(session) == ["first", "second"]
    assert build.calls == 2


def test_a_write_is_settled_by_the_next_rebuild_though_writes_keep_coming(
    sessions: sessionmaker[Session],
) -> None:
    """A write waits for one rebuild that started after it, not until no write is left."""
    entered, passes = threading.Semaphore(0), threading.Semaphore(0)

    def build(session: Session) -> list[str]:
        entered.release()
        assert passes.acquire(timeout=SETTLE_SECONDS)
        return sorted(session.scalars(select(Source.key)))

    _add_source(sessions, "first")
    value: Stamped[list[str]] = Stamped(_stamp, build, background=True)
    passes.release()
    with sessions() as session:
        value.get(session)
    assert entered.acquire(timeout=SETTLE_SECONDS)
    first = value.invalidate()
    assert entered.acquire(timeout=SETTLE_SECONDS)  # its rebuild runs, held
    second = value.invalidate()  # a write during that rebuild
    assert not value.settled(first)
    passes.release()
    assert entered.acquire(timeout=SETTLE_SECONDS)  # the first rebuild is done, the next one runs, held
    assert (value.settled(first), value.settled(second)) == (True, False)
    passes.release()
    assert value.wait_settled(SETTLE_SECONDS)
    assert value.settled(second)
