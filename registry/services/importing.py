"""Bulk import of partnerships from CSV: check and place every row first, then write all or nothing.

The file has the columns of data/partnerships.csv (other columns are ignored), so the bundled file and
files exported by coordinators can both be imported. Each side is given by a code (AGS, Kreis or Land
key, KATOTTH of a hromada or of a settlement in it) or by a name in any spelling, resolved with the
core name search; a name that is unknown or ambiguous is a problem reported with the best candidates.
A pair already in the registry is updated from the row's non-empty cells, so importing a file twice
changes nothing the second time.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from registry.errors import IngestError, Problem, UnprocessableError
from registry.ingest.cells import Values
from registry.ingest.csvfile import iter_rows
from registry.ingest.partnerships import CONFIDENCES, INTENT, OCCUPIED_REASON, PROJECT, STATUS_RULES, URL
from registry.models import PartnershipKind, PartnershipStatus
from registry.names import level_hint
from registry.records import Row
from registry.repository import partnerships as records
from registry.repository.common import SourceSpec
from registry.repository.municipalities import units, units_by_code
from registry.repository.rows import PartnershipRow
from registry.services import partnership_edits as edits
from registry.services.import_write import changes_of, write

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

    from registry.repository.audit import Actor
    from registry.repository.name_rows import PlacedUnitRow
    from registry.services.search import MunicipalitySearch

# The source of a row: "source" (data/partnerships.csv), or "sources" (the registry's own export, every
# source joined by " | ", the first the primary); one of them is required.
REQUIRED: Final = ("kind", "source")
EXPORTED: Final = ("kind", "sources")
LIST_SEPARATORS: Final = re.compile(r"\s*[;|]\s*")  # topics: ";" in the bundled file, " | " in exports
LIST_SEPARATORS_OF_SOURCES: Final = re.compile(r"\s+\|\s+")  # a source may hold ";" itself
# The export prefixes cells starting with these with an apostrophe, so spreadsheets do not run them.
FORMULA_GUARD: Final = re.compile(r"^'(?=[=+\-@])")
DE_COLUMNS: Final = ("de_code", "de_name")
UA_COLUMNS: Final = ("ua_code", "ua_settlement_code", "ua_name_en", "ua_name_de", "ua_name_uk", "ua_name")
KINDS: Final = frozenset(k.value for k in PartnershipKind) | {"project/solidarity", "unknown"}
STATUSES: Final = frozenset(s.value for s in PartnershipStatus)
# Levels a row's de_level/ua_level admits: the source's "stadt" may be registered as a Gemeinde and back.
LEVELS: Final[dict[str, frozenset[str]]] = {
    "stadt": frozenset({"stadt", "gemeinde", "gemeindeverband", "stadtbezirk"}),
    "gemeinde": frozenset({"stadt", "gemeinde", "gemeindeverband", "stadtbezirk"}),
    "kreis": frozenset({"kreis"}),
    "land": frozenset({"land"}),
    "hromada": frozenset({"hromada", "city_special_status"}),
    "raion": frozenset({"raion"}),
    "oblast": frozenset({"oblast"}),
    "city_special_status": frozenset({"city_special_status"}),
}
CANDIDATES: Final = 5
SEARCH_DEPTH: Final = 25
# Two exact hits whose ranks differ by less than this are ambiguous. The rank adds up to 8 points for
# size, so Frankfurt am Main and Frankfurt (Oder) (1.3 apart) stay ambiguous, while an exact hit on a
# town's own name beats a village of the same name in another hromada (settlement names weigh 0.85,
# about 13 points less).
AMBIGUITY_MARGIN: Final = 5.0
TOPIC: Final = re.compile(r"[a-z][a-z0-9_]{0,59}")


@dataclass
class Placed:
    """A row whose two sides are known, with the values to write."""

    row: Row
    de_code: str
    ua_code: str
    de_id: int
    ua_id: int
    spec: edits.PartnershipSpec
    explicit: dict[str, Any]  # the fields the row sets, for updating a pair that exists
    existing: PartnershipRow | None = None


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), row by row."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    items: list[dict[str, Any]] = field(default_factory=list)  # line, row id, partnership id, action


class Resolver:
    """Place a partner by code or by name, against the database and the core name search."""

    def __init__(self, session: Session, search: MunicipalitySearch) -> None:
        self.session = session
        self.search = search
        self.known: dict[str, PlacedUnitRow] = {}

    def look_up(self, codes: Iterable[str]) -> None:
        """Fetch the units of many codes at once, so that placing rows by code asks nothing more."""
        self.known.update(units_by_code(self.session, codes))

    def by_code(self, code: str) -> PlacedUnitRow | None:
        if code not in self.known:
            self.look_up([code])
        return self.known.get(code)

    def by_name(
        self, name: str, *, country: str, levels: frozenset[str] | None, region: str | None
    ) -> tuple[PlacedUnitRow | None, str, list[str]]:
        """Return the unit, or None with the reason and the best candidates."""
        matches = self.search.index(self.session).search(name, country=country, limit=SEARCH_DEPTH)
        by_id = {u.id: u for u in units(self.session, ids=[m.municipality_id for m in matches])}
        fitting = [
            m
            for m in matches
            if (levels is None or by_id[m.municipality_id].level in levels)
            and (region is None or _in_region(by_id[m.municipality_id], region))
        ]
        exact = [m for m in fitting if m.exact]
        if len(exact) == 1 or (len(exact) > 1 and exact[0].score - exact[1].score >= AMBIGUITY_MARGIN):
            return by_id[exact[0].municipality_id], "", []
        shown = [_label(by_id[m.municipality_id]) for m in (exact or fitting or matches)[:CANDIDATES]]
        if len(exact) > 1:
            return None, f"ambiguous name {name!r}: {len(exact)} units match it exactly", shown
        narrowed = " with that level and region" if levels or region else ""
        return None, f"no {country} unit named {name!r}{narrowed}", shown


def _label(unit: PlacedUnitRow) -> str:
    region = f", {unit.region_name}" if unit.region_name and unit.region_code != unit.code else ""
    return f"{unit.code} {unit.name_official} ({unit.level}{region})"


def _in_region(unit: PlacedUnitRow, region: str) -> bool:
    wanted = level_hint(region)[0]
    names = (unit.region_name, unit.region_name_de, unit.region_name_en, unit.region_name_uk)
    return region == unit.region_code or any(n and level_hint(n)[0] == wanted for n in names)


def _kind(value: str, note: str | None) -> str:
    """Map the kinds of data/partnerships.csv onto the registry's, as the loader does."""
    if value == "project/solidarity":
        return "project" if note and PROJECT.search(note) else "solidarity"
    if value == "unknown":
        return "letter_of_intent" if note and INTENT.search(note) else "other"
    return value


