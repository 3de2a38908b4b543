"""Consultation on the best-fit model: the returned feedback forms, read and summarised per PI.

Partners comment on a version of the model with the form :func:`lscb_analysis.model.catalogue.
write_feedback_form` writes (``lscb model feedback-form``): keep, amend or remove for each PI,
a suggested rating and wording, a comment, and suggested new PIs. Returned forms go in
``data/raw/consultation/`` exactly as received.

* :func:`ingest_feedback` reads every file there (read-only) and gives a :class:`FeedbackIngest`:
  ``responses`` (one row per form and PI), ``new_pis``, ``files`` (every file: used,
  superseded or rejected, with the reason) and ``issues`` (file, sheet, cell, severity, what to
  do). A form is matched to its PI list by the hidden ``Model`` sheet (version and
  :func:`~lscb_analysis.model.catalogue.pi_checksum`); a form for an unknown version, without the
  Model sheet, or whose PI list no longer matches its version is rejected with what to do.
  The same organisation answering the same version twice: the latest form (Respondent date,
  then file time, then name) is used and the earlier one is kept as ``superseded``.
* :func:`write_feedback_outputs` writes ``data/processed/consultation_*`` (``lscb model
  feedback``: :func:`run_feedback_command`).
* :func:`summarise_feedback` gives one row per PI: answers, the share supporting it (keep or
  amend) with a Wilson interval, suggested ratings, wording suggestions and a plain-English
  signal; thresholds and wording live in ``data/reference/consultation.yaml``.
  :func:`flagged_pis`, :func:`wording_suggestions`, :func:`new_pi_table`,
  :func:`respondents_by_agency` and :func:`support_table` feed the consultation notebook.

Privacy: the respondent's name is never kept (only whether one was given); free text that
looks like a personal identifier (:func:`lscb_analysis.protect.identifier_text.scan_text`) is replaced by
``[withheld: possible identifier]`` and listed by cell, never with its text. Logs hold counts
only.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import logging
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter, quote_sheetname

from lscb_analysis.core import io, paths, workbook_checks
from lscb_analysis.core.errors import (
    FeedbackFileError,
    ParameterError,
    ReferenceDataError,
)
from lscb_analysis.core.returned_workbook import read_xlsx_workbook
from lscb_analysis.core.returned_workbook_cells import ReturnedSheet, ReturnedWorkbook, cell_text
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.protect import safe_files
from lscb_analysis.protect.identifier_rules import load_identifier_config
from lscb_analysis.protect.identifier_text import (
    WITHHELD_TEXT,
    describe_kinds,
    identifier_kinds,
)
from lscb_analysis.stats.intervals import proportion_ci
from lscb_analysis.survey import survey_rules
from lscb_analysis.survey.survey_rules import normalise_key

LOGGER = logging.getLogger(__name__)

CONFIG_FILE = "consultation.yaml"
FOLDER = "consultation"
CHOICES = catalogue_module.FEEDBACK_CHOICES
NO_ANSWER = "no answer"
STATUSES = ("used", "superseded", "rejected")
SEVERITIES = ("error", "query")

RESPONSE_COLUMNS: list[str] = [
    "file",
    "organisation",
    "agency",
    "borough",
    "name_given",
    "version",
    "date",
    "pi_id",
    "choice",
    "suggested_rating",
    "suggested_wording",
    "comment",
    "wording_withheld",
    "comment_withheld",
    "used",
    "sheet",
    "row",
    "cell",
]
"""Columns of :attr:`FeedbackIngest.responses`; ``cell`` is the answer cell (e.g. ``G5``)."""
NEW_PI_COLUMNS: list[str] = [
    "file",
    "organisation",
    "agency",
    "version",
    "used",
    "title",
    "definition",
    "numerator",
    "denominator",
    "data_agency",
    "why",
    "withheld",
    "sheet",
    "row",
]
"""Columns of :attr:`FeedbackIngest.new_pis`; ``withheld`` names the fields withheld."""
FILE_COLUMNS: list[str] = [
    "file",
    "sha256",
    "status",
    "reason",
    "organisation",
    "agency",
    "borough",
    "name_given",
    "version",
    "date",
    "modified",
    "pis_answered",
    "new_pis",
    "errors",
    "queries",
    "message",
]
"""Columns of :attr:`FeedbackIngest.files`: one row per file in the folder."""
ISSUE_COLUMNS: list[str] = ["file", "sheet", "cell", "severity", "code", "message", "superseded"]
"""Columns of :attr:`FeedbackIngest.issues`; ``superseded`` is True for a superseded form's."""
SUMMARY_COLUMNS: list[str] = [
    "pi_id",
    "title",
    "rating",
    "status",
    "respondents",
    "keep",
    "amend",
    "remove",
    "no_answer",
    "answered",
    "support_share",
    "support_lower",
    "support_upper",
    "suggested_ratings",
    "wording_suggestions",
    "flagged",
    "reasons",
    "signal",
]
"""Columns of :func:`summarise_feedback`."""

