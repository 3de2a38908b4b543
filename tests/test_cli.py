"""The command line as a user runs it: real subprocesses of `python -m lscb_analysis`."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd


def lscb(*args, project=None, check=False):
    env = dict(os.environ)
    if project is not None:
        env["LSCB_PROJECT_DIR"] = str(project)
    return subprocess.run([sys.executable, "-m", "lscb_analysis", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=check)


def test_help_lists_the_commands():
    done = lscb("--help")
    assert done.returncode == 0
    for command in ("data", "run", "survey", "check", "index", "resolve", "notebooks"):
        assert command in done.stdout


def test_data_build_writes_both_formats_and_reports_counts(project):
    done = lscb("data", "build", project=project)
    assert done.returncode == 0, done.stderr
    assert "20 indicators" in done.stdout and "Status counts:" in done.stdout
    parquet = pd.read_parquet(project / "data/processed/public_indicators.parquet")
    csv = pd.read_csv(project / "data/processed/public_indicators.csv")
    assert len(parquet) == len(csv) > 30000


def test_a_missing_published_file_is_a_one_line_error(project_with_copied_data):
    (project_with_copied_data / "data/external/csww_indicators_2017_to_2025.csv").unlink()
    done = lscb("data", "build", project=project_with_copied_data)
    assert done.returncode == 2
    assert done.stderr.startswith("error: Published file")
    assert "csww_indicators_2017_to_2025.csv" in done.stderr and "Traceback" not in done.stderr


def test_resolve_prints_the_council():
    done = lscb("resolve", "LBHF, Richmond")
    assert done.stdout.splitlines() == [
        "Hammersmith and Fulham: DfE 205, ONS E09000013, London (inner)",
        "Richmond upon Thames: DfE 318, ONS E09000027, London (outer)"]


def test_resolve_unknown_name_exits_2_with_suggestions():
    done = lscb("resolve", "Hammersmith and Fullham")
    assert done.returncode == 2
    assert "Closest matches: Hammersmith and Fulham" in done.stderr


def test_check_reports_finds_a_planted_identifier(tmp_path):
    (tmp_path / "ok.html").write_text("<p>Barnet: 42 referrals in Quarter 3 (E09000003, 302)</p>")
    assert lscb("check", "reports", "--folder", str(tmp_path)).returncode == 0
    (tmp_path / "bad.html").write_text("<p>Child: Jamie Example, NHS number 943 476 5919</p>")
    done = lscb("check", "reports", "--folder", str(tmp_path))
    assert done.returncode == 1
    assert "bad.html" in done.stderr and "nhs_number" in done.stderr
    assert "943 476 5919" not in done.stderr  # findings are masked


def test_survey_template_command(tmp_path):
    done = lscb("survey", "template", "--out", str(tmp_path / "survey.xlsx"))
    assert done.returncode == 0 and (tmp_path / "survey.xlsx").is_file()


def test_model_commands(tmp_path):
    assert lscb("model", "validate").returncode == 0
    diff = lscb("model", "diff", "0.1", "1.0")
    assert diff.returncode == 0 and "Removed (" in diff.stdout and "Added (" in diff.stdout
    export = lscb("model", "export", "--out", str(tmp_path / "model.xlsx"))
    assert export.returncode == 0 and (tmp_path / "model.xlsx").is_file()
    form = lscb("model", "feedback-form", "--version", "1.0", "--out", str(tmp_path / "f.xlsx"))
    assert form.returncode == 0 and "checksum" in form.stdout
    unknown = lscb("model", "diff", "0.1", "9.9")
    assert unknown.returncode == 2 and "9.9" in unknown.stderr
