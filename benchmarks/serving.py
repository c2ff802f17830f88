"""Servers for the benchmarks: a free port of a helper's range, and waiting until a server answers."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port(ports: range) -> int:
    """Return the first port of ``ports`` nothing listens on."""
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def wait_until_up(url: str, process: subprocess.Popen[bytes], *, seconds: float = 120) -> None:
    """Wait until ``url``/health answers 200.

    Raises:
        RuntimeError: the process ended, or did not answer in time.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the server did not start")
        time.sleep(0.2)
