"""Reading one returned feedback form on the best-fit model, cell by cell.

:func:`read_form` opens one file of ``data/raw/consultation/`` read-only, identifies the
version it comments on and the organisation
(:mod:`lscb_analysis.model.consultation_identity`), reads the respondent, the answer for each
PI (with the fingerprint of what the respondent saw of it) and the suggested new PIs, and
records every issue by sheet and cell. Free text that looks like a personal identifier is
withheld. :mod:`lscb_analysis.model.consultation` reads the folder with them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from lscb_analysis.core.errors import FeedbackFileError
from lscb_analysis.core.returned_workbook import read_xlsx_workbook
from lscb_analysis.core.returned_workbook_cells import ReturnedSheet, ReturnedWorkbook, cell_text
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.model import feedback_form
from lscb_analysis.model.consultation_config import CONFIG_FILE, FormContext, squeeze
from lscb_analysis.model.consultation_identity import (
    Form,
    cell_place,
    check_identity,
    file_modified,
    identify,
)
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT, describe_kinds
from lscb_analysis.survey import survey_rules
from lscb_analysis.survey.survey_ingest import normalise_key

_RESPONDENT_LABELS = {
    "organisation": "organisation",
    "organization": "organisation",
    "name and role": "name",
    "date": "date",
}
_FEEDBACK_FIELDS = {
    "pi id": "pi_id",
    "goal and cluster": "cluster",
    "title": "title",
    "definition": "definition",
    "current rating": "rating",
    "status": "status",
    "keep amend or remove": "choice",
    "suggested rating": "suggested_rating",
    "suggested wording": "suggested_wording",
    "comment": "comment",
}
_NEW_PI_FIELDS = {
    "title": "title",
    "definition": "definition",
    "numerator": "numerator",
    "denominator": "denominator",
    "agency holding the data": "data_agency",
    "why the board needs it": "why",
}
_CHECKED_TEXT = {
    "title": "title",
    "definition": "definition",
    "rating": "rating",
    "status": "status",
}


# --- small helpers ----------------------------------------------------------------------------


def _sheets(workbook: ReturnedWorkbook) -> dict[str, ReturnedSheet]:
    return {normalise_key(sheet.name): sheet for sheet in workbook.worksheets}


def _cell(row: list[Any], column: int | None) -> Any:
    return row[column] if column is not None and column < len(row) else None


def _date(value: Any) -> tuple[pd.Timestamp | None, bool]:
    """(date, read) from a Respondent date cell; read is False for text that is no date."""
    if value is None or cell_text(value) == "":
        return None, True
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value).normalize(), True
    parsed = pd.to_datetime(cell_text(value), dayfirst=True, errors="coerce")
    return (None, False) if pd.isna(parsed) else (pd.Timestamp(parsed).normalize(), True)


def _free_text(
    form: Form, context: FormContext, value: Any, sheet: str, cell: str, what: str
) -> tuple[str, str]:
    """(text to keep, kinds withheld): text that may hold an identifier is withheld."""
    text = cell_text(value)
    kinds = context.scan(text)
    if kinds:
        form.add(
            sheet,
            cell,
            "query",
            "identifier_withheld",
            f"{form.file} {cell_place(sheet, cell)}: the {what} may contain a personal "
            f"identifier ({describe_kinds(kinds)}); it is withheld from every output. Ask "
            "the respondent to remove it if their point needs it.",
        )
        return WITHHELD_TEXT, kinds
    return text, ""


# --- reading one form -------------------------------------------------------------------------


def _open(path: Path, context: FormContext) -> ReturnedWorkbook:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise FeedbackFileError(
            f"{path.name} is not an Excel workbook (.xlsx): the feedback form is read from the "
            "workbook it was sent as. Ask the sender to fill in the form and return it as "
            ".xlsx (a PDF, Word or CSV copy cannot be read); nothing else needs doing.",
            code="not_a_workbook",
        )
    return read_xlsx_workbook(path, context.limits, error=FeedbackFileError, sender="the sender")


def _respondent(form: Form, sheets: dict[str, Any], context: FormContext) -> None:
    sheet = sheets.get(normalise_key(feedback_form.RESPONDENT_SHEET))
    title = feedback_form.RESPONDENT_SHEET
    values: dict[str, tuple[Any, str]] = {}
    if sheet is not None:
        for r, row in enumerate(sheet.rows, start=1):
            label = _RESPONDENT_LABELS.get(normalise_key(_cell(row, 0) or ""))
            if label and label not in values:
                values[label] = (_cell(row, 1), f"B{r}")
    organisation, org_cell = values.get("organisation", (None, ""))
    text, kinds = _free_text(form, context, organisation, title, org_cell, "organisation")
    if kinds:
        form.organisation = WITHHELD_TEXT
    elif text:
        form.organisation, form.org_key = text, normalise_key(text)
        form.agency = context.agency_of(text)
        area = survey_rules.find_borough(text)
        form.borough = area.name if area is not None else ""
    else:
        form.add(
            title,
            org_cell,
            "error",
            "no_organisation",
            f"{form.file} {cell_place(title, org_cell)}: no organisation is given. The form "
            "is used, but it cannot be told apart from other forms (an earlier or later "
            "form from the same organisation is not superseded). Ask who sent it and "
            "have them return it with the organisation filled in.",
        )
    form.name_given = bool(cell_text(values.get("name", (None, ""))[0]))
    date_value, date_cell = values.get("date", (None, ""))
    form.date, read = _date(date_value)
    if not read:
        form.add(
            title,
            date_cell,
            "query",
            "date_not_read",
            f"{form.file} {cell_place(title, date_cell)}: the date is not a date; the file's "
            "modification time is used to tell which of two forms is later.",
        )


def _header(grid: list[list[Any]], names: dict[str, str]) -> tuple[int, dict[str, int]]:
    """(0-based header row, {field: 0-based column}) of the first row naming the most fields."""
    best = (-1, {})
    for r, row in enumerate(grid[:10]):
        mapped: dict[str, int] = {}
        for c, value in enumerate(row):
            name = names.get(normalise_key(value)) if cell_text(value) else None
            if name and name not in mapped:
                mapped[name] = c
        if len(mapped) > len(best[1]):
            best = (r, mapped)
    return best


def _feedback(
    form: Form, sheets: dict[str, Any], model: catalogue_module.Catalogue, context: FormContext
) -> None:
    title = feedback_form.FEEDBACK_SHEET
    sheet = sheets.get(normalise_key(title))
    if sheet is None:
        raise FeedbackFileError(
            f"{form.file} has no '{title}' sheet, where the answers go. Ask the respondent to "
            "fill in the form as sent (`lscb model feedback-form` writes a new one).",
            code="no_feedback_sheet",
        )
    grid = sheet.rows
    header, columns = _header(grid, _FEEDBACK_FIELDS)
    if "pi_id" not in columns or "choice" not in columns:
        raise FeedbackFileError(
            f"{form.file}: the '{title}' sheet has no 'PI id' or 'Keep, amend or remove' "
            "column heading in its first rows, so the answers cannot be read. Ask the "
            "respondent to return the form with its columns as sent.",
            code="feedback_layout",
        )
    letters = {name: get_column_letter(c + 1) for name, c in columns.items()}
    pis = model.pis.set_index("id")
    seen: dict[str, str] = {}
    for r in range(header + 1, len(grid)):
        row, number = grid[r], r + 1
        pi_id = cell_text(_cell(row, columns["pi_id"])).upper()
        answers = {
            name: _cell(row, columns.get(name))
            for name in ("choice", "suggested_rating", "suggested_wording", "comment")
        }
        answered = any(cell_text(v) for v in answers.values())
        pi_cell = f"{letters['pi_id']}{number}"
        if not pi_id:
            if answered:
                form.add(
                    title,
                    pi_cell,
                    "error",
                    "answer_without_pi",
                    f"{form.file} {cell_place(title, pi_cell)}: answers on a row with no PI "
                    "id are not used. Ask the respondent which PI they meant.",
                )
            continue
        if pi_id not in pis.index:
            form.add(
                title,
                pi_cell,
                "error",
                "unknown_pi",
                f"{form.file} {cell_place(title, pi_cell)}: PI {pi_id} is not in version "
                f"{model.version} of the best-fit model, so this row is not used. Ask the "
                "respondent which PI they meant (a new PI goes on 'Suggest a new PI').",
            )
            continue
        if pi_id in seen:
            form.add(
                title,
                pi_cell,
                "error",
                "duplicate_pi",
                f"{form.file} {cell_place(title, pi_cell)}: PI {pi_id} is answered again "
                f"(first on row {seen[pi_id]}); only the first row is used. Ask the "
                "respondent which answer stands.",
            )
            continue
        seen[pi_id] = str(number)
        _check_pi_text(form, row, columns, letters, number, pis.loc[pi_id], pi_id)
        form.responses.append(_response(form, context, answers, letters, number, pi_id))
    missing = [i for i in model.pis["id"] if i not in seen]
    if missing:
        shown = ", ".join(missing[:8]) + (
            f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        )
        form.add(
            title,
            "",
            "query",
            "pis_missing",
            f"{form.file}: {len(missing)} PI(s) of version {model.version} have no row "
            f"on the form ({shown}); they count as no answer. Nothing to do unless the "
            "respondent deleted rows they meant to answer.",
        )


def _check_pi_text(
    form: Form,
    row: list[Any],
    columns: dict[str, int],
    letters: dict[str, str],
    number: int,
    pi: pd.Series,
    pi_id: str,
) -> None:
    changed = [
        label
        for label, name in _CHECKED_TEXT.items()
        if name in columns
        and squeeze(cell_text(_cell(row, columns[name]))) != squeeze(cell_text(pi[name]))
    ]
    if changed:
        cell = f"{letters[_CHECKED_TEXT[changed[0]]]}{number}"
        form.add(
            feedback_form.FEEDBACK_SHEET,
            cell,
            "query",
            "pi_text_changed",
            f"{form.file} {cell_place(feedback_form.FEEDBACK_SHEET, cell)}: the "
            f"{' and '.join(changed)} of {pi_id} on the form differ from version "
            f"{form.version}. The answers are read against the catalogue's {pi_id}; check "
            "whether the respondent's comment is about an edited wording.",
        )


def _response(
    form: Form,
    context: FormContext,
    answers: dict[str, Any],
    letters: dict[str, str],
    number: int,
    pi_id: str,
) -> dict[str, Any]:
    sheet = feedback_form.FEEDBACK_SHEET
    cells = {name: f"{letters[name]}{number}" if name in letters else "" for name in answers}
    choice_text = squeeze(cell_text(answers["choice"]))
    choice = (
        next((c for c, words in context.config["choices"].items() if choice_text in words), "")
        if choice_text
        else ""
    )
    if choice_text and not choice:
        form.add(
            sheet,
            cells["choice"],
            "error",
            "unknown_choice",
            f"{form.file} {cell_place(sheet, cells['choice'])}: the answer for {pi_id} is not "
            "keep, amend or remove, so it counts as no answer. Ask the respondent to "
            "choose from the dropdown (words accepted are listed under choices: in "
            f"data/reference/{CONFIG_FILE}).",
        )
    rating_text = squeeze(cell_text(answers["suggested_rating"]))
    rating = context.ratings.get(rating_text, "") if rating_text else ""
    if rating_text and not rating:
        form.add(
            sheet,
            cells["suggested_rating"],
            "error",
            "unknown_rating",
            f"{form.file} {cell_place(sheet, cells['suggested_rating'])}: the suggested "
            f"rating for {pi_id} is not one of {', '.join(context.ratings.values())}; it "
            "is not counted. Ask the respondent to choose from the dropdown.",
        )
    wording, wording_kinds = _free_text(
        form,
        context,
        answers["suggested_wording"],
        sheet,
        cells["suggested_wording"],
        "suggested wording",
    )
    comment, comment_kinds = _free_text(
        form, context, answers["comment"], sheet, cells["comment"], "comment"
    )
    if choice == "amend" and not wording and not comment:
        form.add(
            sheet,
            cells["choice"],
            "query",
            "amend_without_wording",
            f"{form.file} {cell_place(sheet, cells['choice'])}: 'amend' for {pi_id} with no "
            "suggested wording or comment. Ask the respondent how they would amend it.",
        )
    return {
        "pi_id": pi_id,
        "fingerprint": form.fingerprints.get(pi_id, ""),
        "choice": choice,
        "suggested_rating": rating,
        "suggested_wording": wording,
        "comment": comment,
        "wording_withheld": wording_kinds,
        "comment_withheld": comment_kinds,
        "sheet": sheet,
        "row": number,
        "cell": cells["choice"],
    }


def _new_pis(form: Form, sheets: dict[str, Any], context: FormContext) -> None:
    title = feedback_form.NEW_PI_SHEET
    sheet = sheets.get(normalise_key(title))
    if sheet is None:
        return
    grid = sheet.rows
    header, columns = _header(grid, _NEW_PI_FIELDS)
    if not columns:
        return
    letters = {name: get_column_letter(c + 1) for name, c in columns.items()}
    for r in range(header + 1, len(grid)):
        row, number = grid[r], r + 1
        values = {name: _cell(row, columns.get(name)) for name in _NEW_PI_FIELDS.values()}
        if not any(cell_text(v) for v in values.values()):
            continue
        record: dict[str, Any] = {"sheet": title, "row": number}
        withheld = []
        for name in _NEW_PI_FIELDS.values():
            cell = f"{letters[name]}{number}" if name in letters else ""
            record[name], kinds = _free_text(
                form, context, values[name], title, cell, f"suggested PI's {name.replace('_', ' ')}"
            )
            if kinds:
                withheld.append(name)
        record["withheld"] = ", ".join(withheld)
        agency = record["data_agency"]
        if agency and agency != WITHHELD_TEXT:
            canonical = context.agencies.get(squeeze(agency)) or context.agency_of(agency)
            if canonical:
                record["data_agency"] = canonical
            else:
                cell = f"{letters['data_agency']}{number}"
                form.add(
                    title,
                    cell,
                    "query",
                    "unknown_agency",
                    f"{form.file} {cell_place(title, cell)}: the agency is not one of the "
                    "agency list; it is kept as written. Check which agency holds the "
                    "data.",
                )
        if not record["title"]:
            cell = f"{letters.get('title', 'A')}{number}"
            form.add(
                title,
                cell,
                "query",
                "new_pi_without_title",
                f"{form.file} {cell_place(title, cell)}: a suggested PI with no title; it "
                "is listed as written. Ask the respondent what to call it.",
            )
        form.new_pis.append(record)


def read_form(
    path: Path, sha: str, context: FormContext, name: str = "", folders: tuple[str, ...] = ()
) -> Form:
    """Read one returned form; raises FeedbackFileError (with its code) to reject it.

    Inputs: the file, its SHA-256, the ingest's :class:`FormContext`, ``name`` (the file as
    listed: its path under the consultation folder; "" for its name) and ``folders`` (the
    folders between the consultation folder and the file). Output: :class:`Form`.
    """
    form = Form(name or path.name, sha, file_modified(path))
    workbook = _open(path, context)
    sheets = _sheets(workbook)
    model = identify(form, sheets, context)
    _respondent(form, sheets, context)
    check_identity(form, form.file, folders, form.sent_to)
    _feedback(form, sheets, model, context)
    _new_pis(form, sheets, context)
    answered = any(
        r["choice"] or r["suggested_rating"] or r["suggested_wording"] or r["comment"]
        for r in form.responses
    )
    if not answered and not form.new_pis:
        raise FeedbackFileError(
            f"{form.file} holds no answer: no PI is marked keep, amend or remove, and no new "
            "PI is suggested (a blank form sent back?). Ask the respondent whether they meant "
            "to send a completed one.",
            code="empty",
        )
    for row in workbook.check.issues.itertuples(index=False):
        sheet = row.location if row.kind == "formula" else ""
        form.add(sheet, "", "query", str(row.kind), str(row.message))
    return form
