"""The feedback form partners return on one version of the best-fit model.

:func:`write_feedback_form` writes it (``lscb model feedback-form``): a respondent sheet, one
feedback row per PI with dropdowns, open rows to suggest new PIs, and a hidden sheet naming
the version and the PI list's checksum, which :mod:`lscb_analysis.model.consultation` reads
back.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lscb_analysis.core import io
from lscb_analysis.model.catalogue import Catalogue, pi_checksum
from lscb_analysis.model.catalogue_enums import load_enums
from lscb_analysis.model.sheet_style import (
    ENTRY_FILL,
    TOP_WRAP,
    header_row,
    print_setup,
    protect,
    row_height,
)
from lscb_analysis.protect.safe_files import write_cell, write_lists_sheet

# The form's choices and sheet names; model.consultation_forms reads forms back by them.
FEEDBACK_CHOICES = ("keep", "amend", "remove")
FEEDBACK_SHEET = "Feedback"
RESPONDENT_SHEET = "Respondent"
MODEL_SHEET = "Model"
NEW_PI_SHEET = "Suggest a new PI"
NEW_PI_ROWS = 30
FINGERPRINT_FIELDS = ("definition", "numerator", "denominator", "rating")
"""What a respondent judged a PI by: a change to any of them asks the question again."""
FINGERPRINT_KEY = "pi_fingerprints"
"""The Model sheet's line holding ``id=fingerprint;...`` for every PI on the form."""
SENT_TO_KEY = "sent_to"
"""The Model sheet's line naming the organisation the form was sent to ("" for anyone)."""

FEEDBACK_COLUMNS: list[tuple[str, int]] = [
    ("PI id", 11),
    ("Goal and cluster", 26),
    ("Title", 34),
    ("Definition", 60),
    ("Current rating", 14),
    ("Status", 12),
    ("Keep, amend or remove", 14),
    ("Suggested rating", 16),
    ("Suggested wording", 40),
    ("Comment", 40),
]
"""Columns of the feedback sheet: (header, width); the last four are for the respondent."""


def write_feedback_form(catalogue: Catalogue, path: Path | str, sent_to: str = "") -> Path:
    """Write the feedback form partners return on one version of the best-fit model.

    Sheets: ``Respondent`` (instructions, then organisation, name and role, date to fill in);
    ``Feedback`` (one row per PI: the columns of :data:`FEEDBACK_COLUMNS`, with dropdowns for
    keep / amend / remove and the suggested rating, and open suggested wording and comment);
    ``Suggest a new PI`` (open rows); ``Model`` (hidden: model, version, date, PI count and
    :func:`pi_checksum`, so a returned form can be matched to its PI list; and each PI's
    :func:`pi_fingerprint`, so an answer can be carried to a later version when the PI did
    not change). Only the response
    cells are unlocked; sheets are protected without a password (anyone can read, sort and
    filter; nobody edits the PI text by accident). Panes are frozen below the headers.

    ``sent_to``: the organisation the form is for ("" for a form anyone may fill in); it is
    written on the Model sheet and the Respondent sheet's organisation box, and the ingest
    sets a returned form aside when the borough it names disagrees with the file name or the
    organisation written in (``identity_mismatch``).

    Output: the path written. Raises RawDataWriteError when ``path`` is under ``data/raw/``;
    CatalogueError when the code lists are missing.
    """
    target = io.ensure_writable(path)
    enums = load_enums()
    workbook = Workbook()
    respondent = workbook.active
    respondent.title = RESPONDENT_SHEET
    _write_respondent(respondent, catalogue, sent_to)

    sheet = workbook.create_sheet(FEEDBACK_SHEET)
    headers = [h for h, _ in FEEDBACK_COLUMNS]
    header_row(sheet, 1, headers, [w for _, w in FEEDBACK_COLUMNS])
    first_response = len(FEEDBACK_COLUMNS) - 3  # 1-based column of "Keep, amend or remove"
    row = 1
    for row, pi in enumerate(catalogue.pis.itertuples(index=False), start=2):
        values = [
            pi.id,
            f"{pi.cluster} {pi.cluster_title}",
            pi.title,
            pi.definition,
            pi.rating,
            pi.status,
        ]
        for column, value in enumerate(values, start=1):
            write_cell(sheet.cell(row=row, column=column), value).alignment = TOP_WRAP
        for column in range(first_response, len(FEEDBACK_COLUMNS) + 1):
            cell = sheet.cell(row=row, column=column)
            cell.protection = Protection(locked=False)
            cell.fill = ENTRY_FILL
            cell.alignment = TOP_WRAP
        sheet.row_dimensions[row].height = row_height([(pi.definition, 60), (pi.title, 34)])
    last = row
    lists = _write_lists(
        workbook,
        {
            "choices": list(FEEDBACK_CHOICES),
            "ratings": list(enums["ratings"]),
            "agencies": list(enums["agencies"]),
        },
    )
    choice_col = get_column_letter(first_response)
    rating_col = get_column_letter(first_response + 1)
    _dropdown(
        sheet,
        lists["choices"],
        f"{choice_col}2:{choice_col}{last}",
        "Keep the PI as it is, amend it (say how in the next columns) or remove it.",
    )
    _dropdown(
        sheet,
        lists["ratings"],
        f"{rating_col}2:{rating_col}{last}",
        "Only if you would rate the PI differently.",
    )
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(FEEDBACK_COLUMNS))}{last}"
    protect(sheet)
    print_setup(sheet, "1:1")

    _write_new_pi_sheet(workbook.create_sheet(NEW_PI_SHEET), lists["agencies"])
    _write_model_sheet(workbook.create_sheet(MODEL_SHEET), catalogue, sent_to)
    workbook.move_sheet(
        workbook["Lists"], offset=len(workbook.sheetnames) - 1 - workbook.sheetnames.index("Lists")
    )
    workbook.active = 0
    workbook.save(target)
    return target


