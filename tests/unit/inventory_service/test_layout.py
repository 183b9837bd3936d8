"""The package's shape: rooms by concern, no import cycles, small modules, one schema each.

Read from the source with ``ast`` (nothing is imported), so a cycle broken by an import
inside a function, or by importing a package for its submodule, still counts.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import inventory_service
from tests.support.import_graph import cycles, graph, modules

ROOT = Path(inventory_service.__file__).parent
PACKAGE = "inventory_service"
SCHEMA_MODULES = {"api/schema.py", "resource_server/schema.py", "migration/schema.py"}


def _modules() -> dict[str, Path]:
    return modules(ROOT)


def test_no_import_cycles():
    assert cycles(graph(ROOT, strict=True)) == []


#: The one reason for an import inside a function: the PostgreSQL backend (psycopg and the
#: ``postgres_*`` stores) loads only for a ``postgresql://`` URL, so that SQLite processes do
#: not pay for the driver (docs/decisions.md). The cycle test above reads these imports too.
OPTIONAL_BACKEND = re.compile(r"(^|\.)postgres|^psycopg")


def _imported_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [alias.name for alias in node.names]


def test_no_imports_inside_functions_but_the_optional_postgresql_backend():
    inside = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _modules().values()
        for function in ast.walk(ast.parse(path.read_text()))
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not all(OPTIONAL_BACKEND.search(name) for name in _imported_names(node))
    ]
    assert inside == []


def test_no_module_is_over_300_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules().values()
        if (n := len(path.read_text().splitlines())) > 300
    }
    assert long == {}


def test_mcp_imports_no_private_name_from_another_package():
    private = [
        f"{path.relative_to(ROOT)}: {alias.name}"
        for name, path in _modules().items()
        if name.startswith(f"{PACKAGE}.mcp")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and alias.name != "__future__"
    ]
    assert private == []


def test_every_table_is_declared_in_its_packages_schema_module():
    declared: dict[str, list[str]] = {}
    for path in ROOT.rglob("*.py"):
        for table in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", path.read_text()):
            declared.setdefault(table, []).append(str(path.relative_to(ROOT)))
    assert declared, "no tables found"
    for table, places in declared.items():
        assert len(places) == 1 and places[0] in SCHEMA_MODULES, (table, places)
