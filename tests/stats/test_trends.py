"""Tests for lscb_analysis.stats.trends (trend_test): published reference values, edge cases
and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.trends import trend_test

# ---------------------------------------------------------------------------------------
# trend_test
# ---------------------------------------------------------------------------------------

TREND_COLUMNS = [
    "method",
    "points_used",
    "slope",
    "statistic",
    "p_value",
    "direction",
    "trend",
    "reason",
]


def _armitage_chi_squared(events, cases):
    events, cases = np.asarray(events, float), np.asarray(cases, float)
    times = np.arange(1, len(events) + 1)
    pooled = events.sum() / cases.sum()
    mean_time = (cases * times).sum() / cases.sum()
    score = (events * (times - mean_time)).sum()
    return score**2 / (pooled * (1 - pooled) * (cases * (times - mean_time) ** 2).sum())


def test_trend_test_proportions_increasing_and_statistic():
    events, cases = [100, 120, 140, 160, 180], [1000] * 5
    result = trend_test(numerator=events, denominator=cases, frequency="annual")
    assert list(result.columns) == TREND_COLUMNS
    row = result.iloc[0]
    assert row["method"] == "chi_squared_trend"
    assert row["statistic"] == pytest.approx(_armitage_chi_squared(events, cases))
    assert row["p_value"] == pytest.approx(scipy_stats.chi2.sf(row["statistic"], 1))
    assert (row["direction"], row["trend"]) == ("up", "increasing")


def test_trend_test_proportions_decreasing_and_not_significant():
    falling = trend_test(
        numerator=[180, 160, 140, 120, 100], denominator=[1000] * 5, frequency="annual"
    )
    assert falling["trend"].iloc[0] == "decreasing"
    flat = trend_test(
        numerator=[100, 104, 98, 103, 101], denominator=[1000] * 5, frequency="annual"
    )
    assert flat["trend"].iloc[0] == "no_significant_change"
    assert flat["reason"].iloc[0] == "no significant trend"


def test_trend_test_uses_only_the_last_five_points():
    recent = trend_test(
        numerator=[100, 120, 140, 160, 180], denominator=[1000] * 5, frequency="annual"
    )
    longer = trend_test(
        numerator=[900, 10, 100, 120, 140, 160, 180], denominator=[1000] * 7, frequency="annual"
    )
    pd.testing.assert_frame_equal(recent, longer)


def test_trend_test_outlier_reverses_direction():
    # A falling series with a jump at the end: significant, but driven by one point.
    cases = [10000] * 5
    events = [3000, 2800, 2600, 2400, 6000]
    result = trend_test(numerator=events, denominator=cases, frequency="annual")
    assert result["p_value"].iloc[0] < 0.002
    assert result["trend"].iloc[0] == "no_significant_change"
    assert result["reason"].iloc[0].startswith("outlier found")


def test_trend_test_cannot_be_calculated_cases():
    short = trend_test(numerator=[1, 2, 3, 4], denominator=[10] * 4, frequency="annual")
    assert short["trend"].iloc[0] == "cannot_be_calculated"
    assert "fewer than 5" in short["reason"].iloc[0]
    gap = trend_test(numerator=[1, 2, None, 4, 5], denominator=[10] * 5, frequency="annual")
    assert "missing" in gap["reason"].iloc[0]
    none = trend_test(numerator=[0] * 5, denominator=[10] * 5, frequency="annual")
    assert none["trend"].iloc[0] == "cannot_be_calculated"
    assert none["direction"].iloc[0] is None


def test_trend_test_proportion_of_zero_uses_the_chi_squared_direction():
    result = trend_test(numerator=[0, 20, 40, 60, 80], denominator=[200] * 5, frequency="annual")
    assert result["trend"].iloc[0] == "increasing"


def test_trend_test_rates_poisson_regression():
    # Counts growing by exactly 10% a period: the fitted log rate ratio is log(1.1).
    counts = [100, 110, 121, 133.1, 146.41]
    result = trend_test(numerator=counts, denominator=[50000] * 5, kind="rate", frequency="annual")
    row = result.iloc[0]
    assert row["method"] == "poisson_regression"
    assert row["slope"] == pytest.approx(math.log(1.1), abs=1e-6)
    assert row["trend"] == "increasing"
    few = trend_test(
        numerator=[count / 10 for count in counts],
        denominator=[5000] * 5,
        kind="rate",
        frequency="annual",
    )
    assert few["slope"].iloc[0] == pytest.approx(math.log(1.1), abs=1e-6)
    assert few["trend"].iloc[0] == "no_significant_change"  # too few events to be sure
    assert few["statistic"].iloc[0] == pytest.approx(row["statistic"] / 10)


def test_trend_test_values_with_intervals_weighted_regression():
    values = np.array([30.6, 30.2, 28.0, 24.6, 24.67])
    lower = np.array([28.98, 28.63, 26.44, 23.15, 23.16])
    upper = np.array([32.25, 31.9, 29.64, 26.19, 26.25])
    result = trend_test(values, lower, upper, frequency="annual")
    row = result.iloc[0]
    standard_error = (upper - lower) / (2 * scipy_stats.norm.ppf(0.975))
    coefficients, covariance = np.polyfit(
        np.arange(1, 6), values, 1, w=1 / standard_error, cov="unscaled"
    )
    assert row["method"] == "weighted_regression"
    assert row["slope"] == pytest.approx(coefficients[0])
    assert row["statistic"] == pytest.approx(coefficients[0] ** 2 / covariance[0, 0])
    assert row["trend"] == "decreasing"


def test_trend_test_zero_width_interval_cannot_be_calculated():
    result = trend_test([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 6], frequency="annual")
    assert result["trend"].iloc[0] == "cannot_be_calculated"


def test_trend_test_rejects_invalid_input():
    with pytest.raises(InvalidArgumentError, match="either"):
        trend_test(
            [1] * 5, [0] * 5, [2] * 5, numerator=[1] * 5, denominator=[2] * 5, frequency="annual"
        )
    with pytest.raises(InvalidArgumentError, match="either"):
        trend_test(frequency="annual")
    with pytest.raises(InvalidArgumentError, match="lower"):
        trend_test([1] * 5, [3] * 5, [2] * 5, frequency="annual")
    with pytest.raises(InvalidArgumentError, match="kind"):
        trend_test(numerator=[1] * 5, denominator=[2] * 5, kind="ratio", frequency="annual")
    with pytest.raises(InvalidArgumentError, match="confidence"):
        trend_test(numerator=[1] * 5, denominator=[2] * 5, confidence=0.5, frequency="annual")
