"""Tests for lscb_analysis.stats.intervals (proportion_ci and rate_ci): published reference values, edge cases
and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.intervals import proportion_ci, rate_ci

PROPERTY_SETTINGS = settings(max_examples=40, deadline=None)


# ---------------------------------------------------------------------------------------
# proportion_ci
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "confidence", "lower", "upper"),
    [
        (0, 10, 0.95, 0.0, 27.7533),
        (10, 10, 0.95, 72.2467, 100.0),
        (3, 7, 0.95, 15.8220, 74.9542),
        (12, 250, 0.95, 2.7668, 8.2012),
        (5, 20, 0.998, 7.1714, 58.9872),
    ],
)
def test_proportion_ci_matches_published_wilson_limits(
    numerator, denominator, confidence, lower, upper
):
    result = proportion_ci(numerator, denominator, confidence=confidence)
    assert list(result.columns) == ["value", "lower", "upper"]
    assert result["value"].iloc[0] == pytest.approx(100 * numerator / denominator)
    assert result["lower"].iloc[0] == pytest.approx(lower, abs=5e-5)
    assert result["upper"].iloc[0] == pytest.approx(upper, abs=5e-5)


def test_proportion_ci_zero_and_all_events_hit_the_bounds_exactly():
    result = proportion_ci([0, 7, 0, 1], [7, 7, 1, 1], multiplier=1)
    assert result["lower"].tolist()[0] == 0.0
    assert result["upper"].tolist()[1] == 1.0
    # Tiny denominators: 0 of 1 and 1 of 1 still give proper intervals.
    assert result["lower"].iloc[2] == 0.0 and 0 < result["upper"].iloc[2] < 1
    assert result["upper"].iloc[3] == 1.0 and 0 < result["lower"].iloc[3] < 1


def test_proportion_ci_agrees_with_statsmodels_wilson():
    events = np.array([1, 4, 17, 99])
    cases = np.array([3, 9, 40, 100])
    low, high = proportion_confint(events, cases, alpha=0.05, method="wilson")
    result = proportion_ci(events, cases, multiplier=1)
    np.testing.assert_allclose(result["lower"], low)
    np.testing.assert_allclose(result["upper"], high)


def test_proportion_ci_missing_values_give_missing_results_and_keep_the_index():
    numerator = pd.Series([3, None, 5], index=["Barnet", "Brent", "Camden"], dtype="Int64")
    denominator = pd.Series([10, 10, np.nan], index=["Barnet", "Brent", "Camden"])
    result = proportion_ci(numerator, denominator)
    assert list(result.index) == ["Barnet", "Brent", "Camden"]
    assert result.loc["Barnet"].notna().all()
    assert result.loc[["Brent", "Camden"]].isna().all().all()


def test_proportion_ci_scalar_gives_one_row_and_records_its_settings():
    result = proportion_ci(1, 4, confidence=0.998, multiplier=1)
    assert len(result) == 1
    assert result.attrs == {"confidence": 0.998, "multiplier": 1.0, "method": "wilson"}


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"numerator": -1, "denominator": 10}, "numerator"),
        ({"numerator": 11, "denominator": 10}, "numerator"),
        ({"numerator": 0, "denominator": 0}, "denominator"),
        ({"numerator": 0, "denominator": -5}, "denominator"),
        ({"numerator": 1, "denominator": 10, "confidence": 95}, "confidence"),
        ({"numerator": 1, "denominator": 10, "confidence": 0.5}, "confidence"),
        ({"numerator": 1, "denominator": 10, "confidence": 1}, "confidence"),
        ({"numerator": 1, "denominator": 10, "confidence": 0.9}, "confidence"),
        ({"numerator": 1, "denominator": 10, "multiplier": 0}, "multiplier"),
        ({"numerator": [1, 2], "denominator": [10, 10, 10]}, "length"),
        ({"numerator": "three", "denominator": 10}, "numerator"),
    ],
)
def test_proportion_ci_rejects_invalid_input_with_a_named_value_error(kwargs, named):
    with pytest.raises(InvalidArgumentError, match=named) as caught:
        proportion_ci(**kwargs)
    assert isinstance(caught.value, ValueError)


def test_percentage_confidence_gets_a_hint():
    with pytest.raises(ValueError, match="fraction, not a percentage"):
        proportion_ci(1, 10, confidence=95)


@st.composite
def proportions(draw):
    denominator = draw(st.integers(min_value=1, max_value=5000))
    numerator = draw(st.integers(min_value=0, max_value=denominator))
    return numerator, denominator


@PROPERTY_SETTINGS
@given(proportions())
def test_wilson_interval_contains_the_estimate_and_widens_with_confidence(case):
    numerator, denominator = case
    narrow = proportion_ci(numerator, denominator, confidence=0.95).iloc[0]
    wide = proportion_ci(numerator, denominator, confidence=0.998).iloc[0]
    assert 0 <= narrow["lower"] <= narrow["value"] <= narrow["upper"] <= 100
    assert wide["lower"] <= narrow["lower"] and wide["upper"] >= narrow["upper"]


@PROPERTY_SETTINGS
@given(proportions(), st.integers(min_value=2, max_value=20))
def test_wilson_interval_narrows_as_the_sample_grows(case, factor):
    numerator, denominator = case
    small = proportion_ci(numerator, denominator).iloc[0]
    large = proportion_ci(numerator * factor, denominator * factor).iloc[0]
    assert large["upper"] - large["lower"] < small["upper"] - small["lower"]


# ---------------------------------------------------------------------------------------
# rate_ci
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "population", "lower", "upper", "method"),
    [
        (0, 5000, 0.0, 7.377759, "exact"),
        (9, 45000, 0.914527, 3.796623, "exact"),
        (10, 45000, 1.063878, 4.086991, "byar"),
        (65, 52000, 9.646767, 15.932527, "byar"),
    ],
)
def test_rate_ci_matches_published_limits(count, population, lower, upper, method):
    result = rate_ci(count, population)
    assert list(result.columns) == ["value", "lower", "upper", "method"]
    row = result.iloc[0]
    assert row["value"] == pytest.approx(count / population * 10000)
    assert row["lower"] == pytest.approx(lower, abs=5e-7)
    assert row["upper"] == pytest.approx(upper, abs=5e-7)
    assert row["method"] == method


def test_rate_ci_exact_limits_follow_the_chi_squared_formula_at_99_8():
    counts = np.arange(1, 10)
    result = rate_ci(counts, 1000, confidence=0.998, multiplier=1000)
    np.testing.assert_allclose(result["lower"], scipy_stats.chi2.ppf(0.001, 2 * counts) / 2)
    np.testing.assert_allclose(result["upper"], scipy_stats.chi2.ppf(0.999, 2 * counts + 2) / 2)


def test_rate_ci_byar_formula_at_99_8():
    z = scipy_stats.norm.ppf(0.999)
    result = rate_ci(65, 1, confidence=0.998, multiplier=1).iloc[0]
    assert result["lower"] == pytest.approx(65 * (1 - 1 / (9 * 65) - z / (3 * math.sqrt(65))) ** 3)
    assert result["upper"] == pytest.approx(66 * (1 - 1 / (9 * 66) + z / (3 * math.sqrt(66))) ** 3)


def test_rate_ci_zero_count_has_zero_lower_limit_at_any_confidence():
    result = rate_ci([0, 0], [100, 1e6], confidence=0.998)
    assert result["lower"].tolist() == [0.0, 0.0]
    assert (result["upper"] > 0).all()


def test_rate_ci_missing_count_gives_missing_row():
    result = rate_ci([None, 4], [1000, None])
    assert result[["value", "lower", "upper"]].isna().all().all()
    assert result["method"].isna().tolist() == [True, False]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"count": -1, "population": 10}, "count"),
        ({"count": 1, "population": 0}, "population"),
        ({"count": 1, "population": 10, "confidence": 1.2}, "confidence"),
    ],
)
def test_rate_ci_rejects_invalid_input(kwargs, named):
    with pytest.raises(ValueError, match=named):
        rate_ci(**kwargs)


@PROPERTY_SETTINGS
@given(st.integers(min_value=0, max_value=3000), st.integers(min_value=1, max_value=10**6))
def test_rate_interval_contains_the_estimate_and_widens_with_confidence(count, population):
    narrow = rate_ci(count, population).iloc[0]
    wide = rate_ci(count, population, confidence=0.998).iloc[0]
    assert 0 <= narrow["lower"] <= narrow["value"] <= narrow["upper"]
    assert wide["lower"] <= narrow["lower"] and wide["upper"] > narrow["upper"]


@PROPERTY_SETTINGS
@given(st.integers(min_value=1, max_value=500), st.integers(min_value=2, max_value=20))
def test_rate_interval_narrows_as_counts_grow(count, factor):
    small = rate_ci(count, 10000).iloc[0]
    large = rate_ci(count * factor, 10000 * factor).iloc[0]
    assert large["upper"] - large["lower"] < small["upper"] - small["lower"]
