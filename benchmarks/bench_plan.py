"""Benchmark /health while the coverage plan is being computed, and the server's peak memory.

Run (one command):

    .venv/bin/python benchmarks/bench_plan.py [--database-url postgresql://postgres@127.0.0.1:5432/bench_plan]

It loads the bundled data once into benchmarks/results/bench_plan.db (or the given database, if it is
empty), starts the app as in production (uvicorn, one process, read cache and memoised plan on) on a
port of 8250-8299, and polls ``GET /health`` every 20 ms: first idle, then while 20 clients fire
``GET /api/plan`` at once, their parameters varied (need thresholds, dates, weights) so that some
share a plan and the others each need one computed. Printed: /health p50/p99/max idle and under the
load (same run), the plan requests' statuses and latencies, and the peak RSS (VmHWM) of the server and
of its build processes (where the plans are computed). Targets (issue 9): /health p99 under 50 ms
under the load, the server's peak RSS under 800 MB.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_api import ensure_loaded  # noqa: E402
from serving import free_port, wait_until_up  # noqa: E402

from registry.config import Settings  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

RESULTS = ROOT / "benchmarks" / "results"
PORTS: Final = range(8250, 8300)  # this helper's ports
CLIENTS: Final = 20
POLL_SECONDS: Final = 0.02
IDLE_SECONDS: Final = 5.0
HEALTH_TARGET_MS: Final = 50.0
RSS_TARGET_MB: Final = 800.0
# Twenty requests, eight parameter sets: the repeats share a plan (single flight), the rest are misses.
PLANS: Final = [
    {},
    {"need_threshold": "0.2"},
    {"need_threshold": "0.4"},
    {"need_threshold": "0.6"},
    {"as_of": "2024-01-01"},
    {"as_of": "2023-06-30"},
    {"weights": "size=2"},
    {"weights": "idp=0,saturation=2"},
]


@contextmanager
def server(database_url: str) -> Iterator[tuple[str, int]]:
    """Run the app with uvicorn in a child process; yield its base URL and process id."""
    port = free_port(PORTS)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "registry.api.app:create_app", "--factory", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        env=os.environ | {"DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc")


def children_peak_rss_mb(pid: int) -> list[float]:
    """The peak resident sets of the process's children (its build processes), in MB."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return [peak_rss_mb(child) for child in children if Path(f"/proc/{child}/status").exists()]


def poll_health(url: str, stop: threading.Event) -> list[float]:
    """Time ``GET /health`` every POLL_SECONDS until ``stop`` is set; return the latencies in ms."""
    latencies: list[float] = []
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(f"{url}/health").raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(POLL_SECONDS)
    return latencies


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def _figures(latencies: list[float]) -> str:
    return (
        f"{len(latencies):4} requests: p50 {statistics.median(latencies):7.1f} ms  "
        f"p99 {_p99(latencies):7.1f} ms  max {max(latencies):7.1f} ms"
    )


def fetch_plan(url: str, params: dict[str, str]) -> tuple[int, float]:
    started = time.perf_counter()
    status = httpx.get(f"{url}/api/plan", params=params, timeout=600).status_code
    return status, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: benchmarks/results/bench_plan.db (SQLite)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{RESULTS / 'bench_plan.db'}"
    ensure_loaded(Settings.from_env({"DATABASE_URL": database_url}))
    with server(database_url) as (url, pid):
        stop = threading.Event()
        with ThreadPoolExecutor(1) as poller:
            idle_run = poller.submit(poll_health, url, stop)
            time.sleep(IDLE_SECONDS)
            stop.set()
            idle = idle_run.result()
        rss_idle = peak_rss_mb(pid)
        stop = threading.Event()
        started = time.perf_counter()
        with ThreadPoolExecutor(1) as poller, ThreadPoolExecutor(CLIENTS) as clients:
            loaded_run = poller.submit(poll_health, url, stop)
            answers = list(clients.map(lambda i: fetch_plan(url, PLANS[i % len(PLANS)]), range(CLIENTS)))
            stop.set()
            under_load = loaded_run.result()
        seconds = time.perf_counter() - started
        rss_peak = peak_rss_mb(pid)
        children_peaks = children_peak_rss_mb(pid)
    print(f"/health while {CLIENTS} clients ask GET /api/plan at once ({len(PLANS)} parameter sets), "
          f"{database_url.split(':', 1)[0]}")  # fmt: skip
    print(f"  idle (baseline): {_figures(idle)}")
    print(f"  under the load:  {_figures(under_load)}")
    print(f"  p99 under load / idle p99: {_p99(under_load) / _p99(idle):.1f}x")
    statuses = Counter(status for status, _ in answers)
    print(f"  plan requests: {dict(sorted(statuses.items()))} in {seconds:.1f} s; "
          f"slowest 200 {max((s for c, s in answers if c == 200), default=0):.1f} s")  # fmt: skip
    print(f"  server peak RSS (VmHWM): {rss_idle:.0f} MB idle after start, {rss_peak:.0f} MB after the load")
    print(f"  its build processes' peak RSS: {', '.join(f'{mb:.0f} MB' for mb in children_peaks) or 'none'}")
    health_ok, rss_ok = _p99(under_load) < HEALTH_TARGET_MS, rss_peak < RSS_TARGET_MB
    print(f"  targets: /health p99 < {HEALTH_TARGET_MS:.0f} ms {'met' if health_ok else 'MISSED'}, "
          f"RSS < {RSS_TARGET_MB:.0f} MB {'met' if rss_ok else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
