"""Quarterly score cards: one line per PI with its target, SPC signal and benchmark, and exceptions.

Boards hold quarterly challenge meetings on their agreed PIs. A score card answers, on one line
per PI of the best-fit model (:mod:`lscb_analysis.model.catalogue`) for one borough:

* the latest value and its period, the target and whether it is met (red / amber / green);
* the previous value and the direction of travel (improving / worsening / no change, following
  the PI's polarity; only up / down where neither direction is better);
* the SPC variation and assurance icons of the borough's own series (:func:`stats.xmr`,
  :func:`stats.xmr_summary`): quarterly pilot values for local PIs, published annual figures
  for national PIs, "too few points" when the series is short;
* for national PIs, significance against England, London and the statistical-neighbour mean
  (:mod:`lscb_analysis.scorecard.benchmarks`), the quartile bands among all English LAs (as
  DfE's LA Interactive Tool) and among the London boroughs, with the areas each leaves out;
* the recent-trend marker (:mod:`lscb_analysis.scorecard.trend_marker`: Fingertips' test on
  yearly series, Mann-Kendall on quarterly ones, the method named), the data quality found by
  the pilot's validation (errors, queries, estimated values) and the borough's narrative.

:func:`scorecard` computes all of it as one :class:`Scorecard`: the frame ``rows``
(:data:`ROW_COLUMNS`) plus the SPC points (``points``, :data:`POINT_COLUMNS`) and the exception
list (``exceptions``, :mod:`lscb_analysis.scorecard.exceptions`): PIs with special-cause concern,
"red-red" PIs (significantly worse than a benchmark and getting worse) and PIs missing their
target consistently, each with a plain-English sentence and a question for the challenge
meeting. Every icon, colour and sentence, in the HTML report (:mod:`~lscb_analysis.scorecard.report`),
the charts (:mod:`~lscb_analysis.scorecard.charts`) and the workbook
(:mod:`~lscb_analysis.scorecard.workbook`), is read from those frames, so a chart and its summary
can never disagree. :func:`check_subgroup` narrows a card to one sub-group of PIs.

Every rule setting is in ``data/reference/scorecard.yaml``
(:func:`lscb_analysis.scorecard.rules.load_rules`) and printed by
:func:`lscb_analysis.scorecard.method.method_note`. Periods:
:mod:`lscb_analysis.scorecard.periods`.

Board outputs are suppressed (:mod:`lscb_analysis.protect.disclosure`): a pilot figure whose
numerator or denominator is a small number is shown as suppressed and left out of every
statistic and chart; DfE's published figures keep DfE's own suppression. Missing and suppressed
figures are shown as such and never coloured as good or bad.

I/O: none but the rules files, read when ``rules`` / ``pilot_rules`` are not given; the project's
tables are read by :mod:`lscb_analysis.scorecard.build`, the workbook written by
:mod:`lscb_analysis.scorecard.workbook`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.protect import disclosure_config
from lscb_analysis.scorecard import targets as board_targets
from lscb_analysis.scorecard.assess import assess_pi
from lscb_analysis.scorecard.benchmarks import benchmark_table
from lscb_analysis.scorecard.exceptions import (
    EXCEPTION_COLUMNS,
    consecutive_misses,
    find_exceptions,
)
from lscb_analysis.scorecard.groups import resolve_group
from lscb_analysis.scorecard.periods import ScorecardPeriod, year_end_quarter
from lscb_analysis.scorecard.pilot_values import (
    clean_la,
    empty_pilot_values,
    prepare_issues,
    prepare_pilot,
)
from lscb_analysis.scorecard.rules import load_rules
from lscb_analysis.scorecard.series import national_series, pilot_series

ROW_COLUMNS: list[str] = [
    "borough",
    "la_number",
    "scorecard_period",
    "tier",
    "model_version",
    "goal",
    "goal_title",
    "cluster",
    "cluster_title",
    "cluster_narrative",
    "position",
    "pi_id",
    "title",
    "sub_group",
    "rating",
    "unit",
    "polarity",
    "decimals",
    "source_type",
    "source_agency",
    "frequency",
    "period",
    "value",
    "value_state",
    "value_text",
    "numerator",
    "denominator",
    "estimated",
    "target",
    "target_text",
    "target_status",
    "target_icon",
    "target_source",
    "previous_period",
    "previous_value",
    "previous_text",
    "travel",
    "travel_icon",
    "spc_points",
    "variation",
    "variation_icon",
    "variation_text",
    "spc_rule",
    "spc_note",
    "assurance",
    "assurance_text",
    "mean",
    "lpl",
    "upl",
    "benchmark_period",
    "lower",
    "upper",
    "england",
    "england_text",
    "vs_england",
    "vs_england_text",
    "london",
    "london_text",
    "vs_london",
    "vs_london_text",
    "neighbours",
    "neighbours_text",
    "neighbours_used",
    "vs_neighbours",
    "vs_neighbours_text",
    "compare_reason",
    "england_rank",
    "england_ranked",
    "england_band",
    "england_left_out",
    "england_band_text",
    "london_rank",
    "london_ranked",
    "london_band",
    "london_left_out",
    "band_text",
    "band_note",
    "trend",
    "trend_text",
    "trend_reason",
    "trend_method",
    "trend_method_text",
    "dq_errors",
    "dq_queries",
    "dq_estimated",
    "dq_flag",
    "dq_text",
    "in_year_text",
    "narrative",
    "exceptions",
    "exception_text",
]


"""Columns of :attr:`Scorecard.rows` (and of ``scorecard_<period>.parquet``)."""

POINT_COLUMNS: list[str] = [
    "pi_id",
    "period",
    "order",
    "value",
    "state",
    "mean",
    "lpl",
    "upl",
    "variation",
    "special_cause",
    "outside_limits",
    "shift",
    "trend",
    "two_of_three",
    "target",
]


"""Columns of :attr:`Scorecard.points`: one row per PI and period of the borough's series."""


