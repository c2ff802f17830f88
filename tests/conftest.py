"""Shared fixtures: a real database per test (SQLite file or a PostgreSQL schema), migrated by Alembic.

Set REGISTRY_TEST_DATABASE_URL to a PostgreSQL URL (e.g. postgresql://postgres@127.0.0.1:5432/test)
to run every database test on PostgreSQL; each test then gets a schema of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from registry import db
from registry.config import Settings, normalize_database_url
from registry.services.loading import load_bundled
from registry.services.search import MunicipalitySearch
from tests.devtools import serve_app
from tests.subset import write_subset

POSTGRES_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL")


def _fresh_database(directory: Path) -> Iterator[str]:
    """Yield the URL of an empty database; drop it afterwards."""
    if not POSTGRES_URL:
        yield f"sqlite:///{directory / 'registry.db'}"
        return
    base = normalize_database_url(POSTGRES_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend under test."""
    yield from _fresh_database(tmp_path)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for an empty, not yet migrated database and the bundled data."""
    return replace(Settings(), database_url=database_url)


@pytest.fixture
def migrated(settings: Settings) -> Settings:
    """Settings for a database migrated to head."""
    db.upgrade(settings)
    return settings


@pytest.fixture
def sessions(migrated: Settings) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(migrated)
    yield db.make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def subset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real data directory (a few Länder and oblasts)."""
    return write_subset(tmp_path_factory.mktemp("subset"))


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A database holding all the bundled data, loaded once per test run; treat it as read-only."""
    for url in _fresh_database(tmp_path_factory.mktemp("loaded")):
        settings = replace(Settings(), database_url=url)
        db.upgrade(settings)
        engine = db.make_engine(settings)
        load_bundled(db.make_sessionmaker(engine), settings.data_dir, lambda _message: None)
        engine.dispose()
        yield settings


@pytest.fixture
def loaded_sessions(loaded: Settings) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(loaded)
    yield db.make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def search() -> MunicipalitySearch:
    """One name index for the run, as the app keeps one per process."""
    return MunicipalitySearch()


# --- the HTTP API, served for real -------------------------------------------------------------------


@dataclass(frozen=True)
class LiveApi:
    """A running API: its URL, its database settings and an editor and an admin key."""

    url: str
    settings: Settings
    editor: dict[str, str]  # request headers carrying the key
    admin: dict[str, str]


def _keys(settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    from registry.models import ApiKeyRole
    from registry.repository import apikeys

    engine = db.make_engine(settings)
    try:
        with db.transaction(db.make_sessionmaker(engine)) as session:
            _, editor = apikeys.create_key(session, "test editor", ApiKeyRole.EDITOR)
            _, admin = apikeys.create_key(session, "test admin", ApiKeyRole.ADMIN)
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {editor}"}, {"Authorization": f"Bearer {admin}"}


@pytest.fixture(scope="module")
def subset_database(tmp_path_factory: pytest.TempPathFactory, subset_dir: Path) -> Iterator[Settings]:
    """A database of the backend under test holding the subset, shared by one test module."""
    for url in _fresh_database(tmp_path_factory.mktemp("api")):
        settings = replace(
            Settings(), database_url=url, data_dir=subset_dir, write_rate_limit_per_minute=100_000
        )
        db.upgrade(settings)
        engine = db.make_engine(settings)
        load_bundled(db.make_sessionmaker(engine), subset_dir, lambda _message: None)
        engine.dispose()
        yield settings


@pytest.fixture(scope="module")
def subset_sessions(subset_database: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the module's subset database (the one `live_api` serves)."""
    engine = db.make_engine(subset_database)
    yield db.make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def live_api(subset_database: Settings) -> Iterator[LiveApi]:
    """The API over the module's subset database, served over real HTTP, with an editor and an admin key."""
    editor, admin = _keys(subset_database)
    with serve_app(subset_database) as url:
        yield LiveApi(url, subset_database, editor, admin)


@pytest.fixture
def start_server() -> Iterator[Callable[[Settings], str]]:
    """Start more API servers (e.g. with other settings) for one test; each stops after the test."""
    with ExitStack() as stack:
        yield lambda settings: stack.enter_context(serve_app(settings))


@pytest.fixture(scope="session")
def loaded_api(loaded: Settings) -> Iterator[str]:
    """The API over the whole bundled data (read-only): its base URL."""
    with serve_app(loaded) as url:
        yield url