def _derived_status(note: str | None, ua: PlacedUnitRow) -> tuple[str, str | None]:
    for status, pattern, reason in STATUS_RULES:
        if note and pattern.search(note):
            return status, reason
    if ua.war_status == "occupied":
        return "paused", OCCUPIED_REASON
    return "active", None


def _unguarded(value: str | None) -> str | None:
    """Drop the apostrophe the registry's export puts before a cell starting with = + - or @."""
    return None if value is None else FORMULA_GUARD.sub("", value)


def _sources(source: str, note: str | None, more: list[str] | None = None) -> list[tuple[SourceSpec, str]]:
    """The row's source, then every further source it lists and URL its note cites (as the loader
    reads them)."""
    primary = source.strip()
    found = [(SourceSpec(url=primary if primary.startswith("http") else None, citation=primary), "primary")]
    for other in more or []:
        spec = SourceSpec(url=other if other.startswith("http") else None, citation=other)
        if all(spec.key != known.key for known, _ in found):
            found.append((spec, "also"))
    for url in URL.findall(note or ""):
        url = url.rstrip(".")
        if all(url != spec.key for spec, _ in found):
            found.append((SourceSpec(url=url, citation=url), "also"))
    return found


class _Reader:
    """Check one file's rows, placing both sides of each."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.problems: list[Problem] = []
        self.values = Values(self.problems)

    def side(self, row: Row, country: str) -> PlacedUnitRow | None:
        columns = DE_COLUMNS if country == "DE" else UA_COLUMNS
        prefix = country.lower()
        for column in columns:
            if column.endswith("code") and (code := row.get(column)):
                unit = self.resolver.by_code(code)
                if unit is None or unit.country != country:
                    where = "in the registry" if unit is None else f"in {country} (it is in {unit.country})"
                    self.problems.append(row.problem(column, f"unknown code {code!r}: no unit {where}"))
                    return None
                return unit
        names = [(c, n) for c in columns if not c.endswith("code") and (n := row.get(c))]
        if not names:
            self.problems.append(
                row.problem(columns[0], f"the {country} partner has neither a code nor a name")
            )
            return None
        level = row.get(f"{prefix}_level")
        levels = LEVELS.get(level) if level else None
        if level and levels is None:
            self.problems.append(row.problem(f"{prefix}_level", f"unknown level {level!r}"))
            return None
        region = row.get("de_state" if country == "DE" else "ua_oblast")
        column, name = names[0]
        unit, reason, candidates = self.resolver.by_name(name, country=country, levels=levels, region=region)
        if unit is None:
            self.problems.append(Problem(reason, row.file, row.line, column, tuple(candidates)))
        return unit

    def read(self, row: Row) -> Placed | None:
        before = len(self.problems)
        kind = self.values.choice(row, "kind", set(KINDS))
        status = self.values.choice(row, "status", set(STATUSES), required=False)
        confidence = self.values.choice(row, "confidence", set(CONFIDENCES), required=False)
        year_column = "since" if row.get("since") is not None else "start_year"
        year = self.values.integer(row, year_column)
        if year is not None and not 1900 <= year <= 2100:
            self.problems.append(row.problem(year_column, f"year {year} outside 1900-2100"))
        start, end = self.values.date(row, "start_date"), self.values.date(row, "end_date")
        cited = LIST_SEPARATORS_OF_SOURCES.split(row.get("sources") or "")
        listed = [FORMULA_GUARD.sub("", s) for s in cited if s]
        source = (
            _unguarded(self.values.text(row, "source", required=True))
            if "source" in row.values
            else (listed[0] if listed else self.values.text(row, "sources", required=True))
        )
        note = _unguarded(row.get("note") or row.get("notes"))
        topics = [t for t in LIST_SEPARATORS.split(row.get("topics") or "") if t]
        for topic in topics:
            if not TOPIC.fullmatch(topic):
                self.problems.append(row.problem("topics", f"malformed topic {topic!r} (lower-case code)"))
        german, ukrainian = self.side(row, "DE"), self.side(row, "UA")
        if (
            len(self.problems) > before
            or german is None
            or ukrainian is None
            or kind is None
            or source is None
        ):
            return None
        explicit: dict[str, Any] = {"kind": _kind(kind, note)}
        for name, value in (
            ("status", status),
            ("confidence", confidence),
            ("start_year", year),
            ("start_date", start),
            ("end_date", end),
            ("notes", note),
        ):
            if value is not None:
                explicit[name] = value
        derived_status, reason = (status, None) if status else _derived_status(note, ukrainian)
        spec = edits.PartnershipSpec(
            de_code=german.code,
            ua_code=ukrainian.code,
            kind=explicit["kind"],
            kind_source=kind,
            status=derived_status or "active",
            status_reason=reason,
            start_year=year,
            start_date=start,
            end_date=end,
            notes=note,
            confidence=confidence,
            topics=topics,
            sources=_sources(source, note, listed[1:]),
        )
        return Placed(row, german.code, ukrainian.code, german.id, ukrainian.id, spec, explicit)


def check_file(
    session: Session,
    search: MunicipalitySearch,
    content: bytes,
    label: str,
    *,
    max_rows: int,
) -> list[Placed]:
    """Check and place every row; raise IngestError listing every problem (line, column, candidates)."""
    reader = _Reader(Resolver(session, search))
    placed: list[Placed] = []
    seen: dict[tuple[str, str], int] = {}
    first_line = content.partition(b"\n")[0].decode("utf-8-sig", "replace")
    header_cells = {c.strip() for c in next(csv.reader([first_line]), [])}
    exported = "sources" in header_cells and "source" not in header_cells
    rows = list(iter_rows(content, EXPORTED if exported else REQUIRED, label=label))
    if not rows:
        raise IngestError([Problem("the file has a header but no rows", file=label, line=2)])
    if len(rows) > max_rows:
        raise IngestError(
            [
                Problem(
                    f"{len(rows):,} rows; one import takes at most {max_rows:,}: split the file",
                    file=label,
                    line=rows[max_rows].line,
                )
            ]
        )
    header = set(rows[0].values)
    for country, columns in (("DE", DE_COLUMNS), ("UA", UA_COLUMNS)):
        if not header & set(columns):
            raise IngestError(
                [
                    Problem(
                        f"no column names the {country} partner; expected one of {', '.join(columns)}",
                        file=label,
                        line=1,
                    )
                ]
            )
    reader.resolver.look_up(
        code
        for row in rows
        for column in (*DE_COLUMNS, *UA_COLUMNS)
        if column.endswith("code")
        if (code := row.get(column))
    )
    unique: list[Placed] = []
    for row in rows:
        item = reader.read(row)
        if item is None:
            continue
        pair = (item.de_code, item.ua_code)
        if pair in seen:
            reader.problems.append(
                row.problem(
                    "ua_code" if row.get("ua_code") else None,
                    f"duplicate pair {item.de_code} - {item.ua_code}, already on line {seen[pair]}",
                )
            )
            continue
        seen[pair] = row.line
        unique.append(item)
    linked = records.pair_ids(session, ((item.de_id, item.ua_id) for item in unique))
    existing = records.partnerships_by_id(session, sorted(linked.values()))
    for item in unique:
        pid = linked.get((item.de_id, item.ua_id))
        item.existing = None if pid is None else existing[pid]
        try:
            edits.check_dates({**(edits.editable(item.existing) if item.existing else {}), **item.explicit})
        except UnprocessableError as error:
            reader.problems.append(item.row.problem(error.field, str(error)))
            continue
        placed.append(item)
    if reader.problems:
        raise IngestError(sorted(reader.problems, key=lambda problem: problem.line or 0))
    return placed


def import_partnerships(
    session: Session,
    search: MunicipalitySearch,
    content: bytes,
    label: str,
    actor: Actor,
    *,
    dry_run: bool = False,
    max_rows: int,
) -> ImportReport:
    """Check the whole file, then create or update its rows in one short bulk write.

    The checking only reads; its transaction ends before the write starts, so the write transaction
    lasts as long as its bulk statements (and on PostgreSQL no transaction stays open while thousands of
    names are looked up). The write commits or rolls back with the caller's session.
    """
    placed = check_file(session, search, content, label, max_rows=max_rows)
    if not dry_run:
        session.commit()  # nothing written yet: this only ends the reading transaction
    created = [item for item in placed if item.existing is None]
    updates = {item.row.line: change for item in placed if item.existing and (change := changes_of(item))}
    new_ids = iter([] if dry_run else write(session, created, list(updates.values()), actor))
    report = ImportReport(
        rows=len(placed),
        created=len(created),
        updated=len(updates),
        unchanged=len(placed) - len(created) - len(updates),
        dry_run=dry_run,
    )
    for item in placed:
        if item.existing is None:
            action, pid = "create", None if dry_run else next(new_ids)
        else:
            action, pid = ("update" if item.row.line in updates else "unchanged"), item.existing.id
        report.items.append(
            {"line": item.row.line, "row_id": item.row.get("id"), "partnership_id": pid, "action": action}
        )
    return report
