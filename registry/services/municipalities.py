"""Edits of a municipality's facts: each changed fact cites its source; audited and version-checked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from registry.errors import UnprocessableError
from registry.facts import FACT_SOURCE, UKRAINIAN_FACTS
from registry.repository.common import SourceSpec, municipality_row, source_id
from registry.repository.municipalities import TABLE
from registry.services import writes
from registry.services.writes import Change, require_source

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from registry.repository.audit import Actor

# Facts whose order matters: the later one may not lie before the earlier one.
ORDERED_FACTS: Final = (("occupied_since", "occupation_ended"),)


def snapshot(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return the editable facts of a municipality row, as the audit trail records them."""
    return (
        {field: row[field] for field in FACT_SOURCE}
        | {column: row[column] for column in sorted(set(FACT_SOURCE.values()))}
        | {"version": row["version"]}
    )


MUNICIPALITY: Final = writes.Audited[str, Mapping[str, Any]](
    entity="municipality",
    table=TABLE,
    read=municipality_row,
    snapshot=snapshot,
    row_id=lambda row: int(row["id"]),
    version=lambda row: int(row["version"]),
    key=lambda row: str(row["code"]),
    municipality_code=lambda row: str(row["code"]),
)


def update_facts(
    session: Session,
    code: str,
    expected_version: int,
    changes: Mapping[str, Any],
    source: SourceSpec,
    actor: Actor,
) -> int:
    """Change facts of a municipality, each pointing at ``source``; return the new version."""
    require_source(source)

    def plan(row: Mapping[str, Any]) -> Change:
        if unknown := set(changes) - set(FACT_SOURCE):
            raise UnprocessableError(
                f"not an editable fact: {', '.join(sorted(unknown))}", field=min(unknown)
            )
        if row["country"] != "UA" and (ukrainian := set(changes) & UKRAINIAN_FACTS):
            field = min(ukrainian)
            raise UnprocessableError(f"{field} is a fact of Ukrainian municipalities only", field=field)
        if not changes:
            raise UnprocessableError("the change names no fact to edit")
        merged = {**row, **changes}
        for start, end in ORDERED_FACTS:
            if merged[start] and merged[end] and merged[end] < merged[start]:
                raise UnprocessableError(f"{end} lies before {start}", field=end)
        source_ref = source_id(session, source)
        return Change(
            dict(changes)
            | {FACT_SOURCE[field]: source_ref for field in changes}
            | {
                "edited_facts": sorted(set(row["edited_facts"] or ()) | set(changes))
            }  # kept by `registry load`
        )

    return writes.update(session, MUNICIPALITY, code, expected_version, actor, plan)
