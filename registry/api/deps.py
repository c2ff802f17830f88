"""Names of the dependencies handlers ask for (Litestar wants them marked explicitly)."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency
from sqlalchemy.orm import Session

from registry.repository.audit import Actor
from registry.services.search import MunicipalitySearch

DbSession: TypeAlias = NamedDependency[Session]  # "session": one per request, committed or rolled back whole
Search: TypeAlias = NamedDependency[MunicipalitySearch]  # "search": the shared name search
Writer: TypeAlias = NamedDependency[Actor]  # "actor": the authenticated API key of a write
