"""A read cache for the JSON API: answers a repeated GET from memory until the data changes.

Reads outnumber writes by far, and a list or search costs the database and the thread pool far more
than sending stored bytes. Every cached answer carries the data generation it was computed at; any
write through this process ends its transaction by moving the generation on, so its own clients read
their writes at once. Changes by other processes (`registry load`, `registry import`, a second
server) are noticed by a background check of a cheap fingerprint of the tables
(``registry.services.cache``). Concurrent misses of one answer compute it once: the first request
computes, the others wait for it and are served its bytes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from registry.services.cache import DataGeneration

MAX_BODY_BYTES: Final = 512 * 1024  # larger answers (a page of 500 partnerships) are not kept
BUDGET_BYTES: Final = 64 * 1024 * 1024  # all kept answers together
UNCACHED_SUFFIXES: Final = (".csv", ".geojson")  # streamed exports
log = logging.getLogger("registry.api")


@dataclass(frozen=True)
class Entry:
    generation: int
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseStore:
    """The most recently used answers, by path and query string, within a memory budget; thread-safe."""

    def __init__(self, entries: int, budget_bytes: int = BUDGET_BYTES) -> None:
        self.entries = entries
        self.budget_bytes = budget_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, bytes], Entry] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[str, bytes], generation: int) -> Entry | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is None or entry.generation != generation:
                return None
            self._items.move_to_end(key)
            return entry

    def put(self, key: tuple[str, bytes], entry: Entry) -> None:
        with self._lock:
            if (old := self._items.pop(key, None)) is not None:
                self._bytes -= len(old.body)
            self._items[key] = entry
            self._bytes += len(entry.body)
            while len(self._items) > self.entries or self._bytes > self.budget_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)


class ReadCache(ASGIMiddleware):
    """Serve a GET of the JSON API from the store when the data has not changed since."""

    def __init__(self, store: ResponseStore, generation: DataGeneration) -> None:
        self.store = store
        self.generation = generation
        self._computing: dict[tuple[tuple[str, bytes], int], asyncio.Event] = {}  # single flight

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path: str = scope["path"]
        if (
            scope["type"] != ScopeType.HTTP
            or scope["method"] != "GET"
            or not path.startswith("/api/")
            or path.endswith(UNCACHED_SUFFIXES)
            or not self.store.entries
        ):
            await next_app(scope, receive, send)
            return
        key = (path, scope.get("query_string", b""))
        generation = self.generation.value  # taken before computing: a write meanwhile outdates the answer
        entry = self.store.get(key, generation)
        if entry is None and (computing := self._computing.get((key, generation))) is not None:
            await computing.wait()  # the same answer is being computed: wait for it, do not stampede
            entry = self.store.get(key, generation)
        if entry is not None:
            await _replay(entry, send)
            return
        done = self._computing.setdefault((key, generation), asyncio.Event())
        started: dict[str, Any] = {}
        parts: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body") and started.get("status") == 200:
                    body = b"".join(parts)
                    if len(body) <= MAX_BODY_BYTES:
                        headers = [(bytes(k), bytes(v)) for k, v in started.get("headers", [])]
                        self.store.put(key, Entry(generation, 200, headers, body))
            await send(message)

        try:
            await next_app(scope, receive, keep)
        finally:
            if self._computing.get((key, generation)) is done:
                del self._computing[key, generation]
            done.set()


async def _replay(entry: Entry, send: Send) -> None:
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": entry.status,
        "headers": entry.headers,
    }
    body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": entry.body, "more_body": False}
    await send(start)
    await send(body)
