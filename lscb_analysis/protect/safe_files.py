"""Safe files: spreadsheet outputs that cannot run formulas.

A text value starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return (the
OWASP "CSV injection" list, plus NUL and the full-width forms of the four signs, and the same
after leading spaces) could run as a formula when a board member opens the file. So:

* in CSV such a text is written with a single quote in front (:func:`neutralise_text`,
  :func:`neutralise_frame`, :func:`write_safe_csv`);
* in xlsx every text cell is written with the *string* data type (openpyxl would otherwise
  store a text starting with ``=`` as a formula) and the "quote prefix" style, so its value is
  kept exactly and Excel still treats it as text if someone edits it (:func:`write_safe_xlsx`).

Numbers are never touched: a negative number stays a number. Only text is neutralised.
Checking input workbooks before reading them is :mod:`lscb_analysis.core.workbook_checks`.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import zipfile
from collections.abc import Hashable, Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.core.io import ensure_writable

FORMULA_PREFIXES: tuple[str, ...] = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\x00",
    "\uff1d",  # full-width =
    "\uff0b",  # full-width +
    "\uff0d",  # full-width -
    "\uff20",  # full-width @
)
"""A text starting with one of these (after any leading spaces) is neutralised."""

EXCEL_MAX_TEXT = 32767

_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")


# --- neutralising text for outputs -----------------------------------------------------------


def lock_form_sheet(sheet: Any, title_rows: str | None = None, *, sorting: bool = False) -> None:
    """Protect a sheet of a form sent out for filling, and lay it out for A4 printing.

    Locked cells with no password (protection stops accidental edits to what the workbench
    reads back, not reading); rows and columns can still be resized, filtered and (with
    ``sorting``) sorted. Landscape A4, one page wide; ``title_rows`` (``"1:1"``) repeat on
    every printed page. Raises nothing.
    """
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False
    if sorting:
        sheet.protection.sort = False
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        sheet.print_title_rows = title_rows


def neutralise_text(value: Any) -> Any:
    """Make a text value safe to open in a spreadsheet by prefixing a single quote.

    Input: any cell value. Output: for text whose first character (after leading spaces) is
    in :data:`FORMULA_PREFIXES`, the same text with ``'`` in front; every other value
    (numbers, negative numbers, dates, missing values, harmless text) unchanged. Raises nothing.

    >>> neutralise_text("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_text("-5"), neutralise_text(-5), neutralise_text("Barnet")
    ("'-5", -5, 'Barnet')
    """
    if isinstance(value, str) and _is_formula_like(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell, column name and index label neutralised.

    Input: a DataFrame. Output: a new DataFrame, same shape and dtypes for numeric columns,
    text passed through :func:`neutralise_text`. Raises nothing.

    >>> neutralise_frame(pd.DataFrame({"=x": ["@SUM(1)", "ok"], "n": [-1, 2]})).to_dict("list")
    {"'=x": ["'@SUM(1)", 'ok'], 'n': [-1, 2]}
    """
    out = frame.copy()
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out.isetitem(j, column.map(neutralise_text))
    out.columns = _neutralise_labels(out.columns)
    out.index = _neutralise_labels(out.index)
    return out


def write_safe_csv(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    encoding: str = "utf-8-sig",
) -> Path:
    """Write a DataFrame to CSV with formula-like text neutralised (see :func:`neutralise_frame`).

    Inputs: ``frame``; ``path`` of the .csv to write (parent folders are created); ``index``
    to write the index; ``encoding`` (UTF-8 with a byte-order mark by default, so Excel reads
    accents correctly). Lines end with CRLF as RFC 4180 says. Output: the path written.
    Raises: RawDataWriteError when ``path`` is under ``data/raw/``.
    """
    target = ensure_writable(path)
    # CRLF line ends (RFC 4180) also make the csv writer quote a text holding a bare CR.
    neutralise_frame(frame).to_csv(target, index=index, encoding=encoding, lineterminator="\r\n")
    return target


def write_safe_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    index: bool = False,
    label: str | None = None,
    freeze_header: bool = True,
    autofilter: bool = True,
) -> Path:
    """Write one or more DataFrames to an .xlsx workbook in which no text can run as a formula.

    Inputs: ``sheets`` (sheet name -> DataFrame, written in order); ``path`` of the .xlsx;
    ``index`` to write the index as the first column(s); ``label`` printed in bold in the first
    row of every sheet and in the print header, e.g. the tier label (None uses the frame's
    ``attrs["tier_label"]`` set by :func:`lscb_analysis.protect.disclosure.table_for_tier`, if any);
    ``freeze_header`` and ``autofilter`` for the header row.
    Every text cell gets the string data type and the quote-prefix style; numbers, dates and
    booleans keep their type; missing values are empty cells; characters Excel cannot store
    (control characters) become U+FFFD. Output: the path written.
    Raises: InvalidArgumentError for an unusable sheet name or a text longer than Excel's
    32,767 characters; RawDataWriteError when ``path`` is under ``data/raw/``.
    """
    if not sheets:
        raise InvalidArgumentError(f"No sheets given for {path}; pass at least one DataFrame.")
    _check_sheet_names(list(sheets), path)
    target = ensure_writable(path)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, frame in sheets.items():
        sheet_label = label if label is not None else frame.attrs.get("tier_label")
        _write_sheet(
            workbook.create_sheet(title=name), frame, index, sheet_label, freeze_header, autofilter
        )
    workbook.save(target)
    return target


