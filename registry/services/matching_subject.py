"""Who the suggestions are for: a code, or the best match of a name, with a note on a namesake.

A bare city name means the city ("Gütersloh" is the Stadt; the name index ranks a namesake Kreis
behind it unless the query says Kreis or Landkreis). The note names the other candidate, so that a
user who meant the Kreis sees how to ask for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from registry.services.search import MunicipalitySearch, SearchResult

# Results this close to the best one are named in the note as well (score points of the name index).
CLOSE_SCORE = 1.0


@dataclass(frozen=True)
class Subject:
    """The unit to suggest partners for."""

    code: str
    name: str
    country: str
    level: str
    note: str | None  # names the other candidates a name could mean


def _label(result: SearchResult) -> str:
    parent = f", {result.parent_name}" if result.parent_name else ""
    return f"{result.name} ({result.level}, {result.code}{parent})"


def resolve_subject(search: MunicipalitySearch, session: Session, wanted: str) -> Subject | None:
    """Resolve a code or a name in any spelling; None when nothing matches."""
    results = search.resolve(session, wanted, limit=4)
    if not results:
        return None
    best, others = results[0], results[1:]
    namesakes = [r for r in others if r.matched == best.matched and r.level != best.level]
    close = [r for r in others if r.score >= best.score - CLOSE_SCORE and r not in namesakes]
    note = None
    if namesakes or close:
        parts = [f"taking {_label(best)}"]
        if namesakes:
            parts.append("same name: " + "; ".join(_label(r) for r in namesakes))
            if any(r.level == "kreis" for r in namesakes):
                parts.append('write "Kreis ..." or "Landkreis ..." for the Kreis')
        if close:
            parts.append("also close: " + "; ".join(_label(r) for r in close))
        note = "; ".join(parts)
    return Subject(best.code, best.name, best.country, best.level, note)
