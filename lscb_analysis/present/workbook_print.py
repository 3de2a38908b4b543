"""Print settings for the workbooks a board or an analyst prints: one layout for every sheet.

Applied to the score card workbook (:func:`lscb_analysis.scorecard.workbook.write_workbook`), the gap
lists (:func:`lscb_analysis.model.gap_analysis.write_gaps_workbook`) and the checked pilot copies
(:func:`lscb_analysis.pilot.pilot_outputs.write_checked_copy`). Every sheet gets:

* title rows naming the report, borough, period and tier (SYNTHETIC DATA when built from
  synthetic data; the analyst tier's NOT FOR PUBLICATION label, as before);
* A4 landscape, the header row repeated on every page (print titles), panes frozen below it;
* fit to one page wide only when the columns stay legible (``fit_width`` in
  ``data/reference/workbook_print.yaml``); a wider table keeps its key columns and moves the
  rest to a ``Detail`` sheet keyed by the same row labels (:func:`split_columns`);
* row heights for wrapped text; a header and footer with borough, period, tier and
  "Page n of m".

Settings and wording: ``data/reference/workbook_print.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.present import value_format

SETTINGS_FILE = "workbook_print.yaml"
SYNTHETIC_MARKER = io.SYNTHETIC_MARKER
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters


def load_settings() -> dict:
    """``data/reference/workbook_print.yaml`` as a dict.

    Output: keys ``paper``, ``orientation``, ``fit_width`` (``max_columns``,
    ``max_characters``), ``row_height`` (``line``, ``maximum``), ``synthetic``,
    ``page_numbers``, ``separator``, ``detail_sheet``.
    Raises: ReferenceDataError when the file is missing, unreadable or lacks one of those
    keys.
    """
    return io.read_reference_yaml(
        SETTINGS_FILE,
        (
            "paper",
            "orientation",
            "fit_width",
            "row_height",
            "synthetic",
            "page_numbers",
            "separator",
            "detail_sheet",
            "tiers",
        ),
    )


def data_are_synthetic(project_dir: str | Path | None = None) -> bool:
    """Say whether the project's local data are the demo's synthetic ones.

    See :func:`lscb_analysis.core.io.data_are_synthetic`, the one rule for banners and title rows.
    """
    return io.data_are_synthetic(project_dir)


@dataclass(frozen=True)
class PrintTitle:
    """What every printed page of a workbook says it is.

    Attributes: ``report`` ("Score card"), ``borough`` ("Barnet" or "London"), ``period``
    ("2025Q4", "2024-25" or "" when the workbook has none; written as the presenter writes
    periods, "Q3 2025-26"), ``tier`` (the output tier's label,
    e.g. "Board" or the analyst tier's NOT FOR PUBLICATION words), ``synthetic`` (built from
    synthetic data) and ``detail`` (extra words for the first title row, e.g. the sub-group).
    """

    report: str
    borough: str
    period: str
    tier: str
    synthetic: bool = False
    detail: str = ""

    @property
    def period_text(self) -> str:
        """The period as the presenter writes it ("Q3 2025-26"); blank when there is none."""
        return value_format.format_period(self.period) if str(self.period).strip() else ""

    def lines(self, settings: Mapping | None = None) -> list[str]:
        """The title rows: report, borough and period; then tier (and SYNTHETIC DATA).

        >>> PrintTitle("Score card", "Barnet", "2025Q4", "Board", True).lines()
        ['Score card — Barnet — Q3 2025-26', 'Board', 'SYNTHETIC DATA: built from invented demonstration returns, not real figures']
        """
        settings = settings or load_settings()
        separator = str(settings["separator"])
        first = separator.join(
            part for part in (self.report, self.borough, self.period_text) if part
        )
        if self.detail:
            first += f" ({self.detail})"
        rows = [first, self.tier] if self.tier else [first]
        if self.synthetic:
            rows.append(str(settings["synthetic"]))
        return rows


def _escape(text: str) -> str:
    """Header and footer text: ``&`` starts a code there, so a literal one is doubled."""
    return str(text).replace("&", "&&")


def write_title_rows(
    sheet: Any, title: PrintTitle, settings: Mapping | None = None, first_row: int = 1
) -> int:
    """Write the title rows from ``first_row`` down (bold, the first larger).

    Input: an openpyxl worksheet and its :class:`PrintTitle`. Output: the first row after
    them (where the header row goes). Raises: InvalidArgumentError for text Excel cannot hold.
    """
    from openpyxl.styles import Font

    from lscb_analysis.protect.safe_files import write_cell

    for offset, line in enumerate(title.lines(settings)):
        cell = write_cell(sheet.cell(first_row + offset, 1), line)
        cell.font = Font(
            bold=True,
            size=12 if offset == 0 else 10,
            color="C00000" if SYNTHETIC_MARKER in line or "NOT FOR" in line else None,
        )
    return first_row + len(title.lines(settings))


def insert_title_rows(
    sheet: Any, title: PrintTitle, settings: Mapping | None = None, replace_rows: int = 0
) -> int:
    """Put the title rows above a sheet already written, moving its cells down.

    ``replace_rows`` top rows (an old one-line label) are overwritten first. Freeze panes,
    filters and print titles are not moved by openpyxl: set them after this (as
    :func:`setup_sheet` does). Output: how many rows the cells moved down. Raises as
    :func:`write_title_rows`.
    """
    count = len(title.lines(settings))
    for row in range(1, replace_rows + 1):
        sheet.cell(row, 1).value = None
    moved = max(0, count - replace_rows)
    if moved:
        sheet.insert_rows(1, moved)
    write_title_rows(sheet, title, settings)
    return moved


def column_widths(sheet: Any, columns: int | None = None) -> list[float]:
    """Each column's width (characters) as the sheet sets it, Excel's default when unset."""
    from openpyxl.utils import get_column_letter

    count = sheet.max_column if columns is None else columns
    widths = []
    for number in range(1, count + 1):
        dimension = sheet.column_dimensions.get(get_column_letter(number))
        width = getattr(dimension, "width", None)
        widths.append(float(width) if width else DEFAULT_WIDTH)
    return widths


def fits_one_page_wide(widths: Sequence[float], settings: Mapping | None = None) -> bool:
    """Whether columns of these widths stay legible fitted to one A4 landscape page wide.

    >>> fits_one_page_wide([10, 42, 12] + [14] * 9), fits_one_page_wide([20] * 13)
    (True, False)
    """
    limits = (settings or load_settings())["fit_width"]
    return len(widths) <= int(limits["max_columns"]) and sum(widths) <= float(
        limits["max_characters"]
    )


def split_columns(
    columns: Sequence[str],
    keys: Sequence[str],
    widths: Mapping[str, float],
    main: Sequence[str] | None = None,
    settings: Mapping | None = None,
) -> tuple[list[str], list[str]]:
    """Choose the columns of a printed sheet and those that move to its Detail sheet.

    Inputs: the table's ``columns`` in order, the ``keys`` that label each row (kept on both
    sheets, first), each column's width, and optionally the ``main`` columns wanted on the
    first sheet (default: the columns in order, as many as stay legible). Output:
    ``(main columns, detail columns)``, keys first then the table's order: the main set fits :func:`fits_one_page_wide`
    (the wanted columns that do not fit move on); detail is ``keys`` plus every other column,
    in the table's order, or empty when nothing moves. Pure.
    Raises: InvalidArgumentError when a key or main column is not a column.

    >>> split_columns(list("abcd"), ["a"], {"a": 10, "b": 100, "c": 80, "d": 30})
    (['a', 'b', 'c'], ['a', 'd'])
    """
    unknown = [c for c in [*keys, *(main or [])] if c not in columns]
    if unknown:
        raise InvalidArgumentError(
            f"split_columns: {', '.join(map(repr, unknown))} is not one of the table's columns "
            f"({', '.join(map(str, columns))}); name columns the table has."
        )
    chosen = list(keys)
    for column in main if main is not None else columns:
        if column in chosen:
            continue
        trial = [*chosen, column]
        if fits_one_page_wide([widths.get(c, DEFAULT_WIDTH) for c in trial], settings):
            chosen = trial
    chosen = [*keys, *(c for c in columns if c in chosen and c not in keys)]
    rest = [c for c in columns if c not in chosen]
    return chosen, ([*keys, *rest] if rest else [])


def set_row_heights(
    sheet: Any, first_row: int, settings: Mapping | None = None, last_row: int | None = None
) -> None:
    """Heights that show each row's wrapped text in full (capped, see workbook_print.yaml).

    A cell's lines are its text's lines, each wrapped at the column's width. Only rows from
    ``first_row`` to ``last_row`` (default the sheet's last) change. Raises nothing.
    """
    settings = settings or load_settings()
    line, highest = float(settings["row_height"]["line"]), float(settings["row_height"]["maximum"])
    widths = column_widths(sheet)
    last = sheet.max_row if last_row is None else last_row
    for row in sheet.iter_rows(min_row=first_row, max_row=last):
        lines = 1
        for cell in row:
            if cell.value is None or not isinstance(cell.value, str):
                continue
            wrapped = bool(cell.alignment is not None and cell.alignment.wrap_text)
            width = max(1.0, widths[cell.column - 1] - 1) if cell.column <= len(widths) else 8
            count = sum(
                max(1, math.ceil(len(part) / width)) if wrapped else 1
                for part in cell.value.split("\n")
            )
            lines = max(lines, count)
        sheet.row_dimensions[row[0].row].height = min(highest, max(line, lines * line))


def setup_sheet(
    sheet: Any,
    title: PrintTitle,
    header_row: int,
    *,
    freeze_column: int = 1,
    repeat_columns: int = 0,
    row_heights: bool = True,
    settings: Mapping | None = None,
) -> bool:
    """Set one sheet's print layout: A4 landscape, print titles, frozen panes, header, footer.

    Inputs: the worksheet, its :class:`PrintTitle`, the ``header_row`` (repeated on every
    page; panes freeze below it and right of ``freeze_column - 1`` columns), how many first
    columns to repeat when the sheet prints across pages (``repeat_columns``), and whether to
    set row heights for wrapped text from the header row down. The sheet is fitted to one
    page wide when :func:`fits_one_page_wide` says its columns stay legible, else printed
    at full size (``fitToPage`` off). Header: report and borough left, period centre, tier
    right; footer: SYNTHETIC DATA left when synthetic, "Page &P of &N" centre, tier right.
    Output: whether the sheet was fitted to one page wide. Raises nothing of its own.
    """
    from openpyxl.utils import get_column_letter

    settings = settings or load_settings()
    fitted = setup_page(sheet, title, settings)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    if repeat_columns and not fitted:
        sheet.print_title_cols = f"A:{get_column_letter(repeat_columns)}"
    sheet.freeze_panes = sheet.cell(header_row + 1, max(1, freeze_column)).coordinate
    if row_heights:
        set_row_heights(sheet, header_row, settings)
    return fitted


def setup_page(sheet: Any, title: PrintTitle, settings: Mapping | None = None) -> bool:
    """The page part of :func:`setup_sheet` alone (paper, orientation, fit, margins, header
    and footer), for sheets whose rows must not move, such as a borough's own return.
    Output: whether the sheet was fitted to one page wide. Raises nothing of its own."""
    settings = settings or load_settings()
    setup = sheet.page_setup
    setup.orientation = str(settings["orientation"])
    setup.paperSize = sheet.PAPERSIZE_A4
    fitted = fits_one_page_wide(column_widths(sheet), settings)
    sheet.sheet_properties.pageSetUpPr.fitToPage = fitted
    setup.fitToWidth, setup.fitToHeight = (1, 0) if fitted else (None, None)
    sheet.print_options.gridLines = False
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    separator = str(settings["separator"])
    sheet.oddHeader.left.text = _escape(
        separator.join(p for p in (title.report, title.borough) if p)
    )
    sheet.oddHeader.center.text = _escape(title.period_text)
    sheet.oddHeader.right.text = _escape(title.tier)
    sheet.oddFooter.left.text = _escape(str(settings["synthetic"])) if title.synthetic else ""
    sheet.oddFooter.center.text = str(settings["page_numbers"])
    sheet.oddFooter.right.text = _escape(title.tier)
    return fitted


def write_detail_sheet(
    book: Any,
    source: Any,
    keep: Sequence[int],
    header_row: int,
    title: PrintTitle,
    keys: int = 1,
    settings: Mapping | None = None,
) -> Any:
    """Copy some columns of a written sheet into a new ``Detail`` sheet (values and styles).

    Inputs: the workbook, the ``source`` worksheet (a sheet of the same workbook), the 1-based column numbers to copy in
    order (the ``keys`` row-key columns first), the source's header row and the
    :class:`PrintTitle`. The
    Detail sheet gets the title rows, then the source's rows from the header down, its
    widths, and :func:`setup_sheet` (the key columns repeated on every page).
    Output: the new worksheet. Raises nothing of its own.
    """
    from copy import copy

    from openpyxl.utils import get_column_letter

    settings = settings or load_settings()
    detail = book.create_sheet(str(settings["detail_sheet"]))
    top = write_title_rows(detail, title, settings)
    for new, old in enumerate(keep, start=1):
        letter, old_letter = get_column_letter(new), get_column_letter(old)
        width = source.column_dimensions[old_letter].width
        if width:
            detail.column_dimensions[letter].width = width
        for offset, row in enumerate(range(header_row, source.max_row + 1)):
            cell, target = source.cell(row, old), detail.cell(top + offset, new)
            target.value = cell.value
            target.data_type = cell.data_type
            if cell.has_style:
                # the same workbook: its style ids (font, fill, border, number format,
                # alignment, protection, quote prefix) are valid here, and copying them is
                # far quicker than copying each style object
                target._style = copy(cell._style)
    last = get_column_letter(max(1, len(keep)))
    detail.auto_filter.ref = f"A{top}:{last}{top + source.max_row - header_row}"
    setup_sheet(detail, title, top, freeze_column=keys + 1, repeat_columns=keys, settings=settings)
    return detail


def delete_columns(sheet: Any, numbers: Sequence[int]) -> None:
    """Remove columns (1-based numbers) from a sheet, keeping the other columns' widths."""
    from openpyxl.utils import get_column_letter

    kept = [n for n in range(1, sheet.max_column + 1) if n not in set(numbers)]
    widths = [sheet.column_dimensions[get_column_letter(n)].width for n in kept]
    for number in sorted(set(numbers), reverse=True):
        sheet.delete_cols(number)
    for new, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(new)].width = width
    for number in range(len(kept) + 1, len(kept) + len(set(numbers)) + 1):
        letter = get_column_letter(number)
        if letter in sheet.column_dimensions:
            del sheet.column_dimensions[letter]


