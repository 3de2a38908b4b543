"""Presented tables in workbooks: the presenter's headers, values and missing words in cells.

The workbook side of :mod:`lscb_analysis.present.presenter`: numbers and dates keep their type with
an Excel number format for their dictionary kind (counts ``#,##0``, a share ``0%``, a
percentage ``0"%"``, an indicator's value its own decimals, dates ``d mmmm yyyy``); missing
and suppressed values are the same words the HTML shows; text can never run as a formula
(:func:`lscb_analysis.protect.safe_files.write_cell`). Print settings are not set here
(``workbook_print``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lscb_analysis.present import data_dictionary, presenter, value_format


def number_format(
    column: data_dictionary.Column, unit: str = "", decimals: int | None = None
) -> str | None:
    """The Excel number format of a column kind (None for text).

    >>> number_format(data_dictionary.Column("n", "N", kind="count")), number_format(data_dictionary.Column("p", "P", kind="share"))
    ('#,##0', '0%')
    """
    kind = column.kind
    if kind == "indicator_value":
        return indicator_number_format(unit, 1 if decimals is None else decimals)
    if kind in ("date",):
        return "d mmmm yyyy"
    default = {"count": 0, "rate": 1, "percent": 0, "share": 0, "number": 1, "pvalue": 3}
    if kind not in default:
        return None
    places = column.decimals if column.decimals is not None else default[kind]
    body = "#,##0" + ("." + "0" * places if places else "")
    if kind == "percent":
        return body + '"%"'
    return body.replace("#,##", "") + "%" if kind == "share" else body


def indicator_number_format(unit: str, decimals: int) -> str:
    """The Excel number format of an indicator's values: its decimals, thousands separators,
    and a "%" for a percentage indicator (the value is the percentage, not a fraction).

    >>> indicator_number_format("percent", 1), indicator_number_format("rate_per_10000", 0)
    ('#,##0.0"%"', '#,##0')
    """
    body = "#,##0" + ("." + "0" * int(decimals) if int(decimals) else "")
    return f'{body}"%"' if unit == "percent" else body


def workbook_value(
    value,
    column: data_dictionary.Column,
    symbols: dict[str, str],
    *,
    unit: str = "",
    decimals: int | None = None,
):
    """The value written to a workbook cell: a number or date keeps its type (formatted by
    :func:`number_format`), anything else is the text :func:`value_format.format_value` shows."""
    if (
        column.kind in data_dictionary.NUMERIC_KINDS
        and column.kind != "pvalue"
        and not value_format.is_missing(value)
    ):
        number = value_format.as_number(value)
        if number is not None and not (isinstance(value, str) and value.strip() in symbols):
            places = decimals if column.kind == "indicator_value" else column.decimals
            return (
                number
                if places is None
                else round(number, places + (2 if column.kind == "share" else 0))
            )
    if (
        column.kind == "date"
        and not value_format.is_missing(value)
        and value_format.format_date(value)
    ):
        return pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
    return value_format.format_value(value, column, symbols, unit=unit, decimals=decimals)


def write_sheet(sheet, presented: presenter.Presented, row: int = 1, *, header_style=None) -> int:
    """Write a presented table to an openpyxl sheet from ``row``: a bold title row, the
    header row, then the values (typed numbers and dates with their number formats, missing
    values as their words; text can never run as a formula). An empty table writes its
    sentence under the title. ``header_style`` (callable(cell)) styles header cells.
    Output: the next free row. Raises InvalidArgumentError for text longer than Excel allows.
    """
    from openpyxl.styles import Alignment, Font

    from lscb_analysis.protect.safe_files import write_cell

    write_cell(sheet.cell(row, 1), presented.title).font = Font(bold=True)
    row += 1
    if not presented.parts:
        write_cell(sheet.cell(row, 1), presented.empty)
        return row + 2
    symbols = data_dictionary.symbol_words()
    formats = (
        data_dictionary.indicator_formats()
        if any(c.kind == "indicator_value" for c in presented.columns)
        else {}
    )
    indicator = presented.indicator or next(
        (c for c in ("indicator_id", "id", "indicator") if c in presented.typed.columns), None
    )
    for number, column in enumerate(presented.columns, start=1):
        cell = write_cell(sheet.cell(row, number), column.header)
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        if header_style:
            header_style(cell)
    for offset, record in enumerate(presented.typed.itertuples(index=False), start=1):
        ident = str(getattr(record, indicator)) if indicator else ""
        unit, places = formats.get(ident, ("", None))
        for number, (column, value) in enumerate(
            zip(presented.columns, record, strict=True), start=1
        ):
            out = workbook_value(value, column, symbols, unit=unit, decimals=places)
            cell = write_cell(sheet.cell(row + offset, number), out)
            if not isinstance(out, str) and (fmt := number_format(column, unit, places)):
                cell.number_format = fmt
    return row + len(presented.typed) + 2


def workbook_frame(table: pd.DataFrame, *, rules=None) -> pd.DataFrame:
    """A table as a workbook shows it, for :func:`lscb_analysis.protect.safe_files.write_safe_xlsx`:
    dictionary headers, numbers and dates typed, codes as labels, missing values as words.
    Use :func:`apply_number_formats` on the written sheet. Raises as :func:`present`."""
    dictionary = data_dictionary.load_dictionary()
    symbols = data_dictionary.symbol_words(rules)
    out = {}
    for position, name in enumerate(table.columns):
        column = data_dictionary.column_for(name, dictionary)
        out[presenter._unique_header(column.header, out)] = [
            workbook_value(v, column, symbols) for v in table.iloc[:, position].tolist()
        ]
    return pd.DataFrame(out, columns=list(out))


def apply_number_formats(sheet, header_row: int | None = None) -> None:
    """Give each column of a sheet written from :func:`workbook_frame` the number format of
    its dictionary kind (found by its header text in ``header_row``; default: the first row
    whose cells are all headers the dictionary knows). Text cells are left as they are."""
    by_header = {column.header: column for column in data_dictionary.load_dictionary().values()}
    if header_row is None:
        header_row = next(
            (
                cell.row
                for row in sheet.iter_rows(max_row=5)
                for cell in row[:1]
                if cell.value in by_header
            ),
            1,
        )
    for cell in sheet[header_row]:
        column = by_header.get(cell.value)
        fmt = number_format(column) if column else None
        if not fmt:
            continue
        for below in sheet.iter_rows(
            min_row=header_row + 1, min_col=cell.column, max_col=cell.column
        ):
            if isinstance(below[0].value, int | float | dt.datetime):
                below[0].number_format = fmt
