"""Score card periods: which quarter or DfE reporting year a card is for.

Periods follow the pilot (:mod:`lscb_analysis.pilot.pilot_periods`): calendar quarters
``YYYYQn``; a DfE reporting year (2025 = 2024-25) belongs to the quarter that ends it.
:func:`parse_scorecard_period` reads the ``period`` parameter; :func:`resolve_period` picks the
latest period with figures when none is given and checks a given one has figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.core.errors import InvalidArgumentError, ParameterError
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.published.public_data import OK, period_label
from lscb_analysis.scorecard.pilot_values import USABLE, clean_la, pilot_states


@dataclass(frozen=True)
class ScorecardPeriod:
    """The period a score card covers.

    Attributes: ``label`` (``"2025Q4"`` for a quarter, ``"2024-25"`` for a reporting year),
    ``kind`` (``"quarter"`` or ``"year"``), ``cutoff`` (the last quarter included, ``YYYYQn``)
    and ``reporting_year`` (the latest DfE reporting year ending on or before the cutoff,
    e.g. 2025 for 2024-25).
    """

    label: str
    kind: str
    cutoff: str
    reporting_year: int

    @property
    def slug(self) -> str:
        """Folder- and file-safe name of the period (the label itself)."""
        return self.label


def year_end_quarter(year: int, pilot_rules: Mapping) -> str:
    """The quarter that ends DfE reporting ``year`` (``pilot_rules`` periods.year_end_quarter)."""
    return f"{int(year)}Q{int(pilot_rules['periods']['year_end_quarter'])}"


def _year_of_cutoff(cutoff: str, pilot_rules: Mapping) -> int:
    """The latest reporting year whose year-end quarter is not after ``cutoff``."""
    year = int(cutoff[:4])
    end = pilot_periods.period_index(year_end_quarter(year, pilot_rules))
    return year if end <= pilot_periods.period_index(cutoff) else year - 1


def parse_scorecard_period(
    period: Any, pilot_rules: Mapping | None = None
) -> ScorecardPeriod | None:
    """Read the ``period`` parameter: a quarter, a reporting year, or None for the latest.

    Accepted: None, ``""`` or ``"latest"``; a reporting year as DfE numbers it (2025 or
    ``"2025"`` for 2024-25, or ``"2024-25"``); a quarter in any form
    :func:`lscb_analysis.pilot.pilot_periods.parse_period` reads (``"2025Q4"``, ``"Q4 2025"``,
    ``"2025-26 Q3"``).

    Output: a :class:`ScorecardPeriod`, or None for "the latest".
    Raises: ParameterError naming the parameter and saying what to write.

    >>> parse_scorecard_period("2025Q4")
    ScorecardPeriod(label='2025Q4', kind='quarter', cutoff='2025Q4', reporting_year=2025)
    >>> parse_scorecard_period(2025).label, parse_scorecard_period("2024-25").cutoff
    ('2024-25', '2025Q1')
    >>> parse_scorecard_period(None) is None
    True
    """
    pilot_rules = pilot_rules or pilot_periods.load_rules()
    if period is None or (isinstance(period, str) and period.strip().lower() in ("", "latest")):
        return None
    text = str(period).strip()
    year = None
    if isinstance(period, int) and not isinstance(period, bool):
        year = int(period)
    elif re.fullmatch(r"\d{4}", text):
        year = int(text)
    elif match := re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})", text):
        first, second = int(match.group(1)), match.group(2)
        if int(second[-2:]) != (first + 1) % 100:
            raise ParameterError(
                f"Parameter 'period': {text!r} is not a financial year; write two consecutive "
                "years such as 2024-25, a reporting year such as 2025, or a quarter such as "
                "2025Q4."
            )
        year = first + 1
    if year is not None:
        cutoff = year_end_quarter(year, pilot_rules)
        return ScorecardPeriod(period_label(year), "year", cutoff, year)
    try:
        quarter = pilot_periods.parse_period(text)
    except InvalidArgumentError as error:
        raise ParameterError(
            f"Parameter 'period': {text!r} is neither a quarter nor a year. Write a quarter "
            "such as 2025Q4 (October to December 2025), a reporting year such as 2025 (for "
            "2024-25), or leave it empty for the latest."
        ) from error
    return ScorecardPeriod(quarter, "quarter", quarter, _year_of_cutoff(quarter, pilot_rules))


def resolve_period(
    period: Any,
    public: pd.DataFrame,
    pilot_values: pd.DataFrame | None = None,
    la_number: str | None = None,
    pilot_rules: Mapping | None = None,
) -> ScorecardPeriod:
    """Return the period to show: ``period`` checked against the data, or the latest.

    Inputs: ``period`` (see :func:`parse_scorecard_period`); ``public`` (public_indicators);
    ``pilot_values`` (pilot_values or None); ``la_number`` to look at one borough's data
    (None: every London borough).

    The latest is the latest quarter with a pilot figure when there is one at or after the end
    of the latest published year, otherwise the latest published reporting year.

    Output: a :class:`ScorecardPeriod`.
    Raises: ParameterError when the period is unreadable, later than the latest data, or
    earlier than the first published year (the message gives the range available).
    """
    pilot_rules = pilot_rules or pilot_periods.load_rules()
    london = {area.la_number for area in register.london_boroughs()}
    usable = public[(public["status"] == OK) & public["la_number"].isin(london)]
    if la_number is not None and (usable["la_number"] == la_number).any():
        usable = usable[usable["la_number"] == la_number]
    if usable.empty:
        raise ParameterError(
            "Parameter 'period': public_indicators holds no London figures. Rebuild it with "
            "`lscb data build`."
        )
    first_year, last_year = int(usable["period"].min()), int(usable["period"].max())
    last_quarter = None
    if pilot_values is not None and len(pilot_values):
        # Only usable figures count: a row with an error (a period outside the template, say)
        # must not move the latest period.
        rows = pilot_values[
            (pilot_states(pilot_values, pilot_rules) == USABLE)
            & pilot_values["period"].astype(str).str.match(r"^\d{4}Q[1-4]$")
        ]
        if la_number is not None:
            rows = rows[clean_la(rows["la_number"]) == la_number]
        if len(rows):
            last_quarter = max(rows["period"], key=pilot_periods.period_index)
    year_end = year_end_quarter(last_year, pilot_rules)
    latest = year_end
    if last_quarter and pilot_periods.period_index(last_quarter) > pilot_periods.period_index(
        year_end
    ):
        latest = last_quarter
    chosen = parse_scorecard_period(period, pilot_rules)
    if chosen is None:
        if latest == year_end:
            return ScorecardPeriod(period_label(last_year), "year", year_end, last_year)
        return ScorecardPeriod(latest, "quarter", latest, _year_of_cutoff(latest, pilot_rules))
    if pilot_periods.period_index(chosen.cutoff) > pilot_periods.period_index(latest):
        raise ParameterError(
            f"Parameter 'period': there are no figures for {chosen.label} yet. The latest "
            f"data are for {latest if latest != year_end else period_label(last_year)}; leave "
            "the period empty for the latest."
        )
    if chosen.reporting_year < first_year:
        raise ParameterError(
            f"Parameter 'period': {chosen.label} is before the first published year "
            f"({period_label(first_year)}). Choose a period from {period_label(first_year)} "
            f"to {latest if latest != year_end else period_label(last_year)}."
        )
    return chosen
