"""SPC attribute charts: p-charts for proportions and u-charts for rates.

Reference: the p- and u-charts of Montgomery's textbook, with limits that vary with each
point's denominator.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from lscb_analysis.stats.inputs import (
    broadcast,
    check_multiplier,
    check_not_negative,
    check_numerator_within_denominator,
    check_positive,
)

__all__ = ["p_chart", "u_chart"]


def _attribute_chart(
    value: np.ndarray,
    centre: float,
    sigma: np.ndarray,
    upper_bound: float | None,
    index: pd.Index,
) -> pd.DataFrame:
    lower = np.maximum(centre - 3 * sigma, 0.0)
    upper = centre + 3 * sigma
    if upper_bound is not None:
        upper = np.minimum(upper, upper_bound)
    signal: list[str | None] = []
    for value_, lower_, upper_ in zip(value, lower, upper, strict=True):
        if np.isnan(value_):
            signal.append(None)
        elif value_ > upper_:
            signal.append("above")
        elif value_ < lower_:
            signal.append("below")
        else:
            signal.append("within")
    return pd.DataFrame(
        {
            "value": value,
            "centre": np.full(value.shape, centre),
            "lpl": lower,
            "upl": upper,
            "outside_limits": np.array([item in ("above", "below") for item in signal]),
            "signal": signal,
        },
        index=index,
    )


def p_chart(numerator, denominator) -> pd.DataFrame:
    """p-chart: proportions with 3-sigma limits that vary with each point's denominator.

    Centre line: the pooled proportion (sum of numerators / sum of denominators over the
    complete rows). Limits: centre +/- 3 sqrt(centre (1 - centre) / n), truncated to [0, 1].
    A signal is a point strictly outside its limits.

    Args:
        numerator: events per period (>= 0, <= denominator).
        denominator: cases per period (> 0).

    Returns:
        DataFrame with one row per point: ``value`` (proportion, 0-1), ``centre``,
        ``lpl``, ``upl``, ``outside_limits`` (bool) and ``signal`` ("above", "below",
        "within"; missing for a missing point).

    Raises:
        InvalidArgumentError: negative numerators, denominators <= 0, or a numerator
            above its denominator.

    Example:
        >>> p_chart([10, 12, 30], [100, 100, 100]).round(4)
           value  centre     lpl     upl  outside_limits  signal
        0   0.10  0.1733  0.0598  0.2869           False  within
        1   0.12  0.1733  0.0598  0.2869           False  within
        2   0.30  0.1733  0.0598  0.2869            True   above
    """
    arrays, index = broadcast(numerator=numerator, denominator=denominator)
    events, cases = arrays["numerator"], arrays["denominator"]
    check_not_negative(events, "numerator")
    check_positive(cases, "denominator")
    check_numerator_within_denominator(events, cases, "numerator", "denominator")
    complete = ~(np.isnan(events) | np.isnan(cases))
    total = cases[complete].sum()
    centre = events[complete].sum() / total if total > 0 else math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        value = events / cases
        sigma = np.sqrt(centre * (1 - centre) / cases)
    return _attribute_chart(value, centre, sigma, 1.0, index)


def u_chart(count, exposure, multiplier=1) -> pd.DataFrame:
    """u-chart: rates per unit of exposure with 3-sigma limits varying with the exposure.

    Centre line: the pooled rate (sum of counts / sum of exposures) x multiplier. Limits:
    centre +/- 3 sqrt(pooled rate / exposure) x multiplier, truncated at 0. A signal is a
    point strictly outside its limits.

    Args:
        count: events per period (>= 0).
        exposure: exposure per period (population, bed-days, ...), > 0.
        multiplier: report rates per this many units of exposure (default 1).

    Returns:
        DataFrame with one row per point: ``value``, ``centre``, ``lpl``, ``upl``,
        ``outside_limits`` (bool) and ``signal`` ("above", "below", "within"; missing
        for a missing point).

    Raises:
        InvalidArgumentError: negative counts, exposures <= 0, or a non-positive
            multiplier.

    Example:
        >>> u_chart([4, 5, 20], [1000, 1000, 1000], multiplier=1000).round(3)
           value  centre    lpl     upl  outside_limits  signal
        0    4.0   9.667  0.339  18.994           False  within
        1    5.0   9.667  0.339  18.994           False  within
        2   20.0   9.667  0.339  18.994            True   above
    """
    scale = check_multiplier(multiplier)
    arrays, index = broadcast(count=count, exposure=exposure)
    events, exposures = arrays["count"], arrays["exposure"]
    check_not_negative(events, "count")
    check_positive(exposures, "exposure")
    complete = ~(np.isnan(events) | np.isnan(exposures))
    total = exposures[complete].sum()
    centre = events[complete].sum() / total if total > 0 else math.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        value = events / exposures * scale
        sigma = np.sqrt(centre / exposures) * scale
    return _attribute_chart(value, centre * scale, sigma, None, index)
