"""Tests for lscb_analysis.stats.benchmarking (compare_to_benchmark, quartile_band and neighbour_mean): published reference values, edge cases
and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.benchmarking import compare_to_benchmark, neighbour_mean, quartile_band
from lscb_analysis.stats.intervals import proportion_ci

# ---------------------------------------------------------------------------------------
# compare_to_benchmark
# ---------------------------------------------------------------------------------------


def test_benchmark_reference_cases_for_65_of_100():
    ci = proportion_ci(65, 100).iloc[0]
    assert ci["lower"] == pytest.approx(55.254443, abs=5e-7)
    assert ci["upper"] == pytest.approx(73.635752, abs=5e-7)
    result = compare_to_benchmark(
        ci["value"], ci["lower"], ci["upper"], [60, 50, 75, 55.2544432969], "high"
    )
    assert result["comparison"].tolist() == ["similar", "better", "worse", "similar"]


def test_benchmark_bounds_are_inclusive():
    result = compare_to_benchmark(5, [4, 4], [6, 6], [4, 6], "high")
    assert result["comparison"].tolist() == ["similar", "similar"]


def test_benchmark_low_polarity_and_no_polarity():
    low = compare_to_benchmark(20, 15, 25, [10, 30], "low")
    assert low["comparison"].tolist() == ["worse", "better"]
    for no_polarity in (None, "none"):
        neutral = compare_to_benchmark(20, 15, 25, [10, 30, 20], no_polarity)
        assert neutral["comparison"].tolist() == ["higher", "lower", "similar"]


def test_benchmark_polarity_per_row():
    result = compare_to_benchmark([20, 20], [15, 15], [25, 25], 10, ["high", "low"])
    assert result["comparison"].tolist() == ["better", "worse"]


def test_benchmark_not_compared_without_interval_or_benchmark():
    result = compare_to_benchmark(
        [20, 20, 20, None], [None, 15, 15, 15], [25, None, 25, 25], [10, 10, None, 10], "high"
    )
    assert result["comparison"].tolist() == ["not_compared"] * 3 + ["better"]


def test_benchmark_scalar_input_returns_a_one_row_frame():
    result = compare_to_benchmark(20, 15, 25, 10, "high")
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == ["value", "lower", "upper", "benchmark", "comparison"]
    assert result["comparison"].iloc[0] == "better"


def test_benchmark_rejects_unknown_polarity_and_reversed_interval():
    with pytest.raises(ValueError, match="polarity"):
        compare_to_benchmark(20, 15, 25, 10, "up")
    with pytest.raises(ValueError, match="lower"):
        compare_to_benchmark(20, 25, 15, 10, "high")


# ---------------------------------------------------------------------------------------
# quartile_band and neighbour_mean
# ---------------------------------------------------------------------------------------


def test_quartile_band_follows_polarity():
    values = list(range(1, 9))
    assert quartile_band(values, "high")["band"].tolist() == list("DDCCBBAA")
    assert quartile_band(values, "low")["band"].tolist() == list("AABBCCDD")


def test_quartile_band_152_authorities_in_quarters_of_38():
    bands = quartile_band(np.arange(152), "high")["band"]
    assert bands.value_counts().to_dict() == {"A": 38, "B": 38, "C": 38, "D": 38}


def test_quartile_band_ties_share_the_better_band():
    result = quartile_band([10, 20, 20, 30, 40, 50, 60, 70], "high")
    assert result["rank"].tolist() == [8, 6, 6, 5, 4, 3, 2, 1]
    assert result["band"].tolist()[1:3] == ["C", "C"]


def test_quartile_band_missing_values_are_not_ranked():
    result = quartile_band([1, None, 2, 3, 4], "high")
    assert result["band"].tolist()[0] == "D"
    assert pd.isna(result["band"].iloc[1]) and pd.isna(result["rank"].iloc[1])
    assert result["band"].dropna().tolist() == ["D", "C", "B", "A"]


def test_quartile_band_needs_a_polarity():
    with pytest.raises(InvalidArgumentError, match="polarity"):
        quartile_band([1, 2, 3], None)


def test_neighbour_mean_is_a_plain_mean_of_available_values():
    values = pd.Series({"A": 10.0, "B": 20.0, "C": np.nan, "D": 60.0, "E": 1000.0})
    result = neighbour_mean(values, {"E": ["A", "B", "C", "D", "Z"], "A": ["B"]})
    assert result.loc["E", "neighbour_mean"] == pytest.approx(30.0)
    assert result.loc["E", "neighbours_used"] == 3
    assert result.loc["E", "neighbours_listed"] == 5
    assert result.loc["E", "neighbours_missing"] == ("C", "Z")
    assert result.loc["A", "neighbour_mean"] == 20.0


def test_neighbour_mean_with_no_values_is_missing():
    result = neighbour_mean({"A": None}, {"B": ["A"]})
    assert math.isnan(result.loc["B", "neighbour_mean"])
    assert result.loc["B", "neighbours_used"] == 0


def test_neighbour_mean_rejects_bad_lists():
    with pytest.raises(InvalidArgumentError, match="own"):
        neighbour_mean({"A": 1}, {"A": ["A"]})
    with pytest.raises(InvalidArgumentError, match="twice"):
        neighbour_mean({"A": 1}, {"B": ["A", "A"]})
    with pytest.raises(InvalidArgumentError, match="map"):
        neighbour_mean([1, 2], {"B": ["A"]})
