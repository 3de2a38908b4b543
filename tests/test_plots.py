"""Tests for lscb_analysis.plots: each chart's content, not just that it draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lscb_analysis import plots, stats  # noqa: E402
from lscb_analysis.errors import InvalidArgumentError  # noqa: E402

STABLE = [5, 6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 5]


@pytest.fixture
def close_figures():
    """Collect the figures a test makes and close them afterwards."""
    made: list[Figure] = []
    yield made.append
    for figure in made:
        plt.close(figure)


def _collection(figure: Figure, gid: str):
    matches = [item for item in figure.axes[0].collections if item.get_gid() == gid]
    assert len(matches) == 1, f"expected one collection {gid!r}, found {len(matches)}"
    return matches[0]


def _point_count(figure: Figure) -> int:
    return sum(
        len(item.get_offsets())
        for item in figure.axes[0].collections
        if (item.get_gid() or "").startswith("points:")
    )


def _title(figure: Figure) -> str:
    return figure.axes[0].get_title(loc="left")


def _texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.axes[0].texts]


def test_palette_is_shared_and_colour_blind_safe():
    assert plots.PALETTE[0] == plots.OKABE_ITO["blue"]
    assert set(plots.PALETTE) == set(plots.OKABE_ITO.values())
    assert plots.STATUS_COLOURS["special_cause_improvement"] == plots.OKABE_ITO["blue"]
    assert plots.STATUS_COLOURS["special_cause_concern"] == plots.OKABE_ITO["orange"]


# ---------------------------------------------------------------------------------------
# spc_chart
# ---------------------------------------------------------------------------------------


def test_spc_chart_colours_special_cause_points_and_states_the_finding(close_figures):
    chart = stats.xmr([*STABLE, 15], improvement="up", target=1)
    figure = plots.spc_chart(chart, measure="Timely assessments")
    close_figures(figure)
    assert isinstance(figure, Figure)
    assert _title(figure) == (
        "Timely assessments: Special cause improvement at the latest point\n"
        "The process will consistently pass the target"
    )
    assert _point_count(figure) == 13
    improvement = _collection(figure, "points:special_cause_improvement")
    assert len(improvement.get_offsets()) == 1
    assert tuple(improvement.get_offsets()[0]) == (12, 15)
    assert tuple(improvement.get_facecolors()[0]) == to_rgba(plots.OKABE_ITO["blue"])
    common = _collection(figure, "points:common_cause")
    assert tuple(common.get_facecolors()[0]) == to_rgba(plots.GREY)
    assert "Variation: Improvement (high)" in _texts(figure)
    assert "Assurance: consistently pass" in _texts(figure)


def test_spc_chart_concern_is_orange(close_figures):
    chart = stats.xmr([*STABLE, 15], improvement="down")
    figure = plots.spc_chart(chart)
    close_figures(figure)
    concern = _collection(figure, "points:special_cause_concern")
    assert tuple(concern.get_facecolors()[0]) == to_rgba(plots.OKABE_ITO["orange"])
    assert _title(figure) == "Special cause concern at the latest point"


def test_spc_chart_common_cause_title_counts_earlier_signals(close_figures):
    chart = stats.xmr([*STABLE[:6], 20, *STABLE[6:]], improvement="up")
    figure = plots.spc_chart(chart, measure="Visits")
    close_figures(figure)
    assert _title(figure) == (
        "Visits: Common cause at the latest point (1 earlier point of special cause)"
    )
    stable = plots.spc_chart(stats.xmr(STABLE))
    close_figures(stable)
    assert _title(stable) == "Only common cause variation across 12 points"


def test_spc_chart_draws_limits_per_segment_and_the_target(close_figures):
    values = [5, 6] * 6 + [20, 21] * 6
    chart = stats.xmr(values, rebase_at=[12], target=15)
    figure = plots.spc_chart(chart)
    close_figures(figure)
    axes = figure.axes[0]
    centre = to_rgba(plots.STATUS_COLOURS["centre"])
    mean_lines = [line for line in axes.lines if to_rgba(line.get_color()) == centre]
    assert [tuple(line.get_ydata()[:1]) for line in mean_lines] == [(5.5,), (20.5,)]
    target = to_rgba(plots.STATUS_COLOURS["target"])
    assert any(
        to_rgba(line.get_color()) == target and line.get_ydata()[0] == 15 for line in axes.lines
    )


def test_spc_chart_missing_points_are_not_plotted_and_warning_is_shown(close_figures):
    chart = stats.xmr([3, 4, None, 5, 4])
    figure = plots.spc_chart(chart)
    close_figures(figure)
    assert _point_count(figure) == 4
    assert figure.get_supxlabel().startswith("Provisional limits")


def test_spc_chart_uses_text_labels_for_other_indexes(close_figures):
    index = [f"{year}-{year - 1999:02d}" for year in range(2010, 2022)]
    figure = plots.spc_chart(stats.xmr(pd.Series(STABLE, index=index)))
    close_figures(figure)
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels[0] == "2010-11"


def test_spc_chart_does_not_touch_pyplot_state(close_figures):
    before = plt.get_fignums()
    close_figures(plots.spc_chart(stats.xmr(STABLE)))
    assert plt.get_fignums() == before


def test_spc_chart_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="xmr"):
        plots.spc_chart(pd.DataFrame({"value": [1.0]}))


# ---------------------------------------------------------------------------------------
# funnel_plot
# ---------------------------------------------------------------------------------------

AREAS = ["Barnet", "Brent", "Camden", "Ealing", "Enfield", "Harrow"]


def _funnel_frame(**kwargs):
    result = stats.funnel(
        [20, 130, 12, 45, 8, 60], [100, 500, 100, 200, 60, 300], target=0.2, **kwargs
    )
    return result.set_axis(AREAS)


def test_funnel_plot_labels_outliers_and_highlights_the_chosen_area(close_figures):
    frame = _funnel_frame()
    figure = plots.funnel_plot(
        frame, highlight="Barnet", curve=stats.funnel_curve(frame), polarity="high"
    )
    close_figures(figure)
    assert _title(figure) == "Barnet is within the limits; 1 of 6 areas outside the 99.8% limits"
    assert _point_count(figure) == 6
    texts = _texts(figure)
    assert {"Brent", "Camden", "Barnet"} <= set(texts)  # two outliers and the chosen area
    assert "Ealing" not in texts and "Harrow" not in texts
    highlight = _collection(figure, "highlight")
    assert tuple(highlight.get_offsets()[0]) == (100, 0.2)
    high = _collection(figure, "points:high_998")
    assert tuple(high.get_facecolors()[0]) == to_rgba(plots.STATUS_COLOURS["better"])
    low = _collection(figure, "points:low_95")
    assert tuple(low.get_edgecolors()[0]) == to_rgba(plots.STATUS_COLOURS["worse"])
    assert tuple(low.get_facecolors()[0]) == to_rgba("white")  # 95% only: open circle


def test_funnel_plot_draws_both_limit_pairs_and_the_target(close_figures):
    frame = _funnel_frame()
    curve = stats.funnel_curve(frame, points=40)
    figure = plots.funnel_plot(frame, curve=curve)
    close_figures(figure)
    lines = figure.axes[0].lines
    assert len(lines) == 5
    assert sum(line.get_linestyle() == "--" for line in lines) == 2
    assert sum(line.get_linestyle() == "-" for line in lines) == 3
    upper_998 = [line for line in lines if line.get_ydata()[0] == curve["upper_998"].iloc[0]]
    assert len(upper_998) == 1 and len(upper_998[0].get_xdata()) == 40
    assert _title(figure) == "1 of 6 areas outside the 99.8% limits"


def test_funnel_plot_without_curve_joins_the_unit_limits(close_figures):
    frame = _funnel_frame()
    figure = plots.funnel_plot(frame, measure="Re-referrals")
    close_figures(figure)
    for line in figure.axes[0].lines:
        assert list(line.get_xdata()) == sorted(frame["denominator"])
    assert _title(figure).startswith("Re-referrals: ")


def test_funnel_plot_states_the_overdispersion_method(close_figures):
    numerators = [12, 30, 45, 60, 22, 90, 15, 70, 40, 33, 150, 5]
    denominators = [100, 150, 300, 250, 200, 400, 120, 280, 260, 210, 500, 90]
    frame = stats.funnel(numerators, denominators, overdispersion="multiplicative")
    figure = plots.funnel_plot(frame)
    close_figures(figure)
    note = [text for text in _texts(figure) if text.startswith("Limits")]
    assert note and "over-dispersion: multiplicative (phi = " in note[0]
    plain = plots.funnel_plot(stats.funnel(numerators, denominators))
    close_figures(plain)
    assert any("no over-dispersion adjustment" in text for text in _texts(plain))


def test_funnel_plot_without_polarity_uses_neutral_colours(close_figures):
    figure = plots.funnel_plot(_funnel_frame())
    close_figures(figure)
    high = _collection(figure, "points:high_998")
    assert tuple(high.get_facecolors()[0]) == to_rgba(plots.OKABE_ITO["reddish_purple"])


def test_funnel_plot_rejects_unknown_highlight_and_bad_labels():
    frame = _funnel_frame()
    with pytest.raises(InvalidArgumentError, match="highlight"):
        plots.funnel_plot(frame, highlight="Nowhere")
    with pytest.raises(InvalidArgumentError, match="labels"):
        plots.funnel_plot(frame, labels=["A"])
    with pytest.raises(InvalidArgumentError, match="funnel"):
        plots.funnel_plot(pd.DataFrame({"value": [1.0]}))


# ---------------------------------------------------------------------------------------
# benchmark_chart
# ---------------------------------------------------------------------------------------


def _comparison(polarity="high"):
    ci = stats.proportion_ci([65, 40, 55, 52], [100, 100, 100, 100])
    return stats.compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], 52, polarity)


def test_benchmark_chart_colours_by_comparison_and_states_the_finding(close_figures):
    frame = _comparison()
    names = ["Brent", "Camden", "Ealing", "Harrow"]
    figure = plots.benchmark_chart(frame, labels=names, highlight="Camden")
    close_figures(figure)
    assert _title(figure) == "Camden is worse than England"
    assert _point_count(figure) == 4
    better = _collection(figure, "points:better")
    assert tuple(better.get_facecolors()[0]) == to_rgba(plots.OKABE_ITO["blue"])
    worse = _collection(figure, "points:worse")
    assert tuple(worse.get_facecolors()[0]) == to_rgba(plots.OKABE_ITO["orange"])
    assert len(_collection(figure, "points:similar").get_offsets()) == 2
    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_yticklabels()] == names
    benchmark_lines = [line for line in axes.lines if list(line.get_xdata()) == [52, 52]]
    assert len(benchmark_lines) == 1


def test_benchmark_chart_summary_title_without_highlight(close_figures):
    figure = plots.benchmark_chart(_comparison(), benchmark_label="London", measure="Visits (%)")
    close_figures(figure)
    assert _title(figure) == "Visits (%): 1 of 4 areas better than London, 1 worse"
    neutral = plots.benchmark_chart(_comparison(polarity=None))
    close_figures(neutral)
    assert _title(neutral) == "1 of 4 areas higher than England, 1 lower"
    higher = _collection(neutral, "points:higher")
    assert tuple(higher.get_facecolors()[0]) == to_rgba(plots.OKABE_ITO["reddish_purple"])


def test_benchmark_chart_marks_per_row_benchmarks(close_figures):
    ci = stats.proportion_ci([65, 40], [100, 100])
    frame = stats.compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], [50, 45], "high")
    figure = plots.benchmark_chart(frame)
    close_figures(figure)
    markers = [item for item in figure.axes[0].collections if item.get_label() == "England"]
    assert len(markers) == 1
    np.testing.assert_allclose(markers[0].get_offsets()[:, 0], [50, 45])


def test_benchmark_chart_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="compare_to_benchmark"):
        plots.benchmark_chart(pd.DataFrame({"value": [1.0]}))
