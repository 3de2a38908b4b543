"""``lscb check reports``: identifiers found before publication. Real subprocesses of `python -m lscb_analysis` (the ``lscb`` fixture)."""

from __future__ import annotations


def test_check_reports_finds_a_planted_identifier(lscb, tmp_path):
    (tmp_path / "ok.html").write_text("<p>Barnet: 42 referrals in Quarter 3 (E09000003, 302)</p>")
    assert lscb("check", "reports", "--folder", str(tmp_path)).returncode == 0
    (tmp_path / "bad.html").write_text("<p>Child: Jamie Example, NHS number 943 476 5919</p>")
    done = lscb("check", "reports", "--folder", str(tmp_path))
    assert done.returncode == 1
    assert "bad.html" in done.stderr and "nhs_number" in done.stderr
    assert "943 476 5919" not in done.stderr  # findings are masked
