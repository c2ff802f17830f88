"""The coverage plan over real HTTP, with the read cache off: computed once per data generation, not
once per request (issue 9: each /api/plan cost ~1 s of CPU and ~270 MB, so ten concurrent requests
took the server to 1.9 GB), and in the app's process for computations, not the serving one. Four at
once: as many as the edge lets run (expensive_concurrency)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx
import msgspec
from sqlalchemy.orm import Session

from registry import db
from registry.api.app import create_app
from registry.matching import coverage_plan
from registry.services.build_process import BuildProcess
from registry.services.suggestions import MatchingData, compute_elsewhere
from tests.devtools import serve

if TYPE_CHECKING:
    import pytest

    from tests.conftest import LiveApi

NIZHYN = "UA74040250000063494"


def test_the_plan_is_computed_once_per_data_generation(
    live_api: LiveApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    lock = threading.Lock()
    real = BuildProcess.run

    def counting(builds: BuildProcess, function: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        if function is compute_elsewhere:
            with lock:
                calls += 1
        return real(builds, function, *args, **kwargs)

    monkeypatch.setattr(BuildProcess, "run", counting)
    with serve(
        create_app(live_api.settings, cached_reads=0)
    ) as url:  # no read cache: every request is handled
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _i: httpx.get(f"{url}/api/plan", timeout=60), range(4)))
        again = httpx.get(f"{url}/api/plan", timeout=60)
        assert [a.status_code for a in answers] == [200] * 4
        assert {a.content for a in answers} == {again.content}
        assert calls == 1
        assert again.json() == plan_computed_here(live_api)  # the other process's is the same plan
        other = httpx.get(f"{url}/api/plan", params={"need_threshold": 0.5}, timeout=60)
        assert (other.status_code, calls) == (200, 2)  # other parameters: a plan of their own

        facts = httpx.get(f"{url}/api/municipalities/{NIZHYN}")
        changed = httpx.patch(
            f"{url}/api/municipalities/{NIZHYN}",
            json={"idp_registered": facts.json()["idp_registered"] + 1000, "source": {"citation": "test"}},
            headers=live_api.editor | {"If-Match": facts.headers["etag"]},
        )
        assert changed.status_code == 200, changed.text
        assert httpx.get(f"{url}/api/plan", timeout=60).status_code == 200
        assert calls == 3  # a write makes a new generation: computed again


def plan_computed_here(live_api: LiveApi) -> Any:
    """The default plan of the live API's data computed in this process, as JSON values."""
    engine = db.make_engine(live_api.settings)
    try:
        with Session(engine) as session:
            plan = MatchingData(live_api.settings.data_dir).memo(
                session, "plan", partial(coverage_plan, need_threshold=None, weights=None, as_of=None)
            )
    finally:
        engine.dispose()
    return msgspec.json.decode(msgspec.json.encode(plan))
