"""The consultation workbook written from one version of the model."""

from __future__ import annotations

import openpyxl
import pytest
from catalogue_docs import (
    doc_fixture,  # noqa: F401 (the fixture ``doc``, used by name)
    pi_of,
    write_doc,
)

from lscb_analysis.core.errors import RawDataWriteError
from lscb_analysis.model import catalogue, catalogue_export, feedback_form

# --- workbooks --------------------------------------------------------------------------


def test_export_workbook_reads_back(tmp_path):
    model = catalogue.load_catalogue()
    path = catalogue_export.export_catalogue_xlsx(model, tmp_path / "model.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Notes" and book.sheetnames[-2:] == ["All PIs", "Glossary"]
    goal_sheets = book.sheetnames[1:-2]
    assert len(goal_sheets) == len(model.goals)
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row[0]}
    assert notes["Version"] == "1.1" and notes["Date"] == "2026-04-20"
    assert notes["Followed"] == model.consultation
    assert {"critical", "priority outcome", "universal outcome"} <= set(notes)
    sheet = book[goal_sheets[0]]
    headers = [c.value for c in sheet[3]]
    assert headers == [h for h, _, _ in catalogue_export.EXPORT_COLUMNS]
    for required in (
        "PI id",
        "Title",
        "Definition",
        "Numerator",
        "Denominator",
        "Unit",
        "Rating",
        "Sub-group",
        "Frequency",
        "Source",
        "Target",
        "Status",
    ):
        assert required in headers
    assert sheet.freeze_panes == "B4" and sheet.auto_filter.ref.startswith("A3:")
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["C"].width >= 50
    assert sheet["C5"].alignment.wrap_text
    first_goal = model.pis.loc[model.pis["goal"] == model.goals.at[0, "goal"]]
    assert sheet["A4"].value.startswith(first_goal.iloc[0]["cluster"])
    assert first_goal.iloc[0]["cluster_narrative"] in sheet["A4"].value
    ids = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert set(first_goal["id"]) <= set(ids)
    all_pis = book["All PIs"]
    assert [c.value for c in all_pis[2]] == catalogue.PI_COLUMNS
    assert all_pis.max_row == len(model.pis) + 2
    glossary = book["Glossary"]
    assert [c.value for c in glossary[2]][:3] == ["term", "also_called", "definition"]


def test_export_writes_formula_like_text_as_text(tmp_path, doc):
    pi_of(doc, 1).update(title='=HYPERLINK("http://x","click")', definition="-1 per child")
    model = catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))
    path = catalogue_export.export_catalogue_xlsx(model, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(path)["G1 One"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value}
    cell = cells['=HYPERLINK("http://x","click")']
    assert cell.data_type == "s" and cell.quotePrefix
    assert cells["-1 per child"].data_type == "s"
    form = feedback_form.write_feedback_form(model, tmp_path / "form.xlsx")
    feedback = openpyxl.load_workbook(form)["Feedback"]
    assert feedback["C3"].data_type == "s" and feedback["C3"].quotePrefix


def test_workbooks_are_never_written_under_data_raw(project):
    model = catalogue.load_catalogue()
    with pytest.raises(RawDataWriteError):
        catalogue_export.export_catalogue_xlsx(model, project / "data/raw/model.xlsx")
    with pytest.raises(RawDataWriteError):
        feedback_form.write_feedback_form(model, project / "data/raw/form.xlsx")
