"""Consultation on the best-fit model: reading returned feedback forms and the per-PI summary."""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pytest
from feedback_helpers import LATEST, make_form, pi_row

from lscb_analysis.core import ingest_record, io
from lscb_analysis.core.errors import (
    FeedbackFileError,
    ParameterError,
    RawDataWriteError,
    StaleDataError,
)
from lscb_analysis.model import (
    catalogue,
    consultation,
    consultation_config,
    consultation_summary,
    feedback_form,
)
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT

IDENTIFYING = "Child: John Smith, DOB 03/02/2015 was missed"


@pytest.fixture
def folder(project):
    return project / "data" / "raw" / "consultation"


def _codes(result, file=None):
    issues = result.issues if file is None else result.issues[result.issues["file"] == file]
    return list(issues["code"])


# --- rejections -------------------------------------------------------------------------------


def _set_model(key, value):
    def edit(workbook):
        sheet = workbook[feedback_form.MODEL_SHEET]
        for row in sheet.iter_rows(max_col=2):
            if row[0].value == key:
                row[1].value = value

    return edit


REJECTIONS = {
    "no_model_sheet": lambda wb: wb.remove(wb[feedback_form.MODEL_SHEET]),
    "model_sheet_damaged": _set_model("version", None),
    "unknown_version": _set_model("version", "9.9"),
    "checksum_mismatch": _set_model("checksum_sha256", "0" * 64),
    "no_feedback_sheet": lambda wb: wb.remove(wb[feedback_form.FEEDBACK_SHEET]),
    "feedback_layout": lambda wb: wb[feedback_form.FEEDBACK_SHEET].cell(1, 7, "Your view"),
}


@pytest.mark.parametrize("code", sorted(REJECTIONS))
def test_a_form_that_cannot_be_matched_is_rejected_with_what_to_do(folder, code):
    make_form(folder, "bad.xlsx", answers={"BF-LD-01": ("keep", "", "", "")}, edit=REJECTIONS[code])
    make_form(
        folder,
        "good.xlsx",
        organisation="Brent Police",
        answers={"BF-LD-01": ("remove", "", "", "")},
    )
    result = consultation.ingest_feedback(folder)
    files = result.files.set_index("file")
    assert files.at["bad.xlsx", "status"] == "rejected"
    assert files.at["bad.xlsx", "reason"] == code
    assert files.at["good.xlsx", "status"] == "used"
    issue = result.issues[result.issues["file"] == "bad.xlsx"].iloc[0]
    assert (issue["code"], issue["severity"]) == (code, "error")
    assert "bad.xlsx" in issue["message"]
    assert "Ask the respondent" in issue["message"] or "send the respondent" in issue["message"]
    assert set(result.responses["file"]) == {"good.xlsx"}


def test_other_files_are_rejected_never_dropped(folder):
    make_form(folder, "form.xlsx", answers={"BF-LD-01": ("keep", "", "", "")})
    (folder / "form_copy.xlsx").write_bytes((folder / "form.xlsx").read_bytes())
    (folder / "notes.csv").write_text("our comments\n")
    (folder / "damaged.xlsx").write_bytes(b"not a zip at all")
    make_form(folder, "blank.xlsx", organisation="Ealing Schools")
    (folder / "README.md").write_text("not a form")
    (folder / "~$form.xlsx").write_bytes(b"lock file")
    result = consultation.ingest_feedback(folder)
    got = result.files.set_index("file")[["status", "reason"]].to_dict("index")
    assert got == {
        "blank.xlsx": {"status": "rejected", "reason": "empty"},
        "damaged.xlsx": {"status": "rejected", "reason": "unsafe_workbook"},
        "form_copy.xlsx": {"status": "rejected", "reason": "duplicate"},
        "form.xlsx": {"status": "used", "reason": ""},
        "notes.csv": {"status": "rejected", "reason": "not_a_workbook"},
    }


def test_a_missing_folder_is_an_error(project):
    with pytest.raises(FeedbackFileError) as caught:
        consultation.ingest_feedback(project / "data" / "raw" / "nowhere")
    assert caught.value.code == "missing_folder" and "demo-data" in str(caught.value)