ISSUE_CODES: dict[str, str] = {
    # errors that reject the whole file
    "not_a_workbook": "not an .xlsx/.xlsm workbook (PDF, Word, CSV, old .xls ...)",
    "unsafe_workbook": "failed the workbook safety checks (encrypted, zip bomb, too large)",
    "corrupt": "cannot be opened as a workbook",
    "duplicate": "byte-identical to an earlier file (by name order), which is used",
    "no_model_sheet": "no hidden Model sheet saying which version the form comments on",
    "model_sheet_damaged": "the Model sheet lacks the version or the checksum",
    "unknown_version": "the version on the Model sheet is not in best_fit_model/",
    "checksum_mismatch": "the PI list the form was written for differs from its version's",
    "no_feedback_sheet": "no Feedback sheet",
    "feedback_layout": "the Feedback sheet has no PI id or keep/amend/remove column",
    "empty": "no answer, suggestion or new PI at all",
    # errors in one cell (the file is used)
    "no_organisation": "the Respondent sheet names no organisation",
    "unknown_pi": "a PI id that is not in the form's version",
    "duplicate_pi": "a PI answered on two rows; the first is used",
    "answer_without_pi": "answers on a row with no PI id",
    "unknown_choice": "an answer other than keep, amend or remove",
    "unknown_rating": "a suggested rating that is not one of the ratings",
    # queries: used, with something to check
    "older_version": "the form comments on an older version of the model",
    "pis_missing": "PIs of the version with no row on the form (counted as no answer)",
    "pi_text_changed": "a PI's title, definition, rating or status edited on the form",
    "amend_without_wording": "amend chosen with no suggested wording or comment",
    "identifier_withheld": "text that may hold a personal identifier, withheld",
    "date_not_read": "the Respondent date is not a date",
    "new_pi_without_title": "a new PI suggestion with no title",
    "unknown_agency": "a new PI's agency that is not in the agency list",
    "macro": "the workbook holds macros; not run or kept",
    "external_link": "the workbook links to another file; not followed",
    "formula": "formula cells read with the values Excel last saved",
}
"""Every issue code the ingest writes, with what it means (file rejections first)."""

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
_SUMMARY_KEYS = (
    "confidence",
    "min_answers",
    "remove_share",
    "amend_share",
    "support_upper",
    "rating_share",
)
_MESSAGE_KEYS = ("few_answers", "low_support", "remove", "amend", "rating", "supported")
_FLAGGING = ("low_support", "remove", "amend", "rating")


# --- configuration ------------------------------------------------------------------------------


def load_config(path: Path | str | None = None) -> dict[str, Any]:
    """Read ``data/reference/consultation.yaml``: answer words, summary thresholds, wording.

    Input: ``path`` (None: ``data/reference/consultation.yaml``). Output: the mapping, with
    ``choices`` as {answer: set of accepted lower-case texts}. Raises ReferenceDataError
    naming the missing or unusable key and what to write.

    >>> load_config()["summary"]["remove_share"]
    0.25
    """
    file = Path(path) if path is not None else paths.reference_dir() / CONFIG_FILE
    config = io.read_yaml_mapping(file, "The consultation settings")
    for key in ("choices", "summary", "messages", "colours"):
        if not isinstance(config.get(key), dict):
            raise ReferenceDataError(
                f"{file} has no {key}: section; restore it from git (see the comments in "
                f"data/reference/{CONFIG_FILE})."
            )
    summary, messages = config["summary"], config["messages"]
    missing = [k for k in _SUMMARY_KEYS if k not in summary] + [
        f"messages.{k}" for k in _MESSAGE_KEYS if k not in messages
    ]
    if missing:
        raise ReferenceDataError(f"{file} lacks {', '.join(missing)}; add them.")
    for key in _SUMMARY_KEYS:
        value = summary[key]
        low, high = (0.9, 1.0) if key == "confidence" else (0.0, 1.0)
        if key == "min_answers":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ReferenceDataError(
                    f"{file}: summary.min_answers must be a whole number of 1 or more, not "
                    f"{value!r}; fix it."
                )
        elif (
            isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= high
        ):
            raise ReferenceDataError(
                f"{file}: summary.{key} must be a number above {low} and at most {high}, not "
                f"{value!r}; fix it."
            )
    choices: dict[str, set[str]] = {}
    for answer in CHOICES:
        words = config["choices"].get(answer) or []
        choices[answer] = {_squeeze(answer)} | {_squeeze(w) for w in words}
    config["choices"] = choices
    config["skip_files"] = list(config.get("skip_files") or [])
    return config


def consultation_folder() -> Path:
    """Return ``data/raw/consultation/``, where returned feedback forms are put as received."""
    return paths.raw_dir() / FOLDER


# --- the result -------------------------------------------------------------------------------


@dataclass
class FeedbackIngest:
    """What :func:`ingest_feedback` read.

    ``responses`` (:data:`RESPONSE_COLUMNS`): one row per form and PI row (answered or not);
    ``new_pis`` (:data:`NEW_PI_COLUMNS`); ``files`` (:data:`FILE_COLUMNS`): every file in the
    folder, ``status`` used, superseded or rejected; ``issues`` (:data:`ISSUE_COLUMNS`).
    """

    responses: pd.DataFrame
    new_pis: pd.DataFrame
    files: pd.DataFrame
    issues: pd.DataFrame

    @property
    def used(self) -> pd.DataFrame:
        """The responses of the forms in use (not superseded)."""
        return self.responses[self.responses["used"]]


@dataclass
class _Form:
    file: str
    sha256: str
    modified: pd.Timestamp
    status: str = "used"
    reason: str = ""
    message: str = ""
    organisation: str = ""
    org_key: str = ""
    agency: str = ""
    borough: str = ""
    name_given: bool = False
    version: str = ""
    date: pd.Timestamp | None = None
    responses: list[dict] = field(default_factory=list)
    new_pis: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)

    def add(self, sheet: str, cell: str, severity: str, code: str, message: str) -> None:
        self.issues.append(
            {
                "file": self.file,
                "sheet": sheet,
                "cell": cell,
                "severity": severity,
                "code": code,
                "message": message,
            }
        )


