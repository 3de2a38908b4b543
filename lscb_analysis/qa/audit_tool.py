"""The audit tool workbook: built from the theme's question bank, written for the auditors.

The audit tool (:func:`write_audit_template`, ``lscb audit template``) is an xlsx built from
the theme's question bank in ``data/reference/audit_themes.yaml``:

* ``Cover``: audit id, theme, borough, date, agencies, instructions (case references only: no
  names, dates of birth or addresses) and the grade descriptors;
* ``Cases``: one row per case slot (1..N): the case reference, typed once, and the date sampled;
* one sheet per agency, one row per case slot x question, columns
  :data:`lscb_analysis.qa.audit.AGENCY_COLUMNS`: case slot, section, question id, question,
  grade (dropdown), evidence, auditor, second auditor grade (dropdown, for double-marked
  cases), second auditor, moderated grade (dropdown), moderator, moderation reason. The first
  four columns and the header are locked (no password), panes frozen, pages print landscape
  on A4;
* ``AuditInfo`` (hidden): audit id, theme, question bank version and checksum, the agency of
  each sheet, and a checksum of all of these.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lscb_analysis.core import io, register
from lscb_analysis.core.errors import (
    ParameterError,
)
from lscb_analysis.protect import safe_files
from lscb_analysis.qa.audit import (
    AGENCY_COLUMNS,
    CASES_COLUMNS,
    CASES_SHEET,
    COVER_SHEET,
    FORMAT_NAME,
    FORMAT_VERSION,
    GRADE_FIELDS,
    INFO_SHEET,
    LOCKED_FIELDS,
    MAX_CASES,
    agency_sheet_title,
    audit_config,
    check_audit_id,
    grade_names,
    grade_ranks,
    not_applicable_label,
    question_bank,
    question_bank_checksum,
    resolve_theme,
)
from lscb_analysis.survey.survey_rules import resolve_agency

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
    meta["checksum"] = meta_checksum(meta)
    return meta


def meta_checksum(meta: dict) -> str:
    """The SHA-256 of the tool's metadata (without its own ``checksum``), as hex."""
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
    safe_files.lock_form_sheet(sheet)
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
