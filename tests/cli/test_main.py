"""The command line as a user runs it: real subprocesses of `python -m lscb_analysis`."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest


def lscb(*args, project=None, check=False):
    env = dict(os.environ)
    if project is not None:
        env["LSCB_PROJECT_DIR"] = str(project)
    return subprocess.run(
        [sys.executable, "-m", "lscb_analysis", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=check,
    )


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
        "Richmond upon Thames: DfE 318, ONS E09000027, London (outer)",
    ]


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_audit_commands_end_to_end(project, tmp_path, monkeypatch):
    monkeypatch.setenv("LSCB_PSEUDONYM_KEY_FILE", str(tmp_path / "keys" / "pseudonym.key"))
    assert (
        lscb(
            "audit", "keygen", "--path", str(tmp_path / "keys" / "pseudonym.key"), project=project
        ).returncode
        == 0
    )
    assert lscb("demo-data", project=project).returncode == 0
    ingest = lscb("audit", "ingest", project=project)
    assert ingest.returncode == 0, ingest.stderr
    assert "1 evidence cell(s) withheld" in ingest.stdout
    records = pd.read_parquet(
        project / "data/processed/audit/SYNTHETIC-2026-barnet-neglect/records.parquet"
    )
    assert records["case"].str.match(r"^CASE-[A-Z2-7]{10}$").all()
    assert not records.astype(str).apply(lambda c: c.str.contains("SYN-0")).any().any()
    reports = project / "reports" / "deep_dive"
    reports.mkdir(parents=True)
    (reports / "leak.html").write_text("<p>Case SYN-0003 was discussed.</p>")
    check = lscb("check", "reports", project=project)
    assert check.returncode == 1 and "case_reference" in check.stderr


@pytest.mark.slow
def test_audit_template_and_sample(project, tmp_path):
    out = tmp_path / "tool.xlsx"
    done = lscb(
        "audit",
        "template",
        "--theme",
        "neglect",
        "--agencies",
        "police,csc",
        "--cases",
        "6",
        "--out",
        str(out),
        project=project,
    )
    assert done.returncode == 0 and out.is_file()
    frame = tmp_path / "cases.csv"
    frame.write_text(
        "case,category\n"
        + "".join(f"C{i:03d},{'neglect' if i % 3 else 'abuse'}\n" for i in range(60))
    )
    first = lscb(
        "audit",
        "sample",
        "--frame",
        str(frame),
        "--n",
        "12",
        "--stratify",
        "category",
        "--seed",
        "7",
        "--out",
        str(tmp_path / "s1"),
        project=project,
    )
    second = lscb(
        "audit",
        "sample",
        "--frame",
        str(frame),
        "--n",
        "12",
        "--stratify",
        "category",
        "--seed",
        "7",
        "--out",
        str(tmp_path / "s2"),
        project=project,
    )
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert (tmp_path / "s1/sample.csv").read_text() == (tmp_path / "s2/sample.csv").read_text()


@pytest.mark.slow
def test_analyst_is_only_for_notebooks_with_a_tier(built_project, use_project, capsys):
    from lscb_analysis.cli import main as cli

    use_project(built_project)
    assert cli.main(["run", "borough_profile", "--borough", "Barnet", "--analyst"]) == 2
    assert "--analyst: notebook 'borough_profile' has no analyst tier" in capsys.readouterr().err
    assert cli.main(["run", "scorecard", "--borough", "Barnet", "-p", "tier=analyst"]) == 2
    assert "Choose the tier with --analyst" in capsys.readouterr().err
    assert cli.build_parser().parse_args(["pack", "--analyst"]).analyst
