"""The exit-code rule every ingest follows (lscb_analysis.cli.ingest_rule), and the pilot and
survey ingests keeping to it on real files."""

from __future__ import annotations

import pytest

from lscb_analysis.cli import ingest_rule
from lscb_analysis.cli import main as cli


@pytest.mark.parametrize(
    ("read", "set_aside", "errors", "strict", "code"),
    [
        (3, 0, 0, False, 0),
        (3, 1, 2, False, 0),  # accounted for: the set-aside file is listed, not fatal
        (3, 1, 0, True, 1),
        (3, 0, 2, True, 1),
        (3, 0, 0, True, 0),
        (0, 2, 0, False, 1),  # nothing could be read
        (0, 0, 0, False, 1),
    ],
)
def test_the_rule(read, set_aside, errors, strict, code):
    assert ingest_rule.exit_code(read, set_aside, errors, strict=strict) == code


@pytest.mark.slow
def test_pilot_and_survey_ingests_exit_0_with_a_file_set_aside_and_1_when_strict(
    project, monkeypatch, capsys
):
    from lscb_analysis.demo import demo_pilot

    monkeypatch.chdir(project)
    raw = project / "data" / "raw"
    demo_pilot.write_demo_pilot(raw, demo=demo_pilot.build_demo_pilot(only=["Barnet"]))
    (raw / "pilot" / "broken.xlsx").write_bytes(b"not a workbook")
    assert cli.main(["pilot", "ingest"]) == 0
    assert "REJECTED broken.xlsx" in capsys.readouterr().err
    assert cli.main(["pilot", "ingest", "--strict"]) == 1
    survey = raw / "survey"
    survey.mkdir()
    (survey / "broken.xlsx").write_bytes(b"not a workbook")
    assert cli.main(["survey", "ingest"]) == 1  # nothing could be read
    assert "No file could be read (1 set aside)" in capsys.readouterr().err


@pytest.mark.slow
def test_lscb_returns_ingest_is_the_one_ingest_of_the_returns(project, monkeypatch, capsys):
    from lscb_analysis.demo import demo_pilot

    monkeypatch.chdir(project)
    demo_pilot.write_demo_pilot(
        project / "data" / "raw", demo=demo_pilot.build_demo_pilot(only=["Barnet"])
    )
    assert cli.main(["returns", "ingest"]) == 0
    assert (project / "data" / "processed" / "pilot_values.parquet").is_file()
