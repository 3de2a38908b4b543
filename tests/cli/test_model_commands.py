"""``lscb model``: the best-fit model commands. Real subprocesses of `python -m lscb_analysis` (the ``lscb`` fixture)."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_model_commands(lscb, tmp_path, project):
    assert lscb("model", "validate").returncode == 0
    diff = lscb("model", "diff", "0.1", "1.0")
    assert diff.returncode == 0 and "Removed (" in diff.stdout and "Added (" in diff.stdout
    export = lscb("model", "export", "--out", str(tmp_path / "model.xlsx"))
    assert export.returncode == 0 and (tmp_path / "model.xlsx").is_file()
    form = lscb("model", "feedback-form", "--version", "1.0", "--out", str(tmp_path / "f.xlsx"))
    assert form.returncode == 0 and "checksum" in form.stdout
    # 1.0 -> 1.1: the changed and the added PI, and which consultation answers carry (none
    # read in this fresh project: the diff says so and still exits 0).
    moved = lscb("model", "diff", "1.0", "1.1", project=project)
    assert moved.returncode == 0, moved.stderr
    assert "~ BF-CP-02" in moved.stdout and "+ BF-YS-08" in moved.stdout
    assert "Consultation answers: not listed" in moved.stdout
    named = lscb(
        "model", "feedback-form", "--for", "Barnet Police", "--out", str(tmp_path / "b.xlsx")
    )
    assert named.returncode == 0 and (tmp_path / "b.xlsx").is_file()
    # The exit-code rule: a missing folder cannot run; an empty one accounts for nothing.
    missing = lscb("model", "feedback", str(tmp_path / "nowhere"), project=project)
    assert missing.returncode != 0 and "nowhere" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = lscb("model", "feedback", str(tmp_path / "empty"), "--strict", project=project)
    assert empty.returncode == 1 and "No file could be read" in empty.stderr
    unknown = lscb("model", "diff", "0.1", "9.9")
    assert unknown.returncode == 2 and "9.9" in unknown.stderr
