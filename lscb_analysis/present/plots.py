"""Charts for the workbench: SPC (XmR), funnel and benchmark charts, and shared colours.

Every chart function takes a DataFrame produced by :mod:`lscb_analysis.stats` and returns
a :class:`matplotlib.figure.Figure`. None of them recomputes a statistic: limits, signals
and comparisons are read from the frame (and its ``attrs``). Titles state the finding, for
example "Re-referrals: special cause concern at the latest point".

Figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``, so nothing is
registered in pyplot's global figure list and no backend is needed to build one; Jupyter
still displays a returned Figure. ``plt.close(figure)`` is harmless if a caller uses it.

Colours are colour-blind safe (Okabe & Ito, 2008). Making Data Count colouring is kept:
improvement blue, concern orange, common cause grey (and purple for special cause with no
improvement direction). :data:`PALETTE` gives the order for series in line charts.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from lscb_analysis.core import indicators
from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.present import chart_text, latest
from lscb_analysis.present.chart_text import ChartFigure
from lscb_analysis.stats.xmr import xmr_summary

# Okabe & Ito's colour-blind-safe palette, by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# Order in which to colour series (boroughs, comparators) in line charts.
PALETTE: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["yellow"],
    OKABE_ITO["black"],
)

GREY = "#7F7F7F"
LIGHT_GREY = "#C8C8C8"

# Colour for each status the statistics functions report.
STATUS_COLOURS: dict[str, str] = {
    # Making Data Count (xmr "variation")
    "common_cause": GREY,
    "special_cause_improvement": OKABE_ITO["blue"],
    "special_cause_concern": OKABE_ITO["orange"],
    "special_cause_neither": OKABE_ITO["reddish_purple"],
    # Benchmarking (compare_to_benchmark "comparison")
    "better": OKABE_ITO["blue"],
    "similar": LIGHT_GREY,
    "worse": OKABE_ITO["orange"],
    "higher": OKABE_ITO["reddish_purple"],
    "lower": OKABE_ITO["sky_blue"],
    "not_compared": "#FFFFFF",
    # Lines
    "target": OKABE_ITO["vermillion"],
    "centre": OKABE_ITO["black"],
    "limit": GREY,
}

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

_SIGNIFICANCE_TEXT = {
    "high_998": "above the 99.8% limit",
    "high_95": "above the 95% limit",
    "low_998": "below the 99.8% limit",
    "low_95": "below the 95% limit",
    "not_significant": "within the limits",
}

_COMPARISON_TEXT = {
    "better": "better than",
    "similar": "similar to",
    "worse": "worse than",
    "higher": "higher than",
    "lower": "lower than",
    "not_compared": "not compared with",
}


def _new_figure(width: float = 9.0, height: float = 5.0) -> tuple[Figure, object]:
    figure = ChartFigure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _prefix(measure: str | None) -> str:
    return f"{measure}: " if measure else ""


def axis_title(measure: str | None, unit: str | None) -> str:
    """A value axis' title: the unit's label (``'Per cent'``) when the unit is known, else the
    measure's name (or ``'Value'``). Units and labels: ``data/reference/unit_axes.csv``.

    >>> axis_title("Re-referrals", "percent"), axis_title("Re-referrals", None)
    ('Per cent', 'Re-referrals')
    """
    if unit:
        return indicators.axis_label(unit)
    return measure or "Value"


def _require_columns(frame: pd.DataFrame, columns: set[str], producer: str) -> None:
    if not isinstance(frame, pd.DataFrame) or not columns <= set(frame.columns):
        missing = sorted(columns - set(getattr(frame, "columns", [])))
        raise InvalidArgumentError(
            f"frame must be the DataFrame returned by stats.{producer}(); missing columns: "
            f"{', '.join(missing)}."
        )


def _positions(index: pd.Index) -> tuple[np.ndarray, list[str] | None]:
    """x positions for an index: dates and numbers as they are, other labels by position."""
    if isinstance(index, pd.DatetimeIndex) or pd.api.types.is_numeric_dtype(index):
        return np.asarray(index), None
    return np.arange(len(index)), [str(label) for label in index]


def suppressed_rows(frame: pd.DataFrame) -> np.ndarray:
    """Which rows of a chart's frame are suppressed, so their value must never be drawn.

    A row is suppressed when its ``state`` or ``status`` column (whichever the frame has)
    starts with "suppressed": the score card's and pilot's ``state`` ("suppressed", small
    numbers in board outputs) and the published statistics' ``status`` ("suppressed", DfE's
    "c"). Input: any DataFrame. Output: a boolean array, one per row (all False when the frame
    has neither column). Raises nothing.

    >>> suppressed_rows(pd.DataFrame({"value": [1.0, None], "status": ["ok", "suppressed"]}))
    array([False,  True])
    """
    mask = np.zeros(len(frame), dtype=bool)
    for column in ("state", "status"):
        if column in frame.columns:
            text = frame[column].astype("string").fillna("").str.strip().str.lower()
            mask |= text.str.startswith("suppressed").to_numpy(dtype=bool)
    return mask


def _mark_suppressed(axes, x: np.ndarray, size: float = 9) -> None:
    """A grey "c" on the x axis at each suppressed point's position, never its value."""
    for position in x:
        axes.text(
            position,
            0.02,
            "c",
            transform=axes.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=size,
            color=GREY,
            gid="suppressed",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )


def _suppressed_handle() -> Line2D:
    return Line2D([], [], linestyle="", marker="$c$", color=GREY, label="Suppressed (small number)")


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
    title = _prefix(measure) + finding
    if summary["assurance"] is not None:
        title += f"\nThe process {_ASSURANCE_TEXT[summary['assurance']]}"
    return title


def _latest_summary(frame: pd.DataFrame) -> tuple:
    """The latest period's verdict and :func:`xmr_summary`, without icons when it has no
    value (:func:`lscb_analysis.present.latest.latest_verdict`)."""
    verdict = latest.latest_verdict(frame, frame.attrs.get("period"))
    summary = xmr_summary(frame).iloc[0]
    if not verdict.has_value:
        summary = summary.copy()
        summary["variation"], summary["assurance"] = None, None
    return verdict, summary


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
    _require_columns(
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
    figure, axes = _new_figure()
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
        _mark_suppressed(axes, x[hidden])
        handles.append(_suppressed_handle())
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
        else (f"{_prefix(measure)}{verdict.text}; variation not assessed")
    )
    axes.set_title(title if title is not None else automatic, loc="left", pad=22)
    return chart_text.attach(figure, *chart_text.spc_text(frame, hidden, measure))


def _side_colour(side: str, polarity: str | None) -> str:
    if polarity is None:
        return STATUS_COLOURS["special_cause_neither"] if side == "high" else OKABE_ITO["sky_blue"]
    good = (side == "high") == (polarity == "high")
    return STATUS_COLOURS["better"] if good else STATUS_COLOURS["worse"]


def _find_row(frame: pd.DataFrame, labels: list[str], wanted: object) -> int | None:
    if wanted is None:
        return None
    if wanted in frame.index:
        position = frame.index.get_loc(wanted)
        if isinstance(position, int):
            return position
    if str(wanted) in labels:
        return labels.index(str(wanted))
    raise InvalidArgumentError(
        f"highlight {wanted!r} is neither an index label of frame nor one of the labels."
    )


def _labels_for(frame: pd.DataFrame, labels: object) -> list[str]:
    if labels is None:
        return [str(label) for label in frame.index]
    names = [str(label) for label in labels]  # type: ignore[union-attr]
    if len(names) != len(frame):
        raise InvalidArgumentError(
            f"labels must give one name per row of frame: got {len(names)} for {len(frame)} rows."
        )
    return names


