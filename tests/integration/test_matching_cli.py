"""Suggestions, fit, plan and backtest from the real database (all bundled data), through the real CLI."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import sessionmaker

from registry import db
from registry.config import Settings
from registry.matching import Filters, explain_pair, fit_model, suggest_for_german
from registry.matching.evaluate import plausibility
from registry.services.matching_model import read_model
from registry.services.suggestions import MatchingData

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

    from registry.matching import MatchingInput

KOELN, KHARKIV, KYIV = "05315000", "UA63120270000028556", "UA80000000000093317"
BERLIN, HAMBURG = "11000000", "02000000"


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DATABASE_URL": settings.database_url},
        timeout=300,
    )


@pytest.fixture(scope="module")
def data(loaded: Settings) -> MatchingInput:
    engine = db.make_engine(loaded)
    try:
        with sessionmaker(engine)() as session:
            return MatchingData(loaded.data_dir).get(session)
    finally:
        engine.dispose()


def test_frames_from_the_database_cover_every_candidate(data: MatchingInput) -> None:
    levels = data.hromadas["level"].value_counts().to_dict()
    assert levels == {"hromada": 1772, "raion": 136, "oblast": 25, "city_special_status": 2}
    assert set(data.germans["level"]) >= {"gemeinde", "stadt", "kreis", "land", "bezirk"}
    assert len(data.partnerships) == 221
    assert data.partnerships["source"].notna().all()
    assert len(data.third_partners) > 4000
    assert data.model is not None  # the shipped model file


def test_the_shipped_model_is_what_fitting_the_bundled_data_gives(
    data: MatchingInput, loaded: Settings
) -> None:
    shipped = read_model(loaded.data_dir)
    assert shipped is not None
    assert fit_model(data).matches(shipped)


@pytest.mark.parametrize(
    ("german", "third", "ukrainian"),
    [
        ("07339030", "Nysa", "UA26080070000092582"),  # Ingelheim am Rhein - Nysa - Kolomyia
        ("05362020", "Jelenia Góra", "UA61040490000035010"),  # Erftstadt - Jelenia Góra - Ternopil
        ("03155011", "Prudnik", "UA26120070000067596"),  # Northeim - Prudnik - Nadvirna
    ],
)
def test_a_shared_third_partner_counts_and_is_named(
    data: MatchingInput, german: str, third: str, ukrainian: str
) -> None:
    pair = explain_pair(data, german, ukrainian, as_of=None)
    assert pair.criteria["third_partners"] > 0
    assert third in pair.explanation_de


@pytest.mark.parametrize(
    "hromada",
    [
        "UA23020050000046501",
        "UA44120050000066819",
        "UA14160170000023385",
    ],  # Berdiansk, Lysychansk, Novohrodivka
)
def test_a_hromada_whose_centre_is_occupied_is_never_suggested(data: MatchingInput, hromada: str) -> None:
    f = data.features
    assert f.ua_status[f.ua_index[hromada]] == "partly_occupied"  # what the roll-up says
    assert hromada not in {
        s.code for s in suggest_for_german(data, KOELN, limit=0, filters=Filters(size_factor=None))
    }


@pytest.mark.parametrize("city_state", [BERLIN, HAMBURG])
def test_a_city_state_is_not_offered_what_its_land_partners(data: MatchingInput, city_state: str) -> None:
    found = suggest_for_german(data, city_state, limit=0)
    assert found
    assert KYIV not in {s.code for s in found}
    assert min(s.criteria["size"] for s in found) > 0  # no village for a city of millions


def test_suggestions_exclude_occupied_and_existing_partners(data: MatchingInput) -> None:
    everything = suggest_for_german(data, KOELN, limit=0)
    f = data.features
    partners = set(data.partnerships.loc[data.partnerships.de_code == KOELN, "ua_code"])
    suggested = {s.code for s in everything}
    assert partners
    assert not suggested & partners
    assert not any(f.ua_occupied[f.ua_index[c]] for c in suggested)
    assert len({s.code[:5] for s in everything[:10]}) > 1  # more than one oblast in the first ten


def test_cli_suggest_json_keeps_its_contract(loaded: Settings) -> None:
    result = _cli(loaded, "suggest", "Koeln", "--limit", "5", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert len(found) == 5
    assert [s["rank"] for s in found] == [1, 2, 3, 4, 5]
    for s in found:
        assert {
            "code",
            "name",
            "score",
            "criteria",
            "explanation_de",
            "explanation_en",
            "explanation_uk",
        } <= set(s)
        assert s["code"].startswith("UA")
        assert "Köln" in s["explanation_de"]
        assert "Джерела" in s["explanation_uk"]
    every = json.loads(_cli(loaded, "suggest", "Koeln", "--limit", "0", "--json").stdout)
    assert len(every) == found[0]["candidates"] > 10  # every candidate within the size bounds (>= 250,000)


def test_cli_names_the_namesake_kreis(loaded: Settings) -> None:
    city = _cli(loaded, "suggest", "Gütersloh", "--limit", "1", "--json")
    assert city.returncode == 0, city.stderr
    assert "taking Gütersloh (stadt, 05754008" in city.stderr
    assert "Kreis Gütersloh (kreis, 05754" in city.stderr
    kreis = _cli(loaded, "suggest", "Kreis Gütersloh", "--limit", "3", "--json")
    assert {s["level"] for s in json.loads(kreis.stdout)} <= {"raion", "hromada"}


def test_cli_suggest_for_a_hromada_ranks_german_places(loaded: Settings) -> None:
    result = _cli(loaded, "suggest", KHARKIV, "--limit", "3", "--json", "--weights", "size=2", "--blend", "0")
    assert result.returncode == 0, result.stderr
    assert all(s["code"][:1].isdigit() for s in json.loads(result.stdout))


def test_cli_rejects_unknown_weights_and_names(loaded: Settings) -> None:
    bad_weight = _cli(loaded, "suggest", "Köln", "--weights", "beauty=3")
    assert bad_weight.returncode == 2
    assert "unknown weight 'beauty'" in bad_weight.stderr
    unknown = _cli(loaded, "suggest", "Qqqqxxzz")
    assert unknown.returncode == 2
    assert "no municipality found" in unknown.stderr


def test_cli_fit_check_finds_the_shipped_model_up_to_date(loaded: Settings) -> None:
    result = _cli(loaded, "fit", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_cli_plan_writes_a_one_to_one_csv(loaded: Settings, tmp_path: Path) -> None:
    target = tmp_path / "plan.csv"
    result = _cli(loaded, "plan", "--csv", str(target))
    assert result.returncode == 0, result.stderr
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) > 1000
    assert len({r["ua_code"] for r in rows}) == len(rows) == len({r["de_code"] for r in rows})
    assert not list(tmp_path.glob("*.partial"))


def test_cli_evaluate_prints_the_time_split_and_baselines(loaded: Settings) -> None:
    result = _cli(loaded, "evaluate", "--no-plausibility")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    splits = {row[0] for row in rows if row and (row[0].isdigit() or row[0] == "overall")}
    assert {"2023", "2024", "overall"} <= splits
    for name in ("fit alone", "default blend", "population only", "random (seeded)"):
        assert name in result.stdout


def test_evaluate_counts_no_linked_or_occupied_suggestion(data: MatchingInput) -> None:
    counts = plausibility(data)
    assert counts.subjects > 10_000
    assert (counts.already_linked, counts.occupied, counts.outside_size_bounds) == (0, 0, 0)


def test_loaded_sessions_still_work(loaded_sessions: sessionmaker[Session]) -> None:
    with loaded_sessions() as session:
        assert MatchingData().get(session).model is None  # without a data directory: unit coefficients
