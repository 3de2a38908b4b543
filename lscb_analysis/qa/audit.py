"""Multi-agency case-file audits: the configuration shared by the audit tool and its ingest.

Holds the layout of the audit tool (sheets, columns, fields), the columns of the ingest's
records, issues and files, and the reading of ``data/reference/audit_themes.yaml``: grades and
their ranks, themes and their question banks (with a checksum), agencies, audit ids and cell
addresses. The tool itself is built by :mod:`lscb_analysis.qa.audit_tool`; a returned tool is
read by :mod:`lscb_analysis.qa.audit_returned` and turned into records by
:mod:`lscb_analysis.qa.audit_ingest`.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from lscb_analysis.core import io
from lscb_analysis.core.errors import (
    ParameterError,
    ReferenceDataError,
)

CONFIG_FILE = "audit_themes.yaml"
SURVEY_CONFIG = "survey.yaml"
FORMAT_NAME = "lscb-audit-tool"
FORMAT_VERSION = 1
COVER_SHEET = "Cover"
CASES_SHEET = "Cases"
INFO_SHEET = "AuditInfo"
RESERVED_SHEETS = (COVER_SHEET, CASES_SHEET, INFO_SHEET)
MAX_CASES = 200
AUDIT_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")

AGENCY_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("case_slot", "Case slot", 7),
    ("section", "Section", 15),
    ("question_id", "Question id", 12),
    ("question", "Question", 52),
    ("grade", "Grade", 20),
    ("evidence", "Evidence", 60),
    ("auditor", "Auditor", 18),
    ("second_grade", "Second auditor grade", 20),
    ("second_auditor", "Second auditor", 18),
    ("moderated_grade", "Moderated grade", 20),
    ("moderator", "Moderator", 18),
    ("moderation_reason", "Moderation reason", 40),
)
"""(field, header, width) of each agency-sheet column, in order (A to L)."""

CASES_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("case_slot", "Case slot", 10),
    ("case_reference", "Case reference", 24),
    ("date_sampled", "Date sampled", 16),
)
LOCKED_FIELDS = ("case_slot", "section", "question_id", "question")
GRADE_FIELDS = ("grade", "second_grade", "moderated_grade")
ENTRY_FIELDS = (
    "grade",
    "evidence",
    "auditor",
    "second_grade",
    "second_auditor",
    "moderated_grade",
    "moderator",
    "moderation_reason",
)
REQUIRED_FIELDS = ("case_slot", "question_id", "grade", "evidence")

RECORD_COLUMNS: tuple[str, ...] = (
    "audit_id",
    "borough",
    "theme",
    "audit_date",
    "agency",
    "case",
    "case_slot",
    "section",
    "question_id",
    "question",
    "grade",
    "second_grade",
    "auditor",
    "second_auditor",
    "moderated_grade",
    "moderator",
    "moderation_reason",
    "moderation",
    "final_grade",
    "evidence",
    "evidence_withheld",
    "reason_withheld",
    "status",
    "problems",
    "file",
    "sheet",
    "row",
    "cell",
)
"""Columns of :attr:`lscb_analysis.qa.audit_ingest.AuditIngest.records`; see
:func:`lscb_analysis.qa.audit_ingest.ingest_audit`."""

ISSUE_COLUMNS: tuple[str, ...] = (
    "file",
    "sheet",
    "row",
    "column",
    "cell",
    "severity",
    "code",
    "message",
)
FILE_COLUMNS: tuple[str, ...] = (
    "file",
    "sha256",
    "status",
    "audit_id",
    "theme",
    "borough",
    "question_bank_version",
    "agency_sheets",
    "cases",
    "records",
    "errors",
    "warnings",
    "reason",
)
STATUS_ORDER: tuple[str, ...] = (
    "unknown_case_slot",
    "missing_case_reference",
    "unknown_question",
    "duplicate",
    "invalid_grade",
    "missing_grade",
)
"""Problems that make a record unusable for grade shares, in the order ``status`` reports them."""


# --- configuration ----------------------------------------------------------------------------


def audit_config(path: Path | str | None = None) -> dict:
    """Read and check ``data/reference/audit_themes.yaml``.

    Input: ``path`` (None: the reference file). Output: the YAML as a dict.
    Raises: ReferenceDataError when the file is missing, or a grade, section, theme or question
    is incomplete, or a question id is repeated or does not follow ``THEME-SECTION-n``.

    >>> sorted(audit_config()["themes"])[:2]
    ['domestic_abuse', 'early_help']
    """
    file = Path(path) if path is not None else io.reference_file(CONFIG_FILE)
    config = io.read_yaml_mapping(file, "Audit themes file")
    where = str(file)
    for key in (
        "question_bank_version",
        "grades",
        "good_or_better",
        "not_applicable",
        "sections",
        "themes",
        "analysis",
        "support",
    ):
        if key not in config:
            raise ReferenceDataError(f"{where} has no {key}: section; restore it from git.")
    grades = config["grades"]
    if not isinstance(grades, list) or len(grades) < 2:
        raise ReferenceDataError(f"{where}: grades must be a list of at least two grades.")
    for grade in grades:
        if not isinstance(grade, dict) or not {"grade", "rank", "descriptor"} <= set(grade):
            raise ReferenceDataError(
                f"{where}: every grade needs grade, rank and descriptor; check {grade!r}."
            )
    names = [g["grade"] for g in grades]
    unknown = [g for g in config["good_or_better"] if g not in names]
    if unknown:
        raise ReferenceDataError(f"{where}: good_or_better names unknown grades {unknown}.")
    seen: dict[str, str] = {}
    for key, theme in config["themes"].items():
        for needed in ("code", "title", "indicators", "c3_factors", "questions"):
            if needed not in theme:
                raise ReferenceDataError(f"{where}: theme {key} has no {needed}; add it.")
        for section, questions in theme["questions"].items():
            if section not in config["sections"]:
                raise ReferenceDataError(
                    f"{where}: theme {key} has questions under {section!r}, which is not one "
                    f"of the sections ({', '.join(config['sections'])})."
                )
            prefix = f"{theme['code']}-{config['sections'][section]['code']}-"
            for question in questions:
                qid = str(question.get("id", ""))
                if not qid.startswith(prefix) or not question.get("text"):
                    raise ReferenceDataError(
                        f"{where}: theme {key}, section {section}: question {qid!r} needs an "
                        f"id starting {prefix} and a text."
                    )
                if qid in seen:
                    raise ReferenceDataError(
                        f"{where}: question id {qid} is used twice ({seen[qid]} and {key}); "
                        "give each question its own id."
                    )
                seen[qid] = key
    return config


def grade_names(config: dict | None = None) -> list[str]:
    """Return the grades, best first.

    >>> grade_names()
    ['Outstanding', 'Good', 'Requires improvement', 'Inadequate']
    """
    config = config or audit_config()
    return [g["grade"] for g in sorted(config["grades"], key=lambda g: -int(g["rank"]))]


def grade_ranks(config: dict | None = None) -> dict[str, int]:
    """Return {grade: rank}, 4 = Outstanding (the best) down to 1 = Inadequate.

    >>> grade_ranks()["Good"]
    3
    """
    config = config or audit_config()
    return {g["grade"]: int(g["rank"]) for g in config["grades"]}


def not_applicable_label(config: dict | None = None) -> str:
    """Return the answer used when a question does not apply ("Not applicable")."""
    config = config or audit_config()
    return str(config["not_applicable"]["label"])


def norm_text(text: object) -> str:
    """Text lower-cased with punctuation as single spaces, for matching labels."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split())


