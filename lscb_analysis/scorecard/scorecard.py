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
  (:func:`stats.compare_to_benchmark` with Wilson intervals for percentages and exact / Byar
  intervals for rates from the published numerator and denominator; "not compared", with the
  reason, where no interval exists), the London quartile band (:func:`stats.quartile_band`);
* the recent-trend marker (:func:`stats.trend_test`), the data quality found by the pilot's
  validation (errors, queries, estimated values) and the borough's narrative.

:func:`scorecard` computes all of it as one frame (``Scorecard.rows``) plus the SPC points
(``Scorecard.points``) and the exception list (``Scorecard.exceptions``): PIs with
special-cause concern, "red-red" PIs (significantly worse than a benchmark and getting worse)
and PIs missing their target consistently, each with a plain-English sentence and a question
for the challenge meeting. Every icon, colour and sentence, in the HTML report, the charts and
the workbook, is read from those frames, so a chart and its summary can never disagree. No
function here computes an interval or a signal itself: :mod:`lscb_analysis.stats.stats` does.

Every rule setting is in ``data/reference/scorecard.yaml`` (:func:`load_rules`) and printed by
:func:`method_note`. Periods follow the pilot (:mod:`lscb_analysis.pilot.pilot_template`): calendar
quarters ``YYYYQn``; a DfE reporting year (2025 = 2024-25) belongs to the quarter that ends it.

Board outputs are suppressed (:mod:`lscb_analysis.protect.disclosure`): a pilot figure whose numerator
or denominator is a small number is shown as suppressed and left out of every statistic and
chart; DfE's published figures keep DfE's own suppression. Missing and suppressed figures are
shown as such and never coloured as good or bad.

I/O: :func:`load_rules`, :func:`load_pilot_tables`, :func:`build_scorecard` (the notebook's
loader), :func:`write_workbook` and :func:`build_london` (``lscb scorecard build``) read or
write files; everything else is pure.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lscb_analysis.core import indicators, io, paths, register
from lscb_analysis.core.errors import (
    InvalidArgumentError,
    ParameterError,
    ReferenceDataError,
)
from lscb_analysis.pilot import pilot_template
from lscb_analysis.present import latest
from lscb_analysis.protect import disclosure, disclosure_config
from lscb_analysis.published.public_data import OK, period_label
from lscb_analysis.stats import stats

RULES_FILE = "scorecard.yaml"
REQUIRED_RULE_KEYS = (
    "confidence",
    "intervals",
    "benchmarks",
    "rug_benchmark",
    "spc",
    "trend",
    "direction",
    "targets",
    "exceptions",
    "questions",
    "icons",
    "legend",
    "colours",
    "units",
    "status_text",
)
ENGLAND_CODE = "E92000001"
# The exception small multiple: panels per row at most, and each panel's size in inches
# (small enough that a row of six prints across landscape A4 with legible type).
EXCEPTION_CHART_COLUMNS = 6
EXCEPTION_PANEL_SIZE = (2.7, 2.0)
LONDON_CODE = "E12000007"
NOTEBOOK = "scorecard"

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
    "london_rank",
    "london_ranked",
    "london_band",
    "band_text",
    "trend",
    "trend_text",
    "trend_reason",
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
]
"""Columns of :attr:`Scorecard.points`: one row per PI and period of the borough's series."""

EXCEPTION_COLUMNS: list[str] = [
    "pi_id",
    "title",
    "rating",
    "sub_group",
    "exceptions",
    "labels",
    "sentence",
    "questions",
]
"""Columns of :attr:`Scorecard.exceptions`: one row per PI meeting any exception rule."""

BENCHMARK_COLUMNS: list[str] = [
    "pi_id",
    "indicator",
    "period",
    "la_number",
    "borough",
    "numerator",
    "denominator",
    "value",
    "status",
    "lower",
    "upper",
    "england",
    "london",
    "neighbours",
    "neighbours_used",
    "vs_england",
    "vs_london",
    "vs_neighbours",
    "compare_reason",
    "london_rank",
    "london_ranked",
    "london_band",
]
"""Columns of :func:`benchmark_table`: one row per national PI and London borough."""

PILOT_VALUE_COLUMNS = [
    "borough",
    "la_number",
    "pi_id",
    "period",
    "numerator",
    "denominator",
    "value",
    "status",
    "narrative",
    "prefilled",
    "validation_status",
    "submitted",
]
PILOT_ISSUE_COLUMNS = ["la_number", "pi_id", "period", "code", "severity", "superseded"]
USABLE = "ok"
PERIOD_WORDS = {
    "quarter": ("quarter", "quarters"),
    "half": ("half-year", "half-years"),
    "year": ("year", "years"),
}
_UNIT_SUFFIX = re.compile(r"\s*\((?:FTE\s*)?%\)\s*$")


# --- rules and periods -----------------------------------------------------------------------


def load_rules(path: Path | str | None = None) -> dict:
    """Read ``data/reference/scorecard.yaml``: every setting the score cards use.

    Input: ``path`` (None: the project's file). Output: the mapping.
    Raises: ReferenceDataError when the file is missing, not YAML, lacks a section of
    :data:`REQUIRED_RULE_KEYS`, or holds a confidence level outside (0.9, 1).

    >>> rules = load_rules()
    >>> rules["confidence"], rules["spc"]["min_points"] >= 2
    (0.95, True)
    """
    file = Path(path) if path is not None else paths.reference_dir() / RULES_FILE
    rules = io.read_yaml_mapping(file, "Score card rules file")
    missing = [key for key in REQUIRED_RULE_KEYS if key not in rules]
    if missing:
        raise ReferenceDataError(
            f"{file} lacks the section(s) {', '.join(missing)}; restore them from the "
            f"repository (git checkout -- data/reference/{RULES_FILE})."
        )
    for key, level in (
        ("confidence", rules["confidence"]),
        ("trend.confidence", rules["trend"].get("confidence")),
    ):
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0.9 < level < 1:
            raise ReferenceDataError(
                f"{file}: {key} must be a fraction strictly between 0.9 and 1, such as 0.95; "
                f"got {level!r}."
            )
    unknown = [
        b for b in rules["exceptions"]["red_red"]["benchmarks"] if b not in rules["benchmarks"]
    ]
    if unknown or rules["rug_benchmark"] not in rules["benchmarks"]:
        raise ReferenceDataError(
            f"{file}: exceptions.red_red.benchmarks and rug_benchmark must name benchmarks "
            f"listed under benchmarks ({', '.join(rules['benchmarks'])})."
        )
    return rules


@dataclass(frozen=True)
class ScorecardPeriod:
    """The period a score card covers.

    Attributes: ``label`` (``"2025Q4"`` for a quarter, ``"2024-25"`` for a reporting year),
    ``kind`` (``"quarter"`` or ``"year"``), ``cutoff`` (the last quarter included, ``YYYYQn``)
    and ``reporting_year`` (the latest DfE reporting year ending on or before the cutoff,
    e.g. 2025 for 2024-25).
    """

    label: str
    kind: str
    cutoff: str
    reporting_year: int

    @property
    def slug(self) -> str:
        """Folder- and file-safe name of the period (the label itself)."""
        return self.label


def _year_end_quarter(year: int, pilot_rules: Mapping) -> str:
    return f"{int(year)}Q{int(pilot_rules['periods']['year_end_quarter'])}"


def _year_of_cutoff(cutoff: str, pilot_rules: Mapping) -> int:
    """The latest reporting year whose year-end quarter is not after ``cutoff``."""
    year = int(cutoff[:4])
    end = pilot_template.period_index(_year_end_quarter(year, pilot_rules))
    return year if end <= pilot_template.period_index(cutoff) else year - 1


def parse_scorecard_period(
    period: Any, pilot_rules: Mapping | None = None
) -> ScorecardPeriod | None:
    """Read the ``period`` parameter: a quarter, a reporting year, or None for the latest.

    Accepted: None, ``""`` or ``"latest"``; a reporting year as DfE numbers it (2025 or
    ``"2025"`` for 2024-25, or ``"2024-25"``); a quarter in any form
    :func:`lscb_analysis.pilot.pilot_template.parse_period` reads (``"2025Q4"``, ``"Q4 2025"``,
    ``"2025-26 Q3"``).

    Output: a :class:`ScorecardPeriod`, or None for "the latest".
    Raises: ParameterError naming the parameter and saying what to write.

    >>> parse_scorecard_period("2025Q4")
    ScorecardPeriod(label='2025Q4', kind='quarter', cutoff='2025Q4', reporting_year=2025)
    >>> parse_scorecard_period(2025).label, parse_scorecard_period("2024-25").cutoff
    ('2024-25', '2025Q1')
    >>> parse_scorecard_period(None) is None
    True
    """
    pilot_rules = pilot_rules or pilot_template.load_rules()
    if period is None or (isinstance(period, str) and period.strip().lower() in ("", "latest")):
        return None
    text = str(period).strip()
    year = None
    if isinstance(period, int) and not isinstance(period, bool):
        year = int(period)
    elif re.fullmatch(r"\d{4}", text):
        year = int(text)
    elif match := re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})", text):
        first, second = int(match.group(1)), match.group(2)
        if int(second[-2:]) != (first + 1) % 100:
            raise ParameterError(
                f"Parameter 'period': {text!r} is not a financial year; write two consecutive "
                "years such as 2024-25, a reporting year such as 2025, or a quarter such as "
                "2025Q4."
            )
        year = first + 1
    if year is not None:
        cutoff = _year_end_quarter(year, pilot_rules)
        return ScorecardPeriod(period_label(year), "year", cutoff, year)
    try:
        quarter = pilot_template.parse_period(text)
    except InvalidArgumentError as error:
        raise ParameterError(
            f"Parameter 'period': {text!r} is neither a quarter nor a year. Write a quarter "
            "such as 2025Q4 (October to December 2025), a reporting year such as 2025 (for "
            "2024-25), or leave it empty for the latest."
        ) from error
    return ScorecardPeriod(quarter, "quarter", quarter, _year_of_cutoff(quarter, pilot_rules))


def resolve_period(
    period: Any,
    public: pd.DataFrame,
    pilot_values: pd.DataFrame | None = None,
    la_number: str | None = None,
    pilot_rules: Mapping | None = None,
) -> ScorecardPeriod:
    """Return the period to show: ``period`` checked against the data, or the latest.

    Inputs: ``period`` (see :func:`parse_scorecard_period`); ``public`` (public_indicators);
    ``pilot_values`` (pilot_values or None); ``la_number`` to look at one borough's data
    (None: every London borough).

    The latest is the latest quarter with a pilot figure when there is one at or after the end
    of the latest published year, otherwise the latest published reporting year.

    Output: a :class:`ScorecardPeriod`.
    Raises: ParameterError when the period is unreadable, later than the latest data, or
    earlier than the first published year (the message gives the range available).
    """
    pilot_rules = pilot_rules or pilot_template.load_rules()
    london = {area.la_number for area in register.london_boroughs()}
    usable = public[(public["status"] == OK) & public["la_number"].isin(london)]
    if la_number is not None and (usable["la_number"] == la_number).any():
        usable = usable[usable["la_number"] == la_number]
    if usable.empty:
        raise ParameterError(
            "Parameter 'period': public_indicators holds no London figures. Rebuild it with "
            "`lscb data build`."
        )
    first_year, last_year = int(usable["period"].min()), int(usable["period"].max())
    last_quarter = None
    if pilot_values is not None and len(pilot_values):
        # Only usable figures count: a row with an error (a period outside the template, say)
        # must not move the latest period.
        rows = pilot_values[
            (_pilot_states(pilot_values, pilot_rules) == USABLE)
            & pilot_values["period"].astype(str).str.match(r"^\d{4}Q[1-4]$")
        ]
        if la_number is not None:
            rows = rows[_clean_la(rows["la_number"]) == la_number]
        if len(rows):
            last_quarter = max(rows["period"], key=pilot_template.period_index)
    year_end = _year_end_quarter(last_year, pilot_rules)
    latest = year_end
    if last_quarter and pilot_template.period_index(last_quarter) > pilot_template.period_index(
        year_end
    ):
        latest = last_quarter
    chosen = parse_scorecard_period(period, pilot_rules)
    if chosen is None:
        if latest == year_end:
            return ScorecardPeriod(period_label(last_year), "year", year_end, last_year)
        return ScorecardPeriod(latest, "quarter", latest, _year_of_cutoff(latest, pilot_rules))
    if pilot_template.period_index(chosen.cutoff) > pilot_template.period_index(latest):
        raise ParameterError(
            f"Parameter 'period': there are no figures for {chosen.label} yet. The latest "
            f"data are for {latest if latest != year_end else period_label(last_year)}; leave "
            "the period empty for the latest."
        )
    if chosen.reporting_year < first_year:
        raise ParameterError(
            f"Parameter 'period': {chosen.label} is before the first published year "
            f"({period_label(first_year)}). Choose a period from {period_label(first_year)} "
            f"to {latest if latest != year_end else period_label(last_year)}."
        )
    return chosen


