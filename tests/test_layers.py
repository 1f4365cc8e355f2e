"""The package's import graph has no circles: a lower module never imports a higher one.

Every ``import`` of a gantutor module counts, wherever it stands (top level, inside a
function, under ``TYPE_CHECKING``): a lazy import hides a circle from Python, not from a
reader. Exercise solutions are the one top layer loaded by name (``gantutor.checks``
finds them with importlib), so they are not edges here.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "gantutor"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, name: str) -> set[str]:
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("gantutor")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("gantutor"):
                found.add(target)
                found |= {f"{target}.{a.name}" for a in node.names}
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        # "from . import x" names a module; "from .m import f" names m (f is not a module)
        graph[name] = {t for t in _imports(path, name) if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                found.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def _without_package_inits(graph):
    # a package's __init__ re-exports its submodules; a submodule importing a sibling through
    # the package is still an edge between modules, so only __init__ → own submodule is dropped
    return {n: {m for m in deps if not m.startswith(n + ".")} for n, deps in graph.items()}


def test_no_import_circles():
    cycles = _cycles(_without_package_inits(import_graph()))
    assert not cycles, "import circles: " + "; ".join(" → ".join(c) for c in cycles)


def test_callbacks_do_not_import_the_trainer():
    assert "gantutor.train" not in import_graph()["gantutor.callbacks"]


def test_the_graph_sees_lazy_imports(tmp_path):
    # the detector must see an import inside a function and one under TYPE_CHECKING
    src = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import X\ndef f():\n    from . import c\n"
    p = tmp_path / "gantutor" / "a.py"
    p.parent.mkdir()
    p.write_text(src)
    assert _imports(p, "gantutor.a") >= {"gantutor.b", "gantutor.c"}