# --- issues in cells --------------------------------------------------------------------------


def test_every_cell_problem_is_listed_with_its_sheet_and_cell(folder):
    def edit(workbook):
        sheet = workbook[feedback_form.FEEDBACK_SHEET]
        sheet.cell(pi_row(sheet, "BF-SG-03"), 1, "BF-ZZ-99")  # not in the version
        extra = sheet.max_row + 1
        sheet.cell(extra, 1, "BF-LD-01")  # answered twice
        sheet.cell(extra, 7, "remove")
        sheet.cell(extra + 1, 7, "keep")  # no PI id
        sheet.cell(pi_row(sheet, "BF-QA-01"), 3, "A title of our own")

    answers = {
        "BF-EH-01": ("Keep it", "", "", ""),
        "BF-EH-02": ("  AMEND ", "", "", ""),
        "BF-EH-03": ("keep", "vital", "", ""),
        "BF-LD-01": ("Remove", "Critical", "", ""),
        "BF-SG-03": ("keep", "", "", ""),
    }
    make_form(
        folder,
        "messy.xlsx",
        organisation=None,
        date="next Tuesday",
        answers=answers,
        new_pis=[[None, "Some definition", None, None, "Our team", None]],
        edit=edit,
    )
    make_form(folder, "old.xlsx", version="0.3", answers={"BF-EH-01": ("keep", "", "", "")})
    result = consultation.ingest_feedback(folder)
    issues = result.issues.set_index(["file", "code"])
    where = {
        code: (
            issues.at[("messy.xlsx", code), "sheet"],
            issues.at[("messy.xlsx", code), "cell"],
            issues.at[("messy.xlsx", code), "severity"],
        )
        for code in issues.loc["messy.xlsx"].index
    }
    feedback = feedback_form.FEEDBACK_SHEET
    model = catalogue.load_catalogue(LATEST)
    row = {pi: n for n, pi in enumerate(model.pis["id"], start=2)}
    assert where["unknown_choice"] == (feedback, f"G{row['BF-EH-01']}", "error")
    assert where["amend_without_wording"] == (feedback, f"G{row['BF-EH-02']}", "query")
    assert where["unknown_rating"] == (feedback, f"H{row['BF-EH-03']}", "error")
    assert where["unknown_pi"] == (feedback, f"A{row['BF-SG-03']}", "error")
    assert where["duplicate_pi"][2] == "error" and where["answer_without_pi"][2] == "error"
    assert where["pi_text_changed"] == (feedback, f"C{row['BF-QA-01']}", "query")
    assert where["no_organisation"] == (feedback_form.RESPONDENT_SHEET, "B11", "error")
    assert where["date_not_read"] == (feedback_form.RESPONDENT_SHEET, "B13", "query")
    assert where["new_pi_without_title"] == (feedback_form.NEW_PI_SHEET, "A2", "query")
    assert where["unknown_agency"] == (feedback_form.NEW_PI_SHEET, "E2", "query")
    assert where["pis_missing"][2] == "query"  # BF-SG-03's row was renamed
    assert set(_codes(result)) <= set(consultation_config.ISSUE_CODES)
    assert _codes(result, "old.xlsx") == ["older_version"]

    files = result.files.set_index("file")
    assert files.at["messy.xlsx", "status"] == "used" and files.at["messy.xlsx", "errors"] >= 5
    answers_read = result.responses[result.responses["file"] == "messy.xlsx"].set_index("pi_id")
    assert answers_read.at["BF-EH-01", "choice"] == ""  # unknown: no answer
    assert answers_read.at["BF-EH-02", "choice"] == "amend"  # case and spaces tolerated
    assert answers_read.at["BF-LD-01", "choice"] == "remove"  # the first row counts
    assert answers_read.at["BF-LD-01", "suggested_rating"] == "critical"
    assert answers_read.at["BF-EH-03", "suggested_rating"] == ""
    assert "BF-ZZ-99" not in answers_read.index and "BF-SG-03" not in answers_read.index
    assert result.responses.loc[result.responses["file"] == "old.xlsx", "version"].eq("0.3").all()


