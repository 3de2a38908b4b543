"""Reading a returned audit tool: sheets not of the tool are reported, not quoted."""

from __future__ import annotations

import openpyxl
from audit_fixtures import (
    all_text,
    key_env_fixture,  # noqa: F401 (the fixture ``key_env``, used by name)
    make_tool,
)

from lscb_analysis.qa import audit_ingest


def test_added_sheets_are_reported_without_quoting_a_possible_name(tmp_path, key_env):
    folder = tmp_path / "T-1"
    path = make_tool(folder, cases=1, agencies=["police"])
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Notes")
    workbook.create_sheet("Child - Jamie")
    workbook.save(path)
    result = audit_ingest.ingest_audit(folder)
    unknown = result.issues[result.issues["code"] == "unknown_sheet"]
    assert unknown["sheet"].tolist() == ["Notes", "number 6"]
    assert "Jamie" not in all_text(result.issues)
