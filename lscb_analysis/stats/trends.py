"""Recent trends of yearly figures: the Fingertips trend marker on the last five points.

Reference: Fingertips trend markers (PHEindicatormethods ``assign_trend_markers``):
chi-squared test for trend for proportions, Poisson regression for counts and weighted
regression for values with intervals, at 99.8% confidence. Fingertips runs it on yearly,
non-overlapping points only, so :func:`trend_test` refuses any other ``frequency``; quarterly
and six-monthly series have their own test in :mod:`lscb_analysis.stats.quarterly_trend`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as scipy_stats

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.inputs import (
    broadcast,
    check_choice,
    check_confidence,
    check_not_negative,
    check_numerator_within_denominator,
    check_positive,
    first_position,
)

__all__ = ["FREQUENCY", "trend_test"]

# The only frequency the Fingertips trend test is made for.
FREQUENCY = "annual"


# Fingertips tests recent trends on the last five points at 99.8% confidence.
TREND_POINTS = 5


def _weighted_slope(values: np.ndarray, weights: np.ndarray, times: np.ndarray):
    """Weighted least-squares slope and its variance (Fingertips, non-proportions)."""
    sum_w = weights.sum()
    sum_wt = (weights * times).sum()
    sum_wy = (weights * values).sum()
    sum_wty = (weights * times * values).sum()
    sum_wtt = (weights * times**2).sum()
    determinant = sum_w * sum_wtt - sum_wt**2
    slope = (sum_w * sum_wty - sum_wt * sum_wy) / determinant
    return slope, sum_w / determinant


def _ols_slope(values: np.ndarray, times: np.ndarray) -> float:
    centred = times - times.mean()
    return float((centred * (values - values.mean())).sum() / (centred**2).sum())


def _armitage_statistic(events: np.ndarray, cases: np.ndarray, times: np.ndarray) -> float:
    """Chi-squared test for trend in proportions (one degree of freedom)."""
    total_cases, total_events = cases.sum(), events.sum()
    score = total_cases * (events * times).sum() - total_events * (cases * times).sum()
    spread = total_cases * (cases * times**2).sum() - (cases * times).sum() ** 2
    return float(total_cases * score**2 / (total_events * (total_cases - total_events) * spread))


def _armitage_direction(events: np.ndarray, cases: np.ndarray, times: np.ndarray) -> float:
    return float(cases.sum() * (events * times).sum() - events.sum() * (cases * times).sum())


def _poisson_trend(events: np.ndarray, exposure: np.ndarray, times: np.ndarray):
    design = sm.add_constant(times, has_constant="add")
    model = sm.GLM(events, design, family=sm.families.Poisson(), offset=np.log(exposure))
    with warnings.catch_warnings():
        # Near-degenerate fits warn; the result is judged by its statistic instead.
        warnings.simplefilter("ignore")
        fitted = model.fit()
    return float(fitted.params[1]), float(fitted.bse[1])


def _trend_frame(
    method: str,
    used: int,
    slope: float,
    statistic: float,
    trend: str,
    reason: str,
    confidence: float,
) -> pd.DataFrame:
    p_value = float(scipy_stats.chi2.sf(statistic, 1)) if np.isfinite(statistic) else math.nan
    direction = (
        None if np.isnan(slope) else ("up" if slope > 0 else "down" if slope < 0 else "flat")
    )
    frame = pd.DataFrame(
        {
            "method": [method],
            "points_used": [used],
            "slope": [slope],
            "statistic": [statistic],
            "p_value": [p_value],
            "direction": [direction],
            "trend": [trend],
            "reason": [reason],
        }
    )
    frame.attrs.update(confidence=confidence)
    return frame


def _trend_values_input(
    values: object, lower: object, upper: object, interval_confidence: object
) -> tuple[str, tuple[np.ndarray, ...], float]:
    """Check values with their confidence limits for a trend; returns method, columns, level."""
    if values is None or lower is None or upper is None:
        raise InvalidArgumentError(
            "values, lower and upper must all be given for a trend on values with "
            "confidence intervals."
        )
    interval_level = check_confidence(interval_confidence, "interval_confidence")
    arrays, _ = broadcast(values=values, lower=lower, upper=upper)
    series, low, high = arrays["values"], arrays["lower"], arrays["upper"]
    if (low > high).any():
        position = first_position(low > high)
        raise InvalidArgumentError(
            f"lower must not exceed upper: position {position} has {low[position]:g} "
            f"and {high[position]:g}."
        )
    return "weighted_regression", (series, low, high), interval_level


def _trend_counts_input(
    numerator: object, denominator: object, kind: object
) -> tuple[str, tuple[np.ndarray, ...]]:
    """Check counts and denominators for a trend; returns the method and the columns."""
    check_choice(kind, "kind", ("proportion", "rate"))
    if numerator is None or denominator is None:
        raise InvalidArgumentError("numerator and denominator must both be given.")
    arrays, _ = broadcast(numerator=numerator, denominator=denominator)
    events, cases = arrays["numerator"], arrays["denominator"]
    check_not_negative(events, "numerator")
    check_positive(cases, "denominator")
    if kind == "proportion":
        check_numerator_within_denominator(events, cases, "numerator", "denominator")
    method = "chi_squared_trend" if kind == "proportion" else "poisson_regression"
    return method, (events, cases)


# A trend fit: the slope, its chi-squared statistic and the slope with one point left out;
# or, as a string, the reason the trend cannot be calculated.
_TrendFit = tuple[float, float, Callable[[int], float]] | str


def _weighted_regression_trend(
    recent: list[np.ndarray], interval_level: float, times: np.ndarray
) -> _TrendFit:
    """Fingertips' weighted regression of values on time, weighted by 1 / SE^2."""
    series, low, high = recent
    z = scipy_stats.norm.ppf(1 - (1 - interval_level) / 2)
    standard_error = (high - low) / (2 * z)
    if (standard_error <= 0).any():
        return "a confidence interval of zero width among the last five points"
    weights = 1 / standard_error**2
    slope, slope_variance = _weighted_slope(series, weights, times)
    statistic = slope**2 / slope_variance

    def slope_without(skip: int) -> float:
        keep = np.arange(TREND_POINTS) != skip
        return _weighted_slope(series[keep], weights[keep], times[keep])[0]

    return slope, statistic, slope_without


