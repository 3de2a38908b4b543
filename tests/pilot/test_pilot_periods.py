"""The pilot's reporting periods: read the ways people write them, ranges and their errors."""

from __future__ import annotations

import datetime as dt

import pytest

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.pilot import pilot_periods


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2024Q1", "2024Q1"),
        ("2024 q3", "2024Q3"),
        ("Q2 2025", "2025Q2"),
        ("2024-25 Q1", "2024Q2"),
        ("Q4 2024/25", "2025Q1"),
        (dt.date(2025, 12, 31), "2025Q4"),
    ],
)
def test_periods_are_read_the_ways_people_write_them(text, period):
    assert pilot_periods.parse_period(text) == period


def test_period_ranges_and_their_errors():
    assert pilot_periods.period_range("2024Q1..2025Q4") == [
        "2024Q1",
        "2024Q2",
        "2024Q3",
        "2024Q4",
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
    ]
    assert pilot_periods.period_range("2025Q2, 2024Q4") == ["2024Q4", "2025Q2"]
    with pytest.raises(InvalidArgumentError, match="backwards"):
        pilot_periods.period_range("2025Q1..2024Q1")
    with pytest.raises(InvalidArgumentError, match="not a period"):
        pilot_periods.parse_period("spring 2025")
    with pytest.raises(InvalidArgumentError, match="max_periods"):
        pilot_periods.period_range("2015Q1..2025Q4")
