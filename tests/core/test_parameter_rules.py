"""Parameter rules: every -p value is checked before anything runs."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.core.parameter_rules import RULES, check_parameters
from lscb_analysis.runs import planning

GOOD = {
    "reporting_year": [2025, "2016"],
    "year_or_quarter": ["2025Q4", "2025q1", 2025],
    "financial_year": ["2025-26", "1999-00"],
    "date": ["2026-03-31", dt.date(2026, 3, 31)],
    "model_version": ["1.0", "v1.1", 1.0, "2"],
    "audit_id": ["2026-neglect-barnet", "A1"],
    "name": ["neglect", "Early help"],
    "positive_number": [10, "2.5"],
    "project_folder": ["data/raw/pilot", "data/raw/survey/late"],
    "indicator": ["rereferral_pct"],
    "audit_theme": ["neglect", "Neglect", "NEGLECT"],
    "boroughs": ["all", "london", "Barnet", "Barnet, RBKC"],
}
BAD = {
    "reporting_year": ["../../x", 25, "2025-26", 3000],
    "year_or_quarter": ["2025Q5", "Q4 2025", "../x"],
    "financial_year": ["2025-27", "2025/26", "2025"],
    "date": ["01/02/2026", "31 March 2026", "2026-02-30"],
    "model_version": ["latest", "1.0; rm -rf", "../v1"],
    "audit_id": ["../other", "a b", ""],
    "name": ["../../etc", "Barnet\u202e", "x" * 81],
    "positive_number": [0, -3, "ten", True],
    "project_folder": ["../outside", "/etc", "data/processed"],
    "indicator": ["no_such_indicator"],
    "audit_theme": ["not_a_theme"],
    "boroughs": ["Atlantis", "Barnet, ../x", "Barnet\u202e"],
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_passes_good_values_and_refuses_bad_ones(rule, project):
    assert set(GOOD) == set(BAD) == set(RULES)
    for value in GOOD[rule]:
        check_parameters("probe", {"value": value}, {"value": rule})
    for value in BAD[rule]:
        with pytest.raises(ParameterError, match="-p value=.* for probe: expected "):
            check_parameters("probe", {"value": value}, {"value": rule})


def test_none_is_the_default_and_a_parameter_without_a_rule_is_left_to_the_notebook():
    check_parameters("probe", {"period": None, "free": "../x"}, {"period": "reporting_year"})


def test_a_rule_that_does_not_exist_is_named():
    with pytest.raises(ParameterError, match="'reporting_yr', which does not exist"):
        check_parameters("probe", {"period": 2025}, {"period": "reporting_yr"})


def test_every_rule_in_the_registry_exists_and_names_a_parameter_of_its_notebook(project):
    registry = planning.notebook_registry()
    for name, entry in registry.items():
        defaults = planning.notebook_parameters(planning.load_notebook(name))
        for parameter, rule in ((entry or {}).get("parameters") or {}).items():
            assert rule in RULES, (name, parameter, rule)
            assert parameter in defaults, (name, parameter)


def test_a_bad_value_stops_lscb_run_before_anything_runs(project):
    live = project / "reports" / "borough_profile" / "barnet"
    live.mkdir(parents=True)
    (live / "report.html").write_text("the live report")
    done = subprocess.run(
        [sys.executable, "-m", "lscb_analysis", "run", "borough_profile", "--borough", "Barnet"]
        + ["-p", "period=../../x"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "LSCB_PROJECT_DIR": str(project)},
    )
    assert done.returncode != 0
    assert "-p period='../../x' for borough_profile: expected a reporting year" in done.stderr
    assert (live / "report.html").read_text() == "the live report"
    assert not (project / "reports" / "borough_profile" / "last_good").exists()


def test_a_bad_pack_period_is_named_as_the_option_it_was_given_with(project):
    from lscb_analysis.core.errors import ParameterError
    from lscb_analysis.runs import pack

    with pytest.raises(
        ParameterError, match=r"^--period '1890' for \w+: expected .*leave --period out"
    ):
        pack.plan_pack(period=1890, boroughs="Barnet")


def test_a_date_option_takes_year_month_day_and_shows_both_readings_of_a_day_month_form():
    from lscb_analysis.core.parameter_rules import read_date

    assert read_date("2026-02-01", "--as-at") == dt.date(2026, 2, 1)
    with pytest.raises(ParameterError) as error:
        read_date("01/02/2026", "--as-at")
    assert str(error.value) == (
        "--as-at '01/02/2026' could be 1 February 2026 or 2 January 2026: write it as "
        "year-month-day, 2026-02-01 or 2026-01-02."
    )
    with pytest.raises(
        ParameterError, match=r"'13/02/2026': write the date as year-month-day \(2026-02-13\)"
    ):
        read_date("13/02/2026", "--as-at")
    with pytest.raises(ParameterError, match="such as 2026-03-31"):
        read_date("next Tuesday", "--as-at")


def test_lscb_survey_compile_refuses_an_ambiguous_as_at_before_reading_anything(project, capsys):
    from lscb_analysis.cli import main

    assert main.main(["survey", "compile", "--as-at", "01/02/2026"]) == 2
    assert "could be 1 February 2026 or 2 January 2026" in capsys.readouterr().err
