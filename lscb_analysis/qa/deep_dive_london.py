"""The deep dive's comparisons: a funnel of all London boroughs and the statistical neighbours.

Limits, over-dispersion, intervals and comparisons come from :mod:`lscb_analysis.stats`;
nothing here computes one itself. The funnels follow ``data/reference/funnels.yaml`` and
account for every London borough: a suppressed, unpublished or unusable figure is named as
"not placed" with its reason, never plotted and never silently dropped.
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import indicators, register
from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.present.funnel_notes import FunnelSettings, load_funnel_settings
from lscb_analysis.published.public_data import OK, period_label
from lscb_analysis.qa.deep_dive import (
    ENGLAND_CODE,
    SUPPRESSED,
    DeepDiveScope,
)
from lscb_analysis.stats.benchmarking import compare_to_benchmark
from lscb_analysis.stats.funnels import funnel
from lscb_analysis.stats.intervals import proportion_ci, rate_ci

FUNNEL_UNITS: dict[str, tuple[str, int]] = {
    "percent": ("proportion", 100),
    "rate_per_10000": ("rate", 10000),
}
"""The units a London funnel is drawn for: the funnel's kind and multiplier for each. Other
units (a caseload per FTE, a number) have no binomial or Poisson model to draw limits from."""

NOT_PUBLISHED = "not_published"
"""Status of a borough with no row for the indicator and year in the published table."""


def london_funnel(
    table: pd.DataFrame,
    indicator_id: str,
    period: int,
    settings: FunnelSettings | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Funnel of every London borough for one indicator and year, by the workbench's method.

    Proportions use the indicator's numerator and denominator; rates per 10,000 use the count
    and the child population. The method, scale, over-dispersion adjustment and winsorising
    come from ``data/reference/funnels.yaml`` (``settings``, default
    :func:`lscb_analysis.present.funnel_notes.load_funnel_settings`): by default exact
    binomial or Poisson limits (PHE's funnel method) around the London figure, widened for
    over-dispersion by Spiegelhalter's (2005) multiplicative method on FunnelPlotR's
    transformed scale when phi > 1. The frame's ``attrs`` record the method and phi.

    Every London borough (the City of London included) keeps a row, in register order. Only
    a borough with a published ("ok") numerator and a positive denominator is placed and
    counts towards the target and limits; any other keeps its published ``status``
    (``suppressed``, ``not_applicable``, ...; ``not_published`` when the table has no row for
    it) and the funnel's ``not_placed`` reason (``no_numerator``, ``no_denominator``,
    ``zero_denominator``), so the chart and its table name it with the reason instead of
    dropping it.

    Returns:
        (funnel frame from ``stats.funnels.funnel`` with the published ``status`` as an
        extra column, one row per borough; the boroughs' names).

    Raises:
        InvalidArgumentError: the indicator's unit is not one of :data:`FUNNEL_UNITS`.
        ReferenceDataError: from reading funnels.yaml or the indicator metadata.
    """
    settings = settings or load_funnel_settings()
    metadata = indicators.load_metadata()
    unit = metadata.at[indicator_id, "unit"]
    if unit not in FUNNEL_UNITS:
        raise InvalidArgumentError(
            f"indicator_id {indicator_id!r} is measured in {unit!r}; a London funnel is drawn "
            f"only for {' and '.join(FUNNEL_UNITS)} indicators. Choose one of those."
        )
    kind, multiplier = FUNNEL_UNITS[unit]
    london = {la.la_number: la.name for la in register.london_boroughs()}
    rows = table[
        (table["indicator"] == indicator_id)
        & (table["period"] == period)
        & table["la_number"].isin(london)
    ].drop_duplicates("la_number")
    rows = rows.set_index("la_number").reindex(list(london))
    rows["status"] = rows["status"].fillna(NOT_PUBLISHED)
    counted = rows["status"] == OK
    frame = funnel(
        rows["numerator"].where(counted).to_numpy(dtype=float),
        rows["denominator"].where(counted).to_numpy(dtype=float),
        kind=kind,
        multiplier=multiplier,
        **settings.funnel_options(),
    )
    frame["status"] = rows["status"].to_numpy()
    frame.attrs.update(unit=unit, denominator_label=indicators.denominator_label(unit))
    return frame, list(london.values())


