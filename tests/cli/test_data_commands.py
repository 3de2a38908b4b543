"""``lscb data``: the published-statistics tables. Real subprocesses of `python -m lscb_analysis` (the ``lscb`` fixture)."""

from __future__ import annotations

import pandas as pd


def test_data_build_writes_both_formats_and_reports_counts(lscb, project):
    done = lscb("data", "build", project=project)
    assert done.returncode == 0, done.stderr
    assert "20 indicators" in done.stdout and "Status counts:" in done.stdout
    parquet = pd.read_parquet(project / "data/processed/public_indicators.parquet")
    csv = pd.read_csv(project / "data/processed/public_indicators.csv")
    assert len(parquet) == len(csv) > 30000


def test_a_missing_published_file_is_a_one_line_error(lscb, project_with_copied_data):
    (project_with_copied_data / "data/external/csww_indicators_2017_to_2025.csv").unlink()
    done = lscb("data", "build", project=project_with_copied_data)
    assert done.returncode == 2
    assert done.stderr.startswith("error: Published file")
    assert "csww_indicators_2017_to_2025.csv" in done.stderr and "Traceback" not in done.stderr