class _Context:
    """What every form of one ingest shares: settings, versions, catalogues, the scanner."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.limits = workbook_checks.load_workbook_limits()
        self.versions = catalogue_module.available_versions()
        self.latest = self.versions[-1] if self.versions else ""
        enums = catalogue_module.load_enums()
        self.ratings = {_squeeze(r): r for r in enums["ratings"]}
        self.agencies = {_squeeze(a): a for a in enums["agencies"]}
        self.agency_words = survey_rules.load_rules().codes.get("agency")
        self.scan_config = load_identifier_config()
        self.memo: dict[str, str] = {}
        self._catalogues: dict[str, catalogue_module.Catalogue] = {}

    def catalogue(self, version: str) -> catalogue_module.Catalogue:
        if version not in self._catalogues:
            self._catalogues[version] = catalogue_module.load_catalogue(version)
        return self._catalogues[version]

    def scan(self, text: str) -> str:
        return identifier_kinds(text, config=self.scan_config, memo=self.memo)

    def agency_of(self, text: str) -> str:
        if not text or self.agency_words is None:
            return ""
        return self.agency_words.match(text) or self.agency_words.contained(text)


# --- small helpers ----------------------------------------------------------------------------


def _squeeze(value: Any) -> str:
    return " ".join(str(value).lower().split())


def _where(sheet: str, cell: str) -> str:
    return f"{quote_sheetname(sheet)}!{cell}" if cell else f"sheet {quote_sheetname(sheet)}"


def _sheets(workbook: ReturnedWorkbook) -> dict[str, ReturnedSheet]:
    return {normalise_key(sheet.name): sheet for sheet in workbook.worksheets}


def _cell(row: list[Any], column: int | None) -> Any:
    return row[column] if column is not None and column < len(row) else None


def _modified(path: Path) -> pd.Timestamp:
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return pd.Timestamp(stamp.replace(tzinfo=None, microsecond=0))


def _date(value: Any) -> tuple[pd.Timestamp | None, bool]:
    """(date, read) from a Respondent date cell; read is False for text that is no date."""
    if value is None or cell_text(value) == "":
        return None, True
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value).normalize(), True
    parsed = pd.to_datetime(cell_text(value), dayfirst=True, errors="coerce")
    return (None, False) if pd.isna(parsed) else (pd.Timestamp(parsed).normalize(), True)


def _free_text(
    form: _Form, context: _Context, value: Any, sheet: str, cell: str, what: str
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
            f"{form.file} {_where(sheet, cell)}: the {what} may contain a personal "
            f"identifier ({describe_kinds(kinds)}); it is withheld from every output. Ask "
            "the respondent to remove it if their point needs it.",
        )
        return WITHHELD_TEXT, kinds
    return text, ""


# --- reading one form -------------------------------------------------------------------------


def _open(path: Path, context: _Context) -> ReturnedWorkbook:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise FeedbackFileError(
            f"{path.name} is not an Excel workbook (.xlsx): the feedback form is read from the "
            "workbook it was sent as. Ask the sender to fill in the form and return it as "
            ".xlsx (a PDF, Word or CSV copy cannot be read); nothing else needs doing.",
            code="not_a_workbook",
        )
    return read_xlsx_workbook(path, context.limits, error=FeedbackFileError, sender="the sender")


def _identify(form: _Form, sheets: dict[str, Any], context: _Context) -> catalogue_module.Catalogue:
    """The catalogue the form was written for, checked against the hidden Model sheet."""
    model_sheet = sheets.get(normalise_key(catalogue_module.MODEL_SHEET))
    if model_sheet is None:
        raise FeedbackFileError(
            f"{form.file} has no (hidden) '{catalogue_module.MODEL_SHEET}' sheet, which says "
            "which version of the best-fit model the form comments on: the answers were "
            "probably copied into another workbook. Ask the respondent to fill in the form as "
            "sent, or send a new one (`lscb model feedback-form`).",
            code="no_model_sheet",
        )
    meta = {
        cell_text(row[0]): row[1] for row in model_sheet.rows if len(row) > 1 and cell_text(row[0])
    }
    version, checksum = cell_text(meta.get("version")), cell_text(meta.get("checksum_sha256"))
    if not version or not checksum:
        raise FeedbackFileError(
            f"{form.file}: the '{catalogue_module.MODEL_SHEET}' sheet lacks the "
            f"{'version' if not version else 'checksum_sha256'} line, so the form cannot be "
            "matched to its PI list. Ask the respondent to return the form as sent, or send a "
            "new one (`lscb model feedback-form`).",
            code="model_sheet_damaged",
        )
    wanted = (
        catalogue_module.version_key(version)
        if catalogue_module.VERSION_PATTERN.match(version)
        else None
    )
    known = [v for v in context.versions if catalogue_module.version_key(v) == wanted]
    if not known:
        raise FeedbackFileError(
            f"{form.file}: the form comments on version {version} of the best-fit model, "
            f"which is not in data/reference/best_fit_model/ (versions there: "
            f"{', '.join(context.versions)}). If that version should exist, restore its YAML "
            "from git; otherwise send the respondent the current form (`lscb model "
            "feedback-form`).",
            code="unknown_version",
        )
    model = context.catalogue(known[0])
    form.version = model.version
    expected = catalogue_module.pi_checksum(model)
    if checksum != expected:
        ids = [i for i in cell_text(meta.get("pi_ids")).split(";") if i]
        now = list(model.pis["id"])
        added, gone = sorted(set(now) - set(ids)), sorted(set(ids) - set(now))
        detail = ""
        if ids and (added or gone):
            detail = (
                f" PIs in version {model.version} but not on the form: "
                f"{', '.join(added) or 'none'}; on the form but not in the version: "
                f"{', '.join(gone) or 'none'}."
            )
        raise FeedbackFileError(
            f"{form.file}: the form was written for a different PI list than version "
            f"{model.version} has now (checksum {checksum[:12]} on the form, {expected[:12]} "
            f"for {model.path.name}): the version's file was changed after the forms went "
            f"out, or the Model sheet was edited.{detail} Restore "
            f"data/reference/best_fit_model/{model.path.name} from git if it was changed by "
            "mistake; otherwise send the respondent the form for the current version "
            "(`lscb model feedback-form`).",
            code="checksum_mismatch",
        )
    if model.version != context.latest:
        form.add(
            catalogue_module.MODEL_SHEET,
            "",
            "query",
            "older_version",
            f"{form.file} comments on version {model.version} of the best-fit model; the "
            f"latest is {context.latest}. Its answers are summarised under "
            f"{model.version} (choose the version in the consultation notebook).",
        )
    return model


def _respondent(form: _Form, sheets: dict[str, Any], context: _Context) -> None:
    sheet = sheets.get(normalise_key(catalogue_module.RESPONDENT_SHEET))
    title = catalogue_module.RESPONDENT_SHEET
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
            f"{form.file} {_where(title, org_cell)}: no organisation is given. The form "
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
            f"{form.file} {_where(title, date_cell)}: the date is not a date; the file's "
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
    form: _Form, sheets: dict[str, Any], model: catalogue_module.Catalogue, context: _Context
) -> None:
    title = catalogue_module.FEEDBACK_SHEET
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
                    f"{form.file} {_where(title, pi_cell)}: answers on a row with no PI "
                    "id are not used. Ask the respondent which PI they meant.",
                )
            continue
        if pi_id not in pis.index:
            form.add(
                title,
                pi_cell,
                "error",
                "unknown_pi",
                f"{form.file} {_where(title, pi_cell)}: PI {pi_id} is not in version "
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
                f"{form.file} {_where(title, pi_cell)}: PI {pi_id} is answered again "
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
    form: _Form,
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
        and _squeeze(cell_text(_cell(row, columns[name]))) != _squeeze(cell_text(pi[name]))
    ]
    if changed:
        cell = f"{letters[_CHECKED_TEXT[changed[0]]]}{number}"
        form.add(
            catalogue_module.FEEDBACK_SHEET,
            cell,
            "query",
            "pi_text_changed",
            f"{form.file} {_where(catalogue_module.FEEDBACK_SHEET, cell)}: the "
            f"{' and '.join(changed)} of {pi_id} on the form differ from version "
            f"{form.version}. The answers are read against the catalogue's {pi_id}; check "
            "whether the respondent's comment is about an edited wording.",
        )


def _response(
    form: _Form,
    context: _Context,
    answers: dict[str, Any],
    letters: dict[str, str],
    number: int,
    pi_id: str,
) -> dict[str, Any]:
    sheet = catalogue_module.FEEDBACK_SHEET
    cells = {name: f"{letters[name]}{number}" if name in letters else "" for name in answers}
    choice_text = _squeeze(cell_text(answers["choice"]))
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
            f"{form.file} {_where(sheet, cells['choice'])}: the answer for {pi_id} is not "
            "keep, amend or remove, so it counts as no answer. Ask the respondent to "
            "choose from the dropdown (words accepted are listed under choices: in "
            f"data/reference/{CONFIG_FILE}).",
        )
    rating_text = _squeeze(cell_text(answers["suggested_rating"]))
    rating = context.ratings.get(rating_text, "") if rating_text else ""
    if rating_text and not rating:
        form.add(
            sheet,
            cells["suggested_rating"],
            "error",
            "unknown_rating",
            f"{form.file} {_where(sheet, cells['suggested_rating'])}: the suggested "
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
            f"{form.file} {_where(sheet, cells['choice'])}: 'amend' for {pi_id} with no "
            "suggested wording or comment. Ask the respondent how they would amend it.",
        )
    return {
        "pi_id": pi_id,
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


def _new_pis(form: _Form, sheets: dict[str, Any], context: _Context) -> None:
    title = catalogue_module.NEW_PI_SHEET
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
            canonical = context.agencies.get(_squeeze(agency)) or context.agency_of(agency)
            if canonical:
                record["data_agency"] = canonical
            else:
                cell = f"{letters['data_agency']}{number}"
                form.add(
                    title,
                    cell,
                    "query",
                    "unknown_agency",
                    f"{form.file} {_where(title, cell)}: the agency is not one of the "
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
                f"{form.file} {_where(title, cell)}: a suggested PI with no title; it "
                "is listed as written. Ask the respondent what to call it.",
            )
        form.new_pis.append(record)


def _read_form(path: Path, sha: str, context: _Context) -> _Form:
    """Read one returned form; raises FeedbackFileError (with its code) to reject it."""
    form = _Form(path.name, sha, _modified(path))
    workbook = _open(path, context)
    sheets = _sheets(workbook)
    model = _identify(form, sheets, context)
    _respondent(form, sheets, context)
    _feedback(form, sheets, model, context)
    _new_pis(form, sheets, context)
    answered = any(
        r["choice"] or r["suggested_rating"] or r["suggested_wording"] or r["comment"]
        for r in form.responses
    )
    if not answered and not form.new_pis:
        raise FeedbackFileError(
            f"{path.name} holds no answer: no PI is marked keep, amend or remove, and no new "
            "PI is suggested (a blank form sent back?). Ask the respondent whether they meant "
            "to send a completed one.",
            code="empty",
        )
    for row in workbook.check.issues.itertuples(index=False):
        sheet = row.location if row.kind == "formula" else ""
        form.add(sheet, "", "query", str(row.kind), str(row.message))
    return form


# --- the folder -------------------------------------------------------------------------------


def _supersede(forms: list[_Form]) -> None:
    """Per organisation and version, the latest form is used; earlier ones are superseded."""
    groups: dict[tuple[str, str], list[_Form]] = {}
    for form in forms:
        if form.status == "used" and form.org_key:
            groups.setdefault((form.org_key, form.version), []).append(form)

    def order(form: _Form) -> tuple:
        return (form.date if form.date is not None else pd.Timestamp.min, form.modified, form.file)

    for group in groups.values():
        latest = max(group, key=order)
        for form in group:
            if form is latest:
                continue
            if form.date is not None and latest.date is not None and form.date != latest.date:
                basis = (
                    f"dated {latest.date.date()} on its Respondent sheet, later than "
                    f"{form.date.date()}"
                )
            elif latest.modified != form.modified:
                basis = "saved later (file modification time)"
            else:
                basis = "later by file name (same date and time)"
            form.status, form.reason = "superseded", "superseded"
            form.message = (
                f"Replaced by {latest.file} from the same organisation on version "
                f"{form.version} ({basis}): its answers are kept with used = "
                "False. Nothing to do unless this form should count instead (then "
                "remove or re-date the other)."
            )


def ingest_feedback(
    folder: Path | str | None = None, *, config: dict | None = None
) -> FeedbackIngest:
    """Read every returned feedback form in ``folder`` (default ``data/raw/consultation/``).

    Inputs: ``folder``; ``config`` (None: :func:`load_config`). Files named in
    ``skip_files`` of consultation.yaml (README, SYNTHETIC.md, Excel lock files) are not
    forms and are listed nowhere; every other file ends used, superseded or rejected.
    Nothing is written and no file is changed.

    Output: :class:`FeedbackIngest` with

    * ``responses``: ``file, organisation, agency`` (from the organisation's words, through
      survey.yaml's agency list; "" when none matches), ``borough`` (when the organisation
      names one), ``name_given`` (bool; the name itself is never kept), ``version, date``
      (Respondent sheet), ``pi_id, choice`` (keep, amend, remove or "" for no answer),
      ``suggested_rating`` ("" or one of the ratings), ``suggested_wording, comment``
      (``[withheld: possible identifier]`` when they may hold one), ``wording_withheld,
      comment_withheld`` (kinds found, "" when none), ``used`` (False for a superseded form),
      ``sheet, row, cell``;
    * ``new_pis``: ``file, organisation, agency, version, used, title, definition,
      numerator, denominator, data_agency, why, withheld, sheet, row``;
    * ``files``: ``file, sha256, status, reason`` (a rejection code of :data:`ISSUE_CODES`,
      ``superseded``, or ""), ``organisation, agency, borough, name_given, version, date,
      modified, pis_answered, new_pis, errors, queries, message``;
    * ``issues``: ``file, sheet, cell, severity`` (error or query), ``code, message,
      superseded``; messages name the file, sheet and cell and say what to do, never quoting
      what the respondent wrote.

    Raises:
        FeedbackFileError: (code ``missing_folder``) the folder does not exist.
        ReferenceDataError: consultation.yaml, the catalogue, its code lists or the workbook
            limits are missing or invalid.
    """
    source = Path(folder) if folder is not None else consultation_folder()
    if not source.is_dir():
        raise FeedbackFileError(
            f"There is no folder of returned feedback forms at {source}. Put the forms there "
            "as they arrive (or run `lscb demo-data` for a synthetic set).",
            code="missing_folder",
        )
    context = _Context(config if config is not None else load_config())
    skip = [p.lower() for p in context.config["skip_files"]]
    paths_found = sorted(
        (
            p
            for p in source.iterdir()
            if p.is_file() and not any(fnmatch.fnmatch(p.name.lower(), s) for s in skip)
        ),
        key=lambda p: p.name,
    )
    forms: list[_Form] = []
    first_by_hash: dict[str, str] = {}
    for path in paths_found:
        sha = io.sha256_of(path)
        try:
            if sha in first_by_hash:
                raise FeedbackFileError(
                    f"{path.name} is byte-identical to {first_by_hash[sha]} (same SHA-256), so "
                    f"it was not read again; {first_by_hash[sha]} is used. Nothing to do "
                    "unless a different form was meant.",
                    code="duplicate",
                )
            first_by_hash[sha] = path.name
            form = _read_form(path, sha, context)
        except FeedbackFileError as error:
            form = _Form(
                path.name,
                sha,
                _modified(path),
                status="rejected",
                reason=error.code,
                message=str(error),
            )
            form.add("", "", "error", error.code, str(error))
        forms.append(form)
    _supersede(forms)
    result = _assemble(forms)
    counts = result.files["status"].value_counts()
    LOGGER.info(
        "Consultation ingest of %d file(s): %d used, %d superseded, %d rejected; %d "
        "PI answer row(s), %d new PI(s), %d issue(s).",
        len(forms),
        counts.get("used", 0),
        counts.get("superseded", 0),
        counts.get("rejected", 0),
        len(result.responses),
        len(result.new_pis),
        len(result.issues),
    )
    return result


def _assemble(forms: list[_Form]) -> FeedbackIngest:
    responses, new_pis, files, issues = [], [], [], []
    for form in forms:
        used = form.status == "used"
        base = {
            "file": form.file,
            "organisation": form.organisation,
            "agency": form.agency,
            "version": form.version,
            "used": used,
        }
        for record in form.responses:
            responses.append(
                {
                    **base,
                    "borough": form.borough,
                    "name_given": form.name_given,
                    "date": form.date,
                    **record,
                }
            )
        for record in form.new_pis:
            new_pis.append({**base, **record})
        for issue in form.issues:
            issues.append({**issue, "superseded": form.status == "superseded"})
        severities = [i["severity"] for i in form.issues]
        files.append(
            {
                "file": form.file,
                "sha256": form.sha256,
                "status": form.status,
                "reason": form.reason,
                "organisation": form.organisation,
                "agency": form.agency,
                "borough": form.borough,
                "name_given": form.name_given,
                "version": form.version,
                "date": form.date,
                "modified": form.modified,
                "pis_answered": sum(bool(r["choice"]) for r in form.responses),
                "new_pis": len(form.new_pis),
                "errors": severities.count("error"),
                "queries": severities.count("query"),
                "message": form.message,
            }
        )
    response_frame = pd.DataFrame(responses, columns=RESPONSE_COLUMNS)
    response_frame["date"] = pd.to_datetime(response_frame["date"])
    response_frame["row"] = response_frame["row"].astype(int)
    for column in ("used", "name_given"):
        response_frame[column] = response_frame[column].astype(bool)
    new_frame = pd.DataFrame(new_pis, columns=NEW_PI_COLUMNS)
    new_frame["used"] = new_frame["used"].astype(bool)
    new_frame["row"] = new_frame["row"].astype(int)
    file_frame = pd.DataFrame(files, columns=FILE_COLUMNS)
    file_frame["date"] = pd.to_datetime(file_frame["date"])
    file_frame["modified"] = pd.to_datetime(file_frame["modified"])
    for column in ("pis_answered", "new_pis", "errors", "queries"):
        file_frame[column] = file_frame[column].astype(int)
    file_frame["name_given"] = file_frame["name_given"].astype(bool)
    issue_frame = pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    issue_frame["superseded"] = issue_frame["superseded"].astype(bool)
    return FeedbackIngest(response_frame, new_frame, file_frame, issue_frame)


# --- writing and the command line ---------------------------------------------------------------


def write_feedback_outputs(
    result: FeedbackIngest, processed_dir: Path | str | None = None
) -> dict[str, Path]:
    """Write the ingest's tables to ``processed_dir`` (default ``data/processed/``).

    Writes ``consultation_responses.parquet`` and ``.csv``, ``consultation_new_pis.csv``,
    ``consultation_files.csv`` and ``consultation_issues.csv``; CSV text that could run as a
    formula in Excel is neutralised (:func:`lscb_analysis.protect.safe_files.write_safe_csv`).
    Output: ``{file name: path}``. Raises RawDataWriteError when the folder is under
    ``data/raw/``.
    """
    folder = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    parquet, csv = io.write_table(result.responses, folder / "consultation_responses")
    written = {
        "consultation_responses.parquet": parquet,
        "consultation_responses.csv": safe_files.write_safe_csv(result.responses, csv),
    }
    for name, table in (
        ("consultation_new_pis.csv", result.new_pis),
        ("consultation_files.csv", result.files),
        ("consultation_issues.csv", result.issues),
    ):
        written[name] = safe_files.write_safe_csv(table, folder / name)
    return written


def summary_line(result: FeedbackIngest) -> str:
    """One line on what an ingest found, for the command line and the notebook.

    Output: e.g. ``"15 form(s) read: 13 used, 1 superseded, 1 rejected; answers from 12
    organisation(s) on version 1.0 (12 forms), 0.3 (1); 2 new PI(s) suggested; 3 error(s) and
    9 query(ies)."``
    """
    files = result.files
    counts = files["status"].value_counts()
    used = files[files["status"] == "used"]
    by_version = used["version"].value_counts()
    versions = (
        ", ".join(
            f"{v} ({n} form{'s' if n != 1 else ''})"
            for v, n in sorted(
                by_version.items(),
                key=lambda item: catalogue_module.version_key(item[0]),
                reverse=True,
            )
        )
        or "none"
    )
    organisations = used.loc[used["organisation"] != "", "organisation"].nunique()
    current = result.issues[~result.issues["superseded"]]
    severities = current["severity"].value_counts()
    new = int(result.new_pis["used"].sum()) if len(result.new_pis) else 0
    return (
        f"{len(files)} form(s) read: {counts.get('used', 0)} used, "
        f"{counts.get('superseded', 0)} superseded, {counts.get('rejected', 0)} rejected; "
        f"answers from {organisations} organisation(s) on version {versions}; {new} new "
        f"PI(s) suggested; {severities.get('error', 0)} error(s) and "
        f"{severities.get('query', 0)} query(ies)."
    )


def run_feedback_command(folder: Path | str | None = None) -> int:
    """``lscb model feedback [DIR]``: read the returned forms, write the tables, report.

    Input: ``folder`` (None: ``data/raw/consultation/``). Prints :func:`summary_line` and
    where the tables went; each rejected file is listed on stderr with its reason and what
    to do. Output: the exit code, 0 when no file was rejected, 1 when some were (the others
    are read and written). Raises FeedbackFileError when the folder does not exist, and
    ReferenceDataError as :func:`ingest_feedback`.
    """
    result = ingest_feedback(folder)
    written = write_feedback_outputs(result)
    print(summary_line(result))
    print(
        f"Answers: {written['consultation_responses.parquet']}; files, issues and new PIs: "
        f"{written['consultation_files.csv'].parent}/consultation_*.csv."
    )
    rejected = result.files[result.files["status"] == "rejected"]
    for row in rejected.itertuples(index=False):
        print(f"REJECTED {row.file} ({row.reason}): {row.message}", file=sys.stderr)
    return 1 if len(rejected) else 0


# --- the summary for the steering group ---------------------------------------------------------


def check_version(version: str | None, result: FeedbackIngest) -> catalogue_module.Catalogue:
    """Check the consultation notebook's ``version`` parameter; return that catalogue.

    Input: ``version`` (e.g. ``"1.0"``; None: the latest version any used form commented on);
    ``result`` from :func:`ingest_feedback`. Output: the :class:`~lscb_analysis.model.catalogue.
    Catalogue`. Raises ParameterError naming ``version`` when no used form commented on it
    (the message lists the versions that were), or when no form was used at all.
    """
    used = result.files[result.files["status"] == "used"]
    versions = sorted(set(used["version"]), key=catalogue_module.version_key)
    if not versions:
        raise ParameterError(
            "Parameter 'version': no feedback form was used (see data/processed/"
            "consultation_files.csv for why each was rejected), so there is nothing to "
            "summarise. Put returned forms in data/raw/consultation/."
        )
    if version is None:
        return catalogue_module.load_catalogue(versions[-1])
    wanted = (
        catalogue_module.version_key(str(version))
        if catalogue_module.VERSION_PATTERN.match(str(version))
        else None
    )
    match = [v for v in versions if catalogue_module.version_key(v) == wanted]
    if not match:
        raise ParameterError(
            f"Parameter 'version': no used feedback form commented on version {version!r}. "
            f"Forms commented on: {', '.join(versions)}; use one of those, or None for the "
            "latest."
        )
    return catalogue_module.load_catalogue(match[0])


def _pct(value: float) -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.0%}"
    )


def _signal(
    row: dict[str, Any], others: dict[str, int], settings: dict, messages: dict
) -> tuple[list[str], list[str], str, int]:
    """(reason codes, messages, most suggested other rating, its count) for one PI."""
    answered = row["answered"]
    if answered < settings["min_answers"]:
        return ["few_answers"], [messages["few_answers"]], "", 0
    share = {name: row[name] / answered for name in CHOICES}
    top_rating, count = max(others.items(), key=lambda item: item[1]) if others else ("", 0)
    applies = {
        "low_support": row["support_upper"] < settings["support_upper"],
        "remove": share["remove"] >= settings["remove_share"],
        "amend": share["amend"] >= settings["amend_share"],
        "rating": bool(top_rating) and count / answered >= settings["rating_share"],
    }
    reasons = [code for code in _FLAGGING if applies[code]]
    texts = [messages[code] for code in reasons] or [messages["supported"]]
    return reasons, texts, top_rating, count


def summarise_feedback(
    responses: pd.DataFrame, catalogue: catalogue_module.Catalogue, config: dict | None = None
) -> pd.DataFrame:
    """One row per PI of a version: what the forms in use said about it.

    Inputs: ``responses`` (:attr:`FeedbackIngest.responses`; only rows with ``used`` True and
    ``version`` equal to the catalogue's count); ``catalogue`` (the version commented on);
    ``config`` (None: :func:`load_config`).

    Output: columns :data:`SUMMARY_COLUMNS`, one row per PI in catalogue order: ``pi_id,
    title, rating, status``; ``respondents`` (forms in use for the version); ``keep, amend,
    remove``; ``no_answer`` (respondents - answered); ``answered``; ``support_share`` ((keep
    + amend) / answered, 0-1) with ``support_lower`` and ``support_upper`` (Wilson interval
    at ``summary.confidence``; NaN when nobody answered); ``suggested_ratings`` (other ratings
    suggested, most first, e.g. ``"critical 2; priority outcome 1"``; a suggestion equal to
    the current rating is not counted); ``wording_suggestions`` (answers with a suggested
    wording); ``flagged`` (bool: for the steering group); ``reasons`` (codes, "; "-joined:
    low_support, remove, amend, rating, or few_answers); ``signal`` (plain English, from
    ``messages`` in consultation.yaml). Raises ReferenceDataError when ``config`` is None
    and consultation.yaml is missing or invalid.
    """
    config = config if config is not None else load_config()
    settings, messages = config["summary"], config["messages"]
    mine = responses[responses["used"] & (responses["version"] == catalogue.version)]
    respondents = int(mine["file"].nunique())
    counts = (
        mine.groupby(["pi_id", "choice"]).size().unstack(fill_value=0)
        if len(mine)
        else pd.DataFrame()
    )
    rows = []
    for pi in catalogue.pis.itertuples(index=False):
        tally = {
            name: int(counts.at[pi.id, name])
            if pi.id in counts.index and name in counts.columns
            else 0
            for name in CHOICES
        }
        answers = mine[mine["pi_id"] == pi.id]
        suggested = answers.loc[
            (answers["suggested_rating"] != "") & (answers["suggested_rating"] != pi.rating),
            "suggested_rating",
        ].value_counts()
        others = {str(k): int(v) for k, v in suggested.items()}
        answered = sum(tally.values())
        rows.append(
            {
                "pi_id": pi.id,
                "title": pi.title,
                "rating": pi.rating,
                "status": pi.status,
                "respondents": respondents,
                **tally,
                "no_answer": respondents - answered,
                "answered": answered,
                "support": tally["keep"] + tally["amend"],
                "suggested_ratings": "; ".join(f"{k} {v}" for k, v in others.items()),
                "wording_suggestions": int((answers["suggested_wording"] != "").sum()),
                "_others": others,
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    answered = frame["answered"].to_numpy(dtype=float)
    interval = proportion_ci(
        np.where(answered > 0, frame["support"], np.nan),
        np.where(answered > 0, answered, np.nan),
        confidence=settings["confidence"],
        multiplier=1,
    )
    frame["support_share"] = interval["value"].to_numpy()
    frame["support_lower"] = interval["lower"].to_numpy()
    frame["support_upper"] = interval["upper"].to_numpy()
    flagged, reasons, signals = [], [], []
    for row in frame.to_dict("records"):
        codes, texts, top_rating, count = _signal(row, row["_others"], settings, messages)
        values = {
            **row,
            "support_pct": _pct(row["support_share"]),
            "lower_pct": _pct(row["support_lower"]),
            "upper_pct": _pct(row["support_upper"]),
            "remove_pct": _pct(row["remove"] / row["answered"]) if row["answered"] else "n/a",
            "amend_pct": _pct(row["amend"] / row["answered"]) if row["answered"] else "n/a",
            "rating": top_rating,
            "count": count,
        }
        flagged.append(any(code in _FLAGGING for code in codes))
        reasons.append("; ".join(codes))
        signals.append(" ".join(" ".join(text.format(**values).split()) for text in texts))
    frame["flagged"], frame["reasons"], frame["signal"] = flagged, reasons, signals
    return frame[SUMMARY_COLUMNS].reset_index(drop=True)


def flagged_pis(summary: pd.DataFrame) -> pd.DataFrame:
    """The PIs for the steering group: ``pi_id, title, rating, keep, amend, remove,
    answered, support`` (e.g. ``"40% (17% to 69%)"``) and ``signal``, flagged rows only, in
    catalogue order. Input: :func:`summarise_feedback`'s table. Raises nothing."""
    rows = summary[summary["flagged"]].copy()
    rows["support"] = [_support_text(r) for r in rows.itertuples(index=False)]
    return rows[
        ["pi_id", "title", "rating", "keep", "amend", "remove", "answered", "support", "signal"]
    ].reset_index(drop=True)


def _support_text(row: Any) -> str:
    if not row.answered:
        return "n/a"
    return f"{_pct(row.support_share)} ({_pct(row.support_lower)} to {_pct(row.support_upper)})"


def support_display(summary: pd.DataFrame) -> pd.DataFrame:
    """The per-PI table for the report: ``PI, title, rating, keep, amend, remove, no answer,
    support (95% interval), suggested ratings, wordings, signal``. Input:
    :func:`summarise_feedback`'s table. Raises nothing."""
    return pd.DataFrame(
        {
            "PI": summary["pi_id"],
            "title": summary["title"],
            "rating": summary["rating"],
            "keep": summary["keep"],
            "amend": summary["amend"],
            "remove": summary["remove"],
            "no answer": summary["no_answer"],
            "support (interval)": [_support_text(r) for r in summary.itertuples(index=False)],
            "suggested ratings": summary["suggested_ratings"],
            "wordings": summary["wording_suggestions"],
            "signal": summary["signal"],
        }
    )


def support_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Shares of the forms in use answering keep, amend, remove or nothing, per PI, for
    :func:`lscb_analysis.present.plots.category_bars`: index ``"<id> <title>"`` (title cut to 45
    characters), columns keep, amend, remove, ``no answer`` (each row sums to 1; all 0 when
    there were no respondents). Raises nothing."""
    labels = [
        f"{r.pi_id} {r.title if len(r.title) <= 45 else r.title[:44] + '…'}"
        for r in summary.itertuples(index=False)
    ]
    counts = summary[list(CHOICES) + ["no_answer"]].to_numpy(dtype=float)
    total = summary["respondents"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total[:, None] > 0, counts / total[:, None], 0.0)
    return pd.DataFrame(shares, index=labels, columns=[*CHOICES, NO_ANSWER])


def support_finding(summary: pd.DataFrame) -> str:
    """A chart title stating the finding, e.g. ``"36 of 39 PIs have majority support; 5 are
    flagged for the steering group"``. Raises nothing."""
    majority = int((summary["support_share"] > 0.5).sum())
    flagged = int(summary["flagged"].sum())
    return (
        f"{majority} of {len(summary)} PIs have majority support; {flagged} "
        f"{'is' if flagged == 1 else 'are'} flagged for the steering group"
    )


def wording_suggestions(
    responses: pd.DataFrame, catalogue: catalogue_module.Catalogue
) -> pd.DataFrame:
    """Every suggested wording and comment on the version's PIs, from the forms in use.

    Output: columns ``PI, title, organisation, answer, suggested rating, suggested wording,
    comment``, in catalogue order then organisation; rows with neither a wording nor a
    comment are left out. Withheld text shows as ``[withheld: possible identifier]``.
    Raises nothing.
    """
    mine = responses[
        responses["used"]
        & (responses["version"] == catalogue.version)
        & ((responses["suggested_wording"] != "") | (responses["comment"] != ""))
    ]
    order = {pi_id: n for n, pi_id in enumerate(catalogue.pis["id"])}
    titles = catalogue.pis.set_index("id")["title"]
    mine = mine.assign(_order=mine["pi_id"].map(order)).sort_values(["_order", "organisation"])
    return pd.DataFrame(
        {
            "PI": mine["pi_id"],
            "title": mine["pi_id"].map(titles),
            "organisation": mine["organisation"].replace("", "(not given)"),
            "answer": mine["choice"].replace("", NO_ANSWER),
            "suggested rating": mine["suggested_rating"],
            "suggested wording": mine["suggested_wording"],
            "comment": mine["comment"],
        }
    ).reset_index(drop=True)


def new_pi_table(new_pis: pd.DataFrame) -> pd.DataFrame:
    """The new PIs suggested on the forms in use: ``organisation, title, definition,
    numerator, denominator, agency holding the data, why``. Raises nothing."""
    mine = new_pis[new_pis["used"]]
    return pd.DataFrame(
        {
            "organisation": mine["organisation"].replace("", "(not given)"),
            "title": mine["title"],
            "definition": mine["definition"],
            "numerator": mine["numerator"],
            "denominator": mine["denominator"],
            "agency holding the data": mine["data_agency"],
            "why": mine["why"],
        }
    ).reset_index(drop=True)


def respondents_by_agency(files: pd.DataFrame) -> pd.DataFrame:
    """Forms by the respondent's agency: ``agency, used, superseded, rejected, total``.

    Input: :attr:`FeedbackIngest.files`. The agency is read from the organisation's name
    (``"not identified"`` when no agency word matches; ``"no organisation"`` when blank;
    rejected files whose form could not be read count under ``"not read"``). Sorted by forms
    used, most first. Raises nothing.
    """
    agency = files["agency"].where(files["agency"] != "", "not identified")
    agency = agency.where(files["organisation"] != "", "no organisation")
    agency = agency.where(
        ~((files["status"] == "rejected") & (files["organisation"] == "")), "not read"
    )
    table = pd.crosstab(agency, files["status"]).reindex(columns=list(STATUSES), fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.sort_values(["used", "total"], ascending=False)
    table.index.name = "agency"
    return table.reset_index()


def support_by_agency(
    responses: pd.DataFrame, catalogue: catalogue_module.Catalogue
) -> pd.DataFrame:
    """Answers on the version's PIs by the respondent's agency: ``agency, forms, keep,
    amend, remove, answered, support`` (share keep or amend, as text). Raises nothing."""
    mine = responses[responses["used"] & (responses["version"] == catalogue.version)]
    agency = mine["agency"].where(mine["agency"] != "", "not identified")
    agency = agency.where(mine["organisation"] != "", "no organisation")
    rows = []
    for name, group in mine.groupby(agency):
        tally = {c: int((group["choice"] == c).sum()) for c in CHOICES}
        answered = sum(tally.values())
        support = (tally["keep"] + tally["amend"]) / answered if answered else float("nan")
        rows.append(
            {
                "agency": name,
                "forms": group["file"].nunique(),
                **tally,
                "answered": answered,
                "support": _pct(support),
            }
        )
    return pd.DataFrame(rows, columns=["agency", "forms", *CHOICES, "answered", "support"])


def file_outcomes(result: FeedbackIngest) -> pd.DataFrame:
    """Every file and what happened to it: ``file, status, organisation, version, answers,
    new PIs, errors, queries, why`` (the rejection or supersession message). Raises
    nothing."""
    files = result.files
    return pd.DataFrame(
        {
            "file": files["file"],
            "status": files["status"],
            "organisation": files["organisation"],
            "version": files["version"],
            "answers": files["pis_answered"],
            "new PIs": files["new_pis"],
            "errors": files["errors"],
            "queries": files["queries"],
            "why": files["message"],
        }
    )


def issue_table(issues: pd.DataFrame) -> pd.DataFrame:
    """The issues of the forms in use and the rejected ones (a superseded form's are left
    out): ``file, where`` (``'Feedback'!G5``), ``severity, code, message``, errors first.
    Raises nothing."""
    mine = issues[~issues["superseded"]].copy()
    mine["where"] = [
        _where(s, c) if s else "" for s, c in zip(mine["sheet"], mine["cell"], strict=True)
    ]
    mine["_rank"] = mine["severity"].map({"error": 0, "query": 1})
    mine = mine.sort_values(["_rank", "file"], kind="stable")
    return mine[["file", "where", "severity", "code", "message"]].reset_index(drop=True)


def headlines(result: FeedbackIngest, summary: pd.DataFrame) -> dict[str, Any]:
    """Headline values for the report index: forms used and PIs flagged. Raises nothing."""
    used = int((result.files["status"] == "used").sum())
    return {
        "Forms used": f"{used} of {len(result.files)}",
        "PIs flagged": int(summary["flagged"].sum()),
    }
