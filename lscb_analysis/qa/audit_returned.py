"""Reading one returned audit tool: its cover data, case slots and agency sheets, checked.

:func:`parse_file` opens a completed audit tool (a workbook from
:mod:`lscb_analysis.qa.audit_tool`), checks it is one (format, audit id, question bank
checksum) and reads its ``AuditInfo``, ``Cases`` and agency sheets into a :class:`ParsedFile`
with the issues found (file, sheet and cell, never the cell's text). Raw case references stay
in the ParsedFile only until :mod:`lscb_analysis.qa.audit_ingest` pseudonymises them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from lscb_analysis.core import io
from lscb_analysis.core.errors import (
    DataFileError,
    InvalidNameError,
    ParameterError,
)
from lscb_analysis.core.returned_workbook import read_xlsx_workbook
from lscb_analysis.core.returned_workbook_cells import ReturnedWorkbookError, cell_text
from lscb_analysis.protect.identifier_text import (
    scan_text,
)
from lscb_analysis.qa.audit import (
    AGENCY_COLUMNS,
    CASES_COLUMNS,
    CASES_SHEET,
    CONFIG_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    INFO_SHEET,
    REQUIRED_FIELDS,
    RESERVED_SHEETS,
    cell_address,
    norm_text,
    question_bank_checksum,
)
from lscb_analysis.qa.audit_tool import meta_checksum
from lscb_analysis.survey.survey_rules import find_borough, resolve_agency


@dataclass
class ParsedFile:
    """One returned tool as read: its cover data, raw case slots, agency sheets and issues.

    ``status`` is "read", or why the file was not read (``reason`` says more).
    """

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


def audit_issue(
    file: str,
    sheet: str,
    row: int | None,
    column: str,
    cell: str,
    severity: str,
    code: str,
    message: str,
) -> dict:
    """One issue as a dict with the keys of :data:`lscb_analysis.qa.audit.ISSUE_COLUMNS`."""
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


def case_slot_number(value: Any) -> int | None:
    """A case slot cell as a whole number; None when it is not one."""
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


def parse_file(path: Path, folder_audit_id: str, config: dict) -> ParsedFile:
    """Open and check one returned tool in the folder of ``folder_audit_id``.

    Output: a :class:`ParsedFile` (status "read" or the reason it was not read, with its
    issues). Nothing is raised for a bad file: its problems are issues.
    """
    parsed = ParsedFile(path=path, sha256=io.sha256_of(path))
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
            audit_issue(name, "", None, "", "", "error", "unreadable_workbook", message)
        )
        return parsed
    for item in workbook.check.issues.itertuples():
        parsed.issues.append(
            audit_issue(
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
            audit_issue(name, "", None, "", "", "error", "not_an_audit_tool", parsed.reason)
        )
        return parsed
    meta = _read_meta(workbook[INFO_SHEET].rows)
    parsed.meta = meta
    problem = _check_meta(meta, name, folder_audit_id, config)
    if problem:
        parsed.status, parsed.reason = "rejected", problem[1]
        parsed.issues.append(
            audit_issue(name, INFO_SHEET, None, "", "", "error", problem[0], problem[1])
        )
        return parsed
    if not _meta_intact(meta):
        parsed.issues.append(
            audit_issue(
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
            audit_issue(
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
            audit_issue(
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
            except (ParameterError, InvalidNameError):
                # a sheet someone added: its name is a cell value of the return, so it is
                # only quoted when it cannot be an identifier
                shown = title if scan_text(title).empty else f"number {position}"
                parsed.issues.append(
                    audit_issue(
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
    if _format_version(meta) > FORMAT_VERSION:
        return (
            "newer_tool",
            f"{name} was made by a newer version of the workbench (audit tool format "
            f"{meta.get('format_version')}; this one reads format {FORMAT_VERSION} and "
            "earlier). Update the workbench, or make the tool again with this version.",
        )
    if str(meta.get("audit_id", "")) != folder_audit_id:
        return (
            "wrong_audit",
            f"{name} belongs to audit {meta.get('audit_id') or '(none)'}, not "
            f"{folder_audit_id}: move it to data/raw/audit/{meta.get('audit_id')}/ (or ask "
            "the sender which audit it is for).",
        )
    mismatch = _identity_mismatch(meta, name, folder_audit_id)
    if mismatch:
        return "identity_mismatch", mismatch
    if meta.get("theme") not in config["themes"]:
        return (
            "unknown_theme",
            f"{name} is for theme {meta.get('theme')!r}, which is no longer in "
            f"data/reference/{CONFIG_FILE}; restore the theme there to read it.",
        )
    return None


def _format_version(meta: dict) -> int:
    try:
        return int(str(meta.get("format_version") or 0))
    except ValueError:
        return FORMAT_VERSION + 1  # unreadable: treated as a format this version cannot read


def set_aside_other_boroughs(parsed_files: list[ParsedFile], audit_id: str) -> None:
    """Set aside files of one audit whose identity sheet names another borough than the rest.

    An audit is of one borough. Its borough is the one named by the files whose hidden sheet
    is as the tool was made (its checksum matches), or, when none is, by most files; a file
    naming another borough is marked rejected (``identity_mismatch``) with an error issue,
    so an edited identity sheet cannot file answers under another borough.
    """
    named = [
        (parsed, find_borough(parsed.meta.get("borough") or ""))
        for parsed in parsed_files
        if parsed.status == "read"
    ]
    named = [(parsed, area) for parsed, area in named if area is not None]
    intact = [area for parsed, area in named if _meta_intact(parsed.meta)]
    votes = [area.name for area in (intact or [area for _, area in named])]
    if not votes:
        return
    audit_borough = max(sorted(set(votes)), key=votes.count)
    for parsed, area in named:
        if area.name == audit_borough:
            continue
        parsed.status = "rejected"
        parsed.reason = (
            f"{parsed.path.name}: the {INFO_SHEET} sheet says {area.name}, the other files of "
            f"audit {audit_id} say {audit_borough}. The file was set aside, so no answers are "
            f"filed under the wrong borough: if it is {area.name}'s audit, move it to that "
            "audit's folder; otherwise return the tool as it was sent out."
        )
        parsed.issues.append(
            audit_issue(
                parsed.path.name,
                INFO_SHEET,
                None,
                "",
                "",
                "error",
                "identity_mismatch",
                parsed.reason,
            )
        )


def _meta_intact(meta: dict) -> bool:
    return meta.get("checksum") == meta_checksum(dict(meta))


def _identity_mismatch(meta: dict, name: str, folder_audit_id: str) -> str:
    """Why the file name, the audit's folder and the identity sheet name different boroughs
    ("" when they agree, or when at most one of them names a borough)."""
    said = {
        "the file name": find_borough(Path(name).stem),
        f"the folder {folder_audit_id}": find_borough(folder_audit_id),
        f"the {INFO_SHEET} sheet": find_borough(meta.get("borough") or ""),
    }
    named = {where: area for where, area in said.items() if area is not None}
    if len({area.la_number for area in named.values()}) < 2:
        return ""
    owner = named.get(f"the {INFO_SHEET} sheet") or next(iter(named.values()))
    return (
        f"{name}: "
        + ", ".join(f"{where} says {area.name}" for where, area in named.items())
        + ". The file was set aside, so no answers are filed under the wrong borough: move "
        f"or rename it if it is {owner.name}'s audit, or ask {owner.name} whether it is theirs."
    )


def _header_map(header: tuple, labels: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    wanted = {norm_text(label): name for name, label in labels.items()}
    for position, value in enumerate(header):
        key = norm_text(value) if value is not None else ""
        if key in wanted and wanted[key] not in found:
            found[wanted[key]] = position
    return found


def _read_cases(sheet, parsed: ParsedFile) -> dict[int, tuple[Any, int]]:
    rows = iter(sheet.rows)
    header = next(rows, ())
    columns = _header_map(header, {f: label for f, label, _ in CASES_COLUMNS})
    name = parsed.path.name
    if "case_slot" not in columns or "case_reference" not in columns:
        parsed.issues.append(
            audit_issue(
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
        slot = case_slot_number(
            row[columns["case_slot"]] if len(row) > columns["case_slot"] else None
        )
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
                    audit_issue(
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
                    audit_issue(
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
    sheet, name: str, title: str, parsed: ParsedFile
) -> tuple[dict[str, str], list] | None:
    rows = iter(sheet.rows)
    header = next(rows, ())
    columns = _header_map(header, {f: label for f, label, _ in AGENCY_COLUMNS})
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        labels = dict((f, h) for f, h, _ in AGENCY_COLUMNS)
        parsed.issues.append(
            audit_issue(
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


def is_filled(value: Any) -> bool:
    """Whether a cell holds something (not None, not blank text)."""
    return value is not None and not (isinstance(value, str) and not value.strip())
