"""The borough safeguarding profile: headline table, trends and plain-English movement lines.

Pure functions over ``public_indicators`` (see :mod:`lscb_analysis.published.public_data`): each takes
the tidy table and a borough from the register and returns a small DataFrame the
``borough_profile`` notebook shows as it is.
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import indicators, io, register
from lscb_analysis.core.errors import ParameterError, UnknownAreaError
from lscb_analysis.published.public_data import OK, period_label
from lscb_analysis.stats.benchmarking import neighbour_mean

ENGLAND_CODE = "E92000001"
LONDON_CODE = "E12000007"
TREND_START = 2016
NEIGHBOURS_LABEL = "Statistical neighbours (mean)"
HEADLINE_COLUMNS = [
    "indicator",
    "title",
    "year",
    "borough",
    "london",
    "england",
    "neighbours",
    "neighbours_used",
    "london_rank",
    "rank_basis",
    "status",
]
TREND_COLUMNS = ["indicator", "short_title", "period", "series", "value", "status"]


def check_borough(borough: str) -> register.LocalAuthority:
    """Return the register entry for the ``borough`` parameter.

    Raises:
        ParameterError: the name does not resolve; the message names the parameter and lists
        the closest matches.
    """
    try:
        return register.resolve(borough)
    except UnknownAreaError as error:
        raise ParameterError(f"Parameter 'borough': {error}") from error


def check_period(table: pd.DataFrame, area: register.LocalAuthority, period) -> int:
    """Return the reporting year to show: ``period`` checked, or the latest with data.

    Args:
        table: ``public_indicators``.
        area: the borough.
        period: a year such as 2025 (for 2024-25), or None for the latest year with data.

    Raises:
        ParameterError: ``period`` is not a year, or the borough has no data for it (the
        message gives the years available).
    """
    available = sorted(
        table.loc[(table["la_number"] == area.la_number) & (table["status"] == OK), "period"]
        .unique()
        .tolist()
    )
    if not available:
        raise ParameterError(
            f"Parameter 'borough': {area.name} has no published figures in public_indicators. "
            "Rebuild the data with `lscb data build`."
        )
    if period is None or (isinstance(period, str) and period.strip().lower() in ("", "latest")):
        return int(available[-1])
    try:
        year = int(str(period).strip()[:4]) + (1 if "-" in str(period) else 0)
    except ValueError as error:
        raise ParameterError(
            f"Parameter 'period': {period!r} is not a year. Give the reporting year, e.g. 2025 "
            "for 2024-25, or leave it empty for the latest year."
        ) from error
    if year not in available:
        raise ParameterError(
            f"Parameter 'period': {area.name} has no published figures for {year}. Years "
            f"available: {available[0]} to {available[-1]}."
        )
    return year


def status_labels() -> dict[str, str]:
    """Return a plain-English label for each status (``suppressed`` -> reason text)."""
    table = io.read_reference_csv("symbols.csv", ["symbol", "status", "meaning"])
    first = table.drop_duplicates("status")
    return dict(zip(first["status"], first["meaning"], strict=True))


def _display(value: float, status: str, indicator_id: str, labels: dict[str, str]) -> str:
    if status != OK or pd.isna(value):
        return labels.get(status, status.replace("_", " ").capitalize())
    return indicators.format_value(value, indicator_id)


def _values(table: pd.DataFrame, indicator_id: str, period: int) -> pd.DataFrame:
    return table[(table["indicator"] == indicator_id) & (table["period"] == period)]


def _neighbour_average(rows: pd.DataFrame, area: register.LocalAuthority) -> tuple[float, int]:
    la_rows = rows[(rows["area_type"] == "la") & (rows["status"] == OK)]
    values_by_la = dict(zip(la_rows["la_number"], la_rows["value"], strict=True))
    result = neighbour_mean(values_by_la, {area.la_number: list(area.neighbours)})
    return float(result["neighbour_mean"].iloc[0]), int(result["neighbours_used"].iloc[0])


def london_rank(rows: pd.DataFrame, la_number: str, polarity: str) -> tuple[int | None, int]:
    """Rank a borough among the London boroughs with a value, following polarity.

    Rank 1 is the best when the indicator has a polarity (highest value when higher is
    better, lowest when lower is better) and the highest value when it has none. Ties share
    the better rank.

    Args:
        rows: one indicator and year of ``public_indicators``.
        la_number: the borough's DfE number.
        polarity: ``high``, ``low`` or ``none``.

    Returns:
        (rank or None when the borough has no value, number of boroughs ranked).
    """
    london = {la.la_number for la in register.london_boroughs()}
    ranked = rows[rows["la_number"].isin(london) & (rows["status"] == OK)]
    ranks = ranked["value"].rank(ascending=(polarity == "low"), method="min")
    by_la = dict(zip(ranked["la_number"], ranks, strict=True))
    rank = by_la.get(la_number)
    return (int(rank) if rank is not None else None), len(ranked)


def headline_table(table: pd.DataFrame, area: register.LocalAuthority, period: int) -> pd.DataFrame:
    """Every indicator for the borough in ``period`` beside London, England and neighbours.

    Where an indicator is not published for ``period`` (the missing-from-care figures end a
    year earlier), the latest earlier year is shown and ``year`` says which.

    Returns:
        One row per indicator with ``HEADLINE_COLUMNS``: ``title``, ``year`` (e.g.
        ``2024-25``), ``borough``, ``london``, ``england`` and ``neighbours`` as display text
        (the value with its decimals and unit, or the reason it is missing),
        ``neighbours_used`` ("9 of 10"), ``london_rank`` ("5 of 33"), ``rank_basis`` ("1 =
        best" or "1 = highest") and the borough's ``status``.
    """
    labels = status_labels()
    rows = []
    for indicator_id, meta in indicators.load_metadata().iterrows():
        years = table.loc[
            (table["indicator"] == indicator_id) & (table["period"] <= period), "period"
        ]
        if years.empty:
            continue
        year = int(years.max())
        values = _values(table, indicator_id, year)
        own = values[values["la_number"] == area.la_number]
        own_value = float(own["value"].iloc[0]) if len(own) else float("nan")
        own_status = own["status"].iloc[0] if len(own) else "not_available"
        row = {
            "indicator": indicator_id,
            "title": meta["short_title"],
            "year": period_label(year),
            "borough": _display(own_value, own_status, indicator_id, labels),
            "status": own_status,
        }
        for key, code in (("london", LONDON_CODE), ("england", ENGLAND_CODE)):
            match = values[values["area_code"] == code]
            row[key] = (
                _display(match["value"].iloc[0], match["status"].iloc[0], indicator_id, labels)
                if len(match)
                else labels["not_available"]
            )
        mean, used = _neighbour_average(values, area)
        row["neighbours"] = _display(mean, OK if used else "not_available", indicator_id, labels)
        row["neighbours_used"] = f"{used} of {len(area.neighbours)}"
        rank, ranked = london_rank(values, area.la_number, meta["polarity"])
        row["london_rank"] = f"{rank} of {ranked}" if rank else "not ranked"
        row["rank_basis"] = "1 = highest" if meta["polarity"] == "none" else "1 = best"
        rows.append(row)
    return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)


def trend_frame(
    table: pd.DataFrame,
    area: register.LocalAuthority,
    last_period: int,
    first_period: int = TREND_START,
) -> pd.DataFrame:
    """Yearly series for the borough, London, England and its statistical-neighbour mean.

    Returns:
        Long frame with ``TREND_COLUMNS``; ``series`` is the borough name, ``London``,
        ``England`` or ``Statistical neighbours (mean)``. Missing values keep their status and
        a missing ``value``; they are never drawn as zero.
    """
    metadata = indicators.load_metadata()
    window = table[(table["period"] >= first_period) & (table["period"] <= last_period)]
    series = {
        area.name: window["la_number"] == area.la_number,
        "London": window["area_code"] == LONDON_CODE,
        "England": window["area_code"] == ENGLAND_CODE,
    }
    parts = []
    for name, mask in series.items():
        part = window.loc[mask, ["indicator", "period", "value", "status"]].assign(series=name)
        parts.append(part)
    neighbour_rows = []
    for (indicator_id, year), rows in window.groupby(["indicator", "period"]):
        mean, used = _neighbour_average(rows, area)
        neighbour_rows.append(
            {
                "indicator": indicator_id,
                "period": year,
                "value": mean,
                "status": OK if used else "not_available",
                "series": NEIGHBOURS_LABEL,
            }
        )
    parts.append(pd.DataFrame(neighbour_rows))
    trends = pd.concat(parts, ignore_index=True)
    trends["short_title"] = trends["indicator"].map(metadata["short_title"])
    order = {indicator_id: i for i, indicator_id in enumerate(metadata.index)}
    trends = trends.sort_values(
        ["indicator", "series", "period"],
        key=lambda s: s.map(order) if s.name == "indicator" else s,
    )
    return trends[TREND_COLUMNS].reset_index(drop=True)


def movement_sentences(
    table: pd.DataFrame, area: register.LocalAuthority, period: int
) -> pd.DataFrame:
    """One plain-English line per indicator on how the borough moved since the year before.

    Movement is judged on the values as published (rounded to the indicator's decimals), so
    "no change" means the published figure did not change. Where the indicator has a
    polarity the line says whether the move is an improvement.

    Returns:
        Columns ``indicator, title, direction, sentence``; ``direction`` is ``up``, ``down``,
        ``no_change`` or ``not_comparable``.
    """
    labels = status_labels()
    rows = []
    for indicator_id, meta in indicators.load_metadata().iterrows():
        own = table[
            (table["indicator"] == indicator_id)
            & (table["la_number"] == area.la_number)
            & (table["period"] <= period)
        ]
        own = own.set_index("period")
        title = meta["short_title"]
        if own.empty:
            rows.append(
                {
                    "indicator": indicator_id,
                    "title": title,
                    "direction": "not_comparable",
                    "sentence": f"{title}: not published for {area.name}.",
                }
            )
            continue
        year = int(own.index.max())
        now = own.loc[year]
        before = own.loc[year - 1] if (year - 1) in own.index else None
        decimals = int(meta["decimals"])
        if now["status"] != OK:
            sentence = (
                f"{title}: no figure for {period_label(year)}: "
                f"{labels.get(now['status'], now['status']).lower()}."
            )
            direction = "not_comparable"
        elif before is None or before["status"] != OK:
            reason = (
                "no figure the year before"
                if before is None
                else labels.get(before["status"], before["status"]).lower()
            )
            sentence = (
                f"{title} was {indicators.format_value(now['value'], indicator_id)} in "
                f"{period_label(year)}; it cannot be compared with "
                f"{period_label(year - 1)}: {reason}."
            )
            direction = "not_comparable"
        else:
            current = indicators.round_half_up(now["value"], decimals)
            previous = indicators.round_half_up(before["value"], decimals)
            shown_now = indicators.format_value(now["value"], indicator_id)
            shown_before = indicators.format_value(before["value"], indicator_id)
            if current == previous:
                direction = "no_change"
                sentence = f"{title} was unchanged at {shown_now} in {period_label(year)}."
            else:
                direction = "up" if current > previous else "down"
                verb = "rose" if direction == "up" else "fell"
                sentence = (
                    f"{title} {verb} from {shown_before} in {period_label(year - 1)} to "
                    f"{shown_now} in {period_label(year)}"
                )
                if meta["polarity"] != "none":
                    better = (direction == "up") == (meta["polarity"] == "high")
                    judgement = "an improvement" if better else "a deterioration"
                    good = "higher" if meta["polarity"] == "high" else "lower"
                    sentence += f", {judgement} ({good} is better)."
                else:
                    sentence += " (no judgement: neither direction is better in itself)."
        rows.append(
            {
                "indicator": indicator_id,
                "title": title,
                "direction": direction,
                "sentence": sentence,
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "title", "direction", "sentence"])


HEADLINE_LABELS = {
    "title": "Indicator",
    "year": "Year",
    "borough": "Borough",
    "london": "London",
    "england": "England",
    "neighbours": "Statistical neighbours",
    "neighbours_used": "Neighbours with data",
    "london_rank": "Rank in London",
    "rank_basis": "Rank order",
}


def headline_display(headline: pd.DataFrame, area_name: str):
    """Return the headline table ready to show, through :mod:`lscb_analysis.present.presenter`.

    Returns:
        A :class:`lscb_analysis.present.presenter.Presented` table (renders as HTML in the report)
        headed by :data:`HEADLINE_LABELS`, the borough column headed with the borough's name.
    """
    from lscb_analysis.present import presenter

    return presenter.show(
        headline[list(HEADLINE_LABELS)],
        f"{area_name} against London, England and its neighbours",
        labels=HEADLINE_LABELS | {"borough": area_name},
    )


def movement_summary(movement: pd.DataFrame, area_name: str, period: int) -> str:
    """Return a one-line finding for the trend charts' title from :func:`movement_sentences`.

    >>> frame = pd.DataFrame({"sentence": ["x, an improvement (lower is better).",
    ...     "y, a deterioration (higher is better).", "z rose (no judgement)"]})
    >>> movement_summary(frame, "Barnet", 2025)
    'Barnet in 2024-25: 1 indicator improved and 1 deteriorated since 2023-24'
    """
    improved = int(movement["sentence"].str.contains(", an improvement").sum())
    worse = int(movement["sentence"].str.contains(", a deterioration").sum())
    plural = "indicator" if improved == 1 else "indicators"
    return (
        f"{area_name} in {period_label(period)}: {improved} {plural} improved and {worse} "
        f"deteriorated since {period_label(period - 1)}"
    )