def write_cell(cell: Any, value: Any) -> Any:
    """Put one value into an openpyxl cell safely: text can never run as a formula.

    Input: an openpyxl cell and any pandas/numpy/Python value. Output: the cell. Text gets
    the string type (and the quote prefix when it looks like a formula); numbers, dates and
    booleans keep their type; missing values leave the cell empty.
    Raises: InvalidArgumentError for text longer than Excel's 32,767 characters.
    """
    return _set_cell(cell, _excel_value(value), cell.parent.title, cell.row, cell.column)


# --- internals: writing ---------------------------------------------------------------------


def _is_formula_like(text: str) -> bool:
    stripped = text.lstrip(" ")
    return bool(stripped) and stripped.startswith(FORMULA_PREFIXES)


def _neutralise_labels(labels: pd.Index) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        return pd.MultiIndex.from_tuples(
            [tuple(neutralise_text(part) for part in label) for label in labels],
            names=labels.names,
        )
    return pd.Index([neutralise_text(label) for label in labels], name=labels.name)


def _check_sheet_names(names: list[str], path: str | Path) -> None:
    seen: set[str] = set()
    for name in names:
        problem = None
        if not isinstance(name, str) or not name.strip():
            problem = "is empty"
        elif len(name) > 31:
            problem = "is longer than Excel's 31 characters"
        elif _BAD_SHEET_CHARACTERS.search(name):
            problem = "contains one of [ ] : * ? / \\"
        elif name.startswith("'") or name.endswith("'"):
            problem = "starts or ends with an apostrophe"
        elif name.lower() in seen:
            problem = "is used twice (Excel ignores case)"
        if problem:
            raise InvalidArgumentError(
                f"Sheet name {name!r} for {path} {problem}; choose another name."
            )
        seen.add(name.lower())


def _header_text(label: Hashable) -> str:
    if isinstance(label, tuple):
        return " / ".join(str(part) for part in label if str(part) != "")
    return str(label)


def _write_sheet(
    sheet: Any,
    frame: pd.DataFrame,
    index: bool,
    label: str | None,
    freeze_header: bool,
    autofilter: bool,
) -> None:
    data = frame.reset_index() if index else frame
    bold = Font(bold=True)
    first = 1
    if label:
        _set_cell(sheet.cell(row=1, column=1), label, sheet.title, 1, 1).font = bold
        sheet.oddHeader.center.text = label.replace("&", "&&")
        first = 2
    widths = [len(_header_text(c)) for c in data.columns]
    for j, column in enumerate(data.columns, start=1):
        _set_cell(sheet.cell(row=first, column=j), _header_text(column), sheet.title, first, j)
        sheet.cell(row=first, column=j).font = bold
    for i, row in enumerate(data.itertuples(index=False, name=None), start=first + 1):
        for j, value in enumerate(row, start=1):
            cell_value = _excel_value(value)
            _set_cell(sheet.cell(row=i, column=j), cell_value, sheet.title, i, j)
            if i <= first + 1000 and cell_value is not None:
                widths[j - 1] = max(widths[j - 1], len(str(cell_value)))
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    if freeze_header:
        sheet.freeze_panes = sheet.cell(row=first + 1, column=1)
    if autofilter and data.shape[1]:
        last = get_column_letter(data.shape[1])
        sheet.auto_filter.ref = f"A{first}:{last}{first + len(data)}"


def _set_cell(cell: Any, value: Any, sheet: str, row: int, column: int) -> Any:
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if len(text) > EXCEL_MAX_TEXT:
            raise InvalidArgumentError(
                f"Sheet {sheet}, row {row}, column {column}: text of {len(text):,} characters "
                f"is longer than Excel's {EXCEL_MAX_TEXT:,}; shorten it or write a CSV instead."
            )
        cell.value = text
        cell.data_type = "s"  # never a formula or an error code, whatever the text says
        if _is_formula_like(text):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _excel_value(value: Any) -> Any:
    """Convert a pandas/numpy value into one openpyxl stores faithfully."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        return number if math.isfinite(number) else str(number)
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, dt.datetime | dt.time):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def write_lists_sheet(
    workbook: Any, lists: Mapping[str, list], title: str = "Lists", prefix: str = "list_"
) -> tuple[dict[str, str], Any]:
    """Write a hidden sheet of dropdown lists, one column each, with a defined name per list.

    Inputs: an openpyxl workbook; ``lists`` (list name -> values); the sheet ``title``; the
    ``prefix`` of the defined names (``list_agency``). Output: (list name -> defined name, for
    ``DataValidation(formula1="=<defined name>")``; the sheet, for the caller to protect).
    Every value is written with :func:`write_cell`.
    """
    from openpyxl.utils import quote_sheetname
    from openpyxl.workbook.defined_name import DefinedName

    sheet = workbook.create_sheet(title)
    names = {}
    for column, (name, values) in enumerate(lists.items(), start=1):
        write_cell(sheet.cell(row=1, column=column), name)
        for row, value in enumerate(values, start=2):
            write_cell(sheet.cell(row=row, column=column), value)
        letter = get_column_letter(column)
        defined = f"{prefix}{name}"
        reference = f"{quote_sheetname(title)}!${letter}$2:${letter}${len(values) + 1}"
        workbook.defined_names[defined] = DefinedName(defined, attr_text=reference)
        names[name] = defined
    sheet.sheet_state = "hidden"
    return names, sheet


def fixed_zip_bytes(data: bytes, when: dt.datetime) -> bytes:
    """Make an xlsx (or other zip package) byte-for-byte repeatable.

    openpyxl stamps the save time into ``docProps/core.xml`` and every zip entry; both are set
    to ``when`` (naive, read as UTC), so a seeded demo writes identical files every time.
    Input: the package's bytes. Output: the same package with fixed dates.
    """
    stamp = when.replace(microsecond=0, tzinfo=None)
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rb"\g<1>" + iso + rb"\g<3>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()
