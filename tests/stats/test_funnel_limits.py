"""Reference checks of the funnel limit formulas (lscb_analysis.stats.funnel_limits), through
``funnel``: PHE's published funnel outputs, exact binomial and Poisson tests worked by hand or
with scipy.stats, and FunnelPlotR's transformed-scale formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from lscb_analysis.stats.funnel_limits import exact_limits
from lscb_analysis.stats.funnels import funnel

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)

Z95, Z998 = 1.959964, 3.090232  # the quantiles FunnelPlotR writes in calculate_limits.R

# ---------------------------------------------------------------------------------------
# Exact Poisson limits against PHE's published funnel outputs
# ---------------------------------------------------------------------------------------

# PHStatsMethods (the Python port of PHEindicatormethods, DHSC), tests/test_data/
# testdata_funnel_rate_outputs.csv: calculate_funnel_limits(statistic="rate",
# rate_type="dsr", multiplier=100000, years_of_data=3); baseline 116.1720835 per 100,000.
# Each row: the count of events, then for each limit the one-year population at which that
# count lies on the limit and the limit there (rate per 100,000). The population over the
# three years is 3 x the one-year population.
PHE_BASELINE = 116.1720835
PHE_RATE_ROWS = [
    # events, (population_1_year, limit) for lower_2s, upper_2s, lower_3s, upper_3s
    (1, (1598.675694, 20.85059119), (7.264481402, 4588.535848),
     (2649.348525, 12.58170943), (0.287087625, 116108.569)),
    (10, (5276.757672, 63.17010446), (1375.943768, 242.2579623),
     (6924.776769, 48.13632908), (849.4639547, 392.4043292)),
    (99, (34583.45945, 95.42133877), (23087.10848, 142.9369123),
     (38382.78582, 85.97604186), (20393.92315, 161.8129075)),
    (1360, (411529.9259, 110.158048), (369759.5622, 122.6021934),
     (424043.2424, 106.9073359), (358342.3275, 126.5084525)),
]  # fmt: skip


@pytest.mark.parametrize("row", PHE_RATE_ROWS, ids=lambda row: f"{row[0]} events")
def test_exact_rate_limits_match_phe_funnel_outputs(row):
    _, *limits = row
    columns = ["lower_95", "upper_95", "lower_998", "upper_998"]
    populations = [3 * population for population, _ in limits]
    result = funnel(np.zeros(4), populations, kind="rate", target=PHE_BASELINE, multiplier=100000)
    for position, (column, (_, expected)) in enumerate(zip(columns, limits, strict=True)):
        # PHE finds each population by bisection on v = E / (1 + events + E) to 1e-7, so
        # its limits are good to about 1e-7 / v: 1e-5 relative at the smallest v here.
        assert result[column].iloc[position] == pytest.approx(expected, rel=1e-5), column


# PHStatsMethods tests/test_data/testdata_funnel_rate_dsr_inputs.csv: count, pop and PHE's
# assign_funnel_significance(statistic="rate", rate_type="crude", multiplier=100000) in
# column crude_per_100000_with_0 (the area with 0 events counted in the average). PHE uses
# exact Poisson intervals below 10 events and Byar's approximation from 10.
PHE_RATE_SIGNIFICANCE = """
2419 264102 high_998; 2337 259711 high_998; 2291 289247 high_998; 2242 265029 high_998;
2218 284649 high_998; 2159 293578 high_998; 2130 286718 high_998; 2111 307381 not_significant;
2105 274145 high_998; 2083 297424 high_95; 2078 272628 high_998; 2062 269656 high_998;
2061 294692 high_95; 2033 277710 high_998; 2033 259213 high_998; 2010 285516 high_95;
2004 269449 high_998; 2002 290888 not_significant; 1977 287112 not_significant;
1944 286492 not_significant; 1932 287012 not_significant; 1922 291277 not_significant;
1912 289859 not_significant; 1881 289653 not_significant; 1844 282519 not_significant;
1835 274220 not_significant; 1833 280271 not_significant; 1825 284206 not_significant;
1816 274508 not_significant; 1809 288384 low_95; 1798 287072 low_95; 1754 282744 low_998;
1746 289208 low_998; 1709 287736 low_998; 1694 296175 low_998; 1688 303255 low_998;
1649 285959 low_998; 1553 274661 low_998; 1332 281425 low_998; 0 297820 low_998
"""


def test_exact_rate_places_match_phe_assign_funnel_significance():
    rows = [entry.split() for entry in PHE_RATE_SIGNIFICANCE.replace("\n", " ").split(";")]
    counts = [float(count) for count, _, _ in rows]
    populations = [float(population) for _, population, _ in rows]
    result = funnel(counts, populations, kind="rate", multiplier=100000)
    assert result["significance"].tolist() == [place for _, _, place in rows]


# PHStatsMethods tests/test_data/testdata_funnel_prop_outputs.csv:
# calculate_funnel_limits(statistic="proportion", multiplier=100), baseline 80.642448%.
# PHE's proportion funnel inverts the Wilson score interval (sigma_adjustment), which is the
# normal approximation on the natural scale: method="normal", scale="natural" here. Values
# are given to 6 decimals; limits clamped to 0 and 100 as PHE does.
PHE_PROPORTION_ROWS = [
    # population, lower_2s, upper_2s, lower_3s, upper_3s (per cent)
    (1, 3.204264, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


def test_normal_natural_proportion_limits_match_phe_funnel_outputs():
    populations = [row[0] for row in PHE_PROPORTION_ROWS]
    result = funnel(
        np.zeros(len(populations)),
        populations,
        target=80.642448,
        multiplier=100,
        method="normal",
        scale="natural",
    )
    columns = ["lower_95", "upper_95", "lower_998", "upper_998"]
    expected = np.array([row[1:] for row in PHE_PROPORTION_ROWS], dtype=float)
    np.testing.assert_allclose(result[columns].to_numpy(), expected, atol=1.5e-6)


# ---------------------------------------------------------------------------------------
# Exact Poisson limits: 0 events and very small expected counts (worked by hand)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "place"),
    [
        # P(0 | E) = exp(-E): exp(-1) = 0.368, not unusual at any level (issue 17).
        (1.0, "not_significant"),
        # exp(-3.6) = 0.0273 > 0.025: still within the 95% limit.
        (3.6, "not_significant"),
        # exp(-3.8) = 0.0224 < 0.025 but > 0.001: below the 95% limit only.
        (3.8, "low_95"),
        # exp(-7) = 0.000912 < 0.001: below the 99.8% limit.
        (7.0, "low_998"),
    ],
)
def test_exact_rate_no_events_is_low_only_when_exp_minus_expected_is_small(expected, place):
    # One area of 10,000 with target `expected` per 10,000: its expected count is `expected`.
    result = funnel([0], [10000], kind="rate", target=expected)
    assert result["significance"].tolist() == [place]


def test_exact_rate_no_events_against_one_expected_is_flagged_only_on_the_log_scale():
    # The example: 0 events against 1 expected. Exact: within the limits. Normal on
    # the log scale (FunnelPlotR's SHMI form): lower 99.8% limit exp(-3.090232) = 0.0455 x
    # the target, so a rate of 0 is below it.
    exact = funnel([0], [10000], kind="rate", target=1)
    normal = funnel([0], [10000], kind="rate", target=1, method="normal")
    assert exact["significance"].iloc[0] == "not_significant"
    assert normal["lower_998"].iloc[0] == pytest.approx(math.exp(-Z998), rel=1e-6)
    assert normal["significance"].iloc[0] == "low_998"


def test_exact_rate_one_event_against_a_tiny_expected_count():
    # E = 0.01: P(X >= 1) = 1 - exp(-0.01) = 0.00995, below 0.025 but above 0.001, so one
    # event is above the 95% limit only. The upper count U solves P(X >= U) = 0.025 with U
    # between 0 and 1 (chi-squared form: U = chi2.ppf(0.025, 0.02)... solved for df); here
    # U = 0.8146 (scipy.special.gammainc(0.8146, 0.01) = 0.025).
    result = funnel([1, 0], [100, 100], kind="rate", target=1)
    assert result["significance"].tolist() == ["high_95", "not_significant"]
    assert result["upper_95"].iloc[0] == pytest.approx(0.814573 * 100, rel=1e-5)
    assert result["lower_95"].iloc[0] == 0


@PROPERTY_SETTINGS
@given(
    st.integers(min_value=0, max_value=60),
    st.floats(min_value=0.005, max_value=80),
)
def test_exact_rate_place_equals_the_exact_poisson_test(events, expected):
    low = scipy_stats.poisson.cdf(events, expected)  # P(X <= y)
    high = scipy_stats.poisson.sf(events - 1, expected)  # P(X >= y)
    for p in (low, high):
        assume(all(abs(p - tail) > 1e-9 * max(tail, p) for tail in (0.025, 0.001)))
    result = funnel([events], [1000], kind="rate", target=expected, multiplier=1000)
    wanted = _exact_place(low, high)
    assert result["significance"].iloc[0] == wanted


# ---------------------------------------------------------------------------------------
# Exact binomial limits
# ---------------------------------------------------------------------------------------


def _exact_place(low: float, high: float) -> str:
    """The place the one-sided exact tests give, the outer level first (as funnel())."""
    if high < 0.001:
        return "high_998"
    if high < 0.025:
        return "high_95"
    if low < 0.001:
        return "low_998"
    if low < 0.025:
        return "low_95"
    return "not_significant"


def test_exact_proportion_places_worked_by_hand():
    # Binomial(10, 0.5): P(X = 0) = 1/1024 = 0.000977 < 0.001; P(X <= 1) = 11/1024 = 0.0107;
    # P(X <= 2) = 56/1024 = 0.0547; by symmetry the same above.
    result = funnel([0, 1, 2, 5, 8, 9, 10], [10] * 7, target=0.5)
    assert result["significance"].tolist() == [
        "low_998",
        "low_95",
        "not_significant",
        "not_significant",
        "not_significant",
        "high_95",
        "high_998",
    ]


def test_exact_proportion_all_or_nothing_is_not_flagged_when_not_unusual():
    # Binomial(3, 0.9): P(X = 3) = 0.729, so 3 of 3 is not unusual; the upper limit stays
    # at 100%, and P(X = 0 | 3, 0.1) = 0.729 keeps the lower limit at 0.
    high = funnel([3], [3], target=0.9)
    low = funnel([0], [3], target=0.1)
    assert high["upper_998"].iloc[0] == 1 and high["significance"].iloc[0] == "not_significant"
    assert low["lower_998"].iloc[0] == 0 and low["significance"].iloc[0] == "not_significant"


def test_exact_proportion_one_event_against_a_tiny_expected_count():
    # Binomial(100, 0.0001): P(X >= 1) = 1 - 0.9999^100 = 0.00995: above the 95% limit
    # only; the upper count lies between 0 and 1 (0.81473, found by Brent's method).
    result = funnel([1, 0], [100, 100], target=0.0001)
    assert result["significance"].tolist() == ["high_95", "not_significant"]
    assert result["upper_95"].iloc[0] * 100 == pytest.approx(0.814735, rel=1e-5)


@PROPERTY_SETTINGS
@given(
    st.integers(min_value=1, max_value=400),
    st.floats(min_value=0.001, max_value=0.999),
    st.data(),
)
def test_exact_proportion_place_equals_the_exact_binomial_test(cases, target, data):
    events = data.draw(st.integers(min_value=0, max_value=cases))
    low = scipy_stats.binom.cdf(events, cases, target)
    high = scipy_stats.binom.sf(events - 1, cases, target)
    for p in (low, high):
        assume(all(abs(p - tail) > 1e-9 * max(tail, p) for tail in (0.025, 0.001)))
    result = funnel([events], [cases], target=target)
    assert result["significance"].iloc[0] == _exact_place(low, high)


def test_exact_limits_of_zero_or_missing_denominators_are_missing():
    low, high = exact_limits(np.array([0.0, np.nan, 10.0]), 0.3, "proportion", 0.95)
    assert np.isnan(low[:2]).all() and np.isnan(high[:2]).all()
    assert 0 <= low[2] < 0.3 < high[2] <= 1


# ---------------------------------------------------------------------------------------
# Normal limits and over-dispersion on FunnelPlotR's transformed scales
# ---------------------------------------------------------------------------------------


def test_normal_proportion_limits_follow_funnelplotr_arcsine_formula():
    # FunnelPlotR R/calculate_limits.R, data_type "PR", tau2 = 0:
    # sin(asin(sqrt(target)) -/+ z * 1 / (2 sqrt(n)))^2.
    result = funnel([20, 50], [100, 400], target=0.2, method="normal")
    for position, n in enumerate([100, 400]):
        centre, s = math.asin(math.sqrt(0.2)), 1 / (2 * math.sqrt(n))
        row = result.iloc[position]
        assert row["lower_95"] == pytest.approx(math.sin(centre - Z95 * s) ** 2, rel=1e-6)
        assert row["upper_998"] == pytest.approx(math.sin(centre + Z998 * s) ** 2, rel=1e-6)


def _funnelplotr_additive(z, s, winsorise=0.1):
    """FunnelPlotR's winsorisation, phi_func and tau_func (R/od_adjustment.R), in numpy."""
    low, high = np.quantile(z, [winsorise, 1 - winsorise])  # R quantile type 7
    phi = np.mean(np.clip(z, low, high) ** 2)
    w = 1 / s**2
    k = len(z)
    tau2 = max(0.0, (k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return phi, tau2


UNITS_EVENTS = np.array([12, 30, 45, 60, 22, 90, 15, 70, 40, 33, 150, 5])
UNITS_CASES = np.array([100, 150, 300, 250, 200, 400, 120, 280, 260, 210, 500, 90])


def test_additive_proportion_funnel_matches_funnelplotr_on_the_arcsine_scale():
    # FunnelPlotR R/od_adjustment.R (data_type "PR"): Y = asin(sqrt(y / n)),
    # target asin(sqrt(sum y / sum n)), s = 1 / (2 sqrt(n)), z = (Y - target) / s;
    # limits sin(target -/+ z sqrt(s^2 + tau2))^2 (R/calculate_limits.R).
    result = funnel(UNITS_EVENTS, UNITS_CASES, overdispersion="additive")
    pooled = UNITS_EVENTS.sum() / UNITS_CASES.sum()
    centre = math.asin(math.sqrt(pooled))
    s = 1 / (2 * np.sqrt(UNITS_CASES))
    z = (np.arcsin(np.sqrt(UNITS_EVENTS / UNITS_CASES)) - centre) / s
    phi, tau2 = _funnelplotr_additive(z, s)
    assert result.attrs["phi"] == pytest.approx(phi) and result.attrs["tau2"] == pytest.approx(tau2)
    assert result.attrs["adjusted"] and result.attrs["scale"] == "transformed"
    spread = np.sqrt(s**2 + tau2)
    np.testing.assert_allclose(result["lower_95"], np.sin(centre - Z95 * spread) ** 2, rtol=1e-6)
    np.testing.assert_allclose(result["upper_998"], np.sin(centre + Z998 * spread) ** 2, rtol=1e-6)
    np.testing.assert_allclose(result["z"], z / (spread / s))


def test_additive_rate_funnel_matches_funnelplotr_shmi_log_scale():
    # FunnelPlotR, data_type "SR", sr_method "SHMI": z = sqrt(E) log(O / E) with E the
    # expected count (here target x population), s = 1 / sqrt(E); limits
    # target x exp(-/+ z sqrt(1 / E + tau2)) (R/od_adjustment.R, R/calculate_limits.R).
    result = funnel(UNITS_EVENTS, UNITS_CASES * 100, kind="rate", overdispersion="additive")
    theta = UNITS_EVENTS.sum() / (UNITS_CASES.sum() * 100)
    expected = theta * UNITS_CASES * 100
    z = np.sqrt(expected) * np.log(UNITS_EVENTS / expected)
    s = 1 / np.sqrt(expected)
    phi, tau2 = _funnelplotr_additive(z, s)
    assert result.attrs["phi"] == pytest.approx(phi) and result.attrs["tau2"] == pytest.approx(tau2)
    spread = np.sqrt(1 / expected + tau2)
    np.testing.assert_allclose(result["upper_95"], theta * 10000 * np.exp(Z95 * spread), rtol=1e-6)
    np.testing.assert_allclose(
        result["lower_998"], theta * 10000 * np.exp(-Z998 * spread), rtol=1e-6
    )


def test_rate_with_no_events_scores_below_zero_on_the_log_scale():
    # sqrt(E) log(0.5 / (E + 0.5)): E = 0.01 gives 0.1 x log(0.5 / 0.51) = -0.00198;
    # E = 4 gives 2 x log(0.5 / 4.5) = -4.394.
    result = funnel([0, 0, 4], [1, 400, 400], kind="rate", target=100)
    assert result["z"].iloc[0] == pytest.approx(0.1 * math.log(0.5 / 0.51))
    assert result["z"].iloc[1] == pytest.approx(2 * math.log(0.5 / 4.5))


def test_the_scale_moves_areas_between_classes():
    # The same units, multiplicative over-dispersion on each scale: phi differs, so the
    # limits and (here) the number outside the 95% limits differ; each frame says which.
    natural = funnel(UNITS_EVENTS, UNITS_CASES, overdispersion="multiplicative", scale="natural")
    transformed = funnel(UNITS_EVENTS, UNITS_CASES, overdispersion="multiplicative")
    assert natural.attrs["scale"] == "natural" and transformed.attrs["scale"] == "transformed"
    assert natural.attrs["phi"] != pytest.approx(transformed.attrs["phi"])
    assert not np.allclose(natural["upper_95"], transformed["upper_95"])


# ---------------------------------------------------------------------------------------
# FunnelPlotR's Poisson limits: a different, stated convention
# ---------------------------------------------------------------------------------------

# NHS-R FunnelPlotR, tests/testthat/test-poisson_limits.R: calculate_limits(data.frame(
# number_seq = c(15, 20, 30)), target = 1, draw_adjusted = FALSE), ratio limits for 15, 20
# and 30 expected events (ll99/ul99 are its 99.8% limits, 3.090232 sigma).
FUNNELPLOTR_EXPECTED = np.array([15.0, 20.0, 30.0])
FUNNELPLOTR_LIMITS = {
    0.95: ([0.5596924, 0.6108260, 0.6746958], [1.649348, 1.544419, 1.427562]),
    0.998: ([0.3862650, 0.4479107, 0.5289724], [2.082907, 1.902094, 1.702771]),
}


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_funnelplotr_draws_the_exact_interval_of_a_count_equal_to_the_expected(level):
    """FunnelPlotR's Poisson limits are the exact (Garwood) interval of an observed count equal
    to the expected count, as a ratio: lscb_analysis.stats.intervals.exact_poisson_limits
    gives its published values to the digits it quotes."""
    from lscb_analysis.stats.intervals import exact_poisson_limits

    lower, upper = exact_poisson_limits(FUNNELPLOTR_EXPECTED, level)
    published_lower, published_upper = FUNNELPLOTR_LIMITS[level]
    assert np.round(lower / FUNNELPLOTR_EXPECTED, 7).tolist() == published_lower
    assert np.round(upper / FUNNELPLOTR_EXPECTED, 6).tolist() == published_upper


def test_the_workbench_limits_are_the_exact_test_at_the_target_not_funnelplotrs_interval():
    """The workbench's exact limits flag a count exactly when the one-sided exact Poisson
    test at the target rejects (PHE's convention); FunnelPlotR's interval does not, at the
    small counts where it matters (the case of issue 17: no events against 1 expected)."""
    from lscb_analysis.stats.intervals import exact_poisson_limits

    # No events against 1 expected: P(X = 0 | 1) = exp(-1) = 0.368, not unusual. FunnelPlotR's
    # lower 99.8% limit is chi2.ppf(0.001, 2) / 2 = 0.0010005 events, so it would flag it.
    low, _ = exact_limits(np.array([1.0]), 1.0, "rate", 0.998)
    assert low[0] <= 0.0
    assert (
        0.0
        < exact_poisson_limits(np.array([1.0]), 0.998)[0][0]
        == pytest.approx(0.0010005, abs=1e-7)
    )
    # Three events against 0.5 expected: P(X >= 3 | 0.5) = 0.0144 < 0.025 (hand: 1 - e^-0.5
    # (1 + 0.5 + 0.125) = 0.01439); the exact test flags it above the 95% limit, FunnelPlotR's
    # upper limit (chi2.ppf(0.975, 2) / 2 = 3.689 events) does not.
    assert scipy_stats.poisson.sf(2, 0.5) == pytest.approx(0.01439, abs=5e-5)
    _, high = exact_limits(np.array([0.5]), 1.0, "rate", 0.95)
    assert high[0] < 3 / 0.5
    assert exact_poisson_limits(np.array([0.5]), 0.95)[1][0] > 3
