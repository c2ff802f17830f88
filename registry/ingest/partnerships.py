"""Read partnerships.csv: validate every row, place both sides, derive kind and status with reasons."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from registry.errors import IngestError, Problem
from registry.ingest.cells import Values
from registry.ingest.csvfile import iter_rows
from registry.names import fold
from registry.records import MunicipalityRecord, PartnershipRecord, Row, UnplacedRow

COLUMNS = (
    "id",
    "de_name",
    "de_state",
    "de_level",
    "de_code",
    "ua_name_en",
    "ua_name_de",
    "ua_name_uk",
    "ua_level",
    "ua_code",
    "ua_settlement_code",
    "kind",
    "since",
    "source",
    "note",
    "confidence",
    "resolution",
    "resolution_note",
)
DE_LEVELS = {"stadt", "gemeinde", "kreis", "land"}
UA_LEVELS = {"hromada", "raion", "oblast", "city_special_status"}
SOURCE_KINDS = {"partnership", "friendship", "project/solidarity", "unknown"}
CONFIDENCES = {"high", "medium", "low"}
RESOLUTIONS = {"exact", "by_settlement", "by_renaming", "manual", "unresolved"}
DE_CODE = re.compile(r"\d{2}|\d{5}|\d{8}")
UA_CODE = re.compile(r"UA\d{17}")
URL = re.compile(r"https?://[^\s,;)'\"]+")

# Status from the source's note, first match wins. The note stays on the record, so a reader can check.
STATUS_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "requested",
        re.compile(r"REQUEST ONLY|requested partnership|PLAN/REQUEST", re.IGNORECASE),
        "the note reports a request, not a concluded partnership",
    ),
    (
        "in_preparation",
        re.compile(
            r"plan only|\bplanned\b|intent only|council to decide|\bPREPARE\b|being considered|\bstrives\b|"
            r"on the way to|\bpursuing\b|not yet concluded|only contacts/intent|prüft|agreed steps towards|"
            r"memorandum being agreed|BVV unanimously asked|to initiate",
            re.IGNORECASE,
        ),
        "the note reports a plan or a decision to prepare, not a concluded partnership",
    ),
)
OCCUPIED_REASON = "the Ukrainian partner is (wholly) occupied (Order No. 376 list): cooperation is paused"
PROJECT = re.compile(r"Projektpartnerschaft|project partnership|partnership project", re.IGNORECASE)
INTENT = re.compile(r"declaration of intent|Absichtserklärung|letter of intent", re.IGNORECASE)


@dataclass
class PartnershipFile:
    """The result of reading partnerships.csv."""

    partnerships: list[PartnershipRecord]
    unplaced: list[UnplacedRow]
    local_units: list[MunicipalityRecord]  # partners without an official code of their own


@dataclass(frozen=True)
class Gazetteer:
    """What placing a partner needs to know of the gazetteer."""

    code_owner: dict[str, str]  # any known code -> the municipality code it resolves to
    records: dict[str, MunicipalityRecord]  # municipality code -> record
    land_codes: dict[str, str]  # folded Land name -> Land key
    local_unit: Callable[[str, str, str], MunicipalityRecord]  # (name, Land key, note) -> unit without AGS
    candidates_for: Callable[[str, str], list[str]]  # (name, country) -> best guesses, for the report


def read_partnerships(content: bytes, label: str, gazetteer: Gazetteer) -> PartnershipFile:
    """Validate and place every row; raise IngestError (nothing placed) if any row is malformed."""
    problems: list[Problem] = []
    values = Values(problems)
    result = PartnershipFile([], [], [])
    local_units: dict[str, MunicipalityRecord] = {}
    seen_pairs: dict[tuple[str, str], int] = {}
    seen_ids: dict[str, int] = {}
    for row in iter_rows(content, COLUMNS, label=label):
        problems_before = len(problems)
        row_id = values.text(row, "id", required=True)
        if row_id in seen_ids:
            problems.append(
                row.problem("id", f"duplicate id {row_id!r}, first used on line {seen_ids[row_id]}")
            )
        elif row_id:
            seen_ids[row_id] = row.line
        values.choice(row, "de_level", DE_LEVELS)
        values.choice(row, "ua_level", UA_LEVELS, required=False)
        kind_source = values.choice(row, "kind", SOURCE_KINDS) or "unknown"
        confidence = values.choice(row, "confidence", CONFIDENCES, required=False)
        values.choice(row, "resolution", RESOLUTIONS)
        since = values.integer(row, "since")
        if since is not None and not 1900 <= since <= 2100:
            problems.append(row.problem("since", f"year {since} outside 1900–2100"))
        source = values.text(row, "source", required=True)
        de_code = _place_german(row, values, gazetteer, local_units)
        ua_code = _place_ukrainian(row, values, gazetteer)
        if de_code is None or ua_code is None:
            if len(problems) == problems_before:  # no bad cell: the source itself could not say who
                side = "German" if de_code is None else "Ukrainian"
                name = row.get("de_name") if de_code is None else row.get("ua_name_en")
                result.unplaced.append(
                    UnplacedRow(
                        row,
                        f"{side} partner {name!r} not identified: {_side_note(row, side)}",
                        gazetteer.candidates_for(name or "", "DE" if de_code is None else "UA"),
                    )
                )
            continue
        if (de_code, ua_code) in seen_pairs:
            problems.append(
                row.problem(
                    "ua_code",
                    f"duplicate pair {de_code}–{ua_code}, already on line {seen_pairs[de_code, ua_code]}",
                )
            )
            continue
        seen_pairs[de_code, ua_code] = row.line
        note = row.get("note")
        status, reason = _status(note, gazetteer.records[ua_code])
        result.partnerships.append(
            PartnershipRecord(
                external_ref=f"{label}#{row_id}",
                line=row.line,
                de_code=de_code,
                ua_code=ua_code,
                kind=_kind(kind_source, note),
                kind_source=kind_source,
                status=status,
                status_reason=reason,
                start_year=since,
                notes=note,
                confidence=confidence,
                resolution_note=row.get("resolution_note"),
                sources=_sources(source or "", note),
                digest=row.digest(),
                de_names=[(n, "de") for n in [row.get("de_name")] if n],
                ua_names=[
                    (n, lang)
                    for n, lang in (
                        (row.get("ua_name_en"), "en"),
                        (row.get("ua_name_de"), "de"),
                        (row.get("ua_name_uk"), "uk"),
                    )
                    if n
                ],
            )
        )
    if problems:
        raise IngestError(problems)
    result.local_units = list(local_units.values())
    return result


def _side_note(row: Row, side: str) -> str:
    note = row.get("resolution_note") or ""
    part = next(
        (p for p in note.split("||") if p.strip().startswith("DE" if side == "German" else "UA")), note
    )
    return part.strip() or "no code and no resolution note"


def _place_german(
    row: Row, values: Values, gazetteer: Gazetteer, local_units: dict[str, MunicipalityRecord]
) -> str | None:
    code = values.code(row, "de_code", DE_CODE)
    if code is not None:
        owner = gazetteer.code_owner.get(code)
        if owner is None:
            values.problems.append(
                row.problem("de_code", f"unknown German code {code!r} (not in the gazetteer)")
            )
        return owner
    if row.get("resolution") == "unresolved":
        return None
    name, state = row.get("de_name") or "", row.get("de_state") or ""
    land = gazetteer.land_codes.get(fold(state))
    if land is None:
        values.problems.append(row.problem("de_state", f"unknown Land {state!r}"))
        return None
    unit = gazetteer.local_unit(name, land, row.get("resolution_note") or "")
    local_units.setdefault(unit.code, unit)
    return unit.code


def _place_ukrainian(row: Row, values: Values, gazetteer: Gazetteer) -> str | None:
    for column in ("ua_code", "ua_settlement_code"):
        code = values.code(row, column, UA_CODE)
        if code is None:
            continue
        owner = gazetteer.code_owner.get(code)
        if owner is None:
            values.problems.append(
                row.problem(column, f"unknown KATOTTH code {code!r} (not in the codifier)")
            )
        return owner
    return None


def _status(note: str | None, ua_partner: MunicipalityRecord) -> tuple[str, str | None]:
    for status, pattern, reason in STATUS_RULES:
        if note and pattern.search(note):
            return status, reason
    if ua_partner.war_status == "occupied":
        return "paused", OCCUPIED_REASON
    return "active", None


def _kind(kind_source: str, note: str | None) -> str:
    """Map the source's four kinds onto the registry's six, using the note where it says more."""
    if kind_source in {"partnership", "friendship"}:
        return kind_source
    if kind_source == "project/solidarity":
        return "project" if note and PROJECT.search(note) else "solidarity"
    return "letter_of_intent" if note and INTENT.search(note) else "other"


def _sources(source: str, note: str | None) -> list[tuple[str | None, str, str]]:
    """The row's source, then every further URL its note cites."""
    primary = source.strip()
    found = [(primary if primary.startswith("http") else None, primary, "primary")]
    for url in URL.findall(note or ""):
        url = url.rstrip(".")
        if url != primary and all(url != existing for existing, _, _ in found):
            found.append((url, url, "also"))
    return found


def read_partnership_file(path: Path, gazetteer: Gazetteer) -> PartnershipFile:
    """Read a partnerships file from disk."""
    return read_partnerships(path.read_bytes(), path.name, gazetteer)
