"""Grid and bar charts: count and status heatmaps, category grids and share and category bars.

Used for survey coverage, the gap analysis' tartan rug, pilot provision and consultation
support. Colours: :mod:`lscb_analysis.present.chart_style`.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lscb_analysis.present import chart_text
from lscb_analysis.present.chart_style import (
    GREY,
    LIGHT_GREY,
    OKABE_ITO,
    PALETTE,
)
from lscb_analysis.present.chart_text import ChartFigure


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
                in_layout=False,  # inside its cell: laying out hundreds of labels is slow
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
    figure = ChartFigure(
        figsize=(max(7.0, 0.26 * columns + 3), max(3.0, 0.26 * rows + 2)), layout="constrained"
    )
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
                in_layout=False,  # inside its cell: laying out hundreds of symbols is slow
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
