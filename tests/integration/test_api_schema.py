"""Schemathesis against the live app's own OpenAPI schema: no server errors, no response that breaks the
schema, invalid input refused, valid input accepted.

Runs schemathesis's engine (what `schemathesis run` runs: examples, coverage, fuzzing and stateful
phases, every check) over real HTTP with an admin key, so the writes are exercised too, on this
module's own database. (Its pytest plugin cannot be used: its lazy loader breaks on pytest 9.)
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from typing import TYPE_CHECKING, Any

import httpx
import schemathesis
from schemathesis.engine import Status, StopReason, events, from_schema

from registry.api.auth import IF_MATCH

if TYPE_CHECKING:
    from tests.conftest import LiveApi

CONFIG: dict[str, Any] = {
    # A fixed seed: the same cases every run, so a failure can be reproduced and the writes below are
    # exercised every time rather than most times.
    "seed": 20221,
    # One round of every phase (about 80 s, most of it schemathesis's own work): a max-time would make
    # the engine go on fuzzing until then. Three unexpected methods per path check the 405 answers.
    "generation": {"max-examples": 6},
    "phases": {"coverage": {"unexpected-methods": ["put", "trace", "delete"]}},
    "checks": {
        # Valid input may still break a rule the schema cannot state (an end before the start: 422),
        # or name a record another case changed meanwhile (412): both are answers, not failures.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422"]},
        # A write without If-Match is refused with 428 Precondition Required (RFC 6585), by design.
        "missing_required_header": {"expected-statuses": ["400", "401", "428"]},
        # The audit trail of a deleted partnership stays readable (GET /api/partnerships/{id}/history
        # answers 200 after the DELETE), by design: what was deleted, by whom, must remain visible.
        "use_after_free": {"enabled": False},
    },
    "operations": [
        {
            # The lists' unit filters take codes or names (land=Bayern): a value that names no unit, or
            # several, is a 400 naming the candidates (issue 12), whatever string the schema allowed.
            "include-path-regex": (
                r"^/api/(partnerships|municipalities)(\.csv|\.xlsx|\.geojson)?$" r"|^/api/stats$"
            ),
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "412", "422"]
                }
            },
        }
    ],
}


def _failures(event: Any) -> list[str]:
    found = []
    for case_id, checks in event.recorder.checks.items():
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                case = event.recorder.cases[case_id].value
                found.append(
                    f"{check.name}: {case.method} {case.formatted_path} -> "
                    f"{check.failure_info.failure.title}\n"
                    f"{check.failure_info.failure.message}\n{check.failure_info.code_sample}"
                )
    return found


def current_etags(base_url: str) -> Any:
    """A before_call hook: give three in four well-formed If-Match headers the record's current ETag.

    Generated ETags never match, so without this every edit would stop at 412 and the code behind it
    would go untested. The rest stays stale, to keep exercising the 412 path.
    """

    def before_call(context: Any, case: Any, kwargs: Any) -> None:
        if_match = (case.headers or {}).get("If-Match")
        if if_match is None or not IF_MATCH.fullmatch(if_match) or zlib.crc32(case.id.encode()) % 4 == 0:
            return
        record = re.sub(r"/sources(/\d+)?$", "", case.formatted_path)  # a source's ETag is its partnership's
        current = httpx.get(f"{base_url}{record}")
        if current.status_code == 200 and "etag" in current.headers:
            case.headers["If-Match"] = current.headers["etag"]

    return before_call


def test_the_api_keeps_its_own_schema(live_api: LiveApi) -> None:
    config = schemathesis.Config.from_dict(
        CONFIG | {"base-url": live_api.url, "headers": dict(live_api.admin)}
    )
    schema = schemathesis.openapi.from_url(f"{live_api.url}/schema/openapi.json", config=config)
    hook = schemathesis.hook(current_etags(live_api.url))
    try:
        failures, answered, operations = _run(schema)
    finally:
        schemathesis.hooks.unregister(hook)
    assert not failures, f"{len(failures)} failure(s):\n\n" + "\n\n".join(dict.fromkeys(failures))
    assert len(operations) >= 30  # every operation of the schema ran
    # The writes were exercised, not only refused: something was created, edited and deleted.
    assert answered["POST", 201], answered
    assert answered["PATCH", 200], answered
    assert answered["DELETE", 204], answered


def _run(schema: Any) -> tuple[list[str], Counter[tuple[str, int]], set[str]]:
    failures: list[str] = []
    errors: list[str] = []
    operations: set[str] = set()
    answered: Counter[tuple[str, int]] = Counter()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            failures += _failures(event)
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    answered[interaction.request.method, interaction.response.status_code] += 1
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.title} {event.info.message}")
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            assert event.stop_reason == StopReason.COMPLETED, event.stop_reason  # not cut short by max-time
            print(f"schemathesis ran {sum(answered.values())} requests in {event.running_time:.0f} s")
    assert not errors, "\n".join(errors)
    return failures, answered, operations
