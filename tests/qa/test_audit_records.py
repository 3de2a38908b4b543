"""Records of a returned tool: problems located by cell, identifying text withheld."""

from __future__ import annotations

import openpyxl
from audit_fixtures import (
    all_text,
    fill,
    key_env_fixture,  # noqa: F401 (the fixture ``key_env``, used by name)
    make_tool,
    rows_of,
)

from lscb_analysis.protect.identifier_text import WITHHELD_TEXT
from lscb_analysis.qa import audit, audit_ingest


def test_ingest_errors_name_the_cell(tmp_path, key_env):
    folder = tmp_path / "T-1"
    path = make_tool(folder, cases=3, agencies=["police"])
    fill(
        path,
        {1: "SYN-0001", 2: "SYN-0002"},
        {
            ("Police", 1, "NEG-REC-1"): {"E": "Good", "F": "Fine."},
            ("Police", 1, "NEG-REC-2"): {"E": "Goood"},
            ("Police", 1, "NEG-REC-3"): {"F": "No grade here."},
            ("Police", 3, "NEG-ASS-1"): {"E": "Good"},  # slot 3 has no case reference
        },
    )
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Police"]
    rows = rows_of(sheet)
    sheet[f"C{rows[(2, 'NEG-ASS-2')]}"] = "NEG-XXX-9"
    sheet[f"E{rows[(2, 'NEG-ASS-2')]}"] = "Inadequate"
    workbook.save(path)

    result = audit_ingest.ingest_audit(folder)
    issues = result.issues.set_index("cell")
    assert issues.loc[f"'Police'!E{rows[(1, 'NEG-REC-2')]}", "code"] == "invalid_grade"
    missing = issues.loc[f"'Police'!E{rows[(1, 'NEG-REC-3')]}"]
    assert missing["code"] == "missing_grade" and missing["severity"] == "warning"
    assert missing["sheet"] == "Police" and missing["row"] == rows[(1, "NEG-REC-3")]
    assert missing["column"] == "Grade" and missing["file"] == "tool.xlsx"
    assert issues.loc[f"'Police'!C{rows[(2, 'NEG-ASS-2')]}", "code"] == "unknown_question"
    assert issues.loc["'Cases'!B4", "code"] == "missing_case_reference"
    assert (result.issues["code"] == "missing_case_reference").sum() == 1  # once per slot
    assert "'Police'!E" in issues.loc[f"'Police'!E{rows[(1, 'NEG-REC-2')]}", "message"]
    # nothing is dropped: every problem row is a record with its status
    status = result.records.set_index("cell")["status"]
    assert status[f"'Police'!E{rows[(1, 'NEG-REC-2')]}"] == "invalid_grade"
    assert status[f"'Police'!E{rows[(1, 'NEG-REC-3')]}"] == "missing_grade"
    assert status[f"'Police'!E{rows[(2, 'NEG-ASS-2')]}"] == "unknown_question"
    assert status[f"'Police'!E{rows[(3, 'NEG-ASS-1')]}"] == "missing_case_reference"
    assert list(result.issues.columns) == list(audit.ISSUE_COLUMNS)


def test_identifier_in_evidence_is_withheld_and_located(tmp_path, key_env):
    folder = tmp_path / "T-1"
    path = make_tool(folder, cases=1, agencies=["police"])
    secret = "Child: Jamie seen at school; NHS 943 476 5919"
    fill(
        path,
        {1: "SYN-0001"},
        {
            ("Police", 1, "NEG-REC-1"): {"E": "Good", "F": secret},
            ("Police", 1, "NEG-REC-2"): {
                "E": "Good",
                "F": "Concerns shared the same week.",
                "J": "Requires improvement",
                "K": "M",
                "L": "Postcode SW1A 1AA in records",
            },
        },
    )
    result = audit_ingest.ingest_audit(folder)
    row = rows_of(openpyxl.load_workbook(path)["Police"])[(1, "NEG-REC-1")]
    record = result.records.set_index("question_id").loc["NEG-REC-1"]
    assert record["evidence"] == WITHHELD_TEXT
    assert set(record["evidence_withheld"].split(",")) == {"nhs_number", "person_name"}
    assert record["status"] == "ok"  # the grade still counts
    issue = result.issues[result.issues["code"] == "identifier_in_evidence"].iloc[0]
    assert issue["cell"] == f"'Police'!F{row}"
    assert "Jamie" not in issue["message"] and "5919" not in issue["message"]
    reason = result.records.set_index("question_id").loc["NEG-REC-2"]
    assert reason["moderation_reason"] == WITHHELD_TEXT
    assert reason["reason_withheld"] == "postcode"
    assert reason["evidence"] == "Concerns shared the same week."
    assert "Jamie" not in all_text(result.records) and "SW1A" not in all_text(result.records)
