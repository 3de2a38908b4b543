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

import datetime as dt
import functools
import html
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lscb_analysis.core import indicators, io
from lscb_analysis.core.errors import RecordLevelDisplayError, ReferenceDataError

DICTIONARY_FILE = "data_dictionary.csv"
CODES_FILE = "code_labels.csv"
LAYOUT_FILE = "presentation.yaml"
KINDS = (
    "count",
    "rate",
    "percent",
    "share",
    "number",
    "pvalue",
    "date",
    "datetime",
    "period",
    "quarter",
    "text",
    "code",
    "indicator",
    "indicator_value",
)
NUMERIC_KINDS = ("count", "rate", "percent", "share", "number", "pvalue", "indicator_value")
DEFAULT_MISSING = "not available"
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_QUARTER = re.compile(r"^(\d{4})\s*Q([1-4])$")


@dataclass(frozen=True)
class Column:
    """One data dictionary entry: how a column is headed and how its values are written."""

    name: str
    label: str
    unit: str = ""
    kind: str = "text"
    decimals: int | None = None
    codes: str = ""
    missing: str = ""
    description: str = ""

    @property
    def header(self) -> str:
        """The column's header: its label, with its unit in brackets when it has one."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


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


# --- reference data -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _dictionary(path: Path, stamp: float) -> dict[str, Column]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    wanted = {"column", "label", "unit", "kind", "decimals", "codes", "missing", "description"}
    if missing := wanted - set(frame.columns):
        raise ReferenceDataError(
            f"{path} lacks columns {sorted(missing)}; add them to its header row."
        )
    entries = {}
    for number, row in enumerate(frame.to_dict("records"), start=2):
        if row["kind"] not in KINDS:
            raise ReferenceDataError(
                f"{path} line {number}: kind {row['kind']!r} of column "
                f"{row['column']!r} is not one of {', '.join(KINDS)}."
            )
        if not row["label"].strip():
            raise ReferenceDataError(
                f"{path} line {number}: column {row['column']!r} has no "
                "label; write the header a reader sees."
            )
        if row["column"] in entries:
            raise ReferenceDataError(
                f"{path} line {number}: column {row['column']!r} is "
                "described twice; keep one row for it."
            )
        if row["decimals"].strip() and not row["decimals"].strip().isdigit():
            raise ReferenceDataError(
                f"{path} line {number}: decimals {row['decimals']!r} of "
                f"column {row['column']!r} is not a whole number from 0; "
                "write e.g. 1, or leave it empty."
            )
        decimals = int(row["decimals"]) if row["decimals"].strip() else None
        entries[row["column"]] = Column(
            row["column"],
            row["label"],
            row["unit"],
            row["kind"],
            decimals,
            row["codes"],
            row["missing"],
            row["description"],
        )
    return entries


def load_dictionary() -> dict[str, Column]:
    """The data dictionary: column name -> :class:`Column`.

    Reads ``data/reference/data_dictionary.csv``. Raises ReferenceDataError when it lacks a
    column, names an unknown kind, has an entry without a label or with decimals that are not
    a whole number, or describes a column twice.
    """
    path = io.reference_file(DICTIONARY_FILE)
    return _dictionary(path, path.stat().st_mtime)


@functools.lru_cache(maxsize=4)
def _code_labels(path: Path, stamp: float) -> dict[str, dict[str, str]]:
    frame = io.read_reference_csv(CODES_FILE, ["list", "code", "label"])
    lists: dict[str, dict[str, str]] = {}
    for row in frame.to_dict("records"):
        lists.setdefault(row["list"], {})[row["code"]] = row["label"]
    return lists


def code_labels(name: str) -> dict[str, str]:
    """One code list, code -> label: ``indicators`` (indicator id -> short title, from
    indicators.csv) or a list of ``data/reference/code_labels.csv`` (columns ``list, code,
    label``). An unknown list is empty."""
    if name == "indicators":
        table = io.read_reference_csv("indicators.csv", ["id", "short_title"])
        return dict(zip(table["id"], table["short_title"], strict=True))
    if name == "exceptions":
        rules = io.read_reference_yaml("scorecard.yaml").get("exceptions", {})
        return {
            code: str(entry["label"])
            for code, entry in rules.items()
            if isinstance(entry, dict) and "label" in entry
        }
    path = io.reference_file(CODES_FILE)
    return _code_labels(path, path.stat().st_mtime).get(name, {})


def _indicator_formats() -> dict[str, tuple[str, int]]:
    """Indicator or PI id -> (unit, decimals): indicators.csv, then the best-fit model's PIs
    (:func:`lscb_analysis.core.indicators.model_pi_formats`)."""
    table = io.read_reference_csv("indicators.csv", ["id", "unit", "decimals"])
    formats = {row.id: (str(row.unit), int(row.decimals)) for row in table.itertuples()}
    for pi_id, unit_decimals in indicators.model_pi_formats().items():
        formats.setdefault(pi_id, unit_decimals)
    return formats


def symbol_words(rules=None) -> dict[str, str]:
    """Published symbol -> the words shown instead of it.

    ``c`` (and any symbol whose status is ``suppressed`` in symbols.csv) reads as
    :func:`lscb_analysis.protect.disclosure_config.suppressed_wording`; the others as their meaning in
    ``data/reference/symbols.csv``, in lower case ("not available", "not applicable").
    """
    from lscb_analysis.protect import disclosure_config

    table = io.read_reference_csv("symbols.csv", ["symbol", "status", "meaning"])
    suppressed = disclosure_config.suppressed_wording(rules)
    return {
        str(row.symbol): suppressed if row.status == "suppressed" else str(row.meaning).lower()
        for row in table.itertuples()
    }


def layout_rules() -> dict:
    """Limits for fitting a table on A4 from ``data/reference/presentation.yaml``:
    ``max_columns``, ``max_width_chars``, ``column_cap_chars``."""
    rules = io.read_reference_yaml(LAYOUT_FILE)
    for key in ("max_columns", "max_width_chars", "column_cap_chars"):
        if not isinstance(rules.get(key), int):
            raise ReferenceDataError(f"{LAYOUT_FILE}: '{key}' must be a whole number.")
    return rules


def empty_sentence(title: str) -> str:
    """The sentence shown instead of the empty table ``title``: from ``empty_tables`` in
    ``data/reference/presentation.yaml``, else "<title>: none to show."."""
    sentences = io.read_reference_yaml(LAYOUT_FILE).get("empty_tables") or {}
    return str(sentences.get(title) or f"{title}: none to show.")


# --- formatting one value -------------------------------------------------------------------


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("", "nan", "nat", "none", "<na>")


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def format_number(value: float, decimals: int) -> str:
    """A number with thousands separators and ``decimals`` places, rounded half up.

    >>> format_number(1234.5, 0), format_number(0.25, 1), format_number(-3.14159, 2)
    ('1,235', '0.3', '-3.14')
    """
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:,.{decimals}f}"


def format_date(value) -> str | None:
    """A date as "31 March 2025" (None when it is not a date).

    >>> format_date("2025-03-31"), format_date(pd.Timestamp("2025-03-31 00:00"))
    ('31 March 2025', '31 March 2025')
    >>> format_date("14 Apr 2026"), format_date("Jun 2024")
    ('14 April 2026', 'June 2024')
    """
    if isinstance(value, str):
        text = value.strip()
        for layout in ("%d %b %Y", "%b %Y"):  # "14 Apr 2026", "Jun 2024" as some tables write
            try:
                stamp = dt.datetime.strptime(text, layout)
            except ValueError:
                continue
            return f"{stamp.day} {stamp:%B %Y}" if "%d" in layout else f"{stamp:%B %Y}"
        if not (_ISO_DATE.match(text) or _ISO_DATETIME.match(text)):
            return None
        value = pd.Timestamp(text)
    if isinstance(value, dt.date | pd.Timestamp):
        return f"{value.day} {value:%B %Y}"
    return None


def format_datetime(value) -> str | None:
    """A moment as "4 December 2026, 01:53 UTC" (times in UTC; None when not a time).

    >>> format_datetime("2026-12-04T01:53:32+00:00")
    '4 December 2026, 01:53 UTC'
    """
    if isinstance(value, str):
        if not _ISO_DATETIME.match(value.strip()):
            return None
        value = pd.Timestamp(value.strip())
    if not isinstance(value, dt.datetime | pd.Timestamp):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return f"{stamp.day} {stamp:%B %Y}, {stamp:%H:%M} UTC"


def format_period(value) -> str:
    """A reporting year as "2024-25", a quarter as "Q3 2025-26" (financial-year quarter).

    >>> format_period(2025), format_period("2025Q4"), format_period("2025Q1"), format_period("2024-25")
    ('2024-25', 'Q3 2025-26', 'Q4 2024-25', '2024-25')
    >>> format_period("2024Q2, 2024Q3"), format_period(None), format_period(float("nan"))
    ('Q1 2024-25, Q2 2024-25', '', '')
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value).strip()
    if "," in text:
        return ", ".join(format_period(part) for part in text.split(","))
    if re.fullmatch(r"\d{4}(\.0)?", text) and 1900 < float(text) < 2200:
        year = int(float(text))  # a reporting year ending 31 March
        return f"{year - 1}-{year % 100:02d}"
    if match := _QUARTER.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        start = year if quarter >= 2 else year - 1
        return f"Q{(quarter - 2) % 4 + 1} {start}-{(start + 1) % 100:02d}"
    return text


