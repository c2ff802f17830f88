"""Run the app on a free loopback port in a background thread, and start Debian's Chromium for it.

Shared by the browser tests (``tests/browser``), the page benchmark (``benchmarks/bench_pages.py``) and
the screenshot script (``scripts/screenshots.py``). Playwright is a test dependency, so it is imported
only when a browser is started. Playwright's own browser downloads fail on these machines; Debian's
``chromium`` package is used instead (``make browser`` installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from registry.config import Settings

CHROMIUM: Final = "/usr/bin/chromium"
# Without the networking flags Chromium stalls on a closed network (component updates, sync, ...).
CHROMIUM_ARGS: Final = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)  # fmt: skip
SERVER_START_TIMEOUT_SECONDS: Final = 30.0


def chromium_path() -> str | None:
    """Return Debian's Chromium if it is installed."""
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    return shutil.which("chromium")


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI ``app`` with uvicorn in a background thread; yield its base URL.

    Raises:
        RuntimeError: the server did not start within ``SERVER_START_TIMEOUT_SECONDS``.
    """
    import uvicorn

    # Bind the socket here and hand it to uvicorn: no other process can take the port in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    # proxy_headers off: the app alone decides whom to believe (REGISTRY_TRUSTED_PROXIES, api/edge.py)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=False))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"registry-app-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the app did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` (see `serve`); yield its base URL."""
    from registry.api.app import create_app

    with serve(create_app(settings)) as url:
        yield url


def is_local(url: str) -> bool:
    """Tell whether a request stays on this machine (loopback, or data:/blob: URLs)."""
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def launch_chromium(playwright: Any) -> Any:
    """Start headless Chromium through a Playwright instance (``sync_playwright().start()``).

    Raises:
        FileNotFoundError: Chromium is not installed.
    """
    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError(f"{CHROMIUM} is missing: install Debian's chromium (`make browser`)")
    return playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))


def in_ci() -> bool:
    """Tell whether we run in CI (``CI=1``), where a missing browser is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
