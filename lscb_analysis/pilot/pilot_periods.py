"""Phase III pilot: the pilot rules (``data/reference/pilot_rules.yaml``) and reporting periods.

:func:`load_rules` reads the rules every pilot module uses. Periods are calendar quarters
written ``YYYYQn`` (2025Q1 is January to March 2025, quarter 4 of the financial year 2024-25):
:func:`parse_period` reads the ways people write one, :func:`period_range` expands a template's
periods, :func:`period_index` / :func:`period_from_index` count quarters, and
:func:`reporting_year` / :func:`period_months` name DfE's financial year and the months covered.
:func:`unit_rule` gives a unit's multiplier and label from the rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import InvalidArgumentError, ReferenceDataError
from lscb_analysis.published import public_data

RULES_FILE = "pilot_rules.yaml"
REQUIRED_RULE_KEYS: tuple[str, ...] = (
    "template_version",
    "periods",
    "units",
    "statuses",
    "blank_words",
    "feasibility",
    "checks",
    "findings",
    "severities",
    "headers",
    "feasibility_headers",
    "sheets",
    "kind",
    "feasibility_rule",
    "pilot_boroughs",
)
PERIOD_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")
_CALENDAR = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*Q\s*([1-4])\s*$", re.IGNORECASE)
_CALENDAR_REVERSED = re.compile(r"^\s*Q\s*([1-4])\s*[-/ ]?\s*(\d{4})\s*$", re.IGNORECASE)
_FINANCIAL = re.compile(
    r"^\s*(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*[-/ ]?\s*Q\s*([1-4])\s*$", re.IGNORECASE
)
_FINANCIAL_REVERSED = re.compile(
    r"^\s*Q\s*([1-4])\s*[-/ ]?\s*(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def load_rules(path: Path | str | None = None) -> dict:
    """Read ``data/reference/pilot_rules.yaml``: every setting the pilot modules use.

    Input: ``path`` (None: the project's file). Output: the mapping. Raises ReferenceDataError
    when the file is missing, not YAML, or lacks a section of :data:`REQUIRED_RULE_KEYS`.

    >>> rules = load_rules()
    >>> rules["statuses"]["borough"]
    ['provided', 'not available', 'not yet due', 'estimated']
    """
    file = Path(path) if path is not None else paths.reference_dir() / RULES_FILE
    rules = io.read_yaml_mapping(file, "Pilot rules file")
    missing = [key for key in REQUIRED_RULE_KEYS if key not in rules]
    if missing:
        raise ReferenceDataError(
            f"{file} lacks the section(s) {', '.join(missing)}; restore them from the "
            f"repository (git checkout -- data/reference/{RULES_FILE})."
        )
    return rules


def parse_period(value: Any) -> str:
    """Return a period as ``YYYYQn`` (calendar quarter) from the ways people write one.

    Accepted: ``2024Q1``, ``2024 Q1``, ``Q1 2024`` (calendar quarters); ``2024-25 Q4``,
    ``Q4 2024/25`` (financial-year quarters: Q4 of 2024-25 is January to March 2025); a date
    (the quarter it falls in). Raises InvalidArgumentError for anything else.

    >>> parse_period("2024 q3"), parse_period("Q1 2025"), parse_period("2024-25 Q4")
    ('2024Q3', '2025Q1', '2025Q1')
    >>> parse_period(dt.date(2025, 6, 30))
    '2025Q2'
    """
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}Q{(value.month - 1) // 3 + 1}"
    text = "" if value is None else str(value).strip()
    if match := _CALENDAR.match(text):
        return f"{match.group(1)}Q{match.group(2)}"
    if match := _CALENDAR_REVERSED.match(text):
        return f"{match.group(2)}Q{match.group(1)}"
    financial = _FINANCIAL.match(text)
    if financial:
        start, end, quarter = financial.groups()
    elif reversed_match := _FINANCIAL_REVERSED.match(text):
        quarter, start, end = reversed_match.groups()
    else:
        raise InvalidArgumentError(
            f"{text!r} is not a period: write a calendar quarter such as 2025Q1 (January to "
            "March 2025), or a financial quarter such as 2024-25 Q4."
        )
    first = int(start)
    if int(end[-2:]) != (first + 1) % 100:
        raise InvalidArgumentError(
            f"{text!r}: a financial year runs over two consecutive years, such as 2024-25."
        )
    calendar_quarter = int(quarter) + 1
    year = first if calendar_quarter <= 4 else first + 1
    return f"{year}Q{calendar_quarter if calendar_quarter <= 4 else 1}"


def period_key(period: str) -> tuple[int, int]:
    """Return a ``YYYYQn`` period as (year, quarter); InvalidArgumentError for anything else.

    >>> period_key("2025Q1")
    (2025, 1)
    """
    match = PERIOD_PATTERN.match(period)
    if not match:
        raise InvalidArgumentError(f"{period!r} is not a period written YYYYQn, such as 2025Q1.")
    return int(match.group(1)), int(match.group(2))


def period_index(period: str) -> int:
    """Return a period as a count of quarters, so that consecutive quarters differ by one.

    >>> period_index("2025Q1") - period_index("2024Q4")
    1
    """
    year, quarter = period_key(period)
    return year * 4 + quarter - 1


def period_from_index(index: int) -> str:
    """Inverse of :func:`period_index`.

    >>> period_from_index(period_index("2024Q4") + 1)
    '2025Q1'
    """
    return f"{index // 4}Q{index % 4 + 1}"


def period_range(spec: str | Iterable[str] | None, rules: Mapping | None = None) -> list[str]:
    """Return the periods a template covers, oldest first.

    Input: ``"2024Q1..2025Q4"`` (every quarter from the first to the last), a comma-separated
    list, a list of periods, or None (the default in pilot_rules.yaml). Output: ``YYYYQn``
    strings without repeats. Raises InvalidArgumentError for an unreadable period, a range
    running backwards, or more periods than ``periods.max_periods``.

    >>> period_range("2024Q3..2025Q2")
    ['2024Q3', '2024Q4', '2025Q1', '2025Q2']
    """
    rules = rules or load_rules()
    if spec is None:
        spec = rules["periods"]["default"]
    if isinstance(spec, str):
        text = spec.strip()
        if ".." in text:
            first_text, _, last_text = text.partition("..")
            first, last = (
                period_index(parse_period(first_text)),
                period_index(parse_period(last_text)),
            )
            if last < first:
                raise InvalidArgumentError(
                    f"--periods {text}: the range runs backwards; write the earliest first, "
                    "e.g. 2024Q1..2025Q4."
                )
            periods = [period_from_index(i) for i in range(first, last + 1)]
        else:
            periods = [parse_period(part) for part in text.split(",") if part.strip()]
    else:
        periods = [parse_period(part) for part in spec]
    periods = sorted(dict.fromkeys(periods), key=period_index)
    if not periods:
        raise InvalidArgumentError("No period given: write a range such as 2024Q1..2025Q4.")
    limit = int(rules["periods"]["max_periods"])
    if len(periods) > limit:
        raise InvalidArgumentError(
            f"{len(periods)} periods is more than the {limit} a template may hold "
            f"(periods.max_periods in data/reference/{RULES_FILE}); split it."
        )
    return periods


def reporting_year(period: str) -> int:
    """Return DfE's reporting year (the financial year ending 31 March) a quarter belongs to.

    >>> reporting_year("2025Q1"), reporting_year("2024Q2")
    (2025, 2025)
    """
    year, quarter = period_key(period)
    return year if quarter == 1 else year + 1


def period_months(period: str) -> str:
    """Return the months a period covers and its financial-year quarter, for the template.

    >>> period_months("2025Q1")
    'Jan-Mar 2025 (2024-25 Q4)'
    """
    year, quarter = period_key(period)
    first = _MONTHS[(quarter - 1) * 3]
    last = _MONTHS[(quarter - 1) * 3 + 2]
    financial_quarter = quarter - 1 if quarter > 1 else 4
    return (
        f"{first}-{last} {year} ({public_data.period_label(reporting_year(period))} "
        f"Q{financial_quarter})"
    )


def unit_rule(unit: str, rules: Mapping) -> dict:
    """Return the ``units`` entry of a unit (multiplier, proportion, label); ``{}`` for a count.

    >>> unit_rule("percent", load_rules())["multiplier"]
    100
    """
    return dict(rules["units"].get(unit) or {})
