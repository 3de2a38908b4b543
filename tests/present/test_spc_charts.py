"""Tests for lscb_analysis.present.spc_charts: each SPC chart's content, not just that it draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lscb_analysis.core.errors import InvalidArgumentError  # noqa: E402
from lscb_analysis.present import chart_style, spc_charts  # noqa: E402
from lscb_analysis.stats.xmr import xmr  # noqa: E402

STABLE = [5, 6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 5]
SECRET = 4321.0  # a value no chart may show: it would be a suppressed figure


# ---------------------------------------------------------------------------------------
# spc_chart
# ---------------------------------------------------------------------------------------


def test_spc_chart_colours_special_cause_points_and_states_the_finding(close_figures, chart_probe):
    chart = xmr([*STABLE, 15], improvement="up", target=1)
    figure = spc_charts.spc_chart(chart, measure="Timely assessments")
    close_figures(figure)
    assert isinstance(figure, Figure)
    assert chart_probe.title(figure) == (
        "Timely assessments: Special cause improvement at the latest point\n"
        "The process will consistently pass the target"
    )
    assert chart_probe.point_count(figure) == 13
    improvement = chart_probe.collection(figure, "points:special_cause_improvement")
    assert len(improvement.get_offsets()) == 1
    assert tuple(improvement.get_offsets()[0]) == (12, 15)
    assert tuple(improvement.get_facecolors()[0]) == to_rgba(chart_style.OKABE_ITO["blue"])
    common = chart_probe.collection(figure, "points:common_cause")
    assert tuple(common.get_facecolors()[0]) == to_rgba(chart_style.GREY)
    assert "Variation: Improvement (high)" in chart_probe.texts(figure)
    assert "Assurance: consistently pass" in chart_probe.texts(figure)


def test_spc_chart_concern_is_orange(close_figures, chart_probe):
    chart = xmr([*STABLE, 15], improvement="down")
    figure = spc_charts.spc_chart(chart)
    close_figures(figure)
    concern = chart_probe.collection(figure, "points:special_cause_concern")
    assert tuple(concern.get_facecolors()[0]) == to_rgba(chart_style.OKABE_ITO["orange"])
    assert chart_probe.title(figure) == "Special cause concern at the latest point"


def test_spc_chart_common_cause_title_counts_earlier_signals(close_figures, chart_probe):
    chart = xmr([*STABLE[:6], 20, *STABLE[6:]], improvement="up")
    figure = spc_charts.spc_chart(chart, measure="Visits")
    close_figures(figure)
    assert chart_probe.title(figure) == (
        "Visits: Common cause at the latest point (1 earlier point of special cause)"
    )
    stable = spc_charts.spc_chart(xmr(STABLE))
    close_figures(stable)
    assert chart_probe.title(stable) == "Only common cause variation across 12 points"


def test_spc_chart_draws_limits_per_segment_and_the_target(close_figures):
    values = [5, 6] * 6 + [20, 21] * 6
    chart = xmr(values, rebase_at=[12], target=15)
    figure = spc_charts.spc_chart(chart)
    close_figures(figure)
    axes = figure.axes[0]
    centre = to_rgba(chart_style.STATUS_COLOURS["centre"])
    mean_lines = [line for line in axes.lines if to_rgba(line.get_color()) == centre]
    assert [tuple(line.get_ydata()[:1]) for line in mean_lines] == [(5.5,), (20.5,)]
    target = to_rgba(chart_style.STATUS_COLOURS["target"])
    assert any(
        to_rgba(line.get_color()) == target and line.get_ydata()[0] == 15 for line in axes.lines
    )


def test_spc_chart_missing_points_are_not_plotted_and_warning_is_shown(close_figures, chart_probe):
    chart = xmr([3, 4, None, 5, 4])
    figure = spc_charts.spc_chart(chart)
    close_figures(figure)
    assert chart_probe.point_count(figure) == 4
    assert figure.get_supxlabel().startswith("Provisional limits")


def test_spc_chart_uses_text_labels_for_other_indexes(close_figures):
    index = [f"{year}-{year - 1999:02d}" for year in range(2010, 2022)]
    figure = spc_charts.spc_chart(xmr(pd.Series(STABLE, index=index)))
    close_figures(figure)
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels[0] == "2010-11"


def test_spc_chart_does_not_touch_pyplot_state(close_figures):
    before = plt.get_fignums()
    close_figures(spc_charts.spc_chart(xmr(STABLE)))
    assert plt.get_fignums() == before


def test_spc_chart_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="xmr"):
        spc_charts.spc_chart(pd.DataFrame({"value": [1.0]}))


# ---------------------------------------------------------------------------------------
# Suppressed values are never plotted (issue #10)
# ---------------------------------------------------------------------------------------


def test_spc_chart_marks_suppressed_periods_without_their_value(close_figures, chart_probe):
    values = pd.Series(
        [5.0, 6, 5, 7, 6, 5, np.nan, 7, 5, 6],
        index=[f"{2023 + i // 4}Q{i % 4 + 1}" for i in range(10)],
    )
    chart = xmr(values, improvement="down")
    chart["state"] = ["ok"] * 6 + ["suppressed"] + ["ok"] * 3
    chart.loc["2024Q3", "value"] = SECRET  # even if a caller left the value in, it is not drawn
    figure = spc_charts.spc_chart(chart, measure="Repeat plans")
    close_figures(figure)
    marks = chart_probe.suppressed_texts(figure)
    assert [mark.get_text() for mark in marks] == ["c"]
    assert marks[0].get_position()[0] == 6  # at the suppressed quarter's position
    assert not np.isclose(chart_probe.drawn_numbers(figure), SECRET).any()
    series_line = figure.axes[0].lines[0]
    assert np.isnan(np.asarray(series_line.get_ydata(), dtype=float)[6])  # a gap in the line
    assert chart_probe.point_count(figure) == 9
    assert "Suppressed (small number)" in [
        t.get_text() for t in figure.axes[0].get_legend().get_texts()
    ]


def test_spc_chart_reads_the_published_status_column_too(close_figures, chart_probe):
    chart = xmr(pd.Series([10.0, np.nan, 12.0, 11.0], index=[2022, 2023, 2024, 2025]))
    chart["status"] = ["ok", "suppressed", "ok", "ok"]
    figure = spc_charts.spc_chart(chart)
    close_figures(figure)
    assert [mark.get_position()[0] for mark in chart_probe.suppressed_texts(figure)] == [2023]
    plain = spc_charts.spc_chart(xmr(STABLE))
    close_figures(plain)
    assert chart_probe.suppressed_texts(plain) == []


def test_small_multiples_never_draw_a_suppressed_value(close_figures, chart_probe):
    points = pd.DataFrame(
        {
            "pi_id": ["A"] * 4,
            "period": ["2025Q1", "2025Q2", "2025Q3", "2025Q4"],
            "order": [1, 2, 3, 4],
            "value": [1.0, SECRET, 3.0, 2.0],
            "state": ["ok", "suppressed", "ok", "ok"],
            "mean": [2.0] * 4,
            "lpl": [0.0] * 4,
            "upl": [4.0] * 4,
            "variation": ["common_cause"] * 4,
        }
    )
    panels = pd.DataFrame({"pi_id": ["A"], "heading": ["A"], "target": [np.nan]})
    figure = spc_charts.spc_small_multiples(points, panels, "One panel")
    close_figures(figure)
    assert len(chart_probe.suppressed_texts(figure)) == 1
    assert not np.isclose(chart_probe.drawn_numbers(figure), SECRET).any()


def test_spc_chart_with_every_point_suppressed_draws_only_the_c_marks(close_figures, chart_probe):
    # Every quarter suppressed: expected a chart with a "c" at each of the 8 quarters, no point,
    # no limit, no icon, and alt text saying no value can be shown (it used to raise
    # InvalidArgumentError from xmr_summary).
    quarters = [f"{2024 + i // 4}Q{i % 4 + 1}" for i in range(8)]
    chart = xmr(pd.Series([np.nan] * 8, index=quarters))
    chart["state"] = "suppressed"
    figure = spc_charts.spc_chart(chart, measure="Re-referrals")
    close_figures(figure)
    assert chart_probe.point_count(figure) == 0
    assert [m.get_position()[0] for m in chart_probe.suppressed_texts(figure)] == list(range(8))
    assert "Variation: not assessed" in chart_probe.texts(figure)
    assert chart_probe.title(figure).endswith("variation not assessed")
    assert figure.lscb_alt.endswith("Re-referrals: no value can be shown.")
    assert np.isnan(chart["upl"]).all()


def test_small_multiples_with_a_panel_whose_every_point_is_suppressed(close_figures, chart_probe):
    points = pd.DataFrame(
        {
            "pi_id": ["A"] * 3,
            "period": ["2025Q2", "2025Q3", "2025Q4"],
            "order": [1, 2, 3],
            "value": [SECRET, SECRET, SECRET],
            "state": ["suppressed"] * 3,
            "mean": [np.nan] * 3,
            "lpl": [np.nan] * 3,
            "upl": [np.nan] * 3,
            "variation": [None] * 3,
        }
    )
    panels = pd.DataFrame({"pi_id": ["A"], "heading": ["A"], "target": [np.nan]})
    figure = spc_charts.spc_small_multiples(points, panels, "All suppressed")
    close_figures(figure)
    assert len(chart_probe.suppressed_texts(figure)) == 3
    assert not np.isclose(chart_probe.drawn_numbers(figure), SECRET).any()
