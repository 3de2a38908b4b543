"""Multi-agency case-file audits: the audit tool workbook and the ingest of completed tools.

The audit tool (:func:`write_audit_template`, ``lscb audit template``) is an xlsx built from
the theme's question bank in ``data/reference/audit_themes.yaml``:

* ``Cover``: audit id, theme, borough, date, agencies, instructions (case references only: no
  names, dates of birth or addresses) and the grade descriptors;
* ``Cases``: one row per case slot (1..N): the case reference, typed once, and the date sampled;
* one sheet per agency, one row per case slot x question, columns :data:`AGENCY_COLUMNS`:
  case slot, section, question id, question, grade (dropdown), evidence, auditor, second
  auditor grade (dropdown, for double-marked cases), second auditor, moderated grade
  (dropdown), moderator, moderation reason. The first four columns and the header are locked
  (no password), panes frozen, pages print landscape on A4;
* ``AuditInfo`` (hidden): audit id, theme, question bank version and checksum, the agency of
  each sheet, and a checksum of all of these.

:func:`ingest_audit` (``lscb audit ingest``) reads every completed tool in
``data/raw/audit/<audit-id>/`` (one workbook holding several agencies' sheets, or one copy per
agency: a sheet nobody started is ignored) and returns one record per case x agency x
question. Case references are replaced by keyed pseudonyms (:mod:`lscb_analysis.protect.pseudonym`)
as they are read; the raw reference never reaches a record, an issue or a log. Evidence and
moderation reasons that look like they hold an identifier (:func:`identifier_text.scan_text`: a
name next to a child, a date of birth, an NHS number, a postcode, ... or a raw case
reference) are withheld. Problems are listed as issues with the file, sheet and cell
(``'Police'!E7``), never with the cell's text; rows with problems are kept with a status.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lscb_analysis.core import io, paths, register, workbook_checks
from lscb_analysis.core.errors import (
    DataFileError,
    MissingDataFileError,
    ParameterError,
    ReferenceDataError,
)
from lscb_analysis.core.returned_workbook import read_xlsx_workbook
from lscb_analysis.core.returned_workbook_cells import ReturnedWorkbookError, cell_text
from lscb_analysis.protect import pseudonym, safe_files
from lscb_analysis.protect.identifier_rules import load_identifier_config
from lscb_analysis.protect.identifier_text import (
    WITHHELD_TEXT,
    describe_kinds,
    identifier_kinds,
    scan_text,
)

logger = logging.getLogger(__name__)

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
"""Columns of :attr:`AuditIngest.records`; see :func:`ingest_audit`."""

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

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
ENTRY_FILL = PatternFill("solid", fgColor="FFF9E5")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
GRADE_FILLS = {
    4: PatternFill("solid", fgColor="63BE7B", bgColor="63BE7B"),
    3: PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE"),
    2: PatternFill("solid", fgColor="FFEB9C", bgColor="FFEB9C"),
    1: PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE"),
}
CLASSIFICATION = "OFFICIAL-SENSITIVE when completed"


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


def _norm(text: object) -> str:
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
    key = _norm(value)
    config = config or audit_config()
    for grade in config["grades"]:
        if key in {_norm(grade["grade"]), *(_norm(s) for s in grade.get("synonyms", []))}:
            return grade["grade"], True
    na = config["not_applicable"]
    if key in {_norm(na["label"]), *(_norm(s) for s in na.get("synonyms", []))}:
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
    key = _norm(str(name).replace("&", " and "))
    for theme, spec in config["themes"].items():
        names = {theme, spec["title"], *spec.get("synonyms", [])}
        if key in {_norm(str(n).replace("&", " and ")) for n in names}:
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


def resolve_agency(name: str) -> str:
    """Return the canonical agency name that a written agency name stands for.

    Matches the canonical names and their synonyms and patterns in
    ``data/reference/survey.yaml`` (``code_lists.agency``), ignoring case and punctuation.
    Raises: ParameterError listing the canonical names when nothing matches.

    >>> resolve_agency("CSC"), resolve_agency("Met Police"), resolve_agency("CAMHS")
    ("children's social care", 'police', 'health (mental health)')
    """
    lists = io.read_reference_yaml(SURVEY_CONFIG)["code_lists"]["agency"]
    key = _norm(str(name).replace("&", " and "))
    for canonical in lists:
        if key == _norm(canonical):
            return canonical
    for canonical, spec in lists.items():
        if key in {_norm(s) for s in spec.get("synonyms", [])}:
            return canonical
    lowered = str(name).lower()
    for canonical, spec in lists.items():
        if any(re.search(p, lowered) for p in spec.get("patterns", [])):
            return canonical
    raise ParameterError(
        f"Agency {name!r} is not known. Use one of: {', '.join(lists)} (or a synonym listed "
        "under code_lists.agency in data/reference/survey.yaml)."
    )


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


# --- the audit tool ---------------------------------------------------------------------------


def _metadata(
    theme: str,
    agencies: Sequence[str],
    cases: int,
    audit_id: str,
    borough: str,
    audit_date: dt.date,
    synthetic: bool,
    config: dict,
) -> dict:
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "audit_id": audit_id,
        "theme": theme,
        "theme_title": config["themes"][theme]["title"],
        "borough": borough,
        "audit_date": audit_date.isoformat(),
        "cases": cases,
        "question_bank_version": str(config["question_bank_version"]),
        "question_bank_sha256": question_bank_checksum(theme, config),
        "synthetic": "yes" if synthetic else "no",
        "agencies": [[agency_sheet_title(a), a] for a in agencies],
    }
    meta["checksum"] = _meta_checksum(meta)
    return meta


def _meta_checksum(meta: dict) -> str:
    content = {k: v for k, v in meta.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def build_audit_workbook(
    theme: str,
    agencies: Iterable[str],
    cases: int,
    audit_id: str | None = None,
    *,
    borough: str | None = None,
    audit_date: dt.date | None = None,
    synthetic: bool = False,
    config: dict | None = None,
) -> Workbook:
    """Build the audit tool workbook in memory (see the module notes for its sheets).

    Inputs: ``theme`` (name or key); ``agencies`` (names as people write them, resolved with
    :func:`resolve_agency`; each gets a sheet); ``cases`` (number of case slots, 1 to 200);
    ``audit_id`` (None: ``<yyyy-mm>-<borough>-<theme>`` or ``<yyyy-mm>-<theme>``); ``borough``
    (optional, resolved with the register); ``audit_date`` (None: today); ``synthetic``
    (marks the cover SYNTHETIC, for demo data).
    Output: an openpyxl Workbook (not saved). Raises: ParameterError for an unknown theme,
    agency or borough, a repeated agency, a bad number of cases or an unusable audit id.
    """
    config = config or audit_config()
    key = resolve_theme(theme, config)
    agency_list = [resolve_agency(a) for a in agencies]
    if not agency_list:
        raise ParameterError('Give at least one agency, e.g. --agencies "police,csc,health".')
    repeated = sorted({a for a in agency_list if agency_list.count(a) > 1})
    if repeated:
        raise ParameterError(
            f"Agencies {', '.join(repeated)} are given more than once (after reading synonyms); "
            "list each agency once."
        )
    if isinstance(cases, bool) or not isinstance(cases, int) or not 1 <= cases <= MAX_CASES:
        raise ParameterError(
            f"The number of cases must be a whole number from 1 to {MAX_CASES}; got {cases!r}."
        )
    borough_name = register.resolve(borough).name if borough else ""
    when = audit_date or dt.date.today()
    if audit_id is None:
        parts = [f"{when:%Y-%m}", register.slugify(borough_name) if borough_name else "", key]
        audit_id = "-".join(p for p in parts if p)
    audit_id = check_audit_id(audit_id)
    meta = _metadata(key, agency_list, cases, audit_id, borough_name, when, synthetic, config)
    bank = question_bank(key, config)

    workbook = Workbook()
    workbook.properties.creator = "LSCB datasets workbench"
    workbook.properties.title = f"Case-file audit {audit_id}"
    cover = workbook.active
    cover.title = COVER_SHEET
    _write_cover(cover, meta, config, bank)
    _write_cases(workbook.create_sheet(CASES_SHEET), cases)
    for agency in agency_list:
        _write_agency_sheet(
            workbook.create_sheet(agency_sheet_title(agency)), agency, bank, cases, meta, config
        )
    _write_info(workbook.create_sheet(INFO_SHEET), meta)
    workbook.active = 0
    return workbook


def write_audit_template(
    theme: str,
    agencies: Iterable[str],
    cases: int,
    path: Path | str,
    audit_id: str | None = None,
    *,
    borough: str | None = None,
    audit_date: dt.date | None = None,
) -> Path:
    """Write the audit tool workbook for a theme and return its path.

    Inputs as :func:`build_audit_workbook`, plus ``path`` of the .xlsx to write.
    Output: the path. Raises: ParameterError (see :func:`build_audit_workbook`);
    RawDataWriteError when ``path`` is under ``data/raw/``.
    """
    workbook = build_audit_workbook(
        theme, agencies, cases, audit_id, borough=borough, audit_date=audit_date
    )
    target = io.ensure_writable(path)
    workbook.save(target)
    return target


def workbook_bytes(workbook: Workbook, timestamp: dt.datetime) -> bytes:
    """Return the bytes of an xlsx that are the same every time for the same content.

    openpyxl stamps the save time into ``docProps/core.xml`` and the zip entries; here both
    are set to ``timestamp`` (naive, read as UTC), so a seeded demo writes identical files.
    Raises nothing beyond openpyxl's own errors.
    """
    stamp = timestamp.replace(microsecond=0, tzinfo=None)
    workbook.properties.created = stamp
    buffer = BytesIO()
    workbook.save(buffer)
    return safe_files.fixed_zip_bytes(buffer.getvalue(), stamp)


def cover_lines(meta: dict) -> list[str]:
    """Return the instruction lines printed on the cover sheet."""
    return [
        "Case references only: no names, dates of birth or addresses. Type each case "
        "reference once, on the Cases sheet; the agency sheets use the case slot number.",
        "Each agency completes its own sheet. For every case slot and question choose a grade "
        "from the list and write the evidence you relied on: what the records show and what "
        "difference it made, never who the child or family is.",
        "Choose 'Not applicable' only where the question does not apply to your agency's "
        "involvement, and say why in the evidence.",
        "Double-marked cases: a second auditor grades the same questions independently, "
        "without looking at the first grade, in 'Second auditor grade' and 'Second auditor'.",
        "Moderation: the moderator records the agreed grade in 'Moderated grade', with their "
        "name and the reason, wherever a grade was discussed (changed or confirmed).",
        "If any case shows a child currently at risk of harm, act on it now through your "
        "agency's safeguarding procedures: do not wait for the audit to finish.",
        "Return the workbook as .xlsx by secure email, without a password. Do not rename, "
        f"move or delete sheets; the hidden {INFO_SHEET} sheet identifies audit "
        f"{meta['audit_id']}.",
        "When completed this workbook is OFFICIAL-SENSITIVE: store and send it accordingly "
        "and delete local copies when the audit is closed.",
    ]


def _protect_and_print(sheet, header: str) -> None:
    # Locked headers with no password: protection stops accidental edits, not reading.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddHeader.center.text = header
    sheet.oddFooter.left.text = CLASSIFICATION
    sheet.oddFooter.right.text = "Page &P of &N"


def _write_cover(sheet, meta: dict, config: dict, bank: pd.DataFrame) -> None:
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100
    title = sheet.cell(
        row=1, column=1, value=f"Multi-agency case-file audit: {meta['theme_title']}"
    )
    title.font = Font(bold=True, size=14)
    row = 2
    if meta["synthetic"] == "yes":
        note = sheet.cell(
            row=row,
            column=1,
            value="SYNTHETIC DEMONSTRATION DATA: not real "
            "cases. Made up by the LSCB workbench's demo generator.",
        )
        note.font = Font(bold=True, color="C00000")
        row += 1
    row += 1
    agencies = ", ".join(title for title, _ in meta["agencies"])
    for label, value in (
        ("Audit id", meta["audit_id"]),
        ("Theme", meta["theme_title"]),
        ("Borough", meta["borough"] or "(not set)"),
        ("Audit date", dt.date.fromisoformat(meta["audit_date"])),
        ("Agencies", agencies),
        ("Cases", meta["cases"]),
        ("Questions per case", len(bank)),
        ("Question bank version", meta["question_bank_version"]),
    ):
        sheet.cell(row=row, column=1, value=label).font = Font(bold=True)
        cell = safe_files.write_cell(sheet.cell(row=row, column=2), value)
        cell.alignment = Alignment(horizontal="left")
        if isinstance(value, dt.date):
            cell.number_format = "dd/mm/yyyy"
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value="Instructions").font = Font(bold=True, size=12)
    row += 1
    for number, line in enumerate(cover_lines(meta), start=1):
        sheet.cell(row=row, column=1, value=number).alignment = Alignment(
            horizontal="right", vertical="top"
        )
        text = sheet.cell(row=row, column=2, value=line)
        text.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 1:
            text.font = Font(bold=True)
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value="Grade descriptors").font = Font(bold=True, size=12)
    row += 1
    ranks = grade_ranks(config)
    for grade in sorted(config["grades"], key=lambda g: -int(g["rank"])):
        name = sheet.cell(row=row, column=1, value=grade["grade"])
        name.font = Font(bold=True)
        name.fill = GRADE_FILLS.get(ranks[grade["grade"]], LOCKED_FILL)
        name.alignment = Alignment(vertical="top")
        text = sheet.cell(row=row, column=2, value=" ".join(str(grade["descriptor"]).split()))
        text.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    na = sheet.cell(row=row, column=1, value=not_applicable_label(config))
    na.font = Font(bold=True)
    sheet.cell(
        row=row,
        column=2,
        value="The question does not apply to this agency's "
        "involvement in the case (say why in the evidence). Left out of grade shares.",
    )
    row += 2
    sheet.cell(row=row, column=1, value="Sections").font = Font(bold=True, size=12)
    row += 1
    for section in dict.fromkeys(bank["section"]):
        spec = config["sections"][section]
        sheet.cell(row=row, column=1, value=spec["title"]).font = Font(bold=True)
        count = int((bank["section"] == section).sum())
        sheet.cell(row=row, column=2, value=f"{count} questions")
        row += 1
    sheet.print_area = f"A1:B{row}"
    _protect_and_print(sheet, f"Audit {meta['audit_id']}")


def _write_cases(sheet, cases: int) -> None:
    for column, (_, label, width) in enumerate(CASES_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=column, value=label)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = width
    note = sheet.cell(
        row=1,
        column=5,
        value="Type each case reference once (the reference in "
        "the case-management system). Case references only: no names, dates of "
        "birth or addresses.",
    )
    note.alignment = Alignment(wrap_text=True, vertical="top")
    note.font = Font(italic=True)
    sheet.column_dimensions["E"].width = 60
    for slot in range(1, cases + 1):
        row = slot + 1
        sheet.cell(row=row, column=1, value=slot).fill = LOCKED_FILL
        for column in (2, 3):
            cell = sheet.cell(row=row, column=column)
            cell.protection = Protection(locked=False)
            cell.fill = ENTRY_FILL
        sheet.cell(row=row, column=2).number_format = "@"
        sheet.cell(row=row, column=3).number_format = "dd/mm/yyyy"
    dates = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="36526",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not a date",
        error="Type the date the case was sampled.",
    )
    sheet.add_data_validation(dates)
    dates.add(f"C2:C{cases + 1}")
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    _protect_and_print(sheet, "Cases (case references only)")


def _grade_validation(config: dict, title: str) -> DataValidation:
    options = [*grade_names(config), not_applicable_label(config)]
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(options) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Choose a grade",
        error="Choose a grade from the list (descriptors on the Cover sheet).",
        showInputMessage=True,
        promptTitle=title[:32],
        prompt="Outstanding, Good, Requires improvement or Inadequate (see the Cover sheet); "
        "Not applicable if the question does not apply.",
    )
    return validation


def _named_styles(workbook: Workbook) -> dict[str, str]:
    """Add the agency sheets' cell styles once (named styles are far faster per cell)."""
    specs = {
        "locked": NamedStyle(
            name="Audit locked", fill=LOCKED_FILL, alignment=Alignment(vertical="top")
        ),
        "question": NamedStyle(
            name="Audit question",
            fill=LOCKED_FILL,
            alignment=Alignment(wrap_text=True, vertical="top"),
        ),
        "entry": NamedStyle(
            name="Audit entry",
            fill=ENTRY_FILL,
            alignment=Alignment(wrap_text=True, vertical="top"),
            protection=Protection(locked=False),
        ),
    }
    for style in specs.values():
        if style.name not in workbook.named_styles:
            workbook.add_named_style(style)
    return {key: style.name for key, style in specs.items()}


