"""Trend charts of published indicators: small multiples of an area against its comparators.

Colours and shared drawing helpers: :mod:`lscb_analysis.present.chart_style`.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
from matplotlib.figure import Figure

from lscb_analysis.core import indicators
from lscb_analysis.present import chart_text
from lscb_analysis.present.chart_style import (
    GREY,
    OKABE_ITO,
    axis_title,
    require_columns,
)
from lscb_analysis.present.chart_text import ChartFigure

# Series styles for the borough profile's trend charts: the borough is always the strongest
# line; London, England and the neighbours' mean are thinner, with their own markers.
TREND_SERIES_STYLE: dict[str, dict] = {
    "borough": {"color": OKABE_ITO["blue"], "linewidth": 2.6, "marker": "o", "zorder": 4},
    "London": {"color": OKABE_ITO["orange"], "linewidth": 1.6, "marker": "s", "zorder": 3},
    "England": {"color": OKABE_ITO["black"], "linewidth": 1.4, "marker": "^", "zorder": 2},
    "Statistical neighbours (mean)": {
        "color": OKABE_ITO["bluish_green"],
        "linewidth": 1.6,
        "marker": "D",
        "linestyle": "--",
        "zorder": 2,
    },
}


def _indicator_unit(indicator_id: str) -> str | None:
    """An indicator's unit from indicators.csv, None when it is not listed there."""
    metadata = indicators.load_metadata()
    return str(metadata.at[indicator_id, "unit"]) if indicator_id in metadata.index else None


def trend_small_multiples(
    trends: pd.DataFrame, area_name: str, title: str | None = None, columns: int = 4
) -> Figure:
    """Small-multiple line charts: a borough against London, England and its neighbours.

    Args:
        trends: :func:`lscb_analysis.published.profile.trend_frame` (``indicator, short_title, period,
            series, value, status``).
        area_name: the borough's name; its series is drawn strongest.
        title: the figure's title (state the finding); by default it names the borough and years.
        columns: panels per row.

    Returns:
        A Figure with one panel per indicator, titled with the indicator's short title.
        Missing or suppressed values leave a gap in the line: they are never drawn as zero.

    Raises:
        InvalidArgumentError: ``trends`` lacks a required column.

    >>> frame = pd.DataFrame({"indicator": ["a"] * 4, "short_title": ["A"] * 4,
    ...     "period": [2024, 2025, 2024, 2025], "series": ["Barnet"] * 2 + ["England"] * 2,
    ...     "value": [1.0, 2.0, 1.5, float("nan")], "status": ["ok", "ok", "ok", "suppressed"]})
    >>> figure = trend_small_multiples(frame, "Barnet")
    >>> [ax.get_title(loc="left") for ax in figure.axes if ax.get_visible()]
    ['A']
    """
    require_columns(
        trends,
        {"indicator", "short_title", "period", "series", "value", "status"},
        "profile.trend_frame",
    )
    order = list(dict.fromkeys(trends["indicator"]))
    rows = max(1, math.ceil(len(order) / columns))
    figure = ChartFigure(figsize=(3.1 * columns, 2.4 * rows + 1.0), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).flat
    years = sorted(trends["period"].unique())
    for ax, indicator_id in zip(axes, order, strict=False):
        panel = trends[trends["indicator"] == indicator_id]
        for series, points in panel.groupby("series", sort=False):
            style = TREND_SERIES_STYLE.get(
                "borough" if series == area_name else series, {"color": GREY, "linewidth": 1.2}
            )
            shown = points.sort_values("period")
            # NaN breaks the line, so a suppressed year is a visible gap, not a zero.
            ax.plot(
                shown["period"],
                shown["value"].where(shown["status"] == "ok"),
                markersize=3.5,
                label=series,
                **style,
            )
        ax.set_title(textwrap.shorten(panel["short_title"].iloc[0], 34), fontsize=9, loc="left")
        unit = panel["unit"].iloc[0] if "unit" in panel.columns else _indicator_unit(indicator_id)
        ax.set_ylabel(axis_title(None, unit), fontsize=7)
        ax.tick_params(labelsize=7)
        ax.set_xticks(years[:: max(1, math.ceil(len(years) / 4))])
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(figure.axes)[len(order) :]:
        ax.set_visible(False)
    handles, labels = figure.axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=4, frameon=False, fontsize=8)
    span = f"{min(years)} to {max(years)}" if years else ""
    figure.suptitle(
        title or f"{area_name} against London, England and its statistical neighbours, {span}",
        fontsize=11,
        x=0.01,
        ha="left",
    )
    return chart_text.attach(figure, *chart_text.trend_text(trends, area_name))
