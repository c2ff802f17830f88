"""Placing the twin-town list's German and Ukrainian names by name and distance (synthetic records)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from registry.ingest.gazetteer_ua import german
from registry.ingest.third_partners import PlaceFinder, read_third_partners, unplaced_names
from registry.names import NameKind, fold, names_for
from registry.records import MunicipalityRecord

if TYPE_CHECKING:
    from pathlib import Path


def record(
    code: str, country: str, level: str, name: str, lat: float, lon: float, *villages: str
) -> MunicipalityRecord:
    unit = MunicipalityRecord(
        code=code, scheme="test", country=country, level=level, name=name, name_official=name
    )
    unit.lat, unit.lon = lat, lon
    unit.name_rows = names_for([(name, "de" if country == "DE" else "en", NameKind.DISPLAY)])
    unit.name_rows += [(v, "uk", NameKind.SETTLEMENT, fold(v)) for v in villages]
    return unit


# Synthetic places: two Neustadts far apart, a town whose register name abbreviates, a Kreis, a hromada
# with a village, and a Berlin borough the register holds.
RECORDS = [
    record("07111000", "DE", "stadt", "Neustadt", 49.35, 8.14),
    record("09222000", "DE", "stadt", "Neustadt", 49.73, 12.17),
    record("09363000", "DE", "stadt", "Weiden i.d.OPf.", 49.67, 12.16),
    record("05758", "DE", "kreis", "Kreis Herford", 52.11, 8.67),
    record("05758004", "DE", "stadt", "Herford", 52.11, 8.67),
    record("DE-X-11-berlin-pankow", "DE", "stadtbezirk", "Berlin-Pankow", 52.57, 13.40),
    record("11000000", "DE", "stadt", "Berlin", 52.52, 13.40),
    record("UA1", "UA", "hromada", "Kolomyia", 48.53, 25.04, "Корнич"),
]


def finder() -> PlaceFinder:
    return PlaceFinder(RECORDS, lambda _name, _country: [])


@pytest.mark.parametrize(
    ("name", "country", "lat", "lon", "code", "why"),
    [
        ("Neustadt", "DE", 49.72, 12.16, "09222000", "name within"),  # the nearer of two namesakes
        ("Neustadt", "DE", 49.36, 8.15, "07111000", "name within"),
        ("Neustadt", "DE", 53.0, 10.0, None, "no municipality of this name near"),
        ("Weiden in der Oberpfalz", "DE", 49.68, 12.15, "09363000", "name within"),  # register abbreviation
        ("Herford (district)", "DE", 52.12, 8.66, "05758", "name within"),  # a Kreis, not the town
        ("Berlin – Pankow", "DE", 52.56, 13.40, "DE-X-11-berlin-pankow", "name within"),
        ("Berlin – Mitte", "DE", 52.52, 13.40, None, "borough"),  # a borough is not its city
        ("Mitte (Berlin)", "DE", 52.52, 13.40, None, "borough"),
        ("Kolomyia", "UA", 48.52, 25.03, "UA1", "name within"),
        ("Kornych", "UA", 48.45, 25.10, "UA1", "village of the hromada"),
        ("Markivka Raion", "UA", 49.6, 39.5, None, "region"),
        ("Atlantis", "UA", 48.5, 25.0, None, "no municipality of this name"),
    ],
)
def test_names_are_placed_by_name_and_distance(
    name: str, country: str, lat: float, lon: float, code: str | None, why: str
) -> None:
    placed, how = finder().place(name, country, lat, lon)
    assert placed == code
    assert why in how


def test_the_list_becomes_towns_ties_and_a_report(tmp_path: Path) -> None:
    path = tmp_path / "twins.csv"
    path.write_text(
        "city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
        "Nysa,Poland,50.47,17.33,Kolomyia,Ukraine,48.53,25.04\n"
        "Neustadt,Germany,49.72,12.16,Nysa,Poland,50.47,17.33\n"
        "Berlin – Mitte,Germany,52.52,13.40,Nysa,Poland,50.47,17.33\n"
        "Herford,Germany,52.11,8.67,Kolomyia,Ukraine,48.53,25.04\n"
        "Herford,Germany,52.11,8.67,Neustadt,Germany,49.72,12.16\n",
        encoding="utf-8",
    )
    result = read_third_partners(path, finder())
    assert [(t.key, t.name) for t in result.towns] == [("Poland:nysa", "Nysa")]
    assert {(t.municipality_code, t.town_key) for t in result.ties} == {
        ("UA1", "Poland:nysa"),
        ("09222000", "Poland:nysa"),
    }
    assert (result.german_ukrainian_pairs, result.same_country_pairs) == (1, 1)
    assert [reason for reason, _ in unplaced_names(result.unplaced)] == [
        "Germany side 'Berlin – Mitte' not placed: names a region, district or borough, not a municipality"
    ]


@pytest.mark.parametrize(
    ("ukrainian", "expected"),
    [
        ("Запоріжжя", "Saporischschja"),
        ("Житомир", "Schytomyr"),
        ("Жовква", "Schowkwa"),
        ("Ужгород", "Uschhorod"),
        ("Харків", "Charkiw"),
        ("Нікополь", "Nikopol"),
    ],
)
def test_german_names_follow_german_usage(ukrainian: str, expected: str) -> None:
    assert german(ukrainian) == expected
