"""Reading one survey file into items: layouts, merges, ticks, agencies, boroughs."""

from __future__ import annotations

import pandas as pd

from lscb_analysis.survey import survey_ingest, survey_outputs, survey_result


def test_blank_rows_single_notes_and_a_notes_block_are_accounted(
    folder, write_xlsx, collect_row, non_blank_below, by_code, template
):
    rows = [
        template.collect,
        collect_row("Referrals"),
        [],
        [None, None, None, None, None, None, "Only this note"],
        collect_row("Re-referrals"),
        [None, None],
        ["Notes:"],
        ["1. Police data is late"],
        [None, "2. Health data provisional"],
    ]
    write_xlsx(folder / "SYNTHETIC_camden_return.xlsx", {template.sheet_collect: rows})
    result = survey_ingest.ingest_survey(folder)
    assert list(result.items["item"]) == ["Referrals", "Re-referrals"]
    assert set(result.items["borough"]) == {"Camden"}  # from the file name
    notes = by_code(result, "note_row")
    assert sorted(notes["row"]) == [4, 7, 8, 9]
    accounting = survey_outputs.row_accounting(result).iloc[0]
    assert accounting["non_blank_rows"] == non_blank_below(rows, 0) == 6
    assert accounting["item_rows"] + accounting["reported_rows"] == 6
    assert accounting["unaccounted"] == 0


def test_merged_cells_are_filled_and_a_merged_note_is_not_an_item(
    folder, write_xlsx, about, by_code, template
):
    rows = [
        template.collect,
        ["Referrals", "", "Met Police", "Monthly", "", "", "", 3, ""],
        ["Missing episodes", "", None, "Quarterly", "", "", "", 4, ""],
        ["Prevent referrals", "", None, "Annual", "", "", "", 2, ""],
        ["These figures are provisional"],
    ]
    merges = {template.sheet_collect: ["C2:C4", "A5:I5"]}
    write_xlsx(
        folder / "return.xlsx", {"About": about("Harrow"), template.sheet_collect: rows}, merges
    )
    result = survey_ingest.ingest_survey(folder)
    items = result.items
    assert list(items["item"]) == ["Referrals", "Missing episodes", "Prevent referrals"]
    assert list(items["agency_original"]) == ["Met Police"] * 3
    assert list(items["agency"]) == ["police"] * 3
    assert list(by_code(result, "note_row")["row"]) == [5]
    assert survey_outputs.row_accounting(result)["unaccounted"].eq(0).all()


def test_a_vertically_merged_item_gives_one_item_per_row(folder, write_xlsx, about, template):
    rows = [
        template.collect,
        ["Referrals", "", "CSC", "Monthly"],
        [None, "", "Police", "Monthly"],
        [None],
    ]
    write_xlsx(
        folder / "return.xlsx",
        {"About": about("Brent"), template.sheet_collect: rows},
        {template.sheet_collect: ["A2:A4"]},
    )
    result = survey_ingest.ingest_survey(folder)
    # Row 4 only holds the merged item from above: it is blank in the file, so not counted.
    assert list(result.items["item"]) == ["Referrals", "Referrals"]
    assert list(result.items["agency"]) == ["children's social care", "police"]
    assert survey_outputs.row_accounting(result).iloc[0]["non_blank_rows"] == 2


def test_ticks_and_an_own_layout_with_collected_and_would_like_columns(folder, write_xlsx, by_code):
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
    assert set(result.issues["code"]) <= set(survey_result.ISSUE_CODES)
    assert survey_outputs.row_accounting(result)["unaccounted"].eq(0).all()


def test_items_as_rows_under_section_headings(
    folder, write_xlsx, non_blank_below, by_code, template
):
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
    accounting = survey_outputs.row_accounting(result).iloc[0]
    assert accounting["non_blank_rows"] == non_blank_below(rows, 2) == 5
    assert accounting["unaccounted"] == 0


