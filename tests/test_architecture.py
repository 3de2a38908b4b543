"""The package's shape: the import contract holds, nothing imports in a loop, every room says
what it holds."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
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
    "boards",
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


MAX_MODULE_LINES = 600
"""A module a maintainer can read in one sitting (issue 16); split along a real seam beyond."""


def test_every_module_stays_under_the_size_a_reader_can_hold():
    package = Path(lscb_analysis.__file__).parent
    sizes = {
        path.relative_to(REPO).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in package.rglob("*.py")
    }
    too_long = {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert not too_long, f"modules above {MAX_MODULE_LINES} lines: {too_long}"


NAMED_REFERENCE = re.compile(r"lscb_analysis(?:\.[A-Za-z_]\w*)+")
"""A dotted name such as ``lscb_analysis.protect.disclosure_figures.show_figure``."""


def _where_it_breaks(reference: str) -> str:
    """Why a dotted name does not lead to what it names ("" when it does): a module or
    attribute that does not exist, or a function or class named through a module that only
    imports it (a reader who opens that module will not find it there)."""
    parts = reference.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        target, rest = module, parts[cut:]
        break
    for step, name in enumerate(rest):
        fields = getattr(target, "__dataclass_fields__", {})
        if not hasattr(target, name):
            return (
                ""
                if name in fields or name in getattr(target, "__annotations__", {})
                else (f"no {name!r} in {target.__name__}")
            )
        target = getattr(target, name)
        home = getattr(target, "__module__", module.__name__)
        if (
            step == 0
            and inspect.isfunction(target) | inspect.isclass(target)
            and home != module.__name__
        ):
            return f"{name} is defined in {home}"
    return ""


def test_names_in_docstrings_reference_files_and_readme_lead_to_the_code():
    """Every ``lscb_analysis.…`` name written in the package, notebooks, tests, reference files,
    README and CONTRIBUTING exists where it says (so a name left behind by a move is caught)."""
    places = [
        REPO / "lscb_analysis",
        REPO / "notebooks",
        REPO / "tests",
        REPO / "data" / "reference",
    ]
    files = [
        path
        for place in places
        for path in place.rglob("*")
        if path.suffix in {".py", ".md", ".yaml", ".yml", ".csv"}
    ] + [REPO / "README.md", REPO / "CONTRIBUTING.md"]
    broken = {}
    for path in files:
        for reference in set(NAMED_REFERENCE.findall(path.read_text(encoding="utf-8"))):
            problem = _where_it_breaks(reference)
            if problem:
                broken.setdefault(f"{reference} ({problem})", []).append(
                    path.relative_to(REPO).as_posix()
                )
    assert not broken, broken


def test_reading_notebooks_does_not_compile_jsonschemas_iri_grammar():
    # jsonschema builds a grammar for IRI checks at import when rfc3987-syntax is installed
    # (about 0.9 s in every process that plans or runs a notebook); the package skips it.
    code = (
        "import sys, lscb_analysis.runs.planning, nbformat; "
        "nbformat.validate(nbformat.v4.new_notebook()); "
        "print(sys.modules.get('rfc3987_syntax'), 'lark' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["None", "False"]
