"""What the survey ingest returns: the columns of its tables, the states a file ends in, the
issue and rejection codes, and the :class:`SurveyIngest` result holding the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

SURVEY_CONFIG = "survey.yaml"
SECTIONS: tuple[str, ...] = ("collects", "would_like")
ITEM_COLUMNS: list[str] = [
    "borough",
    "la_number",
    "section",
    "item",
    "description",
    "agency",
    "agency_original",
    "frequency",
    "frequency_original",
    "age_range",
    "system",
    "why_useful",
    "usefulness",
    "usefulness_original",
    "indicator_code",
    "why",
    "barrier",
    "barrier_original",
    "comment",
    "collected_flag_original",
    "extra",
    "used",
    "file",
    "sha256",
    "sheet",
    "row",
    "table",
]
ISSUE_COLUMNS: list[str] = ["file", "sheet", "row", "column", "severity", "code", "message"]
RETURN_COLUMNS: list[str] = [
    "file",
    "sha256",
    "state",
    "reason",
    "borough",
    "la_number",
    "return_date",
    "modified",
    "sections_filled",
    "items_collects",
    "items_would_like",
    "used",
    "message",
]
SHEET_COLUMNS: list[str] = [
    "file",
    "sheet",
    "table",
    "kind",
    "section",
    "header_row",
    "non_blank_rows",
    "borough",
    "la_number",
]
ACCOUNTING_COLUMNS: list[str] = [
    "file",
    "sheet",
    "state",
    "header_row",
    "non_blank_rows",
    "item_rows",
    "reported_rows",
    "rejected_rows",
    "unaccounted",
]
STATES: tuple[str, ...] = ("ingested", "ingested_with_warnings", "rejected")
REJECTION_CODES: tuple[str, ...] = (
    "corrupt",
    "password_protected",
    "empty",
    "no_recognisable_sheet",
    "borough_not_identifiable",
    "identity_mismatch",
    "duplicate",
    "unsafe_workbook",
)
ROW_EXCLUSION_CODES: frozenset[str] = frozenset(
    {
        "note_row",
        "section_heading",
        "repeated_header",
        "missing_item",
        "not_collected",
        "unknown_borough",
    }
)
"""Issue codes that stand for a non-blank row below the header that was not read as an item."""
ISSUE_CODES: dict[str, str] = {
    # errors: the file was rejected (one issue per rejected file)
    "corrupt": "not a workbook, damaged, or not a spreadsheet at all",
    "password_protected": "encrypted with a password",
    "empty": "no data items (blank template, 0 bytes, or only notes and headings)",
    "no_recognisable_sheet": "no sheet has a header row naming a data item",
    "borough_not_identifiable": "no borough from the About sheet, file name, sheets or column",
    "identity_mismatch": "the file name names one borough and the About sheet another",
    "duplicate": "byte-identical to an earlier file (by name order), which is used",
    "unsafe_workbook": "over the workbook limits (size, zip bomb, rows, cells, XML entities)",
    # warnings: a row below the header that was not read as an item
    "note_row": "a single note, a merged note, or a row in a notes block",
    "section_heading": "a heading starting a section of items",
    "repeated_header": "a second header row; the rows below use its columns",
    "missing_item": "values but no data item",
    "not_collected": "tick columns say neither collected nor wanted",
    "unknown_borough": "the row's borough cell (or every fallback) names no London borough",
    # warnings: read, with something to check
    "unmapped_column": "a column no field matches (or a second column for a field): in extra",
    "unmapped_value": "an agency, frequency, barrier, tick or date matching no listed value",
    "usefulness_not_1_to_5": "usefulness is not a score or word of the usefulness scale",
    "text_above_header": "a title or note above the header row",
    "unmapped_about_row": "an About line that is none of the About questions",
    "unflagged_row": "neither tick column filled in; the sheet's default section was used",
    "unknown_borough_name": "the About sheet's board name is not one London borough",
    "borough_from_sheet": "a sheet named after another borough than the About sheet's",
    "superseded_return": "a later return for the same borough is used instead",
    "tied_return": "another return for the borough has the same date and file time: check",
    "sheet_not_recognised": "a sheet with content but no header row naming a data item",
    "wrong_extension": "the file's contents are another format than its name says",
    "macros_not_run": "the workbook holds macros; they were neither run nor kept",
    "external_link_ignored": "the workbook links to another file; not followed",
    "formula_without_value": "formula cells with no saved value read as blank",
}
"""Every issue code the ingest writes, with what it means (rejections first)."""


# --- public result ---------------------------------------------------------------------------


@dataclass
class SurveyIngest:
    """What :func:`ingest_survey` read.

    ``items`` (:data:`ITEM_COLUMNS`): one row per data item; ``issues``
    (:data:`ISSUE_COLUMNS`): everything not read as it stood, with what to do; ``returns``
    (:data:`RETURN_COLUMNS`): one row per file (per file and borough for a workbook holding
    several boroughs); ``sheets`` (:data:`SHEET_COLUMNS`): one row per sheet read, for
    :func:`row_accounting`.
    """

    items: pd.DataFrame
    issues: pd.DataFrame
    returns: pd.DataFrame
    sheets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SHEET_COLUMNS))
