"""Finding and mapping a survey sheet's header rows."""

from __future__ import annotations

from lscb_analysis.survey import survey_ingest, survey_outputs


def test_renamed_headers_header_moved_down_and_duplicate_columns(
    folder, write_xlsx, by_code, state_of
):
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


def test_a_header_below_the_scanned_rows_is_not_found(
    folder, write_xlsx, about, collect_row, state_of, template
):
    rows = [[f"Preamble line {n}"] for n in range(31)] + [
        template.collect,
        collect_row("Referrals"),
    ]
    write_xlsx(folder / "return.xlsx", {"About": about("Bromley"), "Sheet1": rows})
    result = survey_ingest.ingest_survey(folder)
    assert state_of(result, "return.xlsx") == ("rejected", "no_recognisable_sheet")


def test_two_tables_on_one_sheet_and_a_row_without_an_item(folder, write_xlsx, by_code):
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
    assert survey_outputs.row_accounting(result).iloc[0]["unaccounted"] == 0
