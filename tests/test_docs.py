"""README and .env.example say what the code does: every command, endpoint and variable they name exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.api.app import create_app
from registry.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
CONFIG_SOURCE = (ROOT / "registry" / "config.py").read_text(encoding="utf-8")


def _commands() -> set[str]:
    from registry.cli import accounts, api, data, matching, schema  # noqa: F401  (registers their commands)

    return set(main.commands)


def test_the_readme_starts_with_the_two_commands_of_a_fresh_machine() -> None:
    first_block = README.split("```")[1]
    assert "make serve" in first_block
    assert "make test" in first_block
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^serve:", makefile, re.MULTILINE)
    assert re.search(r"^test:", makefile, re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_registry_command_in_the_readme_exists_and_has_help() -> None:
    named = set(re.findall(r"`registry ([a-z]+)", README))
    assert named >= {"load", "find", "suggest", "plan", "evaluate", "serve", "import", "apikey"}
    assert named <= _commands(), named - _commands()
    runner = CliRunner()
    for command in sorted(named):
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_every_api_path_in_the_readme_is_served() -> None:
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)  # /api/partnerships/{partnership_id:int} -> .../{}

    served = {shape(route.path) for route in create_app().routes}
    named = {shape(p) for p in re.findall(r"`(?:GET|POST|PATCH|DELETE) (/api/[^`?\s]+)", README)}
    assert len(named) >= 10
    assert named <= served, named - served


@pytest.mark.parametrize("variable", sorted(set(re.findall(r"^([A-Z_]+)=", ENV_EXAMPLE, re.MULTILINE))))
def test_every_variable_of_the_env_example_is_read_and_documented(variable: str) -> None:
    assert f"`{variable}`" in README
    if variable != "REGISTRY_TEST_DATABASE_URL":  # read by the tests' conftest, not by the app
        assert f'"{variable}"' in CONFIG_SOURCE
