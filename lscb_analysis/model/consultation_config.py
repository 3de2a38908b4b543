"""The consultation's settings, folder and tables: what the feedback ingest reads and gives.

* :func:`load_config` reads ``data/reference/consultation.yaml`` (thresholds, wording, colours);
  :func:`consultation_folder` is ``data/raw/consultation/``, where returned forms go;
* the columns of the ingest's tables (:data:`RESPONSE_COLUMNS`, :data:`NEW_PI_COLUMNS`,
  :data:`FILE_COLUMNS`, :data:`ISSUE_COLUMNS`), every issue code (:data:`ISSUE_CODES`), and
  :class:`FeedbackIngest`, the result of :func:`lscb_analysis.model.consultation.ingest_feedback`;
* :class:`FormContext`: what every form of one ingest shares (settings, versions, catalogues,
  the identifier scanner).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import io, paths, workbook_checks
from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.model import catalogue_enums, feedback_form
from lscb_analysis.protect.identifier_rules import load_identifier_config
from lscb_analysis.protect.identifier_text import identifier_kinds
from lscb_analysis.survey import survey_rules

CONFIG_FILE = "consultation.yaml"
FOLDER = "consultation"
CHOICES = feedback_form.FEEDBACK_CHOICES
NO_ANSWER = "no answer"
TO_CONFIRM = "to confirm"
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
    "fingerprint",
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
"""Columns of :attr:`FeedbackIngest.responses`; ``cell`` is the answer cell (e.g. ``G5``);
``fingerprint`` is what the respondent saw of the PI
(:func:`lscb_analysis.model.feedback_form.pi_fingerprint`)."""
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
    "fingerprint_source",
    "date",
    "modified",
    "pis_answered",
    "new_pis",
    "errors",
    "queries",
    "message",
]
"""Columns of :attr:`FeedbackIngest.files`: one row per file in the folder;
``fingerprint_source`` is ``form`` (the form recorded what each PI said) or ``version 1.0``
(a form made before that, fingerprinted from the version it names)."""
ISSUE_COLUMNS: list[str] = ["file", "sheet", "cell", "severity", "code", "message", "superseded"]
"""Columns of :attr:`FeedbackIngest.issues`; ``superseded`` is True for a superseded form's."""
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
    "identity_mismatch": "the file or folder name names one borough, the organisation another",
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
    "fingerprint_from_version": "a form made before fingerprints: read as its version says",
    "new_pi_without_title": "a new PI suggestion with no title",
    "unknown_agency": "a new PI's agency that is not in the agency list",
    "macro": "the workbook holds macros; not run or kept",
    "external_link": "the workbook links to another file; not followed",
    "formula": "formula cells read with the values Excel last saved",
}
"""Every issue code the ingest writes, with what it means (file rejections first)."""

_SUMMARY_KEYS = (
    "confidence",
    "min_answers",
    "remove_share",
    "amend_share",
    "support_upper",
    "rating_share",
)
_MESSAGE_KEYS = ("few_answers", "low_support", "remove", "amend", "rating", "supported")


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
        choices[answer] = {squeeze(answer)} | {squeeze(w) for w in words}
    config["choices"] = choices
    config["skip_files"] = list(config.get("skip_files") or [])
    return config


def consultation_folder() -> Path:
    """Return ``data/raw/consultation/``, where returned feedback forms are put as received."""
    return paths.raw_dir() / FOLDER


def squeeze(value: Any) -> str:
    """The value as lower-case text with runs of spaces made one (to compare answers)."""
    return " ".join(str(value).lower().split())


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


class FormContext:
    """What every form of one ingest shares: settings, versions, catalogues, the scanner."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.limits = workbook_checks.load_workbook_limits()
        self.versions = catalogue_module.available_versions()
        self.latest = self.versions[-1] if self.versions else ""
        enums = catalogue_enums.load_enums()
        self.ratings = {squeeze(r): r for r in enums["ratings"]}
        self.agencies = {squeeze(a): a for a in enums["agencies"]}
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
