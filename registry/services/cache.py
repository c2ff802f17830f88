"""The one stamp-checked cache: values built from the database, kept until the data changes.

Three pieces, used by every cache of the registry:

- ``DataGeneration`` and ``StampWatcher``: a counter that moves on with each write of this process and,
  through a background check of a cheap fingerprint of the tables, with writes of other processes;
- ``Stamped``: one value (the name index, the matching input, the map's frames) rebuilt when its own
  fingerprint changed, asked at most every ``STAMP_INTERVAL_SECONDS``;
- ``Memo``: values by key for one generation of such a value (the coverage plan, a map page).

All of them compute a missing value once however many threads ask for it at the same time (single
flight): the others wait for that result instead of stampeding the database and the CPU. The name
index and the matching input (``background=True``) are rebuilt in a thread of their own once they
exist: readers keep the previous value until the new one is swapped in, instead of waiting a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from sqlalchemy.orm import Session

from registry.repository.common import data_stamp

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import sessionmaker

# How often a long-running process asks the database whether another process changed the data.
# Writes through this process invalidate at once.
STAMP_INTERVAL_SECONDS: Final = 1.0
log = logging.getLogger("registry.cache")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class DataGeneration:
    """A counter that moves on whenever the registry's data may have changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0
        self._stamp: tuple[Any, ...] | None = None

    @property
    def value(self) -> int:
        """Return the current generation."""
        return self._value

    def bump(self) -> None:
        """Note a write by this process."""
        with self._lock:
            self._value += 1

    def observe(self, stamp: tuple[Any, ...]) -> None:
        """Note the database's fingerprint; a change made elsewhere moves the counter on."""
        with self._lock:
            if self._stamp is not None and stamp != self._stamp:
                self._value += 1
            self._stamp = stamp


