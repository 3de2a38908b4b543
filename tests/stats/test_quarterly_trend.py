"""Tests for lscb_analysis.stats.quarterly_trend (Mann-Kendall and seasonal Mann-Kendall).

Expected values are hand calculations shown beside each test (Mann-Kendall S and its variance,
Kendall 1975; seasonal sums, Hirsch, Slack and Smith 1982) and exact p-values counted by
enumerating every ordering of the figures.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.quarterly_trend import (
    QUARTERLY_TREND_COLUMNS,
    mann_kendall_s,
    quarterly_trend,
)
from lscb_analysis.stats.trends import trend_test


def _normal_two_sided(z: float) -> float:
    """Two-sided normal p-value by the error function (no scipy): 2 (1 - Phi(|z|))."""
    return math.erfc(abs(z) / math.sqrt(2))


def _exact_p(values) -> float:
    """Exact two-sided Mann-Kendall p-value: share of orderings with |S| at least as large."""
    observed = abs(mann_kendall_s(values)[0])
    orders = list(itertools.permutations(values))
    extreme = sum(abs(mann_kendall_s(order)[0]) >= observed for order in orders)
    return extreme / len(orders)


def test_mann_kendall_s_and_variance_by_hand():
    # [1, 3, 2, 5, 4]: of the 10 pairs, 8 rise and 2 fall (3>2, 5>4): S = 8 - 2 = 6.
    # Var(S) = n(n-1)(2n+5)/18 = 5*4*15/18 = 16.667.
    assert mann_kendall_s([1, 3, 2, 5, 4]) == (6, pytest.approx(300 / 18))
    # [1, 2, 2, 3, 4, 5]: 15 pairs, one tie (2, 2), 14 rise: S = 14.
    # Var(S) = [6*5*17 - 2*1*9] / 18 = (510 - 18) / 18 = 27.333 (one pair of ties, t = 2).
    assert mann_kendall_s([1, 2, 2, 3, 4, 5]) == (14, pytest.approx(492 / 18))


def test_s_and_variance_match_the_published_mannkendall_jl_reference():
    # MannKendall.jl (mmhs013, the Julia port by pyMannKendall's author), test/runtests.jl:
    # mk_original_test(1:100) gives s = 4950, var_s = 112750.0, z = 14.73869998208331, where
    # z = (s - 1) / sqrt(var_s), the continuity-corrected Z the seasonal test uses.
    s, variance = mann_kendall_s(range(1, 101))
    assert (s, variance) == (4950, 112750.0)
    assert (s - 1) / math.sqrt(variance) == pytest.approx(14.73869998208331, rel=1e-12)


def test_plain_mann_kendall_exact_p_value():
    # Six rising figures: only the sorted and the reversed order reach |S| = 15, so
    # p = 2 / 6! = 2 / 720 = 0.002778 (exact; scipy.stats.kendalltau gives the same).
    row = quarterly_trend([20.1, 20.5, 21.0, 21.2, 22.3, 22.4]).iloc[0]
    assert row["method"] == "mann_kendall" and row["statistic"] == 15
    assert row["p_value"] == pytest.approx(2 / 720)
    assert (row["trend"], row["direction"], row["tau"]) == ("increasing", "up", pytest.approx(1))
    # Sen's slope: median of the 15 pairwise slopes, per quarter.
    pairs = [
        (b - a) / (j - i)
        for (i, a), (j, b) in itertools.combinations(
            enumerate([20.1, 20.5, 21.0, 21.2, 22.3, 22.4]), 2
        )
    ]
    assert row["slope"] == pytest.approx(np.median(pairs))
    # [1, 3, 2, 5, 4, 6]: S = 11 (13 rise, 2 fall). S = 15 - 2 x (inversions), so S >= 11
    # means at most 2 inversions: 1 + 5 + 14 = 20 of the 720 orderings (Mahonian numbers),
    # and as many with S <= -11: p = 40 / 720 = 0.0556.
    wobbly = quarterly_trend([1, 3, 2, 5, 4, 6]).iloc[0]
    assert wobbly["statistic"] == 11
    assert wobbly["p_value"] == pytest.approx(_exact_p([1, 3, 2, 5, 4, 6]))
    assert wobbly["p_value"] == pytest.approx(40 / 720)
    assert wobbly["trend"] == "no_significant_change"  # 0.056 > 0.05


def test_four_rising_quarters_are_never_significant():
    # n = 4: the smallest two-sided exact p is 2 / 4! = 0.083, above 0.05.
    row = quarterly_trend([1, 2, 3, 4], min_points=4).iloc[0]
    assert row["p_value"] == pytest.approx(2 / 24)
    assert row["trend"] == "no_significant_change"


def test_seasonal_mann_kendall_by_hand():
    # Three years of four quarters: a strong seasonal pattern and a rise within quarters 1, 2, 4.
    # Quarter 1: 10, 11, 12 -> S = 3; quarter 2: 20, 21, 22 -> 3; quarter 3: 15, 16, 14 ->
    # +1 - 1 - 1 = -1; quarter 4: 30, 31, 32 -> 3. S = 8.
    # Var = 4 x [3*2*11/18] = 44/3 = 14.667; Z = (8 - 1) / sqrt(14.667) = 1.8278;
    # p = 2 (1 - Phi(1.8278)) = 0.0676.
    values = [10, 20, 15, 30, 11, 21, 16, 31, 12, 22, 14, 32]
    seasons = [1, 2, 3, 4] * 3
    row = quarterly_trend(values, seasons=seasons).iloc[0]
    assert row["method"] == "seasonal_mann_kendall"
    assert (row["statistic"], row["variance"]) == (8, pytest.approx(44 / 3))
    assert row["p_value"] == pytest.approx(_normal_two_sided(7 / math.sqrt(44 / 3)))
    assert row["p_value"] == pytest.approx(0.0676, abs=5e-4)
    assert row["trend"] == "no_significant_change"
    # Every quarter rising: S = 12, Z = 11 / sqrt(14.667) = 2.872, p = 0.0041 -> increasing.
    rising = [10, 20, 15, 30, 11, 21, 16, 31, 12, 22, 17, 32]
    up = quarterly_trend(rising, seasons=seasons).iloc[0]
    assert up["statistic"] == 12
    assert up["p_value"] == pytest.approx(_normal_two_sided(11 / math.sqrt(44 / 3)))
    assert up["p_value"] == pytest.approx(0.0041, abs=1e-4)
    assert up["trend"] == "increasing"
    # Seasonal Sen's slope: the median of the within-quarter slopes (times 0..11): every
    # quarter rises by 1 a year (4 quarters apart), so every slope is 0.25 per quarter.
    assert up["slope"] == pytest.approx(0.25)


def test_seasonal_test_needs_enough_years_in_every_quarter():
    # Two years a quarter: with four quarters the largest |Z| is (4 - 1) / sqrt(4) = 1.5, so
    # the seasonal test could never be significant: the plain test is used instead.
    values = [10, 20, 15, 30, 11, 21, 16, 31]
    row = quarterly_trend(values, seasons=[1, 2, 3, 4] * 2).iloc[0]
    assert row["method"] == "mann_kendall"
    seasonal = quarterly_trend(values, seasons=[1, 2, 3, 4] * 2, seasonal_min_years=2).iloc[0]
    assert seasonal["method"] == "seasonal_mann_kendall"
    assert seasonal["p_value"] == pytest.approx(_normal_two_sided(3 / 2))  # 0.1336


def test_missing_figures_are_left_out_and_keep_their_place():
    # The suppressed third quarter is left out; the others keep their quarter index.
    row = quarterly_trend([1, 2, np.nan, 4, 5, 6, 7], times=[0, 1, 2, 3, 4, 5, 6]).iloc[0]
    assert (row["points_used"], row["points_left_out"]) == (6, 1)
    assert row["statistic"] == 15 and row["p_value"] == pytest.approx(2 / 720)
    assert row["slope"] == pytest.approx(1.0)


def test_every_figure_suppressed_or_too_few_cannot_be_calculated():
    # Expected: no test, and the reason says how many figures there are.
    none = quarterly_trend([np.nan] * 8).iloc[0]
    assert (none["trend"], none["points_used"], none["points_left_out"]) == (
        "cannot_be_calculated",
        0,
        8,
    )
    assert none["reason"] == "0 figures; the test needs at least 6"
    few = quarterly_trend([1, 2, 3, np.nan, 5]).iloc[0]
    assert few["trend"] == "cannot_be_calculated" and few["reason"].startswith("4 figures")
    flat = quarterly_trend([5.0] * 8).iloc[0]
    assert (flat["trend"], flat["statistic"], flat["direction"]) == (
        "no_significant_change",
        0,
        "flat",
    )
    assert list(quarterly_trend([5.0] * 8).columns) == QUARTERLY_TREND_COLUMNS


def test_invalid_arguments_name_the_parameter():
    with pytest.raises(InvalidArgumentError, match="times"):
        quarterly_trend([1, 2, 3, 4, 5, 6], times=[0, 1, 1, 2, 3, 4])
    with pytest.raises(InvalidArgumentError, match="times"):
        quarterly_trend([1, 2, 3, 4, 5, 6], times=[0, 1, 2])
    with pytest.raises(InvalidArgumentError, match="seasons"):
        quarterly_trend([1, 2, 3, 4, 5, 6], seasons=[1, 2, 3])
    with pytest.raises(InvalidArgumentError, match="min_points"):
        quarterly_trend([1, 2, 3, 4, 5, 6], min_points=3)
    with pytest.raises(InvalidArgumentError, match="seasonal_min_years"):
        quarterly_trend([1, 2, 3, 4, 5, 6], seasonal_min_years=1)
    with pytest.raises(InvalidArgumentError, match="confidence"):
        quarterly_trend([1, 2, 3, 4, 5, 6], confidence=95)


def test_fingertips_test_refuses_quarterly_points():
    # The Fingertips test is for yearly points: a quarterly series is an error naming the
    # parameter and the test to use instead.
    with pytest.raises(InvalidArgumentError, match="frequency.*quarterly_trend"):
        trend_test(numerator=[1, 2, 3, 4, 5], denominator=[10] * 5, frequency="quarterly")
    with pytest.raises(TypeError):
        trend_test(numerator=[1, 2, 3, 4, 5], denominator=[10] * 5)  # frequency is required


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=6, max_size=6, unique=True))
def test_plain_p_value_is_the_exact_permutation_p_value(values):
    # Without ties, the p-value is the exact one counted over all n! orderings.
    row = quarterly_trend(values).iloc[0]
    assert row["p_value"] == pytest.approx(_exact_p(values))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=6, max_size=16))
def test_reversing_time_reverses_the_verdict(values):
    forward = quarterly_trend(values).iloc[0]
    backward = quarterly_trend(values[::-1]).iloc[0]
    assert forward["statistic"] == -backward["statistic"]
    flipped = {"increasing": "decreasing", "decreasing": "increasing"}
    assert backward["trend"] == flipped.get(forward["trend"], forward["trend"])
    if not math.isnan(forward["p_value"]):
        assert 0 <= forward["p_value"] <= 1
        assert forward["p_value"] == pytest.approx(backward["p_value"])
