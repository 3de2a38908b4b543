"""Tests for lscb_analysis.stats.two_shares: Newcombe's published limits, edge counts, and a
verdict, interval and p-value that cannot disagree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.clustered import clustered_share
from lscb_analysis.stats.two_shares import (
    compare_two_shares,
    newcombe_limits,
    newcombe_p_value,
    wilson_limits,
)

Z95 = 1.959963984540054


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "lower", "upper"),
    [
        # Newcombe RG (1998) Stat Med 17:873-890, Table II, method 10 (hybrid score, no
        # continuity correction); statsmodels 0.15 confint_proportions_2indep(method="newcomb")
        # gives the same to 4 decimals.
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
    ],
)
def test_newcombe_table_ii(x1, n1, x2, n2, lower, upper):
    result = compare_two_shares(x1, n1, x2, n2, multiplier=1).iloc[0]
    assert result["lower"] == pytest.approx(lower, abs=5e-5)
    assert result["upper"] == pytest.approx(upper, abs=5e-5)
    assert bool(result["significant"]) == (lower > 0 or upper < 0)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [(0, 1, 1, 1), (1, 1, 0, 1), (0, 1, 0, 1), (1, 1, 1, 1), (0, 40, 40, 40), (3, 17, 12, 23)],
)
def test_edge_counts_agree_with_statsmodels(x1, n1, x2, n2):
    """0/n, n/n and n = 1 (where statsmodels' score interval can fail with a brentq NaN)."""
    low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
    result = compare_two_shares(x1, n1, x2, n2, multiplier=1).iloc[0]
    assert result["lower"] == pytest.approx(float(low), abs=1e-10)
    assert result["upper"] == pytest.approx(float(high), abs=1e-10)
    assert 0 <= result["p_value"] <= 1


def test_wilson_limits_agree_with_statsmodels():
    for events, total in ((0, 5), (5, 5), (3, 7), (2.5, 6.25), (17, 40)):
        low, high = proportion_confint(events, total, alpha=0.05, method="wilson")
        assert wilson_limits(events, total, Z95) == pytest.approx((low, high), abs=1e-12)
    # Still finite where the level 2(1 - Phi(z)) underflows to 0.
    assert all(np.isfinite(wilson_limits(3, 7, 40.0)))


def test_p_value_is_the_interval_inverted():
    p_value = newcombe_p_value(9, 10, 3, 10)
    # At z for 1 - p the Newcombe lower limit is exactly 0 (scipy norm.isf).
    assert newcombe_limits(9, 10, 3, 10, norm.isf(p_value / 2))[0] == pytest.approx(0, abs=1e-9)
    assert newcombe_p_value(4, 8, 2, 4) == 1.0  # equal shares
    assert newcombe_p_value(3, 10, 9, 10) == pytest.approx(p_value)  # symmetric
    assert newcombe_p_value(1000, 1000, 0, 1000) == 0.0  # beyond z = 38


# Every pair of small counts: the property of the issue (verdict exactly when the interval
# excludes 0), and p below 1 - confidence exactly then.
counts = st.integers(1, 40).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=300, deadline=None)
@given(counts, counts, st.sampled_from([0.95, 0.99, 0.998]))
def test_significant_exactly_when_the_interval_excludes_zero(first, second, confidence):
    (x1, n1), (x2, n2) = first, second
    row = compare_two_shares(x1, n1, x2, n2, confidence=confidence).iloc[0]
    excludes = row["lower"] > 0 or row["upper"] < 0
    assert bool(row["significant"]) == excludes
    assert (row["p_value"] < 1 - confidence) == excludes
    assert row["lower"] <= row["difference"] <= row["upper"]


@settings(max_examples=100, deadline=None)
@given(counts, counts, st.floats(1, 8), st.floats(1, 8))
def test_clustered_inputs_keep_the_property(first, second, effect1, effect2):
    (x1, n1), (x2, n2) = first, second
    row = compare_two_shares(x1, n1, x2, n2, effect1, effect2).iloc[0]
    assert bool(row["significant"]) == (row["p_value"] < 0.05)
    plain = compare_two_shares(x1, n1, x2, n2).iloc[0]
    # A design effect above 1 never narrows the interval.
    assert row["lower"] <= plain["lower"] + 1e-9 and row["upper"] >= plain["upper"] - 1e-9


def test_clustered_comparison_uses_effective_counts():
    # Before: 3 of 6 answers in cases (2, 0, 1) of 2: design effect 1.5 (stats/clustered);
    # after: 12 of 12 answers in 3 cases of 4: correlation not estimable, design effect 4.
    before = clustered_share([2, 0, 1], [2, 2, 2]).iloc[0]
    after = clustered_share([4, 4, 4], [4, 4, 4]).iloc[0]
    assert (before["design_effect"], after["design_effect"]) == (1.5, 4.0)
    row = compare_two_shares(
        12, 12, 3, 6, after["design_effect"], before["design_effect"], multiplier=1
    ).iloc[0]
    # Effective counts 3 of 3 against 2 of 4.
    expected = confint_proportions_2indep(3, 3, 2, 4, method="newcomb", compare="diff")
    assert (row["lower"], row["upper"]) == pytest.approx(tuple(map(float, expected)))
    assert row["difference"] == pytest.approx(0.5)
    assert not row["significant"]
    assert compare_two_shares(12, 12, 3, 6, multiplier=1).iloc[0]["significant"]


def test_missing_and_invalid_inputs():
    result = compare_two_shares(pd.Series([3, np.nan]), 10, 5, 10)
    assert np.isnan(result["p_value"].iloc[1]) and result["significant"].isna().iloc[1]
    assert result["significant"].dtype == "boolean"
    with pytest.raises(InvalidArgumentError, match="events1 must not exceed total1"):
        compare_two_shares(11, 10, 5, 10)
    with pytest.raises(InvalidArgumentError, match="total2 must be greater than zero"):
        compare_two_shares(1, 10, 0, 0)
    with pytest.raises(InvalidArgumentError, match="design_effect1"):
        compare_two_shares(1, 10, 1, 10, design_effect1=0)
    with pytest.raises(InvalidArgumentError, match="confidence"):
        compare_two_shares(1, 10, 1, 10, confidence=95)
