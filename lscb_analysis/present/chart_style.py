"""Shared styling of the workbench's charts: colours, figures, axis titles, suppressed points.

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

The charts themselves are in :mod:`~lscb_analysis.present.spc_charts` (XmR),
:mod:`~lscb_analysis.present.comparison_charts` (funnel and benchmark),
:mod:`~lscb_analysis.present.trend_charts` (published trends) and
:mod:`~lscb_analysis.present.grid_charts` (heatmaps, category grids and bars).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lscb_analysis.core import indicators
from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.present.chart_text import ChartFigure

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


def new_figure(width: float = 9.0, height: float = 5.0) -> tuple[Figure, object]:
    """A new :class:`ChartFigure` of ``width`` x ``height`` inches with one axes, top and right
    spines hidden. Output: ``(figure, axes)``. Raises nothing."""
    figure = ChartFigure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def measure_prefix(measure: str | None) -> str:
    """``"<measure>: "`` to start a chart title, or "" when there is no measure."""
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


def require_columns(frame: pd.DataFrame, columns: set[str], producer: str) -> None:
    """Check ``frame`` is a DataFrame with ``columns``, as ``stats.<producer>()`` returns.

    Raises: InvalidArgumentError naming the missing columns.
    """
    if not isinstance(frame, pd.DataFrame) or not columns <= set(frame.columns):
        missing = sorted(columns - set(getattr(frame, "columns", [])))
        raise InvalidArgumentError(
            f"frame must be the DataFrame returned by stats.{producer}(); missing columns: "
            f"{', '.join(missing)}."
        )


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


def mark_suppressed(axes, x: np.ndarray, size: float = 9) -> None:
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


def suppressed_handle() -> Line2D:
    """The legend entry for suppressed points: a grey "c", "Suppressed (small number)"."""
    return Line2D([], [], linestyle="", marker="$c$", color=GREY, label="Suppressed (small number)")