@dataclass(frozen=True, eq=False)
class Scorecard:
    """One borough's score card for one period, as computed by :func:`scorecard`.

    Attributes: ``borough``, ``la_number``, ``period`` (:class:`periods.ScorecardPeriod`),
    ``model_version``, ``subgroup`` (None for all), ``tier`` and ``tier_label``;
    ``rows`` (:data:`ROW_COLUMNS`, catalogue order), ``points`` (:data:`POINT_COLUMNS`),
    ``exceptions`` (:data:`exceptions.EXCEPTION_COLUMNS`), ``benchmarks`` (:func:`benchmarks.benchmark_table` for
    every London borough, for the tartan rug), ``definitions`` (the PIs' catalogue text:
    ``id, title, definition, numerator, denominator, source, polarity, target_basis``),
    ``rules`` and ``as_at`` (words).
    """

    borough: str
    la_number: str
    period: ScorecardPeriod
    model_version: str
    subgroup: str | None
    tier: str
    tier_label: str
    rows: pd.DataFrame
    points: pd.DataFrame
    exceptions: pd.DataFrame
    benchmarks: pd.DataFrame
    rules: Mapping = field(repr=False)
    as_at: str = ""
    definitions: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def check_subgroup(subgroup: Any, pis: pd.DataFrame, synonyms: Mapping | None = None) -> str | None:
    """Return the sub-group the ``subgroup`` parameter names, or None for all.

    Names are read the way people write them (:func:`groups.resolve_group`: case, spaces,
    "&", the name without its bracketed part, and ``synonyms``).
    Raises: ParameterError listing the catalogue's sub-groups.

    >>> pis = pd.DataFrame({"sub_group": ["performance", "neglect"]})
    >>> check_subgroup(" Neglect ", pis), check_subgroup(None, pis)
    ('neglect', None)
    """
    if subgroup is None or (isinstance(subgroup, str) and subgroup.strip().lower() in ("", "all")):
        return None
    return resolve_group(str(subgroup), pis["sub_group"].dropna().unique(), synonyms)


