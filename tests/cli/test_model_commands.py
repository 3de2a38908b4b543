"""``lscb model``: the best-fit model commands. Real subprocesses of `python -m lscb_analysis` (the ``lscb`` fixture)."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_model_commands(lscb, tmp_path):
    assert lscb("model", "validate").returncode == 0
    diff = lscb("model", "diff", "0.1", "1.0")
    assert diff.returncode == 0 and "Removed (" in diff.stdout and "Added (" in diff.stdout
    export = lscb("model", "export", "--out", str(tmp_path / "model.xlsx"))
    assert export.returncode == 0 and (tmp_path / "model.xlsx").is_file()
    form = lscb("model", "feedback-form", "--version", "1.0", "--out", str(tmp_path / "f.xlsx"))
    assert form.returncode == 0 and "checksum" in form.stdout
    unknown = lscb("model", "diff", "0.1", "9.9")
    assert unknown.returncode == 2 and "9.9" in unknown.stderr
