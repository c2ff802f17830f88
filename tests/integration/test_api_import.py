"""Bulk import over real HTTP and the command line: all rows or none, problems with line and column,
names resolved in any spelling with candidates for the doubtful ones, no duplicates on re-import."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import select

from registry.models import AuditEvent
from registry.repository.audit import jsonable
from registry.repository.partnerships import partnership, snapshot

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session, sessionmaker

    from registry.config import Settings
    from tests.conftest import LiveApi

HEADER = [
    "id",
    "de_name",
    "de_state",
    "de_code",
    "ua_name_en",
    "ua_oblast",
    "ua_code",
    "kind",
    "since",
    "source",
    "note",
]
GOOD = [
    [
        "1",
        "Potsdam",
        "Brandenburg",
        "",
        "Nizhyn",
        "Chernihiv",
        "",
        "friendship",
        "2023",
        "https://example.org/1",
        "",
    ],
    ["2", "Cottbus", "", "", "Чернігів", "", "", "solidarity", "2024", "https://example.org/2", ""],
    [
        "3",
        "",
        "",
        "12068324",
        "Tschernihiw",
        "",
        "",
        "project/solidarity",
        "",
        "Amtsblatt 3/2024",
        "Projektpartnerschaft water; see https://example.org/3b",
    ],
    [
        "4",
        "Neustadt",
        "Brandenburg",
        "",
        "",
        "",
        "UA74040250000063494",
        "unknown",
        "",
        "https://example.org/4",
        "plan only: council to decide",
    ],
]


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _import(api: LiveApi, content: bytes, **params: Any) -> httpx.Response:
    return httpx.post(
        f"{api.url}/api/partnerships/import",
        content=content,
        params=params,
        headers=api.editor | {"content-type": "text/csv"},
        timeout=60,
    )


def _total(api: LiveApi) -> int:
    return int(httpx.get(f"{api.url}/api/partnerships", params={"limit": 1}).json()["total"])


def test_a_broken_row_at_the_end_stops_the_whole_import(live_api: LiveApi) -> None:
    before = _total(live_api)
    broken = ["5", "Potsdam", "Brandenburg", "", "Kyiv", "", "", "twinning", "20x3", "", ""]
    response = _import(live_api, _csv([*GOOD, broken]))
    assert response.status_code == 422, response.text
    problems = response.json()["errors"]
    assert {(p["line"], p["field"]) for p in problems} == {(6, "kind"), (6, "since"), (6, "source")}
    assert all(p["location"] == "csv" for p in problems)
    assert "nothing was written" in response.json()["detail"]
    assert _total(live_api) == before


@pytest.mark.parametrize(
    ("row", "field", "message", "candidate"),
    [
        (
            ["9", "Neustadt", "", "", "Nizhyn", "", "", "friendship", "", "https://e.org", ""],
            "de_name",
            "ambiguous name 'Neustadt'",
            "12068324 Neustadt (Dosse), Stadt",
        ),
        (
            ["9", "Potsdamm", "", "", "Nizhyn", "", "", "friendship", "", "https://e.org", ""],
            "de_name",
            "no DE unit named 'Potsdamm'",
            "12054000 Potsdam, Stadt",
        ),
        (
            ["9", "Potsdam", "", "", "Nischyn", "Zakarpattia", "", "friendship", "", "https://e.org", ""],
            "ua_name_en",
            "with that level and region",
            None,
        ),
        (
            ["9", "", "", "99999999", "Nizhyn", "", "", "friendship", "", "https://e.org", ""],
            "de_code",
            "unknown code '99999999'",
            None,
        ),
        (
            ["9", "", "", "UA74040250000063494", "Nizhyn", "", "", "friendship", "", "https://e.org", ""],
            "de_code",
            "it is in UA",
            None,
        ),
    ],
)
def test_names_that_cannot_be_placed_are_reported_with_candidates(
    live_api: LiveApi, row: list[str], field: str, message: str, candidate: str | None
) -> None:
    response = _import(live_api, _csv([GOOD[0], row]))
    assert response.status_code == 422
    [problem] = response.json()["errors"]
    assert (problem["line"], problem["field"]) == (3, field)
    assert message in problem["detail"]
    if candidate is not None:
        assert any(c.startswith(candidate) for c in problem["candidates"]), problem["candidates"]


def test_import_writes_every_row_once_and_a_second_import_changes_nothing(live_api: LiveApi) -> None:
    before = _total(live_api)
    dry = _import(live_api, _csv(GOOD), dry_run="true")
    assert dry.status_code == 200
    assert (dry.json()["created"], dry.json()["dry_run"]) == (4, True)
    assert _total(live_api) == before
    first = _import(live_api, _csv(GOOD)).json()
    assert (first["created"], first["updated"], first["unchanged"]) == (4, 0, 0)
    assert _total(live_api) == before + 4
    imported = {item["row_id"]: item["partnership_id"] for item in first["items"]}
    three = httpx.get(f"{live_api.url}/api/partnerships/{imported['3']}").json()
    assert (three["de"]["code"], three["ua"]["code"], three["kind"]) == (
        "12068324",
        "UA74100390000073425",
        "project",
    )
    assert [s["citation"] for s in three["sources"]] == ["Amtsblatt 3/2024", "https://example.org/3b"]
    four = httpx.get(f"{live_api.url}/api/partnerships/{imported['4']}").json()
    assert (four["kind"], four["status"]) == ("other", "in_preparation")  # derived from the note
    history = httpx.get(f"{live_api.url}/api/partnerships/{imported['1']}/history").json()["items"]
    assert [(e["action"], e["actor"]) for e in history] == [("import", "test editor")]

    again = _import(live_api, _csv(GOOD)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert _total(live_api) == before + 4

    changed = [row.copy() for row in GOOD]
    changed[1][8] = "2022"
    update = _import(live_api, _csv(changed)).json()
    assert (update["created"], update["updated"], update["unchanged"]) == (0, 1, 3)
    two = httpx.get(f"{live_api.url}/api/partnerships/{imported['2']}").json()
    assert two["start_year"] == 2022
    assert two["version"] == 2


def test_reimporting_the_bundled_rows_changes_nothing(live_api: LiveApi, subset_dir: Path) -> None:
    """The bundled file's format is the import format: its placeable rows match what the loader wrote."""
    with (subset_dir / "partnerships.csv").open(encoding="utf-8", newline="") as stream:
        rows = [r for r in csv.DictReader(stream) if r["resolution"] != "unresolved" and r["de_code"]]
    content = _csv([list(r.values()) for r in rows], header=list(rows[0]))
    before = _total(live_api)
    report = _import(live_api, content)
    assert report.status_code == 200, report.text
    assert (report.json()["created"], report.json()["updated"], report.json()["unchanged"]) == (
        0,
        0,
        len(rows),
    )
    assert _total(live_api) == before


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"de_name,ua_name_en\nPotsdam,Nizhyn\n", 1, "missing column(s) kind, source"),
        (b"kind,source,ua_code\nfriendship,x,UA74040250000063494\n", 1, "no column names the DE partner"),
        (_csv([GOOD[0]]).replace(b"Potsdam", b"Potsd\xe4m"), 2, "not valid UTF-8"),
        (_csv([]), 2, "no rows"),
        (_csv([GOOD[0], GOOD[0]]), 3, "duplicate pair"),
    ],
)
def test_malformed_files_are_refused_with_the_line(
    live_api: LiveApi, content: bytes, line: int, message: str
) -> None:
    response = _import(live_api, content)
    assert response.status_code == 422
    problem = response.json()["errors"][0]
    assert problem["line"] == line
    assert message in problem["detail"]


