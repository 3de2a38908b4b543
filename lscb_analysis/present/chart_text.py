"""What a chart says in words: its alt text (the finding in figures) and the data behind it.

Every chart function in :mod:`lscb_analysis.present` returns a :class:`ChartFigure`: a
matplotlib Figure that also carries

* ``lscb_alt``: alt text stating what the chart shows and its finding in figures, e.g.
  "Rate per 10,000 children, 2016-17 to 2024-25: 48.1 to 52.5; latest above the upper
  process limit";
* ``lscb_data``: a small table of what is drawn (text cells), where a suppressed point shows
  the disclosure rule's words (:func:`lscb_analysis.protect.disclosure_config.suppressed_wording`), never
  a value.

In a notebook the figure still displays as a PNG; its display also carries the output metadata
:data:`lscb_analysis.present.report_html.CHART_METADATA`, from which the exported report puts the alt
text on the ``<img>`` and the table in a collapsed ``<details>`` after it. The text is built
here from the frames the chart was drawn from (pure functions), never from the pixels.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

CHART_METADATA = "lscb_chart"  # the same key as report_html.CHART_METADATA
MISSING = "not available"
TREND_PANELS_DESCRIBED = 6  # panels of a small-multiple chart named in its alt text
_RELATION = {
    "better": "better than",
    "similar": "similar to",
    "worse": "worse than",
    "higher": "higher than",
    "lower": "lower than",
    "not_compared": "not compared with",
}


class ChartFigure(Figure):
    """A matplotlib Figure that carries its alt text and data (see the module docstring)."""

    lscb_alt: str = ""
    lscb_caption: str = ""
    lscb_data: pd.DataFrame | None = None

    def _repr_mimebundle_(self, include=None, exclude=None):
        """No extra MIME data (the PNG comes from the inline backend); metadata for export."""
        return {}, {CHART_METADATA: chart_metadata(self)}


def suppressed_text() -> str:
    """The disclosure rule's words for a suppressed figure ("suppressed (fewer than 6)")."""
    from lscb_analysis.core.errors import LscbError
    from lscb_analysis.protect import disclosure_config

    try:
        return disclosure_config.suppressed_wording()
    except LscbError:  # no readable rules here (a bare test): the plain word still says it
        return "suppressed"


def number(value, decimals: int | None = None) -> str:
    """Return a number as text for alt text and chart tables ("" handled by the caller).

    Whole numbers have no decimals and thousands separators; others keep ``decimals`` (by
    default 1 from 10 up, 2 below).

    >>> [number(1234.0), number(48.123), number(0.4567), number(5.25, 1)]
    ['1,234', '48.1', '0.46', '5.2']
    """
    value = float(value)
    if decimals is None:
        if value == round(value) and abs(value) < 1e12:
            return f"{value:,.0f}"
        decimals = 1 if abs(value) >= 10 else 2
    return f"{value:,.{decimals}f}"


def cell(value, suppressed: bool = False, decimals: int | None = None) -> str:
    """One table cell: the suppression words, "not available" for a gap, else the number."""
    if suppressed:
        return suppressed_text()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.integer | np.floating):
        return number(value, decimals)
    return str(value)


def figure_title(figure: Figure) -> str:
    """The chart's title as one line: the figure's suptitle, else its first Axes' title."""
    title = figure._suptitle.get_text() if getattr(figure, "_suptitle", None) else ""
    if not title and figure.axes:
        axes = figure.axes[0]
        title = axes.get_title(loc="left") or axes.get_title()
    # A line that starts with a capital is a new sentence; otherwise the title was wrapped.
    title = re.sub(r"(?<![.:;!?])\s*\n\s*(?=[A-Z])", ". ", title.strip())
    return re.sub(r"\s*\n\s*", " ", title)


def attach(figure: Figure, finding: str, data: pd.DataFrame | None = None) -> Figure:
    """Give a figure its alt text ("<title>. <finding>") and data table; return it.

    Input: a :class:`ChartFigure` (a plain Figure is returned unchanged), the finding in
    figures, the table of what is drawn (text cells). Output: the same figure.
    """
    if isinstance(figure, ChartFigure):
        title = figure_title(figure)
        figure.lscb_caption = f"Data behind the chart: {title}" if title else "Chart data"
        parts = [part.rstrip(". ") for part in (title, finding) if part]
        figure.lscb_alt = ". ".join(parts) + "." if parts else "Chart."
        figure.lscb_data = data
    return figure


