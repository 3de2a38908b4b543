"""The package's shape: the import contract holds, nothing imports in a loop, every room says
what it holds."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

import lscb_analysis

REPO = Path(__file__).resolve().parent.parent
ROOMS = [
    "core",
    "protect",
    "stats",
    "present",
    "published",
    "survey",
    "model",
    "pilot",
    "scorecard",
    "qa",
    "runs",
    "cli",
    "demo",
]


def test_the_import_contract_holds(monkeypatch):
    """pyproject.toml's [tool.importlinter] contracts (layers, runs, demo never imported)."""
    monkeypatch.chdir(REPO)
    assert lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True) == 0


def test_no_module_imports_itself_round_a_loop():
    """No import cycle between modules, in-function imports included (Tarjan's algorithm)."""
    graph = grimp.build_graph("lscb_analysis")
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    order, low, stack, on_stack, loops = {}, {}, [], set(), []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(edges)))

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for imported in edges[module]:
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for module in edges:
        if module not in order:
            visit(module)
    assert loops == []


def test_every_room_and_module_says_what_it_holds():
    rooms = sorted(
        p.name
        for p in Path(lscb_analysis.__file__).parent.iterdir()
        if (p / "__init__.py").is_file()
    )
    assert rooms == sorted(ROOMS)
    for info in pkgutil.walk_packages(lscb_analysis.__path__, "lscb_analysis."):
        if info.name.startswith("lscb_analysis.demo") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        assert (module.__doc__ or "").strip(), f"{info.name} has no docstring"
