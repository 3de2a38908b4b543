"""The audit tool workbook: layout, argument checks, deterministic bytes."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from audit_fixtures import (
    make_tool,
)

from lscb_analysis.core.errors import (
    ParameterError,
    RawDataWriteError,
)
from lscb_analysis.qa import audit, audit_tool


def test_template_layout(tmp_path):
    path = make_tool(tmp_path, cases=4)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [
        "Cover",
        "Cases",
        "Police",
        "Children's social care",
        "Health",
        "AuditInfo",
    ]
    assert workbook["AuditInfo"].sheet_state == "hidden"
    cover_text = " ".join(
        str(c.value) for row in workbook["Cover"].iter_rows() for c in row if c.value is not None
    )
    assert "case references only: no names, dates of birth or addresses" in cover_text.lower()
    for grade in audit.grade_names():
        assert grade in cover_text
    assert "T-1" in cover_text and "Neglect" in cover_text
    police = workbook["Police"]
    bank = audit.question_bank("neglect")
    assert [c.value for c in police[1]] == [label for _, label, _ in audit.AGENCY_COLUMNS]
    assert police.max_row == 1 + 4 * len(bank)
    assert police.freeze_panes == "E2"
    assert police.protection.sheet and not police.protection.password
    assert police["A2"].protection.locked and not police["E2"].protection.locked
    assert police["F2"].alignment.wrap_text
    assert police.page_setup.orientation == "landscape"
    ranges = {str(v.sqref): v.formula1 for v in police.data_validations.dataValidation}
    last = police.max_row
    for letter in "EHJ":
        assert "Good" in ranges[f"{letter}2:{letter}{last}"]
    info = {row[0]: row[1] for row in workbook["AuditInfo"].iter_rows(values_only=True)}
    assert info["audit_id"] == "T-1" and info["theme"] == "neglect"
    assert info["question_bank_version"] == str(audit.audit_config()["question_bank_version"])
    assert info["question_bank_sha256"] == audit.question_bank_checksum("neglect")
    assert len(info["checksum"]) == 64


def test_template_checks_its_arguments(tmp_path):
    with pytest.raises(ParameterError, match="more than once"):
        audit_tool.write_audit_template("neglect", ["police", "Met Police"], 2, tmp_path / "x.xlsx")
    with pytest.raises(ParameterError, match="number of cases"):
        audit_tool.write_audit_template("neglect", ["police"], 0, tmp_path / "x.xlsx")
    with pytest.raises(ParameterError, match="letters, digits"):
        audit_tool.write_audit_template("neglect", ["police"], 2, tmp_path / "x.xlsx", "a/b")
    workbook = audit_tool.build_audit_workbook(
        "neglect", ["police"], 2, borough="RBKC", audit_date=dt.date(2026, 5, 1)
    )
    info = {r[0]: r[1] for r in workbook["AuditInfo"].iter_rows(values_only=True)}
    assert info["audit_id"] == "2026-05-kensington-and-chelsea-neglect"


def test_template_refuses_data_raw(project):
    with pytest.raises(RawDataWriteError):
        audit_tool.write_audit_template("neglect", ["police"], 2, project / "data/raw/audit/x.xlsx")


def test_workbook_bytes_are_deterministic():
    stamp = dt.datetime(2026, 1, 2, 3, 4, 5)
    first = audit_tool.workbook_bytes(
        audit_tool.build_audit_workbook(
            "neglect", ["police"], 2, "D-1", audit_date=dt.date(2026, 1, 2)
        ),
        stamp,
    )
    second = audit_tool.workbook_bytes(
        audit_tool.build_audit_workbook(
            "neglect", ["police"], 2, "D-1", audit_date=dt.date(2026, 1, 2)
        ),
        stamp,
    )
    assert first == second
