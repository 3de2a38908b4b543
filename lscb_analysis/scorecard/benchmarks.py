"""Benchmarks of national PIs: each London borough against England, London and its neighbours.

:func:`benchmark_table` gives every London borough's published figure for the card's reporting
year with its confidence interval (Wilson for percentages, exact / Byar for rates, from the
published numerator and denominator) and its significance against England, London and the
statistical-neighbour mean (:func:`lscb_analysis.stats.benchmarking.compare_to_benchmark`), its
rank and quartile band among all English LAs (as DfE's LA Interactive Tool) and among the London
boroughs, with the areas each ranking leaves out; "not compared", with the reason, where no
interval exists.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.published.public_data import OK
from lscb_analysis.scorecard.periods import ScorecardPeriod
from lscb_analysis.scorecard.wording import status_text
from lscb_analysis.stats import benchmarking, intervals

BAND_GROUPS = ("england", "london")
"""The reference groups of the quartile bands: all English LAs (as LAIT), London boroughs."""

# How many areas a left-out list names, per reason, before it says "and N others": every
# London borough up to a dozen; for England only the counts by reason (dozens of LAs may be
# suppressed at once; benchmark_table's england_left_out is the place to look them up).
LEFT_OUT_NAMED = {"england": 0, "london": 12}

ENGLAND_CODE = "E92000001"

LONDON_CODE = "E12000007"

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
    "england_rank",
    "england_ranked",
    "england_band",
    "england_left_out",
    "london_rank",
    "london_ranked",
    "london_band",
    "london_left_out",
]


"""Columns of :func:`benchmark_table`: one row per national PI and London borough."""


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
            ci = intervals.proportion_ci(n, d, rules["confidence"], spec["multiplier"])
        else:
            ci = intervals.rate_ci(n, d, rules["confidence"], spec["multiplier"])
        frame.loc[consistent, ["lower", "upper"]] = ci[["lower", "upper"]].to_numpy()
    return frame, reason


def left_out_text(statuses: pd.Series, names: pd.Series, named: int = 12) -> str:
    """The areas a ranking leaves out, by reason: "suppressed (2): Barnet, Camden".

    Inputs: ``statuses`` (the published status of each area left out), ``names`` (their
    names, same index) and ``named`` (most names given per reason). Output: "" when none;
    reasons in alphabetical order, each with its count and at most ``named`` names, then
    "and N others".

    >>> left_out_text(pd.Series(["suppressed", "not_available"]), pd.Series(["Barnet", "Brent"]))
    'not available (1): Brent; suppressed (1): Barnet'
    """
    if statuses.empty:
        return ""
    groups = names.groupby(statuses.str.replace("_", " ").to_numpy()).agg(sorted)
    parts = []
    for reason, members in groups.items():
        text = f"{reason} ({len(members)})"
        if named:
            text += f": {', '.join(members[:named])}"
            if len(members) > named:
                others = len(members) - named
                text += f" and {others} other{'s' if others != 1 else ''}"
        parts.append(text)
    return "; ".join(parts)


def _add_bands(table: pd.DataFrame, las: pd.DataFrame, polarity: object) -> None:
    """Add the England (all LAs, as LAIT) and London quartile columns to ``table``."""
    groups = {
        "england": (las["value"].where(las["status"] == OK).astype(float), las),
        "london": (
            table.set_index("la_number")["value"],
            table.set_index("la_number").assign(area_name=table["borough"].to_numpy()),
        ),
    }
    for key, (values, areas) in groups.items():
        left = values.index[values.isna()]
        table[f"{key}_ranked"] = int(values.notna().sum())
        table[f"{key}_left_out"] = left_out_text(
            areas.loc[left, "status"].astype(str),
            areas.loc[left, "area_name"].astype(str),
            LEFT_OUT_NAMED[key],
        )
        if polarity in ("high", "low"):
            bands = benchmarking.quartile_band(values, polarity).reindex(table["la_number"])
            table[f"{key}_rank"] = bands["rank"].to_numpy()
            table[f"{key}_band"] = bands["band"].to_numpy()
        else:
            table[f"{key}_rank"], table[f"{key}_band"] = np.nan, None


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
    (:data:`rules["intervals"]`); it is compared (:func:`benchmarking.compare_to_benchmark`) with
    England, London and the plain mean of its statistical neighbours
    (:func:`benchmarking.neighbour_mean`). PIs with a polarity are banded into quartiles
    (:func:`benchmarking.quartile_band`) twice: among every English LA with a figure in the
    published file for that year (``england_*``, as DfE's LA Interactive Tool ranks all
    English LAs; the workforce file's combined Kingston and Richmond row counts as both
    boroughs, each with the shared figure) and among the London boroughs with a figure
    (``london_*``). ``*_ranked`` is the number of areas ranked and ``*_left_out`` names the
    areas of the group with no usable figure and why (:func:`left_out_text`).

    Inputs: ``public`` (public_indicators), ``pis`` (catalogue rows), ``period``, ``rules``,
    ``areas`` (None: the 33 London boroughs).
    Output: :data:`BENCHMARK_COLUMNS`; ``england_rank`` / ``london_rank`` (1 = best, NaN
    when not ranked), ``*_band`` (A-D or None), ``*_ranked``, ``*_left_out``; ``vs_*`` hold
    ``better``, ``similar``, ``worse``, ``higher``, ``lower`` or ``not_compared`` with
    ``compare_reason`` saying why.
    Raises: InvalidArgumentError from :mod:`lscb_analysis.stats` on impossible inputs.
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
        reason[~ok] = [status_text(s, rules).lower() for s in table.loc[~ok, "status"]]
        table["lower"], table["upper"] = interval["lower"], interval["upper"]
        for key, code in (("england", ENGLAND_CODE), ("london", LONDON_CODE)):
            match = rows[(rows["area_code"] == code) & (rows["status"] == OK)]
            table[key] = float(match["value"].iloc[0]) if len(match) else np.nan
        la_values = las.loc[las["status"] == OK, "value"].astype(float)
        means = benchmarking.neighbour_mean(
            la_values.to_dict(), {a.la_number: list(a.neighbours) for a in areas}
        )
        table["neighbours"] = means["neighbour_mean"].to_numpy()
        table["neighbours_used"] = means["neighbours_used"].to_numpy()
        for key in rules["benchmarks"]:
            result = benchmarking.compare_to_benchmark(
                table["value"], table["lower"], table["upper"], table[key], pi.polarity
            )
            table[f"vs_{key}"] = result["comparison"].to_numpy()
        table["compare_reason"] = reason.to_numpy()
        _add_bands(table, las, pi.polarity)
        table["pi_id"], table["indicator"], table["period"] = pi.id, pi.source_indicator, year
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=BENCHMARK_COLUMNS)
    return pd.concat(frames, ignore_index=True)[BENCHMARK_COLUMNS]
