"""Building score cards from a project: the London table and workbooks, the notebook end to end."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core import register
from lscb_analysis.runs import orchestrate
from lscb_analysis.scorecard import build, scorecard


@pytest.fixture(scope="module")
def scorecard_project(
    tmp_path_factory, public_indicators, project_factory, pilot_rows, quarters, barnet
):
    root = project_factory(tmp_path_factory.mktemp("scorecard") / "project")
    public_indicators.to_parquet(root / "data/processed/public_indicators.parquet")
    pilot = pilot_rows(
        "BF-SG-02", quarters("2023Q3", 10), [900, 905, 895, 900, 910, 900, 905, 895, 900, 600]
    )
    pilot += pilot_rows("BF-SG-01", ["2025Q4"], [3], denominator=7)
    pd.DataFrame(pilot).to_parquet(root / "data/processed/pilot_values.parquet")
    pd.DataFrame(
        [
            {
                "la_number": barnet.la_number,
                "pi_id": "BF-SG-02",
                "period": "2025Q4",
                "code": "Q_JUMP",
                "severity": "query",
                "superseded": False,
            }
        ]
    ).to_csv(root / "data/processed/pilot_issues.csv", index=False)
    return root


def test_build_london_writes_the_table_and_workbooks(scorecard_project, monkeypatch):
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(scorecard_project))
    areas = [register.resolve("Barnet"), register.resolve("Camden")]
    done = build.build_london("2025Q4", areas=areas)
    table = pd.read_parquet(done["table"])
    assert done["table"].name == "scorecard_2025Q4.parquet" and done["period"] == "2025Q4"
    assert table["borough"].unique().tolist() == ["Barnet", "Camden"]
    assert list(table.columns) == scorecard.ROW_COLUMNS
    assert [p.relative_to(scorecard_project).as_posix() for p in done["workbooks"]] == [
        "reports/scorecard/barnet/2025Q4/scorecard.xlsx",
        "reports/scorecard/camden/2025Q4/scorecard.xlsx",
    ]
    sg = table[(table["borough"] == "Barnet") & (table["pi_id"] == "BF-SG-02")].iloc[0]
    assert sg["dq_text"] == "Q3 2025-26: 1 query" and sg["exceptions"]
    suppressed = table[(table["borough"] == "Barnet") & (table["pi_id"] == "BF-SG-01")].iloc[0]
    assert suppressed["value_state"] == "suppressed" and pd.isna(suppressed["numerator"])


@pytest.mark.slow
def test_notebook_end_to_end(scorecard_project, tmp_path, monkeypatch):
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(scorecard_project))
    (result,) = orchestrate.run_notebook(
        "scorecard", "Barnet", {"period": "2025Q4"}, jobs=1, out_dir=tmp_path, progress=False
    )
    assert result.status == "ok", result.error
    run = tmp_path / "scorecard" / "barnet"
    page = (run / "report.html").read_text(encoding="utf-8")
    assert (
        ">Barnet — Quarterly score card — Q3 2025-26</h1>" in page
        and "Exceptions for the challenge meeting" in page
    )
    assert "Private fostering notifications visited within 7 working days fell to 60.0%" in page
    assert "42.9%" not in page and "build.build_scorecard" not in page
    assert page.count('src="data:image/png;base64,') >= 2  # SPC small multiple and the rug
    book = openpyxl.load_workbook(run / "2025Q4" / "scorecard.xlsx")
    assert book["Score card"].freeze_panes == "C4"  # below the title rows and header
