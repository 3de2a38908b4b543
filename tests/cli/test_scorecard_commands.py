"""``lscb scorecard build``: every borough's score card. Real subprocesses (the ``lscb`` fixture)."""

from __future__ import annotations

import json

import pandas as pd
import pytest


@pytest.mark.slow
def test_table_only_writes_the_london_table_and_no_workbook(lscb, project, public_indicators):
    public_indicators.to_parquet(project / "data/processed/public_indicators.parquet")
    done = lscb("scorecard", "build", "--period", "latest", "--table-only", project=project)
    assert done.returncode == 0, done.stderr
    built = json.loads((project / "data/processed/scorecard_built.json").read_text())
    table = pd.read_parquet(built["table"])
    assert table["borough"].nunique() == 33
    assert f"Wrote {built['table']}." in done.stdout and "scorecard.xlsx" not in done.stdout
    assert not (project / "reports" / "scorecard").exists()
