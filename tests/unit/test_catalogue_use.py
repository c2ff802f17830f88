"""The catalogue and the code agree: every key a template or module uses exists, every page message is
used, and every code of the shared vocabularies has its term.

A key is found statically: in the templates, the first argument of ``t(...)``, ``t.plural(...)`` and
``term(...)`` (Jinja's own parser); in the modules, the key argument of ``locale.text`` and
``locale.plural``. A key built at run time must be one of the patterns listed in ``DYNAMIC`` (a
prefix and suffix with every value they are completed with), so nothing escapes the check.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Final

import pytest
from babel.messages.pofile import read_po
from jinja2 import nodes

from registry import locale, models
from registry.api import coverage, datapackage, dictionary, guide, i18n, pages
from registry.api.site import TEMPLATES_DIR, environment
from registry.locale import LANGS, LOCALES
from registry.map import labels, texts
from registry.matching import explain
from registry.repository.profiles import FIELDS as PROFILE_FIELDS
from registry.services.responses import REASONS

PACKAGE: Final = Path(locale.__file__).resolve().parents[1]
# Keys built at run time: (prefix, suffix) -> every value the middle takes.
DYNAMIC: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("lang_", ""): LANGS,
    ("guide_", "_title"): tuple(item.key for item in (*guide.STEPS, *guide.PROGRAMMES)),
    ("guide_", "_text"): tuple(item.key for item in (*guide.STEPS, *guide.PROGRAMMES)),
    # self-service: the profile's fields, priorities, reasons, answers and roles
    ("acc_f_", ""): tuple(name for name in PROFILE_FIELDS if name != "languages"),
    ("acc_priority_", ""): ("1", "2", "3"),
    ("acc_reason_", ""): REASONS,
    ("acc_response_", ""): tuple(kind.value for kind in models.ResponseKind),
    ("acc_role_", ""): tuple(role.value for role in models.AccountRole),
}


def _problem_keys() -> frozenset[str]:
    """The message keys of the forms' problems: the second argument of every ``FieldProblem(...)``."""
    keys = set()
    for path in sorted([*(PACKAGE / "services").glob("*.py"), *(PACKAGE / "api").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "FieldProblem"
                and len(node.args) == 2
                and isinstance(node.args[1], ast.Constant)
            ):
                keys.add(str(node.args[1].value))
    return frozenset(keys)


# Keys the map, the coverage dashboard and the data dictionary compose from their own lists of names.
LISTED: Final = frozenset(
    {
        *(f"map_{name}" for name in texts.UI_KEYS),
        *(f"cov_{name}" for name in coverage.TEXT_KEYS),
        *(f"exp_{name}" for name in datapackage.TEXT_KEYS),
        *(f"exp_{export}_{field.name}" for export, fields in dictionary.EXPORTS.items() for field in fields),
        *(f"exp_{export}_{part}" for export in dictionary.EXPORTS for part in ("title", "description")),
        "exp_package_title",
        "exp_package_description",
        *_problem_keys(),  # the account pages say a form's problems by these keys (api/account_pages.py)
    }
)
# Domains whose every message must be used by a template or a module (the vocabulary's terms are
# looked up by code, and `common` is shared by every part of the product).
CHECKED_DOMAINS: Final = ("pages", "guide", "map", "coverage", "exports", "account")
# The enums behind the vocabularies.
ENUMS: Final[dict[str, type[enum.StrEnum]]] = {
    "kind": models.PartnershipKind,
    "status": models.PartnershipStatus,
    "war": models.WarStatus,
    "level": models.Level,
    "confidence": models.Confidence,
    "country": models.Country,
}


def _domain_keys(domain: str) -> set[str]:
    with (locale.CATALOG_DIR / "en" / f"{domain}.po").open("rb") as stream:
        catalog = read_po(stream, locale=LOCALES["en"])
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _exists(key: str, *, plural: bool) -> bool:
    catalog = locale.translations("en")._catalog  # type: ignore[attr-defined]
    return (key, 0) in catalog if plural else key in catalog


def _expand(expr: nodes.Expr) -> list[str] | None:
    """Return the keys an expression of a template can take, or None if it is not a known pattern."""
    if isinstance(expr, nodes.Const) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, nodes.Concat) and isinstance(expr.nodes[0], nodes.Const):
        prefix = str(expr.nodes[0].value)
        last = expr.nodes[-1]
        suffix = str(last.value) if len(expr.nodes) > 2 and isinstance(last, nodes.Const) else ""
        values = DYNAMIC.get((prefix, suffix))
        return None if values is None else [f"{prefix}{value}{suffix}" for value in values]
    return None