def _chi_squared_trend(recent: list[np.ndarray], times: np.ndarray) -> _TrendFit:
    """Chi-squared test for trend in proportions; direction from the log-odds when defined."""
    events, cases = recent
    if events.sum() == 0 or events.sum() == cases.sum():
        return "no events, or every case an event, in the last five points"
    statistic = _armitage_statistic(events, cases, times)
    if ((events > 0) & (events < cases)).all():
        log_odds = np.log(events / (cases - events))
        slope = _ols_slope(log_odds, times)

        def slope_without(skip: int) -> float:
            keep = np.arange(TREND_POINTS) != skip
            return _ols_slope(log_odds[keep], times[keep])

    else:
        slope = _armitage_direction(events, cases, times)

        def slope_without(skip: int) -> float:
            keep = np.arange(TREND_POINTS) != skip
            return _armitage_direction(events[keep], cases[keep], times[keep])

    return slope, statistic, slope_without


def _poisson_regression_trend(recent: list[np.ndarray], times: np.ndarray) -> _TrendFit:
    """Poisson regression of counts on time for rates; Wald chi-squared of the slope."""
    events, exposure = recent
    if events.sum() == 0:
        return "no events in the last five points"
    slope, slope_error = _poisson_trend(events, exposure, times)
    statistic = (slope / slope_error) ** 2 if slope_error > 0 else math.nan

    def slope_without(skip: int) -> float:
        keep = np.arange(TREND_POINTS) != skip
        if events[keep].sum() == 0:
            return math.nan
        return _poisson_trend(events[keep], exposure[keep], times[keep])[0]

    return slope, statistic, slope_without


def _trend_verdict(
    method: str,
    slope: float,
    statistic: float,
    slope_without: Callable[[int], float],
    critical: float,
    level: float,
) -> pd.DataFrame:
    """Judge a fitted trend: significant, and not reversed by leaving out any one point."""
    if not np.isfinite(statistic):
        return _trend_frame(
            method,
            TREND_POINTS,
            slope,
            statistic,
            "cannot_be_calculated",
            "the test statistic could not be computed",
            level,
        )
    if statistic <= critical:
        return _trend_frame(
            method,
            TREND_POINTS,
            slope,
            statistic,
            "no_significant_change",
            "no significant trend",
            level,
        )
    reversed_by_one_point = any(
        np.sign(slope_without(skip)) != np.sign(slope) for skip in range(TREND_POINTS)
    )
    if reversed_by_one_point:
        return _trend_frame(
            method,
            TREND_POINTS,
            slope,
            statistic,
            "no_significant_change",
            "outlier found: leaving out one point reverses the direction",
            level,
        )
    return _trend_frame(
        method,
        TREND_POINTS,
        slope,
        statistic,
        "increasing" if slope > 0 else "decreasing",
        "significant trend with no outlier",
        level,
    )


