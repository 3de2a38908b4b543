"""The Phase I data-collection workbook that the consultant sends to every board.

:func:`write_survey_template` writes it with openpyxl from ``data/reference/survey.yaml``
(sheets, headers, code lists, reporting cycles, the usefulness scale and its words) and
``data/reference/candidate_indicators.csv`` (the candidate
indicators a board may say an item matches): an "About" sheet, "Data we collect", "Data we
would like", instructions, and a hidden lists sheet feeding the dropdowns. Headers are locked
(no password: anyone can read and fill it), coded columns have data validation, panes are
frozen, columns sized, and the pages print landscape on A4.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lscb_analysis.core import io, register
from lscb_analysis.protect import safe_files
from lscb_analysis.survey.survey_rules import usefulness_scale

SURVEY_CONFIG = "survey.yaml"
CANDIDATES_FILE = "candidate_indicators.csv"
LISTS_SHEET = "Lists"
INSTRUCTIONS_SHEET = "Instructions"
ENTRY_ROWS = 200  # rows left open for entries on each data sheet
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
ENTRY_FILL = PatternFill("solid", fgColor="FFF9E5")
# Which code list feeds each coded field's dropdown.
CODED_FIELDS = {"agency": "agency", "frequency": "frequency", "barrier": "barrier"}
COLUMN_WIDTHS = {
    "item": 38,
    "description": 40,
    "why_useful": 40,
    "why": 40,
    "comment": 40,
    "agency": 26,
    "frequency": 16,
    "barrier": 26,
    "indicator_code": 18,
    "usefulness": 14,
    "age_range": 14,
    "system": 22,
}


def survey_config() -> dict:
    """Return ``data/reference/survey.yaml`` (template layout, synonyms, code lists)."""
    return io.read_reference_yaml(SURVEY_CONFIG)


def candidate_indicators() -> pd.DataFrame:
    """Return the candidate indicators a board may match an item to.

    Returns:
        ``code, title, domain, source, public_indicator, agency, keywords`` (text).
    """
    return io.read_reference_csv(
        CANDIDATES_FILE,
        ["code", "title", "domain", "source", "public_indicator", "agency", "keywords"],
    )


def instructions_text(config: dict) -> list[str]:
    """Return the instruction lines printed on the template's first sheet."""
    collects = config["sections"]["collects"]["sheet"]
    would_like = config["sections"]["would_like"]["sheet"]
    return [
        "London safeguarding children boards: data-collection survey",
        "",
        "Thank you for helping map what data London's boards collect. Please:",
        "1. On the 'About' sheet, choose your board from the list and give a single point "
        "of contact.",
        f"2. On '{collects}', list each item of data your board receives now, one per row: "
        "what it is, which agency supplies it, how often, the ages it covers, the system or "
        f"format, why it is useful and how useful ({usefulness_scale(config).ends()}). If it "
        "matches one of the candidate indicators, choose its code.",
        f"3. On '{would_like}', list data you would like but find difficult to get, who holds "
        "it and what stops you.",
        "4. Use the dropdowns where there are some; if nothing fits, choose 'other' and say "
        "more in the comment.",
        "5. Please do not include any information about individual children or families: "
        "counts and descriptions of data only.",
        "6. Return the workbook by email to the project team, keeping the file as .xlsx.",
        "",
        f"Template version {config['template_version']}.",
    ]


def _style_header(sheet, labels: list[str], widths: list[int]) -> None:
    for column, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        cell = sheet.cell(row=1, column=column, value=label)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32


def _unlock(sheet, first_row: int, last_row: int, columns: int) -> None:
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, max_col=columns):
        for cell in row:
            cell.protection = Protection(locked=False)
            cell.fill = ENTRY_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _protect_and_print(sheet) -> None:
    safe_files.lock_form_sheet(sheet, "1:1")


