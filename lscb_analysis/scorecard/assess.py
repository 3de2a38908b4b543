"""Judging one PI for the card: its row of the score card and its SPC points.

:func:`assess_pi` puts together, for one PI of one borough, the latest and previous figures, the
target rating and direction of travel (:mod:`lscb_analysis.scorecard.ratings`), the SPC variation
and assurance icons of its series (:func:`lscb_analysis.stats.xmr.xmr`), the recent-trend
marker (:func:`lscb_analysis.scorecard.trend_marker.trend_fields`), the in-year figures, the
benchmark comparisons and quartile bands (:func:`band_fields`) and the data quality found by
the pilot's validation. No interval or signal is computed here: the :mod:`lscb_analysis.stats`
modules do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from lscb_analysis.core import indicators
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.present import latest
from lscb_analysis.published.public_data import period_label
from lscb_analysis.scorecard.benchmarks import BAND_GROUPS
from lscb_analysis.scorecard.periods import ScorecardPeriod, year_end_quarter
from lscb_analysis.scorecard.pilot_values import USABLE
from lscb_analysis.scorecard.ratings import target_status, travel, trend_judgement
from lscb_analysis.scorecard.trend_marker import trend_fields
from lscb_analysis.scorecard.wording import format_figure, period_text, status_text
from lscb_analysis.stats import xmr


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
    length = len(series)
    # Built in one go: adding columns one by one costs more than the whole chart.
    points = pd.DataFrame(
        {
            "pi_id": [pi["id"]] * length,
            "period": series["period"].to_numpy(),
            "order": series["order"].to_numpy(),
            "value": values.to_numpy(),
            "state": series["state"].to_numpy(),
            **{name: np.full(length, np.nan) for name in ("mean", "lpl", "upl")},
            "variation": np.full(length, None, dtype=object),
            **{
                name: np.zeros(length, dtype=bool)
                for name in ("special_cause", "outside_limits", "shift", "trend", "two_of_three")
            },
        }
    )
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
    chart = xmr.xmr(
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
    summary = xmr.xmr_summary(chart).iloc[0]
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


def _quarters_to(pilot: pd.DataFrame, pi_id: str, cutoff: str) -> pd.DataFrame:
    """The PI's returned rows for quarters up to ``cutoff`` (other periods left out)."""
    if pilot.empty:
        return pilot
    rows = pilot[(pilot["pi_id"] == pi_id) & pilot["period"].str.match(r"^\d{4}Q[1-4]$")]
    return rows[
        rows["period"].map(pilot_periods.period_index) <= pilot_periods.period_index(cutoff)
    ]


def _data_quality(
    series: pd.DataFrame,
    issues: pd.DataFrame,
    pilot: pd.DataFrame,
    pi: Mapping,
    cutoff: str,
    latest_state: str,
) -> dict:
    """Errors and queries at the latest returned period, and estimated values in the series."""
    rows = _quarters_to(pilot, pi["id"], cutoff)
    rows = rows[~rows["prefilled"]] if len(rows) else rows
    latest_period = max(rows["period"], key=pilot_periods.period_index) if len(rows) else None
    errors = queries = 0
    if latest_period is not None and len(issues):
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
            f"{where}{period_text(latest_period)}: {' and '.join(counts)}".replace(
                "querys", "queries"
            )
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
    rows = _quarters_to(pilot, pi["id"], cutoff)
    if rows.empty:
        return "", ""
    rows = rows.assign(order=rows["period"].map(pilot_periods.period_index)).sort_values("order")
    narrative = next((text for text in reversed(rows["narrative"].tolist()) if text.strip()), "")
    own = rows[~rows["prefilled"]]
    if benchmark_year is not None:
        start = pilot_periods.period_index(year_end_quarter(benchmark_year, pilot_rules))
        own = own[own["order"] > start]
    if own.empty:
        return "", narrative
    last = own.iloc[-1]
    if last["state"] == USABLE:
        text = format_figure(last["value"], pi["unit"], pi["decimals"], rules)
        estimated = " (estimated)" if last["estimated"] else ""
        return (
            f"{period_text(last['period'])}: {text}{estimated}, the borough's own figure",
            narrative,
        )
    return f"{period_text(last['period'])}: {status_text(last['state'], rules).lower()}", narrative


