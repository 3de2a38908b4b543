"""Charts say their finding in figures (alt text) and carry the data behind them, suppressed."""

from __future__ import annotations

import pandas as pd

from lscb_analysis.present import chart_text, plots
from lscb_analysis.stats.benchmarking import compare_to_benchmark
from lscb_analysis.stats.funnels import funnel
from lscb_analysis.stats.intervals import proportion_ci
from lscb_analysis.stats.xmr import xmr


def _words():
    return chart_text.suppressed_text()


def test_funnel_alt_and_data_never_give_a_suppressed_value():
    result = funnel([20, 130, 12, 45], [100, 500, 100, 200], target=0.2)
    result = result.set_axis(["Barnet", "Brent", "Camden", "Ealing"])
    result["status"] = ["ok", "ok", "suppressed", "ok"]
    figure = plots.funnel_plot(result, highlight="Barnet", measure="Share")
    table = figure.lscb_data.set_index("Area")
    assert table.loc["Camden", "Share"] == _words() == table.loc["Camden", "Denominator"]
    assert table.loc["Brent", "Denominator"] == "500"
    assert (
        "3 areas placed" in figure.lscb_alt
        and "1 suppressed and not placed" in figure.lscb_alt
        and "Barnet: 0.20" in figure.lscb_alt
    )
    assert "0.12" not in figure.lscb_alt + table.to_string()  # Camden's 12/100


def test_benchmark_alt_names_the_area_its_interval_and_the_comparison():
    ci = proportion_ci([65, 40, 55], [100, 100, 100])
    comparison = compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], 52, "high")
    figure = plots.benchmark_chart(
        comparison, labels=["Brent", "Camden", "Ealing"], highlight="Brent", measure="Share"
    )
    assert "Brent: 65.0 (95% interval 55.3 to 73.6), better than England (52.0)" in figure.lscb_alt
    assert list(figure.lscb_data.columns) == [
        "Area",
        "Share",
        "95% interval: lower end",
        "95% interval: upper end",
        "England",
        "Compared with the benchmark",
    ]


def test_small_multiples_and_trends_describe_each_panel():
    points = pd.DataFrame(
        {
            "pi_id": ["A"] * 3,
            "period": ["2025Q1", "2025Q2", "2025Q3"],
            "order": [1, 2, 3],
            "value": [1.0, 2.0, 3.0],
            "state": ["ok", "ok", "suppressed"],
            "mean": [2.0] * 3,
            "lpl": [0.0] * 3,
            "upl": [4.0] * 3,
            "variation": ["common_cause"] * 3,
        }
    )
    panels = pd.DataFrame(
        {"pi_id": ["A"], "heading": ["A: common cause"], "target": [float("nan")]}
    )
    figure = plots.spc_small_multiples(points, panels, "One panel")
    assert f"A: common cause: latest (2025Q3) {_words()}" in figure.lscb_alt
    assert figure.lscb_data["Value"].tolist() == ["1", "2", _words()]
    trends = pd.DataFrame(
        {
            "indicator": ["a"] * 4,
            "short_title": ["Rate A"] * 4,
            "period": [2024, 2025, 2024, 2025],
            "series": ["Barnet"] * 2 + ["England"] * 2,
            "value": [1.0, 2.5, 1.5, 9.0],
            "status": ["ok", "ok", "ok", "suppressed"],
        }
    )
    figure = plots.trend_small_multiples(trends, "Barnet")
    assert "Barnet: Rate A 1.0 (2023-24) to 2.5 (2024-25)" in figure.lscb_alt
    england = figure.lscb_data.set_index("Series").loc["England"]
    assert england["2024-25"] == _words() and "9" not in england.to_string()


def test_heatmaps_say_status_in_words_and_symbols_beside_colour():
    grid = pd.DataFrame(
        {"P1": ["national", "wanted"], "P2": ["collected", None]}, index=["Barnet", "Brent"]
    )
    colours = {"national": "#0072B2", "collected": "#009E73", "wanted": "#E69F00"}
    figure = plots.status_heatmap(grid, colours, "Statuses")
    axes = figure.axes[0]
    symbols = sorted(t.get_text() for t in axes.texts if t.get_gid() == "status-symbol")
    assert symbols == ["C", "N", "W"]
    assert [t.get_text() for t in axes.get_legend().get_texts()] == [
        "N = national",
        "C = collected",
        "W = wanted",
    ]
    # statuses in the words of code_labels.csv, as the presenter shows them
    assert (
        "2 rows by 2 columns: 1 published nationally, 1 collected locally, 1 wanted"
        in figure.lscb_alt
    )
    counts = plots.count_heatmap(pd.DataFrame({"A": [0, 2]}, index=["x", "y"]), "Two items")
    assert sorted(t.get_text() for t in counts.axes[0].texts) == ["0", "2"]  # 0 is written
    assert "highest 2 (y, A)" in counts.lscb_alt
    cats = plots.category_grid(
        pd.DataFrame({"A": ["provided", "partly"]}, index=["p1", "p2"]),
        "Grid",
        {"provided": "#0072B2", "partly": "#56B4E9"},
    )
    assert sorted(t.get_text() for t in cats.axes[0].texts if t.get_gid() == "status-symbol") == [
        "PA",
        "PR",
    ]


def test_share_bars_alt_gives_the_highlighted_row_in_percent():
    table = pd.DataFrame({"council": [0.5, 0.25], "police": [0.5, 0.75]}, index=["Barnet", "Brent"])
    figure = plots.share_bars(table, "Who supplies the data", highlight="Brent")
    assert "2 bars; Brent: council 25%, police 75%" in figure.lscb_alt
    assert figure.lscb_data.iloc[0].tolist() == ["Barnet", "50%", "50%"]


def test_every_chart_alt_text_is_its_own():
    first = plots.spc_chart(xmr([5, 6, 5, 7, 6, 5, 6, 7]), measure="A")
    second = plots.spc_chart(xmr([50, 60, 50, 70, 60, 50, 60, 70]), measure="A")
    assert first.lscb_alt != second.lscb_alt
    metadata = chart_text.chart_metadata(first)
    assert (
        metadata["alt"] == first.lscb_alt
        and metadata["rows"]
        and metadata["columns"][0] == "Period"
    )
