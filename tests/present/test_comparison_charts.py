"""Tests for lscb_analysis.present.comparison_charts: funnel and benchmark charts' content."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from lscb_analysis.core.errors import InvalidArgumentError  # noqa: E402
from lscb_analysis.present import chart_style, comparison_charts  # noqa: E402
from lscb_analysis.stats.benchmarking import compare_to_benchmark  # noqa: E402
from lscb_analysis.stats.funnels import funnel, funnel_curve  # noqa: E402
from lscb_analysis.stats.intervals import proportion_ci  # noqa: E402

SECRET = 4321.0  # a value no chart may show: it would be a suppressed figure

# ---------------------------------------------------------------------------------------
# funnel_plot
# ---------------------------------------------------------------------------------------

AREAS = ["Barnet", "Brent", "Camden", "Ealing", "Enfield", "Harrow"]


def _funnel_frame(**kwargs):
    # Normal limits on the natural scale, so that the drawing tests have one unit below the
    # 95% limit only (Camden, 12 of 100 against 0.2: z = -2.0; the exact binomial test gives
    # P(X <= 12) = 0.0253, within the limits).
    options = {"method": "normal", "scale": "natural", **kwargs}
    result = funnel([20, 130, 12, 45, 8, 60], [100, 500, 100, 200, 60, 300], target=0.2, **options)
    return result.set_axis(AREAS)


def test_funnel_plot_labels_outliers_and_highlights_the_chosen_area(close_figures, chart_probe):
    frame = _funnel_frame()
    figure = comparison_charts.funnel_plot(
        frame, highlight="Barnet", curve=funnel_curve(frame), polarity="high"
    )
    close_figures(figure)
    assert (
        chart_probe.title(figure)
        == "Barnet is within the limits; 1 of 6 areas outside the 99.8% limits"
    )
    assert chart_probe.point_count(figure) == 6
    texts = chart_probe.texts(figure)
    assert {"Brent", "Camden", "Barnet"} <= set(texts)  # two outliers and the chosen area
    assert "Ealing" not in texts and "Harrow" not in texts
    highlight = chart_probe.collection(figure, "highlight")
    assert tuple(highlight.get_offsets()[0]) == (100, 0.2)
    high = chart_probe.collection(figure, "points:high_998")
    assert tuple(high.get_facecolors()[0]) == to_rgba(chart_style.STATUS_COLOURS["better"])
    low = chart_probe.collection(figure, "points:low_95")
    assert tuple(low.get_edgecolors()[0]) == to_rgba(chart_style.STATUS_COLOURS["worse"])
    assert tuple(low.get_facecolors()[0]) == to_rgba("white")  # 95% only: open circle


def test_funnel_plot_draws_both_limit_pairs_and_the_target(close_figures, chart_probe):
    frame = _funnel_frame()
    curve = funnel_curve(frame, points=40)
    figure = comparison_charts.funnel_plot(frame, curve=curve)
    close_figures(figure)
    lines = figure.axes[0].lines
    assert len(lines) == 5
    assert sum(line.get_linestyle() == "--" for line in lines) == 2
    assert sum(line.get_linestyle() == "-" for line in lines) == 3
    upper_998 = [line for line in lines if line.get_ydata()[0] == curve["upper_998"].iloc[0]]
    assert len(upper_998) == 1 and len(upper_998[0].get_xdata()) == 40
    assert chart_probe.title(figure) == "1 of 6 areas outside the 99.8% limits"


def test_funnel_plot_without_curve_joins_the_unit_limits(close_figures, chart_probe):
    frame = _funnel_frame()
    figure = comparison_charts.funnel_plot(frame, measure="Re-referrals")
    close_figures(figure)
    for line in figure.axes[0].lines:
        assert list(line.get_xdata()) == sorted(frame["denominator"])
    assert chart_probe.title(figure).startswith("Re-referrals: ")


def test_funnel_plot_states_the_overdispersion_method(close_figures, chart_probe):
    numerators = [12, 30, 45, 60, 22, 90, 15, 70, 40, 33, 150, 5]
    denominators = [100, 150, 300, 250, 200, 400, 120, 280, 260, 210, 500, 90]
    frame = funnel(numerators, denominators, overdispersion="multiplicative")
    figure = comparison_charts.funnel_plot(frame)
    close_figures(figure)
    note = [text for text in chart_probe.texts(figure) if text.startswith("Limits")]
    phi = f"{frame.attrs['phi']:.2f}"
    assert note and note[0].replace("\n", " ") == (
        "Limits: 95% (dashed) and 99.8% (solid) around the target: widened for "
        f"over-dispersion (Spiegelhalter 2005, multiplicative: phi = {phi} on the arcsine "
        "square-root scale, z-scores winsorised 10%); normal limits on that scale"
    )
    plain = comparison_charts.funnel_plot(funnel(numerators, denominators))
    close_figures(plain)
    assert any(
        "target: exact binomial limits (PHE funnel method); no over-dispersion adjustment"
        in text.replace("\n", " ")
        for text in chart_probe.texts(plain)
    )


def test_funnel_plot_note_names_the_method_of_each_funnel(close_figures, chart_probe):
    rates = funnel([0, 3, 9], [10000, 20000, 30000], kind="rate", method="normal", scale="natural")
    figure = comparison_charts.funnel_plot(rates)
    close_figures(figure)
    assert any(
        text.replace("\n", " ").endswith(
            "target: normal approximation on the natural scale (FunnelPlotR); "
            "no over-dispersion adjustment"
        )
        for text in chart_probe.texts(figure)
    )
    needless = funnel([20, 40, 60], [100, 200, 300], kind="rate", overdispersion="additive")
    figure = comparison_charts.funnel_plot(needless)
    close_figures(figure)
    assert any(
        "exact Poisson limits (PHE funnel method); no over-dispersion adjustment needed "
        "(additive estimate on the log scale: phi = 0.00)" in text.replace("\n", " ")
        for text in chart_probe.texts(figure)
    )


def test_funnel_plot_without_polarity_uses_neutral_colours(close_figures, chart_probe):
    figure = comparison_charts.funnel_plot(_funnel_frame())
    close_figures(figure)
    high = chart_probe.collection(figure, "points:high_998")
    assert tuple(high.get_facecolors()[0]) == to_rgba(chart_style.OKABE_ITO["reddish_purple"])


def test_funnel_plot_rejects_unknown_highlight_and_bad_labels():
    frame = _funnel_frame()
    with pytest.raises(InvalidArgumentError, match="highlight"):
        comparison_charts.funnel_plot(frame, highlight="Nowhere")
    with pytest.raises(InvalidArgumentError, match="labels"):
        comparison_charts.funnel_plot(frame, labels=["A"])
    with pytest.raises(InvalidArgumentError, match="funnel"):
        comparison_charts.funnel_plot(pd.DataFrame({"value": [1.0]}))


# ---------------------------------------------------------------------------------------
# benchmark_chart
# ---------------------------------------------------------------------------------------


def _comparison(polarity="high"):
    ci = proportion_ci([65, 40, 55, 52], [100, 100, 100, 100])
    return compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], 52, polarity)


def test_benchmark_chart_colours_by_comparison_and_states_the_finding(close_figures, chart_probe):
    frame = _comparison()
    names = ["Brent", "Camden", "Ealing", "Harrow"]
    figure = comparison_charts.benchmark_chart(frame, labels=names, highlight="Camden")
    close_figures(figure)
    assert chart_probe.title(figure) == "Camden is worse than England"
    assert chart_probe.point_count(figure) == 4
    better = chart_probe.collection(figure, "points:better")
    assert tuple(better.get_facecolors()[0]) == to_rgba(chart_style.OKABE_ITO["blue"])
    worse = chart_probe.collection(figure, "points:worse")
    assert tuple(worse.get_facecolors()[0]) == to_rgba(chart_style.OKABE_ITO["orange"])
    assert len(chart_probe.collection(figure, "points:similar").get_offsets()) == 2
    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_yticklabels()] == names
    benchmark_lines = [line for line in axes.lines if list(line.get_xdata()) == [52, 52]]
    assert len(benchmark_lines) == 1


def test_benchmark_chart_summary_title_without_highlight(close_figures, chart_probe):
    figure = comparison_charts.benchmark_chart(
        _comparison(), benchmark_label="London", measure="Visits (%)"
    )
    close_figures(figure)
    assert chart_probe.title(figure) == "Visits (%): 1 of 4 areas better than London, 1 worse"
    neutral = comparison_charts.benchmark_chart(_comparison(polarity=None))
    close_figures(neutral)
    assert chart_probe.title(neutral) == "1 of 4 areas higher than England, 1 lower"
    higher = chart_probe.collection(neutral, "points:higher")
    assert tuple(higher.get_facecolors()[0]) == to_rgba(chart_style.OKABE_ITO["reddish_purple"])


def test_benchmark_chart_marks_per_row_benchmarks(close_figures):
    ci = proportion_ci([65, 40], [100, 100])
    frame = compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], [50, 45], "high")
    figure = comparison_charts.benchmark_chart(frame)
    close_figures(figure)
    markers = [item for item in figure.axes[0].collections if item.get_label() == "England"]
    assert len(markers) == 1
    np.testing.assert_allclose(markers[0].get_offsets()[:, 0], [50, 45])


def test_benchmark_chart_rejects_other_frames():
    with pytest.raises(InvalidArgumentError, match="compare_to_benchmark"):
        comparison_charts.benchmark_chart(pd.DataFrame({"value": [1.0]}))


# ---------------------------------------------------------------------------------------
# Suppressed values are never plotted (issue #10)
# ---------------------------------------------------------------------------------------


def test_funnel_plot_names_suppressed_units_instead_of_placing_them(close_figures, chart_probe):
    frame = funnel([20, 130, np.nan, 45, 30], [100, 500, np.nan, 200, 150], target=0.2)
    frame["status"] = ["ok", "ok", "suppressed", "ok", "ok"]
    frame.loc[2, ["value", "denominator"]] = [SECRET, SECRET]  # a careless caller
    names = ["Barnet", "Brent", "Kensington and Chelsea", "Ealing", "Camden"]
    figure = comparison_charts.funnel_plot(frame, labels=names, highlight="Kensington and Chelsea")
    close_figures(figure)
    notes = chart_probe.suppressed_texts(figure)
    assert [note.get_text() for note in notes] == [
        "Not placed: Kensington and Chelsea (suppressed)"
    ]
    assert not np.isclose(chart_probe.drawn_numbers(figure), SECRET).any()
    assert chart_probe.point_count(figure) == 4
    assert not [c for c in figure.axes[0].collections if c.get_gid() == "highlight"]
    assert chart_probe.title(figure).startswith(
        "Kensington and Chelsea's figure is suppressed; 1 of 4 areas"
    )
    assert "Kensington and Chelsea" not in [
        t.get_text() for t in figure.axes[0].texts if t.get_gid() != "suppressed"
    ]


def test_funnel_plot_without_suppressed_units_has_no_note(close_figures, chart_probe):
    figure = comparison_charts.funnel_plot(_funnel_frame())
    close_figures(figure)
    assert chart_probe.suppressed_texts(figure) == []


def test_benchmark_chart_keeps_a_suppressed_area_as_c(close_figures, chart_probe):
    frame = _comparison()
    frame["status"] = ["ok", "suppressed", "ok", "ok"]
    frame.loc[1, ["value", "lower", "upper"]] = [SECRET, SECRET - 1, SECRET + 1]
    names = ["Brent", "Camden", "Ealing", "Harrow"]
    figure = comparison_charts.benchmark_chart(frame, labels=names, highlight="Camden")
    close_figures(figure)
    marks = chart_probe.suppressed_texts(figure)
    assert [mark.get_text() for mark in marks] == ["c"]
    assert marks[0].get_position()[1] == 2  # Camden's row (the first row is at the top)
    assert not np.isclose(chart_probe.drawn_numbers(figure), SECRET).any()
    assert chart_probe.point_count(figure) == 3
    assert chart_probe.title(figure) == "Camden's figure is suppressed"
    summary = comparison_charts.benchmark_chart(frame, labels=names)
    close_figures(summary)
    assert chart_probe.title(summary).startswith("1 of 3 areas better")


def test_funnel_plot_accounts_for_every_area_not_placed(close_figures, chart_probe):
    # A suppressed figure, an area with no denominator and one with a denominator of zero:
    # none is placed; the note and the data table name each with its reason.
    frame = funnel([20, 130, np.nan, 0, 0, 30], [100, 500, np.nan, np.nan, 0, 150], target=0.2)
    frame["status"] = ["ok", "ok", "suppressed", "ok", "ok", "ok"]
    names = ["Barnet", "Brent", "Kensington and Chelsea", "City of London", "Sutton", "Camden"]
    figure = comparison_charts.funnel_plot(frame, labels=names, highlight="City of London")
    close_figures(figure)
    notes = [note.get_text().replace("\n", " ") for note in chart_probe.suppressed_texts(figure)]
    assert notes == [
        "Not placed: Kensington and Chelsea (suppressed); City of London (no denominator "
        "published); Sutton (a denominator of zero)"
    ]
    assert chart_probe.point_count(figure) == 3
    assert chart_probe.title(figure).startswith(
        "City of London is not placed (no denominator published); 1 of 3 areas"
    )
    table = figure.lscb_data
    assert table["Position"].iloc[2].startswith("suppressed")
    assert table["Position"].tolist()[3:5] == [
        "not placed: no denominator published",
        "not placed: a denominator of zero",
    ]
    assert "3 areas placed" in figure.lscb_alt and "2 not placed for another reason" in (
        figure.lscb_alt
    )
