"""A package's import graph read from its source with ``ast`` (nothing is imported), and the
cycles in it: what the layout tests check.

An import inside a function counts, since that is how a cycle gets hidden. Two readings:
``strict`` (Inventory's layout test) also counts ``if TYPE_CHECKING:`` imports and treats
``from . import x`` as importing the package; the runtime reading (the repository-wide test)
counts only what runs, and ``from . import x`` as importing the sibling ``x`` alone.
"""

from __future__ import annotations

import ast
from pathlib import Path


def modules(package_dir: Path) -> dict[str, Path]:
    """Dotted module name → file, for every module of the package in ``package_dir``."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = (package_dir.name, *path.relative_to(package_dir).with_suffix("").parts)
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


def imports(name: str, path: Path, known: dict[str, Path], *, strict: bool) -> set[str]:
    """The modules of ``known`` that module ``name`` (at ``path``) imports."""
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text())
    skip = set() if strict else _never_run(tree)
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
            if strict or not submodules <= known.keys():
                targets.add(module)
    return {t for t in targets if t in known and t != name}


def graph(package_dir: Path, *, strict: bool) -> dict[str, set[str]]:
    """Each module of the package → the package's modules it imports."""
    known = modules(package_dir)
    return {name: imports(name, path, known, strict=strict) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found
