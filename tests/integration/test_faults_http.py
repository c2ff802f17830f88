"""Faults at the HTTP edge found by the reliability test of issue 9, each reproduced over real HTTP."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from typing import Any

import anyio
import httpx
import pytest

from registry.api.edge import ExpensiveWork, Proxies, RateLimiter
from tests.conftest import LiveApi

PLAN_PORT = 8111  # `registry serve` as a real process, for its access log


def _random_bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer rk_{secrets.token_urlsafe(16)}"}


def test_random_bearer_tokens_do_not_bypass_the_write_limit(live_api: LiveApi, start_server: Any) -> None:
    url = start_server(replace(live_api.settings, write_rate_limit_per_minute=5))
    answers = [
        httpx.post(f"{url}/api/partnerships", json={}, headers=_random_bearer()).status_code for _ in range(8)
    ]
    assert answers[:5] == [401] * 5
    assert answers[5:] == [429] * 3
    # a valid key has a budget of its own, not the address's
    assert httpx.post(f"{url}/api/partnerships", json={}, headers=live_api.editor).status_code == 400


def test_the_write_limiter_remembers_a_bounded_number_of_clients() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=2, max_buckets=100, clock=lambda: now[0])
    for i in range(10_000):
        assert limiter.hit(f"ip:10.0.{i // 256}.{i % 256}") == 0
    assert len(limiter) == 100
    assert limiter.hit("ip:a") == 0
    assert limiter.hit("ip:a") == 0
    assert limiter.hit("ip:a") == 60
    now[0] = 61.0
    assert limiter.hit("ip:a") == 0  # a new window


def test_forwarded_for_counts_only_from_a_trusted_proxy(live_api: LiveApi, start_server: Any) -> None:
    limited = replace(live_api.settings, write_rate_limit_per_minute=2)
    url = start_server(limited)
    spoofed = [
        httpx.post(
            f"{url}/api/partnerships", json={}, headers={"X-Forwarded-For": f"203.0.113.{i}"}
        ).status_code
        for i in range(4)
    ]
    assert spoofed == [401, 401, 429, 429]  # the header is ignored: one client, one budget

    behind_proxy = start_server(replace(limited, trusted_proxies=("127.0.0.1",)))
    clients = [
        httpx.post(
            f"{behind_proxy}/api/partnerships", json={}, headers={"X-Forwarded-For": f"203.0.113.{i}"}
        ).status_code
        for i in range(4)
    ]
    assert clients == [401] * 4  # four clients behind the proxy, each within its budget


def test_costly_reads_are_limited_per_client(live_api: LiveApi, start_server: Any) -> None:
    url = start_server(replace(live_api.settings, read_rate_limit_per_minute=3))
    costly = ["/api/partnerships.csv", "/api/partnerships.geojson", "/api/municipalities.csv", "/api/plan"]
    answers = [httpx.get(f"{url}{path}") for path in costly]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["retry-after"]) > 0
    assert httpx.get(f"{url}/api/partnerships").status_code == 200  # cheap reads are not limited


def test_saturated_costly_work_answers_503_with_retry_after() -> None:
    """Two slots held by slow requests: the third costly request is refused at once, not queued."""
    release = anyio.Event()
    started: list[str] = []

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        started.append(scope["path"])
        await release.wait()

    guard = ExpensiveWork(slow_app, proxies=Proxies(()), reads=RateLimiter(100), concurrency=2)
    scope = {"type": "http", "method": "GET", "path": "/api/plan", "client": ("127.0.0.1", 1), "headers": []}

    async def scenario() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(guard, scope, None, None)
            tasks.start_soon(guard, scope, None, None)
            await anyio.sleep(0.05)
            with pytest.raises(Exception, match="busy") as refused:
                await guard(scope, None, None)
            assert getattr(refused.value, "status_code", None) == 503
            assert refused.value.headers == {"Retry-After": "5"}  # type: ignore[attr-defined]
            release.set()
        await guard({**scope, "path": "/api/stats"}, None, None)  # not costly: never refused

    # a thread of its own: a browser test of the same run may hold an event loop in this one
    runner = threading.Thread(target=anyio.run, args=(scenario,))
    runner.start()
    runner.join(timeout=10)
    assert started == ["/api/plan", "/api/plan", "/api/stats"]


def test_a_malformed_body_without_a_key_is_401_not_400(live_api: LiveApi) -> None:
    answer = httpx.post(
        f"{live_api.url}/api/partnerships", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    with_key = httpx.post(
        f"{live_api.url}/api/partnerships",
        content=b"{nope",
        headers={"content-type": "application/json", **live_api.editor},
    )
    assert with_key.status_code == 400


@pytest.mark.parametrize(
    ("path", "status"),
    [("/static/pages.css%00.js", 400), ("/municipalities/%00", 400), ("/api/municipalities/%00", 400)],
)
def test_a_nul_in_the_url_is_a_400(live_api: LiveApi, path: str, status: int) -> None:
    for accept in ("application/json", "text/html"):
        assert httpx.get(f"{live_api.url}{path}", headers={"accept": accept}).status_code == status


def test_json_nested_1000_levels_is_a_400(live_api: LiveApi) -> None:
    nested = "[" * 1000 + "]" * 1000
    answer = httpx.post(
        f"{live_api.url}/api/partnerships",
        content=nested,
        headers={"content-type": "application/json", **live_api.editor},
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_pages_send_csp_nosniff_and_no_framing(live_api: LiveApi) -> None:
    page = httpx.get(f"{live_api.url}/", headers={"accept": "text/html"})
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    the_map = httpx.get(f"{live_api.url}/map")
    map_policy = the_map.headers["content-security-policy"]
    assert "'sha256-" in map_policy  # its own hash-based policy is kept ...
    assert map_policy.count("frame-ancestors") == 1  # ... and it may not be framed
    assert "frame-ancestors 'none'" in map_policy
    api = httpx.get(f"{live_api.url}/api/stats")
    assert api.headers["x-content-type-options"] == "nosniff"


def _wait_for_port(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("registry serve did not start")


def test_a_key_in_the_query_string_is_refused_and_not_logged(live_api: LiveApi) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": live_api.settings.database_url,
        "REGISTRY_DATA_DIR": str(live_api.settings.data_dir),
        "REGISTRY_MAP_TILES": "off",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "registry", "serve", "--port", str(PLAN_PORT)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_port(PLAN_PORT, server)
        secret = live_api.editor["Authorization"].removeprefix("Bearer ")
        base = f"http://127.0.0.1:{PLAN_PORT}"
        for query in (f"api_key={secret}", f"token={secret}", f"q={secret}"):
            answer = httpx.get(f"{base}/api/municipalities?{query}")
            assert answer.status_code == 401, query
            assert secret not in answer.text
        assert httpx.get(f"{base}/nowhere?key={secret}").status_code in (401, 404)
        assert httpx.get(f"{base}/api/stats").status_code == 200
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert "GET /api/stats" in log  # the access log is on ...
    assert secret not in log  # ... and holds no key
    assert "[redacted]" in log
