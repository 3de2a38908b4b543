"""Returned workbook: the one reader of files sent back to the workbench.

Survey returns, pilot returns, consultation forms and audit tools all come back as
spreadsheets; :func:`read_returned_workbook` reads any of them (.xlsx/.xlsm, a legacy .xls,
.ods or .csv, going by what the bytes are rather than the name) into a
:class:`~lscb_analysis.core.returned_workbook_cells.ReturnedWorkbook`: every sheet in workbook
order with its state (visible, hidden, veryHidden), the cell values Excel last saved (formulas
never run; the formula cells are listed), merged ranges, and A1 addresses. Readers that take
only .xlsx call :func:`read_xlsx_workbook`. Text comes from
:func:`~lscb_analysis.core.returned_workbook_cells.cell_text`.

An .xlsx first passes :func:`lscb_analysis.core.workbook_checks.check_workbook` (zip bombs,
encryption, too many rows), then opens with cached values only, macros and external links
neither run nor kept. Refusals raise the caller's error class (``(message, code=...)``, e.g.
SurveyFileError) with a message naming the file and saying what to ask ``sender`` for.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from openpyxl.chartsheet import Chartsheet

from lscb_analysis.core.errors import UnsafeWorkbookError
from lscb_analysis.core.returned_workbook_cells import (
    ReturnedSheet,
    ReturnedWorkbook,
    ReturnedWorkbookError,
)
from lscb_analysis.core.returned_workbook_formats import (
    ErrorClass,
    password_message,
    read_csv,
    read_ods,
    read_xls,
)
from lscb_analysis.core.workbook_checks import (
    CFB_SIGNATURE,
    OPENPYXL_READ_ERRORS,
    WORKBOOK_SUFFIXES,
    WorkbookLimits,
    check_workbook,
    load_workbook_limits,
)

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
EXPECTED_FORMAT: dict[str, str] = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xltx": "xlsx",
    ".xltm": "xlsx",
    ".xls": "xls",
    ".ods": "ods",
    ".csv": "text",
}
"""What a file's suffix says it is, as :func:`sniff` names formats."""


