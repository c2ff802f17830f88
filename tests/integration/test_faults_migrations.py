"""Faults of the schema migrations: an upgrade killed part-way leaves a database that upgrades again.

Found by a reliability test of issue 9: on SQLite, pysqlite runs DDL outside any transaction, so a
``registry db upgrade`` killed after some ``CREATE TABLE`` left those tables behind without a
revision, and every later upgrade failed with "table source already exists".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from registry import db
from registry.config import Settings

# Runs `registry db upgrade` in this process and SIGKILLs it right after its N-th DDL statement
# (CREATE/ALTER/DROP): a real kill at a chosen, reproducible point of the upgrade.
KILL_AFTER_DDL = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

limit = int(sys.argv[1])
seen = 0

@event.listens_for(Engine, "after_cursor_execute")
def _kill(conn, cursor, statement, parameters, context, executemany):
    global seen
    if statement.lstrip().upper().startswith(("CREATE", "ALTER", "DROP")):
        seen += 1
        if seen >= limit:
            os.kill(os.getpid(), signal.SIGKILL)

from registry.cli import run
sys.argv = ["registry", "db", "upgrade"]
run()
"""


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": settings.database_url}


@pytest.mark.parametrize("kill_after", [3, 25])  # inside the first revision; inside a later one
def test_an_upgrade_killed_part_way_upgrades_again(settings: Settings, kill_after: int) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_DDL, str(kill_after)],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]

    again = subprocess.run(
        [sys.executable, "-m", "registry", "db", "upgrade"],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).parent,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert db.database_revision(settings) == db.head_revision(settings)
