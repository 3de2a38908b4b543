"""Shared inputs of the score card tests: hand-built public and pilot figures, and cards built
from them (the helper functions are handed to tests as fixtures of the same name)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.core import register
from lscb_analysis.model.catalogue import load_catalogue
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.published.public_data import OUTPUT_COLUMNS
from lscb_analysis.scorecard import scorecard
from lscb_analysis.scorecard.periods import resolve_period
from lscb_analysis.scorecard.pilot_values import PILOT_VALUE_COLUMNS
from lscb_analysis.scorecard.rules import load_rules

BARNET = "302"


# --- hand-built inputs -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def model():
    return load_catalogue("1.0")


@pytest.fixture(scope="module")
def barnet():
    return register.resolve("Barnet")


def _catalogue_of(model, ids):
    """A catalogue holding only some PIs (same columns as the real one)."""
    return SimpleNamespace(current=model.current[model.current["id"].isin(ids)], version="1.0")


def public_rows(indicator, series, la_number=BARNET, unit="percent", status=None):
    """Public rows for one area: series = {year: (numerator, denominator)} (value = n/d x 100)."""
    rows = []
    for year, (numerator, denominator) in series.items():
        value = numerator / denominator * 100 if denominator else np.nan
        rows.append(
            {
                "indicator": indicator,
                "period": year,
                "la_number": la_number,
                "area_code": f"LA{la_number}",
                "area_name": la_number,
                "area_type": "la",
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "unit": unit,
                "status": (status or {}).get(year, "ok"),
            }
        )
    return rows


def benchmark_rows(indicator, year, england, london):
    return [
        {
            "indicator": indicator,
            "period": year,
            "la_number": pd.NA,
            "area_code": code,
            "area_name": name,
            "area_type": kind,
            "numerator": np.nan,
            "denominator": np.nan,
            "value": value,
            "unit": "percent",
            "status": "ok",
        }
        for code, name, kind, value in (
            ("E92000001", "England", "england", england),
            ("E12000007", "London", "region", london),
        )
    ]


def public_table(*groups):
    table = pd.DataFrame([row for group in groups for row in group], columns=OUTPUT_COLUMNS)
    return table.astype({"la_number": "string"})


# Re-referrals (lower is better, target 20%): flat about 20% then 24.0% and 27.4%.
REREFERRALS = dict(
    zip(
        range(2013, 2026),
        [2000, 2050, 1950, 2000, 2100, 2000, 2050, 1950, 2000, 2050, 2000, 2400, 2740],
        strict=True,
    )
)
# ICPCs within 15 days (higher is better, target 85%): 80% then 90%.
ICPC = {2021: (160, 200), 2022: (164, 200), 2023: (166, 200), 2024: (160, 200), 2025: (180, 200)}


@pytest.fixture(scope="module")
def national_public():
    return public_table(
        public_rows("rereferral_pct", {y: (n, 10000) for y, n in REREFERRALS.items()}),
        benchmark_rows("rereferral_pct", 2025, 22.6, 19.4),
        public_rows("icpc_15d_pct", ICPC),
        benchmark_rows("icpc_15d_pct", 2025, 78.0, 80.0),
        public_rows(
            "cpp_2yrs_pct", {2024: (10, 200), 2025: (np.nan, 210)}, status={2025: "suppressed"}
        ),
        benchmark_rows("cpp_2yrs_pct", 2025, 3.5, 2.9),
        public_rows("cin_rate", {2025: (1978, 93851)}, unit="rate_per_10000"),
        public_rows("sw_turnover_pct", {2025: (25, np.nan)}),
        public_rows("sw_caseload", {2025: (1526, 108.6)}, unit="cases_per_fte"),
    )


def _pilot_rows(
    pi_id, periods, numerators, denominator=1000, status="provided", la=BARNET, narrative=""
):
    rows = []
    for period, numerator in zip(periods, numerators, strict=True):
        value = numerator / denominator * 100 if numerator is not None else np.nan
        rows.append(
            {
                "borough": "Barnet",
                "la_number": la,
                "pi_id": pi_id,
                "period": period,
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "status": status if numerator is not None else "not available",
                "narrative": narrative,
                "prefilled": False,
                "validation_status": "ok",
                "submitted": pd.Timestamp("2026-01-20"),
            }
        )
    return rows


def _quarters(first, count):
    start = pilot_periods.period_index(first)
    return [pilot_periods.period_from_index(start + i) for i in range(count)]


def _card_for(
    model, ids, public, pilot=None, issues=None, period="2025Q4", tier="board", subgroup=None
):
    table = pd.DataFrame(pilot or [], columns=PILOT_VALUE_COLUMNS)
    chosen = resolve_period(period, public, table, BARNET)
    return scorecard.scorecard(
        _catalogue_of(model, ids),
        public,
        register.resolve("Barnet"),
        chosen,
        pilot_values=table,
        pilot_issues=issues,
        tier=tier,
        subgroup=subgroup,
    )


def _row_of(card, pi_id):
    return card.rows.set_index("pi_id").loc[pi_id]


# --- the helpers, as fixtures ------------------------------------------------------------------


@pytest.fixture(scope="session")
def catalogue_of():
    """A catalogue holding only some PIs: ``catalogue_of(model, ids)``."""
    return _catalogue_of


@pytest.fixture(scope="session")
def pilot_rows():
    """Pilot value rows for one PI: ``pilot_rows(pi_id, periods, numerators, ...)``."""
    return _pilot_rows


@pytest.fixture(scope="session")
def quarters():
    """``count`` consecutive quarters from ``first``: ``quarters("2023Q3", 10)``."""
    return _quarters


@pytest.fixture(scope="session")
def card_for():
    """A Barnet score card from hand-built inputs: ``card_for(model, ids, public, pilot, ...)``."""
    return _card_for


@pytest.fixture(scope="session")
def row_of():
    """One PI's row of a card: ``row_of(card, pi_id)``."""
    return _row_of


# --- a card with missing and suppressed figures (the score card and workbook tests) ------------


@pytest.fixture(scope="module")
def suppressed_card(model, national_public):
    """BF-SG-02's latest quarter is 3 of 7 (suppressed on the board tier); BF-CC-04 is not
    available; cpp_2yrs_pct (BF-CP-07) was suppressed by DfE."""
    pilot = _pilot_rows(
        "BF-SG-02", _quarters("2023Q3", 10), [900, 905, 895, 900, 910, 900, 905, 895, 900, 600]
    )
    pilot[-1].update(numerator=3, denominator=7, value=3 / 7 * 100)
    pilot += _pilot_rows(
        "BF-CC-04", _quarters("2025Q3", 2), [800, None], narrative='=HYPERLINK("http://x")'
    )
    ids = ["BF-SG-02", "BF-CC-04", "BF-CP-07", "BF-FD-03", "BF-CP-03"]
    return _card_for(model, ids, national_public, pilot)