class StampWatcher:
    """Check the database fingerprint in a background thread while the app runs."""

    def __init__(self, factory: sessionmaker[Session], generation: DataGeneration) -> None:
        self._factory = factory
        self._generation = generation
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        """Read the fingerprint once."""
        with self._factory() as session:
            self._generation.observe(data_stamp(session))

    def _run(self) -> None:
        while not self._stop.wait(STAMP_INTERVAL_SECONDS):
            try:
                self.check()
            except Exception:  # a failed check must not end the watch; the next one retries
                log.exception("could not read the data fingerprint")

    def start(self) -> None:
        """Take the first fingerprint and watch in the background."""
        try:
            self.check()
        except Exception:  # e.g. a database not migrated yet: the watch retries every interval
            log.exception("could not read the data fingerprint")
        self._thread = threading.Thread(target=self._run, name="registry-stamp-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the watch."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


@dataclass
class _Call(Generic[V]):
    done: threading.Event = field(default_factory=threading.Event)
    value: V | None = None
    error: BaseException | None = None


class SingleFlight(Generic[K, V]):
    """Run one computation per key at a time; callers of a key being computed wait for its result."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[K, _Call[V]] = {}

    def run(self, key: K, compute: Callable[[], V]) -> V:
        """Return ``compute()``, or the result of the same key's computation already under way."""
        with self._lock:
            call = self._calls.get(key)
            leader = call is None
            if call is None:
                call = self._calls[key] = _Call()
        if not leader:
            call.done.wait()
            if call.error is not None:
                raise call.error
            return call.value  # type: ignore[return-value]
        try:
            call.value = compute()
        except BaseException as exc:
            call.error = exc
            raise
        finally:
            with self._lock:
                del self._calls[key]
            call.done.set()
        return call.value


class Memo(Generic[K, V]):
    """At most ``size`` values by key, for the newest generation only; each computed once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._generation = -1
        self._values: OrderedDict[K, V] = OrderedDict()
        self._flight: SingleFlight[tuple[int, K], V] = SingleFlight()

    def get(self, generation: int, key: K, compute: Callable[[], V]) -> V:
        """Return the value of ``key`` at ``generation``, computing it if this generation lacks it."""
        with self._lock:
            if generation > self._generation:
                self._generation = generation
                self._values.clear()
            elif generation == self._generation and key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = self._flight.run((generation, key), compute)
        with self._lock:
            if generation == self._generation and self.size:
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
        return value


@dataclass(frozen=True)
class _State(Generic[V]):
    value: V | None = None
    stamp: Any = None
    checked_at: float = float("-inf")
    generation: int = 0


# The stamp of a value a write of this process outdated: equal to no stamp read from the database.
_OUTDATED: Final = object()


class Stamped(Generic[V]):
    """One value built from the database and rebuilt only when its fingerprint changed; thread-safe.

    A fresh value is returned without a lock. The first value is built while its first readers wait
    (one build, however many ask). After that, by default, a check or a rebuild runs in one thread at
    a time and the threads that asked meanwhile get its result.

    With ``background=True`` readers never wait once a value exists: a due check of the fingerprint,
    an ``invalidate()`` or a ``recheck()`` starts one refresh in a thread of its own, and readers keep
    getting the previous value until the new one is swapped in. Requests that arrive while a refresh
    runs are coalesced into one more refresh after it. A failed refresh is logged and keeps the
    previous value; the next check after the interval tries again.
    """

    def __init__(
        self,
        stamp: Callable[[Session], Any],
        build: Callable[[Session], V],
        *,
        interval: float | None = None,
        background: bool = False,
    ) -> None:
        """``stamp`` reads the fingerprint, ``build`` the value; ``interval`` (s) overrides the default."""
        self._read_stamp = stamp
        self._build = build
        self.interval = interval
        self.background = background
        self._lock = threading.Lock()  # one synchronous check or build at a time
        self._swap = threading.Lock()  # held only to replace the state; invalidate() never waits a build
        self._idle = threading.Condition(self._swap)  # notified when a background refresh ends
        self._state: _State[V] = _State()
        self._invalidations = 0
        self._requests = 0  # invalidations and rechecks: a refresh that missed one runs again
        self._answered = 0  # the requests a finished (or failed) refresh took into account
        self._refreshing = False
        self._bind: Engine | Connection | None = None  # where a background refresh reads
        self._swapped: list[Callable[[], None]] = []

    def _fresh(self, state: _State[V]) -> bool:
        interval = STAMP_INTERVAL_SECONDS if self.interval is None else self.interval
        return state.value is not None and time.monotonic() - state.checked_at < interval

    def current(self, session: Session) -> tuple[V, int]:
        """Return the value and its generation (which moves on with every rebuild)."""
        state = self._state
        if self._fresh(state):
            return state.value, state.generation  # type: ignore[return-value]
        if self.background and state.value is not None:
            self._start_refresh(session.get_bind())
            return state.value, state.generation
        with self._lock:
            state = self._state
            if self._fresh(state):
                return state.value, state.generation  # type: ignore[return-value]
            invalidations = self._invalidations
            stamp = self._read_stamp(session)
            built = state.value is None or stamp != state.stamp
            value = self._build(session) if built else state.value
            with self._swap:
                if self.background:
                    self._bind = session.get_bind()
                generation = self._state.generation + (1 if built else 0)
                if invalidations != self._invalidations:  # written meanwhile: check again next time
                    self._state = _State(value, _OUTDATED, float("-inf"), generation + 1)
                else:
                    self._state = _State(value, stamp, time.monotonic(), generation)
            return value, generation  # type: ignore[return-value]

    def get(self, session: Session) -> V:
        """Return the current value."""
        return self.current(session)[0]

    def invalidate(self) -> int:
        """Outdate the value (call after a write in this process); return a ticket for ``settled``.

        Synchronous: the next reader rebuilds. In the background: a rebuild starts now, and readers
        get the previous value until it is done.
        """
        with self._swap:
            self._invalidations += 1
            self._requests += 1
            ticket = self._requests
            state = self._state
            if not (self.background and state.value is not None):
                self._state = _State(None, None, float("-inf"), state.generation + 1)
                return ticket
            self._state = replace(state, stamp=_OUTDATED, checked_at=float("-inf"))
        self._start_refresh(None)
        return ticket

    def recheck(self) -> int:
        """Ask the fingerprint again now, not after the interval (call after a write that may touch it);
        return a ticket for ``settled``."""
        with self._swap:
            self._requests += 1
            ticket = self._requests
            self._state = replace(self._state, checked_at=float("-inf"))
        if self.background:
            self._start_refresh(None)
        return ticket

    def on_swap(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after each value a background refresh swapped in (e.g. to outdate answers
        computed from the previous one)."""
        self._swapped.append(callback)

    def settled(self, ticket: int | None = None) -> bool:
        """Tell whether the refresh that ``invalidate()`` or ``recheck()`` asked for with ``ticket`` is done
        (or failed); without a ticket, whether no background refresh is running.

        Writes that come faster than rebuilds are each answered by the next rebuild that started after
        them, not only once no write is left.
        """
        return not self._refreshing or (ticket is not None and self._answered >= ticket)

    def wait_settled(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the background refresh under way; False if it still runs."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._refreshing, timeout)

    def _start_refresh(self, bind: Engine | Connection | None) -> None:
        with self._swap:
            if bind is not None:
                self._bind = bind
            if self._refreshing or self._bind is None or self._state.value is None:
                return
            self._refreshing = True
            bind = self._bind
        threading.Thread(
            target=self._refresh, args=(bind,), name="registry-cache-refresh", daemon=True
        ).start()

    def _refresh(self, bind: Engine | Connection) -> None:
        """Check the fingerprint and rebuild if it changed, until no request came in meanwhile."""
        try:
            while True:
                requests = self._refresh_once(bind)
                with self._idle:  # the same lock as invalidate(): no request falls between
                    self._answered = requests
                    if requests == self._requests:
                        self._refreshing = False
                        self._idle.notify_all()
                        return
        except Exception:  # the previous value stays; the next check after the interval retries
            log.exception("could not refresh a cached value; keeping the previous one")
            with self._idle:
                self._state = replace(self._state, checked_at=time.monotonic())
                self._answered = self._requests  # no one waits for a retry
                self._refreshing = False
                self._idle.notify_all()

    def _refresh_once(self, bind: Engine | Connection) -> int:
        """Refresh once; return the count of requests it answers (a later one asks for another)."""
        with self._swap:
            requests, invalidations, previous = self._requests, self._invalidations, self._state
        started = time.monotonic()
        with Session(bind) as session:
            stamp = self._read_stamp(session)
            built = stamp != previous.stamp
            value = self._build(session) if built else previous.value
        with self._swap:
            kept = stamp if invalidations == self._invalidations else _OUTDATED
            generation = self._state.generation + (1 if built else 0)
            self._state = _State(value, kept, time.monotonic(), generation)
        name = getattr(self._build, "__qualname__", "a value")
        log.debug("refreshed %s in %.0f ms (rebuilt: %s)", name, (time.monotonic() - started) * 1000, built)
        if built:  # before anyone waiting for this refresh goes on
            for callback in self._swapped:
                callback()
        return requests
