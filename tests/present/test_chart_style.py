"""Tests for lscb_analysis.present.chart_style: shared colours and the axis titles of every chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from lscb_analysis.present import chart_style, comparison_charts, spc_charts, trend_charts  # noqa: E402
from lscb_analysis.stats.benchmarking import compare_to_benchmark  # noqa: E402
from lscb_analysis.stats.funnels import funnel  # noqa: E402
from lscb_analysis.stats.intervals import proportion_ci  # noqa: E402
from lscb_analysis.stats.xmr import xmr  # noqa: E402


def test_palette_is_shared_and_colour_blind_safe():
    assert chart_style.PALETTE[0] == chart_style.OKABE_ITO["blue"]
    assert set(chart_style.PALETTE) == set(chart_style.OKABE_ITO.values())
    assert chart_style.STATUS_COLOURS["special_cause_improvement"] == chart_style.OKABE_ITO["blue"]
    assert chart_style.STATUS_COLOURS["special_cause_concern"] == chart_style.OKABE_ITO["orange"]


def test_chart_axes_name_their_unit_and_draw_clipped_limits():
    percent = xmr(
        [0.5, 4.0, 1.0, 5.0, 0.5, 3.5, 1.0, 4.5, 0.5, 4.0, 1.0, 5.0],
        improvement="down",
        value_range=(0, 100),
    )
    axes = spc_charts.spc_chart(percent, measure="Re-referrals", unit="percent").axes[0]
    assert axes.get_ylabel() == "Per cent"
    drawn = np.concatenate(
        [line.get_ydata() for line in axes.get_lines() if line.get_linestyle() == "--"]
    )
    assert np.nanmin(drawn.astype(float)) == 0  # the lower limit is drawn at 0, not below
    percent.attrs["unit"] = "rate_per_10000"  # the frame's own unit when none is passed
    assert spc_charts.spc_chart(percent).axes[0].get_ylabel() == "Rate per 10,000 children"

    result = funnel([20, 130, 12, 45], [100, 500, 100, 200], target=0.2)
    funnel_axes = comparison_charts.funnel_plot(result, unit="percent").axes[0]
    assert funnel_axes.get_ylabel() == "Per cent"
    assert funnel_axes.get_xlabel() == "Denominator (number)"
    ci = proportion_ci([65, 40, 55], [100, 100, 100])
    comparison = compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], 52, "high")
    bench = comparison_charts.benchmark_chart(comparison, labels=["A", "B", "C"], unit="percent")
    assert bench.axes[0].get_xlabel() == "Per cent"

    trends = pd.DataFrame(
        {
            "indicator": ["cin_rate"] * 2 + ["rereferral_pct"] * 2,
            "short_title": ["CIN"] * 2 + ["Re-referrals"] * 2,
            "period": [2024, 2025] * 2,
            "series": "Barnet",
            "value": [300.0, 310.0, 20.0, 21.0],
            "status": "ok",
        }
    )
    labels = [
        ax.get_ylabel()
        for ax in trend_charts.trend_small_multiples(trends, "Barnet").axes
        if ax.get_visible()
    ]
    assert labels == ["Rate per 10,000 children", "Per cent"]

    points = pd.DataFrame(
        {
            "pi_id": ["A"] * 3,
            "period": ["2025Q1", "2025Q2", "2025Q3"],
            "order": [1, 2, 3],
            "value": [1.0, 2.0, 3.0],
            "state": "ok",
            "mean": 2.0,
            "lpl": 0.0,
            "upl": 4.0,
            "variation": "common_cause",
        }
    )
    panels = pd.DataFrame({"pi_id": ["A"], "heading": ["A"], "target": [np.nan], "unit": ["count"]})
    small = spc_charts.spc_small_multiples(points, panels, "One panel")
    assert small.axes[0].get_ylabel() == "Number"
