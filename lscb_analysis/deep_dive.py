"""The Quality Assurance sub-group's deep dive: what lies behind a theme's numbers.

Pure functions that gather, for one borough and one theme (``data/reference/audit_themes.yaml``
names each theme's published indicators and assessment factors) or one indicator: the trend
with SPC, a funnel of all London boroughs with over-dispersion, the statistical neighbours with
intervals, the assessment-factor breakdown, Ofsted's latest judgements, the audit findings, and
the questions the signals raise. Every interval and signal comes from
:mod:`lscb_analysis.stats`; nothing here computes one itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lscb_analysis import audit, audit_analysis, indicators, ofsted, public_data, register, stats
from lscb_analysis.errors import ParameterError, UnknownAreaError
from lscb_analysis.public_data import OK, period_label

LONDON_CODE = "E12000007"
ENGLAND_CODE = "E92000001"
SPC_FROM = 2013  # the published children-in-need series starts in 2012-13


@dataclass(frozen=True)
class DeepDiveScope:
    """What a deep dive covers: the borough, theme, indicators, year and audits."""

    area: register.LocalAuthority
    theme: str | None
    theme_title: str
    indicator_ids: tuple[str, ...]
    factors: tuple[str, ...]
    period: int
    audit_ids: tuple[str, ...]


def check_parameters(table: pd.DataFrame, borough: str, theme: str | None, indicator: str | None,
                     period, audit_id: str | None) -> DeepDiveScope:
    """Check the deep dive's parameters and settle what it covers.

    Args:
        table: ``public_indicators``.
        borough: the borough, written any way the resolver understands.
        theme: an audit theme (``neglect``, ``exploitation``, ... or its title), or None when
            ``indicator`` is given.
        indicator: one published indicator id instead of a theme.
        period: the reporting year (2025 for 2024-25) or None for the latest with data.
        audit_id: one audit folder name to report, or None for every audit of the theme
            for this borough.

    Raises:
        ParameterError: naming the parameter at fault (unknown borough, theme, indicator,
        year or audit) and what to give instead.
    """
    try:
        area = register.resolve(borough)
    except UnknownAreaError as error:
        raise ParameterError(f"Parameter 'borough': {error}") from error
    if (theme is None) == (indicator is None):
        raise ParameterError("Give either the parameter 'theme' (e.g. neglect) or "
                             "'indicator' (e.g. rereferral_pct), not both and not neither.")
    if theme is not None:
        try:
            key = audit.resolve_theme(theme)
        except ParameterError as error:
            raise ParameterError(f"Parameter 'theme': {error}") from error
        spec = audit.audit_config()["themes"][key]
        title, ids, factors = spec["title"], tuple(spec["indicators"]), tuple(
            spec.get("c3_factors", ()))
    else:
        metadata = indicators.load_metadata()
        if indicator not in metadata.index:
            raise ParameterError(f"Parameter 'indicator': {indicator!r} is not a published "
                                 f"indicator. Choose one of {', '.join(metadata.index)}.")
        key, title, ids, factors = None, metadata.at[indicator, "title"], (indicator,), ()
    available = sorted(table.loc[table["indicator"].isin(ids) & (table["status"] == OK),
                                 "period"].unique())
    if period in (None, ""):
        year = int(available[-1])
    else:
        year = int(str(period)[:4]) + (1 if "-" in str(period) else 0)
        if year not in available:
            raise ParameterError(f"Parameter 'period': no published figures for {year}; years "
                                 f"available: {available[0]} to {available[-1]}.")
    audit_ids = _audit_ids(area, key, audit_id)
    return DeepDiveScope(area, key, title, ids, factors, year, audit_ids)


def _audit_ids(area: register.LocalAuthority, theme: str | None, audit_id: str | None):
    records = audit.read_audit_records(borough=area.name) if theme else pd.DataFrame()
    known = sorted(set(records["audit_id"])) if len(records) else []
    if audit_id:
        if audit_id not in known:
            raise ParameterError(
                f"Parameter 'audit_id': no ingested audit {audit_id!r} for {area.name}. "
                f"Audits found: {', '.join(known) or 'none'} (run `lscb audit ingest`).")
        return (audit_id,)
    if len(records) and theme:
        return tuple(sorted(set(records.loc[records["theme"] == theme, "audit_id"])))
    return ()


def _series(table: pd.DataFrame, indicator_id: str, mask: pd.Series) -> pd.DataFrame:
    rows = table[(table["indicator"] == indicator_id) & mask]
    return rows.sort_values("period").set_index("period")


def spc_frames(table: pd.DataFrame, scope: DeepDiveScope) -> dict[str, pd.DataFrame]:
    """XmR charts of the borough's annual series for each indicator (NHS Making Data Count).

    Returns:
        ``{indicator id: stats.xmr frame}``, indexed by reporting year. Missing or suppressed
        years stay as gaps (never interpolated); the improvement direction follows the
        indicator's polarity.
    """
    metadata = indicators.load_metadata()
    frames = {}
    for indicator_id in scope.indicator_ids:
        series = _series(table, indicator_id, table["la_number"] == scope.area.la_number)
        series = series[(series.index >= SPC_FROM) & (series.index <= scope.period)]
        values = series["value"].where(series["status"] == OK)
        if values.notna().sum() < 2:
            continue
        polarity = metadata.at[indicator_id, "polarity"]
        improvement = {"high": "up", "low": "down"}.get(polarity)
        frames[indicator_id] = stats.xmr(values, improvement=improvement)
    return frames


def london_funnel(table: pd.DataFrame, indicator_id: str, period: int,
                  overdispersion: str = "multiplicative") -> tuple[pd.DataFrame, list[str]]:
    """Funnel of the London boroughs for one indicator and year, with over-dispersion.

    Proportions use the indicator's numerator and denominator; rates per 10,000 use the count
    and the child population. Over-dispersion is Spiegelhalter's (2005) multiplicative method
    by default (``stats.funnel``); the frame's ``attrs`` carry phi.

    Returns:
        (funnel frame from ``stats.funnel`` in register order, the boroughs' names). Boroughs
        whose figure is suppressed or missing are left out, since a funnel cannot place them.
    """
    metadata = indicators.load_metadata()
    london = {la.la_number: la.name for la in register.london_boroughs()}
    rows = table[(table["indicator"] == indicator_id) & (table["period"] == period)
                 & table["la_number"].isin(london) & (table["status"] == OK)
                 & table["numerator"].notna() & table["denominator"].notna()]
    unit = metadata.at[indicator_id, "unit"]
    kind = "rate" if unit == "rate_per_10000" else "proportion"
    multiplier = 10000 if kind == "rate" else 100
    frame = stats.funnel(rows["numerator"].to_numpy(), rows["denominator"].to_numpy(),
                         kind=kind, multiplier=multiplier, overdispersion=overdispersion)
    return frame, [london[n] for n in rows["la_number"]]


def neighbour_comparison(table: pd.DataFrame, scope: DeepDiveScope,
                         indicator_id: str) -> tuple[pd.DataFrame, list[str]]:
    """The borough and its statistical neighbours, each with a 95% interval, against England.

    Returns:
        (``stats.compare_to_benchmark`` frame — ``value, lower, upper, benchmark,
        comparison`` — one row per area with a figure, their names). Intervals: Wilson for
        percentages, exact/Byar for rates per 10,000; areas without a numerator and
        denominator are ``not_compared``.
    """
    metadata = indicators.load_metadata()
    numbers = [scope.area.la_number, *scope.area.neighbours]
    rows = table[(table["indicator"] == indicator_id) & (table["period"] == scope.period)
                 & table["la_number"].isin(numbers) & (table["status"] == OK)]
    present = set(rows["la_number"])
    rows = rows.set_index("la_number").reindex([n for n in numbers if n in present])
    england = table[(table["indicator"] == indicator_id) & (table["period"] == scope.period)
                    & (table["area_code"] == ENGLAND_CODE)]["value"]
    unit = metadata.at[indicator_id, "unit"]
    if unit == "rate_per_10000":
        interval = stats.rate_ci(rows["numerator"].to_numpy(), rows["denominator"].to_numpy())
    elif unit == "percent" and rows["denominator"].notna().all():
        interval = stats.proportion_ci(rows["numerator"].to_numpy(),
                                       rows["denominator"].to_numpy())
    else:
        interval = pd.DataFrame({"lower": [float("nan")] * len(rows),
                                 "upper": [float("nan")] * len(rows)})
    polarity = {"high": "high", "low": "low"}.get(metadata.at[indicator_id, "polarity"])
    frame = stats.compare_to_benchmark(
        rows["value"].to_numpy(), interval["lower"].to_numpy(), interval["upper"].to_numpy(),
        england.iloc[0] if len(england) else float("nan"), polarity)
    return frame, list(rows["area_name"])


def factor_breakdown(scope: DeepDiveScope) -> pd.DataFrame:
    """The theme's assessment factors: share of assessments for the borough, London, England.

    Returns:
        One row per factor: ``factor``, then ``borough``, ``london``, ``england`` as
        percentages of episodes with factors recorded (the published reason where the
        borough's count is suppressed), for the deep dive's year (or the latest before it).
    """
    if not scope.factors:
        return pd.DataFrame(columns=["factor", "borough", "london", "england"])
    table = public_data.assessment_factors(list(scope.factors))
    year = int(table.loc[table["period"] <= scope.period, "period"].max())
    table = table[table["period"] == year]
    rows = []
    for factor, part in table.groupby("factor", sort=False):
        row = {"factor": factor.replace("_", " "), "year": period_label(year)}
        for column, mask in (("borough", part["la_number"] == scope.area.la_number),
                             ("london", part["area_code"] == LONDON_CODE),
                             ("england", part["area_code"] == ENGLAND_CODE)):
            match = part[mask]
            if match.empty:
                row[column] = "not published"
            elif match["status"].iloc[0] != OK:
                row[column] = match["status"].iloc[0].replace("_", " ")
            else:
                row[column] = f"{indicators.round_half_up(match['pct'].iloc[0], 1):.1f}%"
        rows.append(row)
    return pd.DataFrame(rows)


def inspection_context(scope: DeepDiveScope) -> pd.DataFrame:
    """Ofsted's latest ILACS judgements for the borough and its statistical neighbours."""
    latest = ofsted.latest_judgements(ofsted.read_inspection_history(),
                                      [scope.area.la_number, *scope.area.neighbours])
    shown = latest.assign(
        inspection_date=pd.to_datetime(latest["inspection_date"]).dt.strftime("%b %Y"),
        **{c: latest[c].map(ofsted.SHORT_GRADES).fillna(latest[c])
           for c in ofsted.JUDGEMENT_COLUMNS})
    return shown.drop(columns=["la_number"]).fillna("")


def audit_records(scope: DeepDiveScope) -> pd.DataFrame:
    """The ingested answers of the deep dive's audits (pseudonymised), or an empty frame."""
    if not scope.audit_ids:
        return pd.DataFrame()
    records = audit.read_audit_records(borough=scope.area.name)
    return records[records["audit_id"].isin(scope.audit_ids)]


def questions(scope: DeepDiveScope, spc: dict[str, pd.DataFrame],
              funnels: dict[str, tuple[pd.DataFrame, list[str]]],
              records: pd.DataFrame) -> list[str]:
    """The questions the signals raise, in plain English, for the board.

    From: special-cause variation at the borough's latest point; the borough outside the
    London funnel's limits; weak audit sections and low agreement between auditors.
    """
    metadata = indicators.load_metadata()
    asked = []
    for indicator_id, frame in spc.items():
        latest = frame.dropna(subset=["value"]).iloc[-1]
        title = metadata.at[indicator_id, "short_title"]
        if latest["variation"] == "special_cause_concern":
            asked.append(f"{title} shows special-cause concern in "
                         f"{period_label(int(frame.dropna(subset=['value']).index[-1]))}: "
                         "what changed in practice, demand or recording, and since when?")
        elif latest["variation"] == "special_cause_improvement":
            asked.append(f"{title} shows special-cause improvement: what made the difference, "
                         "and can it be sustained and shared?")
    for indicator_id, (frame, names) in funnels.items():
        if scope.area.name not in names:
            continue
        position = names.index(scope.area.name)
        significance = frame["significance"].iloc[position]
        if significance in ("high_998", "low_998"):
            side = "above" if significance == "high_998" else "below"
            asked.append(f"{metadata.at[indicator_id, 'short_title']} is {side} London's 99.8% "
                         "funnel limit even allowing for over-dispersion: is this a real "
                         "difference in practice, or in how the borough records it?")
    if len(records):
        for sentence in audit_analysis.weak_sections(records)["question"]:
            asked.append(sentence)
        agreement = audit_analysis.low_agreement(records)
        asked += list(agreement["question"].head(3))
    if not asked:
        asked.append("No signal stands out this year: which parts of the theme do the "
                     "numbers not show, and should the next audit look there?")
    return asked


def spc_figures(spc: dict[str, pd.DataFrame]) -> list:
    """One Making Data Count chart per indicator (``plots.spc_chart``), titled by finding."""
    from lscb_analysis import plots

    metadata = indicators.load_metadata()
    return [plots.spc_chart(frame, measure=metadata.at[i, "short_title"])
            for i, frame in spc.items()]


def funnels(table: pd.DataFrame, scope: DeepDiveScope) -> dict[str, tuple[pd.DataFrame, list]]:
    """:func:`london_funnel` for each of the scope's indicators that has counts to place."""
    out = {}
    for indicator_id in scope.indicator_ids:
        frame, names = london_funnel(table, indicator_id, scope.period)
        if len(frame) >= 3:
            out[indicator_id] = (frame, names)
    return out


def funnel_figures(funnel_frames: dict, scope: DeepDiveScope) -> list:
    """One funnel plot per indicator, the borough highlighted and outliers labelled."""
    from lscb_analysis import plots

    metadata = indicators.load_metadata()
    figures = []
    for indicator_id, (frame, names) in funnel_frames.items():
        polarity = {"high": "high", "low": "low"}.get(metadata.at[indicator_id, "polarity"])
        figures.append(plots.funnel_plot(
            frame, labels=names, highlight=scope.area.name if scope.area.name in names else None,
            polarity=polarity, measure=f"{metadata.at[indicator_id, 'short_title']} "
                                       f"({period_label(scope.period)})"))
    return figures


def neighbour_figures(table: pd.DataFrame, scope: DeepDiveScope) -> list:
    """One chart per indicator: the borough and its neighbours with intervals against England."""
    from lscb_analysis import plots

    metadata = indicators.load_metadata()
    figures = []
    for indicator_id in scope.indicator_ids:
        frame, names = neighbour_comparison(table, scope, indicator_id)
        if len(frame):
            figures.append(plots.benchmark_chart(
                frame, labels=names,
                highlight=scope.area.name if scope.area.name in names else None,
                measure=f"{metadata.at[indicator_id, 'short_title']} "
                        f"({period_label(scope.period)})"))
    return figures


def audit_tables(records: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The audit findings for a board: small numbers suppressed (board tier).

    Returns:
        ``{"grades by section", "agreement between auditors", "moderation",
        "repeat audits"}`` -> tables from :mod:`lscb_analysis.audit_analysis`, each passed
        through its ``for_tier(..., "board")``. Empty when there are no audits.
    """
    if records.empty:
        return {}
    return {
        "Grades by section": audit_analysis.for_tier(
            audit_analysis.grade_distribution(records, by=["audit_id", "section"])),
        "Agreement between auditors": audit_analysis.for_tier(
            audit_analysis.auditor_agreement(records, by="audit_id")),
        "Moderation": audit_analysis.for_tier(
            audit_analysis.moderation_summary(records, by="audit_id")),
        "Repeat audits": audit_analysis.for_tier(audit_analysis.compare_audits(records)),
    }


def show_tables(tables: dict[str, pd.DataFrame]):
    """Display titled tables one after the other (nothing when there are none)."""
    from IPython.display import HTML, display

    if not tables:
        display(HTML("<p>No audit of this theme has been ingested for this borough.</p>"))
    for title, table in tables.items():
        display(HTML(f"<h4>{title}</h4>"), table.style.hide(axis="index"))


def action_tables(area: register.LocalAuthority, as_at=None) -> dict[str, pd.DataFrame]:
    """The borough's actions log, as the QA sub-group follows it up.

    Reads ``data/raw/audit/actions.csv`` (validated by
    :func:`lscb_analysis.audit_actions.read_actions`) and the latest score cards' exceptions.

    Returns:
        ``{"Overdue actions", "Re-audits due", "Score card exceptions with no action yet",
        "Problems in the actions log"}`` -> tables for this borough (empty tables included,
        so the report says "none" rather than leaving a gap).
    """
    from lscb_analysis import audit_actions, support_review

    log = audit_actions.read_actions()
    mine = log.table[log.table["borough"] == area.name] if len(log.table) else log.table
    shown = ["action_id", "action", "owner", "due_date", "status", "reaudit_date"]
    exceptions = support_review.scorecard_exceptions_by_pi()
    exceptions = exceptions[exceptions["borough"] == area.name]
    return {
        "Overdue actions": audit_actions.overdue_actions(mine, as_at).reindex(
            columns=[*shown, "days_overdue"]),
        "Re-audits due": audit_actions.reaudit_due(mine, as_at).reindex(
            columns=[*shown, "days_until_reaudit"]),
        "Score card exceptions with no action yet": audit_actions.exceptions_without_action(
            exceptions, log.table),
        "Problems in the actions log": log.issues,
    }