def _write_agency_sheet(
    sheet, agency: str, bank: pd.DataFrame, cases: int, meta: dict, config: dict
) -> None:
    for column, (_, label, width) in enumerate(AGENCY_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=column, value=label)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[1].height = 32
    fields = [f for f, _, _ in AGENCY_COLUMNS]
    titles = {s: spec["title"] for s, spec in config["sections"].items()}
    styles = _named_styles(sheet.parent)
    questions = list(zip(bank["section"], bank["question_id"], bank["question"], strict=True))
    row = 2
    for slot in range(1, cases + 1):
        for section, question_id, question in questions:
            values = {
                "case_slot": slot,
                "section": titles[section],
                "question_id": question_id,
                "question": question,
            }
            for column, name in enumerate(fields, start=1):
                cell = sheet.cell(row=row, column=column)
                if name in LOCKED_FIELDS:
                    safe_files.write_cell(cell, values[name])
                    cell.style = styles["question" if name == "question" else "locked"]
                else:
                    cell.style = styles["entry"]
            row += 1
    last = row - 1
    for name in GRADE_FIELDS:
        letter = get_column_letter(fields.index(name) + 1)
        validation = _grade_validation(config, dict((f, h) for f, h, _ in AGENCY_COLUMNS)[name])
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{max(last, 2)}")
        ranks = grade_ranks(config)
        for grade, rank in ranks.items():
            sheet.conditional_formatting.add(
                f"{letter}2:{letter}{max(last, 2)}",
                FormulaRule(formula=[f'${letter}2="{grade}"'], fill=GRADE_FILLS[rank]),
            )
    sheet.freeze_panes = "E2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{max(last, 2)}"
    sheet.print_title_rows = "1:1"
    _protect_and_print(sheet, f"Audit {meta['audit_id']}: {agency_sheet_title(agency)}")


