"""Settings read once from the environment and passed explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def _bundled(name: str) -> Path:
    """Locate a folder shipped with the package (wheel) or in the source checkout."""
    inside_wheel = PACKAGE_DIR / f"_{name}"
    return inside_wheel if inside_wheel.is_dir() else REPO_DIR / name


def default_database_url() -> str:
    """Return the default SQLite URL: ``./registry.db`` in a checkout, else the user data dir."""
    if (REPO_DIR / "pyproject.toml").is_file():
        return f"sqlite:///{REPO_DIR / 'registry.db'}"
    directory = Path(user_data_dir("registry", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'registry.db'}"


def normalize_database_url(url: str) -> str:
    """Pin the driver, so ``postgresql://`` (as hosting platforms print it) uses psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; see ``.env.example`` for every variable."""

    database_url: str = field(default_factory=default_database_url)
    data_dir: Path = field(default_factory=lambda: _bundled("data"))
    migrations_dir: Path = field(default_factory=lambda: _bundled("migrations"))
    map_tiles: str | None = "osm"
    write_rate_limit_per_minute: int = 120
    # Reads of the costly endpoints (plan, suggestions, exports) per client and minute, and how many of
    # them run at once; more wait for a 503 with Retry-After (registry/api/edge.py).
    read_rate_limit_per_minute: int = 120
    expensive_concurrency: int = 4
    # Addresses or networks of reverse proxies whose X-Forwarded-For names the client; none by default.
    trusted_proxies: tuple[str, ...] = ()
    # How long a SQLite write waits for another one (e.g. an import) to finish before it gives up: the
    # API then answers 503 with Retry-After.
    sqlite_busy_timeout_seconds: float = 30.0
    # Rows one import may hold: its write (one bulk transaction) keeps SQLite's write lock for about a
    # second per 10,000 rows, well within the busy timeout of the writes waiting for it.
    import_max_rows: int = 20_000
    # Browser sign-in (registry/api/account_pages.py). The secret signs CSRF tokens; without one each
    # process draws a random one, so several processes do not share them: set one in production.
    session_secret: str | None = None
    session_max_age: int = 8 * 3600  # seconds a sign-in lasts
    secure_cookies: bool = True  # session and CSRF cookies only over HTTPS (and on localhost)
    public_url: str = "http://127.0.0.1:8000"  # where invitation links point
    # PostgreSQL: hear other processes' writes through LISTEN/NOTIFY (off: only the 1 s fingerprint poll;
    # for diagnosis and the baseline of benchmarks/bench_workers.py)
    listen_for_changes: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Build settings from ``DATABASE_URL`` and the ``REGISTRY_*`` variables."""
        defaults = cls()
        tiles = env.get("REGISTRY_MAP_TILES") or defaults.map_tiles or "off"
        return cls(
            database_url=normalize_database_url(env.get("DATABASE_URL") or defaults.database_url),
            data_dir=Path(env.get("REGISTRY_DATA_DIR") or defaults.data_dir),
            migrations_dir=defaults.migrations_dir,
            map_tiles=None if tiles.lower() in {"", "off", "none"} else tiles,
            write_rate_limit_per_minute=int(
                env.get("REGISTRY_WRITE_RATE_LIMIT") or defaults.write_rate_limit_per_minute
            ),
            read_rate_limit_per_minute=int(
                env.get("REGISTRY_READ_RATE_LIMIT") or defaults.read_rate_limit_per_minute
            ),
            expensive_concurrency=int(
                env.get("REGISTRY_EXPENSIVE_CONCURRENCY") or defaults.expensive_concurrency
            ),
            sqlite_busy_timeout_seconds=float(
                env.get("REGISTRY_SQLITE_BUSY_TIMEOUT") or defaults.sqlite_busy_timeout_seconds
            ),
            import_max_rows=int(env.get("REGISTRY_IMPORT_MAX_ROWS") or defaults.import_max_rows),
            trusted_proxies=tuple(
                p.strip() for p in env.get("REGISTRY_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            session_secret=env.get("REGISTRY_SESSION_SECRET") or None,
            session_max_age=int(env.get("REGISTRY_SESSION_MAX_AGE") or defaults.session_max_age),
            secure_cookies=(env.get("REGISTRY_SECURE_COOKIES") or "on").lower()
            not in {"0", "off", "false", "no"},
            public_url=(env.get("REGISTRY_PUBLIC_URL") or defaults.public_url).rstrip("/"),
            listen_for_changes=(env.get("REGISTRY_LISTEN") or "on").lower()
            not in {"0", "off", "false", "no"},
        )