def _band_text(row: Mapping, key: str, polarity: str) -> str:
    if polarity not in ("high", "low"):
        return "not banded (no polarity)"
    if row[f"{key}_band"] is None or pd.isna(row[f"{key}_rank"]):
        return "not banded"
    return f"{row[f'{key}_band']} (rank {int(row[f'{key}_rank'])} of {row[f'{key}_ranked']})"


def band_fields(row: Mapping, polarity: str, source_type: str, rules: Mapping) -> dict:
    """The quartile bands as the card shows them, and the note on the areas each leaves out.

    Inputs: the row's ``{england,london}_{rank,ranked,band,left_out}``, the PI's polarity and
    source type, ``rules`` (``bands``: the label of each reference group).
    Output: ``england_band_text`` and ``band_text`` (London), "B (rank 12 of 33)", "not
    banded" or "not banded (no polarity)"; ``band_note``: for each group of a national PI
    with a polarity whose ranking left areas out, how many were ranked and which were left
    out, e.g. "London quartile: 32 boroughs ranked, left out suppressed (1): Barnet" ("" when
    none; England's note counts the LAs left out by reason without naming them).
    """
    notes = []
    if source_type == "national" and polarity in ("high", "low"):
        for key, noun in (("england", "LAs"), ("london", "boroughs")):
            if row[f"{key}_ranked"] and row[f"{key}_left_out"]:
                notes.append(
                    f"{rules['bands'][key]}: {row[f'{key}_ranked']} {noun} ranked, "
                    f"left out {row[f'{key}_left_out']}"
                )
    return {
        "england_band_text": _band_text(row, "england", polarity),
        "band_text": _band_text(row, "london", polarity),
        "band_note": ". ".join(notes),
    }


def _comparison_text(code: str, value: float, pi: Mapping, rules: Mapping) -> tuple[str, str]:
    shown = format_figure(value, pi["unit"], pi["decimals"], rules) or "not published"
    return shown, str(rules["icons"]["comparison"][code])


def assess_pi(
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
        row["value_text"] = status_text(latest["state"], rules)
    row.update(target=target, target_text=format_figure(target, unit, decimals, rules))
    row["target_status"] = target_status(
        value, target, polarity, decimals, rules, pi.get("target_tolerance")
    )
    row["target_source"] = pi.get("target_source", "")
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
            else status_text(previous["state"], rules),
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
        )
        for key in BAND_GROUPS:
            row.update(
                {f"{key}_rank": np.nan, f"{key}_ranked": 0, f"{key}_band": None},
                **{f"{key}_left_out": ""},
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
        )
        for key in BAND_GROUPS:
            row.update(
                {
                    f"{key}_rank": bench[f"{key}_rank"],
                    f"{key}_ranked": int(bench[f"{key}_ranked"]),
                    f"{key}_band": bench[f"{key}_band"],
                    f"{key}_left_out": bench[f"{key}_left_out"],
                }
            )
        for key in rules["benchmarks"]:
            row[key] = bench[key]
            row[f"{key}_text"], row[f"vs_{key}_text"] = _comparison_text(
                bench[f"vs_{key}"], bench[key], pi, rules
            )
            row[f"vs_{key}"] = bench[f"vs_{key}"]
    row.update(band_fields(row, polarity, pi["source_type"], rules))

    usable_series = series if bench is None else series[series["order"] <= int(bench["period"])]
    row.update(trend_fields(usable_series, pi, unit, rules))
    judgement = trend_judgement(row["trend"], polarity)
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