def _write_info(sheet, meta: dict) -> None:
    row = 1
    for key, value in meta.items():
        if key == "agencies":
            continue
        sheet.cell(row=row, column=1, value=key)
        safe_files.write_cell(sheet.cell(row=row, column=2), value)
        row += 1
    for title, agency in meta["agencies"]:
        sheet.cell(row=row, column=1, value="agency_sheet")
        safe_files.write_cell(sheet.cell(row=row, column=2), title)
        safe_files.write_cell(sheet.cell(row=row, column=3), agency)
        row += 1
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True


# --- ingest -----------------------------------------------------------------------------------


@dataclass
class AuditIngest:
    """What :func:`ingest_audit` read from one audit folder.

    ``records`` (:data:`RECORD_COLUMNS`), ``issues`` (:data:`ISSUE_COLUMNS`), ``files``
    (:data:`FILE_COLUMNS`) and ``folder``. ``records.attrs["key_fingerprint"]`` says which
    pseudonymisation key was used (not the key).
    """

    records: pd.DataFrame
    issues: pd.DataFrame
    files: pd.DataFrame
    folder: Path = field(default_factory=Path)

    @property
    def audit_id(self) -> str:
        """The audit id (the folder's name)."""
        return self.folder.name


@dataclass
class _ParsedFile:
    path: Path
    sha256: str
    meta: dict = field(default_factory=dict)
    cases: dict[int, tuple[Any, int]] = field(default_factory=dict)  # slot -> (raw, row)
    sheets: list[tuple[str, str, dict[str, str], list[tuple[int, dict]]]] = field(
        default_factory=list
    )  # (title, agency, field -> letter, [(row, values)])
    issues: list[dict] = field(default_factory=list)
    status: str = "read"
    reason: str = ""


