"""Servers for the benchmarks: a free port of a helper's range, waiting until a server answers, and
creating a PostgreSQL database a benchmark is pointed at."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx
from sqlalchemy import create_engine, make_url, text


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


def create_postgres_database_if_missing(url: str) -> None:
    """Create the PostgreSQL database ``url`` names, connecting to the server's ``postgres`` one."""
    target = make_url(url)
    if not target.get_backend_name().startswith("postgresql"):
        return
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            print(f"creating the database {target.database} ...", flush=True)
            quoted = server.dialect.identifier_preparer.quote(target.database or "")
            connection.execute(text(f"CREATE DATABASE {quoted}"))
    server.dispose()
