"""Returned workbook formats: reading a legacy .xls, an .ods or a .csv into returned sheets.

Used by :func:`lscb_analysis.core.returned_workbook.read_returned_workbook` once the bytes
say what the file is. Each reader returns every sheet as a
:class:`~lscb_analysis.core.returned_workbook_cells.ReturnedSheet` (values as saved, merged
ranges listed, hidden state kept) and refuses, with the caller's error class and a message
naming the file and saying what to ask ``sender`` for, a damaged, encrypted or oversized file.
"""

from __future__ import annotations

import csv
import io as std_io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core.errors import DataFileError
from lscb_analysis.core.returned_workbook_cells import ReturnedSheet
from lscb_analysis.core.workbook_checks import WorkbookLimits

MAX_REPEAT = 1000
"""ODS rows/columns repeated more than this are trailing formatting, not data."""

ErrorClass = Callable[..., DataFileError]
"""An error class taking ``(message, code=...)``, e.g. SurveyFileError."""

_XLS_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}


def password_message(name: str, sender: str) -> str:
    """The message for a password-protected file ``name``: what to ask ``sender`` to do."""
    return (
        f"{name} is password-protected, so it cannot be read. Ask {sender} to remove the "
        "password (Excel: File > Info > Protect Workbook > Encrypt with Password, clear the "
        "box), save it as .xlsx and send it again; passwords should never be sent with the "
        "file."
    )


def read_xls(
    data: bytes, name: str, limits: WorkbookLimits, error: ErrorClass, sender: str
) -> list[ReturnedSheet]:
    """Read a legacy .xls with xlrd (merged cells and hidden sheets included).

    Inputs: the file's bytes and ``name``; ``limits`` (rows and cells per sheet); ``error``
    and ``sender`` for refusals. Output: every sheet. Raises ``error`` with code
    ``password_protected``, ``corrupt`` or ``unsafe_workbook``.
    """
    import xlrd

    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True)
        except NotImplementedError:
            book = xlrd.open_workbook(file_contents=data, formatting_info=False)
    except xlrd.XLRDError as problem:
        if "encrypt" in str(problem).lower():
            raise error(password_message(name, sender), code="password_protected") from problem
        raise error(
            f"{name} is not a readable Excel 97-2003 workbook ({problem}). "
            f"Ask {sender} to save it as .xlsx and send it again.",
            code="corrupt",
        ) from problem
    except (
        struct.error,
        ValueError,
        IndexError,
        KeyError,
        AssertionError,
        EOFError,
        OSError,
    ) as problem:
        raise error(
            f"{name} is a damaged Excel 97-2003 workbook "
            f"({type(problem).__name__}). Ask {sender} to save it as .xlsx and send "
            "it again.",
            code="corrupt",
        ) from problem
    sheets = []
    for sheet in book.sheets():
        if sheet.nrows > limits.max_rows or sheet.nrows * sheet.ncols > limits.max_cells:
            raise error(
                f"{name}, sheet {sheet.name}: {sheet.nrows:,} rows "
                f"x {sheet.ncols:,} columns is over the workbook limits in "
                "data/reference/disclosure.yaml. Delete unused rows and columns.",
                code="unsafe_workbook",
            )
        rows = [
            [_xls_value(sheet.cell(r, c), book.datemode) for c in range(sheet.ncols)]
            for r in range(sheet.nrows)
        ]
        ranges = tuple(
            (top, left, bottom - 1, right - 1)
            for top, bottom, left, right in getattr(sheet, "merged_cells", [])
        )
        state = _XLS_STATES.get(getattr(sheet, "visibility", 0), "visible")
        sheets.append(ReturnedSheet(sheet.name, rows, ranges, state))
    return sheets


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    return cell.value


def _check_zip(path: Path, limits: WorkbookLimits, error: ErrorClass, sender: str) -> None:
    """Zip-bomb and XML-entity checks for an .ods before odfpy parses it."""
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
            total = sum(m.file_size for m in members)
            packed = max(sum(m.compress_size for m in members), 1)
            if (
                len(members) > limits.max_members
                or total > limits.max_uncompressed_bytes
                or (
                    total > limits.ratio_check_above_bytes
                    and total / packed > limits.max_compression_ratio
                )
            ):
                raise error(
                    f"{path.name} unpacks to {total:,} bytes in "
                    f"{len(members):,} parts, over the limits in data/reference/"
                    "disclosure.yaml (workbook_limits). It may be a zip bomb: do not "
                    f"open it; ask {sender} for the data again.",
                    code="unsafe_workbook",
                )
            for member in members:
                if member.filename.endswith(".xml"):
                    head = package.read(member.filename)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise error(
                            f"{path.name}: part {member.filename} "
                            "declares a DTD or entities, which spreadsheet programs "
                            "never write and XML attacks use. Do not open it; ask "
                            f"{sender} for a fresh copy.",
                            code="unsafe_workbook",
                        )
    except zipfile.BadZipFile as problem:
        raise error(
            f"{path.name} is a damaged OpenDocument file ({problem}); ask "
            f"{sender} for a fresh copy.",
            code="corrupt",
        ) from problem


def _ods_value(cell: Any) -> Any:
    """One .ods cell's value (a covered cell of a merge is None)."""
    from odf import teletype
    from odf import text as odf_text

    if cell.qname[1] == "covered-table-cell":
        return None
    kind = cell.getAttribute("valuetype")
    if kind in ("float", "percentage", "currency") and cell.getAttribute("value"):
        return float(cell.getAttribute("value"))
    if kind == "date" and cell.getAttribute("datevalue"):
        return pd.Timestamp(cell.getAttribute("datevalue")).to_pydatetime()
    if kind == "boolean":
        return cell.getAttribute("booleanvalue") == "true"
    parts = [teletype.extractText(p) for p in cell.getElementsByType(odf_text.P)]
    return "\n".join(parts) or None


