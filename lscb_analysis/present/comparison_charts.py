"""Comparison charts: funnel plots (each area against the mean and its limits) and benchmark charts.

Each takes the frame of :func:`lscb_analysis.stats.funnels.funnel` or
:func:`lscb_analysis.stats.benchmarking.compare_to_benchmark` and returns a Figure whose title states
the finding. Colours and shared drawing helpers: :mod:`lscb_analysis.present.chart_style`.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lscb_analysis.core import indicators
from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.present import chart_text
from lscb_analysis.present.chart_style import (
    GREY,
    OKABE_ITO,
    STATUS_COLOURS,
    axis_title,
    measure_prefix,
    new_figure,
    require_columns,
    suppressed_handle,
    suppressed_rows,
)
from lscb_analysis.present.funnel_notes import (
    FunnelSettings,
    funnel_method_note,
    load_funnel_settings,
    not_placed_note,
    not_placed_reasons,
    not_placed_words,
)

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
    settings: FunnelSettings | None = None,
) -> Figure:
    """Funnel plot of a :func:`lscb_analysis.stats.funnels.funnel` result.

    Draws the target, the 95% (dashed) and 99.8% (solid) limits, and one point per unit at
    (denominator, value). Points outside the 99.8% limits are filled, those outside only
    the 95% limits are open circles, the rest grey. With a ``polarity`` the high side is
    coloured better (blue) or worse (orange); without one, high is purple and low sky blue.
    Every point outside a limit is labelled; the ``highlight`` unit is drawn larger with a
    black edge and labelled in bold. The method the limits follow (exact or normal, the
    scale, any over-dispersion adjustment) is stated under the title
    (:func:`lscb_analysis.present.funnel_notes.funnel_method_note`).

    Every unit is accounted for. A unit whose figure is suppressed (a ``state`` or
    ``status`` column saying "suppressed", see :func:`suppressed_rows`: DfE's "c", or a
    local count below the disclosure threshold) is not placed, whatever its value; nor is
    one with another published status (``status`` not "ok") or one the funnel could not
    place (``not_placed``: no count, no denominator, a denominator of zero). Each is named
    with its reason in a note under the chart ("Not placed: City of London (no denominator
    published); Barnet (suppressed)") and in the chart's data table. Give such units a
    missing numerator and denominator before ``stats.funnel`` so they stay out of the
    target and over-dispersion too.

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
        settings: the funnel settings holding the notes' words (default
            ``funnel_notes.load_funnel_settings()``).

    Returns:
        The Figure. Point collections have ``gid`` ``"points:<significance>"`` and the
        highlighted unit ``"highlight"``; the note naming the units not placed has ``gid``
        ``"suppressed"`` and the method note ``"note"``.

    Raises:
        InvalidArgumentError: ``frame`` is not a funnel result, labels of the wrong
            length, or an unknown ``highlight``.

    Example:
        >>> from lscb_analysis.stats.funnels import funnel, funnel_curve
        >>> result = funnel([20, 130, 12, 45], [100, 500, 100, 200],
        ...                 target=0.2).set_axis(["Barnet", "Brent", "Camden", "Ealing"])
        >>> figure = funnel_plot(result, highlight="Camden", curve=funnel_curve(result))
        >>> figure.axes[0].get_title(loc="left")
        'Camden is within the limits; 1 of 4 areas outside the 99.8% limits'
        >>> note = [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "note"][0]
        >>> note.replace(chr(10), " ").split("target: ")[1]
        'exact binomial limits (PHE funnel method); no over-dispersion adjustment'
    """
    require_columns(
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
    settings = settings or load_funnel_settings()
    figure, axes = new_figure()
    hidden = suppressed_rows(frame)
    reasons = not_placed_reasons(frame)
    unplaced = hidden | np.array([reason is not None for reason in reasons], dtype=bool)
    denominators = frame["denominator"].to_numpy(dtype=float, na_value=np.nan)
    values = frame["value"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    values[unplaced] = np.nan  # never placed, whatever the frame holds
    significance = frame["significance"].to_numpy(dtype=object).copy()
    significance[unplaced] = None

    if curve is not None:
        lines = curve
    else:
        lines = (
            frame[~unplaced].assign(denominator=denominators[~unplaced]).sort_values("denominator")
        )
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
    # A row suppressed by its ``state`` (score card, pilot) has the same reason.
    reasons = ["suppressed" if hide else why for why, hide in zip(reasons, hidden, strict=True)]
    if unplaced.any():
        axes.text(
            0.0,
            -0.13,
            textwrap.fill(not_placed_note(names, reasons, settings), 110),
            transform=axes.transAxes,
            fontsize=8,
            color=GREY,
            va="top",
            gid="suppressed",
        )

    note = textwrap.fill(
        "Limits: 95% (dashed) and 99.8% (solid) around the target: "
        + funnel_method_note(frame, settings),
        110,
        break_on_hyphens=False,
    )
    axes.text(
        0.0, 1.0, note, transform=axes.transAxes, fontsize=8, color=GREY, va="bottom", gid="note"
    )
    outside_998 = int(np.isin(significance, ["high_998", "low_998"]).sum())
    units = int(pd.notna(values).sum())
    finding = f"{outside_998} of {units} areas outside the 99.8% limits"
    if chosen is not None and hidden[chosen]:
        finding = f"{names[chosen]}'s figure is suppressed; {finding}"
    elif chosen is not None and unplaced[chosen]:
        why = not_placed_words(str(reasons[chosen]), settings)
        finding = f"{names[chosen]} is not placed ({why}); {finding}"
    elif chosen is not None and significance[chosen] is not None:
        finding = f"{names[chosen]} is {_SIGNIFICANCE_TEXT[significance[chosen]]}; {finding}"
    axes.set_title(
        title if title is not None else textwrap.fill(measure_prefix(measure) + finding, 80),
        loc="left",
        pad=16 + 11 * note.count("\n"),  # room for every line of the method note
    )
    axes.set_xlabel(frame.attrs.get("denominator_label", indicators.denominator_label(None)))
    axes.set_ylabel(axis_title(measure, unit or frame.attrs.get("unit")))
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    words = [
        None if reason is None or hide else not_placed_words(reason, settings)
        for reason, hide in zip(reasons, hidden, strict=True)
    ]
    return chart_text.attach(
        figure, *chart_text.funnel_text(frame, names, hidden, chosen, measure, words)
    )


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
    require_columns(
        frame, {"value", "lower", "upper", "benchmark", "comparison"}, "compare_to_benchmark"
    )
    names = _labels_for(frame, labels)
    chosen = _find_row(frame, names, highlight)
    figure, axes = new_figure(8.0, max(2.5, 0.35 * len(frame) + 1.5))
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
        title if title is not None else textwrap.fill(measure_prefix(measure) + finding, 70),
        loc="left",
    )
    handles, _ = axes.get_legend_handles_labels()
    if hidden.any():
        handles.append(suppressed_handle())
    axes.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9
    )
    return chart_text.attach(
        figure, *chart_text.benchmark_text(frame, names, hidden, chosen, benchmark_label, measure)
    )
