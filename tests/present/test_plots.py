"""Tests for lscb_analysis.present.plots: each chart's content, not just that it draws."""

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
from lscb_analysis.present import plots  # noqa: E402
from lscb_analysis.stats.benchmarking import compare_to_benchmark
from lscb_analysis.stats.funnels import funnel, funnel_curve
from lscb_analysis.stats.intervals import proportion_ci
from lscb_analysis.stats.xmr import xmr

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
    chart = xmr([*STABLE, 15], improvement="up", target=1)
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
    chart = xmr([*STABLE, 15], improvement="down")
    figure = plots.spc_chart(chart)
    close_figures(figure)
    concern = _collection(figure, "points:special_cause_concern")
    assert tuple(concern.get_facecolors()[0]) == to_rgba(plots.OKABE_ITO["orange"])
    assert _title(figure) == "Special cause concern at the latest point"


def test_spc_chart_common_cause_title_counts_earlier_signals(close_figures):
    chart = xmr([*STABLE[:6], 20, *STABLE[6:]], improvement="up")
    figure = plots.spc_chart(chart, measure="Visits")
    close_figures(figure)
    assert _title(figure) == (
        "Visits: Common cause at the latest point (1 earlier point of special cause)"
    )
    stable = plots.spc_chart(xmr(STABLE))
    close_figures(stable)
    assert _title(stable) == "Only common cause variation across 12 points"


def test_spc_chart_draws_limits_per_segment_and_the_target(close_figures):
    values = [5, 6] * 6 + [20, 21] * 6
    chart = xmr(values, rebase_at=[12], target=15)
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
    chart = xmr([3, 4, None, 5, 4])
    figure = plots.spc_chart(chart)
    close_figures(figure)
    assert _point_count(figure) == 4
    assert figure.get_supxlabel().startswith("Provisional limits")


def test_spc_chart_uses_text_labels_for_other_indexes(close_figures):
    index = [f"{year}-{year - 1999:02d}" for year in range(2010, 2022)]
    figure = plots.spc_chart(xmr(pd.Series(STABLE, index=index)))
    close_figures(figure)
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels[0] == "2010-11"


def test_spc_chart_does_not_touch_pyplot_state(close_figures):
    before = plt.get_fignums()
    close_figures(plots.spc_chart(xmr(STABLE)))
    assert plt.get_fignums() == before


def test_spc_chart_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="xmr"):
        plots.spc_chart(pd.DataFrame({"value": [1.0]}))


# ---------------------------------------------------------------------------------------
# funnel_plot
# ---------------------------------------------------------------------------------------

AREAS = ["Barnet", "Brent", "Camden", "Ealing", "Enfield", "Harrow"]


def _funnel_frame(**kwargs):
    result = funnel([20, 130, 12, 45, 8, 60], [100, 500, 100, 200, 60, 300], target=0.2, **kwargs)
    return result.set_axis(AREAS)


def test_funnel_plot_labels_outliers_and_highlights_the_chosen_area(close_figures):
    frame = _funnel_frame()
    figure = plots.funnel_plot(
        frame, highlight="Barnet", curve=funnel_curve(frame), polarity="high"
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
    curve = funnel_curve(frame, points=40)
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
    frame = funnel(numerators, denominators, overdispersion="multiplicative")
    figure = plots.funnel_plot(frame)
    close_figures(figure)
    note = [text for text in _texts(figure) if text.startswith("Limits")]
    assert note and "over-dispersion: multiplicative (phi = " in note[0]
    plain = plots.funnel_plot(funnel(numerators, denominators))
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
    ci = proportion_ci([65, 40, 55, 52], [100, 100, 100, 100])
    return compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], 52, polarity)


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
    ci = proportion_ci([65, 40], [100, 100])
    frame = compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], [50, 45], "high")
    figure = plots.benchmark_chart(frame)
    close_figures(figure)
    markers = [item for item in figure.axes[0].collections if item.get_label() == "England"]
    assert len(markers) == 1
    np.testing.assert_allclose(markers[0].get_offsets()[:, 0], [50, 45])


def test_benchmark_chart_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="compare_to_benchmark"):
        plots.benchmark_chart(pd.DataFrame({"value": [1.0]}))


# ---------------------------------------------------------------------------------------
# Suppressed values are never plotted (issue #10)
# ---------------------------------------------------------------------------------------

SECRET = 4321.0  # a value no chart may show: it would be a suppressed figure


def _drawn_numbers(figure: Figure) -> np.ndarray:
    """Every number the chart draws as data: line points, scatter offsets, segments, texts."""
    numbers = []
    for axes in figure.axes:
        for line in axes.lines:
            numbers += [
                np.asarray(line.get_xdata(), dtype=float),
                np.asarray(line.get_ydata(), dtype=float),
            ]
        for collection in axes.collections:
            numbers.append(np.asarray(collection.get_offsets(), dtype=float).ravel())
            for path in collection.get_paths():
                numbers.append(np.asarray(path.vertices, dtype=float).ravel())
        for text in axes.texts:
            numbers.append(np.asarray(text.get_position(), dtype=float))
    return np.concatenate(numbers) if numbers else np.array([])


def _suppressed_texts(figure: Figure) -> list:
    return [text for text in figure.axes[0].texts if text.get_gid() == "suppressed"]


