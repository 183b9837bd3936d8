"""No import cycle in any package of the repository, the scripts included.

Read from the source with ``ast``, nothing imported. An import inside a function counts (it
is how a cycle gets hidden); one under ``if TYPE_CHECKING:`` does not, since it never runs.
``from . import metrics`` reads a sibling module: it counts as an edge to that module, not to
the package's ``__init__``. (``tests/unit/inventory_service/test_layout.py`` is stricter for
Inventory: there, importing the package for a submodule counts too.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.import_graph import cycles
from tests.support.processes import ROOT

PACKAGES = ("auth_server", "inventory_service", "order_service", "service_kit", "scripts")


def _modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _never_run(tree: ast.AST) -> set[int]:
    """The nodes under ``if TYPE_CHECKING:``."""
    return {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text())
    skip = _never_run(tree)
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = base[: len(base) - node.level + 1] if node.level else []
            module = ".".join(prefix + ([node.module] if node.module else []))
            submodules = {f"{module}.{alias.name}" for alias in node.names}
            targets.update(submodules)
            if not submodules <= modules.keys():
                targets.add(module)
    return {t for t in targets if t in modules and t != name}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package):
    modules = _modules(package)
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert cycles(graph) == []