def pi_fingerprint(pi: pd.Series | dict) -> str:
    """The fingerprint of what a respondent saw of one PI: 16 hex digits of a SHA-256.

    Input: one PI (a row of :attr:`~lscb_analysis.model.catalogue.Catalogue.pis`). The
    fields of :data:`FINGERPRINT_FIELDS` are compared as written, ignoring case and runs of
    spaces (a re-wrapped definition is the same PI; a changed word is not). Output: e.g.
    ``"3f9a0c1d2e4b5a69"``. Raises nothing (a missing field counts as empty).
    """
    parts = []
    for name in FINGERPRINT_FIELDS:
        value = pi.get(name) if hasattr(pi, "get") else None
        text = "" if value is None or (isinstance(value, float) and value != value) else value
        parts.append(" ".join(str(text).lower().split()))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def pi_fingerprints(catalogue: Catalogue) -> dict[str, str]:
    """{PI id: :func:`pi_fingerprint`} for every PI of a version, in catalogue order."""
    return {row["id"]: pi_fingerprint(row) for row in catalogue.pis.to_dict("records")}


def _write_lists(workbook: Workbook, lists: dict[str, list[str]]) -> dict[str, str]:
    """Write the hidden Lists sheet; return list name -> defined name for validation."""
    names, sheet = write_lists_sheet(workbook, lists)
    protect(sheet)
    return names


def _dropdown(sheet: Any, list_name: str, cells: str, prompt: str) -> None:
    validation = DataValidation(
        type="list",
        formula1=f"={list_name}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Not in the list",
        error="Choose from the list; say more in the Comment column.",
        promptTitle="Choose from the list",
        prompt=prompt,
        showInputMessage=True,
    )
    sheet.add_data_validation(validation)
    validation.add(cells)


def _write_respondent(sheet: Any, catalogue: Catalogue, sent_to: str) -> None:
    lines = [
        f"Best-fit model version {catalogue.version} ({catalogue.date.isoformat()}): feedback form",
        "",
        "Thank you for commenting on the draft minimal dataset. Please:",
        "1. Fill in the three yellow boxes below.",
        "2. On the 'Feedback' sheet, for each PI choose keep, amend or remove. If you would rate "
        "it differently, choose a suggested rating. If you would word it differently, write "
        "your wording; add any comment.",
        "3. On 'Suggest a new PI', describe any PI you think is missing, and which agency holds "
        "the data.",
        "4. Do not include information about individual children or families.",
        "5. Return the workbook as .xlsx, keeping its name and sheets: the hidden 'Model' sheet "
        "tells us which version you commented on.",
        "",
    ]
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 90
    for number, line in enumerate(lines, start=1):
        cell = write_cell(sheet.cell(row=number, column=1), line or None)
        cell.alignment = Alignment(wrap_text=False, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=14)
    first = len(lines) + 1
    write_cell(sheet.cell(row=first, column=1), "Respondent").font = Font(bold=True, size=12)
    for offset, label in enumerate(("Organisation", "Name and role", "Date"), start=1):
        row = first + offset
        write_cell(sheet.cell(row=row, column=1), label).font = Font(bold=True)
        answer = sheet.cell(row=row, column=2)
        answer.protection = Protection(locked=False)
        answer.fill = ENTRY_FILL
        if label == "Organisation" and sent_to:
            write_cell(answer, sent_to)
        if label == "Date":
            answer.number_format = "dd/mm/yyyy"
    protect(sheet)
    print_setup(sheet, "1:1")
    sheet.page_setup.orientation = "portrait"


def _write_new_pi_sheet(sheet: Any, agencies_list: str) -> None:
    headers = [
        ("Title", 34),
        ("Definition", 60),
        ("Numerator", 34),
        ("Denominator", 30),
        ("Agency holding the data", 24),
        ("Why the board needs it", 40),
    ]
    header_row(sheet, 1, [h for h, _ in headers], [w for _, w in headers])
    for row in range(2, NEW_PI_ROWS + 2):
        for column in range(1, len(headers) + 1):
            cell = sheet.cell(row=row, column=column)
            cell.protection = Protection(locked=False)
            cell.fill = ENTRY_FILL
            cell.alignment = TOP_WRAP
    _dropdown(sheet, agencies_list, f"E2:E{NEW_PI_ROWS + 1}", "The agency that holds the data.")
    sheet.freeze_panes = "A2"
    protect(sheet)
    print_setup(sheet, "1:1")


def _write_model_sheet(sheet: Any, catalogue: Catalogue, sent_to: str) -> None:
    rows = [
        ("model", "LSCB datasets best-fit model"),
        ("version", catalogue.version),
        ("date", catalogue.date.isoformat()),
        ("pis", len(catalogue.pis)),
        ("pi_ids", ";".join(catalogue.pis["id"])),
        ("checksum_sha256", pi_checksum(catalogue)),
        (
            FINGERPRINT_KEY,
            ";".join(f"{pi_id}={value}" for pi_id, value in pi_fingerprints(catalogue).items()),
        ),
        ("source_file", catalogue.path.name),
        (SENT_TO_KEY, sent_to),
    ]
    for number, (key, value) in enumerate(rows, start=1):
        write_cell(sheet.cell(row=number, column=1), key)
        write_cell(sheet.cell(row=number, column=2), value)
    sheet.sheet_state = "hidden"
    protect(sheet)
