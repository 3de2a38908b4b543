"""The compiled draft dataset: its rows and its workbook."""

from __future__ import annotations

import openpyxl

from lscb_analysis.survey import survey_draft, survey_mapping, survey_template

CANDIDATES = survey_template.candidate_indicators()


def test_draft_dataset_rows_and_workbook(items, tmp_path):
    matched = survey_mapping.match_candidates(items, CANDIDATES)
    draft = survey_draft.draft_dataset(matched, CANDIDATES)
    lado = draft[draft["code"] == "LADO01"].iloc[0]
    assert lado["boards_collecting"] == 1 and lado["usefulness_mean"] == 5.0
    assert lado["agencies"] == "children's social care (1)"
    headings = draft[draft["level"] == "heading"]["heading"].tolist()
    assert headings[-1] == survey_mapping.UNCOVERED and "Child protection" in headings
    prevent = draft[
        (draft["domain"] == survey_mapping.UNCOVERED) & (draft["level"] == "sub-heading")
    ].iloc[0]
    assert prevent["heading"] == "Prevent referrals" and prevent["boards_collecting"] == 2
    path = survey_draft.write_draft_dataset(
        draft, tmp_path / "draft.xlsx", [("What this is", "=not a formula")]
    )
    book = openpyxl.load_workbook(path)
    sheet = book["Draft dataset"]
    assert sheet["D1"].value == "Heading / sub-heading" and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:L")
    assert sheet["A2"].font.bold  # a heading row
    assert sheet.data_validations.dataValidation[0].formula1 == (
        '"critical,priority outcome,universal outcome"'
    )
    assert book["Notes"]["B1"].data_type == "s"  # text that looks like a formula stays text
