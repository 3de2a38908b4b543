import openpyxl
import pytest

from lscb_analysis.core import register
from lscb_analysis.core.errors import RawDataWriteError
from lscb_analysis.survey import survey_template


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = survey_template.write_survey_template(tmp_path_factory.mktemp("t") / "survey.xlsx")
    return openpyxl.load_workbook(path)


def validations(sheet):
    return {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}


def test_sheets_in_order_with_hidden_lists(workbook):
    assert workbook.sheetnames == [
        "Instructions",
        "About",
        "Data we collect",
        "Data we would like",
        "Lists",
    ]
    assert workbook["Lists"].sheet_state == "hidden"
    assert all(workbook[name].sheet_state == "visible" for name in workbook.sheetnames[:4])


def test_about_sheet_has_the_fields_and_a_borough_dropdown_of_the_33(workbook):
    about = workbook["About"]
    labels = [row[0].value for row in about.iter_rows()]
    assert labels == [
        "Board / borough",
        "Single point of contact",
        "Role",
        "Email",
        "Date",
        "Template version",
    ]
    assert about["B6"].value == survey_template.survey_config()["template_version"]
    assert validations(about) == {"B1": "=list_boroughs"}
    lists = workbook["Lists"]
    boroughs = [c.value for c in lists["A"][1:] if c.value]
    assert boroughs == [la.name for la in register.london_boroughs()] and len(boroughs) == 33


def test_data_sheets_have_headers_and_validation_on_every_coded_column(workbook):
    collect = workbook["Data we collect"]
    assert [c.value for c in collect[1]] == [
        "Data item",
        "Description",
        "Source agency",
        "Frequency",
        "Age range covered",
        "System or format",
        "Why it is useful",
        "Usefulness (1-5)",
        "Matching indicator code (optional)",
    ]
    assert validations(collect) == {
        "C2:C201": "=list_agency",
        "D2:D201": "=list_frequency",
        "H2:H201": "=list_usefulness",
        "I2:I201": "=list_indicator_codes",
    }
    wanted = workbook["Data we would like"]
    assert [c.value for c in wanted[1]] == ["Data item", "Why", "Agency", "Barrier", "Comment"]
    assert validations(wanted) == {"C2:C201": "=list_agency", "D2:D201": "=list_barrier"}


def test_lists_hold_the_code_lists(workbook):
    lists = workbook["Lists"]
    columns = {
        lists.cell(row=1, column=j).value: [c.value for c in lists[chr(64 + j)][1:] if c.value]
        for j in range(1, lists.max_column + 1)
    }
    config = survey_template.survey_config()["code_lists"]
    assert columns["agency"] == list(config["agency"])
    assert "police" in columns["agency"] and "CAFCASS" in columns["agency"]
    assert columns["frequency"] == ["monthly", "quarterly", "six-monthly", "annual", "ad hoc"]
    assert columns["indicator_codes"][0].startswith("CIN01 ")


def test_headers_locked_entries_open_frozen_and_printable(workbook):
    collect = workbook["Data we collect"]
    assert collect.protection.sheet is True and collect.protection.password is None
    assert collect["A1"].protection.locked is True
    assert collect["A2"].protection.locked is False
    assert collect.freeze_panes == "A2"
    assert collect.page_setup.orientation == "landscape"
    assert collect.column_dimensions["A"].width > 30


def test_template_cannot_be_written_into_data_raw(project):
    with pytest.raises(RawDataWriteError):
        survey_template.write_survey_template(project / "data/raw/survey/template.xlsx")
