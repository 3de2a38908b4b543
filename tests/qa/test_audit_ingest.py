"""The ingest of completed audit tools: round trip, pseudonyms, duplicates, keys, records on disk."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from audit_fixtures import (
    all_text,
    fill,
    key_env_fixture,  # noqa: F401 (the fixture ``key_env``, used by name)
    make_tool,
)

from lscb_analysis.core.errors import (
    MissingDataFileError,
    PseudonymKeyError,
    RawDataWriteError,
)
from lscb_analysis.protect import pseudonym
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT
from lscb_analysis.qa import audit, audit_ingest


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

    result = audit_ingest.ingest_audit(folder)
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

    result = audit_ingest.ingest_audit(folder)
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
        first = audit_ingest.ingest_audit(folder)
        audit_ingest.write_ingest(first, tmp_path / "out")
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
    assert quoted["evidence"] == WITHHELD_TEXT
    assert quoted["evidence_withheld"] == "case_reference"
    # same key: same pseudonyms; another key: different ones
    again = audit_ingest.ingest_audit(folder)
    assert again.records["case"].tolist() == cases.tolist()
    other = audit_ingest.ingest_audit(folder, key=b"another key that is long enough!!")
    assert set(other.records["case"]).isdisjoint(set(cases))
    assert first.records.attrs["key_fingerprint"] == pseudonym.key_fingerprint(key_env)


def test_ingest_needs_a_key_before_reading(tmp_path, monkeypatch):
    monkeypatch.delenv(pseudonym.KEY_VARIABLE, raising=False)
    monkeypatch.delenv(pseudonym.KEY_FILE_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    make_tool(tmp_path / "T-1")
    with pytest.raises(PseudonymKeyError, match="lscb audit keygen"):
        audit_ingest.ingest_audit(tmp_path / "T-1")
    with pytest.raises(MissingDataFileError):
        audit_ingest.ingest_audit(tmp_path / "nowhere", key=b"x" * 32)


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
    results = audit_ingest.ingest_audits()
    written = audit_ingest.write_ingest(results["T-1"])
    assert written["records.parquet"].parent == project / "data" / "processed" / "audit" / "T-1"
    back = audit_ingest.read_audit_records(theme="Neglect", borough="barnet")
    assert len(back) == len(results["T-1"].records)
    assert back.loc[0, "evidence"] == "-ve outcome"
    assert "'-ve outcome" in written["records.csv"].read_text(encoding="utf-8-sig")
    with pytest.raises(RawDataWriteError):
        audit_ingest.write_ingest(results["T-1"], project / "data" / "raw" / "out")