def _write_lists(workbook: Workbook, config: dict, candidates: pd.DataFrame) -> dict[str, str]:
    """Write the hidden lists sheet; return list name -> defined name for validation."""
    lists = {
        "boroughs": [la.name for la in register.london_boroughs()],
        **{name: list(config["code_lists"][name]) for name in CODED_FIELDS.values()},
        "usefulness": usefulness_scale(config).choices(),
        "indicator_codes": [f"{row.code} {row.title}" for row in candidates.itertuples()],
    }
    names, _ = safe_files.write_lists_sheet(workbook, lists, LISTS_SHEET)
    return names


def _dropdown(sheet, list_name: str, cells: str, prompt: str) -> None:
    validation = DataValidation(
        type="list",
        formula1=f"={list_name}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not in the list",
        error="Choose from the list, or 'other' and explain in a comment.",
        promptTitle="Choose from the list",
        prompt=prompt,
    )
    sheet.add_data_validation(validation)
    validation.add(cells)


def write_survey_template(path: Path | str) -> Path:
    """Write the data-collection workbook and return its path.

    Sheets: ``Instructions``; ``About`` (labels in column A, answers in column B, the board
    chosen from the 33 London boroughs); the two data sheets named in survey.yaml (one header
    row, then open rows); ``Lists`` (hidden). Coded columns (agency, frequency, barrier,
    usefulness, matching indicator code, borough) carry dropdown validation.

    The reporting cycles (the frequency dropdown) and the usefulness scale with its words (its
    dropdown, prompt and the instructions) come from survey.yaml (``code_lists.frequency``,
    ``usefulness.scale``).

    Raises:
        RawDataWriteError: the path is under ``data/raw/``.
        ReferenceDataError: survey.yaml or the candidate list is missing or incomplete.
    """
    config = survey_config()
    candidates = candidate_indicators()
    target = io.ensure_writable(path)
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    for row, line in enumerate(instructions_text(config), start=1):
        cell = instructions.cell(row=row, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if row == 1:
            cell.font = Font(bold=True, size=14)
    instructions.column_dimensions["A"].width = 110
    _protect_and_print(instructions)

    about_config = config["about"]
    about = workbook.create_sheet(about_config["sheet"])
    names = _write_lists(workbook, config, candidates)
    scale = usefulness_scale(config)
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 48
    for row, (field, spec) in enumerate(about_config["fields"].items(), start=1):
        label = about.cell(row=row, column=1, value=spec["label"])
        label.font = Font(bold=True)
        answer = about.cell(row=row, column=2)
        if field == "template_version":
            answer.value = config["template_version"]
        else:
            answer.protection = Protection(locked=False)
            answer.fill = ENTRY_FILL
        if field == "borough":
            _dropdown(about, names["boroughs"], f"B{row}", "Your board's borough.")
        if field == "date":
            answer.number_format = "dd/mm/yyyy"
    _protect_and_print(about)

    for section in ("collects", "would_like"):
        spec = config["sections"][section]
        sheet = workbook.create_sheet(spec["sheet"])
        fields = list(spec["fields"])
        _style_header(
            sheet,
            [spec["fields"][f]["label"] for f in fields],
            [COLUMN_WIDTHS.get(f, 20) for f in fields],
        )
        _unlock(sheet, 2, ENTRY_ROWS + 1, len(fields))
        for column, field in enumerate(fields, start=1):
            letter = get_column_letter(column)
            cells = f"{letter}2:{letter}{ENTRY_ROWS + 1}"
            if field in CODED_FIELDS:
                _dropdown(
                    sheet,
                    names[CODED_FIELDS[field]],
                    cells,
                    f"Choose the {spec['fields'][field]['label'].lower()}.",
                )
            elif field == "usefulness":
                _dropdown(sheet, names["usefulness"], cells, f"{scale.describe()}.")
            elif field == "indicator_code":
                _dropdown(
                    sheet,
                    names["indicator_codes"],
                    cells,
                    "Optional: the candidate indicator this item matches.",
                )
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{ENTRY_ROWS + 1}"
        _protect_and_print(sheet)
    lists = workbook[LISTS_SHEET]
    workbook.move_sheet(lists, offset=len(workbook.sheetnames) - 1 - workbook.index(lists))
    workbook.active = 1  # open on "About"
    workbook.save(target)
    return target
