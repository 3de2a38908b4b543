"""Tests for lscb_analysis.stats.xmr (xmr and xmr_summary): published reference values, edge cases
and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.xmr import xmr, xmr_summary

PROPERTY_SETTINGS = settings(max_examples=40, deadline=None)

REFERENCE_SERIES = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


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
    chart = xmr(REFERENCE_SERIES)
    assert list(chart.columns) == XMR_COLUMNS
    assert chart["mean"].iloc[0] == pytest.approx(1.944444, abs=5e-7)
    assert chart["mr"].iloc[1:].mean() == pytest.approx(1.882353, abs=5e-7)
    assert chart["lpl"].iloc[0] == pytest.approx(-3.062614, abs=5e-7)
    assert chart["upl"].iloc[0] == pytest.approx(6.951503, abs=5e-7)
    assert chart.index[chart["outside_limits"]].tolist() == [4]
    average_range = (chart["upl"].iloc[0] - chart["mean"].iloc[0]) / 2.66
    assert chart["upper_2sigma"].iloc[0] == pytest.approx(1.944444 + 2 / 3 * 2.66 * average_range)


def test_xmr_reference_series_screened():
    chart = xmr(REFERENCE_SERIES, screen_outliers=True)
    assert chart["lpl"].iloc[0] == pytest.approx(-0.715556, abs=5e-7)
    assert chart["upl"].iloc[0] == pytest.approx(4.604444, abs=5e-7)
    assert chart.index[chart["outside_limits"]].tolist() == [4]
    # Screening changes the limits, not the reported moving ranges.
    assert chart["mr"].iloc[4] == 8 and chart["mr"].iloc[5] == 9


def test_xmr_moving_range_and_variation_labels():
    chart = xmr(REFERENCE_SERIES, improvement="up")
    assert math.isnan(chart["mr"].iloc[0])
    assert chart["mr"].iloc[1] == 1
    assert chart.loc[4, "variation"] == "special_cause_improvement"
    assert xmr(REFERENCE_SERIES, improvement="down").loc[4, "variation"] == (
        "special_cause_concern"
    )
    assert xmr(REFERENCE_SERIES).loc[4, "variation"] == "special_cause_neither"
    assert chart.loc[0, "variation"] == "common_cause"


SHIFT_SERIES = [8, 12, 8, 12, 8, 12, 11, 11, 11, 11, 11, 11, 11, 8, 12, 8, 12]


def test_xmr_shift_flags_every_point_of_the_run():
    chart = xmr(SHIFT_SERIES, improvement="up")
    assert chart.index[chart["shift"]].tolist() == list(range(5, 13))
    assert set(chart.loc[5:12, "variation"]) == {"special_cause_improvement"}
    assert not chart["outside_limits"].any() and not chart["trend"].any()


def test_xmr_shift_needs_the_full_run_length():
    assert not xmr(SHIFT_SERIES, shift_points=9)["shift"].any()
    assert xmr(SHIFT_SERIES, shift_points=8)["shift"].sum() == 8


def test_xmr_point_on_the_mean_splits_seven_into_two_short_runs():
    above = [12, 12, 12, 10, 12, 12, 12]
    below = [8, 8, 8, 8, 8, 8, 8]
    values = [*above, *below, *[10] * 14, 12]
    chart = xmr(values)
    assert chart["mean"].iloc[0] == 10
    assert not chart.loc[0:6, "shift"].any()  # 3 + 3 points either side of the mean point
    assert chart.loc[7:13, "shift"].all()  # seven points below: a shift
    assert not chart.loc[14:, "shift"].any()  # points on the mean are never in a shift


TREND_SERIES = [10, 11, 10, 11, 10, 11, 12, 13, 14, 15, 16, 17, 10, 11, 10, 11]


def test_xmr_trend_flags_every_point_and_uses_the_trend_direction():
    chart = xmr(TREND_SERIES, improvement="down")
    assert chart.index[chart["trend"]].tolist() == list(range(4, 12))
    # Points 4 and 5 are below the mean but part of a rising trend: concern when down is good.
    assert chart.loc[4, "variation"] == "special_cause_concern"
    falling = xmr([-value for value in TREND_SERIES], improvement="down")
    assert falling.index[falling["trend"]].tolist() == list(range(4, 12))
    assert falling.loc[5, "variation"] == "special_cause_improvement"


def test_xmr_tie_breaks_a_trend():
    values = [10, 11, 10, 11, 10, 11, 12, 13, 13, 14, 15, 16, 10, 11, 10, 11]
    chart = xmr(values)
    assert not chart["trend"].any()
    # Four rising points either side of the tie: two trends of four, not one of eight.
    assert xmr(values, trend_points=5)["trend"].sum() == 0
    assert xmr(values, trend_points=4)["trend"].sum() == 8


def test_xmr_six_rising_points_are_not_a_trend():
    values = [10, 11, 10, 11, 10, 12, 13, 14, 15, 16, 10, 11, 10, 11]
    assert not xmr(values)["trend"].any()


# Twelve calm points fix the limits (mean 10, 2-sigma line 12.42, upper limit 13.63);
# the three points after them are the window under test, followed by calm points.
CALM = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9]


def _window_chart(window, **kwargs):
    return xmr([*CALM, *window, 10, 10, 10], baseline=12, **kwargs)


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
    chart = xmr(values, baseline=12)
    assert chart["mean"].iloc[-1] == pytest.approx(5.5)
    assert chart["upl"].iloc[-1] == pytest.approx(5.5 + 2.66)
    assert chart.loc[12:, "outside_limits"].all()
    assert chart.attrs["baseline"] == 12


def test_xmr_rebase_restarts_the_limits_and_the_rules():
    values = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 20, 21, 20, 21, 20, 21, 20, 21, 20, 21, 20, 21]
    chart = xmr(values, rebase_at=[12])
    assert chart["mean"].iloc[0] == pytest.approx(5.5)
    assert chart["mean"].iloc[-1] == pytest.approx(20.5)
    assert not chart["special_cause"].any()
    unbased = xmr(values)
    assert unbased["shift"].all()  # without the rebase both halves are long runs
    assert chart.attrs["rebase_at"] == [12]


def test_xmr_rebase_by_index_label():
    index = pd.period_range("2022-01", periods=24, freq="M")
    values = pd.Series([5, 6] * 6 + [20, 21] * 6, index=index)
    chart = xmr(values, rebase_at=[pd.Period("2023-01", freq="M")])
    assert chart.attrs["rebase_at"] == [12]
    assert chart.index.equals(index)


@pytest.mark.parametrize("rebase_at", [[0], [30], [5, 5], ["x"]])
def test_xmr_rejects_bad_rebase_positions(rebase_at):
    with pytest.raises(InvalidArgumentError, match="rebase_at"):
        xmr(list(range(20)), rebase_at=rebase_at)


def test_xmr_short_series_is_allowed_with_a_warning():
    chart = xmr([3, 4, 5, 4, 3])
    assert "fewer than 12" in chart.attrs["warning"]
    assert xmr(list(range(12)) * 1).attrs["warning"] is None


def test_xmr_gaps_are_not_interpolated():
    values = [10, 11, 10, 11, 10, None, 11, 10, 11, 10, 11, 10, 11]
    chart = xmr(values)
    assert math.isnan(chart.loc[5, "mr"]) and math.isnan(chart.loc[6, "mr"])
    assert chart.loc[5, "variation"] is None or pd.isna(chart.loc[5, "variation"])
    assert not chart.loc[5, ["outside_limits", "shift", "trend", "two_of_three"]].any()
    # The mean moving range uses only the ranges between neighbours that both exist.
    assert chart["upl"].iloc[0] == pytest.approx(chart["mean"].iloc[0] + 2.66)


def test_xmr_gap_breaks_a_shift():
    values = [9, 9, 9, 11, 11, 11, None, 11, 11, 11, 11, 9, 9, 9, 9, 9]
    chart = xmr(values)
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
        xmr(list(range(15)), **kwargs)


series_strategy = st.lists(st.integers(min_value=0, max_value=50), min_size=3, max_size=30)


@PROPERTY_SETTINGS
@given(series_strategy, st.integers(min_value=-1000, max_value=1000))
def test_shifting_a_series_moves_the_mean_and_keeps_the_flags(values, offset):
    original = xmr(values)
    shifted = xmr([value + offset for value in values])
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
    chart = xmr(values)
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
    summary = xmr_summary(xmr(STABLE, improvement=improvement), target=target)
    assert len(summary) == 1
    assert summary["assurance"].iloc[0] == assurance
    assert summary["latest_value"].iloc[0] == 5


def test_xmr_summary_target_on_a_limit_is_hit_and_miss():
    chart = xmr(STABLE, improvement="up")
    summary = xmr_summary(chart, target=float(chart["upl"].iloc[-1]))
    assert summary["assurance"].iloc[0] == "hit_and_miss"


def test_xmr_summary_reads_the_target_from_the_chart():
    summary = xmr_summary(xmr(STABLE, improvement="up", target=2))
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
    summary = xmr_summary(xmr([*STABLE, last], improvement=improvement))
    assert summary["variation_icon"].iloc[0] == icon


def test_xmr_summary_uses_the_last_value_present():
    summary = xmr_summary(xmr([*STABLE, 6, None]))
    assert summary["latest_point"].iloc[0] == 12
    assert summary["latest_value"].iloc[0] == 6


def test_xmr_summary_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="xmr"):
        xmr_summary(pd.DataFrame({"value": [1.0]}))


def test_xmr_limits_are_clipped_to_the_measures_range():
    # A low percentage with a wide moving range: its lower limit would be below 0%.
    low = [0.5, 4.0, 1.0, 5.0, 0.5, 3.5, 1.0, 4.5, 0.5, 4.0, 1.0, 5.0]
    free = xmr(low)
    assert free["lpl"].iloc[0] < 0
    clipped = xmr(low, value_range=(0, 100))
    assert (clipped["lpl"] == 0).all() and (clipped["lower_2sigma"] >= 0).all()
    assert clipped["upl"].iloc[0] == pytest.approx(free["upl"].iloc[0])
    assert clipped["special_cause"].tolist() == free["special_cause"].tolist()  # same rules
    # A high percentage: the upper limit would be above 100%.
    high = [99.5, 96.0, 99.0, 95.0, 99.5, 96.5, 99.0, 95.5, 99.5, 96.0, 99.0, 95.0]
    assert xmr(high)["upl"].iloc[0] > 100
    assert (xmr(high, value_range=(0, 100))["upl"] == 100).all()
    # A count or rate: at least 0, no upper bound.
    rate = xmr([1.0, 9.0, 2.0, 8.0, 1.0, 9.0], value_range=(0, None))
    assert rate["lpl"].min() == 0 and rate["upl"].iloc[0] > 9
    assert rate.attrs["value_range"] == (0.0, None)
    with pytest.raises(InvalidArgumentError, match="value_range"):
        xmr(low, value_range=(100, 0))
    with pytest.raises(InvalidArgumentError, match="value_range"):
        xmr(low, value_range=5)