def format_value(
    value, column: Column, symbols: dict[str, str], *, unit: str = "", decimals: int | None = None
) -> str:
    """One cell as a reader sees it (see the module docstring for the rules).

    Inputs: the value; its :class:`Column`; ``symbols`` (:func:`symbol_words`); for an
    ``indicator_value`` column the row's indicator ``unit`` and ``decimals``.
    Output: text, never blank for a missing value. Raises nothing.
    """
    if _is_missing(value):
        return column.missing or ("none" if column.kind == "text" else DEFAULT_MISSING)
    if (
        isinstance(value, str)
        and value.strip() in symbols
        and (
            column.kind in NUMERIC_KINDS
            or column.kind in ("date", "period", "quarter")
            or value.strip() in ("c", "x", "z", ":", "..")
        )
    ):
        return symbols[value.strip()]
    kind = column.kind
    if kind in NUMERIC_KINDS:
        return _format_numeric(value, column, unit, decimals)
    if kind == "date":
        return format_date(value) or str(value)
    if kind == "datetime":
        return format_datetime(value) or format_date(value) or str(value)
    if kind in ("period", "quarter"):
        return format_period(value)
    if kind in ("code", "indicator"):
        labels = code_labels(column.codes or ("indicators" if kind == "indicator" else ""))
        return "; ".join(
            labels.get(text, text.replace("_", " ") if kind == "code" else text)
            for text in re.split(r"\s*;\s*", str(value).strip())
        )
    return _format_text(value)


