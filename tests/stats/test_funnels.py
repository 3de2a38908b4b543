"""Tests for lscb_analysis.stats.funnels (funnel and funnel_curve): published reference values, edge cases
and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special
from scipy import stats as scipy_stats

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.funnels import funnel, funnel_curve

PROPERTY_SETTINGS = settings(max_examples=40, deadline=None)


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
    # Normal approximation on the natural scale: 0.2 -/+ 1.959964 sqrt(0.16 / 100).
    result = funnel([20, 130, 12], [100, 500, 100], target=0.2, method="normal", scale="natural")
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

    result = funnel([30, 90, 400], [250, 700, 3000], method="normal", scale="natural")
    average = 520 / 3950
    for position, population in enumerate([250, 700, 3000]):
        row = result.iloc[position]
        assert row["lower_95"] == pytest.approx(sigma_adjustment(0.975, population, average, "low"))
        assert row["upper_998"] == pytest.approx(
            sigma_adjustment(0.999, population, average, "high")
        )


def test_funnel_default_target_is_pooled_and_ignores_missing_rows():
    result = funnel([10, 30, None], [100, 100, 100])
    assert result["target"].tolist() == pytest.approx([0.2, 0.2, 0.2])
    assert result.attrs["target"] == pytest.approx(0.2)
    assert math.isnan(result["value"].iloc[2]) and math.isnan(result["z"].iloc[2])
    assert result["significance"].iloc[2] is None or pd.isna(result["significance"].iloc[2])
    assert not math.isnan(result["upper_95"].iloc[2])  # limits need only the denominator


def test_funnel_proportion_limits_are_clamped_to_the_multiplier_range():
    result = funnel([0, 1], [3, 3], target=2, multiplier=100)
    assert (result["lower_998"] == 0).all()
    low_target = funnel([0, 1], [3, 3], target=99, multiplier=100)
    assert (low_target["upper_998"] == 100).all()


def test_funnel_records_its_method_and_defaults_to_exact_limits():
    result = funnel([5, 40], [10000, 50000], kind="rate", target=6)
    assert result.attrs["multiplier"] == 10000
    assert result.attrs["method"] == "exact" and result.attrs["scale"] == "transformed"
    # Exact Poisson: the upper count U solves P(X >= U | E) = 0.025, U = chi2.ppf(0.025,
    # df) / 2 solved for df (scipy.special.chdtriv); E = 6 and 30 expected events.
    expected = np.array([6.0, 30.0])
    np.testing.assert_allclose(
        result["upper_95"], special.chdtriv(0.025, 2 * expected) / 2 / [10000, 50000] * 1e4
    )
    assert result["value"].tolist() == pytest.approx([5, 8])
    # 40 events against 30 expected: P(X >= 40) = 0.0463 (scipy.stats.poisson.sf(39, 30)),
    # above 0.025, so within the 95% limit although a normal z of 1.83 is close.
    assert result["significance"].tolist() == ["not_significant", "not_significant"]


@pytest.mark.parametrize(
    ("method", "scale"),
    [("exact", "transformed"), ("normal", "transformed"), ("normal", "natural")],
)
def test_funnel_rate_with_zero_target_has_zero_limits(method, scale):
    # A target of 0: no events is the only count consistent with it (Poisson(0) is 0
    # with probability 1), so the limits collapse to 0 and a single event is above them.
    result = funnel([0, 0, 1], [100, 200, 300], kind="rate", target=0, method=method, scale=scale)
    assert result["lower_95"].tolist() == [0.0, 0.0, 0.0]
    assert result["upper_998"].tolist() == [0.0, 0.0, 0.0]
    assert result["significance"].tolist() == ["not_significant"] * 2 + ["high_998"]


def _dispersed_units():
    numerators = np.array([12, 30, 45, 60, 22, 90, 15, 70, 40, 33, 150, 5])
    denominators = np.array([100, 150, 300, 250, 200, 400, 120, 280, 260, 210, 500, 90])
    return numerators, denominators


def test_funnel_phi_and_tau2_follow_spiegelhalter():
    numerators, denominators = _dispersed_units()
    result = funnel(numerators, denominators, overdispersion="multiplicative", scale="natural")
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

    additive = funnel(numerators, denominators, overdispersion="additive", scale="natural")
    np.testing.assert_allclose(
        additive["lower_95"], target - z95 * np.sqrt(standard_error**2 + tau2)
    )


def test_funnel_overdispersion_widens_limits_and_reduces_outliers():
    numerators, denominators = _dispersed_units()
    plain = funnel(numerators, denominators)
    for method in ("multiplicative", "additive"):
        adjusted = funnel(numerators, denominators, overdispersion=method)
        assert (adjusted["upper_998"] >= plain["upper_998"]).all()
        outliers = (adjusted["significance"] != "not_significant").sum()
        assert outliers < (plain["significance"] != "not_significant").sum()


def test_funnel_no_adjustment_when_not_overdispersed():
    # Every unit exactly on target: phi = 0, so the limits stay as they are.
    result = funnel([20, 40, 60], [100, 200, 300], overdispersion="multiplicative")
    plain = funnel([20, 40, 60], [100, 200, 300])
    assert result.attrs["phi"] == 0 and result.attrs["tau2"] == 0
    assert not result.attrs["adjusted"]
    pd.testing.assert_frame_equal(result, plain, check_like=True)


def test_funnel_significance_order_prefers_the_stronger_level():
    result = funnel([200, 0], [500, 500], target=0.2)
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
        funnel(**arguments)


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
    result = funnel(
        [0, 0], [size, size * factor], kind=kind, target=scaled_target, multiplier=multiplier
    )
    small, large = result.iloc[0], result.iloc[1]
    for row in (small, large):
        assert row["lower_998"] <= row["lower_95"] <= scaled_target
        assert scaled_target <= row["upper_95"] <= row["upper_998"]
    assert large["upper_95"] - large["lower_95"] < small["upper_95"] - small["lower_95"]


def test_funnel_keeps_the_index_of_series_input():
    index = ["Barnet", "Brent"]
    result = funnel(pd.Series([5, 9], index=index), pd.Series([50, 60], index=index))
    assert list(result.index) == index
    assert result["denominator"].tolist() == [50, 60]


def test_funnel_curve_reproduces_the_unit_limits():
    frame = funnel([20, 130, 12], [100, 500, 100], target=0.2)
    curve = funnel_curve(frame, points=50)
    assert len(curve) == 50
    assert curve["denominator"].iloc[0] == pytest.approx(50)
    check = funnel(np.zeros(50), curve["denominator"], target=0.2)
    for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
        np.testing.assert_allclose(curve[column], check[column])


def test_funnel_curve_uses_the_adjustment_of_the_frame():
    numerators, denominators = _dispersed_units()
    plain = funnel_curve(funnel(numerators, denominators))
    wide = funnel_curve(funnel(numerators, denominators, overdispersion="additive"))
    assert (wide["upper_95"] > plain["upper_95"]).all()


def test_funnel_curve_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="funnel"):
        funnel_curve(pd.DataFrame({"value": [1]}))


# ---------------------------------------------------------------------------------------
# Edges: one to three areas, areas that cannot be placed
# ---------------------------------------------------------------------------------------


def test_funnel_with_one_area_places_it_on_its_own_target():
    # The pooled target is the area's own value: z = 0, within the limits; phi needs two
    # areas, so no adjustment is possible and none is made.
    result = funnel([5], [50], overdispersion="multiplicative")
    assert result["target"].iloc[0] == pytest.approx(0.1)
    assert result["significance"].tolist() == ["not_significant"]
    assert result["z"].iloc[0] == 0
    assert math.isnan(result.attrs["phi"]) and not result.attrs["adjusted"]


def test_funnel_with_two_areas_uses_exact_binomial_tests_at_the_pooled_target():
    # Pooled target 20 / 200 = 0.1. Binomial(100, 0.1): P(X = 0) = 0.9^100 = 2.66e-5
    # (< 0.001, low_998); P(X >= 20) = 0.00198 (scipy.stats.binom.sf(19, 100, 0.1), between
    # 0.001 and 0.025, high_95).
    result = funnel([0, 20], [100, 100])
    assert result["target"].iloc[0] == pytest.approx(0.1)
    assert result["significance"].tolist() == ["low_998", "high_95"]
    assert not math.isnan(result.attrs["phi"])


def test_funnel_with_three_areas_and_an_adjustment():
    # Three areas spread far beyond binomial variation: phi > 1 with k = 3, so the
    # multiplicative adjustment applies and the normal limits on the arcsine scale are
    # sqrt(phi) times as wide there.
    result = funnel([10, 50, 90], [100, 100, 100], overdispersion="multiplicative")
    assert result.attrs["adjusted"] and result.attrs["phi"] > 1
    centre = math.asin(math.sqrt(0.5))
    half_width = scipy_stats.norm.ppf(0.975) * math.sqrt(result.attrs["phi"]) / (2 * 10)
    assert result["upper_95"].iloc[0] == pytest.approx(math.sin(centre + half_width) ** 2)


def test_funnel_names_units_it_cannot_place_and_leaves_them_out():
    result = funnel([3, 0, None, 4, 6], [30, 0, 40, None, 60], overdispersion="additive")
    assert [None if pd.isna(r) else r for r in result["not_placed"]] == [
        None,
        "zero_denominator",
        "no_numerator",
        "no_denominator",
        None,
    ]
    assert result["value"].isna().tolist() == [False, True, True, True, False]
    assert result["significance"].isna().tolist() == [False, True, True, True, False]
    placed = funnel([3, 6], [30, 60], overdispersion="additive")
    assert result.attrs["target"] == pytest.approx(placed.attrs["target"])  # 9 / 90
    assert result.attrs["phi"] == pytest.approx(placed.attrs["phi"])
    assert math.isnan(result["lower_95"].iloc[1])  # no limits at a denominator of zero


def test_funnel_refuses_events_out_of_a_zero_denominator_for_a_proportion():
    with pytest.raises(InvalidArgumentError, match="numerator must not exceed denominator"):
        funnel([2, 1], [0, 10])


def test_funnel_refuses_a_negative_denominator():
    with pytest.raises(InvalidArgumentError, match="denominator must not be negative"):
        funnel([1, 1], [-5, 10])


@pytest.mark.parametrize(("option", "value"), [("method", "byar"), ("scale", "logit")])
def test_funnel_refuses_unknown_method_or_scale(option, value):
    with pytest.raises(InvalidArgumentError, match=option):
        funnel([1, 2], [10, 10], **{option: value})
