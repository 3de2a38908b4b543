"""``lscb survey``: the Phase I survey commands. Real subprocesses of `python -m lscb_analysis` (the ``lscb`` fixture)."""

from __future__ import annotations


def test_survey_template_command(lscb, tmp_path):
    done = lscb("survey", "template", "--out", str(tmp_path / "survey.xlsx"))
    assert done.returncode == 0 and (tmp_path / "survey.xlsx").is_file()
