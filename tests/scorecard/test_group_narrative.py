"""A sub-group's quarterly narrative: the workbook, and reading returned ones (real xlsx)."""

from __future__ import annotations

import os

import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT
from lscb_analysis.scorecard import group_narrative

EXCEPTIONS = pd.DataFrame(
    [["BF-SG-01", "Allegations resolved within a month (%)", "Missing the target consistently"]],
    columns=["pi_id", "title", "exception_text"],
)


def _returned(folder, name, answers, action="", borough="Barnet", group="lado"):
    workbook = group_narrative.build_narrative_workbook(group, borough, "2025Q4", EXCEPTIONS)
    sheet = workbook[group_narrative.NARRATIVE_SHEET]
    for row in range(1, sheet.max_row + 1):
        key = sheet.cell(row=row, column=3).value
        if key in answers:
            sheet.cell(row=row, column=2, value=answers[key])
    workbook[group_narrative.EXCEPTIONS_SHEET]["D2"] = action or None
    folder.mkdir(exist_ok=True)
    workbook.save(folder / name)
    return folder / name


def test_the_workbook_asks_each_part_and_lists_the_groups_exceptions(tmp_path):
    path = _returned(tmp_path, "barnet_lado.xlsx", {})
    book = openpyxl.load_workbook(path)
    asked = [book["Narrative"].cell(row=r, column=3).value for r in range(4, 9)]
    assert asked == list(group_narrative.narrative_parts())
    assert (
        not book["Narrative"]["B4"].protection.locked and book["Narrative"]["A4"].protection.locked
    )
    assert (
        book["Exceptions"]["A2"].value == "BF-SG-01"
        and not book["Exceptions"]["D2"].protection.locked
    )
    info = {r[0].value: r[1].value for r in book["NarrativeInfo"].iter_rows()}
    assert (info["borough"], info["group"], info["quarter"]) == ("Barnet", "LADO", "2025Q4")
    with pytest.raises(ParameterError, match="is not a sub-group"):
        group_narrative.build_narrative_workbook("knitting", "Barnet", "2025Q4", EXCEPTIONS)


def test_returned_narratives_read_checked_and_the_latest_used(tmp_path):
    _returned(tmp_path, "barnet_lado_v1.xlsx", {"outcomes": "First draft."})
    later = _returned(
        tmp_path,
        "barnet_lado_v2.xlsx",
        {"outcomes": "Fewer delays.", "voice": "Jane Smith, DOB 03/02/2015, said."},
        action="Weekly tracking.",
    )
    os.utime(later, (2_000_000_000, 2_000_000_000))
    _returned(tmp_path, "enfield_lado.xlsx", {"outcomes": "x"})  # hidden sheet says Barnet
    (tmp_path / "notes.txt").write_text("covering note")
    result = group_narrative.ingest_narratives(tmp_path)
    files = result.files.set_index("file")["status"].to_dict()
    assert files == {
        "barnet_lado_v1.xlsx": "superseded",
        "barnet_lado_v2.xlsx": "read",
        "enfield_lado.xlsx": "rejected",
        "notes.txt": "skipped",
    }
    parts = result.parts.set_index("part")["text"]
    assert parts["outcomes"] == "Fewer delays." and parts["voice"] == WITHHELD_TEXT
    assert result.actions[["pi_id", "action"]].values.tolist() == [["BF-SG-01", "Weekly tracking."]]
    assert "identity_mismatch" in set(result.issues["code"])
    assert "Jane Smith" not in result.issues["message"].str.cat()


def test_the_template_lists_the_groups_exceptions_on_the_latest_card_whatever_its_spelling(
    project,
):
    card = pd.DataFrame(
        {
            "borough": ["Barnet", "Barnet", "Barnet", "Camden"],
            "sub_group": ["LADO", "LADO", "neglect", "LADO"],
            "pi_id": ["BF-SG-01", "BF-SG-05", "BF-NG-01", "BF-SG-01"],
            "title": ["one", "two", "three", "four"],
            "exceptions": ["missing_target", "", "red_red", "red_red"],
            "exception_text": ["Missing the target consistently", "", "Red-red", "Red-red"],
        }
    )
    card.to_parquet(project / "data" / "processed" / "scorecard_2025Q4.parquet")
    workbook = group_narrative.build_narrative_workbook(" lado ", "LB Barnet", "2025Q4")
    listed = [row for row in workbook["Exceptions"].iter_rows(min_row=2, values_only=True)]
    assert [row[:3] for row in listed] == [("BF-SG-01", "one", "Missing the target consistently")]