def funnel_plot(
    frame: pd.DataFrame,
    labels=None,
    highlight=None,
    curve: pd.DataFrame | None = None,
    polarity: str | None = None,
    measure: str | None = None,
    title: str | None = None,
    unit: str | None = None,
) -> Figure:
    """Funnel plot of a :func:`lscb_analysis.stats.funnels.funnel` result.

    Draws the target, the 95% (dashed) and 99.8% (solid) limits, and one point per unit at
    (denominator, value). Points outside the 99.8% limits are filled, those outside only
    the 95% limits are open circles, the rest grey. With a ``polarity`` the high side is
    coloured better (blue) or worse (orange); without one, high is purple and low sky blue.
    Every point outside a limit is labelled; the ``highlight`` unit is drawn larger with a
    black edge and labelled in bold. The over-dispersion method is stated under the title.

    A unit whose figure is suppressed (a ``state`` or ``status`` column saying "suppressed",
    see :func:`suppressed_rows`: DfE's "c", or a local count below the disclosure threshold)
    is not placed, whatever its value: it is named in a note under the chart, "Suppressed
    (not placed): ...". Give such units a missing numerator and denominator before
    ``stats.funnel`` so they stay out of the target and over-dispersion too.

    Args:
        frame: the DataFrame returned by ``stats.funnel``.
        labels: one name per row (default: the frame's index).
        highlight: the chosen area, by index label or name.
        curve: ``stats.funnel_curve(frame)`` for smooth limit lines; without it the limits
            are joined between the units' own denominators (no recomputation here).
        polarity: "high", "low" or None, for colouring only.
        measure: name of the measure, used in the title (and the y-axis label without a unit).
        title: overrides the automatic title, which states the finding.
        unit: the measure's unit, for the y-axis title (default ``frame.attrs['unit']``).

    Returns:
        The Figure. Point collections have ``gid`` ``"points:<significance>"`` and the
        highlighted unit ``"highlight"``; the note naming suppressed units has ``gid``
        ``"suppressed"``.

    Raises:
        InvalidArgumentError: ``frame`` is not a funnel result, labels of the wrong
            length, or an unknown ``highlight``.

    Example:
        >>> from lscb_analysis.stats.funnels import funnel, funnel_curve
        >>> result = funnel([20, 130, 12, 45], [100, 500, 100, 200],
        ...                 target=0.2).set_axis(["Barnet", "Brent", "Camden", "Ealing"])
        >>> figure = funnel_plot(result, highlight="Camden", curve=funnel_curve(result))
        >>> figure.axes[0].get_title(loc="left")
        'Camden is below the 95% limit; 1 of 4 areas outside the 99.8% limits'
    """
    _require_columns(
        frame,
        {
            "value",
            "target",
            "lower_95",
            "upper_95",
            "lower_998",
            "upper_998",
            "significance",
            "denominator",
        },
        "funnel",
    )
    if polarity is not None and polarity not in ("high", "low"):
        raise InvalidArgumentError(f"polarity must be 'high', 'low' or None; got {polarity!r}.")
    names = _labels_for(frame, labels)
    chosen = _find_row(frame, names, highlight)
    figure, axes = _new_figure()
    hidden = suppressed_rows(frame)
    denominators = frame["denominator"].to_numpy(dtype=float, na_value=np.nan)
    values = frame["value"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    values[hidden] = np.nan  # never placed, whatever the frame holds
    significance = frame["significance"].to_numpy(dtype=object).copy()
    significance[hidden] = None

    if curve is not None:
        lines = curve
    else:
        lines = frame[~hidden].assign(denominator=denominators[~hidden]).sort_values("denominator")
    line_x = lines["denominator"].to_numpy(dtype=float)
    axes.plot(
        line_x, lines["target"].to_numpy(dtype=float), color=STATUS_COLOURS["centre"], linewidth=1.2
    )
    for column, style in (
        ("lower_95", "--"),
        ("upper_95", "--"),
        ("lower_998", "-"),
        ("upper_998", "-"),
    ):
        axes.plot(
            line_x,
            lines[column].to_numpy(dtype=float),
            color=STATUS_COLOURS["limit"],
            linestyle=style,
            linewidth=1.1,
        )

    for level, text in _SIGNIFICANCE_TEXT.items():
        mask = significance == level
        if not mask.any():
            continue
        if level == "not_significant":
            face, edge = GREY, "none"
        else:
            colour = _side_colour("high" if level.startswith("high") else "low", polarity)
            face, edge = (colour, colour) if level.endswith("998") else ("white", colour)
        axes.scatter(
            denominators[mask],
            values[mask],
            s=40,
            facecolors=face,
            edgecolors=edge,
            linewidths=1.5,
            label=text.capitalize(),
            zorder=3,
            gid=f"points:{level}",
        )

    for position, name in enumerate(names):
        outside = significance[position] not in (None, "not_significant")
        if np.isnan(values[position]):
            continue
        if outside or position == chosen:
            axes.annotate(
                name,
                (denominators[position], values[position]),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=8,
                fontweight="bold" if position == chosen else "normal",
            )
    if chosen is not None and not np.isnan(values[chosen]):
        axes.scatter(
            [denominators[chosen]],
            [values[chosen]],
            s=110,
            facecolors="none",
            edgecolors="black",
            linewidths=2.0,
            zorder=4,
            gid="highlight",
        )
    if hidden.any():
        axes.text(
            0.0,
            -0.13,
            textwrap.fill(
                "Suppressed (not placed): "
                + ", ".join(name for name, hide in zip(names, hidden, strict=True) if hide),
                110,
            ),
            transform=axes.transAxes,
            fontsize=8,
            color=GREY,
            va="top",
            gid="suppressed",
        )

    adjusted = frame.attrs.get("adjusted", False)
    method = frame.attrs.get("overdispersion") if adjusted else None
    note = "Limits: 95% (dashed) and 99.8% (solid) around the target"
    note += (
        f"; over-dispersion: {method} (phi = {frame.attrs.get('phi', math.nan):.2f})"
        if method
        else "; no over-dispersion adjustment"
    )
    axes.text(
        0.0, 1.0, note, transform=axes.transAxes, fontsize=8, color=GREY, va="bottom", gid="note"
    )
    outside_998 = int(np.isin(significance, ["high_998", "low_998"]).sum())
    units = int(pd.notna(values).sum())
    finding = f"{outside_998} of {units} areas outside the 99.8% limits"
    if chosen is not None and hidden[chosen]:
        finding = f"{names[chosen]}'s figure is suppressed; {finding}"
    elif chosen is not None and significance[chosen] is not None:
        finding = f"{names[chosen]} is {_SIGNIFICANCE_TEXT[significance[chosen]]}; {finding}"
    axes.set_title(
        title if title is not None else textwrap.fill(_prefix(measure) + finding, 80),
        loc="left",
        pad=16,
    )
    axes.set_xlabel(frame.attrs.get("denominator_label", indicators.denominator_label(None)))
    axes.set_ylabel(axis_title(measure, unit or frame.attrs.get("unit")))
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    return chart_text.attach(figure, *chart_text.funnel_text(frame, names, hidden, chosen, measure))


def benchmark_chart(
    frame: pd.DataFrame,
    labels=None,
    highlight=None,
    benchmark_label: str = "England",
    measure: str | None = None,
    title: str | None = None,
    unit: str | None = None,
) -> Figure:
    """Areas' values with confidence intervals against a benchmark, coloured by comparison.

    One horizontal row per area, in the frame's order from the top: a point at the value
    and a line across the interval, coloured by ``comparison`` (better blue, worse orange,
    similar light grey; higher purple, lower sky blue; not compared hollow). The benchmark
    is a vertical line (or a tick per row when it differs between rows). An area whose
    figure is suppressed (see :func:`suppressed_rows`) keeps its row and name but shows a
    grey "c" instead of a point and interval.

    Args:
        frame: the DataFrame returned by :func:`lscb_analysis.stats.benchmarking.compare_to_benchmark`.
        labels: one name per row (default: the frame's index).
        highlight: the chosen area, by index label or name (bold label, black edge).
        benchmark_label: name of the benchmark, for the title and legend.
        measure: name of the measure, used in the title (and the x-axis label without a unit).
        title: overrides the automatic title, which states the finding.
        unit: the measure's unit, for the x-axis title (default ``frame.attrs['unit']``).

    Returns:
        The Figure. Point collections have ``gid`` ``"points:<comparison>"``; suppressed
        markers are texts with ``gid`` ``"suppressed"``.

    Raises:
        InvalidArgumentError: ``frame`` is not a comparison result, labels of the wrong
            length, or an unknown ``highlight``.

    Example:
        >>> from lscb_analysis.stats.benchmarking import compare_to_benchmark
        >>> from lscb_analysis.stats.intervals import proportion_ci
        >>> ci = proportion_ci([65, 40, 55], [100, 100, 100])
        >>> comparison = compare_to_benchmark(ci["value"], ci["lower"], ci["upper"], 52, "high")
        >>> figure = benchmark_chart(comparison, labels=["Brent", "Camden", "Ealing"],
        ...                          highlight="Brent")
        >>> figure.axes[0].get_title(loc="left")
        'Brent is better than England'
    """
    _require_columns(
        frame, {"value", "lower", "upper", "benchmark", "comparison"}, "compare_to_benchmark"
    )
    names = _labels_for(frame, labels)
    chosen = _find_row(frame, names, highlight)
    figure, axes = _new_figure(8.0, max(2.5, 0.35 * len(frame) + 1.5))
    rows = np.arange(len(frame))[::-1]  # first row at the top
    hidden = suppressed_rows(frame)
    values = frame["value"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    lower = frame["lower"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    upper = frame["upper"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    for array in (values, lower, upper):
        array[hidden] = np.nan  # never drawn, whatever the frame holds
    benchmark = frame["benchmark"].to_numpy(dtype=float, na_value=np.nan)
    comparison = frame["comparison"].to_numpy(dtype=object).copy()
    comparison[hidden] = None

    for status, text in _COMPARISON_TEXT.items():
        mask = comparison == status
        if not mask.any():
            continue
        colour = STATUS_COLOURS[status]
        edge = GREY if status in ("similar", "not_compared") else colour
        axes.hlines(rows[mask], lower[mask], upper[mask], colors=edge, linewidth=2.0, zorder=2)
        axes.scatter(
            values[mask],
            rows[mask],
            s=45,
            facecolors=colour,
            edgecolors=edge,
            linewidths=1.2,
            zorder=3,
            gid=f"points:{status}",
            label=f"{text[0].upper()}{text[1:]} {benchmark_label}",
        )
    for row in rows[hidden]:
        axes.text(
            0.01,
            row,
            "c",
            transform=axes.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=9,
            color=GREY,
            gid="suppressed",
        )
    if chosen is not None and not hidden[chosen]:
        axes.scatter(
            [values[chosen]],
            [rows[chosen]],
            s=110,
            facecolors="none",
            edgecolors="black",
            linewidths=2.0,
            zorder=4,
            gid="highlight",
        )

    known = np.unique(benchmark[~np.isnan(benchmark)])
    if known.size == 1:
        axes.axvline(known[0], color=STATUS_COLOURS["centre"], linewidth=1.2, label=benchmark_label)
    elif known.size > 1:
        axes.scatter(
            benchmark,
            rows,
            marker="|",
            s=200,
            color=STATUS_COLOURS["centre"],
            label=benchmark_label,
            zorder=4,
        )
    axes.set_yticks(rows, names)
    if chosen is not None:
        axes.get_yticklabels()[chosen].set_fontweight("bold")
    axes.set_xlabel(axis_title(measure, unit or frame.attrs.get("unit")))

    if chosen is not None and hidden[chosen]:
        finding = f"{names[chosen]}'s figure is suppressed"
    elif chosen is not None:
        finding = f"{names[chosen]} is {_COMPARISON_TEXT[comparison[chosen]]} {benchmark_label}"
    else:
        counts = pd.Series(comparison).value_counts()
        compared = len(comparison) - int(counts.get("not_compared", 0)) - int(hidden.sum())
        if counts.get("better", 0) or counts.get("worse", 0):
            finding = (
                f"{int(counts.get('better', 0))} of {compared} areas better than {benchmark_label}, "
                f"{int(counts.get('worse', 0))} worse"
            )
        else:
            finding = (
                f"{int(counts.get('higher', 0))} of {compared} areas higher than {benchmark_label}, "
                f"{int(counts.get('lower', 0))} lower"
            )
    axes.set_title(
        title if title is not None else textwrap.fill(_prefix(measure) + finding, 70), loc="left"
    )
    handles, _ = axes.get_legend_handles_labels()
    if hidden.any():
        handles.append(_suppressed_handle())
    axes.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9
    )
    return chart_text.attach(
        figure, *chart_text.benchmark_text(frame, names, hidden, chosen, benchmark_label, measure)
    )


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
    _require_columns(
        trends,
        {"indicator", "short_title", "period", "series", "value", "status"},
        "profile.trend_frame",
    )
    order = list(dict.fromkeys(trends["indicator"]))
    rows = max(1, math.ceil(len(order) / columns))
    figure = ChartFigure(figsize=(3.1 * columns, 2.4 * rows + 1.0))
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
    figure.legend(handles, labels, loc="lower center", ncol=4, frameon=False, fontsize=8)
    span = f"{min(years)} to {max(years)}" if years else ""
    figure.suptitle(
        title or f"{area_name} against London, England and its statistical neighbours, {span}",
        fontsize=11,
        x=0.01,
        ha="left",
    )
    figure.tight_layout(rect=(0, 0.05, 1, 0.96))
    return chart_text.attach(figure, *chart_text.trend_text(trends, area_name))


def count_heatmap(
    table: pd.DataFrame, title: str, highlight: str | None = None, value_label: str = "items"
) -> Figure:
    """A heatmap of counts (rows x columns), each cell labelled with its count.

    Used for the mapping report's coverage (boroughs x indicator domains) and barriers
    (barrier x agency). A single sequential colour scale (colour-blind safe); zero cells are
    white, so gaps stand out.

    Args:
        table: counts, rows and columns labelled.
        title: the figure's title (state the finding).
        highlight: a row label to outline (the chosen borough).
        value_label: what the counts are, for the colour bar.

    Returns:
        A Figure with one Axes of the heatmap and one of its colour bar.

    >>> figure = count_heatmap(pd.DataFrame({"A": [0, 2]}, index=["x", "y"]), "Two items")
    >>> figure.axes[0].get_title(loc="left")
    'Two items'
    """
    rows, columns = table.shape
    figure = ChartFigure(figsize=(max(6.0, 0.55 * columns + 3), max(3.0, 0.3 * rows + 2)))
    ax = figure.subplots()
    scale = LinearSegmentedColormap.from_list("counts", ["#FFFFFF", OKABE_ITO["blue"]])
    values = table.to_numpy(dtype=float)
    image = ax.imshow(values, cmap=scale, aspect="auto", vmin=0, vmax=max(1.0, values.max()))
    for (i, j), value in np.ndenumerate(values):  # every cell says its count, 0 included
        if not np.isnan(value):
            ax.text(
                j,
                i,
                f"{value:g}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > values.max() * 0.6 else "black",
            )
    ax.set_xticks(
        range(columns),
        [textwrap.shorten(str(c), 28) for c in table.columns],
        rotation=60,
        ha="right",
        fontsize=8,
    )
    ax.set_yticks(range(rows), [str(r) for r in table.index], fontsize=8)
    if highlight is not None and highlight in list(table.index):
        position = list(table.index).index(highlight)
        ax.add_patch(
            Rectangle(
                (-0.5, position - 0.5),
                columns,
                1,
                fill=False,
                edgecolor=OKABE_ITO["vermillion"],
                linewidth=2,
            )
        )
    figure.colorbar(image, ax=ax, label=value_label, shrink=0.6)
    ax.set_title(title, loc="left", fontsize=11)
    figure.tight_layout()
    return chart_text.attach(figure, *chart_text.grid_text(table, "counts"))


def share_bars(table: pd.DataFrame, title: str, highlight: str | None = None) -> Figure:
    """Horizontal stacked bars of shares (each row sums to 1), one bar per row.

    Used for who supplies the data (share of items by agency per borough) and how often
    (share by frequency). Colours follow :data:`PALETTE`, then greys.

    Args:
        table: shares 0-1; rows are bars, columns the stacked parts.
        title: the figure's title (state the finding).
        highlight: a row label drawn in bold (the chosen borough).

    Returns:
        A Figure with one Axes; x axis 0-100%.

    >>> figure = share_bars(pd.DataFrame({"a": [0.5], "b": [0.5]}, index=["x"]), "Half")
    >>> len(figure.axes[0].patches)
    2
    """
    figure = ChartFigure(figsize=(9.0, max(3.0, 0.28 * len(table) + 1.8)))
    ax = figure.subplots()
    colours = list(PALETTE) + [GREY, LIGHT_GREY] * len(table.columns)
    left = np.zeros(len(table))
    positions = np.arange(len(table))
    for colour, column in zip(colours, table.columns, strict=False):
        widths = table[column].to_numpy(dtype=float) * 100
        ax.barh(positions, widths, left=left, color=colour, label=str(column), height=0.8)
        left += widths
    ax.set_yticks(positions, [str(r) for r in table.index], fontsize=8)
    for label in ax.get_yticklabels():
        if label.get_text() == highlight:
            label.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of items")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=7, frameon=False)
    ax.set_title(title, loc="left", fontsize=11)
    figure.tight_layout()
    return chart_text.attach(figure, *chart_text.shares_text(table, highlight))


def status_heatmap(
    grid: pd.DataFrame, colours: dict[str, str], title: str, highlight: str | None = None
) -> Figure:
    """A categorical heatmap: rows x columns coloured by a status, with a legend.

    Used for the gap analysis (boroughs x PIs coloured by gap status) and the score cards'
    tartan rug (PIs x boroughs coloured by benchmark comparison).

    Args:
        grid: status text per cell (rows and columns labelled); missing cells are white.
        colours: status -> colour, in legend order (colour-blind safe colours).
        title: the figure's title (state the finding).
        highlight: a row label to outline (the chosen borough).

    Returns:
        A Figure with one Axes.

    >>> grid = pd.DataFrame({"P1": ["a", "b"]}, index=["x", "y"])
    >>> figure = status_heatmap(grid, {"a": "#0072B2", "b": "#E69F00"}, "Two statuses")
    >>> len(figure.axes[0].get_legend().get_texts())
    2
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    statuses = list(colours)
    codes = grid.apply(lambda column: column.map({s: i for i, s in enumerate(statuses)}))
    rows, columns = grid.shape
    figure = ChartFigure(figsize=(max(7.0, 0.26 * columns + 3), max(3.0, 0.26 * rows + 2)))
    ax = figure.subplots()
    scale = ListedColormap([colours[s] for s in statuses])
    ax.imshow(
        codes.to_numpy(dtype=float),
        cmap=scale,
        vmin=-0.5,
        vmax=len(statuses) - 0.5,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks(range(columns), [str(c) for c in grid.columns], rotation=90, fontsize=7)
    ax.set_yticks(range(rows), [str(r) for r in grid.index], fontsize=7)
    ax.set_xticks([x - 0.5 for x in range(1, columns)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, rows)], minor=True)
    ax.grid(which="minor", color="white", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    if highlight is not None and highlight in list(grid.index):
        position = list(grid.index).index(highlight)
        ax.add_patch(
            Rectangle(
                (-0.5, position - 0.5), columns, 1, fill=False, edgecolor="black", linewidth=2
            )
        )
    symbols = chart_text.status_symbols(statuses)
    _write_symbols(ax, grid, symbols, colours)
    ax.legend(
        handles=[
            Patch(color=colours[s], label=f"{symbols[s]} = {s.replace('_', ' ')}") for s in statuses
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=4,
        fontsize=7,
        frameon=False,
    )
    ax.set_title(title, loc="left", fontsize=11)
    figure.tight_layout()
    return chart_text.attach(figure, *chart_text.grid_text(grid, "statuses"))


def _write_symbols(ax, grid: pd.DataFrame, symbols: dict, colours: dict) -> None:
    """Write each cell's status symbol in it, so nothing is told by colour alone."""
    from matplotlib.colors import to_rgb

    size = 6 if grid.shape[0] > 20 or grid.shape[1] > 20 else 7
    for (i, j), status in np.ndenumerate(grid.to_numpy(dtype=object)):
        if isinstance(status, str) and status in symbols:
            red, green, blue = to_rgb(colours.get(status, LIGHT_GREY))
            dark = 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.45
            ax.text(
                j,
                i,
                symbols[status],
                ha="center",
                va="center",
                fontsize=size,
                color="white" if dark else "black",
                gid="status-symbol",
            )


def category_grid(
    table: pd.DataFrame,
    title: str,
    colours: dict[str, str],
    highlight: str | None = None,
    legend_title: str | None = None,
) -> Figure:
    """A grid of categories (rows x columns), each cell coloured by its category.

    Used for the pilot feasibility report: each PI (row) by each borough (column) coloured
    provided / partly / not available / published. Colours are given per category (use the
    Okabe-Ito colours); a cell whose category has no colour is light grey, an empty cell
    white. The legend lists the categories in the order of ``colours``.

    Args:
        table: category labels (text), rows and columns labelled.
        title: the figure's title (state the finding).
        colours: category -> colour, in legend order.
        highlight: a column label to outline (the chosen borough).
        legend_title: optional title of the legend.

    Returns:
        A Figure with one Axes.

    >>> grid = pd.DataFrame({"A": ["yes", "no"]}, index=["p1", "p2"])
    >>> figure = category_grid(grid, "Half say yes", {"yes": "#0072B2", "no": "#E69F00"})
    >>> figure.axes[0].get_title(loc="left"), len(figure.axes[0].patches) >= 2
    ('Half say yes', True)
    """
    rows, columns = table.shape
    figure = ChartFigure(figsize=(max(6.0, 0.45 * columns + 4), max(3.0, 0.24 * rows + 2.2)))
    ax = figure.subplots()
    for i, label in enumerate(table.index):
        for j, column in enumerate(table.columns):
            value = table.at[label, column]
            empty = value is None or (isinstance(value, float) and math.isnan(value)) or value == ""
            colour = "#FFFFFF" if empty else colours.get(str(value), LIGHT_GREY)
            ax.add_patch(
                Rectangle(
                    (j - 0.5, i - 0.5), 1, 1, facecolor=colour, edgecolor="white", linewidth=0.8
                )
            )
    ax.set_xlim(-0.5, columns - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_xticks(
        range(columns),
        [textwrap.shorten(str(c), 26) for c in table.columns],
        rotation=60,
        ha="right",
        fontsize=8,
    )
    ax.set_yticks(range(rows), [textwrap.shorten(str(r), 60) for r in table.index], fontsize=7)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    if highlight is not None and highlight in list(table.columns):
        position = list(table.columns).index(highlight)
        ax.add_patch(
            Rectangle(
                (position - 0.5, -0.5),
                1,
                rows,
                fill=False,
                edgecolor=OKABE_ITO["black"],
                linewidth=2,
            )
        )
    symbols = chart_text.status_symbols(colours)
    _write_symbols(ax, table, symbols, colours)
    handles = [
        Rectangle((0, 0), 1, 1, facecolor=colour, edgecolor=GREY) for colour in colours.values()
    ]
    ax.legend(
        handles,
        [f"{symbols[c]} = {c}" for c in colours],
        title=legend_title,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
    )
    ax.set_title(title, loc="left", fontsize=11)
    figure.tight_layout()
    return chart_text.attach(figure, *chart_text.grid_text(table, "statuses"))


def category_bars(
    table: pd.DataFrame, title: str, colours: dict[str, str], xlabel: str = "% of boroughs"
) -> Figure:
    """Horizontal stacked bars of shares (each row sums to 1) with a colour per column.

    Like :func:`share_bars`, but the colours follow the categories (``colours``: column ->
    colour; use the Okabe-Ito colours), so "provided" is the same blue in every chart.
    Columns without a colour are grey.

    Args:
        table: shares 0-1; rows are bars (top to bottom), columns the stacked parts.
        title: the figure's title (state the finding).
        colours: column -> colour.
        xlabel: the x-axis label.

    Returns:
        A Figure with one Axes; x axis 0-100%.

    >>> figure = category_bars(pd.DataFrame({"a": [0.5], "b": [0.5]}, index=["x"]), "Half",
    ...                        {"a": "#0072B2", "b": "#E69F00"})
    >>> len(figure.axes[0].patches), figure.axes[0].get_title(loc="left")
    (2, 'Half')
    """
    figure = ChartFigure(figsize=(9.0, max(3.0, 0.26 * len(table) + 1.8)))
    ax = figure.subplots()
    left = np.zeros(len(table))
    positions = np.arange(len(table))
    for column in table.columns:
        widths = table[column].fillna(0).to_numpy(dtype=float) * 100
        ax.barh(
            positions,
            widths,
            left=left,
            color=colours.get(str(column), GREY),
            label=str(column),
            height=0.8,
        )
        left += widths
    ax.set_yticks(positions, [str(r) for r in table.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize=8, frameon=False)
    ax.set_title(title, loc="left", fontsize=11)
    figure.tight_layout()
    return chart_text.attach(figure, *chart_text.shares_text(table))


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
    the points coloured by their ``variation`` as :func:`spc_chart` does. A point whose
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
    _require_columns(
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
        if not pd.isna(panel.target):
            ax.axhline(panel.target, color=STATUS_COLOURS["target"], linestyle="--", linewidth=1.0)
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
        _mark_suppressed(ax, x[suppressed_rows(series)], size=8)
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
        _suppressed_handle(),
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
