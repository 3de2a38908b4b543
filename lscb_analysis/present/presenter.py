"""The one presenter for every table shown to a person: HTML reports and workbooks alike.

A table from the package (a DataFrame with the package's own column names) becomes a
:class:`Presented` table:

* headers in plain English with their unit, from the data dictionary
  ``data/reference/data_dictionary.csv`` (columns ``column, label, unit, kind, decimals,
  codes, missing, description``; one row per column name the package shows);
* values formatted by the column's kind: counts as integers with thousands separators, rates
  to 1 decimal, percentages with "%", shares (0 to 1) as percentages, dates as
  "31 March 2025", reporting years as "2024-25", quarters as "Q3 2025-26", codes replaced by
  their labels (``data/reference/code_labels.csv``, indicator ids by indicator names);
  a column of kind ``indicator_value`` takes each row's indicator's unit and decimals from
  ``data/reference/indicators.csv``;
* missing values shown with their reason: a published symbol (``c``, ``x``, ``z`` ... from
  ``data/reference/symbols.csv``) by its meaning, ``c`` by the disclosure wording
  (:func:`lscb_analysis.protect.disclosure_config.suppressed_wording`), a blank by the column's ``missing``
  words (default "not available"); never nan, NaT, None or a blank read as zero;
* an empty table replaced by the caller's sentence saying what is absent and why;
* a wide table split into column groups that repeat the key columns, or a one-row table
  turned, so that each part fits A4 (limits in ``data/reference/presentation.yaml``).

Presentation never un-suppresses: a value the tier hid stays hidden, in other words.

Reference data (the data dictionary, code labels, layout limits) is in
:mod:`lscb_analysis.present.data_dictionary`; formatting one value in
:mod:`lscb_analysis.present.value_format`.

The workbook side (typed cells, Excel number formats, the same headers and missing words) is
:mod:`lscb_analysis.present.presenter_workbook`.

HTML is plain, escaped markup (no index, a ``<caption>``, ``<th scope="col">``, no script,
no inline or external style; the report stylesheet styles ``table.lscb-table``). great_tables
was tried: it puts the title in a header row rather than a ``<caption>``, gives every header
cell an ``id`` equal to its column name (repeated ids across a report's tables) and adds
about 10 kB of CSS per table, so this module renders the few tags itself; :func:`write_sheet` writes the same table to an openpyxl sheet
with the same headers, typed numbers with Excel number formats and the same missing words.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pandas as pd

from lscb_analysis.core import name_text
from lscb_analysis.core.errors import RecordLevelDisplayError
from lscb_analysis.present.data_dictionary import (
    NUMERIC_KINDS,
    Column,
    column_for,
    empty_sentence,
    indicator_formats,
    layout_rules,
    load_dictionary,
    symbol_words,
)
from lscb_analysis.present.value_format import format_value


@dataclass
class Presented:
    """A table ready to show: title, parts (each a frame of display strings), and the
    typed frame and columns the workbook writer uses. ``empty`` is the sentence shown
    instead of an empty table (``parts`` is then empty)."""

    title: str
    parts: list[pd.DataFrame]
    columns: list[Column]
    typed: pd.DataFrame
    empty: str = ""
    indicator: str | None = None

    def to_html(self) -> str:
        """The table as self-contained HTML (see :func:`to_html`)."""
        return to_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()


# --- a whole table --------------------------------------------------------------------------


def present(
    table: pd.DataFrame,
    title: str,
    *,
    empty: str = "",
    keys: list[str] | None = None,
    indicator: str | None = None,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
    strict: bool = False,
    rules=None,
) -> Presented:
    """Present a table: headers, values, missing reasons, empty sentence, A4 split.

    Inputs: ``table`` (package column names; the index is dropped); ``title`` (the caption);
    ``empty`` (the sentence shown when the table has no rows: what is absent and why);
    ``keys`` (columns repeated in every part of a split table; default the first column);
    ``indicator`` (the column holding each row's indicator id, for ``indicator_value``
    columns; default ``indicator_id``/``id`` when present); ``labels`` (header overrides for
    this table, e.g. the borough column headed with the borough's name); ``kinds`` (kind
    overrides for this table, e.g. ``{"value": "indicator_value"}``); ``strict`` (raise
    for a column missing from the dictionary); ``rules`` (disclosure rules, None: configured).
    Output: a :class:`Presented`.
    Raises: RecordLevelDisplayError for a record-level frame (see
    :mod:`lscb_analysis.protect.display_guard`); ReferenceDataError (strict) for an unknown column.
    """
    from lscb_analysis.protect import display_guard

    if display_guard.is_record_level(table):
        raise RecordLevelDisplayError(
            f"Table {title!r} holds records of a local return (record-level); show an "
            "aggregate from a package function instead."
        )
    dictionary = load_dictionary()
    frame = table.reset_index(drop=True)
    columns = [column_for(name, dictionary, strict=strict) for name in frame.columns]
    if labels:
        columns = [
            Column(
                c.name, labels[c.name], "", c.kind, c.decimals, c.codes, c.missing, c.description
            )
            if c.name in labels
            else c
            for c in columns
        ]
    if kinds:
        columns = [
            Column(
                c.name,
                c.label,
                c.unit,
                kinds[c.name],
                c.decimals,
                c.codes,
                c.missing,
                c.description,
            )
            if c.name in kinds
            else c
            for c in columns
        ]
    if frame.empty:
        sentence = empty or empty_sentence(title)
        return Presented(title, [], columns, frame, sentence)
    symbols = symbol_words(rules)
    shown = _format_frame(frame, columns, symbols, indicator)
    parts = split_wide(shown, _key_count(frame, columns, keys))
    return Presented(title, parts, columns, frame, indicator=indicator)


def _key_count(frame: pd.DataFrame, columns: list[Column], keys: list[str] | None) -> int:
    """How many leading columns identify a row: the caller's ``keys``, else the leading
    columns that are not figures (at most 3)."""
    if keys:
        return max(1, sum(1 for name in frame.columns[: len(keys)] if name in keys))
    count = 0
    for column in columns[:3]:
        if column.kind in NUMERIC_KINDS:
            break
        count += 1
    return max(count, 1)


def _format_frame(
    frame: pd.DataFrame, columns: list[Column], symbols: dict[str, str], indicator: str | None
) -> pd.DataFrame:
    indicator = indicator or next(
        (c for c in ("indicator_id", "id", "indicator") if c in frame.columns), None
    )
    formats = indicator_formats() if any(c.kind == "indicator_value" for c in columns) else {}
    out = {}
    for position, column in enumerate(columns):
        values = frame.iloc[:, position].tolist()
        if column.kind == "indicator_value" and indicator is not None:
            ids = frame[indicator].astype(str).tolist()
            cells = [
                format_value(
                    v,
                    column,
                    symbols,
                    unit=formats.get(i, ("", 1))[0],
                    decimals=formats.get(i, ("", 1))[1],
                )
                for v, i in zip(values, ids, strict=True)
            ]
        else:
            cells = [format_value(v, column, symbols) for v in values]
        out[_unique_header(column.header, out)] = cells
    return pd.DataFrame(out)


def _unique_header(header: str, taken: dict) -> str:
    name, number = header, 2
    while name in taken:
        name, number = f"{header} ({number})", number + 1
    return name


def _cell_width(text: str, cap: int) -> int:
    """Characters a cell needs: its length up to ``cap``, but text wraps at spaces, so no
    more than its longest word or ``cap`` // 2, whichever is longer."""
    longest_word = max((len(word) for word in text.split()), default=0)
    return min(len(text), cap, max(longest_word, cap // 2))


def split_wide(
    shown: pd.DataFrame, keys: int = 1, layout: dict | None = None
) -> list[pd.DataFrame]:
    """Split a table of display strings into parts that fit A4 landscape.

    The width of a column is estimated as the longer of its header's longest word and its
    widest cell (text wraps at spaces: a cell counts as its longest word or half of
    ``column_cap_chars``, never more than ``column_cap_chars``). A table wider than
    ``max_width_chars`` or with more than ``max_columns`` columns is split: a one-row table
    is turned (one row per column), otherwise the columns are cut into groups, each
    repeating the first ``keys`` columns (the row's identifiers). Output: the parts (one
    when the table fits).
    """
    layout = layout or layout_rules()
    cap = layout["column_cap_chars"]

    def width(name) -> int:
        cells = [_cell_width(str(cell), cap) for cell in shown[name].tolist()]
        return max([len(w) for w in str(name).split()] + cells) + 2

    widths = {name: width(name) for name in shown.columns}
    fits = (
        len(shown.columns) <= layout["max_columns"]
        and sum(widths.values()) <= layout["max_width_chars"]
    )
    if fits:
        return [shown]
    if len(shown) == 1:
        return [pd.DataFrame({"Item": list(shown.columns), "Value": shown.iloc[0].tolist()})]
    key_names = list(shown.columns[: max(keys, 1)])
    rest = [name for name in shown.columns if name not in key_names]
    base = sum(widths[name] for name in key_names)
    groups, current, used = [], [], base
    limit_columns = layout["max_columns"] - len(key_names)
    for name in rest:
        if current and (
            used + widths[name] > layout["max_width_chars"] or len(current) >= max(limit_columns, 1)
        ):
            groups.append(current)
            current, used = [], base
        current.append(name)
        used += widths[name]
    groups.append(current)
    return [shown[[*key_names, *group]] for group in groups]


# --- HTML -----------------------------------------------------------------------------------


def _numeric_like(series: pd.Series) -> bool:
    pattern = re.compile(r"^-?[\d,]+(\.\d+)?%?$")
    texts = series.astype(str)
    numeric = texts.str.match(pattern)
    return bool(numeric.sum()) and numeric.sum() >= len(texts) / 2


def to_html(presented: Presented) -> str:
    """Self-contained HTML for a presented table.

    Output: a ``<p class="lscb-empty">`` sentence for an empty table; otherwise one
    ``<table class="lscb-table">`` per part, each with a ``<caption>`` (the title, with
    "part i of n" when split), header cells ``<th scope="col">``, no index column, figures
    right-aligned (class ``lscb-num``), no script and no external style. Raises nothing.
    """
    if not presented.parts:
        return f'<p class="lscb-empty">{html.escape(presented.empty)}</p>'
    pieces = []
    total = len(presented.parts)
    for number, part in enumerate(presented.parts, start=1):
        caption = presented.title if total == 1 else f"{presented.title} (part {number} of {total})"
        pieces.append(_table_html(part, caption))
    return "\n".join(pieces)


def _text(value) -> str:
    """A cell, header or caption as escaped HTML text, hidden characters removed (a
    right-to-left override in a returned name must not turn a table's text around)."""
    return html.escape(name_text.display_text(value))


def _table_html(part: pd.DataFrame, caption: str) -> str:
    numeric = [_numeric_like(part[name]) for name in part.columns]
    head = "".join(
        f'<th scope="col"{_num_class(flag)}>{_text(name)}</th>'
        for name, flag in zip(part.columns, numeric, strict=True)
    )
    body = "\n".join(
        "<tr>"
        + "".join(
            f"<td{_num_class(flag)}>{_text(value)}</td>"
            for value, flag in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in part.itertuples(index=False)
    )
    return (
        f'<table class="lscb-table">\n<caption>{_text(caption)}</caption>\n'
        f"<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>"
    )


def _num_class(flag: bool) -> str:
    return ' class="lscb-num"' if flag else ""


def show(table: pd.DataFrame, title: str, empty: str = "", **options) -> Presented:
    """Present a table for a notebook cell (the returned object displays as HTML).

    Same inputs, output and errors as :func:`present`.
    """
    return present(table, title, empty=empty, **options)


def show_many(
    tables: dict[str, pd.DataFrame],
    empty: dict[str, str] | None = None,
    none: str = "No tables to show.",
):
    """Display titled tables one after the other (``none`` when there are no tables).

    ``empty`` maps a title to the sentence shown when its table has no rows.
    Output: an IPython HTML object. Raises what :func:`present` raises.
    """
    from IPython.display import HTML

    if not tables:
        return HTML(f'<p class="lscb-empty">{html.escape(none)}</p>')
    empty = empty or {}
    return HTML(
        "\n".join(
            present(table, title, empty=empty.get(title, "")).to_html()
            for title, table in tables.items()
        )
    )