def scorecard(
    catalogue: Any,
    public: pd.DataFrame,
    area: register.LocalAuthority,
    period: ScorecardPeriod,
    *,
    pilot_values: pd.DataFrame | None = None,
    pilot_issues: pd.DataFrame | None = None,
    rules: Mapping | None = None,
    subgroup: str | None = None,
    tier: str = disclosure_config.DEFAULT_TIER,
    benchmarks: pd.DataFrame | None = None,
    pilot_rules: Mapping | None = None,
    disclosure_rules: disclosure_config.DisclosureRules | None = None,
    targets: pd.DataFrame | None = None,
) -> Scorecard:
    """Compute one borough's score card: every current PI of the catalogue on one line.

    Inputs: ``catalogue`` (:class:`lscb_analysis.model.catalogue.Catalogue`), ``public``
    (public_indicators), ``area`` (the borough), ``period`` (:func:`periods.resolve_period`);
    keyword-only: ``pilot_values`` / ``pilot_issues`` (None or empty: national PIs only,
    local PIs show "no figure returned"), ``rules`` (None: scorecard.yaml), ``subgroup``
    (None: all PIs; see :func:`check_subgroup`), ``tier`` (``board`` suppresses small
    numbers), ``benchmarks`` (a precomputed :func:`benchmarks.benchmark_table`, to reuse across
    boroughs), ``pilot_rules`` and ``disclosure_rules`` (None: the project's files),
    ``targets`` the board's own (:func:`targets.load_targets`; None: read the board's file in
    ``data/reference/targets/``), which replace the London default from the quarter each
    applies: ``target_source`` says whose target each row's is, and each point's ``target``
    is the one applying in its period (a step on the SPC chart when it changed).

    Output: :class:`Scorecard`.
    Raises: ParameterError for an unknown sub-group or tier; InvalidArgumentError from
    :mod:`lscb_analysis.stats` on impossible figures.
    """
    rules = rules or load_rules()
    pilot_rules = pilot_rules or pilot_periods.load_rules()
    tier = disclosure_config.validate_tier(tier)
    disclosure_rules = disclosure_rules or disclosure_config.load_disclosure_rules()
    pis = catalogue.current
    subgroup = check_subgroup(subgroup, pis, rules.get("subgroups", {}).get("synonyms"))
    if targets is None:
        targets = board_targets.load_targets(area, pis, rules)
    if subgroup is not None:
        pis = pis[pis["sub_group"] == subgroup]
    pis = board_targets.apply_targets(pis, targets, period.cutoff, area.name)
    if benchmarks is None:
        benchmarks = benchmark_table(public, catalogue.current, period, rules)
    raw = pilot_values if pilot_values is not None else empty_pilot_values()
    raw = raw[clean_la(raw["la_number"]) == area.la_number] if len(raw) else raw
    pilot = prepare_pilot(raw, tier, pilot_rules, disclosure_rules)
    issues = prepare_issues(pilot_issues)
    issues = issues[issues["la_number"] == area.la_number]
    own_public = public[public["la_number"] == area.la_number]
    bench_index = benchmarks[benchmarks["la_number"] == area.la_number].set_index("pi_id")

    # Each PI reads only its own rows: split the borough's tables by PI once, not per PI
    # (filtering whole tables 37 times per borough was most of a London build's time).
    public_by_indicator = _split(own_public, "indicator")
    pilot_by_pi, issues_by_pi = _split(pilot, "pi_id"), _split(issues, "pi_id")
    rows, point_frames = [], []
    for _, pi in pis.iterrows():
        bench = bench_index.loc[pi["id"]].to_dict() if pi["id"] in bench_index.index else None
        own_pilot = pilot_by_pi.get(pi["id"], pilot.iloc[:0])
        if pi["source_type"] == "national":
            series = national_series(
                public_by_indicator.get(pi["source_indicator"], own_public.iloc[:0]),
                pi["source_indicator"],
                area.la_number,
                int(bench["period"]) if bench is not None else period.reporting_year,
            )
        else:
            series = pilot_series(own_pilot, pi["id"], period.cutoff, pi["frequency"], pilot_rules)
        own_issues = issues_by_pi.get(pi["id"], issues.iloc[:0])
        row, points = assess_pi(
            pi, series, bench, own_pilot, own_issues, period, rules, pilot_rules
        )
        row.update(
            {
                name: pi[name]
                for name in (
                    "goal",
                    "goal_title",
                    "cluster",
                    "cluster_title",
                    "cluster_narrative",
                    "position",
                    "title",
                    "sub_group",
                    "rating",
                    "unit",
                    "polarity",
                    "decimals",
                    "source_type",
                    "source_agency",
                    "frequency",
                )
            }
        )
        row.update(
            pi_id=pi["id"],
            borough=area.name,
            la_number=area.la_number,
            scorecard_period=period.label,
            tier=tier,
            model_version=str(catalogue.version),
            _misses=consecutive_misses(series, pi, rules) if len(series) else 0,
        )
        rows.append(row)
        points["target"] = board_targets.targets_by_period(
            targets, pi["id"], _point_quarters(points, pilot_rules), pi["london_target"]
        )
        point_frames.append(points)
    table = pd.DataFrame(rows)
    points = (
        pd.concat(point_frames, ignore_index=True)
        if point_frames
        else pd.DataFrame(columns=POINT_COLUMNS)
    )
    if table.empty:
        table = pd.DataFrame(columns=[*ROW_COLUMNS, "_misses"])
    exceptions = (
        find_exceptions(table, points, rules)
        if len(table)
        else pd.DataFrame(columns=EXCEPTION_COLUMNS)
    )
    flagged = dict(zip(exceptions["pi_id"], exceptions["exceptions"], strict=True))
    labels = dict(zip(exceptions["pi_id"], exceptions["labels"], strict=True))
    table["exceptions"] = [flagged.get(pi_id, "") for pi_id in table["pi_id"]]
    table["exception_text"] = [labels.get(pi_id, "") for pi_id in table["pi_id"]]
    table = table[ROW_COLUMNS].reset_index(drop=True)
    submitted = pd.to_datetime(raw["submitted"], errors="coerce").max() if len(raw) else None
    as_at = f"published statistics to 31 March {period.reporting_year}"
    if submitted is not None and not pd.isna(submitted):
        as_at += f"; pilot returns received to {submitted:%d %B %Y}"
    return Scorecard(
        borough=area.name,
        la_number=area.la_number,
        period=period,
        model_version=str(catalogue.version),
        subgroup=subgroup,
        tier=tier,
        tier_label=disclosure_config.tier_label(tier, disclosure_rules),
        rows=table,
        points=points[POINT_COLUMNS],
        exceptions=exceptions,
        benchmarks=benchmarks,
        rules=rules,
        as_at=as_at,
        definitions=_definitions(pis),
    )


def _point_quarters(points: pd.DataFrame, pilot_rules: Mapping) -> list[str]:
    """The quarter of each SPC point: its own, or the quarter ending its DfE reporting year."""
    return [
        str(period)
        if pilot_periods.PERIOD_PATTERN.match(str(period))
        else year_end_quarter(int(order), pilot_rules)
        for period, order in zip(points["period"], points["order"], strict=True)
    ]


def _split(table: pd.DataFrame, column: str) -> dict[str, pd.DataFrame]:
    """``table``'s rows by the value of ``column`` (value -> rows, original order kept)."""
    return {key: rows for key, rows in table.groupby(column, sort=False)} if len(table) else {}


def _definitions(pis: pd.DataFrame) -> pd.DataFrame:
    source = [
        f"{agency} ({'DfE published statistics' if kind == 'national' else collection})"
        for agency, kind, collection in zip(
            pis["source_agency"], pis["source_type"], pis["source_collection"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "id": pis["id"],
            "title": pis["title"],
            "definition": pis["definition"],
            "numerator": pis["numerator"],
            "denominator": pis["denominator"],
            "source": source,
            "polarity": pis["polarity"],
            "target_basis": pis["target_basis"],
        }
    ).reset_index(drop=True)
