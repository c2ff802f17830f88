"""Search and suggestions while a write's rebuilds run, over real HTTP (issue 9): other clients are
answered at once from the previous name index and matching input, and the writer, once answered,
reads its write."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

import httpx
import pytest

from registry.api.app import create_app
from registry.repository import gazetteer
from registry.services.build_process import BuildProcess
from tests.devtools import serve

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.conftest import LiveApi

NIZHYN: Final = "UA74040250000063494"
COTTBUS: Final = "12052000"
CHERNIHIV: Final = "UA74100390000073425"
HELD_SECONDS: Final = 60.0  # a bound for the test's own gate: only a hang reaches it


class Gate:
    """Wraps a build step; while closed, the step waits until the test opens the gate again."""

    def __init__(self, step: Callable[..., Any]) -> None:
        self.step = step
        self.entered = threading.Event()
        self._open = threading.Event()
        self._open.set()

    def close(self) -> None:
        self.entered.clear()
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    def __call__(self, *args: Any) -> Any:
        self.entered.set()
        if not self._open.wait(HELD_SECONDS):
            raise TimeoutError("the test never opened the gate")
        return self.step(*args)


@pytest.fixture
def uncached(live_api: LiveApi) -> Iterator[str]:
    """A second server over the module's database, without the read cache: every search is computed."""
    with serve(create_app(live_api.settings, cached_reads=0)) as url:
        yield url


def _score(url: str, name: str) -> float:
    found = httpx.get(f"{url}/api/municipalities", params={"q": name, "limit": 5}, timeout=30).json()
    return next(item["score"] for item in found["items"] if item["code"] == NIZHYN)


def _edit_population(live_api: LiveApi, url: str, factor: int) -> httpx.Response:
    read = httpx.get(f"{url}/api/municipalities/{NIZHYN}")
    return httpx.patch(
        f"{url}/api/municipalities/{NIZHYN}",
        json={"population": read.json()["population"] * factor, "source": {"citation": "test"}},
        headers=live_api.editor | {"If-Match": read.headers["etag"]},
        timeout=HELD_SECONDS + 30,
    )


def test_a_search_during_the_rebuild_after_a_fact_edit_answers_from_the_previous_index(
    live_api: LiveApi, uncached: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = httpx.get(f"{uncached}/api/municipalities/{NIZHYN}").json()["name"]
    before = _score(uncached, name)  # the index is built
    gate = Gate(gazetteer.ranking_candidates)
    monkeypatch.setattr(gazetteer, "ranking_candidates", gate)
    gate.close()
    with ThreadPoolExecutor(1) as pool:
        write = pool.submit(_edit_population, live_api, uncached, 100)  # ranks Nizhyn higher
        assert gate.entered.wait(HELD_SECONDS)  # the re-ranking has begun, and is held
        during = _score(uncached, name)  # a reader waiting for the rebuild would hang here
        assert not write.done()  # the write is answered once the index includes it
        gate.open()
        assert write.result().status_code == 200
    assert during == before
    assert _score(uncached, name) > before  # the writer reads its write


def test_suggestions_during_the_rebuild_after_a_write_answer_from_the_previous_input(
    live_api: LiveApi, uncached: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    explain = f"{uncached}/api/suggestions/explain"
    pair = {"de": COTTBUS, "ua": CHERNIHIV}
    before = httpx.get(explain, params=pair, timeout=60).json()  # the input is built
    assert before["criteria"]["declared"] == 0
    gate = Gate(BuildProcess.run)  # the rebuild in the build process is held until the gate opens

    def held(builds: BuildProcess, *args: Any) -> Any:
        return gate(builds, *args)

    monkeypatch.setattr(BuildProcess, "run", held)
    gate.close()
    with ThreadPoolExecutor(2) as pool:
        need = pool.submit(
            httpx.post,
            f"{uncached}/api/municipalities/{CHERNIHIV}/needs",
            json={"category": "energy_heating", "priority": 1},
            headers=live_api.editor,
            timeout=HELD_SECONDS + 30,
        )
        assert gate.entered.wait(HELD_SECONDS)
        during = httpx.get(explain, params=pair, timeout=30).json()
        assert not need.done()
        gate.open()
        assert need.result().status_code == 201
    offered = httpx.post(
        f"{uncached}/api/municipalities/{COTTBUS}/offers",
        json={"category": "energy_heating"},
        headers=live_api.editor,
        timeout=HELD_SECONDS,
    )
    assert offered.status_code == 201, offered.text
    assert during == before
    after = httpx.get(explain, params=pair, timeout=30).json()
    assert after["criteria"]["declared"] > 0  # both writes are read by their writer at once


def test_an_edit_of_a_partnership_leaves_the_name_index_as_it_is(
    live_api: LiveApi, uncached: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = httpx.get(f"{uncached}/api/municipalities/{NIZHYN}").json()["name"]
    before = _score(uncached, name)  # the index is built
    ranked = 0
    real = gazetteer.ranking_candidates

    def counting(*args: Any) -> Any:
        nonlocal ranked
        ranked += 1
        return real(*args)

    monkeypatch.setattr(gazetteer, "ranking_candidates", counting)
    first = httpx.get(f"{uncached}/api/partnerships", params={"limit": 1}).json()["items"][0]
    path = f"{uncached}/api/partnerships/{first['id']}"
    read = httpx.get(path)
    noted = httpx.patch(
        path,
        json={"notes": "test: an edit the name index does not read"},
        headers=live_api.editor | {"If-Match": read.headers["etag"]},
        timeout=60,
    )
    assert noted.status_code == 200, noted.text
    assert (_score(uncached, name), ranked) == (before, 0)
    assert _edit_population(live_api, uncached, 100).status_code == 200
    assert ranked >= 1  # a fact edit re-ranks it
    assert _score(uncached, name) > before
