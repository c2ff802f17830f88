"""The whole bundled data in a real database: exact counts, every partnership placed, any spelling found."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from registry.config import Settings
from registry.models import Municipality, Partnership, PartnershipSource, UnresolvedRow
from registry.services.loading import load_bundled
from registry.services.search import MunicipalitySearch

EXPECTED_COUNTS = {
    ("DE", "land"): 16,
    ("DE", "kreis"): 294,  # + 106 kreisfreie Städte, which are one record with their Stadt
    ("DE", "stadt"): 2059,
    ("DE", "gemeinde"): 8693,  # 10,959 rows - 207 gemeindefreie Gebiete - 2,059 Städte
    ("DE", "gemeindeverband"): 4,
    ("DE", "bezirk"): 2,
    ("DE", "stadtbezirk"): 5,
    ("UA", "oblast"): 25,  # 24 oblasts + Crimea
    ("UA", "city_special_status"): 2,
    ("UA", "raion"): 136,
    ("UA", "hromada"): 1772,  # 1,469 + 303 Crimean hromadas of the codifier
}
KHARKIV, ZAPORIZHZHIA, KYIV, DNIPRO = (
    "UA63120270000028556",
    "UA23060070000082704",
    "UA80000000000093317",
    "UA12020010000033698",
)
LVIV, CHERNIVTSI, IVANO_FRANKIVSK = "UA46060250000025047", "UA73060610000066784", "UA26040190000081578"
SPELLINGS = [
    ("Charkiw", KHARKIV),
    ("Kharkiv", KHARKIV),
    ("Kharkov", KHARKIV),
    ("Харків", KHARKIV),
    ("Харьков", KHARKIV),
    ("charkiw", KHARKIV),
    ("Kharkivska hromada", KHARKIV),
    ("Saporischschja", ZAPORIZHZHIA),
    ("Zaporizhzhia", ZAPORIZHZHIA),
    ("Saporoshje", ZAPORIZHZHIA),
    ("Zaporozhye", ZAPORIZHZHIA),
    ("Запоріжжя", ZAPORIZHZHIA),
    ("Kiew", KYIV),
    ("Kyjiw", KYIV),
    ("Kyiv", KYIV),
    ("Kiev", KYIV),
    ("Київ", KYIV),
    ("Dnipropetrowsk", DNIPRO),
    ("Dnipropetrovsk", DNIPRO),
    ("Dnipro", DNIPRO),
    ("Дніпро", DNIPRO),
    ("Nürnberg", "09564000"),
    ("Nuernberg", "09564000"),
    ("Nuremberg", "09564000"),
    ("Nurnberg", "09564000"),
    ("Lemberg", LVIV),
    ("Lwiw", LVIV),
    ("Lviv", LVIV),
    ("Львів", LVIV),
    ("Lwów", LVIV),
    ("Czernowitz", CHERNIVTSI),
    ("Tscherniwzi", CHERNIVTSI),
    ("Chernivtsi", CHERNIVTSI),
    ("Stanislau", IVANO_FRANKIVSK),
    ("Iwano-Frankiwsk", IVANO_FRANKIVSK),
    ("Ivano-Frankivsk", IVANO_FRANKIVSK),
    ("Odessa", "UA51100270000073549"),
    ("Одеса", "UA51100270000073549"),
    ("München", "09162000"),
    ("Muenchen", "09162000"),
    ("Munich", "09162000"),
    ("Köln", "05315000"),
    ("Koeln", "05315000"),
    ("Cologne", "05315000"),
    ("Frankfurt", "06412000"),
    ("Frankfurt am Main", "06412000"),
    ("Frankfurt (Oder)", "12053000"),
    ("Frankfurt an der Oder", "12053000"),
    ("Kirowohrad", "UA35040210000014072"),
    ("Kropywnyzkyj", "UA35040210000014072"),
    ("Chervonohrad", "UA46120130000026331"),
    ("Scheptyzkyj", "UA46120130000026331"),  # renamed 2024
    ("Novomoskovsk", "UA12100070000011492"),
    ("Samar", "UA12100070000011492"),  # renamed 2024
    ("Nowohrad-Wolynskyj", "UA18080150000022496"),
    ("Zviahel", "UA18080150000022496"),  # renamed 2022
    ("Tschernihiw", "UA74100390000073425"),
    ("Mykolajiw", "UA48060150000071713"),
    ("Winnyzja", "UA05020030000031457"),
    ("Schytomyr", "UA18040190000029215"),
    ("Uschhorod", "UA21100230000083101"),
    ("Butscha", "UA32080070000050759"),
    ("Arzys", "UA51060010000033212"),
    ("Krywyj Rih", "UA12060170000091033"),
    ("Oblast Charkiw", "UA63000000000041885"),
    ("Kharkiv Oblast", "UA63000000000041885"),
    ("Харківська область", "UA63000000000041885"),
    ("Oblast Transkarpatien", "UA21000000000011690"),
    ("Rajon Tschernihiw", "UA74100000000047140"),
    ("Landkreis München", "09184"),
    ("Berlin", "11000000"),
    ("Halle", "15002000"),
    ("Bavaria", "09"),
    ("Lahn-Dill-Kreis", "06532"),
    ("Region Hannover", "03241"),
    ("Bad Mergentheim", "08128007"),
    ("Bad Mergenthiem", "08128007"),  # typo
]


def _partnership_rows(settings: Settings) -> list[dict[str, str]]:
    with (settings.data_dir / "partnerships.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_exact_counts_by_country_and_level(loaded_sessions: sessionmaker[Session]) -> None:
    with loaded_sessions() as session:
        rows = session.execute(
            select(Municipality.country, Municipality.level, func.count()).group_by(
                Municipality.country, Municipality.level
            )
        ).all()
    assert {(str(c), str(level)): n for c, level, n in rows} == EXPECTED_COUNTS


def test_regional_areas_are_whole_sums_or_left_empty(loaded_sessions: sessionmaker[Session]) -> None:
    """An oblast's area is the sum of all its hromadas' areas; a partial sum would understate it."""
    with loaded_sessions() as session:
        areas = dict(
            session.execute(
                select(Municipality.name_en, Municipality.area_km2).where(
                    Municipality.country == "UA", Municipality.level == "oblast"
                )
            ).all()
        )
    assert areas["Lviv Oblast"] == pytest.approx(21_833, rel=0.02)  # official 21,833 km²
    assert areas["Kharkiv Oblast"] == pytest.approx(31_415, rel=0.02)  # official 31,415 km²
    assert areas["Donetsk Oblast"] is None  # some of its hromadas have no area in the source


def test_every_partnership_row_is_stored_or_queued_with_a_reason(
    loaded: Settings, loaded_sessions: sessionmaker[Session]
) -> None:
    rows = _partnership_rows(loaded)
    with loaded_sessions() as session:
        stored = {p.external_ref: p for p in session.scalars(select(Partnership))}
        queued = {u.row_ref: u for u in session.scalars(select(UnresolvedRow))}
        without_source = session.scalar(
            select(func.count())
            .select_from(Partnership)
            .where(~Partnership.id.in_(select(PartnershipSource.partnership_id)))
        )
    assert len(rows) == 224
    assert len(stored) == 221
    assert set(queued) == {"40", "176", "189"}
    for row in rows:
        assert f"partnerships.csv#{row['id']}" in stored or row["id"] in queued, row["id"]
    assert all(u.reason and u.candidates for u in queued.values())
    assert without_source == 0


def test_partners_resolve_to_their_official_codes(
    loaded: Settings, loaded_sessions: sessionmaker[Session]
) -> None:
    rows = {f"partnerships.csv#{r['id']}": r for r in _partnership_rows(loaded)}
    with loaded_sessions() as session:
        codes = dict(session.execute(select(Municipality.id, Municipality.code)).all())
        pairs = session.execute(
            select(Partnership.external_ref, Partnership.de_municipality_id, Partnership.ua_municipality_id)
        ).all()
    for ref, de_id, ua_id in pairs:
        row = rows[ref]
        if row["de_code"]:
            # a kreisfreie Stadt's 5-digit Kreis key resolves to the Stadt's AGS
            assert codes[de_id] == row["de_code"] or codes[de_id].startswith(row["de_code"]), ref
        assert codes[ua_id] == row["ua_code"], ref


@pytest.mark.parametrize(("spelling", "code"), SPELLINGS, ids=[s for s, _ in SPELLINGS])
def test_any_common_spelling_finds_the_place_first(
    loaded_sessions: sessionmaker[Session], search: MunicipalitySearch, spelling: str, code: str
) -> None:
    with loaded_sessions() as session:
        results = search.find(session, spelling, limit=5)
    assert results, spelling
    assert results[0].code == code, [(r.code, r.name, r.score) for r in results]


def test_same_named_places_are_told_apart_by_parent(
    loaded_sessions: sessionmaker[Session], search: MunicipalitySearch
) -> None:
    with loaded_sessions() as session:
        results = search.find(session, "Frankfurt", country="DE", limit=2)
    assert [(r.name, r.parent_name) for r in results] == [
        ("Frankfurt am Main", "Hessen"),
        ("Frankfurt (Oder)", "Brandenburg"),
    ]


def test_reloading_the_bundled_data_changes_nothing(
    loaded: Settings, loaded_sessions: sessionmaker[Session]
) -> None:
    report = load_bundled(loaded_sessions, loaded.data_dir, lambda _message: None)
    assert not report.changed
    assert report.municipalities.unchanged == sum(EXPECTED_COUNTS.values())
    assert report.partnerships.unchanged == 221


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DATABASE_URL": settings.database_url},
        timeout=120,
    )


def test_cli_find_prints_json_best_first(loaded: Settings) -> None:
    result = _cli(loaded, "find", "Charkiw", "--country", "UA", "--limit", "3", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found[0]["code"] == KHARKIV
    assert found[0]["name_uk"] == "Харків"
    assert found[0]["name_de"] == "Charkiw"
    assert {
        "code",
        "country",
        "level",
        "name",
        "name_de",
        "name_en",
        "name_uk",
        "parent_name",
        "population",
        "score",
    } <= set(found[0])
    assert [r["score"] for r in found] == sorted((r["score"] for r in found), reverse=True)


def test_cli_stats_json_counts(loaded: Settings) -> None:
    result = _cli(loaded, "stats", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["partnerships"]["total"] == 221
    assert figures["municipalities"]["UA/hromada"] == 1772
    assert figures["partnerships"]["by_start_year"]["2023"] > figures["partnerships"]["by_start_year"]["2021"]
    assert figures["unresolved_rows"] == 3