def _format_text(value) -> str:
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return format_date(stamp) if stamp == stamp.normalize() else format_datetime(stamp)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, float):
        return format_number(value, 0 if value.is_integer() else 1)
    if isinstance(value, str) and _ISO_DATETIME.match(value.strip()):
        stamp = pd.Timestamp(value.strip())
        return (
            format_date(stamp)
            if stamp == stamp.normalize() and stamp.tzinfo is None
            else format_datetime(stamp)
        )
    return str(value)


def _format_numeric(value, column: Column, unit: str, decimals: int | None) -> str:
    number = _number(value)
    if number is None:
        return str(value)
    kind = column.kind
    if kind == "indicator_value":
        places = decimals if decimals is not None else 1
        return format_number(number, places) + ("%" if unit == "percent" else "")
    if kind == "pvalue":
        return "less than 0.001" if number < 0.001 else format_number(number, 3)
    if kind == "share":
        number *= 100
    default = {"count": 0, "rate": 1, "percent": 0, "share": 0, "number": 1}[kind]
    places = column.decimals if column.decimals is not None else default
    text = format_number(number, places)
    return text + "%" if kind in ("percent", "share") else text


# --- a whole table --------------------------------------------------------------------------


def _snake_to_words(name: str) -> str:
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def column_for(
    name: str, dictionary: dict[str, Column] | None = None, *, strict: bool = False
) -> Column:
    """The dictionary entry of a column (a text column headed in words when there is none).

    Raises ReferenceDataError for an unknown column when ``strict``, naming the column and
    the file to add it to.
    """
    dictionary = load_dictionary() if dictionary is None else dictionary
    if str(name) in dictionary:
        return dictionary[str(name)]
    if strict:
        raise ReferenceDataError(
            f"Column {name!r} is not in data/reference/{DICTIONARY_FILE}; add a row giving "
            "its label, unit, kind and decimals."
        )
    return Column(str(name), _snake_to_words(name))


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
    formats = _indicator_formats() if any(c.kind == "indicator_value" for c in columns) else {}
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


def _table_html(part: pd.DataFrame, caption: str) -> str:
    numeric = [_numeric_like(part[name]) for name in part.columns]
    head = "".join(
        f'<th scope="col"{_num_class(flag)}>{html.escape(str(name))}</th>'
        for name, flag in zip(part.columns, numeric, strict=True)
    )
    body = "\n".join(
        "<tr>"
        + "".join(
            f"<td{_num_class(flag)}>{html.escape(str(value))}</td>"
            for value, flag in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in part.itertuples(index=False)
    )
    return (
        f'<table class="lscb-table">\n<caption>{html.escape(caption)}</caption>\n'
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
