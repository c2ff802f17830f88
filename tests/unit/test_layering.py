"""Hold the layers: every ``registry`` import goes down (api/cli -> services -> repository, ingest,
matching, map -> the foundation), never up and never sideways between the middle packages.

Every import counts: module level, inside functions and under ``TYPE_CHECKING`` alike, since each one
ties the importing module to the imported one.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

import pytest

PACKAGE: Final = Path(__file__).resolve().parents[2] / "registry"

# The first part of a module's name below ``registry`` decides its layer; a higher rank may import a
# lower one. Modules at the package root are the foundation, except the entry point.
EDGES: Final = 3
LAYERS: Final = {
    "api": EDGES,
    "cli": EDGES,
    "__main__": EDGES,
    "services": 2,
    "repository": 1,
    "ingest": 1,
    "matching": 1,
    "map": 1,
}
FOUNDATION: Final = 0
# Sideways imports that are part of the design: the command line serves the app; the entry point runs it.
ALLOWED_SIDEWAYS: Final = {("cli", "api"), ("__main__", "cli")}


def layer(part: str) -> int:
    """Return the rank of a first name part below ``registry`` (foundation for root modules)."""
    return LAYERS.get(part, FOUNDATION)


def violation(importer: str, imported: str) -> str | None:
    """Describe why ``importer`` may not import ``imported`` (dotted names below registry), or None."""
    mine, theirs = importer.split(".")[0], imported.split(".")[0]
    if mine == theirs:
        return None
    if layer(mine) == FOUNDATION and layer(theirs) == FOUNDATION:
        return None
    if layer(theirs) > layer(mine):
        return f"{importer} imports {imported}: upward"
    if layer(theirs) == layer(mine) and (mine, theirs) not in ALLOWED_SIDEWAYS:
        return f"{importer} imports {imported}: sideways between {mine}/ and {theirs}/"
    return None


def module_name(path: Path) -> str:
    """Return the dotted name below ``registry`` of a source file (``api.app``, ``records``)."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or "__init__"


def registry_imports(path: Path) -> list[str]:
    """Return the dotted names below ``registry`` that a source file imports, however it does."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            names = names if node.module != "registry" else names[1:]
        else:
            continue
        found += [name.removeprefix("registry.") for name in names if name.startswith("registry.")]
    return found


def test_every_import_goes_down() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 50, "the package was not found"
    problems = [
        problem
        for path in sources
        for imported in registry_imports(path)
        if (problem := violation(module_name(path), imported))
    ]
    assert problems == []


def test_no_relative_imports() -> None:
    """Relative imports would slip past the check above."""
    relative = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level > 0
    ]
    assert relative == []


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("api.partnerships", "services.partnerships", True),
        ("services.importing", "repository.partnerships", True),
        ("repository.loading", "records", True),
        ("geo", "names", True),
        ("cli.api", "api.app", True),
        ("repository.loading", "ingest.datasets", False),  # sideways
        ("ingest.loader", "repository.loading", False),  # sideways
        ("matching.plan", "repository.matching", False),
        ("map.builder", "services.mapview", False),  # upward
        ("repository.needs", "services.writes", False),
        ("services.search", "api.cache", False),
        ("models", "repository.common", False),
        ("api.app", "cli.data", False),
    ],
)
def test_the_rule(importer: str, imported: str, *, allowed: bool) -> None:
    assert (violation(importer, imported) is None) is allowed


def test_imports_are_found_however_written(tmp_path: Path) -> None:
    source = tmp_path / "example.py"
    source.write_text(
        "from __future__ import annotations\n"
        "import registry.services.search\n"
        "from registry import db\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from registry.api.app import create_app\n"
        "def late():\n"
        "    from registry.repository import gazetteer\n",
        encoding="utf-8",
    )
    assert set(registry_imports(source)) == {
        "services.search",
        "db",
        "api.app",
        "api.app.create_app",
        "repository",
        "repository.gazetteer",
    }