def test_import_needs_an_editor_key(live_api: LiveApi) -> None:
    response = httpx.post(f"{live_api.url}/api/partnerships/import", content=_csv(GOOD))
    assert response.status_code == 401


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "DATABASE_URL": settings.database_url},
    )


def test_the_command_line_manages_keys_and_imports(live_api: LiveApi, tmp_path: Path) -> None:
    created = _cli(live_api.settings, "apikey", "create", "--role", "admin", "--name", "Koordination Test")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("rk_")
    assert len(secret) > 40
    listed = _cli(live_api.settings, "apikey", "list", "--json")
    keys = {k["name"]: k for k in __import__("json").loads(listed.stdout)}
    key = keys["Koordination Test"]
    assert key["role"] == "admin"
    assert key["revoked_at"] is None
    assert secret.startswith(key["prefix"])
    assert secret not in listed.stdout  # only the hash is stored
    headers = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{live_api.url}/api/partnerships/import", headers=headers).status_code == 405
    ok = httpx.post(
        f"{live_api.url}/api/municipalities/12052000/offers", json={"category": "health"}, headers=headers
    )
    assert ok.status_code == 201
    assert _cli(live_api.settings, "apikey", "revoke", str(key["id"])).returncode == 0
    revoked = httpx.post(
        f"{live_api.url}/api/municipalities/12052000/offers",
        json={"category": "energy_heating"},
        headers=headers,
    )
    assert revoked.status_code == 401

    path = tmp_path / "partners.csv"
    path.write_bytes(
        _csv(
            [
                [
                    "1",
                    "Frankfurt (Oder)",
                    "Brandenburg",
                    "",
                    "Nizhyn",
                    "",
                    "",
                    "friendship",
                    "2025",
                    "https://example.org/cli",
                    "",
                ],
                ["2", "Nowhere Town", "", "", "Nizhyn", "", "", "friendship", "", "x", ""],
            ]
        )
    )
    failed = _cli(live_api.settings, "import", str(path))
    assert failed.returncode == 2
    assert "partners.csv:3 [de_name]" in failed.stderr
    assert "nothing was written" in failed.stderr
    path.write_bytes(
        _csv(
            [
                [
                    "1",
                    "Frankfurt (Oder)",
                    "Brandenburg",
                    "",
                    "Nizhyn",
                    "",
                    "",
                    "friendship",
                    "2025",
                    "https://example.org/cli",
                    "",
                ]
            ]
        )
    )
    done = _cli(live_api.settings, "import", str(path), "--as", "cli test")
    assert done.returncode == 0, done.stderr
    assert "1 rows: 1 were created" in done.stdout
    found = httpx.get(f"{live_api.url}/api/partnerships", params={"municipality": "12053000"}).json()["items"]
    assert [p["ua"]["name"] for p in found] == ["Nizhyn"]
    events = httpx.get(f"{live_api.url}/api/partnerships/{found[0]['id']}/history").json()["items"]
    assert [(e["action"], e["actor"]) for e in events] == [("import", "cli test")]


