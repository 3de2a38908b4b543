"""Making Data Count SPC (XmR) charts: one indicator's chart, and small multiples of several.

Each takes the frame of :func:`lscb_analysis.stats.xmr.xmr` (limits, signals and the
variation and assurance read from it, never recomputed) and returns a Figure whose title
states the finding. Colours and shared drawing helpers: :mod:`lscb_analysis.present.chart_style`.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.present import chart_text, latest
from lscb_analysis.present.chart_style import (
    GREY,
    LIGHT_GREY,
    OKABE_ITO,
    STATUS_COLOURS,
    axis_title,
    mark_suppressed,
    measure_prefix,
    new_figure,
    require_columns,
    suppressed_handle,
    suppressed_rows,
)
from lscb_analysis.present.chart_text import ChartFigure
from lscb_analysis.stats.xmr import xmr_summary

_VARIATION_TEXT = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause improvement",
    "special_cause_concern": "Special cause concern",
    "special_cause_neither": "Special cause variation",
}

_ICON_TEXT = {
    "common_cause": "Common cause",
    "improvement_high": "Improvement (high)",
    "improvement_low": "Improvement (low)",
    "concern_high": "Concern (high)",
    "concern_low": "Concern (low)",
    "neither_high": "Special cause (high)",
    "neither_low": "Special cause (low)",
}

_ASSURANCE_TEXT = {
    "consistently_pass": "will consistently pass the target",
    "consistently_fail": "will consistently fail the target",
    "hit_and_miss": "will hit and miss the target",
}


def _positions(index: pd.Index) -> tuple[np.ndarray, list[str] | None]:
    """x positions for an index: dates and numbers as they are, other labels by position."""
    if isinstance(index, pd.DatetimeIndex) or pd.api.types.is_numeric_dtype(index):
        return np.asarray(index), None
    return np.arange(len(index)), [str(label) for label in index]


def _segments(frame: pd.DataFrame) -> list[tuple[int, int]]:
    starts = [0, *frame.attrs.get("rebase_at", [])]
    stops = [*starts[1:], len(frame)]
    return list(zip(starts, stops, strict=True))


def _spc_title(frame: pd.DataFrame, summary: pd.Series, measure: str | None) -> str:
    variation = summary["variation"]
    if variation != "common_cause":
        finding = f"{_VARIATION_TEXT[variation].lower()} at the latest point"
        finding = finding[0].upper() + finding[1:]
    else:
        special = int(frame["special_cause"].sum())
        points = int((frame["value"].notna().to_numpy() & ~suppressed_rows(frame)).sum())
        if special:
            noun = "point" if special == 1 else "points"
            finding = (
                f"Common cause at the latest point ({special} earlier {noun} of special cause)"
            )
        else:
            finding = f"Only common cause variation across {points} points"
    title = measure_prefix(measure) + finding
    if summary["assurance"] is not None:
        title += f"\nThe process {_ASSURANCE_TEXT[summary['assurance']]}"
    return title


def _latest_summary(frame: pd.DataFrame) -> tuple:
    """The latest period's verdict and :func:`xmr_summary`, without icons when it has no
    value (:func:`lscb_analysis.present.latest.latest_verdict`)."""
    verdict = latest.latest_verdict(frame, frame.attrs.get("period"))
    if not verdict.has_value:
        # No icon for a latest period without a value; nor any summary at all, which a series
        # whose every figure is suppressed could not have (xmr_summary needs a value).
        return verdict, pd.Series({"variation": None, "assurance": None, "variation_icon": None})
    return verdict, xmr_summary(frame).iloc[0]


def _year_labels(frame: pd.DataFrame, tick_labels: list[str] | None) -> list[str] | None:
    """Reporting years (the deep dive's frames carry an int ``period``) written as the
    verdicts write them, "2023-24"; other labels unchanged."""
    if tick_labels is None and isinstance(frame.attrs.get("period"), int):
        return [latest.period_text(label) for label in frame.index]
    return tick_labels


def spc_chart(
    frame: pd.DataFrame,
    measure: str | None = None,
    title: str | None = None,
    show_two_sigma: bool = False,
    unit: str | None = None,
) -> Figure:
    """Making Data Count XmR chart of an :func:`lscb_analysis.stats.xmr.xmr` result.

    Points are coloured by their ``variation`` (improvement blue, concern orange, common
    cause grey, special cause without a direction purple). The mean is a solid line and
    the process limits dashed, drawn separately for each segment when the chart was
    rebased; a target in ``frame.attrs`` is a dashed vermillion line. The variation and
    assurance icons of :func:`lscb_analysis.stats.xmr.xmr_summary` are shown as text labels,
    and a provisional-limits warning as a footnote.

    A suppressed row (a ``state`` or ``status`` column saying "suppressed", see
    :func:`suppressed_rows`) is never drawn with its value, even if the frame still holds
    one: the line has a gap there and a grey "c" sits on the x axis at its period. Give
    such rows a missing value before ``stats.xmr`` so they stay out of the limits too.

    Args:
        frame: the DataFrame returned by ``stats.xmr``; a Series index of dates or numbers
            is used for the x axis, other labels are shown as tick labels.
        measure: name of the measure, used in the title and the y-axis label.
        title: overrides the automatic title, which states the finding.
        show_two_sigma: also draw the 2-sigma lines (dotted).
        unit: the measure's unit, for the y-axis title (default ``frame.attrs['unit']``;
            ``axis_title``). Limits are drawn as the frame holds them: ``stats.xmr`` clips
            them to the unit's range (``value_range``).

    The icons describe the frame's last row (the report's latest period,
    :func:`lscb_analysis.present.latest.latest_verdict`): when it has no value (suppressed, missing,
    not yet due) no icon is drawn and the title says so, never an earlier point's signal.

    Returns:
        The Figure. Each point group is a scatter collection whose ``gid`` is
        ``"points:<variation>"``; each suppressed marker is a text with ``gid``
        ``"suppressed"``.

    Raises:
        InvalidArgumentError: ``frame`` is not an XmR chart.

    Example:
        >>> from lscb_analysis.stats.xmr import xmr
        >>> chart = xmr([5, 6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 15], improvement="down")
        >>> figure = spc_chart(chart, measure="Re-referrals")
        >>> figure.axes[0].get_title(loc="left")
        'Re-referrals: Special cause concern at the latest point'
    """
    require_columns(
        frame,
        {
            "value",
            "mean",
            "lpl",
            "upl",
            "lower_2sigma",
            "upper_2sigma",
            "special_cause",
            "variation",
        },
        "xmr",
    )
    verdict, summary = _latest_summary(frame)
    figure, axes = new_figure()
    x, tick_labels = _positions(frame.index)
    hidden = suppressed_rows(frame)
    values = frame["value"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    values[hidden] = np.nan  # never drawn, whatever the frame holds

    axes.plot(x, values, color=LIGHT_GREY, linewidth=1.2, zorder=1)
    for start, stop in _segments(frame):
        part = slice(start, stop)
        axes.plot(
            x[part], frame["mean"].to_numpy()[part], color=STATUS_COLOURS["centre"], linewidth=1.2
        )
        for column in ("lpl", "upl"):
            axes.plot(
                x[part],
                frame[column].to_numpy()[part],
                color=STATUS_COLOURS["limit"],
                linestyle="--",
                linewidth=1.1,
            )
        if show_two_sigma:
            for column in ("lower_2sigma", "upper_2sigma"):
                axes.plot(
                    x[part],
                    frame[column].to_numpy()[part],
                    color=LIGHT_GREY,
                    linestyle=":",
                    linewidth=1.0,
                )
    target = frame.attrs.get("target")
    if target is not None:
        axes.axhline(target, color=STATUS_COLOURS["target"], linestyle="--", linewidth=1.2)

    for variation, text in _VARIATION_TEXT.items():
        mask = (frame["variation"] == variation).to_numpy() & ~np.isnan(values)
        if mask.any():
            axes.scatter(
                x[mask],
                values[mask],
                s=36,
                color=STATUS_COLOURS[variation],
                edgecolors="none",
                label=text,
                zorder=3,
                gid=f"points:{variation}",
            )

    icon = _ICON_TEXT[summary["variation_icon"]] if verdict.has_value else verdict.spc_text()
    icon_colour = STATUS_COLOURS.get(summary["variation"], GREY) if verdict.has_value else "white"

    axes.text(
        0.99,
        1.0,
        f"Variation: {icon}",
        transform=axes.transAxes,
        ha="right",
        va="bottom",
        fontsize=9,
        # White reads well on blue and purple; black on grey and orange.
        color="white"
        if icon_colour in (OKABE_ITO["blue"], OKABE_ITO["reddish_purple"])
        else "black",
        bbox={"boxstyle": "round", "facecolor": icon_colour, "edgecolor": "none"},
        gid="icon:variation",
    )
    if summary["assurance"] is not None:
        axes.text(
            0.01,
            1.0,
            f"Assurance: {summary['assurance'].replace('_', ' ')}",
            transform=axes.transAxes,
            ha="left",
            va="bottom",
            fontsize=9,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": GREY},
            gid="icon:assurance",
        )
    if frame.attrs.get("warning"):
        # supxlabel takes part in the constrained layout, so it never overlaps the ticks.
        figure.supxlabel(
            textwrap.fill(f"Provisional limits: {frame.attrs['warning']}", 110),
            fontsize=8,
            color=GREY,
            x=0.01,
            ha="left",
        )

    handles, labels = axes.get_legend_handles_labels()
    handles += [
        Line2D([], [], color=STATUS_COLOURS["centre"], label="Mean"),
        Line2D([], [], color=STATUS_COLOURS["limit"], linestyle="--", label="Process limits"),
    ]
    if target is not None:
        handles.append(
            Line2D([], [], color=STATUS_COLOURS["target"], linestyle="--", label="Target")
        )
    if hidden.any():
        mark_suppressed(axes, x[hidden])
        handles.append(suppressed_handle())
    axes.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9
    )
    tick_labels = _year_labels(frame, tick_labels)
    if tick_labels is not None:
        step = max(1, math.ceil(len(tick_labels) / 12))
        axes.set_xticks(x[::step], tick_labels[::step], rotation=45, ha="right")
    axes.set_ylabel(axis_title(measure, unit or frame.attrs.get("unit")))
    automatic = (
        _spc_title(frame, summary, measure)
        if verdict.has_value
        else (f"{measure_prefix(measure)}{verdict.text}; variation not assessed")
    )
    axes.set_title(title if title is not None else automatic, loc="left", pad=22)
    return chart_text.attach(figure, *chart_text.spc_text(frame, hidden, measure))


def _draw_target(ax: Axes, x: np.ndarray, series: pd.DataFrame, target: float) -> None:
    """The panel's target: a step line from the points' own ``target`` when they carry one
    (so a target changed by a board steps where it changed), else a flat line at ``target``."""
    own = (
        series["target"].to_numpy(dtype=float, na_value=np.nan)
        if "target" in series.columns
        else np.full(len(series), np.nan)
    )
    if len(own) and not np.isnan(own).all() and np.unique(own[~np.isnan(own)]).size > 1:
        ax.step(
            x,
            own,
            where="mid",
            color=STATUS_COLOURS["target"],
            linestyle="--",
            linewidth=1.0,
            gid="target:step",
        )
    elif not pd.isna(target):
        ax.axhline(target, color=STATUS_COLOURS["target"], linestyle="--", linewidth=1.0)


def spc_small_multiples(
    points: pd.DataFrame,
    panels: pd.DataFrame,
    title: str,
    columns: int = 3,
    panel_size: tuple[float, float] = (4.0, 2.9),
) -> Figure:
    """Small-multiple XmR charts, one panel per measure, from already computed points.

    Used for the score cards' exception PIs. Each panel draws the series, its mean (solid)
    and process limits (dashed) where they were computed, the target (dashed vermillion), and
    the points coloured by their ``variation`` as :func:`spc_chart` does. When ``points`` has a
    ``target`` column (the target applying in each period) and it changed, the target is a
    step line (``gid`` ``"target:step"``) changing where the new target applies. A point whose
    ``state`` is ``suppressed`` is marked "c" on the axis without its value; other missing
    points leave a gap. Nothing is recomputed.

    Args:
        points: one row per measure and period: ``pi_id, period, order, value, state, mean,
            lpl, upl, variation`` (:attr:`lscb_analysis.scorecard.scorecard.Scorecard.points`).
        panels: one row per panel, in order: ``pi_id, heading`` (the panel title, e.g. the
            variation icon's words) and ``target`` (NaN for none).
        title: the figure's title (state the finding).
        columns: panels per row.
        panel_size: each panel's width and height in inches (headings wrap to the width).

    Returns:
        A Figure with one visible Axes per panel; suppressed markers have ``gid``
        ``"suppressed"``.

    Raises:
        InvalidArgumentError: a required column is missing.

    >>> points = pd.DataFrame({"pi_id": ["A"] * 3, "period": ["2025Q1", "2025Q2", "2025Q3"],
    ...     "order": [1, 2, 3], "value": [1.0, float("nan"), 3.0],
    ...     "state": ["ok", "suppressed", "ok"], "mean": [2.0] * 3, "lpl": [0.0] * 3,
    ...     "upl": [4.0] * 3, "variation": ["common_cause", None, "common_cause"]})
    >>> panels = pd.DataFrame({"pi_id": ["A"], "heading": ["A: common cause"],
    ...                        "target": [float("nan")]})
    >>> figure = spc_small_multiples(points, panels, "One panel")
    >>> [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "suppressed"]
    ['c']
    """
    require_columns(
        points,
        {"pi_id", "period", "order", "value", "state", "mean", "lpl", "upl", "variation"},
        "xmr (via the score card's points)",
    )
    if not {"pi_id", "heading", "target"} <= set(panels.columns):
        raise InvalidArgumentError("panels must have the columns pi_id, heading and target.")
    count = max(1, len(panels))
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    width, height = panel_size
    figure = ChartFigure(figsize=(width * columns, height * rows + 1.1))
    axes = figure.subplots(rows, columns, squeeze=False).flat
    heading_width = max(24, round(12 * width))  # characters of 8-point type per line
    for ax, panel in zip(axes, panels.itertuples(index=False), strict=False):
        series = points[points["pi_id"] == panel.pi_id].sort_values("order")
        x = np.arange(len(series))
        values = series["value"].to_numpy(dtype=float, na_value=np.nan, copy=True)
        values[suppressed_rows(series)] = np.nan  # never drawn, whatever the frame holds
        ax.plot(x, values, color=LIGHT_GREY, linewidth=1.1, zorder=1)
        for column, style in (("mean", "-"), ("lpl", "--"), ("upl", "--")):
            line = series[column].to_numpy(dtype=float, na_value=np.nan)
            if not np.isnan(line).all():
                ax.plot(
                    x,
                    line,
                    linestyle=style,
                    linewidth=1.0,
                    color=STATUS_COLOURS["centre" if column == "mean" else "limit"],
                )
        _draw_target(ax, x, series, panel.target)
        variation = series["variation"].fillna("common_cause").to_numpy(dtype=object)
        for status in _VARIATION_TEXT:
            mask = (variation == status) & ~np.isnan(values)
            if mask.any():
                ax.scatter(
                    x[mask],
                    values[mask],
                    s=22,
                    color=STATUS_COLOURS[status],
                    edgecolors="none",
                    zorder=3,
                    gid=f"points:{status}",
                )
        mark_suppressed(ax, x[suppressed_rows(series)], size=8)
        labels = series["period"].astype(str).tolist()
        step = max(1, math.ceil(len(labels) / 6))
        ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(textwrap.fill(str(panel.heading), heading_width), fontsize=8, loc="left")
        ax.set_ylabel(axis_title(None, getattr(panel, "unit", None)), fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(figure.axes)[len(panels) :]:
        ax.set_visible(False)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=STATUS_COLOURS[s], label=t)
        for s, t in _VARIATION_TEXT.items()
    ]
    handles += [
        Line2D([], [], color=STATUS_COLOURS["centre"], label="Mean"),
        Line2D([], [], color=STATUS_COLOURS["limit"], linestyle="--", label="Process limits"),
        Line2D([], [], color=STATUS_COLOURS["target"], linestyle="--", label="Target"),
        suppressed_handle(),
    ]
    # One row of keys under a wide row of panels, two rows under a narrow one.
    figure.legend(
        handles=handles,
        loc="lower center",
        ncol=8 if width * columns >= 10 else 4,
        frameon=False,
        fontsize=7,
    )
    figure.suptitle(
        textwrap.fill(title, max(60, round(9 * width * columns))), fontsize=10, x=0.01, ha="left"
    )
    figure.tight_layout(rect=(0, 0.08, 1, 0.95))
    return chart_text.attach(
        figure, *chart_text.panels_text(points, panels, suppressed_rows(points))
    )
