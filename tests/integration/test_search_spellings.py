"""Finding the subject: a bare city name means the city; older German press spellings find the city."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from registry.services.matching_subject import resolve_subject

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from registry.services.search import MunicipalitySearch

# Every oblast centre (and Kyiv) under the Russian-era German spelling older German press and
# partnership pages use, and the current German one (Foreign Office).
OBLAST_CENTRES = {
    "UA05020030000031457": ("Winniza", "Winnyzja"),
    "UA07080170000013585": ("Luzk", "Luzk"),
    "UA12020010000033698": ("Dnjepropetrowsk", "Dnipro"),
    "UA14080030000053877": ("Donezk", "Donezk"),
    "UA18040190000029215": ("Shitomir", "Schytomyr"),
    "UA21100230000083101": ("Uschgorod", "Uschhorod"),
    "UA23060070000082704": ("Saporoshje", "Saporischschja"),
    "UA26040190000081578": ("Iwano-Frankowsk", "Iwano-Frankiwsk"),
    "UA80000000000093317": ("Kiew", "Kyjiw"),
    "UA35040210000014072": ("Kirowograd", "Kropywnyzkyj"),
    "UA44060010000059164": ("Lugansk", "Luhansk"),
    "UA46060250000025047": ("Lemberg", "Lwiw"),
    "UA48060150000071713": ("Nikolajew", "Mykolajiw"),
    "UA51100270000073549": ("Odessa", "Odesa"),
    "UA53080370000025447": ("Poltawa", "Poltawa"),
    "UA56060470000086729": ("Rowno", "Riwne"),
    "UA59080270000073662": ("Sumy", "Sumy"),
    "UA61040490000035010": ("Ternopol", "Ternopil"),
    "UA63120270000028556": ("Charkow", "Charkiw"),
    "UA65100150000057191": ("Cherson", "Cherson"),
    "UA68040470000053519": ("Chmelnizki", "Chmelnyzkyj"),
    "UA71080490000022110": ("Tscherkassy", "Tscherkasy"),
    "UA73060610000066784": ("Czernowitz", "Tscherniwzi"),
    "UA74100390000073425": ("Tschernigow", "Tschernihiw"),
    "UA12060170000091033": ("Kriwoi Rog", "Krywyj Rih"),
}


@pytest.mark.parametrize(
    ("code", "spelling"),
    [(code, old) for code, (old, _) in OBLAST_CENTRES.items()]
    + [(code, new) for code, (_, new) in OBLAST_CENTRES.items()],
)
def test_older_and_current_german_spellings_find_the_city(
    loaded_sessions: sessionmaker[Session], search: MunicipalitySearch, code: str, spelling: str
) -> None:
    with loaded_sessions() as session:
        found = resolve_subject(search, session, spelling)
    assert found is not None
    assert found.code == code, (spelling, found)


@pytest.mark.parametrize(
    ("query", "code", "level", "namesake"),
    [
        ("Gütersloh", "05754008", "stadt", "Kreis Gütersloh"),
        ("Kreis Gütersloh", "05754", "kreis", None),
        ("Landkreis Gütersloh", "05754", "kreis", None),
        ("Heinsberg", "05370016", "stadt", "Kreis Heinsberg"),
        ("Kreis Heinsberg", "05370", "kreis", None),
        ("Hannover", "03241001", "stadt", None),
        ("Region Hannover", "03241", "kreis", None),
    ],
)
def test_a_bare_city_name_means_the_city_and_the_note_names_the_kreis(
    loaded_sessions: sessionmaker[Session],
    search: MunicipalitySearch,
    query: str,
    code: str,
    level: str,
    namesake: str | None,
) -> None:
    with loaded_sessions() as session:
        found = resolve_subject(search, session, query)
    assert found is not None
    assert (found.code, found.level) == (code, level)
    if namesake:
        assert found.note is not None
        assert namesake in found.note
