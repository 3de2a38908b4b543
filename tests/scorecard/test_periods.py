"""Score card periods: the pilot's quarters and DfE reporting years, parsed and resolved."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.scorecard import periods


def test_periods_follow_the_pilot_quarters_and_dfe_years(national_public, pilot_rows, barnet):
    assert periods.parse_scorecard_period("Q4 2025").label == "2025Q4"
    assert periods.parse_scorecard_period("2025").kind == "year"
    assert periods.parse_scorecard_period("2024-25").cutoff == "2025Q1"
    with pytest.raises(ParameterError, match="Parameter 'period'"):
        periods.parse_scorecard_period("last spring")
    national_only = periods.resolve_period(None, national_public, None, barnet.la_number)
    assert (national_only.label, national_only.reporting_year) == ("2024-25", 2025)
    pilot = pd.DataFrame(pilot_rows("BF-SG-02", ["2025Q3"], [900]))
    latest = periods.resolve_period(None, national_public, pilot, barnet.la_number)
    assert (latest.label, latest.kind, latest.reporting_year) == ("2025Q3", "quarter", 2025)
    with pytest.raises(ParameterError, match="no figures for 2026Q2"):
        periods.resolve_period("2026Q2", national_public, pilot, barnet.la_number)
