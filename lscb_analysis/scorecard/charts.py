"""The score card's charts: SPC small multiples of the exceptions and the London tartan rug.

Both are drawn by the chart modules of :mod:`lscb_analysis.present` from a card's frames
(``points`` and ``benchmarks``); :func:`chart_panels` and :func:`rug_grid` give the data each chart draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.scorecard.scorecard import Scorecard
from lscb_analysis.scorecard.wording import period_text, short_title

# The exception small multiple: panels per row at most, and each panel's size in inches
# (small enough that a row of six prints across landscape A4 with legible type).
EXCEPTION_CHART_COLUMNS = 6

EXCEPTION_PANEL_SIZE = (2.7, 2.0)


def chart_panels(card: Scorecard, pi_ids: list[str] | None = None) -> pd.DataFrame:
    """Panel headings for the SPC small multiple, from the same rows as the table.

    Output: columns ``pi_id, heading, target, unit`` (the exception PIs by default; the
    unit names each panel's axis).
    """
    wanted = list(card.exceptions["pi_id"]) if pi_ids is None else list(pi_ids)
    rows = card.rows.set_index("pi_id").loc[wanted].reset_index()
    heading = [
        f"{r.pi_id} {short_title(r.title)}: {r.variation_text}"
        + (f" ({r.spc_note})" if r.spc_note else "")
        for r in rows.itertuples()
    ]
    return pd.DataFrame(
        {
            "pi_id": rows["pi_id"],
            "heading": heading,
            "target": rows["target"].astype(float),
            "unit": rows["unit"],
        }
    )


def exception_charts(card: Scorecard):
    """The SPC small multiple for the exception PIs (a Figure), or a note when there are none.

    The chart is drawn by :func:`lscb_analysis.present.spc_charts.spc_small_multiples` from
    ``card.points`` and :func:`chart_panels`: it computes nothing.
    """
    from IPython.display import Markdown

    from lscb_analysis.present import spc_charts

    if card.exceptions.empty:
        return Markdown("No exception PIs, so no SPC charts to show.")
    count = len(card.exceptions)
    title = (
        f"{card.borough}, {period_text(card.period.label)}: the {count} exception PI"
        f"{'s' if count != 1 else ''} against {'their' if count != 1 else 'its'} own "
        "process limits"
    )
    # Up to six small panels a row, rows filled evenly: the chart prints across a landscape
    # page at one scale, however many exceptions there are.
    columns = math.ceil(count / math.ceil(count / EXCEPTION_CHART_COLUMNS))
    return spc_charts.spc_small_multiples(
        card.points, chart_panels(card), title, columns=columns, panel_size=EXCEPTION_PANEL_SIZE
    )


def rug_grid(card: Scorecard) -> tuple[pd.DataFrame, str]:
    """The tartan rug: London boroughs x the score card's PIs, by benchmark significance.

    Each cell is the comparison with the ``rug_benchmark`` (England by default) from
    ``card.benchmarks``; local PIs and missing or suppressed figures are ``not_compared``.

    Output: (grid with boroughs as rows and PI ids as columns, title stating the borough's
    finding).
    """
    key = card.rules["rug_benchmark"]
    name = card.rules["benchmarks"][key]
    pi_ids = list(card.rows["pi_id"])
    boroughs = [area.name for area in register.london_boroughs()]
    table = card.benchmarks[card.benchmarks["pi_id"].isin(pi_ids)]
    grid = table.pivot_table(index="borough", columns="pi_id", values=f"vs_{key}", aggfunc="first")
    grid = grid.reindex(index=boroughs, columns=pi_ids).astype(object).fillna("not_compared")
    grid.columns = [c.removeprefix("BF-") for c in grid.columns]
    own = card.rows.set_index("pi_id")[f"vs_{key}"]
    compared = int((own != "not_compared").sum())
    worse, better = int((own == "worse").sum()), int((own == "better").sum())
    local = int((card.rows["source_type"] == "local").sum())
    title = (
        f"{card.borough} is significantly worse than {name} on {worse} and better on "
        f"{better} of {compared} compared PIs ({local} local PIs have no national "
        "benchmark)"
    )
    return grid, title


def rug_colours(rules: Mapping) -> dict[str, str]:
    """Colours of the tartan rug's statuses, in legend order (from scorecard.yaml)."""
    return dict(rules["colours"]["rug"])


def rug_chart(card: Scorecard):
    """The tartan rug drawn with :func:`lscb_analysis.present.grid_charts.status_heatmap`, borough outlined."""
    from lscb_analysis.present import grid_charts

    grid, title = rug_grid(card)
    return grid_charts.status_heatmap(grid, rug_colours(card.rules), title, card.borough)