AUDITED = [
    ["", "", "", "12060005", "", "", "UA74040250000063494", "friendship", "2021", "https://example.org/a1",
     "see https://example.org/a2"],
    ["", "", "", "12060020", "", "", "UA74040250000063494", "solidarity", "", "Amtsblatt 7/2023", ""],
]  # fmt: skip


def test_the_audit_trail_records_each_imported_record_as_it_reads_back(
    live_api: LiveApi, subset_sessions: sessionmaker[Session]
) -> None:
    """The bulk write works out the audit snapshots in memory: they must equal the records read back."""
    header = [*HEADER, "topics"]
    first = _import(live_api, _csv([[*row, "schools;water"] for row in AUDITED], header=header)).json()
    changed = [[*AUDITED[0][:8], "2022", "https://example.org/a3", "", "water"], [*AUDITED[1], ""]]
    second = _import(live_api, _csv(changed, header=header)).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 1, 1)
    ids = [item["partnership_id"] for item in first["items"]]
    with subset_sessions() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == "partnership", AuditEvent.entity_key.in_([str(i) for i in ids]))
            .order_by(AuditEvent.id)
        ).all()
        now = {i: jsonable(snapshot(partnership(session, i))) for i in ids}
    assert [(e.action, e.actor, e.entity_key, e.before is None) for e in events] == [
        ("import", "test editor", str(ids[0]), True),
        ("import", "test editor", str(ids[1]), True),
        ("import", "test editor", str(ids[0]), False),
    ]
    created, _, updated = events
    assert updated.after == now[ids[0]]
    assert updated.before == created.after
    assert events[1].after == now[ids[1]]
    assert (updated.after["start_year"], updated.after["topics"], updated.after["version"]) == (
        2022,
        ["water"],
        2,
    )
    assert [(s["url"], s["role"]) for s in updated.after["sources"]] == [
        ("https://example.org/a1", "primary"),
        ("https://example.org/a3", "primary"),  # the row's own source, new to the record
        ("https://example.org/a2", "also"),
    ]
    assert created.after["topics"] == ["schools", "water"]
