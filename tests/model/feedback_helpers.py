"""Returned feedback forms built for the model tests: the real form, filled in with openpyxl."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from io import BytesIO
from pathlib import Path

import openpyxl

from lscb_analysis.model import catalogue, feedback_form

LATEST = catalogue.available_versions()[-1]


@functools.lru_cache(maxsize=4)
def _blank(version: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = feedback_form.write_feedback_form(
            catalogue.load_catalogue(version), Path(folder) / "form.xlsx"
        )
        return path.read_bytes()


def pi_row(sheet, pi_id: str) -> int:
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == pi_id)


def make_form(
    folder: Path,
    name: str,
    *,
    version: str = LATEST,
    organisation="Barnet Police",
    name_role="A. Lead, analyst",
    date=dt.datetime(2026, 3, 2),
    answers: dict | None = None,
    new_pis: list | None = None,
    edit=None,
) -> Path:
    """A returned form: answers {pi_id: (choice, rating, wording, comment)}; edit(workbook)."""
    workbook = openpyxl.load_workbook(BytesIO(_blank(version)))
    respondent = workbook[feedback_form.RESPONDENT_SHEET]
    for row in respondent.iter_rows(min_col=1, max_col=2):
        value = {"Organisation": organisation, "Name and role": name_role, "Date": date}.get(
            row[0].value
        )
        if value is not None:
            row[1].value = value
    sheet = workbook[feedback_form.FEEDBACK_SHEET]
    for pi_id, values in (answers or {}).items():
        r = pi_row(sheet, pi_id)
        for offset, value in enumerate(values):
            if value:
                cell = sheet.cell(r, 7 + offset)
                cell.value = value
                cell.data_type = "s" if isinstance(value, str) else cell.data_type
    for r, values in enumerate(new_pis or [], start=2):
        for c, value in enumerate(values, start=1):
            workbook[feedback_form.NEW_PI_SHEET].cell(r, c).value = value
    if edit is not None:
        edit(workbook)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    workbook.save(path)
    return path
