"""Returned workbook cells: what a returned file reads into, and the one cell-to-text converter.

Every ingest of returned files (survey, pilot, consultation, audit) reads through
:func:`lscb_analysis.core.returned_workbook.read_returned_workbook` into the classes here:

* :class:`ReturnedWorkbook`: the file (path, format, every sheet in workbook order, the safety
  check of an .xlsx with its formula cells);
* :class:`ReturnedSheet`: one sheet (name, state ``visible``/``hidden``/``veryHidden``, kind
  ``worksheet``/``chartsheet``, the cell values as written, the merged ranges), addressed by
  0-based row and column with :meth:`ReturnedSheet.address` giving ``B7``;
* :class:`Grid`: a sheet with each merged range filled with its first cell's value, for
  readers that look for headers across merged titles (the survey);
* :func:`cell_text`: a cell's value as text, the one convention for every reader.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from lscb_analysis.core.errors import DataFileError
from lscb_analysis.core.workbook_checks import WorkbookCheck

SHEET_STATES: tuple[str, ...] = ("visible", "hidden", "veryHidden")
"""The states a sheet can have, as Excel names them."""


class ReturnedWorkbookError(DataFileError):
    """A returned file cannot be read; ``code`` names the reason (``corrupt``, ``empty``,
    ``password_protected``, ``unsafe_workbook``). Ingests pass their own error class (one
    taking ``(message, code=...)``, e.g. SurveyFileError) so their callers see it instead."""

    def __init__(self, message: str, code: str = "corrupt"):
        super().__init__(message)
        self.code = code


EXCEL_ERROR_VALUES = frozenset(
    ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
)
"""What Excel shows in a cell whose formula failed: never an answer, read as empty."""


def is_excel_error(value: Any) -> bool:
    """True when ``value`` is one of Excel's error values (``#N/A``, ``#DIV/0!`` ...).

    >>> is_excel_error("#N/A"), is_excel_error(" #div/0! "), is_excel_error("N/A")
    (True, True, False)
    """
    return isinstance(value, str) and value.strip().upper() in EXCEL_ERROR_VALUES


def cell_text(value: Any) -> str:
    """A cell's value as text: the one convention every reader of returned files uses.

    Input: a cell value as openpyxl, xlrd, odfpy or the CSV reader gives it. Output: text;
    blanks (None, NaN) are ``""``; booleans ``TRUE``/``FALSE``; whole floats without ``.0``;
    a date-time at midnight as its ISO date (``2026-04-09``), otherwise ISO with the time
    (``2026-04-09 14:30:00``); dates and times as ISO; other text stripped, with Windows
    line ends made ``\\n``. Raises nothing.

    >>> cell_text(12.0), cell_text(dt.datetime(2026, 4, 9)), cell_text(" Barnet ")
    ('12', '2026-04-09', 'Barnet')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


def cell_address(row: int, column: int) -> str:
    """The A1 address of a 0-based (row, column): ``cell_address(6, 1)`` is ``B7``."""
    return f"{get_column_letter(column + 1)}{row + 1}"


@dataclass
class Grid:
    """One sheet as a list of rows (0-based), merged ranges filled in.

    ``name``; ``rows`` (lists of cell values); ``anchors`` ((row, column) of a merged cell ->
    its range's first cell); ``spans`` (first cell of a merged range -> (rows, columns)).
    """

    name: str
    rows: list[list[Any]]
    anchors: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    spans: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def own(self, row: int, column: int) -> bool:
        """True when the cell's value belongs to this row (not filled from a merge above)."""
        return self.anchors.get((row, column), (row, column))[0] == row

    def source(self, row: int, column: int) -> tuple[int, int]:
        """The cell the value of (row, column) comes from: itself, or its merge's first cell."""
        return self.anchors.get((row, column), (row, column))


def make_grid(
    name: str, rows: list[list[Any]], ranges: Iterable[tuple[int, int, int, int]]
) -> Grid:
    """Build a grid, filling each merged range (0-based, inclusive) with its first cell's value.

    Inputs: the sheet ``name``; its ``rows`` of values (not changed); the merged ``ranges`` as
    (top, left, bottom, right). Output: a :class:`Grid`. Raises nothing.
    """
    rows = [list(row) for row in rows]
    grid = Grid(name, rows)
    for top, left, bottom, right in ranges:
        while len(rows) <= bottom:
            rows.append([])
        value = rows[top][left] if left < len(rows[top]) else None
        grid.spans[(top, left)] = (bottom - top + 1, right - left + 1)
        for r in range(top, bottom + 1):
            row = rows[r]
            if len(row) <= right:
                row.extend([None] * (right + 1 - len(row)))
            for c in range(left, right + 1):
                row[c] = value
                grid.anchors[(r, c)] = (top, left)
    return grid


@dataclass(frozen=True)
class ReturnedSheet:
    """One sheet of a returned file, every cell as written (merged ranges not filled).

    ``name`` (``""`` for a CSV); ``state`` (one of :data:`SHEET_STATES`); ``kind``
    (``worksheet`` or ``chartsheet``, which has no cells); ``rows`` (lists of values, 0-based;
    a value is what Excel last saved, never a formula); ``merged`` ((top, left, bottom, right),
    0-based and inclusive).
    """

    name: str
    rows: list[list[Any]]
    merged: tuple[tuple[int, int, int, int], ...] = ()
    state: str = "visible"
    kind: str = "worksheet"

    def value(self, row: int, column: int) -> Any:
        """The value at 0-based (row, column); None outside the written cells."""
        if 0 <= row < len(self.rows) and 0 <= column < len(self.rows[row]):
            return self.rows[row][column]
        return None

    def text(self, row: int, column: int) -> str:
        """The value at (row, column) as :func:`cell_text`."""
        return cell_text(self.value(row, column))

    @staticmethod
    def address(row: int, column: int) -> str:
        """The A1 address of a 0-based (row, column), see :func:`cell_address`."""
        return cell_address(row, column)

    def grid(self) -> Grid:
        """The sheet as a :class:`Grid`, each merged range filled with its first value."""
        return make_grid(self.name, self.rows, self.merged)


@dataclass(frozen=True)
class ReturnedWorkbook:
    """A returned file as read: ``path``; ``format`` (``xlsx``, ``xls``, ``ods`` or ``csv``;
    what the bytes are, whatever the name says); ``sheets`` (every sheet, in workbook order,
    hidden and chart sheets included); ``check`` (the :class:`WorkbookCheck` of an .xlsx:
    macros, external links, formula cells; None for other formats)."""

    path: Path
    format: str
    sheets: tuple[ReturnedSheet, ...]
    check: WorkbookCheck | None = None

    @property
    def sheet_names(self) -> list[str]:
        """Every sheet's name, in workbook order."""
        return [sheet.name for sheet in self.sheets]

    @property
    def worksheets(self) -> list[ReturnedSheet]:
        """The sheets holding cells (chart sheets left out), in workbook order."""
        return [sheet for sheet in self.sheets if sheet.kind == "worksheet"]

    @property
    def formulas(self) -> pd.DataFrame:
        """Formula cells (DataFrame: sheet, cell, formula, has_cached_value); empty when the
        format keeps none or none were found."""
        if self.check is None:
            return pd.DataFrame(
                {"sheet": [], "cell": [], "formula": [], "has_cached_value": []}
            ).astype({"has_cached_value": bool})
        return self.check.formulas

    def __getitem__(self, name: str) -> ReturnedSheet:
        """The sheet called ``name``. Raises KeyError when there is none."""
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(sheet.name == name for sheet in self.sheets)