def trend_test(
    values=None,
    lower=None,
    upper=None,
    *,
    numerator=None,
    denominator=None,
    kind="proportion",
    interval_confidence=0.95,
    confidence=0.998,
    frequency,
) -> pd.DataFrame:
    """Recent-trend marker on the last five yearly points, as Fingertips' trend markers.

    Only for yearly figures (``frequency="annual"``, which the caller must state): Fingertips
    tests yearly, non-overlapping periods; a quarterly or six-monthly series is refused (use
    :func:`lscb_analysis.stats.quarterly_trend.quarterly_trend`). Give either ``values`` with their ``lower`` and ``upper`` confidence limits, or
    ``numerator`` and ``denominator`` (with ``kind``). Points must be in time order, oldest
    first, equally spaced (Fingertips tests yearly, non-overlapping periods); times are
    taken as 1 to 5. Methods:

    - values with intervals (Fingertips, "other" indicators): weighted least squares of
      value on time with weights 1 / SE^2, SE = (upper - lower) / (2 z) for the
      interval's confidence; statistic = (slope / SE(slope))^2;
    - proportions (Fingertips): chi-squared test for trend; direction from the slope of
      the log-odds on time (from the chi-squared score when a proportion is 0 or 1 and
      the log-odds is undefined);
    - rates: Poisson regression of counts on time with log(denominator) offset
      (statsmodels GLM); statistic = Wald chi-squared of the slope.

    The trend is significant when the statistic exceeds the chi-squared (1 df) quantile
    at ``confidence`` (9.5495 at 99.8%, as Fingertips). As Fingertips, a significant trend
    is reported as "no_significant_change" when leaving out any one point reverses the
    direction of the slope (an outlier drives it).

    Args:
        values, lower, upper: indicator values and their confidence limits.
        numerator, denominator: counts and denominators (keyword-only).
        kind: "proportion" or "rate" for numerator / denominator input.
        interval_confidence: confidence level of ``lower`` / ``upper`` (default 0.95).
        confidence: significance level of the test (default 0.998, as Fingertips).
        frequency: how often the figures come (keyword-only, required); only "annual".

    Returns:
        One-row DataFrame: ``method`` ("weighted_regression", "chi_squared_trend",
        "poisson_regression"), ``points_used``, ``slope`` (per period: value units,
        log-odds or log rate ratio), ``statistic`` (chi-squared, 1 df), ``p_value``,
        ``direction`` ("up", "down", "flat", or None), ``trend`` ("increasing",
        "decreasing", "no_significant_change", "cannot_be_calculated") and ``reason``.

    Raises:
        InvalidArgumentError: a frequency other than "annual", both or neither kind of
            input, an unknown kind, invalid counts, lower above upper, or a confidence level
            outside (0.9, 1).

    Example:
        >>> result = trend_test(numerator=[100, 120, 140, 160, 180],
        ...                     denominator=[1000, 1000, 1000, 1000, 1000], frequency="annual")
        >>> result[["direction", "trend", "reason"]].to_dict("records")
        [{'direction': 'up', 'trend': 'increasing', 'reason': 'significant trend with no outlier'}]
        >>> trend_test([30.6, 30.2, 28.0, 24.6, 24.67], [28.98, 28.63, 26.44, 23.15, 23.16],
        ...            [32.25, 31.9, 29.64, 26.19, 26.25], frequency="annual")["trend"].item()
        'decreasing'
    """
    if frequency != FREQUENCY:
        raise InvalidArgumentError(
            f"frequency must be {FREQUENCY!r}: the Fingertips trend test is for yearly, "
            f"non-overlapping points; got {frequency!r}. For quarterly or six-monthly "
            "figures use lscb_analysis.stats.quarterly_trend.quarterly_trend."
        )
    level = check_confidence(confidence)
    counts_given = numerator is not None or denominator is not None
    values_given = values is not None or lower is not None or upper is not None
    if counts_given == values_given:
        raise InvalidArgumentError(
            "give either values with lower and upper, or numerator and denominator "
            "(as keywords), not both and not neither."
        )
    critical = float(scipy_stats.chi2.ppf(level, 1))

    if values_given:
        method, columns, interval_level = _trend_values_input(
            values, lower, upper, interval_confidence
        )
    else:
        method, columns = _trend_counts_input(numerator, denominator, kind)
        interval_level = math.nan  # not used: only values carry confidence intervals

    length = len(columns[0])
    if length < TREND_POINTS:
        return _trend_frame(
            method,
            length,
            math.nan,
            math.nan,
            "cannot_be_calculated",
            f"fewer than {TREND_POINTS} points",
            level,
        )
    recent = [column[-TREND_POINTS:] for column in columns]
    if any(np.isnan(column).any() for column in recent):
        return _trend_frame(
            method,
            TREND_POINTS,
            math.nan,
            math.nan,
            "cannot_be_calculated",
            f"a missing value among the last {TREND_POINTS} points",
            level,
        )
    times = np.arange(1, TREND_POINTS + 1, dtype=float)

    if method == "weighted_regression":
        fit = _weighted_regression_trend(recent, interval_level, times)
    elif method == "chi_squared_trend":
        fit = _chi_squared_trend(recent, times)
    else:
        fit = _poisson_regression_trend(recent, times)
    if isinstance(fit, str):
        return _trend_frame(
            method, TREND_POINTS, math.nan, math.nan, "cannot_be_calculated", fit, level
        )
    slope, statistic, slope_without = fit
    return _trend_verdict(method, slope, statistic, slope_without, critical, level)
