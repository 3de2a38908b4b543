"""Formatting one value for a person: numbers, dates, periods, codes and missing values.

Each value is formatted by its column's kind (:class:`lscb_analysis.present.data_dictionary.Column`):
counts with thousands separators, rates and percentages to their decimals, dates as
"31 March 2025", reporting years as "2024-25", quarters as "Q3 2025-26", codes by their labels;
a missing value is never shown as nan, NaT, None or a blank read as zero.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd

from lscb_analysis.present.data_dictionary import (
    DEFAULT_MISSING,
    NUMERIC_KINDS,
    Column,
    code_labels,
)

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_QUARTER = re.compile(r"^(\d{4})\s*Q([1-4])$")


def is_missing(value) -> bool:
    """True for None, NA, NaT, NaN and the texts "", "nan", "nat", "none", "<na>" (any case)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("", "nan", "nat", "none", "<na>")


def as_number(value) -> float | None:
    """``value`` as a float (numbers, and text such as "1,234"); None for booleans and other text."""
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


def format_p_value(value, threshold: float = 0.05) -> str:
    """A p-value as a reader sees it: "p < 0.001", else two significant figures ("p = 0.034").

    Never a string of zeros. Rounded half up; when two figures would put a p-value below
    ``threshold`` (the significance level of the verdict beside it) on the other side
    ("p = 0.050" for 0.0496), three are shown, and "p < 0.05" if even three would. Input: a
    number (or numeric text) from 0 to 1; ``threshold`` (0.05 by default). Output: text, ""
    for a missing value; the value as given when it is not a number. Raises nothing.

    >>> [format_p_value(p) for p in (0.0004, 0.001, 0.0341, 0.5, 0.999, 0.0496, 0.049996)]
    ['p < 0.001', 'p = 0.0010', 'p = 0.034', 'p = 0.50', 'p = 1.0', 'p = 0.0496', 'p < 0.05']
    """
    if is_missing(value):
        return ""
    number = as_number(value)
    if number is None:
        return str(value)
    if number < 0.001:
        return "p < 0.001"
    for figures in (2, 3):
        decimals = figures - 1 - math.floor(math.log10(number))
        text = format_number(number, max(decimals, 0))
        if float(text) >= 10 ** math.floor(math.log10(number) + 1):  # 0.999 -> 1.0, not 1.00
            text = format_number(number, max(decimals - 1, 0))
        if (float(text) < threshold) == (number < threshold):
            return f"p = {text}"
    return f"p < {threshold:g}"


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
    if is_missing(value):
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
    number = as_number(value)
    if number is None:
        return str(value)
    kind = column.kind
    if kind == "indicator_value":
        places = decimals if decimals is not None else 1
        return format_number(number, places) + ("%" if unit == "percent" else "")
    if kind == "pvalue":
        return format_p_value(number)
    if kind == "share":
        number *= 100
    default = {"count": 0, "rate": 1, "percent": 0, "share": 0, "number": 1}[kind]
    places = column.decimals if column.decimals is not None else default
    text = format_number(number, places)
    return text + "%" if kind in ("percent", "share") else text