def neighbour_comparison(
    table: pd.DataFrame, scope: DeepDiveScope, indicator_id: str
) -> tuple[pd.DataFrame, list[str]]:
    """The borough and its statistical neighbours, each with a 95% interval, against England.

    Returns:
        (``compare_to_benchmark`` frame — ``value, lower, upper, benchmark,
        comparison`` and the published ``status`` — one row per area with a figure or a
        suppressed one, their names). Intervals: Wilson for percentages, exact/Byar for rates
        per 10,000; areas without a numerator and denominator are ``not_compared``; a
        suppressed area has no value or interval (the chart shows "c").
    """
    metadata = indicators.load_metadata()
    numbers = [scope.area.la_number, *scope.area.neighbours]
    rows = table[
        (table["indicator"] == indicator_id)
        & (table["period"] == scope.period)
        & table["la_number"].isin(numbers)
        & table["status"].isin([OK, SUPPRESSED])
    ].drop_duplicates("la_number")
    present = set(rows["la_number"])
    rows = rows.set_index("la_number").reindex([n for n in numbers if n in present])
    hidden = rows["status"] != OK
    rows[["numerator", "denominator", "value"]] = rows[["numerator", "denominator", "value"]].where(
        ~hidden
    )
    england = table[
        (table["indicator"] == indicator_id)
        & (table["period"] == scope.period)
        & (table["area_code"] == ENGLAND_CODE)
    ]["value"]
    unit = metadata.at[indicator_id, "unit"]
    if unit == "rate_per_10000":
        interval = rate_ci(rows["numerator"].to_numpy(), rows["denominator"].to_numpy())
    elif unit == "percent" and rows.loc[~hidden, "denominator"].notna().all():
        interval = proportion_ci(rows["numerator"].to_numpy(), rows["denominator"].to_numpy())
    else:
        interval = pd.DataFrame(
            {"lower": [float("nan")] * len(rows), "upper": [float("nan")] * len(rows)}
        )
    polarity = {"high": "high", "low": "low"}.get(metadata.at[indicator_id, "polarity"])
    frame = compare_to_benchmark(
        rows["value"].to_numpy(),
        interval["lower"].to_numpy(),
        interval["upper"].to_numpy(),
        england.iloc[0] if len(england) else float("nan"),
        polarity,
    )
    frame["status"] = rows["status"].to_numpy()
    frame.attrs["unit"] = unit
    return frame, list(rows["area_name"])


def funnels(table: pd.DataFrame, scope: DeepDiveScope) -> dict[str, tuple[pd.DataFrame, list]]:
    """:func:`london_funnel` for each of the scope's percentage and rate indicators with three
    boroughs to place (a caseload or other unit has no funnel).

    Output: ``{indicator id: (funnel frame, names)}``; boroughs not placed stay in as rows
    with no value and their reason, for the chart's "not placed" note and table. Raises
    nothing of its own.
    """
    out = {}
    settings = load_funnel_settings()
    units = indicators.load_metadata()["unit"]
    for indicator_id in scope.indicator_ids:
        if units[indicator_id] not in FUNNEL_UNITS:
            continue
        frame, names = london_funnel(table, indicator_id, scope.period, settings)
        if frame["value"].notna().sum() >= 3:
            out[indicator_id] = (frame, names)
    return out


def funnel_gaps(funnel_frames: dict, scope: DeepDiveScope) -> str:
    """A sentence naming each of the scope's indicators that has no funnel, and why; "" when
    every indicator has one (so no indicator drops out of the section unannounced).

    Input: :func:`funnels`' result and the scope. Output: Markdown text. Raises nothing.
    """
    metadata = indicators.load_metadata()
    gaps = []
    for indicator_id in scope.indicator_ids:
        if indicator_id in funnel_frames:
            continue
        title = metadata.at[indicator_id, "short_title"]
        if metadata.at[indicator_id, "unit"] not in FUNNEL_UNITS:
            gaps.append(f"{title} (a funnel compares percentages and rates, not this unit)")
        else:
            gaps.append(f"{title} (fewer than three boroughs with a published figure)")
    return f"No funnel for {'; '.join(gaps)}." if gaps else ""


def funnel_figures(funnel_frames: dict, scope: DeepDiveScope) -> list:
    """One funnel plot per indicator, the borough highlighted and outliers labelled."""
    from lscb_analysis.present import comparison_charts

    metadata = indicators.load_metadata()
    figures = []
    for indicator_id, (frame, names) in funnel_frames.items():
        polarity = {"high": "high", "low": "low"}.get(metadata.at[indicator_id, "polarity"])
        figures.append(
            comparison_charts.funnel_plot(
                frame,
                labels=names,
                highlight=scope.area.name if scope.area.name in names else None,
                polarity=polarity,
                measure=f"{metadata.at[indicator_id, 'short_title']} "
                f"({period_label(scope.period)})",
            )
        )
    return figures


def neighbour_figures(table: pd.DataFrame, scope: DeepDiveScope) -> list:
    """One chart per indicator: the borough and its neighbours with intervals against England."""
    from lscb_analysis.present import comparison_charts

    metadata = indicators.load_metadata()
    figures = []
    for indicator_id in scope.indicator_ids:
        frame, names = neighbour_comparison(table, scope, indicator_id)
        if len(frame):
            figures.append(
                comparison_charts.benchmark_chart(
                    frame,
                    labels=names,
                    highlight=scope.area.name if scope.area.name in names else None,
                    measure=f"{metadata.at[indicator_id, 'short_title']} "
                    f"({period_label(scope.period)})",
                )
            )
    return figures
