"""The read cache's store and generation counter, without a server."""

from __future__ import annotations

from registry.api.cache import Entry, ResponseStore
from registry.services.cache import DataGeneration


def _entry(generation: int, size: int) -> Entry:
    return Entry(generation, 200, [], b"x" * size)


def test_an_answer_is_served_only_for_its_generation() -> None:
    store = ResponseStore(entries=10)
    store.put(("/api/stats", b""), _entry(3, 10))
    assert store.get(("/api/stats", b""), 3) is not None
    assert store.get(("/api/stats", b""), 4) is None
    assert store.get(("/api/stats", b"land=12"), 3) is None


def test_the_least_recently_used_answers_go_first_by_count_and_by_size() -> None:
    store = ResponseStore(entries=2, budget_bytes=100)
    store.put(("/a", b""), _entry(0, 10))
    store.put(("/b", b""), _entry(0, 10))
    store.get(("/a", b""), 0)  # /a is now the most recent
    store.put(("/c", b""), _entry(0, 10))
    assert store.get(("/b", b""), 0) is None
    assert store.get(("/a", b""), 0) is not None
    store.put(("/d", b""), _entry(0, 95))  # over the byte budget: everything older goes
    assert store.get(("/a", b""), 0) is None
    assert store.get(("/c", b""), 0) is None
    assert store.get(("/d", b""), 0) is not None


def test_the_generation_moves_on_writes_and_on_changes_seen_elsewhere() -> None:
    generation = DataGeneration()
    generation.observe((1, 2))
    assert generation.value == 0  # the first fingerprint is the baseline
    generation.observe((1, 2))
    assert generation.value == 0
    generation.observe((1, 3))
    assert generation.value == 1
    generation.bump()
    assert generation.value == 2
