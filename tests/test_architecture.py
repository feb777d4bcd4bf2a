"""The module structure the developers' guide asks for: no import cycles, no module over 700 lines.

The import graph is read from the source with `ast` (every `import`, at module level or inside a function,
since a deferred import that closes a cycle still ties the two modules together), over the packages
`kubesim` (kubesim/), `kubesim.model` (model/) and `kubesim.steps` (steps/).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"kubesim": ROOT / "kubesim", "kubesim.model": ROOT / "model", "kubesim.steps": ROOT / "steps"}
MAX_LINES = 700


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the packages (a package is its __init__)."""
    out: dict[str, Path] = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            rel = path.relative_to(folder).with_suffix("").parts
            if rel[-1] == "__init__":
                rel = rel[:-1]
            name = ".".join((package, *rel))
            if package == "kubesim" and rel[:1] in (("model",), ("steps",)):  # not the case today; kept apart if added
                continue
            out[name] = path
    return out


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of these packages it imports (a `from package import name` counts `package.name`
    when that is a module, else `package`)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:  # `import kubesim.model.store` -> that module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_two_module_cycle():
    """On a -> b -> a and c -> a, the one component is [a, b]."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_the_graph_sees_relative_and_deferred_imports():
    """On kubesim/cli/main.py, which imports `.common` at the top and `..check` inside a function, both are edges."""
    graph = import_graph()
    assert {"kubesim.cli.common", "kubesim.cli.check"} <= graph["kubesim.cli.main"]


def test_no_import_cycles_in_model_kubesim_or_steps():
    """No module reaches itself through imports (guide: "no import cycles")."""
    assert _cycles(import_graph()) == []


@pytest.mark.parametrize("path", sorted(p for folder in PACKAGES.values() for p in folder.rglob("*.py") if "__pycache__" not in p.parts),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_700_lines(path):
    """Guide: "Keep modules under ~700 lines"."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