def _issue(
    file: str,
    sheet: str,
    row: int | None,
    column: str,
    cell: str,
    severity: str,
    code: str,
    message: str,
) -> dict:
    return {
        "file": file,
        "sheet": sheet,
        "row": row,
        "column": column,
        "cell": cell,
        "severity": severity,
        "code": code,
        "message": message,
    }


def _slot(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _read_meta(rows: list[tuple]) -> dict:
    meta: dict[str, Any] = {"agencies": []}
    for row in rows:
        if not row or row[0] is None:
            continue
        key = str(row[0]).strip()
        if key == "agency_sheet":
            meta["agencies"].append(
                [
                    cell_text(row[1] if len(row) > 1 else None),
                    cell_text(row[2] if len(row) > 2 else None),
                ]
            )
        else:
            value = row[1] if len(row) > 1 else None
            meta[key] = (
                value
                if isinstance(value, int) and not isinstance(value, bool)
                else cell_text(value)
            )
    return meta


def _parse_file(path: Path, folder_audit_id: str, config: dict) -> _ParsedFile:
    parsed = _ParsedFile(path=path, sha256=io.sha256_of(path))
    name = path.name
    try:
        workbook = read_xlsx_workbook(path)
    except DataFileError as error:
        message = str(error)
        if isinstance(error, ReturnedWorkbookError) and error.code == "corrupt":
            message = (
                f"{name} could not be opened as a workbook ({type(error.__cause__).__name__}); "
                "ask the sender to save it again as .xlsx."
            )
        parsed.status, parsed.reason = "rejected", message
        parsed.issues.append(
            _issue(name, "", None, "", "", "error", "unreadable_workbook", message)
        )
        return parsed
    for item in workbook.check.issues.itertuples():
        parsed.issues.append(
            _issue(
                name,
                "",
                None,
                "",
                str(item.location),
                "warning",
                str(item.kind),
                str(item.message),
            )
        )
    titles = workbook.sheet_names
    if INFO_SHEET not in titles:
        parsed.status = "rejected"
        parsed.reason = (
            f"{name} has no {INFO_SHEET} sheet, so it is not an audit tool made by `lscb "
            "audit template`, or its sheets were copied into another workbook. Copy the "
            "answers into the tool the audit was sent out with and return that."
        )
        parsed.issues.append(
            _issue(name, "", None, "", "", "error", "not_an_audit_tool", parsed.reason)
        )
        return parsed
    meta = _read_meta(workbook[INFO_SHEET].rows)
    parsed.meta = meta
    problem = _check_meta(meta, name, folder_audit_id, config)
    if problem:
        parsed.status, parsed.reason = "rejected", problem[1]
        parsed.issues.append(
            _issue(name, INFO_SHEET, None, "", "", "error", problem[0], problem[1])
        )
        return parsed
    if meta.get("checksum") != _meta_checksum({k: v for k, v in meta.items()}):
        parsed.issues.append(
            _issue(
                name,
                INFO_SHEET,
                None,
                "",
                "",
                "warning",
                "audit_info_changed",
                f"{name}: the hidden {INFO_SHEET} sheet was edited after the tool was made "
                "(its checksum does not match). The file was read as it stands; check that "
                "it belongs to this audit.",
            )
        )
    if meta.get("question_bank_sha256") != question_bank_checksum(meta["theme"], config):
        parsed.issues.append(
            _issue(
                name,
                INFO_SHEET,
                None,
                "",
                "",
                "warning",
                "question_bank_changed",
                f"{name} was made from question bank version "
                f"{meta.get('question_bank_version') or '?'}, which differs from the current "
                f"data/reference/{CONFIG_FILE} (version {config['question_bank_version']}). "
                "Answers are matched by question id and questions use today's wording; ids no "
                "longer in the bank are listed as unknown questions.",
            )
        )
    if CASES_SHEET in titles:
        parsed.cases = _read_cases(workbook[CASES_SHEET], parsed)
    else:
        parsed.issues.append(
            _issue(
                name,
                CASES_SHEET,
                None,
                "",
                "",
                "error",
                "no_cases_sheet",
                f"{name} has no {CASES_SHEET} sheet, so its answers cannot be linked to cases; "
                "restore the sheet from the tool that was sent out.",
            )
        )
    agency_of = {title: agency for title, agency in meta.get("agencies", [])}
    for position, title in enumerate(titles, start=1):
        if title in RESERVED_SHEETS:
            continue
        agency = agency_of.get(title)
        if agency is None:
            try:
                agency = resolve_agency(title)
            except ParameterError:
                # a sheet someone added: its name is a cell value of the return, so it is
                # only quoted when it cannot be an identifier
                shown = title if scan_text(title).empty else f"number {position}"
                parsed.issues.append(
                    _issue(
                        name,
                        shown,
                        None,
                        "",
                        "",
                        "warning",
                        "unknown_sheet",
                        f"{name}: sheet {shown} is not one of the tool's agency sheets and "
                        "its name is not an agency; it was not read. Rename it to the agency "
                        "(e.g. Police) if it holds answers.",
                    )
                )
                continue
        sheet_data = _read_agency_sheet(workbook[title], name, title, parsed)
        if sheet_data is not None:
            parsed.sheets.append((title, agency, *sheet_data))
    return parsed


def _check_meta(
    meta: dict, name: str, folder_audit_id: str, config: dict
) -> tuple[str, str] | None:
    if meta.get("format") != FORMAT_NAME:
        return (
            "not_an_audit_tool",
            f"{name}: the {INFO_SHEET} sheet does not describe an audit tool; return the "
            "tool the audit was sent out with.",
        )
    if str(meta.get("audit_id", "")) != folder_audit_id:
        return (
            "wrong_audit",
            f"{name} belongs to audit {meta.get('audit_id') or '(none)'}, not "
            f"{folder_audit_id}: move it to data/raw/audit/{meta.get('audit_id')}/ (or ask "
            "the sender which audit it is for).",
        )
    if meta.get("theme") not in config["themes"]:
        return (
            "unknown_theme",
            f"{name} is for theme {meta.get('theme')!r}, which is no longer in "
            f"data/reference/{CONFIG_FILE}; restore the theme there to read it.",
        )
    return None


def _header_map(header: tuple, labels: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    wanted = {_norm(label): name for name, label in labels.items()}
    for position, value in enumerate(header):
        key = _norm(value) if value is not None else ""
        if key in wanted and wanted[key] not in found:
            found[wanted[key]] = position
    return found


def _read_cases(sheet, parsed: _ParsedFile) -> dict[int, tuple[Any, int]]:
    rows = iter(sheet.rows)
    header = next(rows, ())
    columns = _header_map(header, {f: label for f, label, _ in CASES_COLUMNS})
    name = parsed.path.name
    if "case_slot" not in columns or "case_reference" not in columns:
        parsed.issues.append(
            _issue(
                name,
                CASES_SHEET,
                1,
                "",
                "",
                "error",
                "cases_header_changed",
                f"{name}: the {CASES_SHEET} sheet has lost its 'Case slot' or 'Case reference' "
                "header, so answers cannot be linked to cases; restore row 1.",
            )
        )
        return {}
    cases: dict[int, tuple[Any, int]] = {}
    letter = get_column_letter(columns["case_reference"] + 1)
    for number, row in enumerate(rows, start=2):
        slot = _slot(row[columns["case_slot"]] if len(row) > columns["case_slot"] else None)
        raw = row[columns["case_reference"]] if len(row) > columns["case_reference"] else None
        if slot is None:
            continue
        if isinstance(raw, str) and not raw.strip():
            raw = None
        if raw is not None:
            where = cell_address(CASES_SHEET, letter, number)
            text = cell_text(raw)
            if isinstance(raw, dt.date | dt.datetime):
                parsed.issues.append(
                    _issue(
                        name,
                        CASES_SHEET,
                        number,
                        "Case reference",
                        where,
                        "warning",
                        "case_reference_is_a_date",
                        f"{where} holds a date, not a case reference. A date of birth must never "
                        "be used: type the case-management reference instead.",
                    )
                )
            elif not re.search(r"\d", text):
                parsed.issues.append(
                    _issue(
                        name,
                        CASES_SHEET,
                        number,
                        "Case reference",
                        where,
                        "warning",
                        "case_reference_without_digits",
                        f"{where} has no digits, so it may be a name rather than a case reference. "
                        "Check it and use the case-management reference (it is pseudonymised "
                        "either way).",
                    )
                )
        cases[slot] = (raw, number)
    return cases


def _read_agency_sheet(
    sheet, name: str, title: str, parsed: _ParsedFile
) -> tuple[dict[str, str], list] | None:
    rows = iter(sheet.rows)
    header = next(rows, ())
    columns = _header_map(header, {f: label for f, label, _ in AGENCY_COLUMNS})
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        labels = dict((f, h) for f, h, _ in AGENCY_COLUMNS)
        parsed.issues.append(
            _issue(
                name,
                title,
                1,
                "",
                "",
                "error",
                "sheet_header_changed",
                f"{name}, sheet {title}: the header has no "
                + ", ".join(repr(labels[f]) for f in missing)
                + " column, so the sheet was not read. Restore row 1 from the tool that was sent "
                "out (columns must keep their headers).",
            )
        )
        return None
    entries = []
    for number, row in enumerate(rows, start=2):
        values = {f: (row[p] if p < len(row) else None) for f, p in columns.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        entries.append((number, values))
    letters = {f: get_column_letter(p + 1) for f, p in columns.items()}
    return letters, entries


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def ingest_audit(folder: Path | str, *, key: bytes | None = None) -> AuditIngest:
    """Read every completed audit tool in one audit folder, ``data/raw/audit/<audit-id>/``.

    Inputs: ``folder`` (its name is the audit id; every .xlsx/.xlsm in it is read, Excel lock
    files ``~$...`` are skipped); ``key`` (the pseudonymisation key; None:
    :func:`pseudonym.load_key`). Each workbook passes :func:`workbook_checks.check_workbook` first.

    Output: :class:`AuditIngest` with

    * ``records``: one row per case x agency x question on every started agency sheet, with
      :data:`RECORD_COLUMNS`: ``audit_id, borough, theme, audit_date`` (from the tool);
      ``agency`` (canonical name); ``case`` (pseudonym ``CASE-...``, "" when the reference is
      missing), ``case_slot``; ``section, question_id, question`` (from today's question
      bank); ``grade, second_grade, moderated_grade`` (grade names or "Not applicable"; empty
      when blank or invalid); ``auditor, second_auditor, moderator``; ``moderation_reason``;
      ``moderation`` ("confirmed", "up", "down"; "changed" when one of the two is "Not
      applicable"; "" when not moderated);
      ``final_grade`` (the moderated grade when given, else the grade); ``evidence`` (or
      :data:`WITHHELD_TEXT`); ``evidence_withheld`` and ``reason_withheld`` (kinds of
      identifier found, comma-separated, "" when none); ``status`` ("ok" or the first of
      :data:`STATUS_ORDER` that applies); ``problems`` (every problem code, ";"-separated);
      ``file, sheet, row, cell`` (the grade cell, e.g. ``'Police'!E7``).
      Case slots with no reference and no answers (unused slots) give no records.
    * ``issues``: ``file, sheet, row, column, cell, severity, code, message``; never the
      text of a cell.
    * ``files``: :data:`FILE_COLUMNS`, one row per workbook (status read or rejected).

    Raises: MissingDataFileError when the folder does not exist; PseudonymKeyError when no key
    is set up (before any file is read).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingDataFileError(
            f"Audit folder {folder} does not exist. Completed tools go in "
            "data/raw/audit/<audit-id>/, one folder per audit."
        )
    key = key if key is not None else pseudonym.load_key()
    config = audit_config()
    audit_id = folder.name
    issues: list[dict] = []
    parsed_files: list[_ParsedFile] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in workbook_checks.WORKBOOK_SUFFIXES + (
            ".xls",
        ):
            continue
        if path.name.startswith("~$"):
            issues.append(
                _issue(
                    path.name,
                    "",
                    None,
                    "",
                    "",
                    "info",
                    "lock_file_skipped",
                    f"{path.name} is an Excel lock file (the workbook was open "
                    "when copied); it was skipped.",
                )
            )
            continue
        parsed_files.append(_parse_file(path, audit_id, config))

    references = sorted(
        {cell_text(raw) for p in parsed_files for raw, _ in p.cases.values() if raw is not None}
    )
    scan_config = load_identifier_config()
    memo: dict[str, str] = {}
    records: list[dict] = []
    file_rows: list[dict] = []
    for parsed in parsed_files:
        issues.extend(parsed.issues)
        file_records = _records_for_file(parsed, key, config, references, scan_config, issues, memo)
        records.extend(file_records)
        file_rows.append(_file_row(parsed, file_records))
    _mark_duplicates(records, issues)
    _check_cross_file(parsed_files, key, issues)
    for row in file_rows:
        mine = [i for i in issues if i["file"] == row["file"]]
        row["errors"] = sum(i["severity"] == "error" for i in mine)
        row["warnings"] = sum(i["severity"] == "warning" for i in mine)

    frame = pd.DataFrame(records, columns=list(RECORD_COLUMNS))
    frame["case_slot"] = frame["case_slot"].astype("Int64")
    frame["row"] = frame["row"].astype("Int64")
    frame["audit_date"] = pd.to_datetime(frame["audit_date"], errors="coerce")
    frame.attrs["key_fingerprint"] = pseudonym.key_fingerprint(key)
    issue_frame = pd.DataFrame(issues, columns=list(ISSUE_COLUMNS))
    issue_frame["row"] = issue_frame["row"].astype("Int64")
    files = pd.DataFrame(file_rows, columns=list(FILE_COLUMNS))
    logger.info(
        "Audit %s: %d workbook(s) read, %d rejected, %d records, %d issues.",
        audit_id,
        int((files["status"] == "read").sum()),
        int((files["status"] == "rejected").sum()),
        len(frame),
        len(issue_frame),
    )
    return AuditIngest(records=frame, issues=issue_frame, files=files, folder=folder)


def _file_row(parsed: _ParsedFile, records: list[dict]) -> dict:
    meta = parsed.meta
    return {
        "file": parsed.path.name,
        "sha256": parsed.sha256,
        "status": parsed.status,
        "audit_id": meta.get("audit_id", ""),
        "theme": meta.get("theme", ""),
        "borough": meta.get("borough", ""),
        "question_bank_version": meta.get("question_bank_version", ""),
        "agency_sheets": ", ".join(sorted({r["sheet"] for r in records})),
        "cases": len({r["case"] for r in records if r["case"]}),
        "records": len(records),
        "errors": 0,
        "warnings": 0,
        "reason": parsed.reason,
    }


def _records_for_file(
    parsed: _ParsedFile,
    key: bytes,
    config: dict,
    references: list[str],
    scan_config,
    issues: list[dict],
    memo: dict[str, str],
) -> list[dict]:
    if parsed.status != "read":
        return []
    meta = parsed.meta
    name = parsed.path.name
    bank = question_bank(meta["theme"], config).set_index("question_id")
    ranks = grade_ranks(config)
    pseudonyms = {
        slot: pseudonym.pseudonymise(raw, key)
        for slot, (raw, _) in parsed.cases.items()
        if raw is not None
    }
    missing_reference_reported: set[int] = set()
    labels = dict((f, h) for f, h, _ in AGENCY_COLUMNS)
    out: list[dict] = []
    for title, agency, letters, entries in parsed.sheets:
        if not any(any(_filled(values.get(f)) for f in ENTRY_FIELDS) for _, values in entries):
            continue  # nobody started this sheet (e.g. another agency's copy)
        for number, values in entries:
            started = any(_filled(values.get(f)) for f in ENTRY_FIELDS)
            slot = _slot(values.get("case_slot"))
            if slot is not None and slot in parsed.cases and slot not in pseudonyms and not started:
                continue  # an unused case slot
            problems: list[str] = []

            def where(
                name_: str, number_: int = number, title_: str = title, letters_: dict = letters
            ) -> str:
                return cell_address(title_, letters_.get(name_, "?"), number_)

            def add(
                code: str,
                severity: str,
                column: str,
                message: str,
                number_: int = number,
                title_: str = title,
                problems_: list = problems,
            ) -> None:
                problems_.append(code)
                issues.append(
                    _issue(
                        name,
                        title_,
                        number_,
                        labels.get(column, column),
                        where(column, number_),
                        severity,
                        code,
                        message,
                    )
                )

            if slot is None or slot not in parsed.cases:
                add(
                    "unknown_case_slot",
                    "error",
                    "case_slot",
                    f"{where('case_slot')}: the case slot is not one of the slots on the "
                    f"{CASES_SHEET} sheet; restore it from the tool that was sent out.",
                )
            elif slot not in pseudonyms:
                problems.append("missing_case_reference")
                if slot not in missing_reference_reported:
                    missing_reference_reported.add(slot)
                    row_number = parsed.cases[slot][1]
                    cell = cell_address(CASES_SHEET, "B", row_number)
                    issues.append(
                        _issue(
                            name,
                            CASES_SHEET,
                            row_number,
                            "Case reference",
                            cell,
                            "error",
                            "missing_case_reference",
                            f"{cell}: case slot {slot} has answers on sheet {title} but no case "
                            "reference; type the case reference there (references only, no "
                            "names).",
                        )
                    )
            qid = cell_text(values.get("question_id"))
            if qid not in bank.index:
                add(
                    "unknown_question",
                    "error",
                    "question_id",
                    f"{where('question_id')}: the question id is not in the {meta['theme']} "
                    f"question bank (data/reference/{CONFIG_FILE}); restore the row from the "
                    "tool that was sent out.",
                )
            grades: dict[str, str | None] = {}
            for grade_field in GRADE_FIELDS:
                value, valid = parse_grade(values.get(grade_field), config)
                grades[grade_field] = value
                if not valid:
                    code = {
                        "grade": "invalid_grade",
                        "second_grade": "invalid_second_grade",
                        "moderated_grade": "invalid_moderated_grade",
                    }[grade_field]
                    add(
                        code,
                        "error",
                        grade_field,
                        f"{where(grade_field)}: the {labels[grade_field].lower()} is not one of "
                        f"{', '.join(grade_names(config))} or {not_applicable_label(config)}; "
                        "choose from the dropdown.",
                    )
            if grades["grade"] is None and "invalid_grade" not in problems:
                add(
                    "missing_grade",
                    "warning",
                    "grade",
                    f"{where('grade')}: no grade. Ask {agency_sheet_title(agency)} to grade this "
                    "question (or choose Not applicable).",
                )
            moderator = cell_text(values.get("moderator"))
            reason = cell_text(values.get("moderation_reason"))
            if grades["moderated_grade"] is not None and not reason:
                add(
                    "moderation_reason_missing",
                    "warning",
                    "moderation_reason",
                    f"{where('moderation_reason')}: a moderated grade with no reason; record "
                    "why the grade was confirmed or changed.",
                )
            evidence = cell_text(values.get("evidence"))
            evidence_kinds = identifier_kinds(
                evidence, case_references=references, config=scan_config, memo=memo
            )
            if evidence_kinds:
                add(
                    "identifier_in_evidence",
                    "warning",
                    "evidence",
                    f"{where('evidence')}: the evidence may contain an identifier "
                    f"({describe_kinds(evidence_kinds)}); it is withheld from reports. Remove "
                    "it from the workbook and keep to case references only.",
                )
                evidence = WITHHELD_TEXT
            reason_kinds = identifier_kinds(
                reason, case_references=references, config=scan_config, memo=memo
            )
            if reason_kinds:
                add(
                    "identifier_in_reason",
                    "warning",
                    "moderation_reason",
                    f"{where('moderation_reason')}: the moderation reason may contain an "
                    f"identifier ({describe_kinds(reason_kinds)}); it is withheld from "
                    "reports. Remove it from the workbook.",
                )
                reason = WITHHELD_TEXT
            first, moderated = grades["grade"], grades["moderated_grade"]
            moderation = ""
            if first in ranks and moderated in ranks:
                change = ranks[moderated] - ranks[first]
                moderation = "confirmed" if change == 0 else "up" if change > 0 else "down"
            elif moderated is not None and first is not None:
                moderation = "confirmed" if moderated == first else "changed"
            section = bank.loc[qid, "section"] if qid in bank.index else ""
            status = next((s for s in STATUS_ORDER if s in problems), "ok")
            out.append(
                {
                    "audit_id": meta["audit_id"],
                    "borough": meta.get("borough", ""),
                    "theme": meta["theme"],
                    "audit_date": meta.get("audit_date", ""),
                    "agency": agency,
                    "case": pseudonyms.get(slot, ""),
                    "case_slot": slot,
                    "section": section,
                    "question_id": qid if qid in bank.index else "",
                    "question": bank.loc[qid, "question"] if qid in bank.index else "",
                    "grade": first or "",
                    "second_grade": grades["second_grade"] or "",
                    "auditor": cell_text(values.get("auditor")),
                    "second_auditor": cell_text(values.get("second_auditor")),
                    "moderated_grade": moderated or "",
                    "moderator": moderator,
                    "moderation_reason": reason,
                    "moderation": moderation,
                    "final_grade": moderated or first or "",
                    "evidence": evidence,
                    "evidence_withheld": evidence_kinds,
                    "reason_withheld": reason_kinds,
                    "status": status,
                    "problems": ";".join(dict.fromkeys(problems)),
                    "file": name,
                    "sheet": title,
                    "row": number,
                    "cell": where("grade"),
                    "_answered": started,
                }
            )
    return out


def _mark_duplicates(records: list[dict], issues: list[dict]) -> None:
    """Mark repeated case x agency x question answers; the first answered one is used.

    An answered repeat is an error naming both cells. An empty repeat (the same row left blank
    in another copy of the tool) is kept with status "duplicate" and its missing-grade warning
    is dropped, because the question is answered elsewhere.
    """
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for record in records:
        if record["case"] and record["question_id"]:
            key = (record["agency"], record["case"], record["question_id"])
            groups.setdefault(key, []).append(record)
    dropped: set[tuple[str, str]] = set()
    for group in groups.values():
        if len(group) < 2:
            continue
        primary = next((r for r in group if r["_answered"]), group[0])
        for record in group:
            if record is primary:
                continue
            record["problems"] = ";".join(p for p in (record["problems"], "duplicate") if p)
            record["status"] = next(
                (s for s in STATUS_ORDER if s in record["problems"].split(";")), "ok"
            )
            if not record["_answered"]:
                dropped.add((record["file"], record["cell"]))
                continue
            issues.append(
                _issue(
                    record["file"],
                    record["sheet"],
                    record["row"],
                    "Grade",
                    record["cell"],
                    "error",
                    "duplicate",
                    f"{record['cell']} in {record['file']} answers the same case, agency and "
                    f"question as {primary['cell']} in {primary['file']}; the latter is used. "
                    "Remove one copy (or, if both were meant, check the case references).",
                )
            )
    if dropped:
        issues[:] = [
            i
            for i in issues
            if not (i["code"] == "missing_grade" and (i["file"], i["cell"]) in dropped)
        ]


def _check_cross_file(parsed_files: list[_ParsedFile], key: bytes, issues: list[dict]) -> None:
    read = [p for p in parsed_files if p.status == "read"]
    slots: dict[int, tuple[str, str]] = {}
    for parsed in read:
        for slot, (raw, number) in sorted(parsed.cases.items()):
            if raw is None:
                continue
            pseudo = pseudonym.pseudonymise(raw, key)
            cell = cell_address(CASES_SHEET, "B", number)
            if slot in slots and slots[slot][0] != pseudo:
                issues.append(
                    _issue(
                        parsed.path.name,
                        CASES_SHEET,
                        number,
                        "Case reference",
                        cell,
                        "warning",
                        "case_slot_conflict",
                        f"{parsed.path.name} {cell}: case slot {slot} holds a different case "
                        f"reference from {slots[slot][1]}. Each copy of the tool should list the "
                        "same cases in the same slots; answers are linked by the reference in "
                        "their own file.",
                    )
                )
            slots.setdefault(slot, (pseudo, parsed.path.name))
    expected: dict[str, str] = {}
    started: set[str] = set()
    for parsed in read:
        for title, agency in parsed.meta.get("agencies", []):
            expected.setdefault(agency, title)
        for _title, agency, _, entries in parsed.sheets:
            if any(any(_filled(v.get(f)) for f in ENTRY_FIELDS) for _, v in entries):
                started.add(agency)
    for agency, title in expected.items():
        if agency not in started:
            issues.append(
                _issue(
                    "",
                    title,
                    None,
                    "",
                    "",
                    "warning",
                    "agency_not_returned",
                    f"No completed {title} sheet was found in any file of this audit: chase "
                    f"{agency_sheet_title(agency)} for their return.",
                )
            )


def ingest_audits(
    root: Path | str | None = None, *, key: bytes | None = None
) -> dict[str, AuditIngest]:
    """Ingest every audit folder under ``root`` (None: ``data/raw/audit/``).

    Output: {audit id: AuditIngest}, for each sub-folder holding at least one workbook, in
    name order. Raises: MissingDataFileError when ``root`` does not exist; PseudonymKeyError
    when no key is set up.
    """
    root = Path(root) if root is not None else paths.raw_dir() / "audit"
    if not root.is_dir():
        raise MissingDataFileError(
            f"{root} does not exist. Put each audit's completed tools in "
            "data/raw/audit/<audit-id>/ (or run `lscb demo-data` for synthetic ones)."
        )
    key = key if key is not None else pseudonym.load_key()
    results = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if any(f.suffix.lower() in workbook_checks.WORKBOOK_SUFFIXES for f in folder.iterdir()):
            results[folder.name] = ingest_audit(folder, key=key)
    return results


def write_ingest(result: AuditIngest, out_dir: Path | str | None = None) -> dict[str, Path]:
    """Write an audit's records, issues and file list for the notebooks.

    Input: ``result`` from :func:`ingest_audit`; ``out_dir`` (None:
    ``data/processed/audit/<audit-id>/``). Output: {name: path} for ``records.parquet``,
    ``records.csv``, ``issues.csv`` and ``files.csv`` (CSV files neutralise formula-like text).
    Records carry pseudonyms only. Raises: RawDataWriteError when ``out_dir`` is under
    ``data/raw/``.
    """
    out = (
        Path(out_dir) if out_dir is not None else paths.processed_dir() / "audit" / result.audit_id
    )
    written = {"records.parquet": io.ensure_writable(out / "records.parquet")}
    records = result.records.copy()
    records.attrs = {}
    records.to_parquet(written["records.parquet"], index=False)
    written["records.csv"] = safe_files.write_safe_csv(records, out / "records.csv")
    written["issues.csv"] = safe_files.write_safe_csv(result.issues, out / "issues.csv")
    written["files.csv"] = safe_files.write_safe_csv(result.files, out / "files.csv")
    return written


def read_audit_records(
    processed: Path | str | None = None, *, theme: str | None = None, borough: str | None = None
) -> pd.DataFrame:
    """Read the records of every ingested audit (``data/processed/audit/*/records.parquet``).

    Inputs: ``processed`` (None: ``data/processed/``); optional ``theme`` and ``borough``
    filters (names resolved as in :func:`resolve_theme` and the register). Output: the records
    (:data:`RECORD_COLUMNS`), empty when nothing has been ingested. Raises: ParameterError or
    UnknownAreaError for an unknown theme or borough.
    """
    base = Path(processed) if processed is not None else paths.processed_dir()
    frames = [pd.read_parquet(p) for p in sorted((base / "audit").glob("*/records.parquet"))]
    frames = [f for f in frames if not f.empty]
    records = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=list(RECORD_COLUMNS))
    )
    if theme is not None:
        records = records[records["theme"] == resolve_theme(theme)]
    if borough is not None:
        records = records[records["borough"] == register.resolve(borough).name]
    records = records.reset_index(drop=True)
    records.attrs["record_level"] = True  # one row per case answer: never displayed whole
    return records


def raw_case_references(root: Path | str | None = None) -> list[str]:
    """Return the raw case references typed into every audit tool under ``root``.

    For the publication check only (:func:`identifiers.scan_folder` with
    ``case_references=``): a report must never contain one. Input: ``root`` (None:
    ``data/raw/audit/``); every workbook in its sub-folders passes
    :func:`workbook_checks.check_workbook` first and unreadable ones are skipped. Output: the
    references as typed (trimmed), sorted, unique. Keep the list in memory: never write,
    print or log it. Raises nothing for a missing folder (an empty list).
    """
    base = Path(root) if root is not None else paths.raw_dir() / "audit"
    found: set[str] = set()
    if not base.is_dir():
        return []
    for path in sorted(base.glob("*/*")):
        if path.suffix.lower() not in workbook_checks.WORKBOOK_SUFFIXES or path.name.startswith(
            "~$"
        ):
            continue
        try:
            workbook = read_xlsx_workbook(path)
        except (DataFileError, OSError, ValueError, KeyError, zipfile.BadZipFile):
            continue
        if CASES_SHEET in workbook:
            for row in workbook[CASES_SHEET].rows[1:]:
                text = cell_text(row[1]) if len(row) > 1 else ""
                if text:
                    found.add(text)
    return sorted(found)
