"""Phases I and II end to end on the synthetic demo returns, through the real CLI and runner."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core import io
from lscb_analysis.model import gap_analysis
from lscb_analysis.runs import orchestrate


def lscb(project, *args):
    done = subprocess.run(
        [sys.executable, "-m", "lscb_analysis", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "LSCB_PROJECT_DIR": str(project)},
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def phase_one_project(tmp_path_factory, public_indicators, project_factory):
    root = project_factory(tmp_path_factory.mktemp("phase1") / "project")
    public_indicators.to_parquet(root / "data/processed/public_indicators.parquet")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSCB_PROJECT_DIR", str(root))
        lscb(root, "demo-data")
        hashes = {p: io.sha256_of(p) for p in (root / "data/raw").rglob("*") if p.is_file()}
        lscb(root, "survey", "ingest")
        lscb(root, "survey", "compile")
        lscb(root, "model", "gaps")
        results = {
            name: orchestrate.run_notebook(name, None, {}, jobs=1, progress=False)
            for name in ("survey_mapping", "gap_analysis")
        }
        results["gap_barnet"] = orchestrate.run_notebook(
            "gap_analysis", "Barnet", {}, jobs=1, progress=False
        )
        yield root, hashes, results


@pytest.mark.slow
def test_raw_returns_are_untouched(phase_one_project):
    root, hashes, _ = phase_one_project
    assert hashes and all(io.sha256_of(path) == digest for path, digest in hashes.items())


@pytest.mark.slow
def test_ingest_outputs_and_register(phase_one_project):
    root, _, _ = phase_one_project
    items = pd.read_parquet(root / "data/processed/survey_items.parquet")
    assert items.loc[items["used"], "borough"].nunique() == 24
    register = pd.read_csv(root / "data/processed/survey_register.csv")
    assert len(register) == 33
    assert (register["status"] == "returned_with_data").sum() == 24


@pytest.mark.slow
def test_draft_dataset_workbook(phase_one_project):
    root, _, _ = phase_one_project
    book = openpyxl.load_workbook(root / "reports/survey_mapping/draft_dataset.xlsx")
    sheet = book["Draft dataset"]
    assert sheet["D1"].value == "Heading / sub-heading"
    assert sheet.max_row > 40 and "28 of 32" in book["Notes"]["B2"].value


@pytest.mark.slow
def test_mapping_notebook_runs_on_the_demo(phase_one_project):
    root, _, results = phase_one_project
    assert [r.status for r in results["survey_mapping"]] == ["ok"]
    html = (root / "reports/survey_mapping/london/report.html").read_text()
    assert "28 of 32 boards asked responded, 24 with information" in html
    # the domain chart's alt text states its finding in figures
    assert re.search(
        r'<img alt="Items collected by each board, by indicator domain\. \d+ rows '
        r"by \d+ columns, \d+ in all; highest \d+",
        html,
    )


@pytest.mark.slow
def test_gap_matrix_and_notebooks(phase_one_project):
    root, _, results = phase_one_project
    matrix = pd.read_parquet(root / "data/processed/gap_matrix.parquet")
    assert set(matrix["status"]) >= {
        "national",
        "collected",
        "partial",
        "wanted",
        "not_collected",
        "no_return",
    }
    assert [r.status for r in results["gap_analysis"]] == ["ok"]
    assert [r.status for r in results["gap_barnet"]] == ["ok"]
    html = (root / "reports/gap_analysis/barnet/report.html").read_text()
    assert "One board" in html and "Next step" in html
    gaps = openpyxl.load_workbook(root / "reports/gap_analysis/barnet/gaps.xlsx")
    assert gaps.sheetnames == [
        "Gaps and next steps",
        "Gaps and next steps (detail)",
        "All PIs",
        "All PIs (detail)",
        "Notes",
    ]
    manifest = json.loads((root / "reports/gap_analysis/barnet/manifest.json").read_text())
    assert manifest["parameters"]["borough"] == "Barnet"
    # The index headline is the median board's coverage, as in the heatmap's title.
    scores = gap_analysis.coverage_scores(matrix, gap_analysis.load_rules())
    headlines = results["gap_analysis"][0].index["headlines"]
    assert (
        headlines["London coverage (weighted, median board)"]
        == f"{scores['coverage'].median():.0%}"
    )
    assert headlines["Boroughs"] == len(scores)
    matches = pd.read_csv(
        root / "data/reference/item_pi_matches.csv", dtype=str, keep_default_na=False
    )
    assert len(matches) and (matches["confirmed"] == "").all()
