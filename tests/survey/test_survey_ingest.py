"""The survey ingest of a folder: formats, rejections, re-submissions, raw files, logs."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from lscb_analysis.core import io
from lscb_analysis.core.errors import SurveyFileError
from lscb_analysis.survey import survey_ingest, survey_result


def test_a_template_return_is_ingested_with_values_and_originals(folder, template_return, state_of):
    template_return(folder / "return.xlsx", board="LB Barnet")
    result = survey_ingest.ingest_survey(folder)
    assert list(result.items.columns) == survey_result.ITEM_COLUMNS
    assert list(result.issues.columns) == survey_result.ISSUE_COLUMNS
    assert state_of(result, "return.xlsx") == ("ingested", "")
    assert result.issues.empty
    items = result.items
    assert set(items["borough"]) == {"Barnet"} and set(items["la_number"]) == {"302"}
    collects = items[items["section"] == "collects"]
    assert list(collects["item"]) == ["Item 0", "Item 1", "Item 2"]
    assert list(collects["row"]) == [2, 3, 4]
    first = collects.iloc[0]
    assert (first["agency"], first["agency_original"]) == ("children's social care", "CSC")
    assert (first["frequency"], first["frequency_original"]) == ("monthly", "Monthly")
    assert first["usefulness"] == 4.0 and first["usefulness_original"] == "4"
    assert first["barrier"] == "" and first["why"] == ""
    wanted = items[items["section"] == "would_like"].iloc[0]
    assert (wanted["barrier"], wanted["barrier_original"]) == (
        "information sharing",
        "Info sharing",
    )
    assert (wanted["agency"], wanted["why"]) == ("police", "Board priority")
    assert pd.isna(wanted["usefulness"]) and wanted["frequency"] == ""
    returns = result.returns.iloc[0]
    assert (returns["items_collects"], returns["items_would_like"]) == (3, 2)
    assert returns["sections_filled"] == 2 and bool(returns["used"])
    assert returns["return_date"] == pd.Timestamp("2026-03-02")
    assert items["used"].all()


def test_the_lead_template_round_trips(folder, tmp_path, collect_row, state_of, template):
    survey_template = pytest.importorskip("lscb_analysis.survey.survey_template")
    blank = survey_template.write_survey_template(tmp_path / "template.xlsx")
    shutil.copy(blank, folder / "blank_template.xlsx")
    workbook = openpyxl.load_workbook(blank)
    about_sheet = workbook["About"]
    about_sheet["B1"] = "Hackney"
    workbook[template.sheet_collect].append(collect_row("Referrals"))
    workbook[template.sheet_collect]["A2"] = "Referrals"
    workbook[template.sheet_want]["A2"] = "GP referrals"
    workbook[template.sheet_want]["D2"] = "information sharing"
    workbook.save(folder / "filled.xlsx")
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "blank_template.xlsx") == ("rejected", "empty")
    assert state_of(result, "filled.xlsx")[0] in ("ingested", "ingested_with_warnings")
    filled = result.items[result.items["file"] == "filled.xlsx"]
    assert set(filled["borough"]) == {"Hackney"}
    assert "Referrals" in set(filled["item"]) and "GP referrals" in set(filled["item"])


def test_xls_csv_and_ods_returns_are_read(folder, state_of, template):
    import xlwt

    book = xlwt.Workbook()
    front = book.add_sheet("About")
    front.write(0, 0, "Board / borough")
    front.write(0, 1, "Lewisham")
    front.write(1, 0, "Date")
    front.write(1, 1, dt.datetime(2026, 2, 3), xlwt.easyxf(num_format_str="DD/MM/YYYY"))
    sheet = book.add_sheet(template.sheet_collect)
    sheet.write_merge(0, 0, 0, 3, "Our return")
    for c, label in enumerate(["Data item", "Agency", "How often?", "Usefulness"]):
        sheet.write(2, c, label)
    sheet.write(3, 0, "Referrals")
    sheet.write_merge(3, 4, 1, 1, "CSC")
    sheet.write(3, 2, "Monthly")
    sheet.write(3, 3, 5)
    sheet.write(4, 0, "Assessments")
    sheet.write(4, 2, "Quarterly")
    book.save(str(folder / "lewisham.xls"))

    text = (
        "SYNTHETIC DEMO DATA - not real returns\nDate:;14/03/2026\n\n"
        "Data item;Agency;How often;Useful? (1-5)\nRéférrals;CSC;Qtr;4\n"
    )
    (folder / "SYNTHETIC_merton_data.csv").write_bytes(text.encode("cp1252"))

    with pd.ExcelWriter(folder / "sutton.ods", engine="odf") as writer:
        pd.DataFrame([["Board / borough", "Sutton"]]).to_excel(
            writer, sheet_name="About", header=False, index=False
        )
        pd.DataFrame(
            [["Data item", "Why", "Agency", "Barrier"], ["GP referrals", "", "GP", "Consent"]]
        ).to_excel(writer, sheet_name="Wish list", header=False, index=False)

    result = survey_ingest.ingest_survey(folder)
    items = result.items.set_index(["file", "item"])
    xls = items.loc["lewisham.xls"]
    assert list(xls["agency"]) == ["children's social care"] * 2  # merged down
    assert xls.loc["Referrals", "usefulness"] == 5.0 and xls.loc["Referrals", "row"] == 4
    assert result.returns.set_index("file").loc["lewisham.xls", "return_date"] == pd.Timestamp(
        "2026-02-03"
    )
    merton = items.loc["SYNTHETIC_merton_data.csv"]
    assert list(merton.index) == ["Référrals"]
    assert merton.iloc[0]["frequency"] == "quarterly" and merton.iloc[0]["usefulness"] == 4.0
    assert merton.iloc[0]["borough"] == "Merton" and merton.iloc[0]["row"] == 5
    assert state_of(result, "SYNTHETIC_merton_data.csv") == ("ingested", "")
    assert result.returns.set_index("file").loc[
        "SYNTHETIC_merton_data.csv", "return_date"
    ] == pd.Timestamp("2026-03-14")
    sutton = items.loc["sutton.ods"]
    assert (
        sutton.iloc[0]["section"] == "would_like"
        and sutton.iloc[0]["barrier"] == "information sharing"
    )
    assert sutton.iloc[0]["borough"] == "Sutton"


def test_a_workbook_with_the_wrong_extension_is_read_and_reported(
    folder, tmp_path, template_return, by_code, state_of
):
    template_return(tmp_path / "real.xlsx", board="Bexley")
    shutil.copy(tmp_path / "real.xlsx", folder / "bexley.xls")
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "bexley.xls") == ("ingested_with_warnings", "")
    assert len(result.items) == 5
    assert list(by_code(result, "wrong_extension")["file"]) == ["bexley.xls"]


def test_macros_are_never_run_and_are_reported(
    folder, tmp_path, template_return, by_code, state_of
):
    template_return(tmp_path / "plain.xlsx", board="Croydon")
    with (
        zipfile.ZipFile(tmp_path / "plain.xlsx") as source,
        zipfile.ZipFile(folder / "croydon.xlsm", "w") as target,
    ):
        for member in source.infolist():
            target.writestr(member, source.read(member.filename))
        target.writestr("xl/vbaProject.bin", b"not really vba")
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "croydon.xlsm") == ("ingested_with_warnings", "")
    assert len(by_code(result, "macros_not_run")) == 1
    assert len(result.items) == 5


def _encrypt(source: Path, target: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as handle, target.open("wb") as out:
        OOXMLFile(handle).encrypt("secret", out)


def test_every_rejection_reason(
    folder, tmp_path, write_xlsx, about, collect_row, template_return, state_of, template
):
    (folder / "damaged.xlsx").write_bytes(b"this is not a zip file")
    (folder / "minutes.pdf").write_bytes(b"%PDF-1.4 not a spreadsheet")
    template_return(tmp_path / "locked.xlsx", board="Havering")
    _encrypt(tmp_path / "locked.xlsx", folder / "havering_locked.xlsx")
    write_xlsx(
        folder / "blank.xlsx",
        {
            "About": about("Hounslow"),
            template.sheet_collect: [template.collect],
            template.sheet_want: [template.want],
        },
    )
    write_xlsx(
        folder / "other.xlsx",
        {"About": about("Hillingdon"), "Budget": [["Name", "Value"], ["Staff", 12]]},
    )
    write_xlsx(
        folder / "no_name.xlsx",
        {template.sheet_collect: [template.collect, collect_row("Referrals")]},
    )
    template_return(folder / "a_original.xlsx", board="Newham")
    shutil.copy(folder / "a_original.xlsx", folder / "b_copy.xlsx")
    (folder / "zero.csv").write_bytes(b"")
    result = survey_ingest.ingest_survey(folder)
    expected = {
        "damaged.xlsx": "corrupt",
        "minutes.pdf": "corrupt",
        "havering_locked.xlsx": "password_protected",
        "blank.xlsx": "empty",
        "zero.csv": "empty",
        "other.xlsx": "no_recognisable_sheet",
        "no_name.xlsx": "borough_not_identifiable",
        "b_copy.xlsx": "duplicate",
    }
    for name, reason in expected.items():
        assert state_of(result, name) == ("rejected", reason), name
    assert state_of(result, "a_original.xlsx") == ("ingested", "")
    errors = result.issues[result.issues["severity"] == "error"]
    assert sorted(errors["file"]) == sorted(expected)
    assert (errors["code"] == errors["file"].map(expected)).all()
    assert "a_original.xlsx" in errors.set_index("file").loc["b_copy.xlsx", "message"]
    assert "password" in errors.set_index("file").loc["havering_locked.xlsx", "message"]
    # One issue (the rejection) per rejected file; their items are not ingested.
    assert not result.items["file"].isin(expected).any()
    rejected = result.returns[result.returns["state"] == "rejected"]
    assert set(rejected["reason"]) <= set(survey_result.REJECTION_CODES)
    assert set(result.issues["code"]) <= set(survey_result.ISSUE_CODES)
    assert rejected.set_index("file").loc["havering_locked.xlsx", "borough"] == "Havering"
    assert rejected.set_index("file").loc["blank.xlsx", "borough"] == "Hounslow"


def test_an_oversized_workbook_is_rejected_as_unsafe(project, template_return, state_of):
    limits_file = project / "data" / "reference" / "disclosure.yaml"
    limits = yaml.safe_load(limits_file.read_text())
    limits["workbook_limits"]["max_rows"] = 5
    limits_file.write_text(yaml.safe_dump(limits))
    folder = project / "returns"
    folder.mkdir()
    template_return(folder / "big.xlsx", items=10)
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "big.xlsx") == ("rejected", "unsafe_workbook")
    assert "max_rows" in result.issues.iloc[0]["message"]


def test_contacts_readme_and_markers_are_not_returns(folder, template_return):
    (folder / "contacts.csv").write_text("borough,contact\nBarnet,SYNTHETIC\n")
    (folder / "README.md").write_text("read me")
    (folder / "SYNTHETIC.md").write_text("marker")
    (folder / "~$return.xlsx").write_bytes(b"lock file")
    template_return(folder / "return.xlsx")
    result = survey_ingest.ingest_survey(folder)
    assert list(result.returns["file"]) == ["return.xlsx"]
    assert set(result.issues["file"]) <= {"return.xlsx"}


def test_raw_files_are_never_changed(folder, tmp_path, template_return):
    template_return(folder / "return.xlsx")
    (folder / "damaged.xlsx").write_bytes(b"junk")
    before = {p.name: (io.sha256_of(p), p.stat().st_mtime_ns) for p in folder.iterdir()}
    survey_ingest.ingest_survey(folder)
    after = {p.name: (io.sha256_of(p), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert before == after


def test_logs_hold_counts_never_values(folder, caplog, write_xlsx, about, collect_row, template):
    write_xlsx(
        folder / "return.xlsx",
        {
            "About": about(),
            template.sheet_collect: [
                template.collect,
                collect_row("Confidential item Zebra", "Agency Quokka"),
            ],
        },
    )
    with caplog.at_level(logging.DEBUG, logger="lscb_analysis"):
        result = survey_ingest.ingest_survey(folder)
    assert len(result.items) == 1
    assert "Zebra" not in caplog.text and "Quokka" not in caplog.text
    assert "1 items" in caplog.text


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(SurveyFileError, match="no returns folder") as caught:
        survey_ingest.ingest_survey(tmp_path / "nowhere")
    assert caught.value.code == "missing_folder"


def test_a_return_named_for_one_borough_with_another_on_its_about_sheet_is_set_aside(
    folder, template_return, state_of, by_code
):
    # The probe that got through: a workbook named for Redbridge whose About sheet says
    # Camden replaced Camden's genuine return.
    template_return(folder / "SYNTHETIC_camden_survey_return.xlsx", board="Camden", items=3)
    template_return(
        folder / "SYNTHETIC_redbridge_survey_return.xlsx",
        board="Camden",
        items=1,
        date=dt.datetime(2026, 3, 20),
    )
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "SYNTHETIC_redbridge_survey_return.xlsx") == (
        "rejected",
        "identity_mismatch",
    )
    [message] = by_code(result, "identity_mismatch")["message"]
    assert "the file name says Redbridge, the About sheet says Camden" in message
    assert "ask Camden whether it is theirs" in message
    assert state_of(result, "SYNTHETIC_camden_survey_return.xlsx") == ("ingested", "")
    camden = result.items[result.items["borough"] == "Camden"]
    assert set(camden["file"]) == {"SYNTHETIC_camden_survey_return.xlsx"}
    assert "Redbridge" not in set(result.items["borough"])


def test_a_file_named_with_hidden_characters_names_no_borough_and_says_why(folder, write_xlsx):
    name = "Barnet\u202e\u200f_return.xlsx"
    write_xlsx(folder / name, {"Data": [["Data item", "Agency"], ["Referrals", "CSC"]]})
    result = survey_ingest.ingest_survey(folder)
    row = result.returns.iloc[0]
    assert (row["state"], row["reason"]) == ("rejected", "borough_not_identifiable")
    assert "U+202E" in row["message"] and "rename it without them" in row["message"]
    assert row["message"].startswith("Barnet_return.xlsx: ")  # shown without the characters
