"""The dependency rule of STYLE.md, checked on the source: imports point inwards only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def package_of(path: Path) -> str:
    """The package a file's relative imports start from: its folder as a dotted name."""
    return ".".join(path.resolve().relative_to(ROOT).parent.parts)


def imports_of(path: Path, package: str | None = None) -> set[str]:
    """Every module imported by ``path``; ``from . import x`` resolved against its package."""
    package = package_of(path) if package is None else package
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            if node.module:
                found.add(f"{base}.{node.module}")
            else:
                found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def files(package: str) -> list[Path]:
    path = ROOT / package
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


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
HTTP = ("flask", "werkzeug", "election.http", "election.errors", "election.web", "election.api")
FORBIDDEN = {
    # package: what it must never import
    "election/services": (*HTTP, "election.schemas"),
    # The two edges share election.http and lean on each other for nothing.
    "election/api": ("election.web",),
    "election/web": ("election.api",),
    "election/http": ("election.web", "election.api"),
}
# Calls that query or end a transaction: a service's work, never a view's, a schema's or a
# command's. (election/http may end a streamed download's read, as errors.py ends a refused one.)
QUERY_FUNCTIONS = {"select", "insert", "update", "delete", "text"}
SESSION_METHODS = {"execute", "scalar", "scalars", "commit", "rollback", "flush"}
NO_QUERIES = ("election/web", "election/api", "election/schemas", "election/cli.py")


def forbidden_imports(path: Path, package: str, dotted: str | None = None) -> list[str]:
    return sorted(m for m in imports_of(path, dotted) if allowed(m, FORBIDDEN[package]))


def queries_in(path: Path) -> list[str]:
    """``line: call`` for each query or transaction call in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in QUERY_FUNCTIONS:
            found.append((node.lineno, node.col_offset, f"{func.id}("))
        elif isinstance(func, ast.Attribute) and func.attr in SESSION_METHODS:
            found.append((node.lineno, node.col_offset, f".{func.attr}("))
    return [f"{line}: {call}" for line, _, call in sorted(found)]


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
def test_package_never_imports_what_it_must_not(package):
    bad = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in files(package)
        for module in forbidden_imports(path, package)
    ]
    assert bad == []


@pytest.mark.parametrize("package", NO_QUERIES)
def test_edges_and_schemas_hold_no_queries_or_commits(package):
    bad = [
        f"{path.relative_to(ROOT)}:{call}" for path in files(package) for call in queries_in(path)
    ]
    assert bad == []


def test_the_rule_finds_a_forbidden_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("import sqlalchemy\nfrom flask import g\n")
    assert imports_of(module, "election.domain") == {"sqlalchemy", "flask"}
    assert not allowed("sqlalchemy", RULES["election/domain"])


def test_the_rule_finds_the_api_leaning_on_the_pages_and_back(tmp_path):
    api_view = tmp_path / "api_view.py"
    api_view.write_text("from election.web.access import token_required\n")
    page = tmp_path / "page.py"
    page.write_text("import election.api.body\n")
    assert forbidden_imports(api_view, "election/api", "election.api") == ["election.web.access"]
    assert forbidden_imports(page, "election/web", "election.web") == ["election.api.body"]


def test_the_rule_finds_a_service_importing_the_http_edge(tmp_path):
    service = tmp_path / "service.py"
    service.write_text(
        "from election.http.context import get_session\nfrom werkzeug.exceptions import NotFound\n"
    )
    assert forbidden_imports(service, "election/services", "election.services.tallies") == [
        "election.http.context",
        "werkzeug.exceptions",
    ]


def test_relative_imports_count_resolved_against_the_files_package(tmp_path):
    module = tmp_path / "view.py"
    module.write_text("from . import body\nfrom .body import load\nfrom ..web import access\n")
    assert imports_of(module, "election.api") == {
        "election.api.body",
        "election.web",
    }
    assert forbidden_imports(module, "election/api", "election.api") == ["election.web"]
    init = ROOT / "election" / "demo" / "__init__.py"
    assert "election.demo.haiphong" in imports_of(init)


def test_the_rule_finds_queries_and_commits_in_a_view(tmp_path):
    view = tmp_path / "view.py"
    view.write_text(
        "from sqlalchemy import select\n"
        "def page(db):\n"
        "    rows = db.execute(select(User)).all()\n"
        "    db.commit()\n"
        "    return {'rows': rows}.update(n=1)\n"
    )
    assert queries_in(view) == ["3: .execute(", "3: select(", "4: .commit("]


def test_the_app_is_built_only_in_wsgi():
    builders = [
        path.relative_to(ROOT).as_posix()
        for path in [ROOT / "wsgi.py", *files("election")]
        if "create_app()" in path.read_text() and path.name != "__init__.py"
    ]
    assert builders == ["wsgi.py"]
