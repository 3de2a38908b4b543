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