def test_the_name_is_never_kept_and_logs_hold_counts_only(folder, caplog):
    make_form(
        folder,
        "a.xlsx",
        name_role="Jane Example, Head of Safeguarding",
        answers={"BF-LD-01": ("amend", "", "Count practitioners trained", "Sound idea")},
    )
    with caplog.at_level(logging.DEBUG, logger="lscb_analysis"):
        result = consultation.ingest_feedback(folder)
    assert result.files.at[0, "name_given"] and result.responses["name_given"].all()
    for table in (result.responses, result.files, result.issues, result.new_pis):
        assert not table.astype(str).apply(lambda c: c.str.contains("Jane")).any().any()
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "Jane" not in logged and "Sound idea" not in logged and "Barnet" not in logged


def test_text_that_may_identify_someone_is_withheld(folder, project):
    make_form(
        folder,
        "a.xlsx",
        answers={"BF-YS-03": ("amend", "", "", IDENTIFYING)},
        new_pis=[["Custody overnight", f"See {IDENTIFYING}", "n", "d", "police", "why"]],
    )
    result = consultation.ingest_feedback(folder)
    answer = result.responses.set_index("pi_id").loc["BF-YS-03"]
    assert answer["comment"] == WITHHELD_TEXT
    assert set(answer["comment_withheld"].split(",")) == {"person_name", "date_of_birth"}
    assert result.new_pis.at[0, "definition"] == WITHHELD_TEXT
    assert result.new_pis.at[0, "withheld"] == "definition"
    assert result.new_pis.at[0, "title"] == "Custody overnight"
    assert _codes(result).count("identifier_withheld") == 2
    written = consultation.write_feedback_outputs(result, source=folder)
    model = catalogue.load_catalogue(LATEST)
    summary = consultation_summary.summarise_feedback(result.responses, model)
    shown = [
        consultation_summary.wording_suggestions(result.responses, model),
        consultation_summary.new_pi_table(result.new_pis),
        consultation_summary.issue_table(result.issues),
        summary,
    ]
    for table in shown:
        assert not table.astype(str).apply(lambda c: c.str.contains("John")).any().any()
    for path in written.values():
        content = path.read_bytes()
        assert b"John" not in content and b"03/02/2015" not in content


def test_formula_like_text_is_read_as_text_and_neutralised_on_output(folder, project):
    link = '=HYPERLINK("http://example.invalid","click")'

    def formula(workbook):
        workbook[feedback_form.FEEDBACK_SHEET].cell(
            pi_row(workbook[feedback_form.FEEDBACK_SHEET], "BF-EH-01"), 10
        ).value = "=1+1"

    make_form(folder, "a.xlsx", answers={"BF-LD-01": ("amend", "", link, "")}, edit=formula)
    result = consultation.ingest_feedback(folder)
    assert result.responses.set_index("pi_id").at["BF-LD-01", "suggested_wording"] == link
    formula_issue = result.issues[result.issues["code"] == "formula"]
    assert (
        len(formula_issue) == 1 and formula_issue.iloc[0]["sheet"] == feedback_form.FEEDBACK_SHEET
    )
    written = consultation.write_feedback_outputs(result, source=folder)
    csv = pd.read_csv(written["consultation_responses.csv"], dtype=str, keep_default_na=False)
    assert "'" + link in set(csv["suggested_wording"])
    parquet = pd.read_parquet(written["consultation_responses.parquet"])
    assert link in set(parquet["suggested_wording"])


# --- superseded forms -------------------------------------------------------------------------