def test_spc_chart_marks_suppressed_periods_without_their_value(close_figures):
    values = pd.Series(
        [5.0, 6, 5, 7, 6, 5, np.nan, 7, 5, 6],
        index=[f"{2023 + i // 4}Q{i % 4 + 1}" for i in range(10)],
    )
    chart = xmr(values, improvement="down")
    chart["state"] = ["ok"] * 6 + ["suppressed"] + ["ok"] * 3
    chart.loc["2024Q3", "value"] = SECRET  # even if a caller left the value in, it is not drawn
    figure = plots.spc_chart(chart, measure="Repeat plans")
    close_figures(figure)
    marks = _suppressed_texts(figure)
    assert [mark.get_text() for mark in marks] == ["c"]
    assert marks[0].get_position()[0] == 6  # at the suppressed quarter's position
    assert not np.isclose(_drawn_numbers(figure), SECRET).any()
    series_line = figure.axes[0].lines[0]
    assert np.isnan(np.asarray(series_line.get_ydata(), dtype=float)[6])  # a gap in the line
    assert _point_count(figure) == 9
    assert "Suppressed (small number)" in [
        t.get_text() for t in figure.axes[0].get_legend().get_texts()
    ]


def test_spc_chart_reads_the_published_status_column_too(close_figures):
    chart = xmr(pd.Series([10.0, np.nan, 12.0, 11.0], index=[2022, 2023, 2024, 2025]))
    chart["status"] = ["ok", "suppressed", "ok", "ok"]
    figure = plots.spc_chart(chart)
    close_figures(figure)
    assert [mark.get_position()[0] for mark in _suppressed_texts(figure)] == [2023]
    plain = plots.spc_chart(xmr(STABLE))
    close_figures(plain)
    assert _suppressed_texts(plain) == []


def test_funnel_plot_names_suppressed_units_instead_of_placing_them(close_figures):
    frame = funnel([20, 130, np.nan, 45, 30], [100, 500, np.nan, 200, 150], target=0.2)
    frame["status"] = ["ok", "ok", "suppressed", "ok", "ok"]
    frame.loc[2, ["value", "denominator"]] = [SECRET, SECRET]  # a careless caller
    names = ["Barnet", "Brent", "Kensington and Chelsea", "Ealing", "Camden"]
    figure = plots.funnel_plot(frame, labels=names, highlight="Kensington and Chelsea")
    close_figures(figure)
    notes = _suppressed_texts(figure)
    assert [note.get_text() for note in notes] == [
        "Suppressed (not placed): Kensington and Chelsea"
    ]
    assert not np.isclose(_drawn_numbers(figure), SECRET).any()
    assert _point_count(figure) == 4
    assert not [c for c in figure.axes[0].collections if c.get_gid() == "highlight"]
    assert _title(figure).startswith("Kensington and Chelsea's figure is suppressed; 1 of 4 areas")
    assert "Kensington and Chelsea" not in [
        t.get_text() for t in figure.axes[0].texts if t.get_gid() != "suppressed"
    ]


def test_funnel_plot_without_suppressed_units_has_no_note(close_figures):
    figure = plots.funnel_plot(_funnel_frame())
    close_figures(figure)
    assert _suppressed_texts(figure) == []


def test_benchmark_chart_keeps_a_suppressed_area_as_c(close_figures):
    frame = _comparison()
    frame["status"] = ["ok", "suppressed", "ok", "ok"]
    frame.loc[1, ["value", "lower", "upper"]] = [SECRET, SECRET - 1, SECRET + 1]
    names = ["Brent", "Camden", "Ealing", "Harrow"]
    figure = plots.benchmark_chart(frame, labels=names, highlight="Camden")
    close_figures(figure)
    marks = _suppressed_texts(figure)
    assert [mark.get_text() for mark in marks] == ["c"]
    assert marks[0].get_position()[1] == 2  # Camden's row (the first row is at the top)
    assert not np.isclose(_drawn_numbers(figure), SECRET).any()
    assert _point_count(figure) == 3
    assert _title(figure) == "Camden's figure is suppressed"
    summary = plots.benchmark_chart(frame, labels=names)
    close_figures(summary)
    assert _title(summary).startswith("1 of 3 areas better")


def test_small_multiples_never_draw_a_suppressed_value(close_figures):
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
    figure = plots.spc_small_multiples(points, panels, "One panel")
    close_figures(figure)
    assert len(_suppressed_texts(figure)) == 1
    assert not np.isclose(_drawn_numbers(figure), SECRET).any()


def test_chart_axes_name_their_unit_and_draw_clipped_limits():
    percent = xmr(
        [0.5, 4.0, 1.0, 5.0, 0.5, 3.5, 1.0, 4.5, 0.5, 4.0, 1.0, 5.0],
        improvement="down",
        value_range=(0, 100),
    )
    axes = plots.spc_chart(percent, measure="Re-referrals", unit="percent").axes[0]
    assert axes.get_ylabel() == "Per cent"
    drawn = np.concatenate(
        [line.get_ydata() for line in axes.get_lines() if line.get_linestyle() == "--"]
    )
    assert np.nanmin(drawn.astype(float)) == 0  # the lower limit is drawn at 0, not below
    percent.attrs["unit"] = "rate_per_10000"  # the frame's own unit when none is passed
    assert plots.spc_chart(percent).axes[0].get_ylabel() == "Rate per 10,000 children"

    result = funnel([20, 130, 12, 45], [100, 500, 100, 200], target=0.2)
    funnel_axes = plots.funnel_plot(result, unit="percent").axes[0]
    assert funnel_axes.get_ylabel() == "Per cent"
    assert funnel_axes.get_xlabel() == "Denominator (number)"
    ci = proportion_ci([65, 40, 55], [100, 100, 100])
    comparison = compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], 52, "high")
    bench = plots.benchmark_chart(comparison, labels=["A", "B", "C"], unit="percent")
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
        for ax in plots.trend_small_multiples(trends, "Barnet").axes
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
    small = plots.spc_small_multiples(points, panels, "One panel")
    assert small.axes[0].get_ylabel() == "Number"
