"""Confidence intervals for proportions (Wilson score) and rates (exact Poisson / Byar).

Reference: OHID PHEindicatormethods ``phe_proportion`` (Wilson score) and ``phe_rate``
(exact Poisson below 10 events, Byar's method from 10).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from lscb_analysis.stats.inputs import (
    broadcast,
    check_confidence,
    check_multiplier,
    check_not_negative,
    check_numerator_within_denominator,
    check_positive,
)

__all__ = ["proportion_ci", "rate_ci"]


def proportion_ci(numerator, denominator, confidence=0.95, multiplier=100) -> pd.DataFrame:
    """Proportions with Wilson score confidence intervals (no continuity correction).

    Follows PHEindicatormethods ``phe_proportion`` / ``wilson_lower`` / ``wilson_upper``;
    the interval itself comes from ``statsmodels.stats.proportion.proportion_confint``
    (``method="wilson"``). With 0 events the lower limit is exactly 0; when every case is
    an event the upper limit is exactly ``multiplier``.

    Args:
        numerator: events (scalar or array-like), 0 <= numerator <= denominator.
        denominator: cases (scalar or array-like), > 0.
        confidence: two-sided confidence level, strictly between 0.9 and 1.
        multiplier: scale of the output (100 gives percentages, 1 gives fractions).

    Returns:
        DataFrame with one row per input and columns ``value`` (numerator / denominator
        x multiplier), ``lower`` and ``upper``. Missing inputs give NaN in every column.
        ``attrs``: ``confidence``, ``multiplier``, ``method`` ("wilson").

    Raises:
        InvalidArgumentError: negative numerator, denominator <= 0, numerator above
            denominator, confidence outside (0.9, 1), or a non-positive multiplier.

    Example:
        >>> proportion_ci([0, 3, 10], [10, 7, 10]).round(4)
              value    lower     upper
        0    0.0000   0.0000   27.7533
        1   42.8571  15.8220   74.9542
        2  100.0000  72.2467  100.0000
    """
    level = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    arrays, index = broadcast(numerator=numerator, denominator=denominator)
    events, cases = arrays["numerator"], arrays["denominator"]
    check_not_negative(events, "numerator")
    check_positive(cases, "denominator")
    check_numerator_within_denominator(events, cases, "numerator", "denominator")

    valid = ~(np.isnan(events) | np.isnan(cases))
    lower = np.full(events.shape, np.nan)
    upper = np.full(events.shape, np.nan)
    if valid.any():
        low, high = proportion_confint(
            events[valid], cases[valid], alpha=1 - level, method="wilson"
        )
        lower[valid] = np.asarray(low, dtype=float)
        upper[valid] = np.asarray(high, dtype=float)
    # Floating-point rounding can leave 1e-17 instead of the exact bounds.
    lower[valid & (events == 0)] = 0.0
    upper[valid & (events == cases)] = 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        value = events / cases
    frame = pd.DataFrame(
        {"value": value * scale, "lower": lower * scale, "upper": upper * scale}, index=index
    )
    frame.attrs.update(confidence=level, multiplier=scale, method="wilson")
    return frame


def _byar_lower(count: np.ndarray, z: float) -> np.ndarray:
    return count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3


def _byar_upper(count: np.ndarray, z: float) -> np.ndarray:
    shifted = count + 1
    return shifted * (1 - 1 / (9 * shifted) + z / (3 * np.sqrt(shifted))) ** 3


def exact_poisson_limits(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-squared) Poisson limits for a count; the lower limit of 0 events is 0.

    Inputs: ``count`` (float array of counts, NaN allowed) and ``level`` (confidence, a
    fraction). Outputs: the lower and upper limits as two float arrays of counts.
    """
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        # chi2.ppf(q, 0) is NaN in scipy; the limit for a count of zero is zero.
        lower = np.where(count > 0, scipy_stats.chi2.ppf(tail, 2 * count) / 2, 0.0)
        upper = scipy_stats.chi2.ppf(1 - tail, 2 * count + 2) / 2
    lower = np.where(np.isnan(count), np.nan, lower)
    return lower, upper


def rate_ci(count, population, confidence=0.95, multiplier=10000) -> pd.DataFrame:
    """Crude rates with exact Poisson (count < 10) or Byar's (count >= 10) intervals.

    Follows PHEindicatormethods ``phe_rate``: exact limits from the chi-squared
    distribution when the count is below 10, Byar's approximation from 10 upwards
    (a count of exactly 10 uses Byar). A count of 0 has a lower limit of 0.

    Args:
        count: events (scalar or array-like), >= 0; need not be a whole number.
        population: denominator (scalar or array-like), > 0.
        confidence: two-sided confidence level, strictly between 0.9 and 1.
        multiplier: rate per this many of the population (default per 10,000).

    Returns:
        DataFrame with one row per input and columns ``value``, ``lower``, ``upper`` (all
        per ``multiplier``) and ``method`` ("exact" or "byar"; missing when the count is
        missing). ``attrs``: ``confidence``, ``multiplier``.

    Raises:
        InvalidArgumentError: negative count, population <= 0, confidence outside
            (0.9, 1), or a non-positive multiplier.

    Example:
        >>> rate_ci([0, 9, 10, 65], [5000, 45000, 45000, 52000]).round(6)
               value     lower      upper method
        0   0.000000  0.000000   7.377759  exact
        1   2.000000  0.914527   3.796623  exact
        2   2.222222  1.063878   4.086991   byar
        3  12.500000  9.646767  15.932527   byar
    """
    level = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    arrays, index = broadcast(count=count, population=population)
    events, people = arrays["count"], arrays["population"]
    check_not_negative(events, "count")
    check_positive(people, "population")

    z = scipy_stats.norm.ppf(1 - (1 - level) / 2)
    exact_lower, exact_upper = exact_poisson_limits(events, level)
    use_byar = events >= 10
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(use_byar, _byar_lower(events, z), exact_lower)
        upper = np.where(use_byar, _byar_upper(events, z), exact_upper)
        value = events / people * scale
        lower = lower / people * scale
        upper = upper / people * scale
    missing = np.isnan(events) | np.isnan(people)
    value[missing] = lower[missing] = upper[missing] = np.nan
    method = [
        None if np.isnan(count_) else ("byar" if count_ >= 10 else "exact") for count_ in events
    ]
    frame = pd.DataFrame(
        {"value": value, "lower": lower, "upper": upper, "method": method}, index=index
    )
    frame.attrs.update(confidence=level, multiplier=scale)
    return frame
