"""Load the bundled data: read and check everything first, then write it in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from registry.db import transaction
from registry.errors import IngestError, Problem
from registry.geo import OfflineGeocoder
from registry.ingest import datasets
from registry.ingest.aliases import (
    GeoCity,
    attach_geonames,
    attach_manual_aliases,
    read_geonames,
    read_manual_aliases,
)
from registry.ingest.gazetteer_de import read_german_gazetteer
from registry.ingest.gazetteer_ua import german, read_ukrainian_gazetteer
from registry.ingest.local_units import LocalUnits
from registry.ingest.partnerships import Gazetteer, PartnershipFile, read_partnership_file
from registry.ingest.third_partners import PlaceFinder, read_third_partners
from registry.ingest.vocabulary import read_vocabulary
from registry.ingest.war_listing import read_war_listing
from registry.names import Candidate, IndexedName, NameIndex, NameKind, fold, names_for
from registry.records import MunicipalityRecord, Row, ThirdPartnerFile, UnplacedRow, WarListingRecord
from registry.repository import loading as repository
from registry.repository import needs as needs_repository
from registry.repository import third_partners as third_repository

Progress = Callable[[str], None]
# A fuzzy name match good enough to place a third-country list's town (the distance check follows).
THIRD_NAME_SCORE = 80.0


@dataclass
class LoadReport:
    """What a load did, for the CLI to print."""

    municipalities: repository.SyncCounts = field(default_factory=repository.SyncCounts)
    partnerships: repository.SyncCounts = field(default_factory=repository.SyncCounts)
    unplaced: list[UnplacedRow] = field(default_factory=list)
    skipped_unincorporated: int = 0
    geonames_matches: int = 0
    without_coordinates: list[str] = field(default_factory=list)
    third: ThirdPartnerFile = field(default_factory=ThirdPartnerFile)
    third_changes: tuple[int, int] = (0, 0)  # ties added, removed
    war_listings: list[WarListingRecord] = field(default_factory=list)
    war_listing_unplaced: int = 0
    war_listing_changed: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        m, p = self.municipalities, self.partnerships
        extra = any(self.third_changes) or self.war_listing_changed
        return bool(m.added or m.updated or m.removed or p.added or p.updated or extra)


def expand_names(record: MunicipalityRecord) -> None:
    """Derive every (name, lang, kind, key) row to store for ``record``: its names, then its settlements."""
    rows = names_for(record.names)
    keys = {key for *_, key in rows}
    for settlement, _lang in record.settlement_names:
        # Villages are many (27,000): store the official and the German spelling only.
        for spelling, lang in ((settlement, "uk"), (german(settlement), "de")):
            key = fold(spelling)
            if key and key not in keys:
                keys.add(key)
                rows.append((spelling, lang, NameKind.SETTLEMENT, key))
    record.name_rows = rows


def read_bundled(
    data_dir: Path, progress: Progress
) -> tuple[list[MunicipalityRecord], PartnershipFile, LoadReport]:
    """Read and check every bundled file; raise IngestError before anything is written."""
    report = LoadReport()
    started = time.perf_counter()

    def step(message: str) -> None:
        progress(f"[{time.perf_counter() - started:5.1f} s] {message}")

    german_gazetteer = read_german_gazetteer(data_dir)
    report.skipped_unincorporated = german_gazetteer.skipped_unincorporated
    step(
        f"German gazetteer: {len(german_gazetteer.records):,} Länder, Kreise and Gemeinden "
        f"({german_gazetteer.skipped_unincorporated} gemeindefreie Gebiete skipped: not municipalities)"
    )
    ukrainian = read_ukrainian_gazetteer(data_dir)
    step(f"Ukrainian gazetteer: {len(ukrainian.records):,} oblasts, special cities, raions and hromadas")
    records = german_gazetteer.records + ukrainian.records
    cities = read_geonames(data_dir / datasets.GEONAMES.path)
    report.geonames_matches = attach_geonames(records, cities, ukrainian.settlements_by_hromada)
    by_code = {r.code: r for r in records}
    if unknown := attach_manual_aliases(
        by_code, read_manual_aliases(data_dir / datasets.MANUAL_ALIASES.path)
    ):
        raise IngestError([Problem(line) for line in unknown])
    for record in records:
        expand_names(record)
    step(f"names: {report.geonames_matches:,} places matched to GeoNames alternate names")

    gazetteer, search_codes = _gazetteer(records, german_gazetteer.gemeinde_rows, cities)
    partnerships = read_partnership_file(data_dir / datasets.PARTNERSHIPS.path, gazetteer)
    for unit in partnerships.local_units:
        records.append(unit)
        by_code[unit.code] = unit
    for partnership in partnerships.partnerships:
        by_code[partnership.de_code].names += [(n, lang, NameKind.SOURCE) for n, lang in partnership.de_names]
        by_code[partnership.ua_code].names += [(n, lang, NameKind.SOURCE) for n, lang in partnership.ua_names]
    for code in {p.de_code for p in partnerships.partnerships} | {
        p.ua_code for p in partnerships.partnerships
    }:
        expand_names(by_code[code])
    report.unplaced = partnerships.unplaced
    report.without_coordinates = [r.code for r in records if r.lat is None]
    step(
        f"partnerships: {len(partnerships.partnerships)} placed, {len(partnerships.unplaced)} not placed, "
        f"{len(partnerships.local_units)} partners without an official code given local identifiers"
    )
    report.third = read_third_partners(
        data_dir / datasets.THIRD_PARTNERS.path, PlaceFinder(records, search_codes)
    )
    step(
        f"third-country twin towns: {len(report.third.ties)} ties with {len(report.third.towns)} towns "
        f"placed, {len(report.third.unplaced)} rows not placed"
    )
    centres = {
        r.code: (
            next((c for c, scheme, label in r.codes if scheme == "settlement" and label == "centre"), ""),
            r.name_uk or "",
        )
        for r in records
        if r.level in ("hromada", "city_special_status")
    }
    hromadas = [r for r in records if r.level in ("hromada", "city_special_status")]
    report.war_listings, war_unplaced = read_war_listing(
        data_dir / datasets.WAR_LIST.path, hromadas, gazetteer.code_owner, centres
    )
    report.war_listing_unplaced = len(war_unplaced)
    return records, partnerships, report


def _gazetteer(
    records: list[MunicipalityRecord], gemeinde_rows: list[Row], cities: list[GeoCity]
) -> tuple[Gazetteer, Callable[[str, str], list[str]]]:
    code_owner: dict[str, str] = {}
    for record in records:
        for code, _scheme, _label in record.codes:
            code_owner.setdefault(code, record.code)
    by_code = {r.code: r for r in records}
    index = NameIndex(
        (IndexedName(i, key, kind) for i, r in enumerate(records) for _n, _l, kind, key in r.name_rows),
        (Candidate(i, r.country, r.level, r.population) for i, r in enumerate(records)),
    )

    def candidates_for(name: str, country: str) -> list[str]:
        return [
            f"{records[m.municipality_id].code} {records[m.municipality_id].name_official}"
            for m in index.search(name, country=country, limit=5)
        ]

    def search_codes(name: str, country: str) -> list[str]:
        # Close spellings only ("Zaporizhia" for Zaporizhzhia): the caller still checks the distance.
        return [
            records[m.municipality_id].code
            for m in index.search(name, country=country, limit=5)
            if m.score >= THIRD_NAME_SCORE
        ]

    gazetteer = Gazetteer(
        code_owner=code_owner,
        records=by_code,
        land_codes={fold(r.name): r.code for r in records if r.level == "land"},
        local_unit=LocalUnits(gemeinde_rows, by_code, OfflineGeocoder(cities)),
        candidates_for=candidates_for,
    )
    return gazetteer, search_codes


def load_bundled(factory: sessionmaker[Session], data_dir: Path, progress: Progress) -> LoadReport:
    """Load every bundled file; idempotent, and all-or-nothing."""
    started = time.perf_counter()
    records, partnerships, report = read_bundled(data_dir, progress)
    categories = read_vocabulary(data_dir)
    cited = [(url, citation) for p in partnerships.partnerships for url, citation, _role in p.sources]
    with transaction(factory) as session:
        source_ids = repository.sync_sources(session, [*datasets.ALL, *cited])
        progress("writing municipalities, names and codes ...")
        report.municipalities = repository.sync_municipalities(session, records, source_ids, progress)
        report.partnerships = repository.sync_partnerships(
            session, partnerships.partnerships, source_ids, datasets.PARTNERSHIPS.path
        )
        repository.sync_unresolved(session, datasets.PARTNERSHIPS.path, partnerships.unplaced)
        report.third_changes = third_repository.sync_third_partners(
            session, report.third, source_ids.get(datasets.THIRD_PARTNERS.key)
        )
        report.war_listing_changed = third_repository.sync_war_listing(
            session, report.war_listings, source_ids.get(datasets.WAR_LIST.key)
        )
        needs_repository.sync_categories(session, categories)
    with transaction(factory) as session:
        repository.refresh_planner_statistics(session)
    report.seconds = time.perf_counter() - started
    return report
