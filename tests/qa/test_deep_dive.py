"""The deep dive: parameter checks, signals and questions, and the notebook end to end."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.core.errors import ParameterError, ReferenceDataError
from lscb_analysis.model import catalogue
from lscb_analysis.protect import recovery_attack
from lscb_analysis.qa import deep_dive
from lscb_analysis.runs import orchestrate
from lscb_analysis.stats.funnels import funnel
from lscb_analysis.stats.xmr import xmr


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"borough": "Gotham"}, "'borough'"),
        ({"theme": "knife crime"}, "'theme'"),
        ({"theme": None, "indicator": "rereferral_rate"}, "'indicator'"),
        ({"theme": "neglect", "indicator": "rereferral_pct"}, "not both"),
        ({"period": 2031}, "'period'"),
        ({"tier": "public"}, "'tier'"),
    ],
)
def test_bad_parameters_name_the_parameter(public_indicators, kwargs, named):
    arguments = {
        "borough": "Barnet",
        "theme": "neglect",
        "indicator": None,
        "period": None,
        "audit_id": None,
        "tier": "board",
    } | kwargs
    with pytest.raises(ParameterError, match=named):
        deep_dive.check_parameters(public_indicators, **arguments)


def test_scope_for_a_theme_and_for_an_indicator(public_indicators, project):
    scope = deep_dive.check_parameters(public_indicators, "RBKC", "Neglect", None, None, None)
    assert scope.area.name == "Kensington and Chelsea" and scope.period == 2025
    assert "cpp_rate" in scope.indicator_ids and "Neglect" in scope.factors
    assert scope.audit_ids == ()  # nothing ingested in this project
    one = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "rereferral_pct", "2023-24", None
    )
    assert one.indicator_ids == ("rereferral_pct",) and one.period == 2024
    assert one.pi_ids == ("BF-FD-03",) and one.quarter_cutoff == "2024Q1"
    assert scope.quarter_cutoff is None and scope.tier == "board"
    # mapped from the theme's published indicators, plus its local_pis in audit_themes.yaml
    assert {
        "BF-CP-02",
        "BF-CP-04",
        "BF-CP-05",
        "BF-CP-06",
        "BF-CP-07",
        "BF-FD-01",
        "BF-FD-03",
    } == set(scope.pi_ids)
    analyst = deep_dive.check_parameters(
        public_indicators, "Barnet", "neglect", None, None, None, " Analyst "
    )
    assert analyst.tier == "analyst"


def test_theme_pis_map_public_indicators_and_add_local_pis():
    model = catalogue.load_catalogue("1.0")
    assert deep_dive.theme_pis(model, ["cpp_rate", "rereferral_pct", "nfa_pct"]) == (
        "BF-CP-05",
        "BF-FD-03",
    )  # nfa_pct has no PI in the model
    assert deep_dive.theme_pis(model, ["rereferral_pct"], ["BF-CP-04", "BF-FD-03"]) == (
        "BF-FD-03",
        "BF-CP-04",
    )
    with pytest.raises(ReferenceDataError, match="BF-XX-99"):
        deep_dive.theme_pis(model, [], ["BF-XX-99"], "neglect")


QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4"]


def _pilot_values(numerators, la_number="302", borough="Barnet", pi_id="BF-FD-03"):
    """A hand-built pilot_values table: one PI, one borough, eight quarters."""
    return pd.DataFrame(
        {
            "borough": borough,
            "la_number": la_number,
            "pi_id": pi_id,
            "period": QUARTERS,
            "numerator": [float(n) for n in numerators],
            "denominator": 100.0,
            "value": [float(n) for n in numerators],
            "status": "provided",
            "narrative": "",
            "prefilled": False,
            "validation_status": "ok",
            "submitted": None,
        }
    )


def _scope(public_indicators, tier="board"):
    return deep_dive.check_parameters(
        public_indicators, "Barnet", None, "rereferral_pct", None, None, tier
    )


def test_quarterly_frames_suppress_small_numbers_for_the_board(public_indicators):
    numerators = [20, 22, 3, 21, 19, 23, 20, 22]  # 3 of 100 is a small number
    values = pd.concat(
        [
            _pilot_values(numerators),
            _pilot_values([1] * 8, la_number="207", borough="Kensington and Chelsea"),
            _pilot_values([50] * 8, pi_id="BF-EH-01"),  # not one of the scope's PIs
        ],
        ignore_index=True,
    )
    board = deep_dive.quarterly_spc_frames(_scope(public_indicators), values)
    assert list(board) == ["BF-FD-03"]  # mapped from rereferral_pct
    frame = board["BF-FD-03"]
    assert list(frame.index) == QUARTERS and frame.attrs["title"] == "Re-referrals"
    assert frame.loc["2024Q3", "state"] == "suppressed" and np.isnan(frame.loc["2024Q3", "value"])
    assert (frame["state"].drop("2024Q3") == "ok").all()
    kept = [n for n in numerators if n != 3]
    assert frame["mean"].iloc[0] == pytest.approx(np.mean(kept))  # limits leave it out
    assert 3.0 not in set(frame["value"].dropna())

    analyst = deep_dive.quarterly_spc_frames(_scope(public_indicators, "analyst"), values)
    assert (analyst["BF-FD-03"]["state"] == "ok").all()
    assert analyst["BF-FD-03"].loc["2024Q3", "value"] == 3.0
    assert analyst["BF-FD-03"].attrs["tier"] == "analyst"


def test_quarterly_frames_stop_at_the_year_and_keep_missing_quarters_as_gaps(public_indicators):
    values = _pilot_values([20, 22, 24, 21, 19, 23, 20, 22]).drop(index=[5])  # 2025Q2 missing
    scope = _scope(public_indicators)
    frame = deep_dive.quarterly_spc_frames(scope, values)["BF-FD-03"]
    assert frame.loc["2025Q2", "state"] == "not_returned" and np.isnan(frame.loc["2025Q2", "value"])
    cut = dataclasses.replace(scope, quarter_cutoff="2025Q1")
    assert deep_dive.quarterly_spc_frames(cut, values)["BF-FD-03"].index[-1] == "2025Q1"


def test_no_pilot_values_is_one_sentence_not_an_error(public_indicators, project):
    scope = _scope(public_indicators)
    assert deep_dive.quarterly_spc_frames(scope) == {}  # no pilot_values.parquet in the project
    assert deep_dive.quarterly_spc_frames(scope, _pilot_values([1] * 8, la_number="207")) == {}
    note = deep_dive.quarterly_note(scope, {})
    assert note.startswith("Barnet has no quarterly local figures to chart for Re-referrals")
    assert note.count(". ") == 0 and deep_dive.quarterly_figures({}) == []


def test_quarterly_special_causes_raise_questions(public_indicators):
    scope = _scope(public_indicators, "analyst")
    values = _pilot_values([20, 21, 20, 19, 20, 21, 20, 45])
    quarterly = deep_dive.quarterly_spc_frames(scope, values)
    asked = deep_dive.questions(scope, {}, {}, pd.DataFrame(), quarterly)
    assert asked[0] == (
        "Re-referrals (quarterly local figures) shows special-cause concern in "
        "Q3 2025-26: what changed in practice, demand or recording, and since when?"
    )
    note = deep_dive.quarterly_note(scope, quarterly)
    assert "2024Q1 to 2025Q4" in note and "NOT FOR PUBLICATION" in note
    headlines = deep_dive.index_headlines(scope, {}, {}, pd.DataFrame(), quarterly)
    assert headlines == {
        "Special causes": "1 of 1",
        "Outside London's 99.8% limits": "0 of 0",
        "Audit answers good or better": "no audit",
    }


def test_funnel_passes_suppressed_boroughs_to_the_chart(public_indicators):
    frame, names = deep_dive.london_funnel(public_indicators, "cpp_2yrs_pct", 2025)
    hidden = frame["status"] == "suppressed"
    assert hidden.any() and frame.loc[hidden, "value"].isna().all()
    assert frame.loc[~hidden, "value"].notna().all() and len(names) == len(frame)
    placed = funnel(
        frame.loc[~hidden, "numerator"],
        frame.loc[~hidden, "denominator"],
        kind="proportion",
        multiplier=100,
        overdispersion="multiplicative",
    )
    assert frame.attrs["phi"] == pytest.approx(placed.attrs["phi"])  # left out of the limits
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "cpp_2yrs_pct", None, None
    )
    figure = deep_dive.funnel_figures({"cpp_2yrs_pct": (frame, names)}, scope)[0]
    note = [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "suppressed"]
    suppressed = [n for n, h in zip(names, hidden, strict=True) if h]
    assert note and all(name in note[0].replace("\n", " ") for name in suppressed)


def test_funnel_and_neighbours_use_the_stats_module(public_indicators):
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "rereferral_pct", None, None
    )
    frame, names = deep_dive.london_funnel(public_indicators, "rereferral_pct", 2025)
    assert len(frame) == len(names) >= 30 and frame.attrs["phi"] > 0
    assert "Barnet" in names
    comparison, labels = deep_dive.neighbour_comparison(public_indicators, scope, "rereferral_pct")
    assert labels[0] == "Barnet" and len(labels) == 11
    assert set(comparison["comparison"]) <= {"better", "similar", "worse"}


def test_questions_follow_the_signals(public_indicators):
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "rereferral_pct", None, None
    )
    rising = xmr([20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 35], improvement="down")
    asked = deep_dive.questions(scope, {"rereferral_pct": rising}, {}, pd.DataFrame())
    assert asked[0].startswith("Re-referrals shows special-cause concern")
    calm = xmr([20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 20], improvement="down")
    assert deep_dive.questions(scope, {"rereferral_pct": calm}, {}, pd.DataFrame())[0].startswith(
        "No signal stands out"
    )


@pytest.mark.slow
def test_deep_dive_notebook_on_the_demo_audits(
    tmp_path, public_indicators, project_factory, monkeypatch
):
    root = project_factory(tmp_path / "project")
    public_indicators.to_parquet(root / "data/processed/public_indicators.parquet")
    env = {
        **os.environ,
        "LSCB_PROJECT_DIR": str(root),
        "LSCB_PSEUDONYM_KEY": "synthetic-test-key-0123456789abcdef",
    }
    for command in (["demo-data"], ["audit", "ingest"], ["pilot", "ingest"]):
        subprocess.run(
            [sys.executable, "-m", "lscb_analysis", *command],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    monkeypatch.setenv("LSCB_PSEUDONYM_KEY", "synthetic-test-key-0123456789abcdef")
    results = orchestrate.run_notebook(
        "deep_dive",
        "Barnet",
        {"theme": "neglect"},
        jobs=1,
        out_dir=tmp_path / "reports",
        progress=False,
    )
    assert [r.status for r in results] == ["ok"], results[0].error
    html = (tmp_path / "reports/deep_dive/barnet/report.html").read_text()
    assert "Barnet: Neglect, 2024-25" in html and "Questions this raises" in html
    assert "Grades by section" in html
    assert "SYN-0" not in html  # raw case references never reach the report
    assert "The quarterly local figures" in html and "Quarterly local figures from Barnet" in html
    manifest = json.loads((tmp_path / "reports/deep_dive/barnet/manifest.json").read_text())
    assert "Special causes" in json.dumps(manifest)
    assert "For the board: small numbers suppressed" in html
    # Impact 2025 has suppressed grade counts: no sentence gives its share (which, times the
    # 64 graded answers shown, gave Outstanding and Inadequate back) nor says it is below
    # 50%; one sentence counts the sections left out (issue 15).
    impact = "Impact (SYNTHETIC-2025-barnet-neglect): "
    assert impact not in html
    assert "% of graded answers were good or better" not in html
    assert re.search(
        r"The shares of \d+ audit sections are suppressed \(fewer than 6\) and are "
        r"not compared with 50% here",
        html,
    )
    headline = json.dumps(manifest)
    assert "suppressed (fewer than 6)" in headline  # index headline follows the sections
    assert recovery_attack.attack_folder(tmp_path / "reports").empty
    results = orchestrate.run_notebook(
        "deep_dive",
        "Barnet",
        {"theme": "neglect"},
        jobs=1,
        out_dir=tmp_path / "reports",
        progress=False,
        analyst=True,
    )
    assert [r.status for r in results] == ["ok"], results[0].error
    analyst = (tmp_path / "reports/analyst/deep_dive/barnet/report.html").read_text()
    assert "NOT FOR PUBLICATION" in analyst and "SYN-0" not in analyst
    assert f"{impact}38% of graded answers were good or better" in analyst
