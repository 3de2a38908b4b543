"""Section 11 self-assessment: the standards, ratings and the workbook each agency fills.

Section 11 of the Children Act 2004 requires each partner agency to make arrangements to
safeguard children; the board asks each agency to rate itself against the standards in
``data/reference/section11.yaml`` (:func:`section11_config`, :func:`criteria`), with its
evidence and actions. :func:`write_self_assessment` writes the workbook for one agency and
board: an ``About`` sheet, a ``Self-assessment`` sheet (one row per criterion: rating from a
list, evidence, action, owner, due date; the criterion columns locked) and a hidden
``S11Info`` sheet that identifies the agency, board and standards version (with checksums,
so the ingest, :mod:`lscb_analysis.qa.section11_ingest`, can tell an edited or outdated one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lscb_analysis.core import io, name_text, register
from lscb_analysis.core.errors import ParameterError, ReferenceDataError
from lscb_analysis.protect import safe_files
from lscb_analysis.survey.survey_rules import normalise_key, resolve_agency

CONFIG_FILE = "section11.yaml"
FORMAT_NAME = "lscb-section11"
FORMAT_VERSION = 1
ABOUT_SHEET = "About"
SHEET = "Self-assessment"
INFO_SHEET = "S11Info"
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("standard", "Standard", 26),
    ("criterion_id", "Criterion", 10),
    ("criterion", "What the agency shows", 60),
    ("rating", "Rating", 14),
    ("evidence", "Evidence", 50),
    ("action", "Action (where not fully met)", 40),
    ("owner", "Action owner", 18),
    ("due", "Action due (year-month-day)", 16),
)
"""(field, header, width) of the Self-assessment sheet's columns, A to H."""
LOCKED_FIELDS = ("standard", "criterion_id", "criterion")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
ENTRY_FILL = PatternFill("solid", fgColor="FFFFFF")
CLASSIFICATION = "OFFICIAL when completed"


def section11_config(path: Path | str | None = None) -> dict:
    """Read and check ``data/reference/section11.yaml``.

    Output: the YAML as a dict. Raises: ReferenceDataError naming the file and what is
    missing: the version, the ratings (each with a name), the standards (each with an id,
    a title and at least one criterion), or a repeated standard id.
    """
    file = Path(path) if path is not None else io.reference_file(CONFIG_FILE)
    config = io.read_yaml_mapping(file, "Section 11 standards file")
    for key in ("standards_version", "ratings", "standards"):
        if not config.get(key):
            raise ReferenceDataError(f"{file}: '{key}' is missing or empty; restore it.")
    if any(not (entry or {}).get("rating") for entry in config["ratings"]):
        raise ReferenceDataError(f"{file}: every rating needs a 'rating' name.")
    ids = [str((standard or {}).get("id", "")) for standard in config["standards"]]
    for standard, sid in zip(config["standards"], ids, strict=True):
        if not sid or not standard.get("title") or not standard.get("criteria"):
            raise ReferenceDataError(
                f"{file}: standard {sid or '(no id)'} needs an id, a title and criteria."
            )
    repeated = sorted({sid for sid in ids if ids.count(sid) > 1})
    if repeated:
        raise ReferenceDataError(f"{file}: standard ids {', '.join(repeated)} are repeated.")
    return config


def criteria(config: dict | None = None) -> pd.DataFrame:
    """The criteria in order: ``standard_id, standard, criterion_id`` (``S1.1``),
    ``criterion``. Raises: ReferenceDataError (see :func:`section11_config`)."""
    config = config or section11_config()
    rows = [
        {
            "standard_id": str(standard["id"]),
            "standard": str(standard["title"]),
            "criterion_id": f"{standard['id']}.{number}",
            "criterion": " ".join(str(text).split()),
        }
        for standard in config["standards"]
        for number, text in enumerate(standard["criteria"], start=1)
    ]
    return pd.DataFrame(rows, columns=["standard_id", "standard", "criterion_id", "criterion"])


def rating_names(config: dict | None = None) -> list[str]:
    """The ratings, best first (``Fully met``, ``Partly met``, ``Not met``)."""
    return [str(entry["rating"]) for entry in (config or section11_config())["ratings"]]


def weak_ratings(config: dict | None = None) -> set[str]:
    """The ratings that need an action."""
    return {
        str(entry["rating"])
        for entry in (config or section11_config())["ratings"]
        if entry.get("weak")
    }


def parse_rating(text: object, config: dict | None = None) -> str | None:
    """The rating a cell's text stands for (its name or a synonym, ignoring case and
    punctuation), or None.

    >>> parse_rating(" partially MET "), parse_rating("Red"), parse_rating("maybe")
    ('Partly met', 'Not met', None)
    """
    key = normalise_key(text)
    for entry in (config or section11_config())["ratings"]:
        words = {normalise_key(entry["rating"])}
        words |= {normalise_key(s) for s in entry.get("synonyms", [])}
        if key in words:
            return str(entry["rating"])
    return None


