"""Reading returned Section 11 self-assessments: round trip, identity, checks, re-submissions,
every file accounted for. Real xlsx files built in the tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import openpyxl
import pytest

from lscb_analysis.cli import main as cli
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT
from lscb_analysis.qa import section11, section11_ingest


def _return(folder, name, agency="police", board="Barnet", made=dt.date(2026, 5, 1), rows=None):
    """Write a self-assessment, fill ``rows`` ({criterion_id: {column letter: value}})."""
    folder.mkdir(parents=True, exist_ok=True)
    workbook = section11.build_self_assessment(agency, board, made=made)
    sheet = workbook[section11.SHEET]
    where = {sheet.cell(r, 2).value: r for r in range(2, sheet.max_row + 1)}
    for criterion, values in (rows or {}).items():
        for letter, value in values.items():
            sheet[f"{letter}{where[criterion]}"] = value
    path = folder / name
    workbook.save(path)
    return path


def test_round_trip_and_the_checks_on_each_row(tmp_path):
    _return(
        tmp_path,
        "section11_barnet_police.xlsx",
        rows={
            "S1.1": {"D": "Fully met", "E": "Annual report to the board."},
            "S1.2": {
                "D": "amber",
                "E": "Job descriptions under review.",
                "F": "Finish review",
                "G": "HR lead",
                "H": dt.date(2026, 9, 30),
            },
            "S2.1": {"D": "Not met", "E": "Referral for child: John Smith, DOB 03/02/2015."},
            "S3.1": {"D": "sometimes"},
            "S3.2": {"D": "Partly met", "F": "Brief staff", "H": "end of June"},
        },
    )
    result = section11_ingest.ingest_section11(tmp_path)
    ratings = result.ratings.set_index("criterion_id")
    assert len(ratings) == len(section11.criteria())  # every criterion, rated or not
    assert ratings.loc["S1.1", "rating"] == "Fully met" and not ratings.loc["S1.1", "weak"]
    assert ratings.loc["S1.2", ["rating", "action", "owner", "due"]].tolist() == [
        "Partly met",
        "Finish review",
        "HR lead",
        "2026-09-30",
    ]
    assert ratings.loc["S2.1", "evidence"] == WITHHELD_TEXT  # a name and a date of birth
    assert ratings.loc["S3.1", "rating"] == ""
    assert set(ratings["board"]) == {"Barnet"} and set(ratings["agency"]) == {"police"}
    codes = result.issues.set_index("cell")["code"].to_dict()
    assert codes == {
        "E5": "identifier_in_evidence",  # S2.1 is on row 5
        "F5": "weak_without_action",
        "D8": "invalid_rating",  # S3.1
        "H9": "unreadable_due_date",  # S3.2
        "": "missing_rating",  # one warning for the file, listing the criteria
    }
    unrated = result.issues.loc[result.issues["code"] == "missing_rating", "message"].iloc[0]
    assert "17 criteria have no rating (S1.3, S2.2," in unrated and "and 7 more" in unrated
    assert "John Smith" not in result.issues["message"].str.cat()


def test_a_return_named_for_one_board_whose_hidden_sheet_says_another_is_set_aside(tmp_path):
    _return(tmp_path, "section11_enfield_police.xlsx", rows={"S1.1": {"D": "Fully met"}})
    (tmp_path / "notes.txt").write_text("covering note")
    result = section11_ingest.ingest_section11(tmp_path)
    files = result.files.set_index("file")
    assert files.loc["section11_enfield_police.xlsx", "status"] == "rejected"
    assert (
        "the file name says Enfield, the S11Info sheet says Barnet"
        in files.loc["section11_enfield_police.xlsx", "reason"]
    )
    assert files.loc["notes.txt", "status"] == "skipped"  # accounted for, not a return
    assert result.ratings.empty


def test_a_later_return_replaces_the_earlier_one_naming_the_file_in_use(tmp_path):
    _return(tmp_path, "barnet_police.xlsx", rows={"S1.1": {"D": "Not met"}})
    _return(
        tmp_path,
        "barnet_police_v2.xlsx",
        made=dt.date(2026, 6, 1),
        rows={"S1.1": {"D": "Fully met"}},
    )
    result = section11_ingest.ingest_section11(tmp_path)
    files = result.files.set_index("file")
    assert files.loc["barnet_police.xlsx", "status"] == "superseded"
    assert files.loc["barnet_police.xlsx", "reason"] == (
        "a later return is in use: barnet_police_v2.xlsx"
    )
    assert result.ratings.set_index("criterion_id").at["S1.1", "rating"] == "Fully met"
    assert set(result.ratings["file"]) == {"barnet_police_v2.xlsx"}


def test_an_edited_hidden_sheet_or_other_standards_are_warnings(tmp_path):
    path = _return(tmp_path, "barnet_police.xlsx", rows={"S1.1": {"D": "Fully met"}})
    book = openpyxl.load_workbook(path)
    for row in book[section11.INFO_SHEET].iter_rows():
        if row[0].value == "standards_sha256":
            row[1].value = "0" * 64
    book.save(path)
    codes = set(section11_ingest.ingest_section11(tmp_path).issues["code"])
    assert {"info_changed", "standards_changed"} <= codes


def test_lscb_s11_ingest_accounts_for_every_file_and_leaves_raw_untouched(project, capsys):
    raw = project / "data" / "raw" / "section11"
    made = project.parent / "made"
    _return(made, "section11_barnet_police.xlsx", rows={"S1.1": {"D": "Fully met"}})
    (made / "broken.xlsx").write_bytes(b"not a workbook")
    raw.mkdir(parents=True)
    for path in made.iterdir():
        (raw / path.name).write_bytes(path.read_bytes())
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.iterdir()}
    os.chdir(project)
    assert cli.main(["s11", "ingest"]) == 0
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.iterdir()} == before
    assert "REJECTED broken.xlsx" in capsys.readouterr().err
    files = section11_ingest.read_files()
    assert sorted(files["file"]) == ["broken.xlsx", "section11_barnet_police.xlsx"]
    assert cli.main(["s11", "ingest", "--strict"]) == 1
    assert (section11_ingest.read_ratings()["rating"] != "").sum() == 1


def test_nothing_read_is_exit_1_and_a_missing_folder_says_where_returns_go(project, capsys):
    os.chdir(project)
    assert cli.main(["s11", "ingest"]) == 2
    assert "data/raw/section11/" in capsys.readouterr().err
    with pytest.raises(Exception, match="lscb s11 ingest"):
        section11_ingest.read_ratings(project / "nowhere")