def frame_widths(frame: pd.DataFrame, cap: int = 60) -> dict[str, float]:
    """Column widths a table needs (longest text, capped), as safe_files writes them."""
    widths = {}
    for column in frame.columns:
        longest = max([len(str(column)), *(len(str(v)) for v in frame[column].head(1000))])
        widths[column] = float(min(max(longest + 2, 8), cap))
    return widths


def split_for_print(
    sheets: Mapping[str, pd.DataFrame],
    keys: Mapping[str, Sequence[str]],
    cap: int = 40,
    settings: Mapping | None = None,
) -> dict[str, pd.DataFrame]:
    """Split each wide table of a workbook into a printable sheet and a detail sheet.

    Inputs: ``{sheet name: table}`` in order; ``keys``, the row-label columns of each table to
    split (tables not named are kept whole); ``cap``, the widest a column is set (longer text
    wraps). Output: the same sheets in order, each split table followed by
    ``"<name> (detail)"`` (named ``Detail`` when only one table splits) holding its keys and
    the columns that would not stay legible on one page wide. Pure.
    Raises: InvalidArgumentError when a key is not a column of its table.

    >>> wide = pd.DataFrame({"PI": ["A"], **{f"Column {i}": ["x" * 30] for i in range(9)}})
    >>> list(split_for_print({"All PIs": wide, "Notes": wide.iloc[:, :2]}, {"All PIs": ["PI"]}))
    ['All PIs', 'Detail', 'Notes']
    """
    settings = settings or load_settings()
    parts: list[tuple[str, pd.DataFrame, pd.DataFrame | None]] = []
    for name, frame in sheets.items():
        if name not in keys:
            parts.append((name, frame, None))
            continue
        widths = frame_widths(frame, cap)
        main, detail = split_columns(
            list(frame.columns), list(keys[name]), widths, settings=settings
        )
        parts.append((name, frame[main], frame[detail] if detail else None))
    splits = sum(detail is not None for _, _, detail in parts)
    out: dict[str, pd.DataFrame] = {}
    for name, main_frame, detail_frame in parts:
        out[name] = main_frame
        if detail_frame is not None:
            label = str(settings["detail_sheet"]) if splits == 1 else f"{name} (detail)"[:31]
            out[label] = detail_frame
    return out