def _template_calls() -> Iterator[tuple[str, str, nodes.Call]]:
    """Yield (template, what, call) for every t(), t.plural() and term() call of the templates."""
    env = environment()
    for path in sorted(TEMPLATES_DIR.glob("*.html")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            func = call.node
            if isinstance(func, nodes.Name) and func.name in ("t", "term"):
                yield path.name, func.name, call
            elif (
                isinstance(func, nodes.Getattr)
                and isinstance(func.node, nodes.Name)
                and func.node.name == "t"
            ):
                yield path.name, f"t.{func.attr}", call


def _module_calls() -> Iterator[tuple[str, str, ast.Call]]:
    """Yield (module, function, call) for every message a module asks for: ``locale.text(lang, key)``,
    ``locale.plural(lang, key, n)`` and ``i18n.Messages(lang)(key)`` (the key as the second argument)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "locale":
            continue
        module = str(path.relative_to(PACKAGE.parent))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "locale"
                and func.attr in ("text", "plural")
            ):
                yield module, func.attr, node
            elif (
                isinstance(func, ast.Call)
                and isinstance(func.func, ast.Attribute)
                and func.func.attr == "Messages"
            ):
                yield (
                    module,
                    "text",
                    ast.Call(func=func, args=[func.args[0], *node.args], keywords=node.keywords),
                )


@cache
def used_keys() -> frozenset[str]:
    """Every key the templates and modules use, with the dynamic patterns expanded."""
    keys: set[str] = set()
    for _, what, call in _template_calls():
        if what != "term":
            keys.update(_expand(call.args[0]) or [])
    for _, _, call in _module_calls():
        if isinstance(call.args[1], ast.Constant):
            keys.add(str(call.args[1].value))
    keys.update(pages.GENERATED_REASONS.values())
    keys.update(LISTED)
    for (prefix, suffix), middles in DYNAMIC.items():
        keys.update(f"{prefix}{m}{suffix}" for m in middles)
    return frozenset(keys)


def test_every_key_a_template_uses_exists() -> None:
    missing, unknown = [], []
    for template, what, call in _template_calls():
        if what == "term":
            vocabulary = call.args[0]
            if not (isinstance(vocabulary, nodes.Const) and vocabulary.value in i18n.VOCABULARIES):
                unknown.append((template, call.lineno, "term() of an unknown or computed vocabulary"))
            continue
        keys = _expand(call.args[0])
        if keys is None:
            unknown.append((template, call.lineno, "a key built in a way DYNAMIC does not list"))
            continue
        missing += [
            (template, call.lineno, key) for key in keys if not _exists(key, plural=what == "t.plural")
        ]
    assert unknown == []
    assert missing == []


def test_every_key_a_module_uses_exists() -> None:
    missing, computed = [], []
    for module, function, call in _module_calls():
        key = call.args[1]
        if not isinstance(key, ast.Constant):
            computed.append((module, call.lineno))
            continue
        if not _exists(str(key.value), plural=function == "plural"):
            missing.append((module, call.lineno, key.value))
    assert missing == []
    # Keys computed at run time are the vocabulary's terms and the generated reasons, checked below.
    # and the keys the map, the coverage dashboard and the data dictionary compose (LISTED, checked below).
    assert {module for module, _ in computed} <= {
        "registry/api/i18n.py",
        "registry/map/labels.py",
        "registry/api/pages.py",
        "registry/map/texts.py",
        "registry/api/coverage.py",
        "registry/api/datapackage.py",
        "registry/api/dictionary.py",
        "registry/matching/wording.py",  # keys by level, kind and status: see test_matching_suggest.py
        "registry/api/account_pages.py",  # the forms' problems: LISTED holds every FieldProblem key
        "registry/cli/accounts.py",  # the same problems, said on the command line
    }


def test_every_key_composed_from_a_list_exists() -> None:
    assert sorted(key for key in LISTED if not locale.has(key)) == []


def test_the_generated_status_reasons_have_messages() -> None:
    assert all(locale.has(key) for key in pages.GENERATED_REASONS.values())
    assert len(pages.GENERATED_REASONS) == 3


@pytest.mark.parametrize("domain", CHECKED_DOMAINS)
def test_every_message_of_the_pages_is_used(domain: str) -> None:
    assert sorted(_domain_keys(domain) - used_keys()) == []


@pytest.mark.parametrize(
    ("vocabulary", "codes"), [(name, [m.value for m in cls]) for name, cls in ENUMS.items()]
)
def test_every_code_of_a_vocabulary_has_its_term(vocabulary: str, codes: list[str]) -> None:
    assert [code for code in codes if not locale.has(f"{vocabulary}_{code}")] == []


def test_the_flags_of_the_matching_and_the_subtypes_have_terms() -> None:
    source = Path(explain.__file__).read_text(encoding="utf-8")
    appended = {
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "append"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "flags"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert {*explain.CAUTION_FLAGS, *appended} <= set(i18n.FLAGS)
    assert all(locale.has(f"flag_{flag}") for flag in i18n.FLAGS)
    assert all(locale.has(f"subtype_{code}".replace(" ", "_")) for code in i18n.SUBTYPES)


def test_the_maps_terms_are_the_vocabularys() -> None:
    for terms in (labels.KINDS, labels.STATUSES, labels.PERIODS, labels.WAR_STATUSES):
        assert all(locale.has(term.key) for term in terms)


def test_no_term_of_the_vocabulary_is_left_over() -> None:
    known = {
        *(f"{name}_{m.value}" for name, cls in ENUMS.items() for m in cls),
        *(f"flag_{flag}" for flag in i18n.FLAGS),
        *(f"subtype_{code}".replace(" ", "_") for code in i18n.SUBTYPES),
        *(term.key for term in labels.PERIODS),
    }
    assert sorted(_domain_keys("vocabulary") - known) == []
