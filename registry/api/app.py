"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litestar import Litestar, MediaType, get
from litestar.di import Provide
from sqlalchemy.orm import Session

from registry import db
from registry.config import Settings
from registry.repository import gazetteer as queries


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app for ``settings`` (tests pass their own)."""
    settings = settings or Settings.from_env()
    engine = db.make_engine(settings)
    factory = db.make_sessionmaker(engine)

    def provide_session() -> Iterator[Session]:
        with db.transaction(factory) as session:
            yield session

    @get("/health", sync_to_thread=True)
    def health(session: Session) -> dict[str, Any]:
        """Report that the app is up and the database answers."""
        return {"status": "ok", "revision": db.current_revision(session.connection())}

    @get("/", media_type=MediaType.HTML, sync_to_thread=True)
    def index(session: Session) -> str:
        """Show the headline counts."""
        figures = queries.statistics(session)
        rows = "".join(f"<tr><td>{k}</td><td>{v:,}</td></tr>" for k, v in figures["municipalities"].items())
        return (
            f"<!doctype html><html lang=en><title>registry</title><h1>registry</h1>"
            f"<p>{figures['partnerships']['total']} partnerships</p><table>{rows}</table></html>"
        )

    return Litestar(
        [health, index],
        dependencies={"session": Provide(provide_session, sync_to_thread=True)},
        on_shutdown=[engine.dispose],
    )
