"""Tests for lscb_analysis.stats.attribute_charts (p_chart and u_chart): published reference values, edge cases
and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.stats.attribute_charts import p_chart, u_chart

# ---------------------------------------------------------------------------------------
# p- and u-charts
# ---------------------------------------------------------------------------------------


def test_p_chart_limits_vary_with_the_denominator_and_are_truncated():
    chart = p_chart([1, 2, 30, 0], [10, 20, 100, 10])
    centre = 33 / 140
    assert chart["centre"].tolist() == pytest.approx([centre] * 4)
    sigma = np.sqrt(centre * (1 - centre) / np.array([10, 20, 100, 10]))
    np.testing.assert_allclose(chart["upl"], np.minimum(centre + 3 * sigma, 1))
    np.testing.assert_allclose(chart["lpl"], np.maximum(centre - 3 * sigma, 0))
    assert chart["lpl"].iloc[0] == 0  # truncated at zero
    assert chart["signal"].tolist() == ["within"] * 4


def test_p_chart_upper_limit_truncated_at_one_and_signals():
    chart = p_chart([9, 10, 50, 90], [10, 10, 100, 100])
    assert chart["upl"].iloc[0] == 1.0
    assert chart["signal"].tolist() == ["within", "within", "below", "above"]
    assert chart["outside_limits"].tolist() == [False, False, True, True]


def test_u_chart_limits_and_multiplier():
    chart = u_chart([4, 5, 20, None], [1000, 1000, 1000, 500], multiplier=1000)
    rate = 29 / 3000
    assert chart["centre"].iloc[0] == pytest.approx(rate * 1000)
    assert chart["upl"].iloc[3] == pytest.approx((rate + 3 * math.sqrt(rate / 500)) * 1000)
    assert chart["signal"].tolist()[:3] == ["within", "within", "above"]
    assert chart["signal"].iloc[3] is None or pd.isna(chart["signal"].iloc[3])


def test_attribute_charts_reject_invalid_input():
    with pytest.raises(ValueError, match="numerator"):
        p_chart([11], [10])
    with pytest.raises(ValueError, match="exposure"):
        u_chart([1], [0])
    with pytest.raises(ValueError, match="count"):
        u_chart([-1], [10])