def _hidden_styles(document: Any) -> set[str]:
    """Names of the table styles that hide a sheet (``table:display="false"``)."""
    from odf import style as odf_style

    hidden = set()
    for item in document.automaticstyles.getElementsByType(odf_style.Style):
        for properties in item.getElementsByType(odf_style.TableProperties):
            if properties.getAttribute("display") == "false":
                hidden.add(item.getAttribute("name"))
    return hidden


def read_ods(
    path: Path, limits: WorkbookLimits, error: ErrorClass, sender: str
) -> list[ReturnedSheet]:
    """Read an .ods with odfpy (the library pandas' odf engine uses), merged cells included.

    Inputs: ``path``; ``limits``; ``error`` and ``sender`` for refusals. Output: every sheet
    (a sheet hidden in LibreOffice has state ``hidden``). Raises ``error`` with code
    ``unsafe_workbook`` or ``corrupt``.
    """
    from xml.sax import SAXException

    from odf import table as odf_table
    from odf.opendocument import load

    _check_zip(path, limits, error, sender)
    try:
        document = load(str(path))
        tables = document.spreadsheet.getElementsByType(odf_table.Table)
        hidden = _hidden_styles(document)
    except (
        SAXException,
        KeyError,
        ValueError,
        AttributeError,
        IndexError,
        OSError,
        zipfile.BadZipFile,
    ) as problem:
        raise error(
            f"{path.name} is not a readable OpenDocument spreadsheet "
            f"({type(problem).__name__}). Ask {sender} to save it as .xlsx.",
            code="corrupt",
        ) from problem
    sheets = []
    for table in tables:
        rows, ranges = _ods_table(table, path, limits, error)
        sheets.append(
            ReturnedSheet(
                table.getAttribute("name") or f"Sheet{len(sheets) + 1}",
                rows,
                tuple(ranges),
                "hidden" if table.getAttribute("stylename") in hidden else "visible",
            )
        )
    return sheets


def _ods_table(
    table: Any, path: Path, limits: WorkbookLimits, error: ErrorClass
) -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
    """One .ods table's rows (repeats expanded up to :data:`MAX_REPEAT`) and merged ranges."""
    from odf import table as odf_table
    from odf.namespaces import TABLENS

    cell_names = {(TABLENS, "table-cell"), (TABLENS, "covered-table-cell")}
    rows: dict[int, list[Any]] = {}
    ranges: list[tuple[int, int, int, int]] = []
    r = 0
    for row in table.getElementsByType(odf_table.TableRow):
        repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        values, spans = _ods_row(row, cell_names)
        if any(v is not None for v in values):
            for k in range(min(repeat, MAX_REPEAT)):
                rows[r + k] = list(values)
                ranges.extend(
                    (r + k, col, r + k + tall - 1, col + wide - 1) for col, tall, wide in spans
                )
        r += repeat
        if len(rows) > limits.max_rows:
            raise error(
                f"{path.name}: a sheet has more than "
                f"{limits.max_rows:,} rows (max_rows in data/reference/"
                "disclosure.yaml). Delete unused rows.",
                code="unsafe_workbook",
            )
    last = max(rows) + 1 if rows else 0
    return [rows.get(i, []) for i in range(last)], ranges


def _ods_row(
    row: Any, cell_names: set[tuple[str, str]]
) -> tuple[list[Any], list[tuple[int, int, int]]]:
    """One .ods row's values (repeats expanded) and merged spans (column, tall, wide)."""
    values: list[Any] = []
    spans = []
    c = 0
    for cell in row.childNodes:
        if cell.qname not in cell_names:
            continue
        across = int(cell.getAttribute("numbercolumnsrepeated") or 1)
        value = _ods_value(cell)
        wide = (
            int(cell.getAttribute("numbercolumnsspanned") or 1)
            if cell.qname[1] == "table-cell"
            else 1
        )
        tall = (
            int(cell.getAttribute("numberrowsspanned") or 1) if cell.qname[1] == "table-cell" else 1
        )
        if value is not None:
            values.extend([None] * (c - len(values)))
            values.extend([value] * min(across, MAX_REPEAT))
            if wide > 1 or tall > 1:
                spans.append((c, tall, wide))
        c += across
    return values, spans


def read_csv(data: bytes, name: str, error: ErrorClass, sender: str) -> list[ReturnedSheet]:
    """Read a CSV (UTF-8 with or without BOM, else Windows-1252; comma, semicolon, tab or bar:
    the delimiter that splits the most lines) as one sheet named ``""``; blank cells are None.

    Raises ``error`` (code ``corrupt``) when the csv module cannot parse it.
    """
    if not data.strip():
        return [ReturnedSheet("", [])]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    best: list[list[str]] = []
    best_split = -1
    try:
        for delimiter in ",;\t|":
            rows = list(csv.reader(std_io.StringIO(text, newline=""), delimiter=delimiter))
            split = sum(len(row) > 1 for row in rows)
            if split > best_split:
                best, best_split = rows, split
    except csv.Error as problem:
        raise error(
            f"{name} cannot be read as CSV ({problem}). Ask {sender} to "
            "save it from Excel as 'CSV UTF-8' or .xlsx.",
            code="corrupt",
        ) from problem
    return [ReturnedSheet("", [[cell if cell.strip() else None for cell in row] for row in best])]
