"""Outputs stay in their place: --out only inside reports/ or a configured folder."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.core.output_folders import OUTPUT_DIRS_VARIABLE, check_output_folder


def test_a_folder_inside_reports_is_accepted(project, monkeypatch):
    monkeypatch.chdir(project)
    assert check_output_folder("reports/spring") == (project / "reports" / "spring").resolve()
    assert check_output_folder(project / "reports") == (project / "reports").resolve()


@pytest.mark.parametrize("where", ["../outside", "reports/../../outside", "/tmp/elsewhere"])
def test_a_folder_outside_reports_is_refused_naming_the_path(project, monkeypatch, where):
    monkeypatch.chdir(project)
    monkeypatch.delenv(OUTPUT_DIRS_VARIABLE, raising=False)
    with pytest.raises(ParameterError, match=f"--out '{where}' leads to .*outside"):
        check_output_folder(where)


def test_a_symbolic_link_inside_reports_cannot_lead_outside(project, tmp_path, monkeypatch):
    monkeypatch.delenv(OUTPUT_DIRS_VARIABLE, raising=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "reports").mkdir(exist_ok=True)
    (project / "reports" / "link").symlink_to(outside)
    with pytest.raises(ParameterError, match="outside the project's reports folder"):
        check_output_folder(project / "reports" / "link" / "pack")


def test_a_configured_folder_is_accepted(project, tmp_path, monkeypatch):
    monkeypatch.delenv(OUTPUT_DIRS_VARIABLE, raising=False)
    papers = tmp_path / "board-papers"
    (project / "data" / "reference" / "output_folders.yaml").write_text(f"folders:\n  - {papers}\n")
    assert check_output_folder(papers / "2026Q3") == (papers / "2026Q3").resolve()
    monkeypatch.setenv(OUTPUT_DIRS_VARIABLE, str(tmp_path / "scratch"))
    assert check_output_folder(tmp_path / "scratch" / "r") == (tmp_path / "scratch" / "r")


def test_lscb_run_pack_and_index_refuse_an_outside_out_and_write_nothing(project, tmp_path):
    outside = tmp_path / "outside"
    environment = {**os.environ, "LSCB_PROJECT_DIR": str(project)}
    environment.pop(OUTPUT_DIRS_VARIABLE, None)
    for command in (
        ["run", "borough_profile", "--borough", "Barnet"],
        ["pack", "-q"],
        ["index"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "lscb_analysis", *command, "--out", str(outside)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=environment,
            cwd=project,
        )
        assert done.returncode != 0, command
        assert f"--out '{outside}' leads to" in done.stderr, done.stderr
    assert not outside.exists()


WRITING_COMMANDS = [
    ["survey", "template"],
    ["survey", "compile"],
    ["model", "export"],
    ["model", "feedback-form"],
    ["pilot", "template", "--borough", "Barnet", "--periods", "2024Q1..2024Q4"],
    ["audit", "template", "--theme", "neglect", "--agencies", "police", "--cases", "2"],
    ["audit", "sample", "--frame", "cases.csv", "--n", "2", "--seed", "1"],
]


@pytest.mark.parametrize("command", WRITING_COMMANDS, ids=lambda words: " ".join(words[:2]))
def test_every_command_that_writes_refuses_an_outside_out(
    project, tmp_path, monkeypatch, capsys, command
):
    from lscb_analysis.cli import main

    monkeypatch.chdir(project)
    monkeypatch.delenv(OUTPUT_DIRS_VARIABLE, raising=False)
    outside = tmp_path / "outside" / "file.xlsx"
    assert main.main([*command, "--out", str(outside)]) == 2
    assert f"--out '{outside}' leads to" in capsys.readouterr().err
    assert not outside.parent.exists()


def test_a_template_goes_under_reports_and_a_case_sample_never_does(project, monkeypatch, capsys):
    from lscb_analysis.cli import main

    monkeypatch.chdir(project)
    monkeypatch.delenv(OUTPUT_DIRS_VARIABLE, raising=False)
    assert main.main(["survey", "template", "--out", "reports/templates/survey.xlsx"]) == 0
    assert (project / "reports" / "templates" / "survey.xlsx").is_file()
    # An audit sample lists case references: reports/ is published, so it is refused there and
    # accepted under data/processed/.
    sample = ["audit", "sample", "--frame", "cases.csv", "--n", "2", "--seed", "1", "--out"]
    assert main.main([*sample, "reports/sample"]) == 2
    assert "outside the project's data/processed folder" in capsys.readouterr().err
    (project / "cases.csv").write_text("case_ref\nA1\nA2\nA3\n")
    assert main.main([*sample, "data/processed/audit_samples/spring"]) == 0
    assert any((project / "data" / "processed" / "audit_samples" / "spring").iterdir())
