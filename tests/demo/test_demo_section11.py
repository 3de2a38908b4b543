"""Synthetic Section 11 self-assessments: five agencies in five boards, deterministic, marked
SYNTHETIC, never overwriting; written by `lscb demo-data`."""

from __future__ import annotations

import openpyxl
import pytest

from lscb_analysis.cli import main as cli
from lscb_analysis.demo import demo_section11
from lscb_analysis.qa import section11


@pytest.mark.slow
def test_the_demo_writes_five_agencies_for_five_boards_the_same_every_time(
    project, project_factory, tmp_path, monkeypatch
):
    written = demo_section11.write_demo_section11(project / "data" / "raw")
    names = sorted(p.name for p in written)
    assert len(names) == 27 and all(name.startswith("SYNTHETIC") for name in names)
    assert "SYNTHETIC_section11_barnet_police_v2.xlsx" in names
    book = openpyxl.load_workbook(written[0])
    info = {row[0].value: row[1].value for row in book[section11.INFO_SHEET].iter_rows()}
    assert info["synthetic"] == "yes" and "SYNTHETIC DATA" in book["About"]["A2"].value
    assert demo_section11.write_demo_section11(project / "data" / "raw") == []  # never again
    # Same seed, same bytes: a second project gets identical files.
    other = project_factory(tmp_path / "other")
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(other))
    again = demo_section11.write_demo_section11(other / "data" / "raw")
    assert [p.read_bytes() for p in sorted(again)] == [p.read_bytes() for p in sorted(written)]


@pytest.mark.slow
def test_lscb_demo_data_writes_the_section11_returns(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert cli.main(["demo-data"]) == 0
    assert "section11: Wrote 27 synthetic Section 11 files" in capsys.readouterr().out
