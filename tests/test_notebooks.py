"""Notebook contract: thin, reviewable, parameterised notebooks kept as Jupytext text."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import jupytext
import pytest

from lscb_analysis.core import notebooks
from lscb_analysis.runs import planning

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.py"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no Jupytext notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exactly_one_parameters_cell(path):
    notebook = jupytext.read(path)
    assert len(planning.parameters_cells(notebook)) == 1
    assert planning.notebook_parameters(notebook)  # it assigns at least one parameter


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_def_class_or_try_in_cells(path):
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code":
            continue
        # IPython magics (%matplotlib inline) are not Python: leave them out of the parse.
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith("%")
        )
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Try | ast.Lambda
            ), f"{path.name}: logic belongs in lscb_analysis, not in the notebook:\n{cell.source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_thin_shape_purpose_parameters_record(path):
    cells = jupytext.read(path).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    code = [c for c in cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "run_record" in code[-1].source
    for cell in code:
        lines = [line for line in cell.source.splitlines() if line.strip()]
        # The imports cell names one line per room it imports from (core, present, ...).
        assert len(lines) <= (10 if "%load_ext" in cell.source else 8), cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_registered_with_its_inputs(path):
    entry = notebooks.notebook_registry()[path.stem]
    assert entry["scope"] in ("borough", "london") and entry["inputs"]


@pytest.mark.slow
def test_no_executed_notebooks_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "notebooks"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.split()
    assert not [name for name in tracked if name.endswith(".ipynb")]


@pytest.mark.slow
def test_every_registered_notebook_shows_only_aggregates_on_demo_data(demo_pack):
    # The pack ran every registered notebook with the display guard on: none failed.
    import pandas as pd

    runs = pd.read_csv(
        demo_pack["root"] / "reports" / "index.csv", dtype=str, keep_default_na=False
    )
    assert set(runs["notebook"]) == set(notebooks.notebook_registry())
    assert (runs["status"] == "ok").all(), runs.loc[
        runs["status"] != "ok", ["notebook", "slug", "error"]
    ].to_dict("records")
    assert not runs["error"].str.contains("RecordLevelDisplayError").any()
    executed = demo_pack["root"] / "reports" / "deep_dive" / "barnet" / "deep_dive.ipynb"
    assert "lscb-display-guard" in executed.read_text()


@pytest.mark.slow
def test_the_analyst_tier_is_separate_and_labelled(demo_pack):
    import pandas as pd

    reports = demo_pack["root"] / "reports"
    analyst = reports / "analyst"
    report = (analyst / "pilot_feasibility" / "barnet" / "report.html").read_text()
    assert 'id="lscb-tier-banner"' in report and "position: fixed" in report
    assert "NOT FOR PUBLICATION: unsuppressed analyst working copy" in report
    board = pd.read_csv(reports / "index.csv", dtype=str, keep_default_na=False)
    assert set(board["tier"]) == {"board"}
    assert not (reports / "pilot_feasibility" / "barnet").exists()
    page = (analyst / "index.html").read_text()
    assert "analyst: NOT FOR PUBLICATION" in page and 'id="tier-banner"' in page
    assert "analyst" not in (reports / "index.html").read_text().split("<tbody>")[1]