def standards_checksum(config: dict | None = None) -> str:
    """SHA-256 of the criteria and ratings a workbook is made from (its wording included)."""
    config = config or section11_config()
    content = {"criteria": criteria(config).values.tolist(), "ratings": rating_names(config)}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def info_checksum(meta: dict) -> str:
    """SHA-256 of the hidden sheet's fields (without its own ``checksum``)."""
    content = {k: v for k, v in meta.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def identity(agency: str, board: str) -> tuple[str, register.LocalAuthority]:
    """The agency (canonical name) and the board's borough, as people write them.

    Raises: ParameterError for an unknown agency or a board that is not a London borough;
    InvalidNameError for names holding hidden characters.
    """
    canonical = resolve_agency(agency)
    area = register.resolve(name_text.check_name(board, "board"))
    if not area.is_london:
        raise ParameterError(
            f"--board {board!r} is {area.name}, not a London borough: name the board by its "
            "borough (e.g. Barnet)."
        )
    return canonical, area


def build_self_assessment(
    agency: str,
    board: str,
    *,
    made: dt.date | None = None,
    synthetic: bool = False,
    config: dict | None = None,
) -> Workbook:
    """The self-assessment workbook for one agency and board, in memory (not saved).

    Inputs: ``agency`` and ``board`` as people write them; ``made`` (None: today);
    ``synthetic`` (demo data: marked SYNTHETIC); ``config`` (None: section11.yaml).
    Raises: see :func:`identity`; ReferenceDataError for a bad standards file.
    """
    config = config or section11_config()
    canonical, area = identity(agency, board)
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "agency": canonical,
        "board": area.name,
        "la_number": area.la_number,
        "standards_version": str(config["standards_version"]),
        "standards_sha256": standards_checksum(config),
        "made": (made or dt.date.today()).isoformat(),
        "synthetic": "yes" if synthetic else "no",
    }
    meta["checksum"] = info_checksum(meta)
    workbook = Workbook()
    workbook.properties.creator = "LSCB datasets workbench"
    workbook.properties.title = f"Section 11 self-assessment: {canonical}, {area.name}"
    _write_about(workbook.active, meta)
    _write_criteria(workbook.create_sheet(SHEET), meta, config)
    info = workbook.create_sheet(INFO_SHEET)
    for row, (key, value) in enumerate(meta.items(), start=1):
        info.cell(row=row, column=1, value=key)
        safe_files.write_cell(info.cell(row=row, column=2), value)
    info.sheet_state = "hidden"
    info.protection.sheet = True
    workbook.active = 1
    return workbook


def write_self_assessment(agency: str, board: str, path: Path | str) -> Path:
    """Write the self-assessment workbook (see :func:`build_self_assessment`) to ``path``.

    Raises: as :func:`build_self_assessment`; RawDataWriteError under ``data/raw/``.
    """
    workbook = build_self_assessment(agency, board)
    target = io.ensure_writable(path)
    workbook.save(target)
    return target


def default_file_name(agency: str, board: str) -> str:
    """``section11_<board>_<agency>.xlsx``: names the ingest reads the identity from."""
    canonical, area = identity(agency, board)
    return f"section11_{area.slug}_{register.slugify(canonical)}.xlsx"


def _write_about(sheet, meta: dict) -> None:
    sheet.title = ABOUT_SHEET
    sheet.column_dimensions["A"].width = 110
    lines = [
        f"Section 11 self-assessment: {meta['agency']} for {meta['board']} safeguarding "
        "partnership",
        *(
            ["SYNTHETIC DATA: made for the demo, not a real agency's assessment."]
            if meta["synthetic"] == "yes"
            else []
        ),
        f"Standards version {meta['standards_version']} (data/reference/section11.yaml).",
        "For each criterion on the Self-assessment sheet choose a rating from the list, write "
        "the evidence you hold (policies, audits, training records, what children told you), "
        "and for every criterion not fully met the action you will take, its owner and date.",
        "Describe arrangements, not people: no names of children, families or staff.",
        "Return the workbook as .xlsx without a password. Do not rename, move or delete "
        f"sheets; the hidden {INFO_SHEET} sheet identifies your agency and board.",
    ]
    for row, line in enumerate(lines, start=1):
        cell = safe_files.write_cell(sheet.cell(row=row, column=1), line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.protection.sheet = True


def _write_criteria(sheet, meta: dict, config: dict) -> None:
    fields = [field for field, _, _ in COLUMNS]
    for column, (_, label, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=column, value=label)
        cell.fill, cell.font = HEADER_FILL, Font(bold=True, color="FFFFFF")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = width
    table = criteria(config)
    for row, item in enumerate(table.itertuples(index=False), start=2):
        values = {"standard": item.standard, "criterion_id": item.criterion_id}
        values["criterion"] = item.criterion
        for column, name in enumerate(fields, start=1):
            cell = sheet.cell(row=row, column=column)
            if name in LOCKED_FIELDS:
                safe_files.write_cell(cell, values[name])
                cell.fill = LOCKED_FILL
            else:
                cell.fill = ENTRY_FILL
                cell.protection = Protection(locked=False)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    last = len(table) + 1
    ratings = DataValidation(
        type="list",
        formula1='"' + ",".join(rating_names(config)) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Choose a rating",
        error="Choose a rating from the list.",
    )
    sheet.add_data_validation(ratings)
    letter = get_column_letter(fields.index("rating") + 1)
    ratings.add(f"{letter}2:{letter}{last}")
    sheet.freeze_panes = "D2"
    safe_files.lock_form_sheet(sheet, "1:1")
    sheet.oddHeader.center.text = f"Section 11: {meta['agency']}, {meta['board']}"
    sheet.oddFooter.left.text = CLASSIFICATION
    sheet.oddFooter.right.text = "Page &P of &N"
