"""The one stamp-checked cache (registry.services.cache) and the API's read cache, without a database:
concurrent misses compute once, a write invalidates, a changed fingerprint rebuilds."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from registry.api.cache import ReadCache, ResponseStore
from registry.services import cache
from registry.services.cache import DataGeneration, Memo, SingleFlight, Stamped

T = TypeVar("T")

THREADS = 8


class Counting:
    """A slow computation that counts its calls (slow enough for every thread to miss at once)."""

    def __init__(self, result: Any = "value", seconds: float = 0.2) -> None:
        self.calls = 0
        self.result = result
        self.seconds = seconds
        self._lock = threading.Lock()

    def __call__(self, *_args: Any) -> Any:
        with self._lock:
            self.calls += 1
        time.sleep(self.seconds)
        return self.result


def _all_at_once(call: Any) -> list[Any]:
    barrier = threading.Barrier(THREADS)

    def run() -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda _i: run(), range(THREADS)))


def test_concurrent_misses_of_one_key_compute_once() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    compute = Counting()
    assert _all_at_once(lambda: flight.run("plan", compute)) == ["value"] * THREADS
    assert compute.calls == 1
    flight.run("plan", compute)  # nothing under way any more: computed again
    assert compute.calls == 2


def test_a_failed_computation_fails_its_waiters_and_is_not_kept() -> None:
    flight: SingleFlight[str, str] = SingleFlight()

    def fail() -> str:
        time.sleep(0.1)
        raise RuntimeError("database down")

    outcomes = _all_at_once(lambda: _outcome(lambda: flight.run("k", fail)))
    assert outcomes == ["RuntimeError"] * THREADS
    assert flight.run("k", lambda: "ok") == "ok"


def _outcome(call: Any) -> str:
    try:
        return str(call())
    except RuntimeError as exc:
        return type(exc).__name__


def test_stamped_builds_once_for_concurrent_first_requests() -> None:
    build = Counting(result=["index"])
    stamped = Stamped(lambda _session: (1,), build)
    assert _all_at_once(lambda: stamped.get(None))[0] == ["index"]  # type: ignore[arg-type]
    assert build.calls == 1


def test_a_write_invalidates_and_a_changed_stamp_rebuilds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "STAMP_INTERVAL_SECONDS", 0.0)  # ask for the stamp on every call
    stamp = [1]
    build = Counting(seconds=0)
    stamped = Stamped(lambda _session: tuple(stamp), build)
    session: Any = None
    _, first = stamped.current(session)
    stamped.get(session)
    assert build.calls == 1  # same stamp: kept
    stamped.invalidate()  # a write of this process
    _, second = stamped.current(session)
    assert (build.calls, second > first) == (2, True)
    stamp[0] = 2  # a write of another process
    _, third = stamped.current(session)
    assert (build.calls, third > second) == (3, True)


def test_within_the_interval_the_stamp_is_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "STAMP_INTERVAL_SECONDS", 60.0)
    asked = Counting(result=(1,), seconds=0)
    stamped = Stamped(asked, lambda _session: "value")
    for _ in range(5):
        stamped.get(None)  # type: ignore[arg-type]
    assert asked.calls == 1


def test_the_memo_keeps_one_generation_and_computes_each_key_once() -> None:
    memo: Memo[str, str] = Memo(size=4)
    compute = Counting()
    assert _all_at_once(lambda: memo.get(1, "plan", compute)) == ["value"] * THREADS
    memo.get(1, "plan", compute)
    assert compute.calls == 1
    memo.get(2, "plan", compute)  # the data changed
    assert compute.calls == 2
    memo.get(1, "plan", compute)  # a late request of the old generation: computed, not kept
    memo.get(2, "plan", compute)
    assert compute.calls == 3


def test_the_read_cache_answers_concurrent_misses_with_one_computation() -> None:
    calls = 0

    async def handler(_scope: Any, _receive: Any, send: Any) -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.2)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"x")]})
        await send({"type": "http.response.body", "body": b"answer", "more_body": False})

    generation = DataGeneration()
    middleware = ReadCache(ResponseStore(entries=10), generation)
    scope = {"type": "http", "method": "GET", "path": "/api/partnerships", "query_string": b"land=12"}

    async def request() -> bytes:
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message)

        await middleware.handle(scope, None, send, handler)  # type: ignore[arg-type]
        return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")

    async def burst() -> list[bytes]:
        return list(await asyncio.gather(*(request() for _ in range(THREADS))))

    assert _run_in_own_thread(burst) == [b"answer"] * THREADS
    assert calls == 1
    generation.bump()  # a write: the next request computes again
    _run_in_own_thread(burst)
    assert calls == 2


def _run_in_own_thread(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright keeps a loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()
