"""The feedback form partners return on one version of the model."""

from __future__ import annotations

import openpyxl

from lscb_analysis.model import catalogue, feedback_form


def test_feedback_form_reads_back(tmp_path):
    model = catalogue.load_catalogue()
    path = feedback_form.write_feedback_form(model, tmp_path / "feedback.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Respondent", "Feedback", "Suggest a new PI"]
    assert book["Model"].sheet_state == "hidden"
    sheet = book["Feedback"]
    headers = [c.value for c in sheet[1]]
    assert headers == [h for h, _ in feedback_form.FEEDBACK_COLUMNS]
    assert sheet.max_row == len(model.pis) + 1
    assert [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)] == model.pis[
        "id"
    ].tolist()
    assert sheet.freeze_panes == "B2"
    assert sheet.protection.sheet and not sheet.protection.password
    assert sheet["A1"].protection.locked and sheet["D2"].protection.locked
    assert not sheet["G2"].protection.locked and not sheet["J2"].protection.locked
    validations = {dv.formula1: str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    last = len(model.pis) + 1
    assert validations == {"=list_choices": f"G2:G{last}", "=list_ratings": f"H2:H{last}"}
    lists = book["Lists"]
    choices = book.defined_names["list_choices"].attr_text
    assert choices == "'Lists'!$A$2:$A$4"
    assert [lists.cell(row=r, column=1).value for r in (2, 3, 4)] == ["keep", "amend", "remove"]
    assert [lists.cell(row=r, column=2).value for r in (2, 3, 4)] == [
        "critical",
        "priority outcome",
        "universal outcome",
    ]
    model_sheet = dict(book["Model"].iter_rows(values_only=True))
    assert model_sheet["version"] == model.version
    prints = dict(p.split("=") for p in model_sheet[feedback_form.FINGERPRINT_KEY].split(";"))
    assert prints == feedback_form.pi_fingerprints(model) and len(prints) == len(model.pis)
    assert model_sheet["checksum_sha256"] == catalogue.pi_checksum(model)
    assert model_sheet["pi_ids"].split(";") == model.pis["id"].tolist()
    respondent = book["Respondent"]
    labels = {row[0].value: row[1] for row in respondent.iter_rows(max_col=2) if row[0].value}
    for label in ("Organisation", "Name and role", "Date"):
        assert not labels[label].protection.locked
    assert respondent.protection.sheet
    new_pis = book["Suggest a new PI"]
    assert new_pis.freeze_panes == "A2" and not new_pis["A2"].protection.locked