def finish_workbook(
    path: str | Path,
    title: PrintTitle,
    header_row: int = 1,
    cap: int = 40,
    settings: Mapping | None = None,
    per_sheet: Callable[[Any], Any] | None = None,
) -> Path:
    """Give every sheet of a written workbook its title rows and print layout, and save it.

    For workbooks written by :func:`lscb_analysis.protect.safe_files.write_safe_xlsx` (a header row,
    ``header_row``, optionally under a one-line label). Each sheet: columns capped at ``cap``
    characters with text wrapped, the title rows above (a label row is replaced), filters
    and frozen panes moved below the header, :func:`setup_sheet` with the first column
    repeated when it prints across pages. ``per_sheet`` (e.g. the presenter's number
    formats) is called on each sheet first, while its header is still at ``header_row``.
    Output: the path. Raises: RawDataWriteError when ``path`` is under data/raw/.
    """
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    settings = settings or load_settings()
    target = io.ensure_writable(path)
    book = load_workbook(target)
    for sheet in book.worksheets:
        if per_sheet is not None:
            per_sheet(sheet)
        for number in range(1, sheet.max_column + 1):
            dimension = sheet.column_dimensions[get_column_letter(number)]
            dimension.width = min(float(dimension.width or DEFAULT_WIDTH), float(cap))
        for row in sheet.iter_rows(min_row=header_row):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        moved = insert_title_rows(sheet, title, settings, replace_rows=header_row - 1)
        header = header_row + moved
        if sheet.max_column:
            sheet.auto_filter.ref = (
                f"A{header}:{get_column_letter(sheet.max_column)}{max(sheet.max_row, header)}"
            )
        setup_sheet(sheet, title, header, repeat_columns=1, settings=settings)
    book.save(target)
    return target