# --- inputs ------------------------------------------------------------------------------------


def empty_pilot_values() -> pd.DataFrame:
    """An empty pilot_values table (the columns the score card reads).

    >>> list(empty_pilot_values().columns)[:4]
    ['borough', 'la_number', 'pi_id', 'period']
    """
    return pd.DataFrame(
        {
            name: pd.Series(
                dtype="float64" if name in ("numerator", "denominator", "value") else "object"
            )
            for name in PILOT_VALUE_COLUMNS
        }
    )


def empty_pilot_issues() -> pd.DataFrame:
    """An empty pilot_issues table (the columns the score card reads)."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in PILOT_ISSUE_COLUMNS})


def _clean_la(values: pd.Series) -> pd.Series:
    """LA numbers as text ("302"), whether read as text, numbers or "302.0"."""
    text = values.astype("string").fillna("")
    return text.str.replace(r"\.0+$", "", regex=True).str.strip()


def load_pilot_tables(processed_dir: Path | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the pilot's ``pilot_values.parquet`` and ``pilot_issues.csv`` when they exist.

    Input: ``processed_dir`` (None: ``data/processed/``). Output: (values, issues); empty
    tables (the columns of :func:`empty_pilot_values` / :func:`empty_pilot_issues`) when the
    pilot has not been ingested, so a score card works with national PIs alone.
    Raises: ReferenceDataError when a file exists but lacks a column the score card needs.
    """
    folder = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    values, issues = empty_pilot_values(), empty_pilot_issues()
    values_file, issues_file = folder / "pilot_values.parquet", folder / "pilot_issues.csv"
    if values_file.is_file():
        values = pd.read_parquet(values_file)
    if issues_file.is_file():
        issues = pd.read_csv(issues_file, dtype=str, keep_default_na=False)
    for table, needed, file in (
        (values, PILOT_VALUE_COLUMNS, values_file),
        (issues, PILOT_ISSUE_COLUMNS, issues_file),
    ):
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise ReferenceDataError(
                f"{file} lacks the column(s) {', '.join(missing)}; rebuild it with "
                "`lscb pilot ingest`."
            )
    return values, issues


def _pilot_states(values: pd.DataFrame, pilot_rules: Mapping) -> pd.Series:
    """State of each pilot row: ok, error, suppressed, not_published, not_available, ..."""
    statuses = pilot_rules["statuses"]
    published = statuses["published"]
    with_figure = set(statuses["with_figure"]) | {published["ok"]}
    status = values["status"].astype("string").fillna("").str.strip()
    state = pd.Series("not_available", index=values.index, dtype=object)
    state[status.isin(with_figure) & values["value"].notna()] = USABLE
    state[status == published["suppressed"]] = "suppressed"
    state[status.isin([published["missing"], published["not_yet"]])] = "not_published"
    state[status.isin(statuses["not_due"])] = "not_yet_due"
    state[values["validation_status"].astype("string").fillna("") == "error"] = "error"
    return state


def prepare_pilot(
    values: pd.DataFrame,
    tier: str = disclosure_config.DEFAULT_TIER,
    pilot_rules: Mapping | None = None,
    disclosure_rules: disclosure_config.DisclosureRules | None = None,
) -> pd.DataFrame:
    """Give each pilot value its state and apply the output tier's disclosure control.

    Inputs: ``values`` (pilot_values); ``tier`` (``board``: small-number suppression of the
    borough's own figures, DfE's published figures untouched; ``analyst``: as returned).
    Output: a copy with ``la_number`` as text, ``state`` (``ok``, ``error``, ``suppressed``,
    ``not_published``, ``not_available``, ``not_yet_due``) and ``estimated`` (bool).
    Suppressed figures lose their value, numerator and denominator.
    Raises: ParameterError for an unknown tier.

    >>> values = pd.DataFrame({"borough": ["Barnet"] * 2, "la_number": ["302"] * 2,
    ...     "pi_id": ["BF-SG-02"] * 2, "period": ["2025Q3", "2025Q4"],
    ...     "numerator": [3.0, 40.0], "denominator": [4.0, 50.0], "value": [75.0, 80.0],
    ...     "status": ["provided", "estimated"], "narrative": ["", ""],
    ...     "prefilled": [False, False], "validation_status": ["ok", "ok"],
    ...     "submitted": [None, None]})
    >>> prepare_pilot(values)[["state", "value", "estimated"]].values.tolist()
    [['suppressed', nan, False], ['ok', 80.0, True]]
    >>> prepare_pilot(values, "analyst")["state"].tolist()
    ['ok', 'ok']
    """
    tier = disclosure_config.validate_tier(tier)
    pilot_rules = pilot_rules or pilot_template.load_rules()
    out = values.copy()
    for name in PILOT_VALUE_COLUMNS:
        if name not in out.columns:
            out[name] = np.nan if name in ("numerator", "denominator", "value") else ""
    out["la_number"] = _clean_la(out["la_number"])
    out["period"] = out["period"].astype("string").fillna("").astype(str)
    out["narrative"] = out["narrative"].astype("string").fillna("").astype(str)
    out["prefilled"] = out["prefilled"].fillna(False).astype(bool)
    for name in ("numerator", "denominator", "value"):
        out[name] = pd.to_numeric(out[name], errors="coerce").astype(float)
    out["state"] = _pilot_states(out, pilot_rules)
    out["estimated"] = out["status"].astype("string").fillna("").str.strip().eq("estimated")
    if tier == "board" and len(out):
        rules = disclosure_rules or disclosure_config.load_disclosure_rules()
        own = out.index[(~out["prefilled"]) & (out["state"] == USABLE)]
        if len(own):
            counts = out.loc[own, ["numerator", "denominator", "value"]]
            mask = disclosure.suppress(
                counts,
                count_columns=["numerator", "denominator"],
                rates={"value": ["numerator", "denominator"]},
                rules=rules,
            ).mask
            hidden = mask.any(axis=1)
            rows = hidden.index[hidden]
            out.loc[rows, "state"] = "suppressed"
            out.loc[rows, ["numerator", "denominator", "value"]] = np.nan
    return out


def _prepare_issues(issues: pd.DataFrame | None) -> pd.DataFrame:
    if issues is None or issues.empty:
        return empty_pilot_issues()
    out = issues.copy()
    out["la_number"] = _clean_la(out["la_number"])
    superseded = out["superseded"].astype(str).str.strip().str.lower()
    out = out[~superseded.isin(["true", "1", "yes"])]
    return out.assign(
        period=out["period"].astype(str),
        pi_id=out["pi_id"].astype(str),
        severity=out["severity"].astype(str),
    )


# --- formatting --------------------------------------------------------------------------------


def format_figure(value: Any, unit: str, decimals: int, rules: Mapping) -> str:
    """Write a value with the PI's decimals (rounded half up, as DfE) and its unit.

    Missing values give ``""``; callers show the status text instead.

    >>> rules = load_rules()
    >>> format_figure(27.35, "percent", 1, rules), format_figure(1234.5, "rate_per_10000", 0, rules)
    ('27.4%', '1,235 per 10,000')
    >>> format_figure(float("nan"), "percent", 1, rules)
    ''
    """
    if value is None or pd.isna(value):
        return ""
    rounded = indicators.round_half_up(float(value), int(decimals))
    number = f"{rounded:,.{int(decimals)}f}"
    return str(rules["units"].get(unit, "{value}")).format(value=number)


def short_title(title: str) -> str:
    """A PI title without its trailing unit, for sentences.

    >>> short_title("Re-referrals within 12 months of a previous referral (%)")
    'Re-referrals within 12 months of a previous referral'
    """
    return _UNIT_SUFFIX.sub("", str(title)).strip()


def _lower_first(text: str) -> str:
    """'Re-referrals ...' -> 're-referrals ...'; 'MARAC cases' stays."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _sentence_case(text: str) -> str:
    """Capitalise the first letter only.

    >>> _sentence_case("re-referrals rose")
    'Re-referrals rose'
    """
    return text[:1].upper() + text[1:]


def _join(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'.

    >>> _join(["a", "b", "c"])
    'a, b and c'
    """
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _status_text(state: str, rules: Mapping) -> str:
    return str(rules["status_text"].get(state, state.replace("_", " ").capitalize()))


# --- benchmarks --------------------------------------------------------------------------------


def _interval(
    unit: str, numerator: pd.Series, denominator: pd.Series, rules: Mapping
) -> tuple[pd.DataFrame, pd.Series]:
    """Intervals for the rows that have usable counts, and the reason for the others."""
    spec = rules["intervals"].get(unit, {"method": "none", "reason": f"no interval for {unit}"})
    frame = pd.DataFrame({"lower": np.nan, "upper": np.nan}, index=numerator.index)
    reason = pd.Series("", index=numerator.index, dtype=object)
    if spec["method"] == "none":
        reason[:] = str(spec.get("reason", f"no interval for {unit}"))
        return frame, reason
    counts = numerator.notna() & denominator.notna()
    consistent = counts & (numerator >= 0) & (denominator > 0)
    if spec["method"] == "wilson":
        consistent &= numerator <= denominator
    reason[~counts] = "no published numerator and denominator, so no interval"
    reason[counts & ~consistent] = "numerator and denominator inconsistent, so no interval"
    if consistent.any():
        n, d = numerator[consistent], denominator[consistent]
        if spec["method"] == "wilson":
            ci = stats.proportion_ci(n, d, rules["confidence"], spec["multiplier"])
        else:
            ci = stats.rate_ci(n, d, rules["confidence"], spec["multiplier"])
        frame.loc[consistent, ["lower", "upper"]] = ci[["lower", "upper"]].to_numpy()
    return frame, reason


