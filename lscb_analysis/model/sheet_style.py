"""Look and print set-up shared by the model's workbooks (consultation export, feedback form).

Fills, fonts and wrapping for headers, sections and entry cells; a header row; a row height
estimated from wrapped text; landscape A4 printing; sheet protection without a password.
"""

from __future__ import annotations

import math
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lscb_analysis.protect.safe_files import write_cell

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
ENTRY_FILL = PatternFill("solid", fgColor="FFF9E5")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")


def row_height(texts: list[tuple[str, int]], minimum: int = 1) -> float:
    """Estimated height (points) for wrapped texts: (text, column width) pairs."""
    lines = minimum
    for text, width in texts:
        chars = max(int(width * 1.15), 1)
        count = sum(max(1, math.ceil(len(part) / chars)) for part in str(text).split("\n"))
        lines = max(lines, count)
    return min(15.0 * lines + 3, 409.0)


def header_row(sheet: Any, row: int, headers: list[str], widths: list[int]) -> None:
    """Write a header row (white bold on dark blue, wrapped) and set the column widths."""
    for column, (label, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = write_cell(sheet.cell(row=row, column=column), label)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = TOP_WRAP
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[row].height = 32


def print_setup(sheet: Any, title_rows: str) -> None:
    """Print landscape A4, fitted to the page width, repeating ``title_rows`` on each page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows
    sheet.print_options.gridLines = False


def protect(sheet: Any) -> None:
    """Protect a sheet against accidental edits, leaving filtering, sorting and resizing."""
    # No password: protection stops accidental edits, never reading. Filtering, sorting and
    # resizing stay allowed (False means "not protected" in openpyxl's SheetProtection).
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
