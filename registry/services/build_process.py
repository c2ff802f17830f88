"""Build large cached values in a process of their own, so that a rebuild does not stall requests.

A rebuild of the matching input takes about 0.7 s of CPU, much of it in pandas calls that hold the
interpreter lock for up to ~150 ms at a time: in a thread of the serving process it delayed every
request meanwhile by as much. In a second process it only shares the cores; the serving process
merely unpickles the result, attribute by attribute (``InParts``: the matching input's largest part
takes ~9 ms, all of it at once ~25 ms).
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
P = ParamSpec("P")
log = logging.getLogger("registry.cache")


class BuildProcess:
    """One worker process, started on first use and again after it died; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn: forking a process that runs threads can copy a lock held by one of them
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            return self._pool

    def start(self, first: Callable[[], object]) -> None:
        """Start the process now with the task ``first`` (its module is imported there: seconds), not at
        the first build."""
        self._current().submit(first)

    def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Return ``function(*args, **kwargs)`` computed in the worker process (all must pickle)."""
        pool = self._current()
        try:
            return pool.submit(function, *args, **kwargs).result()
        except BrokenProcessPool:  # the worker died (e.g. out of memory): the next run starts another
            log.warning("the build process died; starting another for the next build")
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            raise

    def close(self) -> None:
        """Stop the worker process once its build under way (if any) is done (a few seconds at most).

        Waits for it: a pool shut down without waiting could leave its worker running after this
        process ended.
        """
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class InParts(Generic[T]):
    """An object with its attributes pickled one by one, to be sent from a build process.

    Unpickling holds the interpreter lock for the whole of one ``pickle.loads``: in parts, the serving
    process's other threads get their turns in between.
    """

    def __init__(self, value: T) -> None:
        self._type = type(value)
        self._parts = [(name, pickle.dumps(part, protocol=5)) for name, part in vars(value).items()]

    def value(self) -> T:
        """Return the object, unpickled part by part (as plain pickling would, without ``__init__``)."""
        state = {}
        for name, part in self._parts:
            state[name] = pickle.loads(part)
            time.sleep(0)  # let a waiting thread run
        value = self._type.__new__(self._type)
        value.__dict__.update(state)
        return value
