"""The score card's recent-trend marker: a test fit for how often the PI's figures come.

Yearly series (national PIs' published figures, local PIs returned once a year) get the
Fingertips trend test on the last five years (:func:`lscb_analysis.stats.trends.trend_test`), as
Fingertips runs it; quarterly and six-monthly local series get the Mann-Kendall test, seasonal
by quarter of the year when the series is long enough
(:func:`lscb_analysis.stats.quarterly_trend.quarterly_trend`). Settings and the words naming each
method are in ``data/reference/scorecard.yaml`` (``trend``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lscb_analysis.scorecard.pilot_values import USABLE
from lscb_analysis.scorecard.series import series_kind
from lscb_analysis.stats import quarterly_trend, trends

PERIOD_PLURALS = {"quarter": "quarters", "half": "half-years", "year": "years"}


def _method_text(method: str, points: int, kind: str, left_out: int, rules: Mapping) -> str:
    """How the card names the method: "Mann-Kendall, 6 of 8 quarters (2 missing or
    suppressed)"."""
    names = rules["trend"]["methods"]
    count = f"{points} of {points + left_out}" if left_out else str(points)
    text = str(names.get(method, method)).format(points=count, periods=PERIOD_PLURALS[kind])
    return text + (f" ({left_out} missing or suppressed)" if left_out else "")


def _yearly_trend(series: pd.DataFrame, unit: str, rules: Mapping) -> tuple[str, str, str]:
    """Fingertips' trend marker from the last five yearly points' counts."""
    spec = rules["intervals"].get(unit, {"method": "none"})
    if spec["method"] == "none":
        return "cannot_be_calculated", str(spec.get("reason", "no interval for this unit")), ""
    kind = "proportion" if spec["method"] == "wilson" else "rate"
    method = "chi_squared_trend" if kind == "proportion" else "poisson_regression"
    recent = series.tail(trends.TREND_POINTS)
    if len(recent) < trends.TREND_POINTS:
        return "cannot_be_calculated", f"fewer than {trends.TREND_POINTS} points", method
    usable = (
        recent["state"].eq(USABLE) & recent["numerator"].notna() & recent["denominator"].notna()
    )
    if not usable.all():
        return (
            "cannot_be_calculated",
            "a missing, suppressed or uncounted figure among the last "
            f"{trends.TREND_POINTS} points",
            method,
        )
    numerator, denominator = recent["numerator"], recent["denominator"]
    if (
        (denominator <= 0).any()
        or (numerator < 0).any()
        or (spec["method"] == "wilson" and (numerator > denominator).any())
    ):
        return "cannot_be_calculated", "numerator and denominator inconsistent", method
    result = trends.trend_test(
        numerator=numerator,
        denominator=denominator,
        kind=kind,
        confidence=float(rules["trend"]["confidence"]),
        frequency=trends.FREQUENCY,
    ).iloc[0]
    return str(result["trend"]), str(result["reason"]), method


def _quarterly_trend(series: pd.DataFrame, rules: Mapping) -> tuple[str, str, str, int, int]:
    """Mann-Kendall (seasonal when long enough) over the last quarters the rules name."""
    spec = rules["trend"]["quarterly"]
    recent = series.tail(int(spec["max_points"]))
    values = recent["value"].where(recent["state"].eq(USABLE)).astype(float)
    result = quarterly_trend.quarterly_trend(
        values.to_numpy(),
        times=recent["order"].to_numpy(dtype=float),
        seasons=(recent["order"].astype(int) % 4 + 1).to_numpy(),
        confidence=float(spec["confidence"]),
        min_points=int(spec["min_points"]),
        seasonal_min_years=int(spec["seasonal_min_years"]),
    ).iloc[0]
    return (
        str(result["trend"]),
        str(result["reason"]),
        str(result["method"]),
        int(result["points_used"]),
        int(result["points_left_out"]),
    )


def trend_fields(series: pd.DataFrame, pi: Mapping, unit: str, rules: Mapping) -> dict:
    """The recent-trend fields of a PI's row, by the method fit for its series.

    Inputs: ``series`` (:mod:`lscb_analysis.scorecard.series`: ``order``, ``numerator``,
    ``denominator``, ``value``, ``state``; in the output tier, so a suppressed figure has no
    value), ``pi`` (its ``source_type`` and ``frequency``), ``unit``, ``rules``.
    Output: ``trend`` (increasing, decreasing, no_significant_change, cannot_be_calculated),
    ``trend_reason``, ``trend_method`` (chi_squared_trend, poisson_regression, mann_kendall,
    seasonal_mann_kendall, or "" when no test applies) and ``trend_method_text`` (the method
    as the card names it, from ``rules["trend"]["methods"]``).

    >>> from lscb_analysis.scorecard.rules import load_rules
    >>> series = pd.DataFrame({"order": range(8), "value": [1.0, 2, 3, 4, 5, 6, 7, 8],
    ...                        "state": "ok", "numerator": 1.0, "denominator": 10.0})
    >>> fields = trend_fields(series, {"source_type": "local", "frequency": "quarterly"},
    ...                       "percent", load_rules())
    >>> fields["trend"], fields["trend_method"]
    ('increasing', 'mann_kendall')
    """
    kind = series_kind(pi["source_type"], pi["frequency"])
    if kind == "year":
        trend, reason, method = _yearly_trend(series, unit, rules)
        points = min(len(series), trends.TREND_POINTS)
        left_out = 0
    else:
        trend, reason, method, points, left_out = _quarterly_trend(series, rules)
    return {
        "trend": trend,
        "trend_reason": reason,
        "trend_method": method,
        "trend_method_text": _method_text(method, points, kind, left_out, rules) if method else "",
    }
