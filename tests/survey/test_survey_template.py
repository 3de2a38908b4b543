import openpyxl
import pandas as pd
import pytest
import yaml

from lscb_analysis.core import register
from lscb_analysis.core.errors import RawDataWriteError
from lscb_analysis.survey import survey_draft, survey_ingest, survey_template


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
    assert columns["frequency"] == [
        "weekly",
        "fortnightly",
        "monthly",
        "quarterly",
        "termly",
        "six-monthly",
        "annual",
        "ad hoc",
    ]
    assert columns["usefulness"] == [
        "1 - hardly useful",
        "2 - a little useful",
        "3 - useful",
        "4 - very useful",
        "5 - essential",
    ]
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


def test_a_board_changes_the_words_without_touching_code(project):
    """survey.yaml's copy in the project is edited: a three-point usefulness scale with new
    words and a new reporting cycle. The template offers them, and the ingest reads them."""
    reference = project / "data" / "reference" / "survey.yaml"
    config = yaml.safe_load(reference.read_text(encoding="utf-8"))
    config["usefulness"]["scale"] = {
        1: {"label": "no use"},
        2: {"label": "some use", "synonyms": ["handy"]},
        3: {"label": "must have", "synonyms": ["essential"]},
    }
    config["sections"]["collects"]["fields"]["usefulness"]["label"] = "Usefulness (1-3)"
    config["code_lists"]["frequency"]["each board meeting"] = {
        "synonyms": ["every board meeting", "per board meeting", "board cycle"]
    }
    reference.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    path = survey_template.write_survey_template(project / "template.xlsx")
    book = openpyxl.load_workbook(path)
    lists = book["Lists"]
    columns = {
        lists.cell(row=1, column=j).value: [c.value for c in lists[chr(64 + j)][1:] if c.value]
        for j in range(1, lists.max_column + 1)
    }
    assert columns["usefulness"] == ["1 - no use", "2 - some use", "3 - must have"]
    assert columns["frequency"][-1] == "each board meeting"
    collect = book["Data we collect"]
    prompts = {str(v.sqref): v.prompt for v in collect.data_validations.dataValidation}
    assert prompts["H2:H201"] == "1 = no use, 2 = some use, 3 = must have."
    instructions = " ".join(str(c.value) for c in book["Instructions"]["A"] if c.value)
    assert "how useful (1 = no use, 3 = must have)" in instructions
    assert "hardly" not in instructions and "essential" not in instructions

    # A board fills the template with the new words and the ingest reads them.
    book["About"]["B1"] = "Barnet"
    header = [c.value for c in collect[1]]
    rows = [
        ("Referrals", "every board meeting", "3 - must have"),
        ("LADO allegations", "Each term", "Handy"),
        ("Missing episodes", "every week", "Essential"),
        ("Audits", "Quarterly", "5"),
    ]
    for r, (item, frequency, usefulness) in enumerate(rows, start=2):
        collect.cell(row=r, column=header.index("Data item") + 1, value=item)
        collect.cell(row=r, column=header.index("Frequency") + 1, value=frequency)
        collect.cell(row=r, column=header.index("Usefulness (1-3)") + 1, value=usefulness)
    folder = project / "data" / "raw" / "survey"
    folder.mkdir(parents=True)
    book.save(folder / "barnet.xlsx")
    result = survey_ingest.ingest_survey(folder)
    items = result.items.set_index("item")
    assert items.loc["Referrals", "frequency"] == "each board meeting"
    assert items.loc["LADO allegations", "frequency"] == "termly"
    assert items.loc["Missing episodes", "frequency"] == "weekly"
    assert list(items.loc[["Referrals", "LADO allegations", "Missing episodes"], "usefulness"]) == [
        3.0,
        2.0,
        3.0,
    ]
    assert pd.isna(items.loc["Audits", "usefulness"])
    off_scale = result.issues[result.issues["code"] == "usefulness_not_1_to_5"]
    assert len(off_scale) == 1
    assert "from 1 (no use) to 3 (must have)" in off_scale.iloc[0]["message"]

    # The compiled draft dataset names the scale as the board wrote it.
    responses = pd.DataFrame({"asked": [True], "status": ["returned_with_data"]})
    notes = dict(survey_draft.draft_notes(responses, None, folder))
    assert "1 = no use, 2 = some use, 3 = must have" in notes["Usefulness"]
    assert notes["Steering group rating"].endswith(
        ", ".join(config["steering_ratings"][:-1]) + " or " + config["steering_ratings"][-1] + "."
    )
