"""The deep dive: parameter checks, signals and questions, and the notebook end to end."""

from __future__ import annotations

import json
import re

import pytest

from lscb_analysis.core.errors import ParameterError, ReferenceDataError
from lscb_analysis.model import catalogue
from lscb_analysis.protect import recovery_attack
from lscb_analysis.qa import deep_dive
from lscb_analysis.runs import orchestrate


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


@pytest.mark.slow
def test_deep_dive_notebook_on_the_demo_audits(demo_pack, tmp_path, monkeypatch):
    # The demo pack ran the deep dive for Barnet (theme neglect) on the board tier, after
    # the demo data, the audit ingest and the pilot ingest (its steps).
    root = demo_pack["root"]
    run_dir = root / "reports/deep_dive/barnet"
    html = (run_dir / "report.html").read_text()
    assert "Barnet: Neglect, 2024-25" in html and "Questions this raises" in html
    assert "Grades by section" in html
    assert "SYN-0" not in html  # raw case references never reach the report
    assert "The quarterly local figures" in html and "Quarterly local figures from Barnet" in html
    manifest = json.loads((run_dir / "manifest.json").read_text())
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
    assert recovery_attack.attack_folder(root / "reports" / "deep_dive").empty
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    monkeypatch.setenv("LSCB_PSEUDONYM_KEY", "synthetic-test-key-0123456789abcdef")
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
