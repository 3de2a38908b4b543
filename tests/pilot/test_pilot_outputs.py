"""What the pilot ingest writes: checked copies, processed tables and the ingest record."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core import ingest_record
from lscb_analysis.core.errors import StaleDataError
from lscb_analysis.pilot import (
    pilot_ingest,
    pilot_outputs,
    pilot_result,
)


def test_checked_copies_highlight_comment_and_summarise(demo):
    root, result, written, _, _, _ = demo
    path = root / "reports" / "pilot" / "bromley" / "SYNTHETIC_bromley_pilot_return_checked.xlsx"
    assert path in written["checked"]
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0] == "Validation" and workbook.active.title == "Validation"
    cell = workbook["Data"]["G249"]  # value typed over the formula
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "E_VALUE_MISMATCH" in cell.comment.text
    summary = [row for row in workbook["Validation"].iter_rows(values_only=True)]
    assert any(row[0] == "Findings" and row[1].startswith("3 error") for row in summary)
    listed = [row for row in summary if row[1] == "E_VALUE_MISMATCH"]
    assert listed and listed[0][7] == "G249"
    link = next(c for c in workbook["Validation"]["H"] if c.value == "G249")
    assert link.hyperlink.location == "'Data'!G249"
    agency = root / "reports" / "pilot" / "agency-police"
    assert (agency / "SYNTHETIC_metropolitan_police_pilot_return_checked.xlsx").is_file()


def test_processed_tables(demo):
    root, result, written, _, _, _ = demo
    processed = root / "data" / "processed"
    values = pd.read_parquet(processed / "pilot_values.parquet")
    assert list(values.columns) == pilot_result.VALUE_COLUMNS
    assert (values["validation_status"] == "error").sum() > 0  # kept, never dropped
    assert len(values.drop_duplicates(["la_number", "borough", "pi_id", "period"])) == len(values)
    assert (processed / "pilot_values.csv").is_file()
    issues = pd.read_csv(processed / "pilot_issues.csv")
    assert list(issues.columns) == pilot_result.ISSUE_COLUMNS
    assert set(issues["severity"]) <= {"error", "query", "continuity", "note"}
    assert issues["message"].str.contains(r"sheet Data, cell [A-Z]+\d+").sum() > 20
    returns = pd.read_csv(processed / "pilot_returns.csv")
    assert returns["file"].nunique() == 13
    feasibility = pd.read_csv(processed / "pilot_feasibility.csv")
    assert {"can_provide", "cycle_offered", "quality_concerns", "effort"} <= set(
        feasibility.columns
    )
    assert pilot_ingest.summary_line(result).startswith("13 return(s) read (0 rejected)")


def test_later_steps_read_the_ingested_tables(demo, monkeypatch, tmp_path):
    root, result, written, _, _, _ = demo
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    back = pilot_outputs.read_ingested_pilot()
    for table in pilot_outputs.TABLES:
        pd.testing.assert_frame_equal(
            getattr(result, table).reset_index(drop=True), getattr(back, table), check_dtype=False
        )
    assert pilot_ingest.summary_line(back) == pilot_ingest.summary_line(result)
    record = ingest_record.read_record("pilot")
    assert written["pilot_ingest.json"] == ingest_record.record_path("pilot")
    assert record["source"] == "data/raw/pilot" and record["accounting"]["files"] == 13
    assert record["accounting"]["values_in_use"] == len(result.values)
    with pytest.raises(StaleDataError, match=r"ingested from data/raw/pilot.*`lscb pilot ingest "):
        pilot_outputs.read_ingested_pilot(tmp_path)
