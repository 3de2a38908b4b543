"""Shared inputs of the pilot feasibility tests: the catalogue and hand-built pilot values.

The fixtures are bound into each test module by name (``model = feasibility_inputs.model``);
the helper functions are handed to tests as fixtures of the same name.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.model import catalogue

PERIODS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


@pytest.fixture(scope="module")
def model():
    return catalogue.load_catalogue("1.0")


def _values(rows: list[tuple]) -> pd.DataFrame:
    """Values as the ingest gives them: (borough, la, pi, period, status, value, prefilled,
    validation_status)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "borough",
            "la_number",
            "pi_id",
            "period",
            "status",
            "value",
            "prefilled",
            "validation_status",
        ],
    )
    return frame.assign(narrative="", numerator=frame["value"], denominator=100.0)


def _series(borough, la, pi, statuses, value=50.0, validation="ok"):
    return [
        (
            borough,
            la,
            pi,
            period,
            status,
            value if status == "provided" else None,
            False,
            validation,
        )
        for period, status in zip(PERIODS, statuses, strict=True)
    ]


@pytest.fixture(scope="module")
def values():
    rows = []
    for borough, la in (("Barnet", "302"), ("Brent", "304"), ("Ealing", "307")):
        rows += _series(borough, la, "BF-EH-01", ["provided"] * 4)
    rows += _series("Barnet", "302", "BF-EH-02", ["provided"] * 4)
    rows += _series(
        "Brent", "304", "BF-EH-02", ["provided", "provided", "not available", "not yet due"]
    )
    rows += _series("Ealing", "307", "BF-EH-02", ["not available"] * 4)
    rows += _series("Barnet", "302", "BF-EH-03", ["not available"] * 4)
    rows += _series("Brent", "304", "BF-EH-03", ["not available"] * 4)
    rows += _series("Ealing", "307", "BF-EH-03", ["provided"] + ["not available"] * 3)
    rows += [("Barnet", "302", "BF-CC-03", "2024Q1", "published (DfE)", 70.0, True, "ok")]
    return _values(rows)


@pytest.fixture(name="_values")
def values_helper():
    """:func:`_values` as a fixture: build values frames in a test."""
    return _values


@pytest.fixture(name="_series")
def series_helper():
    """:func:`_series` as a fixture: build one borough's series rows in a test."""
    return _series