def test_the_latest_form_of_an_organisation_is_used(folder):
    make_form(
        folder,
        "first.xlsx",
        organisation="SYNTHETIC Barnet Police",
        date=dt.datetime(2026, 3, 2),
        answers={"BF-LD-01": ("keep", "", "", "")},
    )
    make_form(
        folder,
        "second.xlsx",
        organisation=" synthetic  barnet police ",
        date=dt.datetime(2026, 3, 9),
        answers={"BF-LD-01": ("remove", "", "", "")},
    )
    make_form(
        folder,
        "older_version.xlsx",
        organisation="SYNTHETIC Barnet Police",
        version="0.3",
        answers={"BF-EH-01": ("keep", "", "", "")},
    )
    for name in ("unsigned_1.xlsx", "unsigned_2.xlsx"):
        make_form(folder, name, organisation=None, answers={"BF-LD-01": ("keep", "", "", name)})
    result = consultation.ingest_feedback(folder)
    files = result.files.set_index("file")
    assert files["status"].to_dict() == {
        "first.xlsx": "superseded",
        "older_version.xlsx": "used",
        "second.xlsx": "used",
        "unsigned_1.xlsx": "used",
        "unsigned_2.xlsx": "used",
    }
    assert "second.xlsx" in files.at["first.xlsx", "message"]
    assert files.at["second.xlsx", "agency"] == "police"
    assert files.at["second.xlsx", "borough"] == "Barnet"
    used = result.responses.groupby("file")["used"].all().to_dict()
    assert not used["first.xlsx"]
    assert used["second.xlsx"]
    assert result.issues.loc[result.issues["file"] == "first.xlsx", "superseded"].all()
    model = catalogue.load_catalogue(LATEST)
    row = consultation_summary.summarise_feedback(result.responses, model).set_index("pi_id")
    assert row.at["BF-LD-01", "respondents"] == 3
    assert (row.at["BF-LD-01", "keep"], row.at["BF-LD-01", "remove"]) == (2, 1)


# --- outputs, the command and the notebook parameter ------------------------------------------


def test_outputs_leave_raw_untouched_and_refuse_raw(folder, project, capsys):
    make_form(folder, "a.xlsx", answers={"BF-LD-01": ("keep", "", "", "")})
    make_form(
        folder,
        "b.xlsx",
        answers={"BF-LD-01": ("keep", "", "", "")},
        edit=REJECTIONS["unknown_version"],
    )
    before = {p.name: (io.sha256_of(p), p.stat().st_mtime) for p in folder.iterdir()}
    # The exit-code rule counts: one form read, one set aside (listed), no cell error.
    result = consultation.run_feedback_command(folder)
    assert consultation.feedback_counts(result) == (1, 1, 0)
    out, err = capsys.readouterr()
    assert out.startswith("2 form(s) read: 1 used, 0 superseded, 1 rejected")
    assert "SET ASIDE b.xlsx (unknown_version)" in err
    assert {p.name: (io.sha256_of(p), p.stat().st_mtime) for p in folder.iterdir()} == before
    processed = project / "data" / "processed"
    for name in (
        "consultation_responses.parquet",
        "consultation_new_pis.csv",
        "consultation_files.csv",
        "consultation_issues.csv",
    ):
        assert (processed / name).is_file()
    back = consultation.read_ingested_feedback(folder)
    for table in consultation.TABLES:
        assert (
            len(getattr(back, table)) == ingest_record.read_record("consultation")["tables"][table]
        )
    assert consultation.summary_line(back).startswith("2 form(s) read: 1 used, 0 superseded")
    (folder / "b.xlsx").unlink()
    with pytest.raises(StaleDataError, match="`lscb model feedback` first"):
        consultation.read_ingested_feedback(folder)
    assert consultation.feedback_counts(consultation.run_feedback_command(folder)) == (1, 0, 0)
    assert consultation.summary_line(consultation.read_ingested_feedback(folder)).startswith(
        "1 form(s) read: 1 used"
    )
    with pytest.raises(RawDataWriteError):
        consultation.write_feedback_outputs(
            consultation.ingest_feedback(folder), folder, source=folder
        )


def test_the_version_parameter(folder):
    make_form(folder, "a.xlsx", answers={"BF-LD-01": ("keep", "", "", "")})
    make_form(
        folder,
        "b.xlsx",
        version="0.3",
        organisation="Brent Police",
        answers={"BF-EH-01": ("keep", "", "", "")},
    )
    result = consultation.ingest_feedback(folder)
    assert consultation_summary.check_version(None, result).version == LATEST
    assert consultation_summary.check_version("v0.3", result).version == "0.3"
    with pytest.raises(ParameterError, match="'version'.*0.2"):
        consultation_summary.check_version("0.2", result)