def benchmark_table(
    public: pd.DataFrame,
    pis: pd.DataFrame,
    period: ScorecardPeriod,
    rules: Mapping,
    areas: list[register.LocalAuthority] | None = None,
) -> pd.DataFrame:
    """Benchmark every national PI for every London borough in the score card's year.

    For each national PI the year is the latest published year up to ``period``'s reporting
    year. Each borough's interval comes from the published numerator and denominator
    (:data:`rules["intervals"]`); it is compared (:func:`stats.compare_to_benchmark`) with
    England, London and the plain mean of its statistical neighbours
    (:func:`stats.neighbour_mean`), and the London boroughs are banded into quartiles
    (:func:`stats.quartile_band`, PIs with a polarity only).

    Inputs: ``public`` (public_indicators), ``pis`` (catalogue rows), ``period``, ``rules``,
    ``areas`` (None: the 33 London boroughs).
    Output: :data:`BENCHMARK_COLUMNS`; ``vs_*`` hold ``better``, ``similar``, ``worse``,
    ``higher``, ``lower`` or ``not_compared`` with ``compare_reason`` saying why.
    Raises: InvalidArgumentError from :mod:`lscb_analysis.stats.stats` on impossible inputs.
    """
    areas = areas if areas is not None else register.london_boroughs()
    national = pis[(pis["source_type"] == "national") & pis["source_indicator"].notna()]
    frames = []
    for pi in national.itertuples(index=False):
        rows = public[
            (public["indicator"] == pi.source_indicator)
            & (public["period"] <= period.reporting_year)
        ]
        years = rows.loc[rows["status"] == OK, "period"]
        if years.empty:
            continue
        year = int(years.max())
        rows = rows[rows["period"] == year]
        las = rows[rows["area_type"] == "la"].drop_duplicates("la_number").set_index("la_number")
        table = pd.DataFrame(
            {"la_number": [a.la_number for a in areas], "borough": [a.name for a in areas]}
        )
        own = las.reindex(table["la_number"])
        table["numerator"] = own["numerator"].to_numpy(dtype=float)
        table["denominator"] = own["denominator"].to_numpy(dtype=float)
        table["status"] = own["status"].fillna("not_published").to_numpy()
        table["value"] = np.where(table["status"] == OK, own["value"].to_numpy(dtype=float), np.nan)
        ok = table["status"] == OK
        interval, reason = _interval(
            pi.unit, table["numerator"].where(ok), table["denominator"].where(ok), rules
        )
        reason[~ok] = [_status_text(s, rules).lower() for s in table.loc[~ok, "status"]]
        table["lower"], table["upper"] = interval["lower"], interval["upper"]
        for key, code in (("england", ENGLAND_CODE), ("london", LONDON_CODE)):
            match = rows[(rows["area_code"] == code) & (rows["status"] == OK)]
            table[key] = float(match["value"].iloc[0]) if len(match) else np.nan
        la_values = las.loc[las["status"] == OK, "value"].astype(float)
        means = stats.neighbour_mean(
            la_values.to_dict(), {a.la_number: list(a.neighbours) for a in areas}
        )
        table["neighbours"] = means["neighbour_mean"].to_numpy()
        table["neighbours_used"] = means["neighbours_used"].to_numpy()
        for key in rules["benchmarks"]:
            result = stats.compare_to_benchmark(
                table["value"], table["lower"], table["upper"], table[key], pi.polarity
            )
            table[f"vs_{key}"] = result["comparison"].to_numpy()
        table["compare_reason"] = reason.to_numpy()
        if pi.polarity in ("high", "low"):
            bands = stats.quartile_band(table["value"], pi.polarity)
            table["london_rank"] = bands["rank"].to_numpy()
            table["london_band"] = bands["band"].to_numpy()
        else:
            table["london_rank"], table["london_band"] = np.nan, None
        table["london_ranked"] = int(table["value"].notna().sum())
        table["pi_id"], table["indicator"], table["period"] = pi.id, pi.source_indicator, year
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=BENCHMARK_COLUMNS)
    return pd.concat(frames, ignore_index=True)[BENCHMARK_COLUMNS]


# --- the borough's series ----------------------------------------------------------------------


def _series_kind(source_type: str, frequency: str) -> str:
    if source_type == "national":
        return "year"
    return {"six-monthly": "half", "annual": "year"}.get(frequency, "quarter")


def _national_series(
    public: pd.DataFrame, indicator: str, la_number: str, last_year: int
) -> pd.DataFrame:
    rows = public[
        (public["indicator"] == indicator)
        & (public["la_number"] == la_number)
        & (public["period"] <= last_year)
    ].drop_duplicates("period")
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "period",
                "order",
                "numerator",
                "denominator",
                "value",
                "state",
                "estimated",
                "narrative",
            ]
        )
    years = range(int(rows["period"].min()), last_year + 1)
    rows = rows.set_index("period").reindex(years)
    state = rows["status"].fillna("not_published").astype(str)
    return pd.DataFrame(
        {
            "period": [period_label(y) for y in years],
            "order": list(years),
            "numerator": rows["numerator"].to_numpy(dtype=float),
            "denominator": rows["denominator"].to_numpy(dtype=float),
            "value": rows["value"].where(state == OK).to_numpy(dtype=float),
            "state": state.to_numpy(),
            "estimated": False,
            "narrative": "",
        }
    )


def _pilot_series(
    pilot: pd.DataFrame, pi_id: str, cutoff: str, frequency: str, pilot_rules: Mapping
) -> pd.DataFrame:
    """One local PI's quarters of its cycle, from the first returned to the last cycle quarter
    up to ``cutoff`` (so the last row is the score card's latest period: a quarter not
    returned is ``not_returned``, one marked not yet due ``not_yet_due``)."""
    own = pilot[(pilot["pi_id"] == pi_id) & pilot["period"].str.match(r"^\d{4}Q[1-4]$")]
    due_later = set(own.loc[own["state"] == "not_yet_due", "period"])
    rows = own[own["state"] != "not_yet_due"]
    rows = rows.assign(order=rows["period"].map(pilot_template.period_index))
    rows = rows[rows["order"] <= pilot_template.period_index(cutoff)]
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "period",
                "order",
                "numerator",
                "denominator",
                "value",
                "state",
                "estimated",
                "narrative",
            ]
        )
    rows = rows.sort_values(
        ["order", "state"], key=lambda s: s if s.name == "order" else s.eq(USABLE)
    ).drop_duplicates("order", keep="last")
    quarters = set(pilot_rules["periods"]["cycle_quarters"].get(frequency, [1, 2, 3, 4]))
    grid = [
        i
        for i in range(int(rows["order"].min()), pilot_template.period_index(cutoff) + 1)
        if i % 4 + 1 in quarters or i in set(rows["order"])
    ]
    rows = rows.set_index("order").reindex(grid)
    due = pd.Series(
        [pilot_template.period_from_index(i) in due_later for i in grid], index=rows.index
    )
    state = rows["state"].fillna(due.map({True: "not_yet_due", False: "not_returned"}))
    state = state.astype(str)
    return pd.DataFrame(
        {
            "period": [pilot_template.period_from_index(i) for i in grid],
            "order": grid,
            "numerator": rows["numerator"].to_numpy(dtype=float),
            "denominator": rows["denominator"].to_numpy(dtype=float),
            "value": rows["value"].where(state == USABLE).to_numpy(dtype=float),
            "state": state.to_numpy(),
            "estimated": rows["estimated"].fillna(False).astype(bool).to_numpy(),
            "narrative": rows["narrative"].fillna("").astype(str).to_numpy(),
        }
    )


# --- judging one PI ----------------------------------------------------------------------------


def _rounded(value: float, decimals: int, rules: Mapping) -> float:
    if rules["direction"].get("compare_rounded", True):
        return indicators.round_half_up(float(value), int(decimals))
    return float(value)


def travel(latest: float, previous: float, polarity: str, decimals: int, rules: Mapping) -> str:
    """Direction of travel from the previous value to the latest, following polarity.

    Output: ``improving``, ``worsening`` or ``no_change`` for a PI with a polarity; ``up``,
    ``down`` or ``no_change`` without one; ``not_comparable`` when a value is missing.

    >>> rules = load_rules()
    >>> travel(27.4, 22.6, "low", 1, rules), travel(90.0, 85.0, "high", 1, rules)
    ('worsening', 'improving')
    >>> travel(5.0, 4.0, "none", 1, rules), travel(14.81, 14.84, "low", 1, rules)
    ('up', 'no_change')
    """
    if pd.isna(latest) or pd.isna(previous):
        return "not_comparable"
    now, before = _rounded(latest, decimals, rules), _rounded(previous, decimals, rules)
    if now == before:
        return "no_change"
    if polarity not in ("high", "low"):
        return "up" if now > before else "down"
    return "improving" if (now > before) == (polarity == "high") else "worsening"


def target_status(value: float, target: float, polarity: str, decimals: int, rules: Mapping) -> str:
    """Red / amber / green of a value against its target.

    Output: ``met``, ``near`` (missed by no more than ``targets.amber_within`` of the target),
    ``missed``, ``no_target`` (no target or no polarity) or ``not_assessed`` (no figure).

    >>> rules = load_rules()
    >>> [target_status(v, 85, "high", 1, rules) for v in (86.0, 84.96, 82.0, 70.0)]
    ['met', 'met', 'near', 'missed']
    >>> target_status(float("nan"), 85, "high", 1, rules), target_status(21.0, 20, "low", 1, rules)
    ('not_assessed', 'near')
    """
    if target is None or pd.isna(target) or polarity not in ("high", "low"):
        return "no_target"
    if value is None or pd.isna(value):
        return "not_assessed"
    shown = indicators.round_half_up(float(value), int(decimals))
    gap = (target - shown) if polarity == "high" else (shown - target)
    if gap <= 0:
        return "met"
    return "near" if gap <= abs(target) * float(rules["targets"]["amber_within"]) else "missed"


def _improvement(polarity: str) -> str | None:
    return {"high": "up", "low": "down"}.get(polarity)


def _spc(series: pd.DataFrame, pi: Mapping, rules: Mapping) -> tuple[dict, pd.DataFrame]:
    """SPC fields for the row, and the points frame (limits only when there are enough).

    The latest period's verdict is :func:`lscb_analysis.present.latest.latest_verdict`'s, as in the
    deep dive: no icon unless the latest period itself has a value; then ``spc_note`` says
    why ("2024-25: suppressed; last shown 2023-24: 8.6%"). Limits are clipped to the unit's
    range (:func:`lscb_analysis.core.indicators.value_range`).
    """
    spc = rules["spc"]
    values = pd.Series(series["value"].to_numpy(dtype=float), index=series["period"])
    points = pd.DataFrame(
        {
            "pi_id": pi["id"],
            "period": series["period"].to_numpy(),
            "order": series["order"].to_numpy(),
            "value": values.to_numpy(),
            "state": series["state"].to_numpy(),
        }
    )
    for name in ("mean", "lpl", "upl"):
        points[name] = np.nan
    points["variation"] = None
    for name in ("special_cause", "outside_limits", "shift", "trend", "two_of_three"):
        points[name] = False
    count = int(values.notna().sum())
    fields = {
        "spc_points": count,
        "variation": "too_few_points",
        "variation_icon": "too_few_points",
        "spc_rule": "",
        "spc_note": "",
        "assurance": "not_assessed",
        "mean": np.nan,
        "lpl": np.nan,
        "upl": np.nan,
    }
    if count < int(spc["min_points"]):
        fields["spc_note"] = (
            f"{count} point{'s' if count != 1 else ''}; limits need at least {spc['min_points']}"
        )
        return fields, points
    target = None if pd.isna(pi["target_value"]) else float(pi["target_value"])
    chart = stats.xmr(
        values,
        improvement=_improvement(pi["polarity"]),
        target=target,
        shift_points=int(spc["shift_points"]),
        trend_points=int(spc["trend_points"]),
        screen_outliers=bool(spc["screen_outliers"]),
        value_range=indicators.value_range(pi["unit"]),
    )
    for name in (
        "mean",
        "lpl",
        "upl",
        "special_cause",
        "outside_limits",
        "shift",
        "trend",
        "two_of_three",
        "variation",
    ):
        points[name] = chart[name].to_numpy()
    chart["state"] = series["state"].to_numpy()
    verdict = latest.latest_verdict(
        chart, unit=pi["unit"], decimals=int(pi["decimals"]), label=str, target=target
    )
    if not verdict.has_value:
        fields.update(
            variation="not_assessed", variation_icon="not_assessed", spc_note=verdict.text
        )
        return fields, points
    summary = stats.xmr_summary(chart).iloc[0]
    last = chart.iloc[-1]
    rule = next(
        (name for name in ("outside_limits", "trend", "two_of_three", "shift") if bool(last[name])),
        "",
    )
    fields.update(
        variation=summary["variation"],
        variation_icon=summary["variation_icon"],
        spc_rule=rule,
        assurance=summary["assurance"] or ("no_target" if target is None else "not_assessed"),
        mean=summary["mean"],
        lpl=summary["lpl"],
        upl=summary["upl"],
    )
    if chart.attrs.get("warning"):
        fields["spc_note"] = f"provisional limits: {count} points"
    return fields, points


