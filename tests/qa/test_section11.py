"""The Section 11 standards and the self-assessment workbook (real xlsx, read back)."""

from __future__ import annotations

import openpyxl
import pytest

from lscb_analysis.core.errors import InvalidNameError, ParameterError, ReferenceDataError
from lscb_analysis.qa import section11


def test_the_standards_file_gives_eight_standards_with_numbered_criteria():
    table = section11.criteria()
    assert table["standard_id"].drop_duplicates().tolist() == [f"S{n}" for n in range(1, 9)]
    assert table["criterion_id"].is_unique
    assert table.iloc[0]["criterion_id"] == "S1.1"
    assert "Senior leadership responsibility" in set(table["standard"])
    assert section11.rating_names() == ["Fully met", "Partly met", "Not met"]
    assert section11.weak_ratings() == {"Partly met", "Not met"}


def test_a_broken_standards_file_names_what_is_missing(tmp_path):
    broken = tmp_path / "section11.yaml"
    broken.write_text("standards_version: '1'\nratings: [{rating: Met}]\nstandards:\n  - id: S1\n")
    with pytest.raises(ReferenceDataError, match="standard S1 needs an id, a title and criteria"):
        section11.section11_config(broken)


@pytest.mark.parametrize(
    ("typed", "rating"),
    [
        ("Fully met", "Fully met"),
        ("GREEN", "Fully met"),
        ("partially met", "Partly met"),
        ("Amber", "Partly met"),
        ("not met.", "Not met"),
        ("1", "Not met"),
        ("perhaps", None),
    ],
)
def test_ratings_are_read_as_people_write_them(typed, rating):
    assert section11.parse_rating(typed) == rating


def test_the_workbook_locks_the_criteria_and_identifies_agency_and_board(tmp_path):
    path = section11.write_self_assessment("Met Police", "barnet", tmp_path / "s11.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "Self-assessment", "S11Info"]
    sheet = book["Self-assessment"]
    assert [c.value for c in sheet[1]][:4] == [
        "Standard",
        "Criterion",
        "What the agency shows",
        "Rating",
    ]
    assert sheet.max_row == len(section11.criteria()) + 1
    assert sheet.protection.sheet and sheet["C2"].protection.locked
    assert not sheet["D2"].protection.locked and not sheet["F2"].protection.locked
    assert sheet.data_validations.dataValidation[0].formula1 == '"Fully met,Partly met,Not met"'
    info = {row[0].value: row[1].value for row in book["S11Info"].iter_rows()}
    assert book["S11Info"].sheet_state == "hidden"
    assert (info["agency"], info["board"], info["la_number"]) == ("police", "Barnet", "302")
    assert info["checksum"] == section11.info_checksum(info)
    assert info["standards_sha256"] == section11.standards_checksum()
    assert section11.default_file_name("CAMHS", "RBKC") == (
        "section11_kensington-and-chelsea_health-mental-health.xlsx"
    )


def test_an_unknown_agency_or_a_board_outside_london_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="Agency 'the fire brigade' is not known"):
        section11.build_self_assessment("the fire brigade", "Barnet")
    with pytest.raises(ParameterError, match="Manchester, not a London borough"):
        section11.build_self_assessment("police", "Manchester")
    with pytest.raises(InvalidNameError, match="board"):
        section11.build_self_assessment("police", "Barnet\u202e")
