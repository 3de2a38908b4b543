"""Tests for lscb_analysis.stats.clustered: hand-computed design effects, the plain Wilson
interval with one answer per case, and agreement with statsmodels' cluster-robust estimates."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.genmod import cov_struct, families
from statsmodels.genmod.generalized_estimating_equations import GEE

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.clustered import (
    CASE_AS_UNIT,
    CLUSTERED_COLUMNS,
    ESTIMATED,
    ONE_PER_CASE,
    anova_icc,
    clustered_proportion,
    clustered_share,
    design_effect,
)
from lscb_analysis.stats.intervals import proportion_ci


def test_equal_cases_by_hand():
    # Three cases of two answers: events 2, 0, 1 (N 6, k 3, 3 events).
    #   sum y^2/m = 4/2 + 0/2 + 1/2 = 2.5;  (sum y)^2 / N = 9/6 = 1.5
    #   MSB = (2.5 - 1.5) / (3 - 1) = 0.5;  MSW = (3 - 2.5) / (6 - 3) = 1/6
    #   m0 = (6 - 12/6) / 2 = 2;  ICC = (0.5 - 1/6) / (0.5 + (2 - 1) * 1/6) = 0.5
    #   design effect = 1 + (12/6 - 1) * 0.5 = 1.5;  effective counts 3/1.5 = 2 of 6/1.5 = 4
    row = clustered_share([2, 0, 1], [2, 2, 2]).iloc[0]
    assert row["icc"] == pytest.approx(0.5)
    assert row["design_effect"] == pytest.approx(1.5)
    assert row["effective_n"] == pytest.approx(4.0)
    assert row["design_effect_basis"] == ESTIMATED
    wilson = proportion_ci(2, 4).iloc[0]  # Wilson 2 of 4: 15.00% to 85.00%
    assert row["lower"] == pytest.approx(wilson["lower"]) == pytest.approx(15.0039, abs=1e-4)
    assert row["upper"] == pytest.approx(wilson["upper"])


def test_unequal_cases_by_hand():
    # Cases of 4, 1 and 3 answers with 4, 0 and 1 events (N 8, k 3, 5 events).
    #   sum y^2/m = 16/4 + 0/1 + 1/3 = 13/3;  (sum y)^2 / N = 25/8
    #   MSB = (13/3 - 25/8) / 2 = (29/24) / 2 = 29/48
    #   MSW = (5 - 13/3) / (8 - 3) = (2/3) / 5 = 2/15
    #   sum m^2 = 16 + 1 + 9 = 26;  m0 = (8 - 26/8) / 2 = 19/8
    #   ICC = (29/48 - 2/15) / (29/48 + (19/8 - 1) * 2/15) = (113/240) / (29/48 + 11/60)
    #       = (113/240) / (189/240) = 113/189
    #   Kish: m_w = 26/8 = 3.25;  design effect = 1 + 2.25 * 113/189
    icc = 113 / 189
    row = clustered_share([4, 0, 1], [4, 1, 3]).iloc[0]
    assert row["icc"] == pytest.approx(icc)
    assert row["design_effect"] == pytest.approx(1 + 2.25 * icc)
    assert row["effective_n"] == pytest.approx(8 / (1 + 2.25 * icc))
    assert row["value"] == pytest.approx(62.5)
    # The equal-size formula 1 + (m_bar - 1) * ICC would give a smaller effect (m_bar 8/3).
    assert row["design_effect"] > 1 + (8 / 3 - 1) * icc


def test_negative_correlation_is_floored_at_zero():
    # One event in each case of two: MSB 0, MSW (4 - 2)/(8 - 4) = 0.5, m0 2,
    # ICC = (0 - 0.5) / (0 + (2 - 1) * 0.5) = -1, floored at 0.
    row = clustered_share([1, 1, 1, 1], [2, 2, 2, 2]).iloc[0]
    assert row["icc"] == 0.0 and row["design_effect"] == 1.0
    wilson = proportion_ci(4, 8).iloc[0]
    assert row["lower"] == pytest.approx(wilson["lower"])


@pytest.mark.parametrize(
    ("events", "answers"),
    [([1, 0, 1, 1, 0], [1] * 5), ([0], [1]), ([1], [1]), ([0, 0, 0], [1, 1, 1])],
)
def test_one_answer_per_case_is_the_plain_wilson_interval(events, answers):
    row = clustered_share(events, answers).iloc[0]
    plain = proportion_ci(sum(events), sum(answers)).iloc[0]
    assert row["design_effect"] == 1.0 and row["design_effect_basis"] == ONE_PER_CASE
    assert (row["value"], row["lower"], row["upper"]) == pytest.approx(
        (plain["value"], plain["lower"], plain["upper"])
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_one_answer_per_case_property(outcomes):
    result = clustered_proportion([int(o) for o in outcomes], list(range(len(outcomes))))
    plain = proportion_ci(sum(outcomes), len(outcomes)).iloc[0]
    assert result["lower"].iloc[0] == pytest.approx(plain["lower"], abs=1e-9)
    assert result["upper"].iloc[0] == pytest.approx(plain["upper"], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 12), st.integers(0, 12)).map(lambda t: (t[0], min(t[0], t[1]))),
        min_size=1,
        max_size=15,
    )
)
def test_clustered_interval_is_never_narrower_than_the_naive_one(cases):
    answers = [m for m, _ in cases]
    events = [y for _, y in cases]
    row = clustered_share(events, answers).iloc[0]
    naive = proportion_ci(sum(events), sum(answers)).iloc[0]
    assert row["design_effect"] >= 1.0
    assert row["lower"] <= naive["lower"] + 1e-9 and row["upper"] >= naive["upper"] - 1e-9
    assert 0 <= row["lower"] <= row["value"] <= row["upper"] <= 100


def test_correlation_not_estimable_counts_each_case_once():
    # One case of 20 answers: one observation's worth of information.
    one = clustered_share([6], [20]).iloc[0]
    assert np.isnan(one["icc"]) and one["design_effect_basis"] == CASE_AS_UNIT
    assert one["design_effect"] == pytest.approx(20.0) and one["effective_n"] == pytest.approx(1)
    # Every answer good in four cases of five: ICC 0/0, so the case is the unit (4 of 4).
    same = clustered_share([5, 5, 5, 5], [5, 5, 5, 5]).iloc[0]
    assert same["design_effect"] == pytest.approx(5.0)
    assert same["lower"] == pytest.approx(proportion_ci(4, 4).iloc[0]["lower"])
    assert np.isnan(anova_icc([3], [4]))


def test_grouped_per_answer_input_and_missing_outcomes():
    outcome = [1, 1, 0, 0, 1, 0, np.nan, 1, 0, 1]
    case = ["a", "a", "b", "b", "c", "c", "c", "d", "e", "f"]
    group = ["x"] * 7 + ["y"] * 3
    result = clustered_proportion(outcome, case, group)
    assert list(result.columns) == list(CLUSTERED_COLUMNS)
    assert result.index.tolist() == ["x", "y"]
    assert result.loc["x", "answers"] == 6 and result.loc["x", "cases"] == 3
    assert result.loc["x", "design_effect"] == pytest.approx(1.5)  # the hand example above
    assert result.loc["y", "design_effect"] == 1.0 and result.loc["y", "events"] == 2
    empty = clustered_proportion([np.nan], ["a"]).iloc[0]
    assert empty["answers"] == 0 and np.isnan(empty["lower"])
    assert "Kish" in result.attrs["method"]


def test_invalid_inputs_name_the_argument():
    with pytest.raises(InvalidArgumentError, match="outcome must be 0 or 1"):
        clustered_proportion([2], ["a"])
    with pytest.raises(InvalidArgumentError, match="cluster is missing"):
        clustered_proportion([1, 0], ["a", None])
    with pytest.raises(InvalidArgumentError, match="same length"):
        clustered_proportion([1, 0], ["a"])
    with pytest.raises(InvalidArgumentError, match="events must not exceed answers"):
        clustered_share([3], [2])
    with pytest.raises(InvalidArgumentError, match="answers must be greater than zero"):
        clustered_share([0], [0])
    with pytest.raises(InvalidArgumentError, match="icc must be between"):
        design_effect([2, 2], 1.5)


def _beta_binomial_fixture(seed, cases, size, a, b):
    """Answers nested in cases: each case's probability drawn from Beta(a, b)."""
    rng = np.random.default_rng(seed)
    sizes = np.full(cases, size) if size else rng.integers(3, 15, cases)
    probability = rng.beta(a, b, cases)
    outcome = np.concatenate(
        [rng.binomial(1, p, m) for p, m in zip(probability, sizes, strict=True)]
    )
    return outcome, np.repeat(np.arange(cases), sizes)


