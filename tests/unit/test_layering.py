"""The dependency rule of STYLE.md, checked on the source: imports point inwards only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def imports_of(path: Path) -> set[str]:
    """Top-level names of every module imported by ``path`` (absolute, as written)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def allowed(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


RULES = {
    # package: what it may import besides the standard library
    "election/domain": ("election.domain",),
    "election/demo": ("election.domain", "election.demo"),
    # Models may name what the law defines (figures, contest codes), never the reverse.
    "election/models": ("sqlalchemy", "election.db", "election.models", "election.domain"),
    "forms": ("forms", "election.domain", "tomllib"),
    "exports": ("exports", "forms", "election.domain", "openpyxl"),
    "election/schemas": ("marshmallow", "election.schemas", "election.domain"),
}
FORBIDDEN = {
    # package: what it must never import
    "election/services": ("flask", "werkzeug", "election.web", "election.api", "election.schemas"),
}


@pytest.mark.parametrize("package", sorted(RULES))
def test_package_imports_only_what_its_layer_allows(package):
    bad = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in files(package)
        for module in imports_of(path)
        if module.split(".")[0] not in STDLIB and not allowed(module, RULES[package])
    ]
    assert bad == []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_services_do_not_know_about_http(package):
    bad = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in files(package)
        for module in imports_of(path)
        if allowed(module, FORBIDDEN[package])
    ]
    assert bad == []


def test_the_rule_finds_a_forbidden_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("import sqlalchemy\nfrom flask import g\n")
    assert imports_of(module) == {"sqlalchemy", "flask"}
    assert not allowed("sqlalchemy", RULES["election/domain"])


def test_the_app_is_built_only_in_wsgi():
    builders = [
        path.relative_to(ROOT).as_posix()
        for path in [ROOT / "wsgi.py", *files("election")]
        if "create_app()" in path.read_text() and path.name != "__init__.py"
    ]
    assert builders == ["wsgi.py"]