def sniff(path: Path) -> str:
    """What the bytes say a file is: ``xlsx``, ``ods``, ``xls``, ``encrypted``, ``zip``,
    ``text`` or ``binary``. Input: the path of an existing file. Raises OSError only."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == CFB_SIGNATURE:
        data = path.read_bytes()
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in data else "xls"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as package:
                names = set(package.namelist())
                if "mimetype" in names:
                    with package.open("mimetype") as member:
                        if member.read(100).startswith(ODS_MIMETYPE):
                            return "ods"
                if any(n.endswith("workbook.xml") for n in names):
                    return "xlsx"
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
            return "binary"
        return "zip"
    with path.open("rb") as handle:
        sample = handle.read(4096)
    return "binary" if b"\x00" in sample else "text"


def read_xlsx_workbook(
    path: Path | str,
    limits: WorkbookLimits | None = None,
    *,
    error: ErrorClass = ReturnedWorkbookError,
    sender: str = "the sender",
) -> ReturnedWorkbook:
    """Read an .xlsx/.xlsm after the safety checks; macros and links are never run or kept.

    Inputs: ``path``; ``limits`` (None loads the configured ones); ``error`` (the error class
    to raise) and ``sender`` (who to ask, e.g. ``the board``). Output: a ReturnedWorkbook of
    format ``xlsx`` with every sheet, its ``check`` listing formulas, macros and links.
    Raises: MissingDataFileError when the file does not exist; ``error`` with code
    ``unsafe_workbook`` (the check's message) or ``corrupt`` (openpyxl cannot read it).
    """
    file = Path(path)
    try:
        check = check_workbook(file, limits=limits)
    except UnsafeWorkbookError as problem:
        raise error(str(problem), code="unsafe_workbook") from problem
    try:
        # From an open read-only handle (so a workbook misnamed .xls still opens); cached
        # values only, macros and external links neither run nor kept.
        with file.open("rb") as handle:
            workbook = openpyxl.load_workbook(
                handle, read_only=False, data_only=True, keep_vba=False, keep_links=False
            )
    except OPENPYXL_READ_ERRORS as problem:
        raise error(
            f"{file.name} cannot be opened as a workbook "
            f"({type(problem).__name__}). Ask {sender} for a fresh copy saved from "
            "Excel as .xlsx.",
            code="corrupt",
        ) from problem
    try:
        sheets = tuple(_xlsx_sheet(workbook[name]) for name in workbook.sheetnames)
    except OPENPYXL_READ_ERRORS as problem:
        raise error(
            f"{file.name} is damaged: a sheet cannot be read "
            f"({type(problem).__name__}). Ask {sender} for a fresh copy.",
            code="corrupt",
        ) from problem
    finally:
        workbook.close()
    return ReturnedWorkbook(file, "xlsx", sheets, check)


def _xlsx_sheet(sheet: object) -> ReturnedSheet:
    if isinstance(sheet, Chartsheet):
        return ReturnedSheet(sheet.title, [], (), sheet.sheet_state, "chartsheet")
    rows = [list(values) for values in sheet.iter_rows(values_only=True)]
    ranges = tuple(
        (r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1)
        for r in sheet.merged_cells.ranges
    )
    return ReturnedSheet(sheet.title, rows, ranges, sheet.sheet_state)


def read_returned_workbook(
    path: Path | str,
    limits: WorkbookLimits | None = None,
    *,
    error: ErrorClass = ReturnedWorkbookError,
    sender: str = "the sender",
) -> ReturnedWorkbook:
    """Read any returned spreadsheet (.xlsx, .xlsm, .xls, .ods, .csv) into a ReturnedWorkbook.

    The format is what the bytes are (an .xlsx named .xls is read as .xlsx; compare
    ``result.format`` with :data:`EXPECTED_FORMAT` to tell the sender). Inputs: ``path``;
    ``limits`` (None loads ``workbook_limits`` from data/reference/disclosure.yaml);
    ``error`` and ``sender`` as :func:`read_xlsx_workbook`. Output: ReturnedWorkbook (format
    ``xlsx``, ``xls``, ``ods`` or ``csv``; a CSV is one sheet named ``""``).
    Raises: OSError when the file cannot be opened; ``error`` with code ``empty`` (0 bytes),
    ``unsafe_workbook`` (over a limit, a zip bomb), ``password_protected`` or ``corrupt``
    (damaged, or not a spreadsheet the workbench reads).
    """
    file = Path(path)
    limits = limits or load_workbook_limits()
    name = file.name
    size = file.stat().st_size
    if size == 0:
        raise error(
            f"{name} is empty (0 bytes). Ask {sender} to send its return again.", code="empty"
        )
    if size > limits.max_file_bytes:
        raise error(
            f"{name} is {size:,} bytes, over the limit of "
            f"{limits.max_file_bytes:,} (workbook_limits.max_file_bytes in "
            "data/reference/disclosure.yaml). Check where it came from; if genuine, "
            "ask for a smaller file or raise the limit.",
            code="unsafe_workbook",
        )
    kind = sniff(file)
    suffix = file.suffix.lower()
    if kind == "encrypted":
        raise error(password_message(name, sender), code="password_protected")
    if kind == "xlsx":
        if suffix not in WORKBOOK_SUFFIXES + (".xls",):
            raise error(
                f"{name} is an Excel workbook with the wrong extension "
                f"({suffix}). Rename it to .xlsx and ingest again.",
                code="corrupt",
            )
        return read_xlsx_workbook(file, limits, error=error, sender=sender)
    if kind == "xls":
        return ReturnedWorkbook(
            file, "xls", tuple(read_xls(file.read_bytes(), name, limits, error, sender))
        )
    if kind == "ods":
        return ReturnedWorkbook(file, "ods", tuple(read_ods(file, limits, error, sender)))
    if kind == "text" and suffix == ".csv":
        return ReturnedWorkbook(
            file, "csv", tuple(read_csv(file.read_bytes(), name, error, sender))
        )
    if EXPECTED_FORMAT.get(suffix) in ("xlsx", "xls", "ods"):
        raise error(
            f"{name} is not a valid {suffix} file (its contents are not a "
            f"workbook): it is damaged or was saved in another format. Ask {sender} "
            "for a fresh copy saved from Excel as .xlsx.",
            code="corrupt",
        )
    raise error(
        f"{name} is not a spreadsheet the workbench reads (.xlsx, .xlsm, "
        f".xls, .ods or .csv). Ask {sender} to send the return as .xlsx; if it is "
        "not a return, move it out of the returns folder.",
        code="corrupt",
    )
