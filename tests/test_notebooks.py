"""Notebook contract: thin, reviewable, parameterised notebooks kept as Jupytext text."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import jupytext
import pytest

from lscb_analysis import runner

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.py"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no Jupytext notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exactly_one_parameters_cell(path):
    notebook = jupytext.read(path)
    assert len(runner.parameters_cells(notebook)) == 1
    assert runner.notebook_parameters(notebook)  # it assigns at least one parameter


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_def_class_or_try_in_cells(path):
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code":
            continue
        # IPython magics (%matplotlib inline) are not Python: leave them out of the parse.
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith("%"))
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                                  | ast.Try | ast.Lambda), (
                f"{path.name}: logic belongs in lscb_analysis, not in the notebook:\n{cell.source}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_thin_shape_purpose_parameters_record(path):
    cells = jupytext.read(path).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    code = [c for c in cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "run_record" in code[-1].source
    for cell in code:
        assert len([line for line in cell.source.splitlines() if line.strip()]) <= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_registered_with_its_inputs(path):
    entry = runner.notebook_registry()[path.stem]
    assert entry["scope"] in ("borough", "london") and entry["inputs"]


def test_no_executed_notebooks_committed():
    tracked = subprocess.run(["git", "ls-files", "notebooks"], cwd=REPO, capture_output=True,
                             text=True, check=False).stdout.split()
    assert not [name for name in tracked if name.endswith(".ipynb")]
