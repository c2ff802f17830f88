"""Names of the dependencies handlers ask for (Litestar wants them marked explicitly)."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency
from sqlalchemy.orm import Session, sessionmaker

from registry.repository.audit import Actor
from registry.services.search import MunicipalitySearch

DbSession: TypeAlias = NamedDependency[Session]  # "session": one per request, committed or rolled back whole
# "reads": sessions for handlers that only read; each opens one in its own thread, uses its connection
# and closes it there (no second thread hop to finish a request-scoped session)
Reads: TypeAlias = NamedDependency[sessionmaker[Session]]
Search: TypeAlias = NamedDependency[MunicipalitySearch]  # "search": the shared name search
Writer: TypeAlias = NamedDependency[Actor]  # "actor": the authenticated API key of a write
