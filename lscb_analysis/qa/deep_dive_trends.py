"""The deep dive's trends: SPC (XmR) charts of the annual published series and the quarterly pilot values.

Annual: the borough's published series for each indicator from :data:`SPC_FROM`; quarterly:
the best-fit model PIs the borough returned in the Phase III pilot, suppressed on the board
tier as the score card does. Every limit and signal comes from :mod:`lscb_analysis.stats.xmr`;
the trend across the quarters is the score card's Mann-Kendall test, named in the note.
A suppressed figure is never plotted.
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import indicators
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.protect import disclosure_config
from lscb_analysis.published.public_data import OK
from lscb_analysis.qa.deep_dive import (
    SPC_FROM,
    SUPPRESSED,
    USABLE,
    DeepDiveScope,
)
from lscb_analysis.scorecard import pilot_values, wording
from lscb_analysis.scorecard.ratings import trend_judgement
from lscb_analysis.scorecard.rules import load_rules
from lscb_analysis.scorecard.trend_marker import trend_fields
from lscb_analysis.stats.xmr import xmr


def _series(table: pd.DataFrame, indicator_id: str, mask: pd.Series) -> pd.DataFrame:
    rows = table[(table["indicator"] == indicator_id) & mask]
    return rows.sort_values("period").set_index("period")


def spc_frames(table: pd.DataFrame, scope: DeepDiveScope) -> dict[str, pd.DataFrame]:
    """XmR charts of the borough's annual series for each indicator (NHS Making Data Count).

    Returns:
        ``{indicator id: xmr frame}``, indexed by reporting year, with the published
        ``status`` of each year as an extra column. Missing or suppressed years stay as gaps
        (never interpolated, left out of the limits; a year absent from the file is
        ``not_available``, up to the deep dive's year, so the last row is always that year);
        the improvement direction follows the indicator's polarity; the limits are clipped
        to the unit's possible range (:func:`lscb_analysis.core.indicators.value_range`).
        ``attrs`` add ``unit``, ``decimals``, ``title`` (short) and ``period`` (the deep
        dive's year, for :func:`lscb_analysis.present.latest.latest_verdict`).
        Indicators with fewer than two figures are left out.
    """
    metadata = indicators.load_metadata()
    frames = {}
    for indicator_id in scope.indicator_ids:
        series = _series(table, indicator_id, table["la_number"] == scope.area.la_number)
        series = series[~series.index.duplicated()]
        series = series[(series.index >= SPC_FROM) & (series.index <= scope.period)]
        if series.empty:
            continue
        series = series.reindex(range(int(series.index.min()), int(scope.period) + 1))
        status = series["status"].fillna("not_available")
        values = series["value"].where(status == OK)
        if values.notna().sum() < 2:
            continue
        polarity = metadata.at[indicator_id, "polarity"]
        improvement = {"high": "up", "low": "down"}.get(polarity)
        unit = metadata.at[indicator_id, "unit"]
        frame = xmr(values, improvement=improvement, value_range=indicators.value_range(unit))
        frame["status"] = status.to_numpy()
        frame.attrs.update(
            unit=unit,
            decimals=int(metadata.at[indicator_id, "decimals"]),
            title=metadata.at[indicator_id, "short_title"],
            period=int(scope.period),
        )
        frames[indicator_id] = frame
    return frames


def _quarter_series(
    pilot: pd.DataFrame, frequency: str, cutoff: str | None, cycles: dict
) -> pd.DataFrame:
    """One PI's quarters in order, one row each; quarters not returned are ``not_returned``.

    The quarters are those of the PI's reporting cycle (``cycle_quarters`` in
    ``pilot_rules.yaml``: a six-monthly PI has two a year), from the first returned to the
    last returned, or to the last cycle quarter up to ``cutoff`` when one is given (a quarter
    not returned by then is ``not_returned``, so the last row is the report's latest
    quarter; one the return marks not yet due is ``not_yet_due``); a quarter returned twice
    keeps its usable figure.
    """
    quarters_only = pilot[pilot["period"].str.fullmatch(r"\d{4}Q[1-4]")]
    due_later = set(quarters_only.loc[quarters_only["state"] == "not_yet_due", "period"])
    rows = quarters_only[quarters_only["state"] != "not_yet_due"]
    rows = rows.assign(order=rows["period"].map(pilot_periods.period_index))
    if cutoff is not None:
        rows = rows[rows["order"] <= pilot_periods.period_index(cutoff)]
    if rows.empty:
        return rows
    rows = rows.assign(usable=rows["state"].eq(USABLE)).sort_values(["order", "usable"])
    rows = rows.drop_duplicates("order", keep="last").set_index("order")
    quarters = set(cycles.get(frequency, [1, 2, 3, 4]))
    end = int(rows.index.max()) if cutoff is None else pilot_periods.period_index(cutoff)
    grid = [
        i for i in range(int(rows.index.min()), end + 1) if i % 4 + 1 in quarters or i in rows.index
    ]
    rows = rows.reindex(grid)
    rows["period"] = [pilot_periods.period_from_index(i) for i in grid]
    rows["state"] = rows["state"].fillna(
        rows["period"].map(lambda label: "not_yet_due" if label in due_later else "not_returned")
    )
    return rows.set_index("period")


def _pi_title(pi: pd.Series, metadata: pd.DataFrame) -> str:
    """A PI's short title: its published indicator's short title, else the catalogue's."""
    source = pi["source_indicator"]
    if isinstance(source, str) and source in metadata.index:
        return str(metadata.at[source, "short_title"])
    return wording.short_title(pi["title"])


def quarterly_spc_frames(
    scope: DeepDiveScope,
    values: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """XmR charts of the borough's quarterly local values for the scope's PIs (Phase III pilot).

    Inputs: ``scope`` (its ``pi_ids``, ``quarter_cutoff``, ``tier`` and ``model_version``);
    ``values``, the pilot_values table (None: ``data/processed/pilot_values.parquet`` via
    :func:`lscb_analysis.scorecard.pilot_values.load_pilot_tables`; no file means no values). Each row's
    state and the tier's small-number suppression come from
    :func:`lscb_analysis.scorecard.pilot_values.prepare_pilot`: in the board tier a count from 1 to 5 (and
    the percentage or rate made from it) is suppressed; the analyst tier shows every figure.

    Returns:
        ``{pi id: xmr frame}`` indexed by quarter label (``2025Q1``), oldest first, in
        the order of ``scope.pi_ids``, with an extra ``state`` column (``ok``,
        ``suppressed``, ``error``, ``not_available``, ``not_published``, ``not_returned``).
        Only ``ok`` figures carry a value: a suppressed quarter stays as a row marked
        ``suppressed`` with no value, so it is never plotted and is left out of the limits.
        ``attrs`` add ``pi_id``, ``title`` (short, for sentences) and ``tier``. PIs with
        fewer than two figures are left out; an empty dict when the borough returned none.

    Raises:
        ParameterError: an unknown tier in ``scope``.
        ReferenceDataError: the pilot_values file lacks a column (rebuild it with
            ``lscb pilot ingest``).
    """
    if values is None:
        values, _ = pilot_values.load_pilot_tables()
    if values.empty or not scope.pi_ids:
        return {}
    pilot_rules = pilot_periods.load_rules()
    pilot = pilot_values.prepare_pilot(
        values[values["pi_id"].isin(scope.pi_ids)], scope.tier, pilot_rules
    )
    pilot = pilot[pilot["la_number"] == scope.area.la_number]
    model = catalogue_module.load_catalogue(scope.model_version)
    metadata = indicators.load_metadata()
    frames = {}
    for pi_id in scope.pi_ids:
        pi = model.pi(pi_id)
        series = _quarter_series(
            pilot[pilot["pi_id"] == pi_id],
            pi["frequency"],
            scope.quarter_cutoff,
            pilot_rules["periods"]["cycle_quarters"],
        )
        if series.empty:
            continue
        figures = series["value"].where(series["state"] == USABLE)
        if figures.notna().sum() < 2:
            continue
        frame = xmr(
            figures.astype(float),
            improvement={"high": "up", "low": "down"}.get(pi["polarity"]),
            value_range=indicators.value_range(pi["unit"]),
        )
        frame["state"] = series["state"].to_numpy()
        frame.index.name = "period"
        frame.attrs.update(
            pi_id=pi_id,
            title=_pi_title(pi, metadata),
            tier=scope.tier,
            unit=pi["unit"],
            decimals=int(pi["decimals"]),
            period=frame.index[-1],
        )
        frames[pi_id] = frame
    return frames


def quarterly_trend_text(frame: pd.DataFrame, pi: pd.Series, rules: dict) -> str:
    """One PI's trend across its quarters, with the test named: "Re-referrals: no significant
    change, by Mann-Kendall, 8 quarters".

    The test is the score card's for quarterly local figures
    (:func:`lscb_analysis.scorecard.trend_marker.trend_fields`: Mann-Kendall, seasonal by
    quarter of the year when every quarter has enough figures; never Fingertips' test, which
    is for yearly points), on the figures the frame shows: a quarter suppressed for the
    board is left out and counted.

    Inputs: ``frame`` (one of :func:`quarterly_spc_frames`: ``value``, ``state``, quarter
    labels as index, ``attrs["title"]``), ``pi`` (its catalogue row: ``frequency``,
    ``polarity``), ``rules`` (the score card rules). Output: the clause.
    """
    series = pd.DataFrame(
        {
            "order": [pilot_periods.period_index(label) for label in frame.index],
            "value": frame["value"].to_numpy(dtype=float),
            "state": frame["state"].to_numpy(),
            "numerator": float("nan"),
            "denominator": float("nan"),
        }
    )
    fields = trend_fields(
        series, {"source_type": "local", "frequency": pi["frequency"]}, pi["unit"], rules
    )
    words = fields["trend"].replace("_", " ")
    judgement = trend_judgement(fields["trend"], pi["polarity"])
    if judgement:
        words += f", {judgement}"
    elif fields["trend"] == "cannot_be_calculated":
        words += f": {fields['trend_reason']}"
    return f"{frame.attrs['title']}: {words}, by {fields['trend_method_text']}"


def quarterly_note(scope: DeepDiveScope, quarterly: dict[str, pd.DataFrame]) -> str:
    """One sentence (markdown) on the quarterly local values the deep dive charts.

    Inputs: ``scope`` and :func:`quarterly_spc_frames`. Output: a sentence saying which PIs
    have quarterly figures, over which quarters and how many are suppressed, which of the
    scope's PIs have too few figures to chart; then each PI's trend across the quarters
    with the test named (:func:`quarterly_trend_text`); and the tier's label in the analyst
    tier. When there is nothing to chart (no pilot return), one sentence saying so.
    Raises: CatalogueError when the scope's model version cannot be read.

    >>> from lscb_analysis.core import register
    >>> scope = DeepDiveScope(register.resolve("Barnet"), "neglect", "Neglect", (), (), 2025,
    ...                       (), ("BF-FD-03",))
    >>> quarterly_note(scope, {})[:53]
    'Barnet has no quarterly local figures to chart for Re'
    """
    model = catalogue_module.load_catalogue(scope.model_version)
    metadata = indicators.load_metadata()
    missing = [_pi_title(model.pi(pi), metadata) for pi in scope.pi_ids if pi not in quarterly]
    if not quarterly:
        if not scope.pi_ids:
            return (
                "No PI of the best-fit model belongs to this theme, so there are no "
                "quarterly local figures: only the yearly published series is shown."
            )
        return (
            f"{scope.area.name} has no quarterly local figures to chart for "
            f"{', '.join(missing)}: no Phase III pilot return (`lscb pilot ingest`) holds "
            "two or more figures that may be shown, so only the yearly published series "
            "is shown."
        )
    periods = [p for frame in quarterly.values() for p in frame.index]
    first = min(periods, key=pilot_periods.period_index)
    last = max(periods, key=pilot_periods.period_index)
    hidden = sum(int((frame["state"] == SUPPRESSED).sum()) for frame in quarterly.values())
    # Each charted PI is named once, with its trend, below.
    sentence = (
        f"Quarterly local figures from {scope.area.name}'s pilot returns, {first} to "
        f"{last}, for {len(quarterly)} PI{'s' if len(quarterly) != 1 else ''}"
    )
    if hidden:
        sentence += (
            f"; {hidden} quarterly figure{'s are' if hidden != 1 else ' is'} "
            'suppressed (small numbers, or suppressed by DfE), shown as "c"'
        )
    if missing:
        sentence += f"; too few figures to chart for {', '.join(missing)}"
    sentence += "."
    rules = load_rules()
    trends = [quarterly_trend_text(frame, model.pi(pi), rules) for pi, frame in quarterly.items()]
    sentence += (
        f" Trend across the quarters, at "
        f"{float(rules['trend']['quarterly']['confidence']):.0%} confidence: "
        f"{'; '.join(trends)}."
    )
    if scope.tier != disclosure_config.DEFAULT_TIER:
        sentence += f" **{disclosure_config.tier_label(scope.tier)}**."
    return sentence


def quarterly_figures(quarterly: dict[str, pd.DataFrame]) -> list:
    """One Making Data Count chart per PI of :func:`quarterly_spc_frames` ("c" if suppressed)."""
    from lscb_analysis.present import spc_charts

    return [
        spc_charts.spc_chart(frame, measure=f"{frame.attrs['title']} (quarterly, local)")
        for frame in quarterly.values()
    ]


def spc_figures(spc: dict[str, pd.DataFrame]) -> list:
    """One Making Data Count chart per indicator (``spc_charts.spc_chart``), titled by finding."""
    from lscb_analysis.present import spc_charts

    metadata = indicators.load_metadata()
    return [
        spc_charts.spc_chart(frame, measure=metadata.at[i, "short_title"])
        for i, frame in spc.items()
    ]