def _trend(series: pd.DataFrame, unit: str, rules: Mapping) -> tuple[str, str]:
    """Recent-trend marker from the last five points' counts, as Fingertips."""
    spec = rules["intervals"].get(unit, {"method": "none"})
    if spec["method"] == "none":
        return "cannot_be_calculated", str(spec.get("reason", "no interval for this unit"))
    recent = series.tail(stats.TREND_POINTS)
    if len(recent) < stats.TREND_POINTS:
        return "cannot_be_calculated", f"fewer than {stats.TREND_POINTS} points"
    usable = (
        recent["state"].eq(USABLE) & recent["numerator"].notna() & recent["denominator"].notna()
    )
    if not usable.all():
        return "cannot_be_calculated", (
            f"a missing, suppressed or uncounted figure among the last {stats.TREND_POINTS} points"
        )
    numerator, denominator = recent["numerator"], recent["denominator"]
    if (
        (denominator <= 0).any()
        or (numerator < 0).any()
        or (spec["method"] == "wilson" and (numerator > denominator).any())
    ):
        return "cannot_be_calculated", "numerator and denominator inconsistent"
    kind = "proportion" if spec["method"] == "wilson" else "rate"
    result = stats.trend_test(
        numerator=numerator,
        denominator=denominator,
        kind=kind,
        confidence=float(rules["trend"]["confidence"]),
    ).iloc[0]
    return str(result["trend"]), str(result["reason"])


def _trend_judgement(trend: str, polarity: str) -> str:
    """'getting worse', 'getting better' or '' for a trend code and a polarity."""
    if trend not in ("increasing", "decreasing") or polarity not in ("high", "low"):
        return ""
    return "getting better" if (trend == "increasing") == (polarity == "high") else "getting worse"


def _data_quality(
    series: pd.DataFrame,
    issues: pd.DataFrame,
    pilot: pd.DataFrame,
    pi: Mapping,
    cutoff: str,
    latest_state: str,
) -> dict:
    """Errors and queries at the latest returned period, and estimated values in the series."""
    rows = pilot[
        (pilot["pi_id"] == pi["id"])
        & (~pilot["prefilled"])
        & pilot["period"].str.match(r"^\d{4}Q[1-4]$")
    ]
    rows = rows[
        rows["period"].map(pilot_template.period_index) <= pilot_template.period_index(cutoff)
    ]
    latest_period = max(rows["period"], key=pilot_template.period_index) if len(rows) else None
    found = issues[(issues["pi_id"] == pi["id"]) & (issues["period"] == latest_period)]
    errors = int((found["severity"] == "error").sum())
    queries = int((found["severity"] == "query").sum())
    estimated = int(rows["estimated"].sum()) if len(rows) else 0
    parts = []
    if errors or queries:
        counts = [
            f"{n} {word}{'s' if n != 1 else ''}"
            for n, word in ((errors, "error"), (queries, "query"))
            if n
        ]
        where = "in-year return " if pi["source_type"] == "national" else ""
        parts.append(
            f"{where}{_period(latest_period)}: {' and '.join(counts)}".replace("querys", "queries")
        )
    if estimated:
        parts.append(f"{estimated} estimated value{'s' if estimated != 1 else ''}")
    if latest_state == "low_reliability":
        parts.append("published as low reliability")
    flag = "error" if errors else "query" if queries else "estimated" if estimated else ""
    if not parts:
        parts.append(
            "no issues found"
            if len(rows)
            else (
                "published statistic (DfE)"
                if pi["source_type"] == "national"
                else "no pilot return"
            )
        )
    return {
        "dq_errors": errors,
        "dq_queries": queries,
        "dq_estimated": estimated,
        "dq_flag": flag or "ok",
        "dq_text": "; ".join(parts),
    }


def _in_year(
    pilot: pd.DataFrame,
    pi: Mapping,
    benchmark_year: int | None,
    cutoff: str,
    rules: Mapping,
    pilot_rules: Mapping,
) -> tuple[str, str]:
    """A national PI's latest in-year figure returned by the borough, and its narrative."""
    rows = pilot[(pilot["pi_id"] == pi["id"]) & pilot["period"].str.match(r"^\d{4}Q[1-4]$")]
    rows = rows[
        rows["period"].map(pilot_template.period_index) <= pilot_template.period_index(cutoff)
    ]
    if rows.empty:
        return "", ""
    rows = rows.assign(order=rows["period"].map(pilot_template.period_index)).sort_values("order")
    narrative = next((text for text in reversed(rows["narrative"].tolist()) if text.strip()), "")
    own = rows[~rows["prefilled"]]
    if benchmark_year is not None:
        start = pilot_template.period_index(_year_end_quarter(benchmark_year, pilot_rules))
        own = own[own["order"] > start]
    if own.empty:
        return "", narrative
    last = own.iloc[-1]
    if last["state"] == USABLE:
        text = format_figure(last["value"], pi["unit"], pi["decimals"], rules)
        estimated = " (estimated)" if last["estimated"] else ""
        return f"{_period(last['period'])}: {text}{estimated}, the borough's own figure", narrative
    return f"{_period(last['period'])}: {_status_text(last['state'], rules).lower()}", narrative


def _comparison_text(code: str, value: float, pi: Mapping, rules: Mapping) -> tuple[str, str]:
    shown = format_figure(value, pi["unit"], pi["decimals"], rules) or "not published"
    return shown, str(rules["icons"]["comparison"][code])


def _assess(
    pi: Mapping,
    series: pd.DataFrame,
    bench: Mapping | None,
    pilot: pd.DataFrame,
    issues: pd.DataFrame,
    period: ScorecardPeriod,
    rules: Mapping,
    pilot_rules: Mapping,
) -> tuple[dict, pd.DataFrame]:
    """Every field of one PI's row, and its SPC points."""
    icons = rules["icons"]
    unit, decimals, polarity = pi["unit"], int(pi["decimals"]), pi["polarity"]
    target = float(pi["target_value"]) if not pd.isna(pi["target_value"]) else np.nan
    row: dict[str, Any] = {}
    if series.empty:
        state = "not_published" if pi["source_type"] == "national" else "not_returned"
        latest = {
            "period": "",
            "value": np.nan,
            "state": state,
            "numerator": np.nan,
            "denominator": np.nan,
            "estimated": False,
            "narrative": "",
        }
        previous = None
    else:
        latest = series.iloc[-1].to_dict()
        previous = series.iloc[-2].to_dict() if len(series) > 1 else None
    value = latest["value"] if latest["state"] == USABLE else np.nan
    row.update(
        period=latest["period"],
        value=value,
        value_state=latest["state"],
        numerator=latest["numerator"] if latest["state"] == USABLE else np.nan,
        denominator=latest["denominator"] if latest["state"] == USABLE else np.nan,
        estimated=bool(latest["estimated"]),
    )
    if latest["state"] == USABLE:
        row["value_text"] = format_figure(value, unit, decimals, rules) + (
            " (estimated)" if latest["estimated"] else ""
        )
    else:
        row["value_text"] = _status_text(latest["state"], rules)
    row.update(target=target, target_text=format_figure(target, unit, decimals, rules))
    row["target_status"] = target_status(value, target, polarity, decimals, rules)
    row["target_icon"] = icons["target"][row["target_status"]]
    if previous is None:
        row.update(previous_period="", previous_value=np.nan, previous_text="")
    else:
        usable = previous["state"] == USABLE
        row.update(
            previous_period=previous["period"],
            previous_value=previous["value"] if usable else np.nan,
            previous_text=format_figure(previous["value"], unit, decimals, rules)
            if usable
            else _status_text(previous["state"], rules),
        )
    row["travel"] = travel(value, row["previous_value"], polarity, decimals, rules)
    row["travel_icon"] = icons["travel"][row["travel"]]

    spc_fields, points = _spc(series, pi, rules)
    row.update(spc_fields)
    row["variation_text"] = icons["variation"][row["variation_icon"]]
    row["assurance_text"] = icons["assurance"][row["assurance"]]

    if bench is None:
        reason = (
            "local PI: no published comparator"
            if pi["source_type"] == "local"
            else "not published for London boroughs"
        )
        row.update(
            benchmark_period="",
            lower=np.nan,
            upper=np.nan,
            compare_reason=reason,
            neighbours_used=0,
            london_rank=np.nan,
            london_ranked=0,
            london_band=None,
        )
        for key in rules["benchmarks"]:
            row[key], row[f"{key}_text"] = np.nan, ""
            row[f"vs_{key}"] = "not_compared"
            row[f"vs_{key}_text"] = icons["comparison"]["not_compared"]
    else:
        row.update(
            benchmark_period=period_label(int(bench["period"])),
            lower=bench["lower"],
            upper=bench["upper"],
            compare_reason=bench["compare_reason"],
            neighbours_used=int(bench["neighbours_used"]),
            london_rank=bench["london_rank"],
            london_ranked=int(bench["london_ranked"]),
            london_band=bench["london_band"],
        )
        for key in rules["benchmarks"]:
            row[key] = bench[key]
            row[f"{key}_text"], row[f"vs_{key}_text"] = _comparison_text(
                bench[f"vs_{key}"], bench[key], pi, rules
            )
            row[f"vs_{key}"] = bench[f"vs_{key}"]
    if polarity not in ("high", "low"):
        row["band_text"] = "not banded (no polarity)"
    elif row["london_band"] is None or pd.isna(row["london_rank"]):
        row["band_text"] = "not banded"
    else:
        row["band_text"] = (
            f"{row['london_band']} (rank {int(row['london_rank'])} of {row['london_ranked']})"
        )

    usable_series = series if bench is None else series[series["order"] <= int(bench["period"])]
    row["trend"], row["trend_reason"] = _trend(usable_series, unit, rules)
    judgement = _trend_judgement(row["trend"], polarity)
    row["trend_text"] = icons["trend"][row["trend"]] + (f", {judgement}" if judgement else "")
    row.update(_data_quality(series, issues, pilot, pi, period.cutoff, latest["state"]))
    if pi["source_type"] == "national":
        year = int(bench["period"]) if bench is not None else None
        row["in_year_text"], row["narrative"] = _in_year(
            pilot, pi, year, period.cutoff, rules, pilot_rules
        )
    else:
        row["in_year_text"], row["narrative"] = "", str(latest.get("narrative") or "")
    return row, points


# --- exceptions --------------------------------------------------------------------------------


def _period_words(row: Mapping) -> tuple[str, str]:
    return PERIOD_WORDS[_series_kind(row["source_type"], row["frequency"])]


