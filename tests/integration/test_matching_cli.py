"""Suggestions, plan and backtest from the real database, through the real CLI."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from registry.config import Settings
from registry.matching import suggest_for_german
from registry.suggestions import MatchingData

KOELN, KHARKIV = "05315000", "UA63120270000028556"


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DATABASE_URL": settings.database_url},
        timeout=300,
    )


def test_frames_from_the_database_cover_every_candidate(loaded_sessions: sessionmaker[Session]) -> None:
    with loaded_sessions() as session:
        data = MatchingData().get(session)
    assert len(data.hromadas) == 1772 + 2
    assert set(data.germans["level"]) >= {"gemeinde", "stadt", "kreis"}
    assert len(data.partnerships) == 221
    nrw_dnipro = data.partnerships[
        (data.partnerships.de_code == "05") & (data.partnerships.ua_code == "UA12000000000090473")
    ]
    assert len(nrw_dnipro) == 1
    assert nrw_dnipro.iloc[0].de_land_code == "05"


def test_suggestions_exclude_occupied_and_existing_partners(loaded_sessions: sessionmaker[Session]) -> None:
    with loaded_sessions() as session:
        data = MatchingData().get(session)
    everything = suggest_for_german(data, KOELN, limit=0)
    occupied = set(data.hromadas.loc[data.hromadas.war_status == "occupied", "code"])
    partners = set(data.partnerships.loc[data.partnerships.de_code == KOELN, "ua_code"])
    suggested = {s.code for s in everything}
    assert partners
    assert occupied
    assert not suggested & occupied
    assert not suggested & partners


def test_cli_suggest_json_by_spelling(loaded: Settings) -> None:
    result = _cli(loaded, "suggest", "Koeln", "--limit", "5", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert len(found) == 5
    assert [s["score"] for s in found] == sorted((s["score"] for s in found), reverse=True)
    for s in found:
        assert {"code", "name", "score", "criteria", "explanation_de", "explanation_en"} <= set(s)
        assert s["code"].startswith("UA")
        assert "Köln" in s["explanation_de"]


def test_cli_suggest_for_a_hromada_ranks_german_places(loaded: Settings) -> None:
    result = _cli(loaded, "suggest", KHARKIV, "--limit", "3", "--json", "--weights", "size=2")
    assert result.returncode == 0, result.stderr
    assert all(s["code"].isdigit() for s in json.loads(result.stdout))


def test_cli_rejects_unknown_weights_and_names(loaded: Settings) -> None:
    bad_weight = _cli(loaded, "suggest", "Köln", "--weights", "beauty=3")
    assert bad_weight.returncode == 2
    assert "unknown weight 'beauty'" in bad_weight.stderr
    unknown = _cli(loaded, "suggest", "Qqqqxxzz")
    assert unknown.returncode == 2
    assert "no municipality found" in unknown.stderr


def test_cli_plan_writes_a_one_to_one_csv(loaded: Settings, tmp_path: Path) -> None:
    target = tmp_path / "plan.csv"
    result = _cli(loaded, "plan", "--csv", str(target))
    assert result.returncode == 0, result.stderr
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) > 1000
    assert len({r["ua_code"] for r in rows}) == len(rows) == len({r["de_code"] for r in rows})
    assert not list(tmp_path.glob("*.partial"))


def test_cli_evaluate_prints_model_and_baselines(loaded: Settings) -> None:
    result = _cli(loaded, "evaluate")
    assert result.returncode == 0, result.stderr
    lines = {line.split("  ")[0].strip(): line for line in result.stdout.splitlines() if line.strip()}
    assert {"model", "population similarity only", "random (seeded)"} <= set(lines)