def parse_grade(value: object, config: dict | None = None) -> tuple[str | None, bool]:
    """Read a grade as written in a cell.

    Input: the cell value (text or number; case, spaces and punctuation ignored; synonyms from
    the YAML such as "RI" or "n/a"). Output: (grade or the not-applicable label or None,
    valid). An empty cell gives (None, True); something that is not a grade gives
    (None, False). Raises nothing.

    >>> parse_grade(" requires  Improvement"), parse_grade("RI"), parse_grade("n/a")
    (('Requires improvement', True), ('Requires improvement', True), ('Not applicable', True))
    >>> parse_grade(None), parse_grade("Goood")
    ((None, True), (None, False))
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, True
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    key = norm_text(value)
    config = config or audit_config()
    for grade in config["grades"]:
        if key in {norm_text(grade["grade"]), *(norm_text(s) for s in grade.get("synonyms", []))}:
            return grade["grade"], True
    na = config["not_applicable"]
    if key in {norm_text(na["label"]), *(norm_text(s) for s in na.get("synonyms", []))}:
        return na["label"], True
    return None, False


def resolve_theme(name: str, config: dict | None = None) -> str:
    """Return the theme key (``neglect``, ``exploitation``, ...) a written theme name means.

    Input: a key, title or synonym ("Exploitation and missing", "CSE"). Output: the key.
    Raises: ParameterError naming the themes when nothing matches.

    >>> resolve_theme("Exploitation & Missing"), resolve_theme("NEGLECT")
    ('exploitation', 'neglect')
    """
    config = config or audit_config()
    key = norm_text(str(name).replace("&", " and "))
    for theme, spec in config["themes"].items():
        names = {theme, spec["title"], *spec.get("synonyms", [])}
        if key in {norm_text(str(n).replace("&", " and ")) for n in names}:
            return theme
    raise ParameterError(
        f"Theme {name!r} is not in data/reference/{CONFIG_FILE}. Use one of: "
        + ", ".join(f"{k} ({v['title']})" for k, v in config["themes"].items())
        + ". Add a new theme and its questions to the YAML file first."
    )


def question_bank(theme: str, config: dict | None = None) -> pd.DataFrame:
    """Return the questions of a theme in the order the tool shows them.

    Input: a theme name (see :func:`resolve_theme`). Output: DataFrame with columns
    ``theme, section, section_title, question_id, question, order``.
    Raises: ParameterError for an unknown theme.

    >>> bank = question_bank("neglect")
    >>> bank.loc[0, ["section", "question_id"]].tolist(), bank["section"].nunique()
    (['recognition', 'NEG-REC-1'], 6)
    """
    config = config or audit_config()
    key = resolve_theme(theme, config)
    rows = []
    for section, spec in config["sections"].items():
        for question in config["themes"][key]["questions"].get(section, []):
            rows.append(
                {
                    "theme": key,
                    "section": section,
                    "section_title": spec["title"],
                    "question_id": str(question["id"]),
                    "question": str(question["text"]).strip(),
                }
            )
    bank = pd.DataFrame(
        rows, columns=["theme", "section", "section_title", "question_id", "question"]
    )
    bank["order"] = range(1, len(bank) + 1)
    return bank


def question_bank_checksum(theme: str, config: dict | None = None) -> str:
    """Return the SHA-256 of a theme's question bank and grades (ids, sections, wording).

    The audit tool records it, so the ingest can tell when a tool was made from other wording.

    >>> len(question_bank_checksum("neglect"))
    64
    """
    config = config or audit_config()
    bank = question_bank(theme, config)
    content = {
        "theme": bank["theme"].iloc[0] if len(bank) else resolve_theme(theme, config),
        "questions": bank[["section", "question_id", "question"]].values.tolist(),
        "grades": grade_names(config),
        "not_applicable": not_applicable_label(config),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def agency_names() -> list[str]:
    """Return the canonical agency names (``code_lists.agency`` in survey.yaml).

    >>> "police" in agency_names()
    True
    """
    return list(io.read_reference_yaml(SURVEY_CONFIG)["code_lists"]["agency"])


def agency_sheet_title(agency: str) -> str:
    """Return the sheet title used for an agency: its canonical name with a capital first letter.

    >>> agency_sheet_title("children's social care"), agency_sheet_title("CAFCASS")
    ("Children's social care", 'CAFCASS')
    """
    title = agency[:1].upper() + agency[1:]
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31]


def cell_address(sheet: str, column: str | int, row: int) -> str:
    """Return a cell address with the sheet name quoted, as Excel writes it.

    >>> cell_address("Police", "E", 7), cell_address("Children's social care", 5, 7)
    ("'Police'!E7", "'Children''s social care'!E7")
    """
    letter = get_column_letter(column) if isinstance(column, int) else column
    return "'" + sheet.replace("'", "''") + f"'!{letter}{row}"


def check_audit_id(audit_id: str) -> str:
    """Check an audit id is usable as a folder name (letters, digits, ``-`` and ``_``).

    Raises: ParameterError saying what is allowed.

    >>> check_audit_id("2026-03-neglect")
    '2026-03-neglect'
    """
    text = str(audit_id).strip()
    if not AUDIT_ID_PATTERN.fullmatch(text):
        raise ParameterError(
            f"Audit id {audit_id!r} cannot be used: it becomes the folder name "
            "data/raw/audit/<audit-id>/, so use letters, digits, '-' and '_' only (up to 80), "
            "e.g. 2026-03-barnet-neglect."
        )
    return text