def _spc_clause(row: Mapping, points: pd.DataFrame) -> str:
    """Plain words for the special cause at the latest point."""
    one, many = _period_words(row)
    shown = points[points["value"].notna()]
    if shown.empty:
        return ""
    last = shown.iloc[-1]
    high = last["value"] > last["mean"]
    side = "above the upper" if high else "below the lower"
    if row["spc_rule"] == "outside_limits":
        limit = "upl" if high else "lpl"
        earlier = shown.iloc[:-1]
        beyond = earlier[
            (earlier["value"] > earlier[limit]) if high else (earlier["value"] < earlier[limit])
        ]
        since = (
            f"for the first time since {_period(beyond['period'].iloc[-1])}"
            if len(beyond)
            else f"for the first time since the series began in {_period(shown['period'].iloc[0])}"
        )
        return f"{side} process limit {since}"
    if row["spc_rule"] == "trend":
        steps = np.sign(np.diff(shown["value"].to_numpy()))
        run = 1
        for step in reversed(steps):
            if step != steps[-1] or step == 0:
                break
            run += 1
        return f"{'rising' if steps[-1] > 0 else 'falling'} for {run} {many} in a row"
    if row["spc_rule"] == "two_of_three":
        return f"with two of the last three {many} close to the {side.split()[-1]} process limit"
    sides = np.sign(shown["value"].to_numpy() - shown["mean"].to_numpy())
    run = 0
    for item in reversed(sides):
        if item != sides[-1] or item == 0:
            break
        run += 1
    return f"{run} {many} in a row {'above' if high else 'below'} its average"


def _exception_facts(
    row: Mapping, points: pd.DataFrame, found: list[str], rules: Mapping
) -> tuple[str, dict]:
    """The plain-English sentence for an exception PI, and the question placeholders."""
    title = short_title(row["title"])
    one, many = _period_words(row)
    value = row["value_text"]
    verbs = {
        "improving": None,
        "worsening": None,
        "up": "rose",
        "down": "fell",
        "no_change": "was unchanged at",
    }
    direction = row["travel"]
    if direction in ("improving", "worsening"):
        rose = (direction == "improving") == (row["polarity"] == "high")
        verb = "rose to" if rose else "fell to"
    elif direction in ("up", "down"):
        verb = f"{verbs[direction]} to"
    elif direction == "no_change":
        verb = "was unchanged at"
    else:
        verb = "was"
    first = f"{title} {verb} {value} in {_period(row['period'])}"
    clauses = []
    names = rules["benchmarks"]
    worse = [key for key in names if row[f"vs_{key}"] == "worse"]
    if worse:
        listed = _join([f"{names[k]} ({row[f'{k}_text']})" for k in worse])
        clauses.append(f"significantly worse than {listed}")
    if "special_cause_concern" in found:
        clauses.append(_spc_clause(row, points))
    if "red_red" in found and row["travel"] != "worsening":
        clauses.append(f"on a significant worsening trend over the last five {many}")
    periods_text = ""
    if "missing_target" in found:
        misses = int(row.get("_misses", 0))
        need = int(rules["exceptions"]["missing_target"]["periods"])
        side = "below" if row["polarity"] == "high" else "above"
        if misses >= need:
            periods_text = f"each of the last {misses} {many}"
            clauses.append(f"{side} its target of {row['target_text']} in {periods_text}")
        if row["assurance"] == "consistently_fail":
            clauses.append("with process limits showing it will consistently fail the target")
            periods_text = periods_text or (
                "recent periods, and the SPC limits show it cannot meet it as things stand"
            )
    sentence = first + ("; " + _join(clauses) if clauses else "") + "."
    placeholders = {
        "title": _lower_first(title),
        "borough": row["borough"],
        "period": _period(row["period"]),
        "value": value,
        "target": row["target_text"],
        "periods": periods_text,
        "benchmarks": _join([names[k] for k in worse]) or "its benchmarks",
        "agency": row["source_agency"],
        "sub_group": row["sub_group"],
    }
    return sentence, placeholders


def _consecutive_misses(series: pd.DataFrame, pi: Mapping, rules: Mapping) -> int:
    """How many of the latest periods in a row missed the target (a gap ends the count)."""
    count = 0
    for row in series.iloc[::-1].itertuples(index=False):
        status = target_status(
            row.value if row.state == USABLE else np.nan,
            pi["target_value"],
            pi["polarity"],
            pi["decimals"],
            rules,
        )
        if status not in ("missed", "near"):
            break
        count += 1
    return count


def find_exceptions(rows: pd.DataFrame, points: pd.DataFrame, rules: Mapping) -> pd.DataFrame:
    """Apply the exception rules to score card rows; one row per PI meeting any of them.

    Rules (``exceptions`` in scorecard.yaml): ``special_cause_concern`` (the latest point's
    variation), ``red_red`` (worse than any listed benchmark and getting worse: worsening
    since the previous period or a significant worsening trend) and ``missing_target``
    (missed in each of the last N periods, or SPC assurance "consistently fail"). Rows need
    the helper column ``_misses`` (consecutive missed periods) that :func:`scorecard` adds.

    Output: :data:`EXCEPTION_COLUMNS`, ordered by rating (critical first) then catalogue
    order; ``exceptions`` holds the rule codes joined by ``;``, ``labels`` their labels,
    ``questions`` one question per rule (joined by a blank line).
    Raises: KeyError when a question template names an unknown placeholder.
    """
    settings = rules["exceptions"]
    records = []
    for _, row in rows.iterrows():
        found = []
        if row["variation"] == "special_cause_concern":
            found.append("special_cause_concern")
        worse = any(row[f"vs_{key}"] == "worse" for key in settings["red_red"]["benchmarks"])
        getting_worse = (
            "direction" in settings["red_red"]["getting_worse"] and row["travel"] == "worsening"
        ) or (
            "trend" in settings["red_red"]["getting_worse"]
            and _trend_judgement(row["trend"], row["polarity"]) == "getting worse"
        )
        if worse and getting_worse:
            found.append("red_red")
        rule = settings["missing_target"]
        if row["target_status"] in ("missed", "near") and (
            int(row.get("_misses", 0)) >= int(rule["periods"])
            or (rule.get("assurance_fail") and row["assurance"] == "consistently_fail")
        ):
            found.append("missing_target")
        if not found:
            continue
        found = [code for code in settings["order"] if code in found]
        sentence, placeholders = _exception_facts(
            row, points[points["pi_id"] == row["pi_id"]], found, rules
        )
        questions = [
            _sentence_case(" ".join(str(rules["questions"][code]).format(**placeholders).split()))
            for code in found
        ]
        records.append(
            {
                "pi_id": row["pi_id"],
                "title": row["title"],
                "rating": row["rating"],
                "sub_group": row["sub_group"],
                "exceptions": ";".join(found),
                "labels": "; ".join(settings[code]["label"] for code in found),
                "sentence": sentence,
                "questions": "\n\n".join(questions),
                "_rank": (0 if row["rating"] == "critical" else 1, row["position"]),
            }
        )
    table = pd.DataFrame(records, columns=[*EXCEPTION_COLUMNS, "_rank"])
    return table.sort_values("_rank").drop(columns="_rank").reset_index(drop=True)


