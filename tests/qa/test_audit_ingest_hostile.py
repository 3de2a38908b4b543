"""Hostile and careless returns to `lscb audit ingest`: each attack has its expected outcome,
every file is accounted for (read, or set aside with its reason), and data/raw is
byte-identical before and after. Runs the real entry point on real xlsx files."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile

import openpyxl
import pandas as pd
import pytest
from audit_fixtures import (
    fill,
    key_env_fixture,  # noqa: F401 (the fixture ``key_env``, used by name)
    make_tool,
)

from lscb_analysis.cli import main as cli
from lscb_analysis.qa import audit

AUDIT = "2026-barnet-neglect"


def _edit_info(path, **changes):
    """Change fields of a tool's hidden AuditInfo sheet (as someone editing it would)."""
    workbook = openpyxl.load_workbook(path)
    for row in workbook[audit.INFO_SHEET].iter_rows():
        if row[0].value in changes:
            row[1].value = changes[row[0].value]
    workbook.save(path)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/worksheets/sheet1.xml", b"0" * (200 * 1024 * 1024))
    return buffer.getvalue()


def _hashes(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def hostile(project, key_env):
    """An audit folder holding one good return and one of each attack (made elsewhere and
    copied in, as returns arrive: the workbench never writes under data/raw/)."""
    folder = project.parent / "returned"
    question, second = audit.question_bank("neglect")["question_id"].iloc[:2]
    answer = {"E": "Good", "F": "Seen at home.", "G": "Auditor A"}

    def tool(name, **info):
        path = make_tool(folder, audit_id=AUDIT, cases=2, name=name)
        if info:
            _edit_info(path, **info)
        return path

    fill(tool("barnet_police.xlsx"), {1: "SYN-1", 2: "SYN-2"}, {("Police", 1, question): answer})
    # Wrong identity: named for Enfield, or its hidden sheet edited to say Enfield.
    fill(tool("enfield_police.xlsx"), {1: "SYN-1"}, {("Police", 1, question): answer})
    fill(
        tool("police_copy.xlsx", borough="Enfield"), {1: "SYN-1"}, {("Police", 1, question): answer}
    )
    # Wrong version: made by a newer workbench; made from an older question bank.
    tool("future.xlsx", format_version=9)
    old = tool("old_bank.xlsx", question_bank_version="2019.1", question_bank_sha256="0" * 64)
    fill(old, {1: "SYN-1"}, {("Police", 1, question): answer})
    # Formulas, Excel error values and dates typed as text.
    fill(
        tool("formulas.xlsx"),
        {1: "SYN-1", 2: "SYN-2"},
        {
            ("Police", 1, question): {"E": '=IF(TRUE,"Good")', "F": "#N/A", "G": "Auditor B"},
            ("Police", 2, question): {"E": "#DIV/0!", "F": "Seen.", "G": "Auditor B"},
            ("Police", 2, second): {"E": "Good", "F": "Seen.", "G": "1 March 2026"},
        },
    )
    # A sheet added under an agency's name with hidden characters is no agency's sheet.
    added = openpyxl.load_workbook(folder / "formulas.xlsx")
    added.create_sheet("Police\u202e\u200f")["A1"] = "Good"
    added.save(folder / "formulas.xlsx")
    # Huge (a zip bomb) and corrupt files.
    (folder / "huge.xlsx").write_bytes(_zip_bomb())
    (folder / "corrupt.xlsx").write_bytes(b"PK\x03\x04 not a workbook" * 20)
    raw = project / "data" / "raw" / "audit" / AUDIT
    shutil.copytree(folder, raw)
    return project, raw


EXPECTED = {
    "barnet_police.xlsx": ("read", ""),
    "enfield_police.xlsx": ("rejected", "identity_mismatch"),
    "police_copy.xlsx": ("rejected", "identity_mismatch"),
    "future.xlsx": ("rejected", "newer_tool"),
    "old_bank.xlsx": ("read", "question_bank_changed"),
    "formulas.xlsx": ("read", "formula"),
    "huge.xlsx": ("rejected", "unreadable_workbook"),
    "corrupt.xlsx": ("rejected", "unreadable_workbook"),
}


def test_every_hostile_return_has_its_outcome_and_raw_data_is_untouched(hostile, capsys):
    project, folder = hostile
    before = _hashes(project / "data" / "raw")
    assert cli.main(["audit", "ingest"]) == 0
    assert _hashes(project / "data" / "raw") == before
    out = project / "data" / "processed" / "audit" / AUDIT
    files = pd.read_csv(out / "files.csv", keep_default_na=False).set_index("file")
    issues = pd.read_csv(out / "issues.csv", keep_default_na=False)
    # Every workbook in the folder is accounted for, with the outcome expected of it.
    assert sorted(files.index) == sorted(EXPECTED)
    for name, (status, code) in EXPECTED.items():
        assert files.loc[name, "status"] == status, name
        if code:
            assert code in set(issues.loc[issues["file"] == name, "code"]), name
    err = capsys.readouterr().err
    for name, (status, _) in EXPECTED.items():
        assert (f"SET ASIDE {AUDIT}/{name}:" in err) == (status == "rejected"), name
    assert "enfield_police.xlsx: the file name says Enfield, the folder" in err
    assert "police_copy.xlsx: the folder 2026-barnet-neglect says Barnet, the AuditInfo " in err
    # No answer is filed under Enfield; error values are never grades or evidence.
    records = pd.read_parquet(out / "records.parquet")
    assert set(records["borough"]) == {"Barnet"}
    formulas = records[records["file"] == "formulas.xlsx"]
    assert not formulas.isin(["#N/A", "#DIV/0!"]).any().any()
    assert "invalid_grade" in set(formulas["status"])
    codes = set(issues.loc[issues["file"] == "formulas.xlsx", "code"])
    assert {"excel_error_value", "invalid_grade", "unknown_sheet"} <= codes
    # A date typed as text in an auditor's name cell is kept as typed (free text).
    assert "1 March 2026" in set(formulas["auditor"])


def test_strict_makes_a_set_aside_file_an_error_and_nothing_read_is_one(hostile, capsys):
    project, folder = hostile
    assert cli.main(["audit", "ingest", "--strict"]) == 1
    for path in folder.glob("*.xlsx"):
        if path.name not in ("huge.xlsx", "corrupt.xlsx"):
            path.unlink()
    assert cli.main(["audit", "ingest"]) == 1
    assert "No file could be read (2 set aside)" in capsys.readouterr().err


def test_an_edited_identity_sheet_cannot_move_answers_to_another_borough(tmp_path, key_env):
    """The folder and file names name no borough: the tools whose hidden sheet is as made
    decide the audit's borough, and the edited one is set aside."""
    from lscb_analysis.qa import audit_ingest

    folder = tmp_path / "T-1"
    question = audit.question_bank("neglect")["question_id"].iloc[0]
    answer = {("Police", 1, question): {"E": "Good", "F": "Seen.", "G": "A"}}
    fill(make_tool(folder, name="a.xlsx"), {1: "SYN-1"}, answer)
    edited = make_tool(folder, name="b.xlsx")
    _edit_info(edited, borough="Enfield")
    fill(edited, {1: "SYN-1"}, answer)
    result = audit_ingest.ingest_audit(folder)
    files = result.files.set_index("file")
    assert files.loc["a.xlsx", "status"] == "read" and files.loc["b.xlsx", "status"] == "rejected"
    assert "the other files of audit T-1 say Barnet" in files.loc["b.xlsx", "reason"]
    assert set(result.records["borough"]) == {"Barnet"}