def chart_metadata(figure: Figure) -> dict:
    """The output metadata of a chart: ``{"alt", "caption", "columns", "rows"}``."""
    data = getattr(figure, "lscb_data", None)
    columns, rows = [], []
    if isinstance(data, pd.DataFrame) and not data.empty:
        columns = [str(column) for column in data.columns]
        rows = [[cell(value) for value in row] for row in data.itertuples(index=False)]
    return {
        "alt": getattr(figure, "lscb_alt", "") or figure_title(figure),
        "caption": getattr(figure, "lscb_caption", ""),
        "columns": columns,
        "rows": rows,
    }


def _labels(index) -> list[str]:
    from lscb_analysis.present.report_html import format_period

    return [
        format_period(label)
        if isinstance(label, int | np.integer) or re.fullmatch(r"\d{4}", str(label))
        else str(label)
        for label in index
    ]


def decimals_for(*columns) -> int:
    """Decimals for a chart's figures: 1 when the largest is 10 or more, else 2."""
    values = pd.to_numeric(
        pd.concat([pd.Series(c, dtype=object) for c in columns]), errors="coerce"
    ).abs()
    return 1 if values.isna().all() or values.max() >= 10 else 2


def spc_text(frame: pd.DataFrame, hidden: np.ndarray, measure: str | None) -> tuple:
    """Alt-text finding and data of an XmR chart (:func:`lscb_analysis.present.spc_charts.spc_chart`).

    Input: the ``stats.xmr`` frame and the suppressed-row mask. Output: ``(finding, table)``
    with columns Period, Value, Mean, Lower process limit, Upper process limit.
    """
    periods = _labels(frame.index)
    values = frame["value"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    values[hidden] = np.nan
    known = values[~np.isnan(values)]
    decimals = 1 if not len(known) or np.abs(known).max() >= 10 else 2
    table = pd.DataFrame(
        {
            "Period": periods,
            measure or "Value": [cell(v, h, decimals) for v, h in zip(values, hidden, strict=True)],
            "Mean": [cell(v, decimals=decimals) for v in frame["mean"]],
            "Lower process limit": [cell(v, decimals=decimals) for v in frame["lpl"]],
            "Upper process limit": [cell(v, decimals=decimals) for v in frame["upl"]],
        }
    )
    shown = np.flatnonzero(~np.isnan(values))
    if not len(shown):
        return f"{measure or 'Value'}: no value can be shown", table
    first, last = shown[0], shown[-1]
    finding = (
        f"{measure or 'Value'}, {periods[first]} to {periods[last]}: "
        f"{number(values[first], decimals)} to {number(values[last], decimals)}"
    )
    if last != len(frame) - 1:
        state = "suppressed" if hidden[-1] else "not available"
        return f"{finding}; latest period ({periods[-1]}) {state}", table
    upper, lower = frame["upl"].iloc[-1], frame["lpl"].iloc[-1]
    if pd.notna(upper) and values[last] > upper:
        where = "above the upper process limit"
    elif pd.notna(lower) and values[last] < lower:
        where = "below the lower process limit"
    elif pd.notna(upper) and pd.notna(lower):
        where = (
            f"within the process limits ({number(lower, decimals)} to {number(upper, decimals)})"
        )
    else:
        where = "no process limits yet"
    return f"{finding}; latest {where}", table


def funnel_text(
    frame: pd.DataFrame,
    names: list[str],
    hidden: np.ndarray,
    chosen: int | None,
    measure: str | None,
    not_placed: list[str | None] | None = None,
) -> tuple:
    """Alt-text finding and data of a funnel plot: one row per area (suppressed: words).

    ``not_placed`` gives, per row, the words for why an area that is not suppressed is not
    placed ("no denominator published"), or None; such a row's position reads "not placed:
    <words>" and the finding counts it.
    """
    reasons = list(not_placed) if not_placed is not None else [None] * len(frame)
    unplaced = hidden | np.array([reason is not None for reason in reasons], dtype=bool)
    outside = frame["significance"].astype(str).str.contains("998").to_numpy() & ~unplaced
    places = decimals_for(frame["value"])
    table = pd.DataFrame(
        {
            "Area": names,
            measure or "Value": [
                cell(math.nan if u else v, h, places)
                for v, h, u in zip(frame["value"], hidden, unplaced, strict=True)
            ],
            "Denominator": [cell(v, h) for v, h in zip(frame["denominator"], hidden, strict=True)],
            "Position": [
                suppressed_text()
                if h
                else (f"not placed: {r}" if r is not None else str(s).replace("_", " "))
                for s, h, r in zip(frame["significance"], hidden, reasons, strict=True)
            ],
        }
    )
    finding = (
        f"{int((~unplaced).sum())} areas placed, {int(outside.sum())} outside the 99.8% limits"
    )
    if hidden.any():
        finding += f", {int(hidden.sum())} suppressed and not placed"
    others = int((unplaced & ~hidden).sum())
    if others:
        finding += f", {others} not placed for another reason"
    if chosen is not None:
        finding += f"; {names[chosen]}: {table.iloc[chosen, 1]}"
    return finding, table


def benchmark_text(
    frame: pd.DataFrame,
    names: list[str],
    hidden: np.ndarray,
    chosen: int | None,
    benchmark_label: str,
    measure: str | None,
) -> tuple:
    """Alt-text finding and data of a benchmark chart: value, interval and comparison."""
    places = decimals_for(frame["value"], frame["benchmark"])
    table = pd.DataFrame(
        {
            "Area": names,
            measure or "Value": [
                cell(v, h, places) for v, h in zip(frame["value"], hidden, strict=True)
            ],
            "95% interval: lower end": [
                cell(v, h, places) for v, h in zip(frame["lower"], hidden, strict=True)
            ],
            "95% interval: upper end": [
                cell(v, h, places) for v, h in zip(frame["upper"], hidden, strict=True)
            ],
            benchmark_label: [cell(v, decimals=places) for v in frame["benchmark"]],
            "Compared with the benchmark": [
                suppressed_text() if h else str(c).replace("_", " ")
                for c, h in zip(frame["comparison"], hidden, strict=True)
            ],
        }
    )
    words = [
        "suppressed" if h else str(c).replace("_", " ")
        for c, h in zip(frame["comparison"], hidden, strict=True)
    ]
    counts = pd.Series(words, dtype=object).value_counts()
    finding = ", ".join(f"{count} {label}" for label, count in counts.items())
    if chosen is not None and hidden[chosen]:
        finding = f"{names[chosen]}: {suppressed_text()}; {finding}"
    elif chosen is not None:
        row = table.iloc[chosen]
        relation = _RELATION.get(str(frame["comparison"].iloc[chosen]), "compared with")
        finding = (
            f"{names[chosen]}: {row.iloc[1]} (95% interval {row.iloc[2]} to "
            f"{row.iloc[3]}), {relation} {benchmark_label} ({row.iloc[4]}); "
            f"{finding}"
        )
    return finding, table


def trend_text(trends: pd.DataFrame, area_name: str) -> tuple:
    """Alt-text finding and data of the profile's small multiples (one row per line)."""
    shown = trends.assign(
        text=[
            cell(v, s != "ok") if s == "ok" or str(s).startswith("suppressed") else MISSING
            for v, s in zip(trends["value"], trends["status"], strict=True)
        ],
        year=_labels(trends["period"]),
    )
    table = shown.pivot_table(
        index=["short_title", "series"], columns="year", values="text", aggfunc="first", sort=False
    ).reset_index()
    table = table.rename(columns={"short_title": "Indicator", "series": "Series"})
    table.columns.name = None
    parts = []
    for title, points in shown[shown["series"] == area_name].groupby("short_title", sort=False):
        points = points.sort_values("period")
        ok = points[points["status"] == "ok"].dropna(subset=["value"])
        if len(ok):
            parts.append(
                f"{title} {number(ok['value'].iloc[0], 1)} ({ok['year'].iloc[0]}) "
                f"to {number(ok['value'].iloc[-1], 1)} ({ok['year'].iloc[-1]})"
            )
    if len(parts) > TREND_PANELS_DESCRIBED:
        more = len(parts) - TREND_PANELS_DESCRIBED
        parts = [*parts[:TREND_PANELS_DESCRIBED], f"and {more} more in the data table"]
    return f"{area_name}: " + "; ".join(parts) if parts else "", table.fillna(MISSING)


def grid_text(table: pd.DataFrame, kind: str = "counts") -> tuple:
    """Alt-text finding and data of a heatmap of counts or of statuses (rows x columns)."""
    data = table.copy()
    data.index = [str(label) for label in data.index]
    data = data.reset_index().rename(columns={"index": ""})
    data.columns = [str(c) for c in data.columns]
    if kind == "counts":
        values = table.to_numpy(dtype=float)
        if not values.size:
            return "no data", data
        i, j = np.unravel_index(np.nanargmax(values), values.shape)
        finding = (
            f"{table.shape[0]} rows by {table.shape[1]} columns, {number(np.nansum(values))}"
            f" in all; highest {number(values[i, j])} ({table.index[i]}, "
            f"{table.columns[j]}); cells with none: {int((values == 0).sum())}"
        )
    else:
        words = _status_words()
        counts = pd.Series(table.to_numpy().ravel()).dropna().astype(str).value_counts()
        finding = f"{table.shape[0]} rows by {table.shape[1]} columns: " + ", ".join(
            f"{count} {words.get(label, label.replace('_', ' '))}"
            for label, count in counts.items()
        )
        data.iloc[:, 1:] = data.iloc[:, 1:].map(
            lambda v: v if pd.isna(v) else words.get(str(v), str(v).replace("_", " "))
        )
    return finding, data.fillna("")


def _status_words() -> dict[str, str]:
    """Status code -> words, as the presenter shows them (code_labels.csv ``statuses``)."""
    from lscb_analysis.present import data_dictionary

    return data_dictionary.code_labels("statuses")


def shares_text(table: pd.DataFrame, highlight: str | None = None) -> tuple:
    """Alt-text finding and data of stacked share bars (shares 0-1 shown as %)."""
    data = (table.astype(float) * 100).round(0)
    data.index = [str(label) for label in data.index]
    chosen = str(highlight) if highlight is not None and str(highlight) in data.index else None
    rows = [chosen] if chosen else list(data.index[:3])
    parts = [
        "{}: {}".format(
            row,
            ", ".join(
                f"{column} {number(value, 0)}%" for column, value in data.loc[row].items() if value
            ),
        )
        for row in rows
    ]
    finding = f"{len(data)} bars; " + "; ".join(parts)
    table = data.map(lambda v: MISSING if pd.isna(v) else f"{number(v, 0)}%").reset_index()
    return finding, table.rename(columns={"index": ""})


def panels_text(points: pd.DataFrame, panels: pd.DataFrame, hidden: np.ndarray) -> tuple:
    """Alt-text finding and data of XmR small multiples: the latest point of each panel."""
    shown = points.assign(shown=[cell(v, h) for v, h in zip(points["value"], hidden, strict=True)])
    parts, rows = [], []
    for panel in panels.itertuples(index=False):
        series = shown[shown["pi_id"] == panel.pi_id].sort_values("order")
        rows += [
            [panel.pi_id, str(p), v, cell(m), cell(lo), cell(up)]
            for p, v, m, lo, up in zip(
                series["period"],
                series["shown"],
                series["mean"],
                series["lpl"],
                series["upl"],
                strict=True,
            )
        ]
        if len(series):
            parts.append(
                f"{panel.heading}: latest ({series['period'].iloc[-1]}) {series['shown'].iloc[-1]}"
            )
    table = pd.DataFrame(
        rows,
        columns=["PI", "Period", "Value", "Mean", "Lower process limit", "Upper process limit"],
    )
    return "; ".join(parts), table


def status_symbols(statuses) -> dict[str, str]:
    """Short symbols for statuses, written in a heatmap's cells beside their colour.

    Initials of the words; where two statuses would share one, two letters of the first word.

    >>> status_symbols(["national", "national_suppressed", "collected", "not_collected"])
    {'national': 'N', 'national_suppressed': 'NS', 'collected': 'C', 'not_collected': 'NC'}
    >>> status_symbols(["provided", "partly", "not available"])
    {'provided': 'PR', 'partly': 'PA', 'not available': 'NA'}
    """
    words = {s: [w for w in re.split(r"[\s_\-]+", str(s)) if w] or ["?"] for s in statuses}
    symbols = {s: "".join(w[0] for w in parts).upper() for s, parts in words.items()}
    clashes = pd.Series(symbols).duplicated(keep=False)
    for status, clash in clashes.items():
        if clash:
            parts = words[status]
            symbols[status] = (parts[0][:2] + "".join(w[0] for w in parts[1:])).upper()
    seen: dict[str, int] = {}
    for status, symbol in symbols.items():
        seen[symbol] = seen.get(symbol, 0) + 1
        if seen[symbol] > 1:
            symbols[status] = f"{symbol}{seen[symbol]}"
    return symbols
