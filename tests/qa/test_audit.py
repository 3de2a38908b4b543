"""Audit tool workbook and ingest: layout, round trip, errors with cell addresses, identifiers."""

from __future__ import annotations

import datetime as dt
import logging

import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import (
    MissingDataFileError,
    ParameterError,
    PseudonymKeyError,
    RawDataWriteError,
    ReferenceDataError,
)
from lscb_analysis.protect import pseudonym
from lscb_analysis.qa import audit

KEY = "k" * 40
AGENCIES = ["Police", "CSC", "health"]


@pytest.fixture
def key_env(monkeypatch, tmp_path):
    """A pseudonymisation key in the environment, and a HOME with no default key."""
    monkeypatch.setenv(pseudonym.KEY_VARIABLE, KEY)
    monkeypatch.delenv(pseudonym.KEY_FILE_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return KEY.encode()


def make_tool(
    folder, audit_id="T-1", cases=3, agencies=AGENCIES, theme="neglect", name="tool.xlsx"
):
    folder.mkdir(parents=True, exist_ok=True)
    return audit.write_audit_template(
        theme,
        agencies,
        cases,
        folder / name,
        audit_id,
        borough="Barnet",
        audit_date=dt.date(2026, 3, 1),
    )


def rows_of(sheet):
    """{(slot, question id): row number} of an agency sheet."""
    return {
        (sheet.cell(r, 1).value, sheet.cell(r, 3).value): r for r in range(2, sheet.max_row + 1)
    }


def fill(path, references, answers):
    """Write case references {slot: ref} and answers {(sheet, slot, qid): {column letter: value}}."""
    workbook = openpyxl.load_workbook(path)
    for slot, reference in references.items():
        workbook[audit.CASES_SHEET].cell(slot + 1, 2).value = reference
    for (sheet_name, slot, qid), values in answers.items():
        sheet = workbook[sheet_name]
        row = rows_of(sheet)[(slot, qid)]
        for letter, value in values.items():
            sheet[f"{letter}{row}"] = value
    workbook.save(path)


def all_text(frame: pd.DataFrame) -> str:
    cells = [str(value) for value in frame.to_numpy().ravel().tolist()]
    return "\n".join(cells + [str(column) for column in frame.columns])


# --- configuration -------------------------------------------------------------------------------


def test_config_themes_use_known_indicators_and_unique_question_ids():
    config = audit.audit_config()
    indicators = set(io.read_reference_csv("indicators.csv")["id"])
    ids = []
    for key, theme in config["themes"].items():
        assert set(theme["indicators"]) <= indicators, key
        bank = audit.question_bank(key)
        assert set(bank["section"]) == set(config["sections"]), key
        assert bank.groupby("section").size().between(2, 4).all(), key
        ids += bank["question_id"].tolist()
    assert len(ids) == len(set(ids))
    assert {"neglect", "exploitation", "domestic_abuse", "early_help"} <= set(config["themes"])
    assert audit.grade_names() == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert config["good_or_better"] == ["Outstanding", "Good"]


def test_config_c3_factors_are_columns_of_the_c3_file():
    c3 = paths.external_dir() / "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv"
    if not c3.is_file():
        pytest.skip("c3 file not in data/external yet")
    header = set(pd.read_csv(c3, nrows=0).columns)
    for key, theme in audit.audit_config()["themes"].items():
        assert set(theme["c3_factors"]) <= header, key


def test_config_rejects_a_repeated_question_id(tmp_path):
    text = (paths.reference_dir() / audit.CONFIG_FILE).read_text(encoding="utf-8")
    broken = tmp_path / "themes.yaml"
    broken.write_text(text.replace("NEG-REC-2", "NEG-REC-1"), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="NEG-REC-1 is used twice"):
        audit.audit_config(broken)


def test_names_resolve():
    assert audit.resolve_theme("Exploitation and missing") == "exploitation"
    assert audit.resolve_agency("Children's Services") == "children's social care"
    with pytest.raises(ParameterError, match="neglect"):
        audit.resolve_theme("knife crime")
    with pytest.raises(ParameterError, match="police"):
        audit.resolve_agency("Ministry of Magic")


# --- the template --------------------------------------------------------------------------------


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
        audit.write_audit_template("neglect", ["police", "Met Police"], 2, tmp_path / "x.xlsx")
    with pytest.raises(ParameterError, match="number of cases"):
        audit.write_audit_template("neglect", ["police"], 0, tmp_path / "x.xlsx")
    with pytest.raises(ParameterError, match="letters, digits"):
        audit.write_audit_template("neglect", ["police"], 2, tmp_path / "x.xlsx", "a/b")
    workbook = audit.build_audit_workbook(
        "neglect", ["police"], 2, borough="RBKC", audit_date=dt.date(2026, 5, 1)
    )
    info = {r[0]: r[1] for r in workbook["AuditInfo"].iter_rows(values_only=True)}
    assert info["audit_id"] == "2026-05-kensington-and-chelsea-neglect"


def test_template_refuses_data_raw(project):
    with pytest.raises(RawDataWriteError):
        audit.write_audit_template("neglect", ["police"], 2, project / "data/raw/audit/x.xlsx")


def test_workbook_bytes_are_deterministic():
    stamp = dt.datetime(2026, 1, 2, 3, 4, 5)
    first = audit.workbook_bytes(
        audit.build_audit_workbook("neglect", ["police"], 2, "D-1", audit_date=dt.date(2026, 1, 2)),
        stamp,
    )
    second = audit.workbook_bytes(
        audit.build_audit_workbook("neglect", ["police"], 2, "D-1", audit_date=dt.date(2026, 1, 2)),
        stamp,
    )
    assert first == second


# --- ingest --------------------------------------------------------------------------------------


def test_round_trip_gives_back_what_was_written(tmp_path, key_env):
    folder = tmp_path / "T-1"
    path = make_tool(folder, cases=2)
    bank = audit.question_bank("neglect")
    grades = [*audit.grade_names(), "Not applicable"]
    references = {1: "SYN-0001", 2: "SYN-0002"}
    answers = {}
    for n, (sheet, slot, question) in enumerate(
        (s, slot, q)
        for s in ("Police", "Children's social care")
        for slot in (1, 2)
        for q in bank["question_id"]
    ):
        values = {"E": grades[n % 5], "F": f"Evidence number {n}.", "G": f"Auditor {sheet}"}
        if n % 3 == 0:
            values.update(H=grades[(n + 1) % 4], I="Second auditor")
        if n % 7 == 0:
            values.update(J=grades[(n + 2) % 4], K="Moderator", L="Agreed at panel.")
        answers[(sheet, slot, question)] = values
    fill(path, references, answers)

    result = audit.ingest_audit(folder)
    records = result.records
    assert len(records) == len(answers)
    assert (records["status"] == "ok").all(), result.issues
    keyed = records.set_index(["sheet", "case_slot", "question_id"])
    ranks = audit.grade_ranks()
    for (sheet, slot, question), values in answers.items():
        record = keyed.loc[(sheet, slot, question)]
        assert record["grade"] == values["E"]
        assert record["evidence"] == values["F"]
        assert record["auditor"] == values["G"]
        assert record["second_grade"] == values.get("H", "")
        assert record["second_auditor"] == values.get("I", "")
        assert record["moderated_grade"] == values.get("J", "")
        assert record["moderation_reason"] == values.get("L", "")
        assert record["final_grade"] == values.get("J", values["E"])
        if "J" in values and values["E"] in ranks:
            step = ranks[values["J"]] - ranks[values["E"]]
            assert record["moderation"] == (
                "confirmed" if step == 0 else "up" if step > 0 else "down"
            )
        assert record["case"] == pseudonym.pseudonymise(references[slot], key_env)
        assert record["section"] == bank.set_index("question_id").loc[question, "section"]
    assert set(records["agency"]) == {"police", "children's social care"}
    assert set(records["audit_id"]) == {"T-1"} and set(records["borough"]) == {"Barnet"}
    assert records["audit_date"].iloc[0] == pd.Timestamp("2026-03-01")
    # the Health sheet was never started: one warning, no records
    assert result.issues["code"].tolist() == ["agency_not_returned"]
    assert result.files.loc[0, "status"] == "read" and result.files.loc[0, "records"] == 56


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

    result = audit.ingest_audit(folder)
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


def test_separate_copies_duplicates_and_wrong_audit(tmp_path, key_env):
    folder = tmp_path / "T-1"
    refs = {1: "SYN-0001"}
    first = make_tool(folder, cases=1, name="police_copy.xlsx")
    second = make_tool(folder, cases=1, name="csc_copy.xlsx")
    third = make_tool(folder, cases=1, name="police_again.xlsx")
    fill(first, refs, {("Police", 1, "NEG-REC-1"): {"E": "Good"}})
    fill(second, refs, {("Children's social care", 1, "NEG-REC-1"): {"E": "Inadequate"}})
    fill(third, refs, {("Police", 1, "NEG-REC-1"): {"E": "Outstanding"}})
    make_tool(tmp_path / "other", audit_id="T-2", name="stray.xlsx")
    (tmp_path / "other" / "stray.xlsx").rename(folder / "stray.xlsx")
    (folder / "not_a_workbook.xlsx").write_text("hello")

    result = audit.ingest_audit(folder)
    files = result.files.set_index("file")
    assert files.loc["stray.xlsx", "status"] == "rejected"
    assert "belongs to audit T-2" in files.loc["stray.xlsx", "reason"]
    assert files.loc["not_a_workbook.xlsx", "status"] == "rejected"
    police = result.records[result.records["agency"] == "police"]
    first_question = police[police["question_id"] == "NEG-REC-1"]
    assert sorted(first_question["status"]) == ["duplicate", "ok"]
    assert (result.issues["code"] == "duplicate").sum() == 1
    duplicate = result.issues[result.issues["code"] == "duplicate"].iloc[0]
    assert duplicate["file"] == "police_copy.xlsx"  # files are read in name order
    assert "police_again.xlsx" in duplicate["message"]
    # 13 questions are blank in both police copies (one warning each, not two) and 13 in
    # the children's social care copy
    assert (result.issues["code"] == "missing_grade").sum() == 13 + 13
    csc = result.records[result.records["agency"] == "children's social care"]
    assert csc.loc[csc["question_id"] == "NEG-REC-1", "grade"].tolist() == ["Inadequate"]
    assert (
        "Health"
        in result.issues.loc[result.issues["code"] == "agency_not_returned", "sheet"].tolist()
    )


def test_case_references_never_leave_the_ingest(tmp_path, key_env, caplog):
    folder = tmp_path / "T-1"
    path = make_tool(folder, cases=2, agencies=["police"])
    references = {1: "SYN-7741", 2: "CR-555123"}
    fill(
        path,
        references,
        {
            ("Police", 1, "NEG-REC-1"): {"E": "Good", "F": "Seen at home visit."},
            ("Police", 2, "NEG-REC-1"): {"E": "Good", "F": "Record CR-555123 shows delay."},
            ("Police", 2, "NEG-REC-2"): {"E": "Badly", "F": "Escalated."},
        },
    )
    with caplog.at_level(logging.DEBUG):
        first = audit.ingest_audit(folder)
        audit.write_ingest(first, tmp_path / "out")
    text = "\n".join(
        [all_text(first.records), all_text(first.issues), all_text(first.files), caplog.text]
        + [p.read_text(encoding="utf-8-sig") for p in (tmp_path / "out").glob("*.csv")]
    )
    for reference in references.values():
        assert reference not in text
        assert reference.lower() not in text.lower()
    assert caplog.records, "the ingest logs its counts"
    cases = first.records["case"]
    assert cases.map(pseudonym.looks_like_pseudonym).all()
    # the evidence quoting the raw reference is withheld
    quoted = first.records.set_index(["case_slot", "question_id"]).loc[(2, "NEG-REC-1")]
    assert quoted["evidence"] == audit.WITHHELD_TEXT
    assert quoted["evidence_withheld"] == "case_reference"
    # same key: same pseudonyms; another key: different ones
    again = audit.ingest_audit(folder)
    assert again.records["case"].tolist() == cases.tolist()
    other = audit.ingest_audit(folder, key=b"another key that is long enough!!")
    assert set(other.records["case"]).isdisjoint(set(cases))
    assert first.records.attrs["key_fingerprint"] == pseudonym.key_fingerprint(key_env)


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
    result = audit.ingest_audit(folder)
    row = rows_of(openpyxl.load_workbook(path)["Police"])[(1, "NEG-REC-1")]
    record = result.records.set_index("question_id").loc["NEG-REC-1"]
    assert record["evidence"] == audit.WITHHELD_TEXT
    assert set(record["evidence_withheld"].split(",")) == {"nhs_number", "person_name"}
    assert record["status"] == "ok"  # the grade still counts
    issue = result.issues[result.issues["code"] == "identifier_in_evidence"].iloc[0]
    assert issue["cell"] == f"'Police'!F{row}"
    assert "Jamie" not in issue["message"] and "5919" not in issue["message"]
    reason = result.records.set_index("question_id").loc["NEG-REC-2"]
    assert reason["moderation_reason"] == audit.WITHHELD_TEXT
    assert reason["reason_withheld"] == "postcode"
    assert reason["evidence"] == "Concerns shared the same week."
    assert "Jamie" not in all_text(result.records) and "SW1A" not in all_text(result.records)


def test_ingest_needs_a_key_before_reading(tmp_path, monkeypatch):
    monkeypatch.delenv(pseudonym.KEY_VARIABLE, raising=False)
    monkeypatch.delenv(pseudonym.KEY_FILE_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    make_tool(tmp_path / "T-1")
    with pytest.raises(PseudonymKeyError, match="lscb audit keygen"):
        audit.ingest_audit(tmp_path / "T-1")
    with pytest.raises(MissingDataFileError):
        audit.ingest_audit(tmp_path / "nowhere", key=b"x" * 32)


def test_write_and_read_processed_records(project, key_env):
    folder = project / "data" / "raw" / "audit" / "T-1"
    path = make_tool(project / "tmp" / "T-1")
    folder.mkdir(parents=True)
    path.rename(folder / "tool.xlsx")
    fill(
        folder / "tool.xlsx",
        {1: "SYN-0001"},
        {("Police", 1, "NEG-REC-1"): {"E": '=HYPERLINK("x")', "F": "-ve outcome"}},
    )
    results = audit.ingest_audits()
    written = audit.write_ingest(results["T-1"])
    assert written["records.parquet"].parent == project / "data" / "processed" / "audit" / "T-1"
    back = audit.read_audit_records(theme="Neglect", borough="barnet")
    assert len(back) == len(results["T-1"].records)
    assert back.loc[0, "evidence"] == "-ve outcome"
    assert "'-ve outcome" in written["records.csv"].read_text(encoding="utf-8-sig")
    with pytest.raises(RawDataWriteError):
        audit.write_ingest(results["T-1"], project / "data" / "raw" / "out")


def test_added_sheets_are_reported_without_quoting_a_possible_name(tmp_path, key_env):
    folder = tmp_path / "T-1"
    path = make_tool(folder, cases=1, agencies=["police"])
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Notes")
    workbook.create_sheet("Child - Jamie")
    workbook.save(path)
    result = audit.ingest_audit(folder)
    unknown = result.issues[result.issues["code"] == "unknown_sheet"]
    assert unknown["sheet"].tolist() == ["Notes", "number 6"]
    assert "Jamie" not in all_text(result.issues)