@pytest.mark.parametrize(
    ("seed", "cases", "size", "a", "b", "tolerance"),
    [
        (0, 60, 8, 3, 2, 0.02),
        (1, 40, 10, 2, 2, 0.02),
        (2, 80, 6, 6, 3, 0.02),
        (3, 50, None, 3, 3, 0.05),  # unequal case sizes: 3 to 14 answers
    ],
)
def test_standard_error_agrees_with_statsmodels_cluster_robust(seed, cases, size, a, b, tolerance):
    """The design-effect standard error sqrt(p(1-p) deff / N) against statsmodels 0.14:
    sm.GLM(Binomial).fit(cov_type="cluster") and GEE(Binomial, Exchangeable) robust standard
    errors of the intercept, taken to the probability scale by the delta method
    (se_p = se_logit x p(1-p)). Measured on these fixtures: within 1% for equal case sizes
    and 4% for unequal ones; the tolerances are 2% and 5%."""
    outcome, case = _beta_binomial_fixture(seed, cases, size, a, b)
    ones = np.ones((len(outcome), 1))
    share = outcome.mean()
    glm = sm.GLM(outcome, ones, family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": case}
    )
    gee = GEE(
        outcome, ones, groups=case, family=families.Binomial(), cov_struct=cov_struct.Exchangeable()
    ).fit()
    gee_share = 1 / (1 + np.exp(-gee.params[0]))
    row = clustered_proportion(outcome, case, multiplier=1).iloc[0]
    ours = np.sqrt(share * (1 - share) * row["design_effect"] / len(outcome))
    assert ours == pytest.approx(glm.bse[0] * share * (1 - share), rel=tolerance)
    assert ours == pytest.approx(gee.bse[0] * gee_share * (1 - gee_share), rel=tolerance)
    # GEE's moment estimate of the exchangeable correlation is near the ANOVA ICC.
    assert row["icc"] == pytest.approx(gee.cov_struct.dep_params, abs=0.03)
    # And the clustered interval is the naive one widened by about sqrt(design effect).
    naive = proportion_ci(outcome.sum(), len(outcome), multiplier=1).iloc[0]
    ratio = (row["upper"] - row["lower"]) / (naive["upper"] - naive["lower"])
    assert ratio == pytest.approx(np.sqrt(row["design_effect"]), rel=0.05)
