"""A returned feedback form, and which version and organisation it is from.

:class:`Form` is what was read from one returned file. :func:`identify` matches a form to its
version of the best-fit model by the hidden ``Model`` sheet (version, checksum, and each
PI's fingerprint: what the respondent saw, so answers can carry to a later version);
:func:`check_identity` sets a form aside when its file name, folders and organisation name
different boroughs. :mod:`lscb_analysis.model.consultation_forms` reads the rest of the form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import quote_sheetname

from lscb_analysis.core.errors import FeedbackFileError
from lscb_analysis.core.returned_workbook_cells import cell_text
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.model import feedback_form
from lscb_analysis.model.consultation_config import FormContext
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT
from lscb_analysis.survey import survey_rules
from lscb_analysis.survey.survey_ingest import normalise_key


@dataclass
class Form:
    """What was read from one returned file: its status, respondent, answers and issues."""

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
    fingerprints: dict[str, str] = field(default_factory=dict)
    fingerprint_source: str = ""
    sent_to: str = ""
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


def cell_place(sheet: str, cell: str) -> str:
    """A cell for messages, as Excel writes it: ``'Feedback'!G5`` (no cell: the sheet)."""
    return f"{quote_sheetname(sheet)}!{cell}" if cell else f"sheet {quote_sheetname(sheet)}"


def file_modified(path: Path) -> pd.Timestamp:
    """The file's modification time (UTC, to the second, without a time zone)."""
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return pd.Timestamp(stamp.replace(tzinfo=None, microsecond=0))


def identify(
    form: Form, sheets: dict[str, Any], context: FormContext
) -> catalogue_module.Catalogue:
    """The catalogue the form was written for, checked against the hidden Model sheet."""
    model_sheet = sheets.get(normalise_key(feedback_form.MODEL_SHEET))
    if model_sheet is None:
        raise FeedbackFileError(
            f"{form.file} has no (hidden) '{feedback_form.MODEL_SHEET}' sheet, which says "
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
            f"{form.file}: the '{feedback_form.MODEL_SHEET}' sheet lacks the "
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
    _fingerprints(form, cell_text(meta.get(feedback_form.FINGERPRINT_KEY)), model)
    form.sent_to = cell_text(meta.get(feedback_form.SENT_TO_KEY))
    if model.version != context.latest:
        form.add(
            feedback_form.MODEL_SHEET,
            "",
            "query",
            "older_version",
            f"{form.file} comments on version {model.version} of the best-fit model; the "
            f"latest is {context.latest}. Its answers are summarised under "
            f"{model.version} (choose the version in the consultation notebook).",
        )
    return model


def _fingerprints(form: Form, text: str, model: catalogue_module.Catalogue) -> None:
    """What the respondent saw of each PI: from the Model sheet, or from the version named.

    Forms written before forms carried fingerprints (no ``pi_fingerprints`` line) are
    fingerprinted from the version they name, as its file is now (its checksum matched, so
    its PI list is the one the respondent saw), and a query says so.
    """
    known = feedback_form.pi_fingerprints(model)
    pairs = [part.split("=", 1) for part in text.split(";") if "=" in part]
    found = {pi_id.strip().upper(): value.strip() for pi_id, value in pairs}
    if found and set(found) == set(known):
        form.fingerprints, form.fingerprint_source = found, "form"
        return
    form.fingerprints = known
    form.fingerprint_source = f"version {model.version}"
    damaged = " (the line is damaged)" if text else ""
    form.add(
        feedback_form.MODEL_SHEET,
        "",
        "query",
        "fingerprint_from_version",
        f"{form.file} was written before forms recorded what each PI said "
        f"({feedback_form.FINGERPRINT_KEY}){damaged}: each answer is taken as being about "
        f"the PI as version {model.version} words it now. Nothing to do; forms written by "
        "`lscb model feedback-form` from now on carry it.",
    )


def check_identity(form: Form, name: str, folders: tuple[str, ...], sent_to: str) -> None:
    """Set the form aside when its file name, folders and organisation name different boroughs.

    The borough each names is read as survey and pilot read them
    (:func:`lscb_analysis.survey.survey_rules.find_borough`): the file name, each folder
    between the consultation folder and the file, the organisation on the Respondent sheet
    and the organisation the form was sent to (the hidden Model sheet's ``sent_to``, when
    ``lscb model feedback-form --for`` wrote one). Sources that name no borough are not
    counted. Raises FeedbackFileError (``identity_mismatch``) naming every source.
    """
    sources = [("file name", Path(name).stem)]
    sources += [(f"folder '{folder}'", folder) for folder in folders]
    sources += [("the Respondent sheet", form.organisation), ("the form was sent to", sent_to)]
    named = []
    for label, text in sources:
        area = survey_rules.find_borough(text) if text and text != WITHHELD_TEXT else None
        if area is not None:
            named.append((label, area.name))
    if len({area for _, area in named}) > 1:
        said = ", ".join(f"{label} says {area}" for label, area in named)
        raise FeedbackFileError(
            f"{name}: {said}. The form was set aside so that it counts for no borough: "
            "rename (or move) the file if it is the organisation's, or ask the organisation "
            "named on the Respondent sheet whether this form is theirs.",
            code="identity_mismatch",
        )
