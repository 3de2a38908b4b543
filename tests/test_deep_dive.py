"""The deep dive: parameter checks, signals and questions, and the notebook end to end."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from lscb_analysis import deep_dive, runner, stats
from lscb_analysis.errors import ParameterError


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"borough": "Gotham"}, "'borough'"),
    ({"theme": "knife crime"}, "'theme'"),
    ({"theme": None, "indicator": "rereferral_rate"}, "'indicator'"),
    ({"theme": "neglect", "indicator": "rereferral_pct"}, "not both"),
    ({"period": 2031}, "'period'"),
])
def test_bad_parameters_name_the_parameter(public_indicators, kwargs, named):
    arguments = {"borough": "Barnet", "theme": "neglect", "indicator": None, "period": None,
                 "audit_id": None} | kwargs
    with pytest.raises(ParameterError, match=named):
        deep_dive.check_parameters(public_indicators, **arguments)


def test_scope_for_a_theme_and_for_an_indicator(public_indicators, project):
    scope = deep_dive.check_parameters(public_indicators, "RBKC", "Neglect", None, None, None)
    assert scope.area.name == "Kensington and Chelsea" and scope.period == 2025
    assert "cpp_rate" in scope.indicator_ids and "Neglect" in scope.factors
    assert scope.audit_ids == ()  # nothing ingested in this project
    one = deep_dive.check_parameters(public_indicators, "Barnet", None, "rereferral_pct",
                                     "2023-24", None)
    assert one.indicator_ids == ("rereferral_pct",) and one.period == 2024


def test_funnel_and_neighbours_use_the_stats_module(public_indicators):
    scope = deep_dive.check_parameters(public_indicators, "Barnet", None, "rereferral_pct",
                                       None, None)
    frame, names = deep_dive.london_funnel(public_indicators, "rereferral_pct", 2025)
    assert len(frame) == len(names) >= 30 and frame.attrs["phi"] > 0
    assert "Barnet" in names
    comparison, labels = deep_dive.neighbour_comparison(public_indicators, scope,
                                                        "rereferral_pct")
    assert labels[0] == "Barnet" and len(labels) == 11
    assert set(comparison["comparison"]) <= {"better", "similar", "worse"}


def test_questions_follow_the_signals(public_indicators):
    scope = deep_dive.check_parameters(public_indicators, "Barnet", None, "rereferral_pct",
                                       None, None)
    rising = stats.xmr([20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 35], improvement="down")
    asked = deep_dive.questions(scope, {"rereferral_pct": rising}, {}, pd.DataFrame())
    assert asked[0].startswith("Re-referrals shows special-cause concern")
    calm = stats.xmr([20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 20], improvement="down")
    assert deep_dive.questions(scope, {"rereferral_pct": calm}, {}, pd.DataFrame())[0] \
        .startswith("No signal stands out")


def test_deep_dive_notebook_on_the_demo_audits(tmp_path, public_indicators, project_factory,
                                               monkeypatch):
    root = project_factory(tmp_path / "project")
    public_indicators.to_parquet(root / "data/processed/public_indicators.parquet")
    env = {**os.environ, "LSCB_PROJECT_DIR": str(root), "LSCB_PSEUDONYM_KEY": "synthetic-test-key-0123456789abcdef"}
    for command in (["demo-data"], ["audit", "ingest"]):
        subprocess.run([sys.executable, "-m", "lscb_analysis", *command], env=env, check=True,
                       capture_output=True, timeout=300)
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    monkeypatch.setenv("LSCB_PSEUDONYM_KEY", "synthetic-test-key-0123456789abcdef")
    results = runner.run_notebook("deep_dive", "Barnet", {"theme": "neglect"}, jobs=1,
                                  out_dir=tmp_path / "reports", progress=False)
    assert [r.status for r in results] == ["ok"], results[0].error
    html = (tmp_path / "reports/deep_dive/barnet/report.html").read_text()
    assert "Barnet: Neglect, 2024-25" in html and "Questions this raises" in html
    assert "Grades by section" in html and "Planning (SYNTHETIC-2025-barnet-neglect)" in html
    assert "SYN-0" not in html  # raw case references never reach the report
