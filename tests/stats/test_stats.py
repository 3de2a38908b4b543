"""Tests for lscb_analysis.stats.stats: published reference values, edge cases and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats import stats

PROPERTY_SETTINGS = settings(max_examples=40, deadline=None)

REFERENCE_SERIES = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


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
    result = stats.proportion_ci(numerator, denominator, confidence=confidence)
    assert list(result.columns) == ["value", "lower", "upper"]
    assert result["value"].iloc[0] == pytest.approx(100 * numerator / denominator)
    assert result["lower"].iloc[0] == pytest.approx(lower, abs=5e-5)
    assert result["upper"].iloc[0] == pytest.approx(upper, abs=5e-5)


def test_proportion_ci_zero_and_all_events_hit_the_bounds_exactly():
    result = stats.proportion_ci([0, 7, 0, 1], [7, 7, 1, 1], multiplier=1)
    assert result["lower"].tolist()[0] == 0.0
    assert result["upper"].tolist()[1] == 1.0
    # Tiny denominators: 0 of 1 and 1 of 1 still give proper intervals.
    assert result["lower"].iloc[2] == 0.0 and 0 < result["upper"].iloc[2] < 1
    assert result["upper"].iloc[3] == 1.0 and 0 < result["lower"].iloc[3] < 1


def test_proportion_ci_agrees_with_statsmodels_wilson():
    events = np.array([1, 4, 17, 99])
    cases = np.array([3, 9, 40, 100])
    low, high = proportion_confint(events, cases, alpha=0.05, method="wilson")
    result = stats.proportion_ci(events, cases, multiplier=1)
    np.testing.assert_allclose(result["lower"], low)
    np.testing.assert_allclose(result["upper"], high)


def test_proportion_ci_missing_values_give_missing_results_and_keep_the_index():
    numerator = pd.Series([3, None, 5], index=["Barnet", "Brent", "Camden"], dtype="Int64")
    denominator = pd.Series([10, 10, np.nan], index=["Barnet", "Brent", "Camden"])
    result = stats.proportion_ci(numerator, denominator)
    assert list(result.index) == ["Barnet", "Brent", "Camden"]
    assert result.loc["Barnet"].notna().all()
    assert result.loc[["Brent", "Camden"]].isna().all().all()


def test_proportion_ci_scalar_gives_one_row_and_records_its_settings():
    result = stats.proportion_ci(1, 4, confidence=0.998, multiplier=1)
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
        stats.proportion_ci(**kwargs)
    assert isinstance(caught.value, ValueError)


def test_percentage_confidence_gets_a_hint():
    with pytest.raises(ValueError, match="fraction, not a percentage"):
        stats.proportion_ci(1, 10, confidence=95)


@st.composite
def proportions(draw):
    denominator = draw(st.integers(min_value=1, max_value=5000))
    numerator = draw(st.integers(min_value=0, max_value=denominator))
    return numerator, denominator


@PROPERTY_SETTINGS
@given(proportions())
def test_wilson_interval_contains_the_estimate_and_widens_with_confidence(case):
    numerator, denominator = case
    narrow = stats.proportion_ci(numerator, denominator, confidence=0.95).iloc[0]
    wide = stats.proportion_ci(numerator, denominator, confidence=0.998).iloc[0]
    assert 0 <= narrow["lower"] <= narrow["value"] <= narrow["upper"] <= 100
    assert wide["lower"] <= narrow["lower"] and wide["upper"] >= narrow["upper"]


@PROPERTY_SETTINGS
@given(proportions(), st.integers(min_value=2, max_value=20))
def test_wilson_interval_narrows_as_the_sample_grows(case, factor):
    numerator, denominator = case
    small = stats.proportion_ci(numerator, denominator).iloc[0]
    large = stats.proportion_ci(numerator * factor, denominator * factor).iloc[0]
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
    result = stats.rate_ci(count, population)
    assert list(result.columns) == ["value", "lower", "upper", "method"]
    row = result.iloc[0]
    assert row["value"] == pytest.approx(count / population * 10000)
    assert row["lower"] == pytest.approx(lower, abs=5e-7)
    assert row["upper"] == pytest.approx(upper, abs=5e-7)
    assert row["method"] == method


def test_rate_ci_exact_limits_follow_the_chi_squared_formula_at_99_8():
    counts = np.arange(1, 10)
    result = stats.rate_ci(counts, 1000, confidence=0.998, multiplier=1000)
    np.testing.assert_allclose(result["lower"], scipy_stats.chi2.ppf(0.001, 2 * counts) / 2)
    np.testing.assert_allclose(result["upper"], scipy_stats.chi2.ppf(0.999, 2 * counts + 2) / 2)


def test_rate_ci_byar_formula_at_99_8():
    z = scipy_stats.norm.ppf(0.999)
    result = stats.rate_ci(65, 1, confidence=0.998, multiplier=1).iloc[0]
    assert result["lower"] == pytest.approx(65 * (1 - 1 / (9 * 65) - z / (3 * math.sqrt(65))) ** 3)
    assert result["upper"] == pytest.approx(66 * (1 - 1 / (9 * 66) + z / (3 * math.sqrt(66))) ** 3)


def test_rate_ci_zero_count_has_zero_lower_limit_at_any_confidence():
    result = stats.rate_ci([0, 0], [100, 1e6], confidence=0.998)
    assert result["lower"].tolist() == [0.0, 0.0]
    assert (result["upper"] > 0).all()


def test_rate_ci_missing_count_gives_missing_row():
    result = stats.rate_ci([None, 4], [1000, None])
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
        stats.rate_ci(**kwargs)


@PROPERTY_SETTINGS
@given(st.integers(min_value=0, max_value=3000), st.integers(min_value=1, max_value=10**6))
def test_rate_interval_contains_the_estimate_and_widens_with_confidence(count, population):
    narrow = stats.rate_ci(count, population).iloc[0]
    wide = stats.rate_ci(count, population, confidence=0.998).iloc[0]
    assert 0 <= narrow["lower"] <= narrow["value"] <= narrow["upper"]
    assert wide["lower"] <= narrow["lower"] and wide["upper"] > narrow["upper"]


@PROPERTY_SETTINGS
@given(st.integers(min_value=1, max_value=500), st.integers(min_value=2, max_value=20))
def test_rate_interval_narrows_as_counts_grow(count, factor):
    small = stats.rate_ci(count, 10000).iloc[0]
    large = stats.rate_ci(count * factor, 10000 * factor).iloc[0]
    assert large["upper"] - large["lower"] < small["upper"] - small["lower"]


# ---------------------------------------------------------------------------------------
# compare_to_benchmark
# ---------------------------------------------------------------------------------------


def test_benchmark_reference_cases_for_65_of_100():
    ci = stats.proportion_ci(65, 100).iloc[0]
    assert ci["lower"] == pytest.approx(55.254443, abs=5e-7)
    assert ci["upper"] == pytest.approx(73.635752, abs=5e-7)
    result = stats.compare_to_benchmark(
        ci["value"], ci["lower"], ci["upper"], [60, 50, 75, 55.2544432969], "high"
    )
    assert result["comparison"].tolist() == ["similar", "better", "worse", "similar"]


def test_benchmark_bounds_are_inclusive():
    result = stats.compare_to_benchmark(5, [4, 4], [6, 6], [4, 6], "high")
    assert result["comparison"].tolist() == ["similar", "similar"]


def test_benchmark_low_polarity_and_no_polarity():
    low = stats.compare_to_benchmark(20, 15, 25, [10, 30], "low")
    assert low["comparison"].tolist() == ["worse", "better"]
    for no_polarity in (None, "none"):
        neutral = stats.compare_to_benchmark(20, 15, 25, [10, 30, 20], no_polarity)
        assert neutral["comparison"].tolist() == ["higher", "lower", "similar"]


def test_benchmark_polarity_per_row():
    result = stats.compare_to_benchmark([20, 20], [15, 15], [25, 25], 10, ["high", "low"])
    assert result["comparison"].tolist() == ["better", "worse"]


def test_benchmark_not_compared_without_interval_or_benchmark():
    result = stats.compare_to_benchmark(
        [20, 20, 20, None], [None, 15, 15, 15], [25, None, 25, 25], [10, 10, None, 10], "high"
    )
    assert result["comparison"].tolist() == ["not_compared"] * 3 + ["better"]


def test_benchmark_scalar_input_returns_a_one_row_frame():
    result = stats.compare_to_benchmark(20, 15, 25, 10, "high")
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == ["value", "lower", "upper", "benchmark", "comparison"]
    assert result["comparison"].iloc[0] == "better"


def test_benchmark_rejects_unknown_polarity_and_reversed_interval():
    with pytest.raises(ValueError, match="polarity"):
        stats.compare_to_benchmark(20, 15, 25, 10, "up")
    with pytest.raises(ValueError, match="lower"):
        stats.compare_to_benchmark(20, 25, 15, 10, "high")


# ---------------------------------------------------------------------------------------
# funnel
# ---------------------------------------------------------------------------------------

FUNNEL_COLUMNS = [
    "value",
    "target",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "z",
    "significance",
]


def test_funnel_reference_limits_and_significance():
    result = stats.funnel([20, 130, 12], [100, 500, 100], target=0.2)
    assert list(result.columns[:8]) == FUNNEL_COLUMNS
    first = result.iloc[0]
    assert first["lower_95"] == pytest.approx(0.121601, abs=5e-7)
    assert first["upper_95"] == pytest.approx(0.278399, abs=5e-7)
    assert first["lower_998"] == pytest.approx(0.076391, abs=5e-7)
    assert first["upper_998"] == pytest.approx(0.323609, abs=5e-7)
    assert result["significance"].tolist() == ["not_significant", "high_998", "low_95"]
    assert result["z"].iloc[1] == pytest.approx((0.26 - 0.2) / math.sqrt(0.16 / 500))


def test_funnel_proportion_limits_equal_phe_sigma_adjustment():
    # PHEindicatormethods' sigma_adjustment solves a quadratic; it reduces to the normal
    # approximation, which is what funnel() uses.
    def sigma_adjustment(p, population, average, side):
        q = scipy_stats.norm.ppf(p)
        first = average * (population / q**2 + 1)
        root = math.sqrt(
            (-8 * average * (population / q**2 + 1)) ** 2
            - 64
            * (1 / q**2 + 1 / population)
            * average
            * (population * (average * (population / q**2 + 2) - 1) + q**2 * (average - 1))
        )
        last = 1 / q**2 + 1 / population
        return ((first - root / 8) if side == "low" else (first + root / 8)) / last / population

    result = stats.funnel([30, 90, 400], [250, 700, 3000])
    average = 520 / 3950
    for position, population in enumerate([250, 700, 3000]):
        row = result.iloc[position]
        assert row["lower_95"] == pytest.approx(sigma_adjustment(0.975, population, average, "low"))
        assert row["upper_998"] == pytest.approx(
            sigma_adjustment(0.999, population, average, "high")
        )


def test_funnel_default_target_is_pooled_and_ignores_missing_rows():
    result = stats.funnel([10, 30, None], [100, 100, 100])
    assert result["target"].tolist() == pytest.approx([0.2, 0.2, 0.2])
    assert result.attrs["target"] == pytest.approx(0.2)
    assert math.isnan(result["value"].iloc[2]) and math.isnan(result["z"].iloc[2])
    assert result["significance"].iloc[2] is None or pd.isna(result["significance"].iloc[2])
    assert not math.isnan(result["upper_95"].iloc[2])  # limits need only the denominator


def test_funnel_proportion_limits_are_clamped_to_the_multiplier_range():
    result = stats.funnel([0, 1], [3, 3], target=2, multiplier=100)
    assert (result["lower_998"] == 0).all()
    low_target = stats.funnel([0, 1], [3, 3], target=99, multiplier=100)
    assert (low_target["upper_998"] == 100).all()


def test_funnel_rate_limits_are_exact_poisson_around_the_expected_count():
    result = stats.funnel([5, 40], [10000, 50000], kind="rate", target=6)
    assert result.attrs["multiplier"] == 10000
    expected = 6 / 10000 * np.array([10000, 50000])
    np.testing.assert_allclose(
        result["lower_95"], scipy_stats.chi2.ppf(0.025, 2 * expected) / 2 / [10000, 50000] * 1e4
    )
    np.testing.assert_allclose(
        result["upper_998"],
        scipy_stats.chi2.ppf(0.999, 2 * expected + 2) / 2 / [10000, 50000] * 1e4,
    )
    assert result["value"].tolist() == pytest.approx([5, 8])


def test_funnel_rate_with_zero_target_has_zero_lower_limit():
    result = stats.funnel([0, 0], [100, 200], kind="rate")
    assert result["lower_95"].tolist() == [0.0, 0.0]
    assert result["significance"].tolist() == ["not_significant"] * 2


def _dispersed_units():
    numerators = np.array([12, 30, 45, 60, 22, 90, 15, 70, 40, 33, 150, 5])
    denominators = np.array([100, 150, 300, 250, 200, 400, 120, 280, 260, 210, 500, 90])
    return numerators, denominators


def test_funnel_phi_and_tau2_follow_spiegelhalter():
    numerators, denominators = _dispersed_units()
    result = stats.funnel(numerators, denominators, overdispersion="multiplicative")
    target = numerators.sum() / denominators.sum()
    standard_error = np.sqrt(target * (1 - target) / denominators)
    z = (numerators / denominators - target) / standard_error
    low, high = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, low, high) ** 2)
    weights = 1 / standard_error**2
    tau2 = max(0, (12 * phi - 11) / (weights.sum() - (weights**2).sum() / weights.sum()))
    assert result.attrs["phi"] == pytest.approx(phi)
    assert result.attrs["tau2"] == pytest.approx(tau2)
    assert phi > 1 and result.attrs["adjusted"]
    z95 = scipy_stats.norm.ppf(0.975)
    np.testing.assert_allclose(result["upper_95"], target + z95 * math.sqrt(phi) * standard_error)
    np.testing.assert_allclose(result["z"], z / math.sqrt(phi))

    additive = stats.funnel(numerators, denominators, overdispersion="additive")
    np.testing.assert_allclose(
        additive["lower_95"], target - z95 * np.sqrt(standard_error**2 + tau2)
    )


def test_funnel_overdispersion_widens_limits_and_reduces_outliers():
    numerators, denominators = _dispersed_units()
    plain = stats.funnel(numerators, denominators)
    for method in ("multiplicative", "additive"):
        adjusted = stats.funnel(numerators, denominators, overdispersion=method)
        assert (adjusted["upper_998"] >= plain["upper_998"]).all()
        outliers = (adjusted["significance"] != "not_significant").sum()
        assert outliers < (plain["significance"] != "not_significant").sum()


def test_funnel_no_adjustment_when_not_overdispersed():
    # Every unit exactly on target: phi = 0, so the limits stay as they are.
    result = stats.funnel([20, 40, 60], [100, 200, 300], overdispersion="multiplicative")
    plain = stats.funnel([20, 40, 60], [100, 200, 300])
    assert result.attrs["phi"] == 0 and result.attrs["tau2"] == 0
    assert not result.attrs["adjusted"]
    pd.testing.assert_frame_equal(result, plain, check_like=True)


def test_funnel_significance_order_prefers_the_stronger_level():
    result = stats.funnel([200, 0], [500, 500], target=0.2)
    assert result["significance"].tolist() == ["high_998", "low_998"]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"kind": "ratio"}, "kind"),
        ({"overdispersion": "both"}, "overdispersion"),
        ({"winsorise": 0.5}, "winsorise"),
        ({"target": -1}, "target"),
        ({"target": 2}, "target"),
        ({"numerator": [11, 1]}, "numerator"),
    ],
)
def test_funnel_rejects_invalid_input(kwargs, named):
    arguments = {"numerator": [1, 2], "denominator": [10, 10], **kwargs}
    with pytest.raises(InvalidArgumentError, match=named):
        stats.funnel(**arguments)


@PROPERTY_SETTINGS
@given(
    st.sampled_from(["proportion", "rate"]),
    st.floats(min_value=0.01, max_value=0.9),
    st.integers(min_value=5, max_value=5000),
    st.integers(min_value=2, max_value=20),
)
def test_funnel_limits_nest_around_the_target_and_narrow_with_n(kind, target, size, factor):
    multiplier = 1 if kind == "proportion" else 10000
    scaled_target = target * multiplier
    result = stats.funnel(
        [0, 0], [size, size * factor], kind=kind, target=scaled_target, multiplier=multiplier
    )
    small, large = result.iloc[0], result.iloc[1]
    for row in (small, large):
        assert row["lower_998"] <= row["lower_95"] <= scaled_target
        assert scaled_target <= row["upper_95"] <= row["upper_998"]
    assert large["upper_95"] - large["lower_95"] < small["upper_95"] - small["lower_95"]


def test_funnel_keeps_the_index_of_series_input():
    index = ["Barnet", "Brent"]
    result = stats.funnel(pd.Series([5, 9], index=index), pd.Series([50, 60], index=index))
    assert list(result.index) == index
    assert result["denominator"].tolist() == [50, 60]


def test_funnel_curve_reproduces_the_unit_limits():
    frame = stats.funnel([20, 130, 12], [100, 500, 100], target=0.2)
    curve = stats.funnel_curve(frame, points=50)
    assert len(curve) == 50
    assert curve["denominator"].iloc[0] == pytest.approx(50)
    check = stats.funnel(np.zeros(50), curve["denominator"], target=0.2)
    for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
        np.testing.assert_allclose(curve[column], check[column])


def test_funnel_curve_uses_the_adjustment_of_the_frame():
    numerators, denominators = _dispersed_units()
    plain = stats.funnel_curve(stats.funnel(numerators, denominators))
    wide = stats.funnel_curve(stats.funnel(numerators, denominators, overdispersion="additive"))
    assert (wide["upper_95"] > plain["upper_95"]).all()


def test_funnel_curve_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="funnel"):
        stats.funnel_curve(pd.DataFrame({"value": [1]}))


# ---------------------------------------------------------------------------------------
# xmr
# ---------------------------------------------------------------------------------------

XMR_COLUMNS = [
    "value",
    "mean",
    "mr",
    "lpl",
    "upl",
    "lower_2sigma",
    "upper_2sigma",
    "outside_limits",
    "shift",
    "trend",
    "two_of_three",
    "special_cause",
    "variation",
]


def test_xmr_reference_series_unscreened():
    chart = stats.xmr(REFERENCE_SERIES)
    assert list(chart.columns) == XMR_COLUMNS
    assert chart["mean"].iloc[0] == pytest.approx(1.944444, abs=5e-7)
    assert chart["mr"].iloc[1:].mean() == pytest.approx(1.882353, abs=5e-7)
    assert chart["lpl"].iloc[0] == pytest.approx(-3.062614, abs=5e-7)
    assert chart["upl"].iloc[0] == pytest.approx(6.951503, abs=5e-7)
    assert chart.index[chart["outside_limits"]].tolist() == [4]
    average_range = (chart["upl"].iloc[0] - chart["mean"].iloc[0]) / 2.66
    assert chart["upper_2sigma"].iloc[0] == pytest.approx(1.944444 + 2 / 3 * 2.66 * average_range)


def test_xmr_reference_series_screened():
    chart = stats.xmr(REFERENCE_SERIES, screen_outliers=True)
    assert chart["lpl"].iloc[0] == pytest.approx(-0.715556, abs=5e-7)
    assert chart["upl"].iloc[0] == pytest.approx(4.604444, abs=5e-7)
    assert chart.index[chart["outside_limits"]].tolist() == [4]
    # Screening changes the limits, not the reported moving ranges.
    assert chart["mr"].iloc[4] == 8 and chart["mr"].iloc[5] == 9


def test_xmr_moving_range_and_variation_labels():
    chart = stats.xmr(REFERENCE_SERIES, improvement="up")
    assert math.isnan(chart["mr"].iloc[0])
    assert chart["mr"].iloc[1] == 1
    assert chart.loc[4, "variation"] == "special_cause_improvement"
    assert stats.xmr(REFERENCE_SERIES, improvement="down").loc[4, "variation"] == (
        "special_cause_concern"
    )
    assert stats.xmr(REFERENCE_SERIES).loc[4, "variation"] == "special_cause_neither"
    assert chart.loc[0, "variation"] == "common_cause"


SHIFT_SERIES = [8, 12, 8, 12, 8, 12, 11, 11, 11, 11, 11, 11, 11, 8, 12, 8, 12]


def test_xmr_shift_flags_every_point_of_the_run():
    chart = stats.xmr(SHIFT_SERIES, improvement="up")
    assert chart.index[chart["shift"]].tolist() == list(range(5, 13))
    assert set(chart.loc[5:12, "variation"]) == {"special_cause_improvement"}
    assert not chart["outside_limits"].any() and not chart["trend"].any()


def test_xmr_shift_needs_the_full_run_length():
    assert not stats.xmr(SHIFT_SERIES, shift_points=9)["shift"].any()
    assert stats.xmr(SHIFT_SERIES, shift_points=8)["shift"].sum() == 8


def test_xmr_point_on_the_mean_splits_seven_into_two_short_runs():
    above = [12, 12, 12, 10, 12, 12, 12]
    below = [8, 8, 8, 8, 8, 8, 8]
    values = [*above, *below, *[10] * 14, 12]
    chart = stats.xmr(values)
    assert chart["mean"].iloc[0] == 10
    assert not chart.loc[0:6, "shift"].any()  # 3 + 3 points either side of the mean point
    assert chart.loc[7:13, "shift"].all()  # seven points below: a shift
    assert not chart.loc[14:, "shift"].any()  # points on the mean are never in a shift


TREND_SERIES = [10, 11, 10, 11, 10, 11, 12, 13, 14, 15, 16, 17, 10, 11, 10, 11]


def test_xmr_trend_flags_every_point_and_uses_the_trend_direction():
    chart = stats.xmr(TREND_SERIES, improvement="down")
    assert chart.index[chart["trend"]].tolist() == list(range(4, 12))
    # Points 4 and 5 are below the mean but part of a rising trend: concern when down is good.
    assert chart.loc[4, "variation"] == "special_cause_concern"
    falling = stats.xmr([-value for value in TREND_SERIES], improvement="down")
    assert falling.index[falling["trend"]].tolist() == list(range(4, 12))
    assert falling.loc[5, "variation"] == "special_cause_improvement"


def test_xmr_tie_breaks_a_trend():
    values = [10, 11, 10, 11, 10, 11, 12, 13, 13, 14, 15, 16, 10, 11, 10, 11]
    chart = stats.xmr(values)
    assert not chart["trend"].any()
    # Four rising points either side of the tie: two trends of four, not one of eight.
    assert stats.xmr(values, trend_points=5)["trend"].sum() == 0
    assert stats.xmr(values, trend_points=4)["trend"].sum() == 8


def test_xmr_six_rising_points_are_not_a_trend():
    values = [10, 11, 10, 11, 10, 12, 13, 14, 15, 16, 10, 11, 10, 11]
    assert not stats.xmr(values)["trend"].any()


# Twelve calm points fix the limits (mean 10, 2-sigma line 12.42, upper limit 13.63);
# the three points after them are the window under test, followed by calm points.
CALM = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9]


def _window_chart(window, **kwargs):
    return stats.xmr([*CALM, *window, 10, 10, 10], baseline=12, **kwargs)


def test_two_of_three_beyond_the_same_two_sigma_line():
    chart = _window_chart([13, 11, 13])
    assert chart["upper_2sigma"].iloc[0] < 13 < chart["upl"].iloc[0]
    assert chart.index[chart["two_of_three"]].tolist() == [12, 14]
    assert not chart.loc[13, "two_of_three"]  # the point nearer the mean is not flagged
    assert chart.loc[12, "variation"] == "special_cause_neither"


def test_two_of_three_below_the_lower_line():
    chart = _window_chart([7, 7, 9.5], improvement="up")
    assert chart.index[chart["two_of_three"]].tolist() == [12, 13]
    assert chart.loc[12, "variation"] == "special_cause_concern"


def test_two_of_three_across_the_mean_is_not_a_signal():
    chart = _window_chart([13, 9, 13])
    assert not chart["two_of_three"].any()
    assert not chart["special_cause"].any()


def test_two_of_three_beyond_limits_counts_only_when_asked():
    chart = _window_chart([13, 11, 15])
    assert chart.loc[14, "outside_limits"] and not chart.loc[12, "outside_limits"]
    assert not chart["two_of_three"].any()
    including = _window_chart([13, 11, 15], two_of_three_includes_beyond_limits=True)
    assert including.index[including["two_of_three"]].tolist() == [12, 14]


def test_xmr_baseline_fixes_the_limits():
    values = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 20, 30, 40, 50]
    chart = stats.xmr(values, baseline=12)
    assert chart["mean"].iloc[-1] == pytest.approx(5.5)
    assert chart["upl"].iloc[-1] == pytest.approx(5.5 + 2.66)
    assert chart.loc[12:, "outside_limits"].all()
    assert chart.attrs["baseline"] == 12


def test_xmr_rebase_restarts_the_limits_and_the_rules():
    values = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 20, 21, 20, 21, 20, 21, 20, 21, 20, 21, 20, 21]
    chart = stats.xmr(values, rebase_at=[12])
    assert chart["mean"].iloc[0] == pytest.approx(5.5)
    assert chart["mean"].iloc[-1] == pytest.approx(20.5)
    assert not chart["special_cause"].any()
    unbased = stats.xmr(values)
    assert unbased["shift"].all()  # without the rebase both halves are long runs
    assert chart.attrs["rebase_at"] == [12]


def test_xmr_rebase_by_index_label():
    index = pd.period_range("2022-01", periods=24, freq="M")
    values = pd.Series([5, 6] * 6 + [20, 21] * 6, index=index)
    chart = stats.xmr(values, rebase_at=[pd.Period("2023-01", freq="M")])
    assert chart.attrs["rebase_at"] == [12]
    assert chart.index.equals(index)


@pytest.mark.parametrize("rebase_at", [[0], [30], [5, 5], ["x"]])
def test_xmr_rejects_bad_rebase_positions(rebase_at):
    with pytest.raises(InvalidArgumentError, match="rebase_at"):
        stats.xmr(list(range(20)), rebase_at=rebase_at)


def test_xmr_short_series_is_allowed_with_a_warning():
    chart = stats.xmr([3, 4, 5, 4, 3])
    assert "fewer than 12" in chart.attrs["warning"]
    assert stats.xmr(list(range(12)) * 1).attrs["warning"] is None


def test_xmr_gaps_are_not_interpolated():
    values = [10, 11, 10, 11, 10, None, 11, 10, 11, 10, 11, 10, 11]
    chart = stats.xmr(values)
    assert math.isnan(chart.loc[5, "mr"]) and math.isnan(chart.loc[6, "mr"])
    assert chart.loc[5, "variation"] is None or pd.isna(chart.loc[5, "variation"])
    assert not chart.loc[5, ["outside_limits", "shift", "trend", "two_of_three"]].any()
    # The mean moving range uses only the ranges between neighbours that both exist.
    assert chart["upl"].iloc[0] == pytest.approx(chart["mean"].iloc[0] + 2.66)


def test_xmr_gap_breaks_a_shift():
    values = [9, 9, 9, 11, 11, 11, None, 11, 11, 11, 11, 9, 9, 9, 9, 9]
    chart = stats.xmr(values)
    assert not chart.loc[3:10, "shift"].any()


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"improvement": "higher"}, "improvement"),
        ({"shift_points": 1}, "shift_points"),
        ({"trend_points": 0}, "trend_points"),
        ({"baseline": 1}, "baseline"),
        ({"target": "ten"}, "target"),
    ],
)
def test_xmr_rejects_invalid_options(kwargs, named):
    with pytest.raises(InvalidArgumentError, match=named):
        stats.xmr(list(range(15)), **kwargs)


series_strategy = st.lists(st.integers(min_value=0, max_value=50), min_size=3, max_size=30)


@PROPERTY_SETTINGS
@given(series_strategy, st.integers(min_value=-1000, max_value=1000))
def test_shifting_a_series_moves_the_mean_and_keeps_the_flags(values, offset):
    original = stats.xmr(values)
    shifted = stats.xmr([value + offset for value in values])
    # Points within rounding of a decision line could flip either way; skip those cases.
    gaps = np.abs(
        np.concatenate(
            [
                original["value"] - original["mean"],
                original["value"] - original["upl"],
                original["value"] - original["lpl"],
                original["value"] - original["upper_2sigma"],
                original["value"] - original["lower_2sigma"],
            ]
        )
    )
    assume(not np.any(gaps[np.isfinite(gaps)] < 1e-6))
    np.testing.assert_allclose(shifted["mean"], original["mean"] + offset)
    np.testing.assert_allclose(shifted["mr"], original["mr"])
    flags = ["outside_limits", "shift", "trend", "two_of_three", "special_cause", "variation"]
    pd.testing.assert_frame_equal(shifted[flags], original[flags])


@PROPERTY_SETTINGS
@given(series_strategy)
def test_xmr_limits_are_symmetric_about_the_mean(values):
    chart = stats.xmr(values)
    np.testing.assert_allclose(chart["upl"] - chart["mean"], chart["mean"] - chart["lpl"])
    assert (chart["upl"] >= chart["upper_2sigma"]).all()
    assert (chart["special_cause"] == (chart["variation"] != "common_cause")).all()


# ---------------------------------------------------------------------------------------
# xmr_summary
# ---------------------------------------------------------------------------------------

STABLE = [5, 6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 5]


@pytest.mark.parametrize(
    ("improvement", "target", "assurance"),
    [
        ("up", 9, "consistently_fail"),
        ("up", 2, "consistently_pass"),
        ("up", 6, "hit_and_miss"),
        ("down", 9, "consistently_pass"),
        ("down", 2, "consistently_fail"),
        (None, 9, None),
        ("up", None, None),
    ],
)
def test_xmr_summary_assurance(improvement, target, assurance):
    summary = stats.xmr_summary(stats.xmr(STABLE, improvement=improvement), target=target)
    assert len(summary) == 1
    assert summary["assurance"].iloc[0] == assurance
    assert summary["latest_value"].iloc[0] == 5


def test_xmr_summary_target_on_a_limit_is_hit_and_miss():
    chart = stats.xmr(STABLE, improvement="up")
    summary = stats.xmr_summary(chart, target=float(chart["upl"].iloc[-1]))
    assert summary["assurance"].iloc[0] == "hit_and_miss"


def test_xmr_summary_reads_the_target_from_the_chart():
    summary = stats.xmr_summary(stats.xmr(STABLE, improvement="up", target=2))
    assert summary["assurance"].iloc[0] == "consistently_pass"
    assert summary["target"].iloc[0] == 2


@pytest.mark.parametrize(
    ("improvement", "last", "icon"),
    [
        ("up", 15, "improvement_high"),
        ("up", -5, "concern_low"),
        ("down", 15, "concern_high"),
        ("down", -5, "improvement_low"),
        (None, 15, "neither_high"),
        ("up", 6, "common_cause"),
    ],
)
def test_xmr_summary_variation_icon(improvement, last, icon):
    summary = stats.xmr_summary(stats.xmr([*STABLE, last], improvement=improvement))
    assert summary["variation_icon"].iloc[0] == icon


def test_xmr_summary_uses_the_last_value_present():
    summary = stats.xmr_summary(stats.xmr([*STABLE, 6, None]))
    assert summary["latest_point"].iloc[0] == 12
    assert summary["latest_value"].iloc[0] == 6


def test_xmr_summary_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="xmr"):
        stats.xmr_summary(pd.DataFrame({"value": [1.0]}))


# ---------------------------------------------------------------------------------------
# p- and u-charts
# ---------------------------------------------------------------------------------------


def test_p_chart_limits_vary_with_the_denominator_and_are_truncated():
    chart = stats.p_chart([1, 2, 30, 0], [10, 20, 100, 10])
    centre = 33 / 140
    assert chart["centre"].tolist() == pytest.approx([centre] * 4)
    sigma = np.sqrt(centre * (1 - centre) / np.array([10, 20, 100, 10]))
    np.testing.assert_allclose(chart["upl"], np.minimum(centre + 3 * sigma, 1))
    np.testing.assert_allclose(chart["lpl"], np.maximum(centre - 3 * sigma, 0))
    assert chart["lpl"].iloc[0] == 0  # truncated at zero
    assert chart["signal"].tolist() == ["within"] * 4


def test_p_chart_upper_limit_truncated_at_one_and_signals():
    chart = stats.p_chart([9, 10, 50, 90], [10, 10, 100, 100])
    assert chart["upl"].iloc[0] == 1.0
    assert chart["signal"].tolist() == ["within", "within", "below", "above"]
    assert chart["outside_limits"].tolist() == [False, False, True, True]


def test_u_chart_limits_and_multiplier():
    chart = stats.u_chart([4, 5, 20, None], [1000, 1000, 1000, 500], multiplier=1000)
    rate = 29 / 3000
    assert chart["centre"].iloc[0] == pytest.approx(rate * 1000)
    assert chart["upl"].iloc[3] == pytest.approx((rate + 3 * math.sqrt(rate / 500)) * 1000)
    assert chart["signal"].tolist()[:3] == ["within", "within", "above"]
    assert chart["signal"].iloc[3] is None or pd.isna(chart["signal"].iloc[3])


def test_attribute_charts_reject_invalid_input():
    with pytest.raises(ValueError, match="numerator"):
        stats.p_chart([11], [10])
    with pytest.raises(ValueError, match="exposure"):
        stats.u_chart([1], [0])
    with pytest.raises(ValueError, match="count"):
        stats.u_chart([-1], [10])


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
    result = stats.trend_test(numerator=events, denominator=cases)
    assert list(result.columns) == TREND_COLUMNS
    row = result.iloc[0]
    assert row["method"] == "chi_squared_trend"
    assert row["statistic"] == pytest.approx(_armitage_chi_squared(events, cases))
    assert row["p_value"] == pytest.approx(scipy_stats.chi2.sf(row["statistic"], 1))
    assert (row["direction"], row["trend"]) == ("up", "increasing")


def test_trend_test_proportions_decreasing_and_not_significant():
    falling = stats.trend_test(numerator=[180, 160, 140, 120, 100], denominator=[1000] * 5)
    assert falling["trend"].iloc[0] == "decreasing"
    flat = stats.trend_test(numerator=[100, 104, 98, 103, 101], denominator=[1000] * 5)
    assert flat["trend"].iloc[0] == "no_significant_change"
    assert flat["reason"].iloc[0] == "no significant trend"


def test_trend_test_uses_only_the_last_five_points():
    recent = stats.trend_test(numerator=[100, 120, 140, 160, 180], denominator=[1000] * 5)
    longer = stats.trend_test(numerator=[900, 10, 100, 120, 140, 160, 180], denominator=[1000] * 7)
    pd.testing.assert_frame_equal(recent, longer)


def test_trend_test_outlier_reverses_direction():
    # A falling series with a jump at the end: significant, but driven by one point.
    cases = [10000] * 5
    events = [3000, 2800, 2600, 2400, 6000]
    result = stats.trend_test(numerator=events, denominator=cases)
    assert result["p_value"].iloc[0] < 0.002
    assert result["trend"].iloc[0] == "no_significant_change"
    assert result["reason"].iloc[0].startswith("outlier found")


def test_trend_test_cannot_be_calculated_cases():
    short = stats.trend_test(numerator=[1, 2, 3, 4], denominator=[10] * 4)
    assert short["trend"].iloc[0] == "cannot_be_calculated"
    assert "fewer than 5" in short["reason"].iloc[0]
    gap = stats.trend_test(numerator=[1, 2, None, 4, 5], denominator=[10] * 5)
    assert "missing" in gap["reason"].iloc[0]
    none = stats.trend_test(numerator=[0] * 5, denominator=[10] * 5)
    assert none["trend"].iloc[0] == "cannot_be_calculated"
    assert none["direction"].iloc[0] is None


def test_trend_test_proportion_of_zero_uses_the_chi_squared_direction():
    result = stats.trend_test(numerator=[0, 20, 40, 60, 80], denominator=[200] * 5)
    assert result["trend"].iloc[0] == "increasing"


def test_trend_test_rates_poisson_regression():
    # Counts growing by exactly 10% a period: the fitted log rate ratio is log(1.1).
    counts = [100, 110, 121, 133.1, 146.41]
    result = stats.trend_test(numerator=counts, denominator=[50000] * 5, kind="rate")
    row = result.iloc[0]
    assert row["method"] == "poisson_regression"
    assert row["slope"] == pytest.approx(math.log(1.1), abs=1e-6)
    assert row["trend"] == "increasing"
    few = stats.trend_test(
        numerator=[count / 10 for count in counts], denominator=[5000] * 5, kind="rate"
    )
    assert few["slope"].iloc[0] == pytest.approx(math.log(1.1), abs=1e-6)
    assert few["trend"].iloc[0] == "no_significant_change"  # too few events to be sure
    assert few["statistic"].iloc[0] == pytest.approx(row["statistic"] / 10)


def test_trend_test_values_with_intervals_weighted_regression():
    values = np.array([30.6, 30.2, 28.0, 24.6, 24.67])
    lower = np.array([28.98, 28.63, 26.44, 23.15, 23.16])
    upper = np.array([32.25, 31.9, 29.64, 26.19, 26.25])
    result = stats.trend_test(values, lower, upper)
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
    result = stats.trend_test([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 6])
    assert result["trend"].iloc[0] == "cannot_be_calculated"


def test_trend_test_rejects_invalid_input():
    with pytest.raises(InvalidArgumentError, match="either"):
        stats.trend_test([1] * 5, [0] * 5, [2] * 5, numerator=[1] * 5, denominator=[2] * 5)
    with pytest.raises(InvalidArgumentError, match="either"):
        stats.trend_test()
    with pytest.raises(InvalidArgumentError, match="lower"):
        stats.trend_test([1] * 5, [3] * 5, [2] * 5)
    with pytest.raises(InvalidArgumentError, match="kind"):
        stats.trend_test(numerator=[1] * 5, denominator=[2] * 5, kind="ratio")
    with pytest.raises(InvalidArgumentError, match="confidence"):
        stats.trend_test(numerator=[1] * 5, denominator=[2] * 5, confidence=0.5)


# ---------------------------------------------------------------------------------------
# quartile_band and neighbour_mean
# ---------------------------------------------------------------------------------------


def test_quartile_band_follows_polarity():
    values = list(range(1, 9))
    assert stats.quartile_band(values, "high")["band"].tolist() == list("DDCCBBAA")
    assert stats.quartile_band(values, "low")["band"].tolist() == list("AABBCCDD")


def test_quartile_band_152_authorities_in_quarters_of_38():
    bands = stats.quartile_band(np.arange(152), "high")["band"]
    assert bands.value_counts().to_dict() == {"A": 38, "B": 38, "C": 38, "D": 38}


def test_quartile_band_ties_share_the_better_band():
    result = stats.quartile_band([10, 20, 20, 30, 40, 50, 60, 70], "high")
    assert result["rank"].tolist() == [8, 6, 6, 5, 4, 3, 2, 1]
    assert result["band"].tolist()[1:3] == ["C", "C"]


def test_quartile_band_missing_values_are_not_ranked():
    result = stats.quartile_band([1, None, 2, 3, 4], "high")
    assert result["band"].tolist()[0] == "D"
    assert pd.isna(result["band"].iloc[1]) and pd.isna(result["rank"].iloc[1])
    assert result["band"].dropna().tolist() == ["D", "C", "B", "A"]


def test_quartile_band_needs_a_polarity():
    with pytest.raises(InvalidArgumentError, match="polarity"):
        stats.quartile_band([1, 2, 3], None)


def test_neighbour_mean_is_a_plain_mean_of_available_values():
    values = pd.Series({"A": 10.0, "B": 20.0, "C": np.nan, "D": 60.0, "E": 1000.0})
    result = stats.neighbour_mean(values, {"E": ["A", "B", "C", "D", "Z"], "A": ["B"]})
    assert result.loc["E", "neighbour_mean"] == pytest.approx(30.0)
    assert result.loc["E", "neighbours_used"] == 3
    assert result.loc["E", "neighbours_listed"] == 5
    assert result.loc["E", "neighbours_missing"] == ("C", "Z")
    assert result.loc["A", "neighbour_mean"] == 20.0


def test_neighbour_mean_with_no_values_is_missing():
    result = stats.neighbour_mean({"A": None}, {"B": ["A"]})
    assert math.isnan(result.loc["B", "neighbour_mean"])
    assert result.loc["B", "neighbours_used"] == 0


def test_neighbour_mean_rejects_bad_lists():
    with pytest.raises(InvalidArgumentError, match="own"):
        stats.neighbour_mean({"A": 1}, {"A": ["A"]})
    with pytest.raises(InvalidArgumentError, match="twice"):
        stats.neighbour_mean({"A": 1}, {"B": ["A", "A"]})
    with pytest.raises(InvalidArgumentError, match="map"):
        stats.neighbour_mean([1, 2], {"B": ["A"]})


def test_xmr_limits_are_clipped_to_the_measures_range():
    # A low percentage with a wide moving range: its lower limit would be below 0%.
    low = [0.5, 4.0, 1.0, 5.0, 0.5, 3.5, 1.0, 4.5, 0.5, 4.0, 1.0, 5.0]
    free = stats.xmr(low)
    assert free["lpl"].iloc[0] < 0
    clipped = stats.xmr(low, value_range=(0, 100))
    assert (clipped["lpl"] == 0).all() and (clipped["lower_2sigma"] >= 0).all()
    assert clipped["upl"].iloc[0] == pytest.approx(free["upl"].iloc[0])
    assert clipped["special_cause"].tolist() == free["special_cause"].tolist()  # same rules
    # A high percentage: the upper limit would be above 100%.
    high = [99.5, 96.0, 99.0, 95.0, 99.5, 96.5, 99.0, 95.5, 99.5, 96.0, 99.0, 95.0]
    assert stats.xmr(high)["upl"].iloc[0] > 100
    assert (stats.xmr(high, value_range=(0, 100))["upl"] == 100).all()
    # A count or rate: at least 0, no upper bound.
    rate = stats.xmr([1.0, 9.0, 2.0, 8.0, 1.0, 9.0], value_range=(0, None))
    assert rate["lpl"].min() == 0 and rate["upl"].iloc[0] > 9
    assert rate.attrs["value_range"] == (0.0, None)
    with pytest.raises(InvalidArgumentError, match="value_range"):
        stats.xmr(low, value_range=(100, 0))
    with pytest.raises(InvalidArgumentError, match="value_range"):
        stats.xmr(low, value_range=5)
