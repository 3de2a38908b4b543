"""Survey ingest: every messy shape of return is read or reported, and every rejection named."""

from __future__ import annotations

import csv
import datetime as dt
import io as std_io
import logging
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from lscb_analysis.core import io
from lscb_analysis.core.errors import RawDataWriteError, SurveyFileError
from lscb_analysis.survey import survey_ingest

REPO = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((REPO / "data" / "reference" / "survey.yaml").read_text())
COLLECT = [spec["label"] for spec in CONFIG["sections"]["collects"]["fields"].values()]
WANT = [spec["label"] for spec in CONFIG["sections"]["would_like"]["fields"].values()]
SHEET_COLLECT = CONFIG["sections"]["collects"]["sheet"]
SHEET_WANT = CONFIG["sections"]["would_like"]["sheet"]


# --- helpers: build returns the way boards send them ------------------------------------------


def write_xlsx(
    path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None
) -> Path:
    """Write a workbook: ``sheets`` maps sheet name -> rows (None = empty cell)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    workbook.save(path)
    return path


def about(board: str = "Barnet", date: object = dt.datetime(2026, 3, 2)) -> list[list]:
    return [["Board / borough", board], ["Single point of contact", "Test contact"], ["Date", date]]


def collect_row(
    item: str, agency: str = "CSC", frequency: str = "Monthly", usefulness: object = 4
) -> list:
    return [item, "", agency, frequency, "0-17", "Mosaic", "Board priority", usefulness, ""]


def template_return(
    path: Path,
    board: str = "Barnet",
    items: int = 3,
    wants: int = 2,
    date: object = dt.datetime(2026, 3, 2),
) -> Path:
    collects = [COLLECT] + [collect_row(f"Item {n}") for n in range(items)]
    wanted = [WANT] + [
        [f"Wish {n}", "Board priority", "Police", "Info sharing", ""] for n in range(wants)
    ]
    return write_xlsx(
        path, {"About": about(board, date), SHEET_COLLECT: collects, SHEET_WANT: wanted}
    )


def non_blank_below(rows: list[list], header_index: int) -> int:
    """Count rows below the header holding any value: the test's own count, not the ingest's."""
    return sum(any(v not in (None, "") for v in row) for row in rows[header_index + 1 :])


def by_code(result: survey_ingest.SurveyIngest, code: str) -> pd.DataFrame:
    return result.issues[result.issues["code"] == code]


def state_of(result: survey_ingest.SurveyIngest, name: str) -> tuple[str, str]:
    row = result.returns[result.returns["file"] == name].iloc[0]
    return row["state"], row["reason"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "survey"
    path.mkdir()
    return path


# --- the template as sent ----------------------------------------------------------------------


def test_a_template_return_is_ingested_with_values_and_originals(folder):
    template_return(folder / "return.xlsx", board="LB Barnet")
    result = survey_ingest.ingest_survey(folder)
    assert list(result.items.columns) == survey_ingest.ITEM_COLUMNS
    assert list(result.issues.columns) == survey_ingest.ISSUE_COLUMNS
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


def test_the_lead_template_round_trips(folder, tmp_path):
    survey_template = pytest.importorskip("lscb_analysis.survey.survey_template")
    blank = survey_template.write_survey_template(tmp_path / "template.xlsx")
    shutil.copy(blank, folder / "blank_template.xlsx")
    workbook = openpyxl.load_workbook(blank)
    about_sheet = workbook["About"]
    about_sheet["B1"] = "Hackney"
    workbook[SHEET_COLLECT].append(collect_row("Referrals"))
    workbook[SHEET_COLLECT]["A2"] = "Referrals"
    workbook[SHEET_WANT]["A2"] = "GP referrals"
    workbook[SHEET_WANT]["D2"] = "information sharing"
    workbook.save(folder / "filled.xlsx")
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "blank_template.xlsx") == ("rejected", "empty")
    assert state_of(result, "filled.xlsx")[0] in ("ingested", "ingested_with_warnings")
    filled = result.items[result.items["file"] == "filled.xlsx"]
    assert set(filled["borough"]) == {"Hackney"}
    assert "Referrals" in set(filled["item"]) and "GP referrals" in set(filled["item"])


# --- messy shapes ------------------------------------------------------------------------------


def test_renamed_headers_header_moved_down_and_duplicate_columns(folder):
    rows = [
        ["Barnet LSCB - what we collect"],
        ["Figures are provisional."],
        [],
        [
            "Indicator",
            "Data source",
            "Frequency of collection",
            "How often?",
            "Score",
            "RAG rating",
        ],
        ["Referrals", "Met Police", "Quarterly", "Monthly", 5, "G"],
        ["Missing episodes", "PCT", "Qtr", "", "3", ""],
    ]
    write_xlsx(folder / "barnet.xlsx", {"Current data": rows})
    result = survey_ingest.ingest_survey(folder)
    sheets = result.sheets.set_index("sheet")
    assert sheets.loc["Current data", "header_row"] == 4
    items = result.items.set_index("item")
    assert items.loc["Referrals", "agency"] == "police"
    assert items.loc["Referrals", "frequency_original"] == "Quarterly"
    assert items.loc["Referrals", "extra"] == "How often?: Monthly; RAG rating: G"
    assert items.loc["Missing episodes", "agency"] == "health (commissioner)"
    assert items.loc["Missing episodes", "frequency"] == "quarterly"
    assert set(by_code(result, "text_above_header")["row"]) == {1, 2}
    unmapped = by_code(result, "unmapped_column")
    assert set(unmapped["column"]) == {"How often?", "RAG rating"}
    assert "second 'frequency' column" in unmapped.set_index("column").loc["How often?", "message"]
    assert state_of(result, "barnet.xlsx") == ("ingested_with_warnings", "")


def test_blank_rows_single_notes_and_a_notes_block_are_accounted(folder):
    rows = [
        COLLECT,
        collect_row("Referrals"),
        [],
        [None, None, None, None, None, None, "Only this note"],
        collect_row("Re-referrals"),
        [None, None],
        ["Notes:"],
        ["1. Police data is late"],
        [None, "2. Health data provisional"],
    ]
    write_xlsx(folder / "SYNTHETIC_camden_return.xlsx", {SHEET_COLLECT: rows})
    result = survey_ingest.ingest_survey(folder)
    assert list(result.items["item"]) == ["Referrals", "Re-referrals"]
    assert set(result.items["borough"]) == {"Camden"}  # from the file name
    notes = by_code(result, "note_row")
    assert sorted(notes["row"]) == [4, 7, 8, 9]
    accounting = survey_ingest.row_accounting(result).iloc[0]
    assert accounting["non_blank_rows"] == non_blank_below(rows, 0) == 6
    assert accounting["item_rows"] + accounting["reported_rows"] == 6
    assert accounting["unaccounted"] == 0


def test_merged_cells_are_filled_and_a_merged_note_is_not_an_item(folder):
    rows = [
        COLLECT,
        ["Referrals", "", "Met Police", "Monthly", "", "", "", 3, ""],
        ["Missing episodes", "", None, "Quarterly", "", "", "", 4, ""],
        ["Prevent referrals", "", None, "Annual", "", "", "", 2, ""],
        ["These figures are provisional"],
    ]
    merges = {SHEET_COLLECT: ["C2:C4", "A5:I5"]}
    write_xlsx(folder / "return.xlsx", {"About": about("Harrow"), SHEET_COLLECT: rows}, merges)
    result = survey_ingest.ingest_survey(folder)
    items = result.items
    assert list(items["item"]) == ["Referrals", "Missing episodes", "Prevent referrals"]
    assert list(items["agency_original"]) == ["Met Police"] * 3
    assert list(items["agency"]) == ["police"] * 3
    assert list(by_code(result, "note_row")["row"]) == [5]
    assert survey_ingest.row_accounting(result)["unaccounted"].eq(0).all()


def test_a_vertically_merged_item_gives_one_item_per_row(folder):
    rows = [COLLECT, ["Referrals", "", "CSC", "Monthly"], [None, "", "Police", "Monthly"], [None]]
    write_xlsx(
        folder / "return.xlsx",
        {"About": about("Brent"), SHEET_COLLECT: rows},
        {SHEET_COLLECT: ["A2:A4"]},
    )
    result = survey_ingest.ingest_survey(folder)
    # Row 4 only holds the merged item from above: it is blank in the file, so not counted.
    assert list(result.items["item"]) == ["Referrals", "Referrals"]
    assert list(result.items["agency"]) == ["children's social care", "police"]
    assert survey_ingest.row_accounting(result).iloc[0]["non_blank_rows"] == 2


def test_ticks_and_an_own_layout_with_collected_and_would_like_columns(folder):
    rows = [
        ["Our data return"],
        ["Data", "Who provides it", "How often?", "Collected?", "Would like?", "Comments"],
        ["Referrals", "CSC", "Monthly", "Y", None, "Key measure"],
        ["Missing", "Met Police", "Qtr", "yes", None, None],
        ["Exclusions", "Schools", "Annual", "x", None, None],
        ["LADO", "CSC", "Monthly", "\u2713", None, None],
        ["CSE", "Police", "Monthly", "1", None, None],
        ["GP referrals", "GPs", None, None, "yes", "Needs a sharing agreement"],
        ["Old measure", "CSC", "Monthly", "N", None, None],
        ["Mystery", "CSC", "Monthly", "maybe", None, None],
    ]
    write_xlsx(folder / "SYNTHETIC_enfield_own_layout.xlsx", {"Return": rows})
    result = survey_ingest.ingest_survey(folder)
    items = result.items.set_index("item")
    collected = ["Referrals", "Missing", "Exclusions", "LADO", "CSE"]
    assert (items.loc[collected, "section"] == "collects").all()
    assert list(items.loc[collected, "collected_flag_original"]) == ["Y", "yes", "x", "\u2713", "1"]
    assert items.loc["Referrals", "why_useful"] == "Key measure"
    assert items.loc["GP referrals", "section"] == "would_like"
    assert items.loc["GP referrals", "comment"] == "Needs a sharing agreement"
    assert items.loc["GP referrals", "agency"] == "health (community)"
    assert items.loc["GP referrals", "extra"] == "Would like?: yes"
    assert "Old measure" not in items.index
    assert list(by_code(result, "not_collected")["row"]) == [9]
    # An unknown tick is reported; with neither box ticked the row keeps the default section.
    assert items.loc["Mystery", "section"] == "collects"
    assert "maybe" in by_code(result, "unmapped_value").iloc[0]["message"]
    assert set(by_code(result, "unflagged_row")["row"]) == {10}
    assert set(result.issues["code"]) <= set(survey_ingest.ISSUE_CODES)
    assert survey_ingest.row_accounting(result)["unaccounted"].eq(0).all()


def test_items_as_rows_under_section_headings(folder):
    rows = [
        ["Kingston LSCB: datasets"],
        [],
        ["Item", "Provided by", "Frequency", "Difficulty / notes"],
        ["DATA WE COLLECT NOW"],
        ["Referrals", "CSC", "Monthly", None],
        ["Child deaths", "LSCB", "Annual", None],
        [],
        ["Data we would like but find difficult to get"],
        ["Health visitor caseloads", "Health visiting", None, "Info sharing"],
    ]
    write_xlsx(
        folder / "SYNTHETIC_kingston_datasets.xlsx", {"Datasets": rows}, {"Datasets": ["A4:D4"]}
    )
    result = survey_ingest.ingest_survey(folder)
    items = result.items.set_index("item")
    assert list(items["section"]) == ["collects", "collects", "would_like"]
    assert items.loc["Health visitor caseloads", "barrier"] == "information sharing"
    assert items.loc["Child deaths", "agency"] == "the board itself"
    assert set(by_code(result, "section_heading")["row"]) == {4, 8}
    assert set(result.items["borough"]) == {"Kingston upon Thames"}
    accounting = survey_ingest.row_accounting(result).iloc[0]
    assert accounting["non_blank_rows"] == non_blank_below(rows, 2) == 5
    assert accounting["unaccounted"] == 0


def test_two_tables_on_one_sheet_and_a_row_without_an_item(folder):
    rows = [
        ["Data item", "Agency", "Frequency"],
        ["Referrals", "CSC", "Monthly"],
        [None, "Police", "Quarterly"],
        [],
        ["Data item", "Why", "Agency", "Barrier"],
        ["GP referrals", "Gap", "GPs", "Consent"],
    ]
    write_xlsx(folder / "SYNTHETIC_bromley.xlsx", {"Return": rows})
    result = survey_ingest.ingest_survey(folder)
    assert list(zip(result.items["item"], result.items["section"], strict=True)) == [
        ("Referrals", "collects"),
        ("GP referrals", "would_like"),
    ]
    assert result.items.iloc[1]["barrier"] == "information sharing"
    assert list(by_code(result, "missing_item")["row"]) == [3]
    assert list(by_code(result, "repeated_header")["row"]) == [5]
    assert survey_ingest.row_accounting(result).iloc[0]["unaccounted"] == 0


def test_free_text_agencies_and_values_that_match_nothing(folder):
    rows = [
        COLLECT,
        collect_row("A", "Met Police"),
        collect_row("B", "CSC"),
        collect_row("C", "PCT"),
        collect_row("D", "CAMHS"),
        collect_row("E", "YOT"),
        collect_row("F", "Police / CSC"),
        collect_row("G", "Local children's centres", "Termly", "High"),
        collect_row("H", "n/a", "6 monthly", "4 - very useful"),
        collect_row("I", "LSCB", "Every quarter", 6),
        collect_row("J", "CSC", "Monthly", "3-4"),
    ]
    write_xlsx(folder / "return.xlsx", {"About": about("Ealing"), SHEET_COLLECT: rows})
    result = survey_ingest.ingest_survey(folder)
    items = result.items.set_index("item")
    assert list(items.loc[list("ABCDE"), "agency"]) == [
        "police",
        "children's social care",
        "health (commissioner)",
        "health (mental health)",
        "youth offending",
    ]
    assert items.loc["F", "agency"] == "police; children's social care"
    assert (items.loc["G", "agency"], items.loc["G", "agency_original"]) == (
        "",
        "Local children's centres",
    )
    assert (items.loc["G", "frequency"], items.loc["G", "frequency_original"]) == ("", "Termly")
    assert pd.isna(items.loc["G", "usefulness"]) and items.loc["G", "usefulness_original"] == "High"
    assert (items.loc["H", "agency"], items.loc["H", "agency_original"]) == ("", "n/a")
    assert items.loc["H", "frequency"] == "six-monthly" and items.loc["H", "usefulness"] == 4.0
    assert items.loc["I", "agency"] == "the board itself"
    assert items.loc["I", "frequency"] == "quarterly" and pd.isna(items.loc["I", "usefulness"])
    assert pd.isna(items.loc["J", "usefulness"])
    unmapped = by_code(result, "unmapped_value")
    assert sorted(unmapped["row"]) == [8, 8]
    assert any("Local children's centres" in m for m in unmapped["message"])
    assert sorted(by_code(result, "usefulness_not_1_to_5")["row"]) == [8, 10, 11]
    assert (result.issues["severity"] == "warning").all()


def test_several_boroughs_one_sheet_each_and_a_borough_column(folder):
    sheets = {
        "About": about("Tri-borough board"),
        "Hammersmith & Fulham": [COLLECT, collect_row("Referrals")],
        "RBKC": [COLLECT, collect_row("Referrals"), collect_row("LADO")],
        "Westminster": [["Data item", "Agency", "Barrier"], ["GP referrals", "GPs", "Consent"]],
    }
    write_xlsx(folder / "joint.xlsx", sheets)
    write_xlsx(
        folder / "pan_board.xlsx",
        {
            "Data": [
                ["Borough", "Data item", "Agency", "Frequency"],
                ["LB Barnet", "Referrals", "CSC", "Monthly"],
                ["Enfield", "Referrals", "CSC", "Quarterly"],
                ["Narnia", "Referrals", "CSC", "Quarterly"],
            ]
        },
    )
    result = survey_ingest.ingest_survey(folder)
    joint = result.items[result.items["file"] == "joint.xlsx"]
    assert joint.groupby("borough").size().to_dict() == {
        "Hammersmith and Fulham": 1,
        "Kensington and Chelsea": 2,
        "Westminster": 1,
    }
    assert joint.set_index("borough").loc["Westminster", "section"] == "would_like"
    returns = result.returns[result.returns["file"] == "joint.xlsx"]
    assert len(returns) == 3 and set(returns["state"]) == {"ingested_with_warnings"}
    assert "Tri-borough board" in by_code(result, "unknown_borough_name").iloc[0]["message"]
    pan = result.items[result.items["file"] == "pan_board.xlsx"]
    assert list(pan["borough"]) == ["Barnet", "Enfield"]
    assert list(by_code(result, "unknown_borough")["row"]) == [4]
    assert survey_ingest.row_accounting(result)["unaccounted"].eq(0).all()


def test_the_about_sheet_names_the_borough_before_the_file_name(folder):
    template_return(folder / "SYNTHETIC_barnet_return.xlsx", board="Kensington & Chelsea")
    template_return(folder / "SYNTHETIC_enfield_return.xlsx", board="Narnia")
    result = survey_ingest.ingest_survey(folder)
    boroughs = result.returns.set_index("file")["borough"]
    assert boroughs["SYNTHETIC_barnet_return.xlsx"] == "Kensington and Chelsea"
    assert boroughs["SYNTHETIC_enfield_return.xlsx"] == "Enfield"
    assert len(by_code(result, "unknown_borough_name")) == 1


def test_xls_csv_and_ods_returns_are_read(folder):
    import xlwt

    book = xlwt.Workbook()
    front = book.add_sheet("About")
    front.write(0, 0, "Board / borough")
    front.write(0, 1, "Lewisham")
    front.write(1, 0, "Date")
    front.write(1, 1, dt.datetime(2026, 2, 3), xlwt.easyxf(num_format_str="DD/MM/YYYY"))
    sheet = book.add_sheet(SHEET_COLLECT)
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


def test_a_workbook_with_the_wrong_extension_is_read_and_reported(folder, tmp_path):
    template_return(tmp_path / "real.xlsx", board="Bexley")
    shutil.copy(tmp_path / "real.xlsx", folder / "bexley.xls")
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "bexley.xls") == ("ingested_with_warnings", "")
    assert len(result.items) == 5
    assert list(by_code(result, "wrong_extension")["file"]) == ["bexley.xls"]


def test_macros_are_never_run_and_are_reported(folder, tmp_path):
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


# --- rejections ----------------------------------------------------------------------------------


def _encrypt(source: Path, target: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as handle, target.open("wb") as out:
        OOXMLFile(handle).encrypt("secret", out)


def test_every_rejection_reason(folder, tmp_path):
    (folder / "damaged.xlsx").write_bytes(b"this is not a zip file")
    (folder / "minutes.pdf").write_bytes(b"%PDF-1.4 not a spreadsheet")
    template_return(tmp_path / "locked.xlsx", board="Havering")
    _encrypt(tmp_path / "locked.xlsx", folder / "havering_locked.xlsx")
    write_xlsx(
        folder / "blank.xlsx",
        {"About": about("Hounslow"), SHEET_COLLECT: [COLLECT], SHEET_WANT: [WANT]},
    )
    write_xlsx(
        folder / "other.xlsx",
        {"About": about("Hillingdon"), "Budget": [["Name", "Value"], ["Staff", 12]]},
    )
    write_xlsx(folder / "no_name.xlsx", {SHEET_COLLECT: [COLLECT, collect_row("Referrals")]})
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
    assert set(rejected["reason"]) <= set(survey_ingest.REJECTION_CODES)
    assert set(result.issues["code"]) <= set(survey_ingest.ISSUE_CODES)
    assert rejected.set_index("file").loc["havering_locked.xlsx", "borough"] == "Havering"
    assert rejected.set_index("file").loc["blank.xlsx", "borough"] == "Hounslow"


def test_an_oversized_workbook_is_rejected_as_unsafe(project):
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


def test_a_header_below_the_scanned_rows_is_not_found(folder):
    rows = [[f"Preamble line {n}"] for n in range(31)] + [COLLECT, collect_row("Referrals")]
    write_xlsx(folder / "return.xlsx", {"About": about("Bromley"), "Sheet1": rows})
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "return.xlsx") == ("rejected", "no_recognisable_sheet")


# --- several returns, files that are not returns, safety -------------------------------------------


def test_a_later_return_supersedes_an_earlier_one(folder):
    template_return(
        folder / "camden_v2.xlsx", board="Camden", items=4, date=dt.datetime(2026, 3, 20)
    )
    template_return(folder / "camden_v1.xlsx", board="Camden", items=2, date="02/02/2026")
    result = survey_ingest.ingest_survey(folder)
    returns = result.returns.set_index("file")
    assert bool(returns.loc["camden_v2.xlsx", "used"]) is True
    assert bool(returns.loc["camden_v1.xlsx", "used"]) is False
    assert returns.loc["camden_v1.xlsx", "state"] == "ingested_with_warnings"
    assert returns.loc["camden_v2.xlsx", "state"] == "ingested"
    superseded = by_code(result, "superseded_return")
    assert list(superseded["file"]) == ["camden_v1.xlsx"]
    assert "camden_v2.xlsx" in superseded.iloc[0]["message"]
    used = result.items.groupby("file")["used"].agg(["all", "any"])
    assert used.loc["camden_v2.xlsx", "all"] and not used.loc["camden_v1.xlsx", "any"]
    assert len(result.items) == 4 + 2 + 2 * 2


def test_without_dates_the_later_modified_file_is_used(folder):
    for name, stamp, items in [("first.xlsx", 1_767_000_000, 2), ("second.xlsx", 1_768_000_000, 3)]:
        template_return(folder / name, board="Sutton", items=items, date=None)
        os.utime(folder / name, (stamp, stamp))
    result = survey_ingest.ingest_survey(folder)
    used = result.returns.set_index("file")["used"]
    assert bool(used["second.xlsx"]) and not bool(used["first.xlsx"])
    assert "modification time" in by_code(result, "superseded_return").iloc[0]["message"]


def test_contacts_readme_and_markers_are_not_returns(folder):
    (folder / "contacts.csv").write_text("borough,contact\nBarnet,SYNTHETIC\n")
    (folder / "README.md").write_text("read me")
    (folder / "SYNTHETIC.md").write_text("marker")
    (folder / "~$return.xlsx").write_bytes(b"lock file")
    template_return(folder / "return.xlsx")
    result = survey_ingest.ingest_survey(folder)
    assert list(result.returns["file"]) == ["return.xlsx"]
    assert set(result.issues["file"]) <= {"return.xlsx"}


def test_raw_files_are_never_changed(folder, tmp_path):
    template_return(folder / "return.xlsx")
    (folder / "damaged.xlsx").write_bytes(b"junk")
    before = {p.name: (io.sha256_of(p), p.stat().st_mtime_ns) for p in folder.iterdir()}
    survey_ingest.ingest_survey(folder)
    after = {p.name: (io.sha256_of(p), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert before == after


def test_logs_hold_counts_never_values(folder, caplog):
    write_xlsx(
        folder / "return.xlsx",
        {
            "About": about(),
            SHEET_COLLECT: [COLLECT, collect_row("Confidential item Zebra", "Agency Quokka")],
        },
    )
    with caplog.at_level(logging.DEBUG, logger="lscb_analysis"):
        result = survey_ingest.ingest_survey(folder)
    assert len(result.items) == 1
    assert "Zebra" not in caplog.text and "Quokka" not in caplog.text
    assert "1 items" in caplog.text


def test_every_file_ends_in_exactly_one_state_and_rows_are_accounted(folder):
    template_return(folder / "one.xlsx", board="Barnet")
    write_xlsx(
        folder / "two.xlsx",
        {
            "About": about("Brent"),
            SHEET_COLLECT: [
                ["Title"],
                COLLECT,
                [],
                collect_row("A"),
                [None, "note"],
                ["Notes:"],
                ["x"],
            ],
        },
    )
    (folder / "three.xlsx").write_bytes(b"junk")
    result = survey_ingest.ingest_survey(folder)
    states = result.returns.groupby("file")["state"].nunique()
    assert (states == 1).all()
    assert set(result.returns["state"]) <= set(survey_ingest.STATES)
    accounting = survey_ingest.row_accounting(result)
    assert list(accounting.columns) == survey_ingest.ACCOUNTING_COLUMNS
    assert accounting["unaccounted"].eq(0).all()
    two = accounting[accounting["file"] == "two.xlsx"].iloc[0]
    assert (two["header_row"], two["non_blank_rows"], two["item_rows"]) == (2, 4, 1)


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(SurveyFileError, match="no returns folder") as caught:
        survey_ingest.ingest_survey(tmp_path / "nowhere")
    assert caught.value.code == "missing_folder"


def test_outputs_are_written_and_neutralised(project):
    folder = project / "returns"
    folder.mkdir()
    write_xlsx(
        folder / "return.xlsx",
        {"About": about(), SHEET_COLLECT: [COLLECT, collect_row("@SUM(1+1)")]},
    )
    result = survey_ingest.ingest_survey(folder)
    written = survey_ingest.write_survey_outputs(result, project / "data" / "processed")
    assert {p.name for p in written.values()} == {
        "survey_items.parquet",
        "survey_items.csv",
        "survey_issues.csv",
        "survey_returns.csv",
    }
    assert pd.read_parquet(written["items_parquet"])["item"].iloc[0] == "@SUM(1+1)"
    with written["items_csv"].open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["item"] == "'@SUM(1+1)"
    with pytest.raises(RawDataWriteError):
        survey_ingest.write_survey_outputs(result, project / "data" / "raw")


def test_matching_rules_come_from_survey_yaml():
    config = yaml.safe_load(std_io.StringIO((REPO / "data/reference/survey.yaml").read_text()))
    config["code_lists"]["agency"]["police"]["synonyms"].append("the old bill")
    rules = survey_ingest.load_rules(config)
    assert rules.codes["agency"].match("The Old Bill") == "police"
    assert survey_ingest.load_rules().codes["agency"].match("The Old Bill") == ""
    assert rules.fields["collects"].match("How often?") == "frequency"
    assert rules.flags.match("Collected? (tick)") == "collected"


def test_issue_codes_are_documented():
    documented = set(survey_ingest.ISSUE_CODES)
    assert set(survey_ingest.REJECTION_CODES) | survey_ingest.ROW_EXCLUSION_CODES <= documented