# --- the score card ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Scorecard:
    """One borough's score card for one period, as computed by :func:`scorecard`.

    Attributes: ``borough``, ``la_number``, ``period`` (:class:`ScorecardPeriod`),
    ``model_version``, ``subgroup`` (None for all), ``tier`` and ``tier_label``;
    ``rows`` (:data:`ROW_COLUMNS`, catalogue order), ``points`` (:data:`POINT_COLUMNS`),
    ``exceptions`` (:data:`EXCEPTION_COLUMNS`), ``benchmarks`` (:func:`benchmark_table` for
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


def check_subgroup(subgroup: Any, pis: pd.DataFrame) -> str | None:
    """Return the sub-group the ``subgroup`` parameter names (case ignored), or None for all.

    Raises: ParameterError listing the catalogue's sub-groups.

    >>> pis = pd.DataFrame({"sub_group": ["performance", "neglect"]})
    >>> check_subgroup(" Neglect ", pis), check_subgroup(None, pis)
    ('neglect', None)
    """
    if subgroup is None or (isinstance(subgroup, str) and subgroup.strip().lower() in ("", "all")):
        return None
    known = sorted(pis["sub_group"].dropna().unique())
    wanted = str(subgroup).strip().lower()
    match = [name for name in known if name.lower() == wanted]
    if not match:
        raise ParameterError(
            f"Parameter 'subgroup': {subgroup!r} is not a sub-group of the model's PIs. Use "
            f"one of: {', '.join(known)}; or leave it empty for all."
        )
    return match[0]


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
) -> Scorecard:
    """Compute one borough's score card: every current PI of the catalogue on one line.

    Inputs: ``catalogue`` (:class:`lscb_analysis.model.catalogue.Catalogue`), ``public``
    (public_indicators), ``area`` (the borough), ``period`` (:func:`resolve_period`);
    keyword-only: ``pilot_values`` / ``pilot_issues`` (None or empty: national PIs only,
    local PIs show "no figure returned"), ``rules`` (None: scorecard.yaml), ``subgroup``
    (None: all PIs; see :func:`check_subgroup`), ``tier`` (``board`` suppresses small
    numbers), ``benchmarks`` (a precomputed :func:`benchmark_table`, to reuse across
    boroughs), ``pilot_rules`` and ``disclosure_rules`` (None: the project's files).

    Output: :class:`Scorecard`.
    Raises: ParameterError for an unknown sub-group or tier; InvalidArgumentError from
    :mod:`lscb_analysis.stats.stats` on impossible figures.
    """
    rules = rules or load_rules()
    pilot_rules = pilot_rules or pilot_template.load_rules()
    tier = disclosure_config.validate_tier(tier)
    disclosure_rules = disclosure_rules or disclosure_config.load_disclosure_rules()
    pis = catalogue.current
    subgroup = check_subgroup(subgroup, pis)
    if subgroup is not None:
        pis = pis[pis["sub_group"] == subgroup]
    if benchmarks is None:
        benchmarks = benchmark_table(public, catalogue.current, period, rules)
    raw = pilot_values if pilot_values is not None else empty_pilot_values()
    raw = raw[_clean_la(raw["la_number"]) == area.la_number] if len(raw) else raw
    pilot = prepare_pilot(raw, tier, pilot_rules, disclosure_rules)
    issues = _prepare_issues(pilot_issues)
    issues = issues[issues["la_number"] == area.la_number]
    own_public = public[public["la_number"] == area.la_number]
    bench_index = benchmarks[benchmarks["la_number"] == area.la_number].set_index("pi_id")

    rows, point_frames = [], []
    for _, pi in pis.iterrows():
        bench = bench_index.loc[pi["id"]].to_dict() if pi["id"] in bench_index.index else None
        if pi["source_type"] == "national" and bench is not None:
            series = _national_series(
                own_public, pi["source_indicator"], area.la_number, int(bench["period"])
            )
        elif pi["source_type"] == "national":
            series = _national_series(
                own_public, pi["source_indicator"], area.la_number, period.reporting_year
            )
        else:
            series = _pilot_series(pilot, pi["id"], period.cutoff, pi["frequency"], pilot_rules)
        row, points = _assess(pi, series, bench, pilot, issues, period, rules, pilot_rules)
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
            _misses=_consecutive_misses(series, pi, rules) if len(series) else 0,
        )
        rows.append(row)
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


# --- method note and legend --------------------------------------------------------------------


def method_lines(rules: Mapping) -> list[tuple[str, str]]:
    """The method as (item, text) pairs, written from the rules (report and Notes sheet).

    >>> items = dict(method_lines(load_rules()))
    >>> "95%" in items["Benchmarks"] and "7" in items["SPC (variation and assurance)"]
    True
    """
    spc, level = rules["spc"], float(rules["confidence"])
    names = rules["benchmarks"]
    no_interval = "; ".join(
        f"{unit.replace('_', ' ')}: {spec.get('reason', 'no interval')}"
        for unit, spec in rules["intervals"].items()
        if spec["method"] == "none"
    )
    trend_level = float(rules["trend"]["confidence"])
    settings = rules["exceptions"]
    exceptions = " ".join(
        f"{settings[code]['label']}: {' '.join(settings[code]['description'].split())}"
        for code in settings["order"]
    )
    return [
        (
            "Periods",
            "Quarters are calendar quarters (2025Q1 is January to March 2025), as in the "
            "pilot data table. National PIs show DfE's published figure for the latest "
            "reporting year up to the period (2024-25 is the year to 31 March 2025); local "
            "PIs the borough's latest figure up to the period.",
        ),
        (
            "Benchmarks",
            f"National PIs are compared with {_join(list(names.values()))}: "
            f"significantly better or worse when the benchmark lies outside the "
            f"borough's {level:.0%} confidence interval, similar when inside it "
            "(Fingertips' method); higher or lower where neither direction is better. "
            "Intervals from the published numerator and denominator: Wilson score for "
            "percentages; exact Poisson below 10 events and Byar's method from 10 for "
            "rates. The statistical-neighbour benchmark is the plain mean of the "
            "borough's ten DfE statistical neighbours with a figure. Not compared: "
            f"{no_interval}; a missing or suppressed figure; local PIs, which have no "
            "published comparator.",
        ),
        (
            "London quartile",
            "Band A (best quarter) to D (worst) among the London boroughs with a "
            "figure, following the PI's polarity, as DfE's LA Interactive Tool; "
            "PIs where neither direction is better are not banded.",
        ),
        (
            "SPC (variation and assurance)",
            f"NHS Making Data Count XmR chart of the borough's own series (quarterly pilot figures "
            f"for local PIs, published annual figures for national PIs): process limits at the "
            f"mean +/- 2.66 x the mean moving range; special cause when a point is outside the "
            f"limits, {spc['shift_points']} or more points in a row on one side of the mean, a "
            f"trend of {spc['trend_points']} points, or two of three points beyond 2 sigma. Moving "
            f"ranges {'are' if spc['screen_outliers'] else 'are not'} screened for outliers. At "
            f'least {spc["min_points"]} points are needed, otherwise "too few points"; limits on '
            "fewer than 12 points are provisional. Limits are never rebased automatically. "
            "Assurance compares the target with the latest process limits.",
        ),
        (
            "Recent trend",
            f"Fingertips' trend marker over the last 5 points at {trend_level:.1%} "
            "confidence: chi-squared test for trend for percentages, Poisson "
            "regression for rates; not calculated where a figure among them is "
            "missing, suppressed or has no numerator and denominator.",
        ),
        (
            "Direction of travel",
            "The latest figure against the previous period's, compared as "
            "published (rounded to the PI's decimals): improving or worsening "
            "following the PI's polarity, only up or down where neither "
            "direction is better.",
        ),
        (
            "Targets",
            f"Green when the latest figure meets the target, amber when it misses by no "
            f"more than {float(rules['targets']['amber_within']):.0%} of the target, red "
            "otherwise.",
        ),
        ("Exceptions", exceptions),
        (
            "Missing and suppressed figures",
            'Shown as such (the published reason, or "c" for a '
            "small number), never coloured as good or bad, and "
            "left out of every statistic and chart.",
        ),
    ]


def method_note(rules: Mapping, tier: str = disclosure_config.DEFAULT_TIER) -> str:
    """The report's method note (markdown): :func:`method_lines` and the disclosure rules.

    >>> "Making Data Count" in method_note(load_rules())
    True
    """
    lines = [f"- **{item}.** {text}" for item, text in method_lines(rules)]
    if disclosure_config.validate_tier(tier) == "board":
        lines.append(f"- **Small numbers.** {disclosure_config.method_note()}")
    else:
        lines.append(
            f"- **Small numbers.** {disclosure_config.tier_label('analyst')}: nothing is "
            "suppressed in this copy."
        )
    return "\n".join(lines)


def legend_rows(rules: Mapping) -> pd.DataFrame:
    """Every icon with its meaning and fill colour (hex, empty for none), for the legends.

    Output: columns ``group, code, symbol, meaning, colour``.

    >>> legend = legend_rows(load_rules())
    >>> legend.loc[legend["code"] == "met", "colour"].item()
    'C6EFCE'
    """
    colours = rules["colours"]
    variation_codes = {
        "improvement_high": "special_cause_improvement",
        "improvement_low": "special_cause_improvement",
        "concern_high": "special_cause_concern",
        "concern_low": "special_cause_concern",
        "neither_high": "special_cause_neither",
        "neither_low": "special_cause_neither",
    }
    groups = {
        "target": "Target",
        "travel": "Direction of travel",
        "variation": "SPC variation",
        "assurance": "SPC assurance",
        "comparison": "Benchmark",
        "trend": "Recent trend",
    }
    records = []
    for group, title in groups.items():
        for code, symbol in rules["icons"][group].items():
            if group == "target":
                colour = colours["target"].get(code, "")
            elif group == "variation":
                colour = colours["variation"].get(variation_codes.get(code, ""), "")
            elif group == "comparison":
                colour = colours["comparison"].get(code, "")
            else:
                colour = ""
            records.append(
                {
                    "group": title,
                    "code": code,
                    "symbol": symbol,
                    "meaning": " ".join(str(rules["legend"][group]).split()),
                    "colour": colour,
                }
            )
    return pd.DataFrame(records, columns=["group", "code", "symbol", "meaning", "colour"])


# --- report pieces -----------------------------------------------------------------------------


def title_block(card: Scorecard) -> str:
    """The report's title block (markdown): PIs and sub-group, model, as at, tier.

    The borough and period are the report's title (its h1), so they are not repeated here.
    """
    scope = card.subgroup or "all sub-groups"
    return (
        f"**PIs:** {len(card.rows)} ({scope}) · **Best-fit model:** version "
        f"{card.model_version} · **Data as at:** {card.as_at}\n\n"
        f"**{card.tier_label}**"
    )


def index_headlines(card: Scorecard) -> dict:
    """What the report index shows for this run: exceptions, targets met, worse than England.

    >>> rows = pd.DataFrame({"target_status": ["met", "missed", "no_target"],
    ...                      "vs_england": ["worse", "similar", "not_compared"]})
    >>> card = Scorecard("Barnet", "302", ScorecardPeriod("2025Q4", "quarter", "2025Q4", 2025),
    ...     "1.0", None, "board", "", rows, pd.DataFrame(), pd.DataFrame({"pi_id": ["x"]}),
    ...     pd.DataFrame(), {})
    >>> index_headlines(card)
    {'Exceptions': 1, 'Targets met': '1 of 2', 'Worse than England': '1 of 2'}
    """
    rated = card.rows["target_status"].isin(["met", "near", "missed"])
    compared = card.rows["vs_england"] != "not_compared"
    return {
        "Exceptions": len(card.exceptions),
        "Targets met": f"{int((card.rows['target_status'] == 'met').sum())} of {int(rated.sum())}",
        "Worse than England": f"{int((card.rows['vs_england'] == 'worse').sum())} of "
        f"{int(compared.sum())}",
    }


def sources_footer(card: Scorecard) -> str:
    """Provenance footer (markdown): published statistics and the pilot returns used."""
    from lscb_analysis.core import provenance

    pilot = (
        "Local PIs: the borough's Phase III pilot returns (data/processed/pilot_values), "
        "checked by `lscb pilot ingest`; the synthetic demo returns are invented figures."
        if "pilot returns" in card.as_at
        else 'Local PIs: no pilot return has been ingested, so they show "no figure returned".'
    )
    return f"{provenance.source_footer(card.period.reporting_year)}\n\n{pilot}"


_CSS = """<style>
@page { size: A4 landscape; margin: 10mm; }
.lscb-sc { border-collapse: collapse; width: 100% !important; table-layout: auto !important;
  font-size: 9pt; line-height: 1.25; }
.lscb-sc th { background: #1F4E79; color: #FFFFFF; text-align: left !important;
  padding: 3px 4px; }
.lscb-sc td { border-top: 1px solid #D0D0D0; padding: 3px 4px; vertical-align: top;
  text-align: left !important; }
.lscb-sc td.pi { width: 22%; }
.lscb-sc p.lscb-question { margin: 0 0 0.4em 0; }
/* A goal's table is captioned for screen readers; its heading shows the same words. */
.lscb-card caption { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.lscb-sc .sub { color: #555555; font-size: 8pt; }
.lscb-sc tr.narrative td { border-top: none; font-style: italic; color: #333333;
  padding-top: 0; font-size: 8pt; }
.lscb-sc tr.flag td:first-child { border-left: 4px solid #D55E00; }
.lscb-sc tr.cluster th, .lscb-sc tr.cluster td { background: #DCE6F1; color: #000000;
  border-top: 1px solid #1F4E79; }
.lscb-sc td.lscb-cluster { font-size: 8pt; color: #333333; }
@media print { .lscb-sc { font-size: 7.5pt; } .lscb-sc tr { page-break-inside: avoid; }
  h3, h4 { page-break-after: avoid; } }
</style>"""


def _cell(text: str, sub: str = "", colour: str = "", css: str = "") -> str:
    style = f' style="background:#{colour}"' if colour else ""
    kind = f' class="{css}"' if css else ""
    extra = f'<br><span class="sub">{html.escape(sub)}</span>' if sub else ""
    return f"<td{kind}{style}>{html.escape(text)}{extra}</td>"


def scorecard_html(card: Scorecard) -> str:
    """The score card table as HTML: grouped by goal and cluster, with the cluster narrative.

    One table per goal (its heading, and its caption for screen readers), one row group per
    cluster headed by the cluster's title and introduction; one line per PI (latest value and
    period, target, previous value and direction of travel, SPC, benchmarks, quartile, trend,
    data quality), the borough's narrative beneath it.
    Colours come from the rules and only for judged cells: a missing or suppressed figure,
    "not compared" or "not rated" is never coloured. Readable printed on A4 landscape.
    """
    rules, colours = card.rules, card.rules["colours"]
    names = rules["benchmarks"]
    head = [
        "PI",
        "Latest",
        "Target",
        "Previous",
        "SPC",
        *[n.capitalize() for n in names.values()],
        "London quartile",
        "Recent trend",
        "Data quality",
    ]
    parts = [_CSS]
    header = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    for (goal, goal_title), goal_rows in card.rows.groupby(["goal", "goal_title"], sort=False):
        # One table per goal, one row group per cluster: the column heads print once a goal
        # (and again on each page), so a borough's card fits its four printed pages.
        parts.append(
            f"<h3>{html.escape(goal)} {html.escape(goal_title)}</h3>"
            f'<table class="lscb-sc lscb-card"><caption>{html.escape(goal)} '
            f"{html.escape(goal_title)}</caption><thead><tr>{header}</tr></thead>"
        )
        for (_, cluster_title, narrative), rows in goal_rows.groupby(
            ["cluster", "cluster_title", "cluster_narrative"], sort=False
        ):
            parts.append(
                f'<tbody><tr class="cluster"><th scope="rowgroup">'
                f"{html.escape(cluster_title)}</th>"
                f'<td class="lscb-cluster" colspan="{len(head) - 1}">'
                f'<span class="lscb-cluster-intro">{html.escape(narrative)}</span>'
                "</td></tr>"
            )
            for row in rows.to_dict("records"):
                flag = ' class="flag"' if row["exceptions"] else ""
                cells = [
                    _cell(
                        f"{row['pi_id']} {row['title']}",
                        f"{row['rating']}; {row['sub_group']}"
                        + (f"; EXCEPTION: {row['exception_text']}" if row["exceptions"] else ""),
                        css="pi",
                    ),
                    _cell(row["value_text"], _period(row["period"])),
                    _cell(
                        row["target_icon"],
                        row["target_text"],
                        colours["target"].get(row["target_status"], ""),
                    ),
                    _cell(
                        row["travel_icon"],
                        f"{row['previous_text']} {_period(row['previous_period'])}".strip(),
                    ),
                    _cell(
                        row["variation_text"],
                        "; ".join(
                            t
                            for t in (
                                row["assurance_text"] if row["assurance_text"] != "\u2013" else "",
                                row["spc_note"],
                            )
                            if t
                        ),
                        colours["variation"].get(row["variation"], ""),
                    ),
                ]
                for key in names:
                    sub = row[f"{key}_text"]
                    if key == "neighbours" and row["neighbours_used"]:
                        sub += f" ({row['neighbours_used']} neighbours)"
                    cells.append(
                        _cell(
                            row[f"vs_{key}_text"],
                            sub,
                            colours["comparison"].get(row[f"vs_{key}"], ""),
                        )
                    )
                cells += [_cell(row["band_text"]), _cell(row["trend_text"]), _cell(row["dq_text"])]
                parts.append(f"<tr{flag}>{''.join(cells)}</tr>")
                notes = [
                    t
                    for t in (
                        row["in_year_text"] and f"In year: {row['in_year_text']}.",
                        row["narrative"] and f"Borough's narrative: {row['narrative']}",
                        row["compare_reason"]
                        and row["source_type"] == "national"
                        and f"Not compared: {row['compare_reason']}.",
                    )
                    if t
                ]
                if notes:
                    parts.append(
                        f'<tr class="narrative"><td></td><td colspan="{len(head) - 1}">'
                        f"{html.escape(' '.join(notes))}</td></tr>"
                    )
            parts.append("</tbody>")
        parts.append("</table>")
    return "\n".join(parts)


def exceptions_html(card: Scorecard) -> str:
    """The exception list as HTML: PI, exception, what the data show, question to ask."""
    if card.exceptions.empty:
        return (
            "<p><strong>No exceptions.</strong> No PI shows special-cause concern, is "
            "significantly worse than a benchmark and getting worse, or misses its target "
            "consistently.</p>"
        )
    rows = [
        "<caption>Exceptions</caption><thead><tr>"
        + "".join(
            f'<th scope="col">{h}</th>'
            for h in ("PI", "Exception", "What the data show", "Question for the challenge meeting")
        )
        + "</tr></thead>"
    ]
    for row in card.exceptions.to_dict("records"):
        questions = "".join(
            f'<p class="lscb-question">{html.escape(q)}</p>' for q in row["questions"].split("\n\n")
        )
        rows.append(
            f'<tr><td class="pi">{html.escape(row["pi_id"])} {html.escape(row["title"])}'
            f'<br><span class="sub">{html.escape(row["rating"])}</span></td>'
            f"<td>{html.escape(row['labels'])}</td><td>{html.escape(row['sentence'])}"
            f"</td><td>{questions}</td></tr>"
        )
    return f'{_CSS}<table class="lscb-sc">{"".join(rows)}</table>'


def legend_html(rules: Mapping) -> str:
    """The icon legend as a compact HTML table, coloured as in the score card."""
    legend = legend_rows(rules)
    rows = []
    for group, items in legend.groupby("group", sort=False):
        symbols = " &nbsp; ".join(
            f'<span style="background:#{c};padding:0 3px">{html.escape(s)}</span>'
            if c
            else html.escape(s)
            for s, c in zip(items["symbol"], items["colour"], strict=True)
        )
        rows.append(
            f'<tr><th scope="row">{html.escape(group)}</th><td>{symbols}'
            f'<br><span class="sub">{html.escape(items["meaning"].iloc[0])}</span>'
            "</td></tr>"
        )
    return (
        f'{_CSS}<table class="lscb-sc lscb-legend"><caption>Key to the icons and colours</caption>'
        f"{''.join(rows)}</table>"
    )


def _html(text: str):
    from IPython.display import HTML

    return HTML(text)


def exceptions_display(card: Scorecard):
    """:func:`exceptions_html` ready to show in a notebook (an IPython HTML object)."""
    return _html(exceptions_html(card))


def scorecard_display(card: Scorecard):
    """:func:`scorecard_html` ready to show in a notebook (an IPython HTML object)."""
    return _html(scorecard_html(card))


def legend_display(card: Scorecard):
    """:func:`legend_html` ready to show in a notebook (an IPython HTML object)."""
    return _html(legend_html(card.rules))


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
        f"{card.borough}, {_period(card.period.label)}: the {count} exception PI"
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


# --- the workbook ------------------------------------------------------------------------------


def _workbook_columns(rules: Mapping) -> list[tuple[str, str, int]]:
    columns = [
        ("Goal", "goal_title", 24),
        ("Cluster", "cluster_title", 22),
        ("PI", "pi_id", 10),
        ("Indicator", "title", 42),
        ("Sub-group", "sub_group", 16),
        ("Rating", "rating", 13),
        ("Period", "period", 9),
        ("Value", "value", 12),
        ("Target", "target", 9),
        ("Target met", "target_icon", 12),
        ("Previous period", "previous_period", 10),
        ("Previous value", "previous_value", 12),
        ("Direction of travel", "travel_icon", 15),
        ("SPC variation", "variation_text", 21),
        ("SPC assurance", "assurance_text", 20),
        ("SPC note", "spc_note", 24),
        ("Benchmark year", "benchmark_period", 10),
    ]
    for key, name in rules["benchmarks"].items():
        columns += [(name[0].upper() + name[1:], key, 11), (f"vs {name}", f"vs_{key}_text", 14)]
    columns += [
        ("Not compared because", "compare_reason", 28),
        ("London quartile", "band_text", 16),
        ("Recent trend", "trend_text", 24),
        ("Data quality", "dq_text", 26),
        ("In-year figure", "in_year_text", 26),
        ("Narrative", "narrative", 48),
        ("Exception", "exception_text", 28),
    ]
    return columns


_PERIOD_KEYS = ("period", "previous_period", "benchmark_period")


def _period(value: Any) -> str:
    """A period as the presenter writes it ("2024-25", "Q3 2025-26"); blank stays blank."""
    from lscb_analysis.present import value_format

    return value_format.format_period(value) if str(value or "").strip() else ""


def _number_format(unit: str, decimals: int) -> str:
    from lscb_analysis.present import presenter_workbook

    return presenter_workbook.indicator_number_format(unit, decimals)


def _quote(text: str) -> str:
    return '"' + str(text).replace('"', '""') + '"'


def _rule_formula(column: str, row: int, symbols: list[str]) -> str:
    tests = [f"${column}{row}={_quote(s)}" for s in symbols]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def write_workbook(card: Scorecard, path: Path | str) -> Path:
    """Write the score card as an Excel workbook for the board.

    Sheets: ``Score card`` (one row per PI, the same columns as the report; frozen header
    and PI columns, filters, widths, number formats; conditional formatting: red / amber /
    green by target on the value and target cells, blue / orange by SPC variation and by
    benchmark comparison; icons as text symbols), ``Exceptions`` (sentence and question),
    ``Legend`` (every symbol, its meaning and colour) and ``Notes`` (the score card's
    facts, method, disclosure rules, sources and every PI's definition). Each sheet starts
    with the output tier's label. Text can never run as a formula
    (:func:`lscb_analysis.protect.safe_files.write_cell`). Missing and suppressed figures are written
    as their status text and no formatting rule can colour them.

    Input: ``card``; ``path`` of the .xlsx (folders are created).
    Output: the path written.
    Raises: RawDataWriteError when ``path`` is under ``data/raw/``.
    """
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from lscb_analysis.protect.safe_files import write_cell

    target = io.ensure_writable(path)
    rules = card.rules
    book = Workbook()
    sheet = book.active
    sheet.title = "Score card"
    header_fill, header_font = (
        PatternFill("solid", fgColor="1F4E79"),
        Font(bold=True, color="FFFFFF"),
    )
    wrap = Alignment(wrap_text=True, vertical="top")
    columns = _workbook_columns(rules)
    write_cell(
        sheet.cell(1, 1),
        f"{card.borough} score card, {_period(card.period.label)} "
        f"({card.subgroup or 'all sub-groups'}; best-fit model "
        f"{card.model_version}). {card.tier_label}",
    )
    sheet.cell(1, 1).font = Font(bold=True, size=12)
    for number, (header, _key, width) in enumerate(columns, start=1):
        cell = write_cell(sheet.cell(2, number), header)
        cell.fill, cell.font, cell.alignment = header_fill, header_font, wrap
        sheet.column_dimensions[get_column_letter(number)].width = width
    national_missing = "not published"
    for offset, row in enumerate(card.rows.to_dict("records")):
        r = 3 + offset
        fmt = _number_format(row["unit"], row["decimals"])
        for number, (_, key, _) in enumerate(columns, start=1):
            cell = sheet.cell(r, number)
            if key == "value":
                value = row["value"] if not pd.isna(row["value"]) else row["value_text"]
            elif key == "previous_value":
                value = (
                    row["previous_value"]
                    if not pd.isna(row["previous_value"])
                    else row["previous_text"]
                )
            elif key in ("target", *rules["benchmarks"]):
                value = row[key]
                if pd.isna(value):
                    value = (
                        national_missing
                        if (key != "target" and row["source_type"] == "national")
                        else None
                    )
            else:
                value = _period(row[key]) if key in _PERIOD_KEYS else row[key]
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if numeric and key in ("value", "previous_value", "target", *rules["benchmarks"]):
                # Stored as published (rounded half up), so Excel shows what the report shows.
                value = indicators.round_half_up(float(value), int(row["decimals"]))
            write_cell(cell, value)
            if numeric:
                cell.number_format = fmt
            cell.alignment = wrap

    legend = legend_rows(rules)
    exceptions = book.create_sheet("Exceptions")
    table = card.exceptions.rename(
        columns={
            "pi_id": "PI",
            "title": "Indicator",
            "rating": "Rating",
            "sub_group": "Sub-group",
            "labels": "Exception",
            "sentence": "What the data show",
            "questions": "Question for the challenge meeting",
        }
    )
    _write_plain(
        exceptions,
        table[
            [
                "PI",
                "Indicator",
                "Rating",
                "Sub-group",
                "Exception",
                "What the data show",
                "Question for the challenge meeting",
            ]
        ],
        [10, 36, 12, 14, 24, 50, 50],
        card.tier_label,
        header_fill,
        header_font,
        wrap,
    )
    legend_sheet = book.create_sheet("Legend")
    _write_plain(
        legend_sheet,
        legend[["group", "symbol", "meaning"]].rename(
            columns={"group": "Icon", "symbol": "Symbol and words", "meaning": "Meaning"}
        ),
        [20, 26, 90],
        card.tier_label,
        header_fill,
        header_font,
        wrap,
    )
    for offset, colour in enumerate(legend["colour"]):
        if colour:
            legend_sheet.cell(3 + offset, 2).fill = PatternFill("solid", fgColor=colour)
    notes = book.create_sheet("Notes")
    _write_plain(
        notes, notes_table(card), [28, 110], card.tier_label, header_fill, header_font, wrap
    )
    _lay_out_for_print(book, sheet, card, columns, FormulaRule, PatternFill)
    book.save(target)
    return target


# The score card sheet's columns when printed (one A4 landscape page wide); the others move
# to the Detail sheet, keyed by PI and indicator (workbook_print.split_columns).
PRINT_KEYS = ("pi_id", "title")
# Then the comparison with each benchmark (``vs_<benchmark>_text``).
PRINT_MAIN = (
    "period",
    "value",
    "target",
    "target_icon",
    "travel_icon",
    "variation_text",
    "assurance_text",
)


def _lay_out_for_print(
    book: Any, sheet: Any, card: Scorecard, columns: list, formula_rule: Any, pattern_fill: Any
) -> None:
    """Split the score card sheet for print and give every sheet its title rows and layout.

    The written sheet (header row 2, every column) keeps :data:`PRINT_KEYS` and the
    :data:`PRINT_MAIN` columns that stay legible on one page wide; the rest go to a
    ``Detail`` sheet keyed by PI and indicator. Conditional formatting is added to the
    score card sheet after the split. Every sheet then gets :mod:`workbook_print`'s title
    rows, A4 landscape, print titles, frozen panes, header and footer.
    """
    from openpyxl.utils import get_column_letter

    from lscb_analysis.present import workbook_print

    settings = workbook_print.load_settings()
    title = workbook_print.PrintTitle(
        "Score card",
        card.borough,
        card.period.label,
        card.tier_label,
        workbook_print.data_are_synthetic(),
        f"{card.subgroup or 'all sub-groups'}; best-fit model {card.model_version}",
    )
    keys = [key for _, key, _ in columns]
    widths = {key: float(width) for _, key, width in columns}
    main, detail = workbook_print.split_columns(
        keys,
        list(PRINT_KEYS),
        widths,
        [
            k
            for k in (*PRINT_MAIN, *(f"vs_{b}_text" for b in card.rules["benchmarks"]))
            if k in keys
        ],
        settings,
    )
    detail_sheet = None
    if detail:
        detail_sheet = workbook_print.write_detail_sheet(
            book, sheet, [keys.index(k) + 1 for k in detail], 2, title, len(PRINT_KEYS), settings
        )
        workbook_print.delete_columns(sheet, [keys.index(k) + 1 for k in keys if k not in main])
    moved = workbook_print.insert_title_rows(sheet, title, settings, replace_rows=1)
    header = 2 + moved
    letters = {key: get_column_letter(i) for i, key in enumerate(main, start=1)}
    last_row = header + len(card.rows)
    sheet.auto_filter.ref = f"A{header}:{get_column_letter(len(main))}{last_row}"
    if len(card.rows):
        _add_rules(
            sheet, letters, last_row, card.rules, formula_rule, pattern_fill, first_row=header + 1
        )
    workbook_print.setup_sheet(
        sheet, title, header, freeze_column=len(PRINT_KEYS) + 1, settings=settings
    )
    for other in book.worksheets:
        if other is sheet or other is detail_sheet:
            continue
        moved = workbook_print.insert_title_rows(other, title, settings, replace_rows=1)
        if other.auto_filter.ref:
            other.auto_filter.ref = (
                f"A{2 + moved}:{get_column_letter(other.max_column)}{other.max_row}"
            )
        workbook_print.setup_sheet(other, title, 2 + moved, settings=settings)
    if detail_sheet is not None:  # after the score card and before the other sheets
        book.move_sheet(detail_sheet, offset=1 - book.index(detail_sheet))


def _add_rules(
    sheet: Any,
    letters: Mapping[str, str],
    last_row: int,
    rules: Mapping,
    formula_rule: Any,
    pattern_fill: Any,
    first_row: int = 3,
) -> None:
    """Conditional formatting, written from the rules' icons and colours (data from
    ``first_row`` to ``last_row``)."""
    icons, colours = rules["icons"], rules["colours"]

    def fill(colour: str) -> Any:
        return pattern_fill(start_color=colour, end_color=colour, fill_type="solid")

    for status, colour in colours["target"].items():
        formula = _rule_formula(letters["target_icon"], first_row, [icons["target"][status]])
        for key in ("value", "target_icon"):
            sheet.conditional_formatting.add(
                f"{letters[key]}{first_row}:{letters[key]}{last_row}",
                formula_rule(formula=[formula], fill=fill(colour), stopIfTrue=True),
            )
    kinds = {
        "special_cause_improvement": "improvement",
        "special_cause_concern": "concern",
        "special_cause_neither": "neither",
    }
    for variation, colour in colours["variation"].items():
        symbols = [icons["variation"][f"{kinds[variation]}_{side}"] for side in ("high", "low")]
        column = letters["variation_text"]
        sheet.conditional_formatting.add(
            f"{column}{first_row}:{column}{last_row}",
            formula_rule(
                formula=[_rule_formula(column, first_row, symbols)],
                fill=fill(colour),
                stopIfTrue=True,
            ),
        )
    for key in rules["benchmarks"]:
        column = letters[f"vs_{key}_text"]
        for comparison, colour in colours["comparison"].items():
            sheet.conditional_formatting.add(
                f"{column}{first_row}:{column}{last_row}",
                formula_rule(
                    formula=[_rule_formula(column, first_row, [icons["comparison"][comparison]])],
                    fill=fill(colour),
                    stopIfTrue=True,
                ),
            )


def _print_setup(sheet: Any) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _write_plain(
    sheet: Any,
    table: pd.DataFrame,
    widths: list[int],
    label: str,
    header_fill: Any,
    header_font: Any,
    wrap: Any,
) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from lscb_analysis.protect.safe_files import write_cell

    write_cell(sheet.cell(1, 1), label)
    sheet.cell(1, 1).font = Font(bold=True)
    for number, header in enumerate(table.columns, start=1):
        cell = write_cell(sheet.cell(2, number), header)
        cell.fill, cell.font, cell.alignment = header_fill, header_font, wrap
        sheet.column_dimensions[get_column_letter(number)].width = widths[number - 1]
    for offset, values in enumerate(table.itertuples(index=False)):
        for number, value in enumerate(values, start=1):
            write_cell(sheet.cell(3 + offset, number), value).alignment = wrap
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(table.columns))}{2 + max(len(table), 0)}"
    sheet.print_title_rows = "2:2"
    _print_setup(sheet)


def notes_table(card: Scorecard) -> pd.DataFrame:
    """The workbook's Notes sheet: facts, method, disclosure, sources, clusters, definitions.

    Output: columns ``Item, Note``.
    """
    rows = [
        ("Borough", card.borough),
        ("Period", _period(card.period.label)),
        ("Sub-group", card.subgroup or "all"),
        ("Best-fit model", f"version {card.model_version}"),
        ("Data as at", card.as_at),
        ("Output", card.tier_label),
    ]
    rows += list(method_lines(card.rules))
    rows.append(
        (
            "Small numbers",
            disclosure_config.method_note()
            if card.tier == "board"
            else f"{card.tier_label}: nothing is suppressed in this copy.",
        )
    )
    rows.append(
        (
            "Sources",
            "DfE children in need, looked-after children and workforce "
            "statistics and ONS population estimates (Open Government Licence "
            "v3.0; data/external/README.md); the borough's Phase III pilot "
            "returns for local PIs (data/processed/pilot_values); the best-fit "
            "model catalogue (data/reference/best_fit_model).",
        )
    )
    clusters = card.rows.drop_duplicates("cluster")
    rows += [
        (f"{c.cluster} {c.cluster_title}", c.cluster_narrative)
        for c in clusters.itertuples(index=False)
    ]
    for pi in card.definitions.itertuples(index=False):
        target = f" Target: {pi.target_basis}." if isinstance(pi.target_basis, str) else ""
        rows.append(
            (
                f"{pi.id} {pi.title}",
                f"{pi.definition} Numerator: {pi.numerator}. Denominator: "
                f"{pi.denominator}. Source: {pi.source}. Polarity: {pi.polarity}.{target}",
            )
        )
    return pd.DataFrame(rows, columns=["Item", "Note"])


# --- loading and building ------------------------------------------------------------------


def build_scorecard(
    area: register.LocalAuthority,
    period: Any = None,
    *,
    subgroup: Any = None,
    model_version: Any = None,
    tier: str = disclosure_config.DEFAULT_TIER,
) -> Scorecard:
    """Load everything a score card needs and compute it (the notebook's one call).

    Reads the catalogue (``model_version``; None: the latest), ``public_indicators``, the
    pilot tables when they exist (:func:`load_pilot_tables`) and the rules; checks
    ``period`` (:func:`resolve_period` across London, so "the latest" is the same period for
    every borough) and ``subgroup``.
    Output: :class:`Scorecard`.
    Raises: ParameterError for a bad period, sub-group, model version or tier (the message
    names the parameter); MissingDataFileError when public_indicators is not built.
    """
    from lscb_analysis.core.errors import CatalogueError
    from lscb_analysis.model import catalogue as catalogue_module
    from lscb_analysis.published import public_data

    try:
        model = catalogue_module.load_catalogue(model_version)
    except CatalogueError as error:
        raise ParameterError(f"Parameter 'model_version': {error}") from error
    public = public_data.load_public_indicators()
    values, issues = load_pilot_tables()
    # The latest period is London's, so every borough's card for "the latest" is for the same
    # period (a borough with no pilot return shows its local PIs as "no figure returned").
    chosen = resolve_period(period, public, values, None)
    return scorecard(
        model,
        public,
        area,
        chosen,
        pilot_values=values,
        pilot_issues=issues,
        subgroup=subgroup,
        tier=tier,
    )


def build_london(
    period: Any,
    model_version: Any = None,
    *,
    tier: str = disclosure_config.DEFAULT_TIER,
    areas: list[register.LocalAuthority] | None = None,
    workbooks: bool = True,
    progress: Any = None,
) -> dict[str, Any]:
    """Build the score card of every London borough for one period (``lscb scorecard build``).

    Writes ``data/processed/scorecard_<period>.parquet`` (every borough's rows,
    :data:`ROW_COLUMNS`) and, with ``workbooks``, each borough's
    ``reports/scorecard/<borough>/<period>/scorecard.xlsx``. ``period`` as
    :func:`parse_scorecard_period` (None: the latest across London); ``areas`` (None: the 33
    boroughs); ``progress`` an optional callable given each borough's name as it is done.

    Output: ``{"table": parquet path, "workbooks": [paths], "rows": n, "exceptions": n,
    "period": label}``.
    Raises: ParameterError for a bad period, model version or tier; MissingDataFileError
    when public_indicators is not built.
    """
    from lscb_analysis.core.errors import CatalogueError
    from lscb_analysis.model import catalogue as catalogue_module
    from lscb_analysis.published import public_data

    try:
        model = catalogue_module.load_catalogue(model_version)
    except CatalogueError as error:
        raise ParameterError(f"--model: {error}") from error
    rules, pilot_rules = load_rules(), pilot_template.load_rules()
    disclosure_rules = disclosure_config.load_disclosure_rules()
    public = public_data.load_public_indicators()
    values, issues = load_pilot_tables()
    chosen = resolve_period(period, public, values, None, pilot_rules)
    areas = areas if areas is not None else register.london_boroughs()
    benchmarks = benchmark_table(public, model.current, chosen, rules)
    frames, written, exceptions = [], [], 0
    for area in areas:
        card = scorecard(
            model,
            public,
            area,
            chosen,
            pilot_values=values,
            pilot_issues=issues,
            rules=rules,
            tier=tier,
            benchmarks=benchmarks,
            pilot_rules=pilot_rules,
            disclosure_rules=disclosure_rules,
        )
        frames.append(card.rows)
        exceptions += len(card.exceptions)
        if workbooks:
            written.append(
                write_workbook(
                    card,
                    paths.reports_dir() / NOTEBOOK / area.slug / chosen.slug / "scorecard.xlsx",
                )
            )
        if progress is not None:
            progress(area.name)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ROW_COLUMNS)
    target = io.ensure_writable(paths.processed_dir() / f"scorecard_{chosen.slug}.parquet")
    table.to_parquet(target, index=False)
    return {
        "table": target,
        "workbooks": written,
        "rows": len(table),
        "exceptions": exceptions,
        "period": chosen.label,
    }


def load_scorecard_table(period: str) -> pd.DataFrame:
    """Read ``data/processed/scorecard_<period>.parquet`` (for the index and deep dives).

    Raises: MissingDataFileError naming the command that builds it.
    """
    return io.read_processed_table(f"scorecard_{period}", f"lscb scorecard build --period {period}")