def test_free_text_agencies_and_values_that_match_nothing(
    folder, write_xlsx, about, collect_row, by_code, template
):
    rows = [
        template.collect,
        collect_row("A", "Met Police"),
        collect_row("B", "CSC"),
        collect_row("C", "PCT"),
        collect_row("D", "CAMHS"),
        collect_row("E", "YOT"),
        collect_row("F", "Police / CSC"),
        collect_row("G", "Local children's centres", "When the panel meets", "High"),
        collect_row("H", "n/a", "6 monthly", "4 - very useful"),
        collect_row("I", "LSCB", "Every quarter", 6),
        collect_row("J", "CSC", "Monthly", "3-4"),
    ]
    write_xlsx(folder / "return.xlsx", {"About": about("Ealing"), template.sheet_collect: rows})
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
    assert (items.loc["G", "frequency"], items.loc["G", "frequency_original"]) == (
        "",
        "When the panel meets",
    )
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


def test_several_boroughs_one_sheet_each_and_a_borough_column(
    folder, write_xlsx, about, collect_row, by_code, template
):
    sheets = {
        "About": about("Tri-borough board"),
        "Hammersmith & Fulham": [template.collect, collect_row("Referrals")],
        "RBKC": [template.collect, collect_row("Referrals"), collect_row("LADO")],
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
    assert survey_outputs.row_accounting(result)["unaccounted"].eq(0).all()


def test_the_about_sheet_names_the_borough_before_the_file_name(folder, template_return, by_code):
    template_return(folder / "SYNTHETIC_barnet_return.xlsx", board="Kensington & Chelsea")
    template_return(folder / "SYNTHETIC_enfield_return.xlsx", board="Narnia")
    result = survey_ingest.ingest_survey(folder)
    boroughs = result.returns.set_index("file")["borough"]
    assert boroughs["SYNTHETIC_barnet_return.xlsx"] == "Kensington and Chelsea"
    assert boroughs["SYNTHETIC_enfield_return.xlsx"] == "Enfield"
    assert len(by_code(result, "unknown_borough_name")) == 1


def test_a_wish_list_table_below_with_its_own_header_and_one_beside_are_tables_of_their_own(
    folder, write_xlsx, by_code
):
    """A main table, a 'Wish list' table below it with its own header row (whose item column
    is headed 'What we would like'), and a third table beside them after an empty column."""
    rows = [
        ["Data item", "Agency", "Frequency", "Usefulness", None, None, "Data we would like", "Why"],
        [
            "Number of LADO allegations",
            "CSC",
            "Quarterly",
            5,
            None,
            None,
            "Private fostering notifications",
            "Not recorded",
        ],
        ["Missing episodes", "Police", "Monthly", 4],
        [],
        ["Wish list"],
        ["What we would like", "Barrier", "Agency"],
        ["Young carers identified", "No system", "Education"],
        ["Return home interviews", "Information sharing", "Police"],
    ]
    write_xlsx(folder / "SYNTHETIC_barnet_return.xlsx", {"Barnet data": rows})
    result = survey_ingest.ingest_survey(folder)
    items = result.items.set_index("item")
    assert items["section"].to_dict() == {
        "Number of LADO allegations": "collects",
        "Missing episodes": "collects",
        "Young carers identified": "would_like",
        "Return home interviews": "would_like",
        "Private fostering notifications": "would_like",
    }
    # The header row below is a header, never an item; its columns are read as its own.
    assert "What we would like" not in items.index
    assert items.loc["Return home interviews", "barrier"] == "information sharing"
    assert items.loc["Young carers identified", "agency"] == "education"
    assert list(by_code(result, "repeated_header")["row"]) == [6]
    assert "from column G" in by_code(result, "second_table")["message"].iloc[0]
    # Each table is accounted for as a table of the sheet.
    tables = result.sheets[result.sheets["sheet"] == "Barnet data"]
    assert len(tables) == 2 and set(tables["kind"]) == {"data"}
    assert tables["table"].tolist() == ["from column A", "from column G"]
    accounting = survey_outputs.row_accounting(result).iloc[0]
    assert (accounting["non_blank_rows"], accounting["item_rows"]) == (7, 5)
    assert accounting["unaccounted"] == 0
