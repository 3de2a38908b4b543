"""Planning runs: parameter and borough checks stop a request before anything runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.runs import orchestrate, planning


@pytest.mark.slow
def test_unknown_parameter_stops_before_anything_runs(built_project, use_project, tmp_path):
    use_project(built_project)
    with pytest.raises(ParameterError, match="no parameter 'perod'.*borough, period"):
        orchestrate.run_notebook("borough_profile", "Barnet", {"perod": 2025}, out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_unknown_borough_stops_before_anything_runs(built_project, use_project, tmp_path):
    use_project(built_project)
    with pytest.raises(ParameterError, match="--borough.*'Barnit'.*Barnet"):
        orchestrate.run_notebook("borough_profile", "Brent,Barnit", out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_unknown_notebook_lists_the_notebooks(built_project, use_project, tmp_path):
    use_project(built_project)
    with pytest.raises(ParameterError, match="borough_profile"):
        planning.plan_runs("borough_profil", "Barnet", {}, tmp_path)


@pytest.mark.slow
def test_cli_parameter_error_exits_2_with_a_message(built_project):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lscb_analysis",
            "run",
            "borough_profile",
            "--borough",
            "Barnet",
            "-p",
            "colour=blue",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "LSCB_PROJECT_DIR": str(built_project)},
    )
    assert done.returncode == 2
    assert "error: Notebook 'borough_profile' has no parameter 'colour'" in done.stderr


def test_parse_parameter_options_rejects_bad_form():
    with pytest.raises(ParameterError, match="key=value"):
        planning.parse_parameter_options(["2025"])
