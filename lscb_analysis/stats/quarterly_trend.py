"""Trends of short quarterly (or six-monthly) series: the Mann-Kendall test and its seasonal form.

The Fingertips trend marker (:func:`lscb_analysis.stats.trends.trend_test`) is made for yearly,
non-overlapping points. A borough's own quarterly figures are few (two or three years of a
pilot), not independent counts from one population, and may move with the season, so they get
a rank-based test that assumes no distribution and no straight line:

- Mann-Kendall test (Mann 1945; Kendall 1975) of the figures against time: ``S`` is the number
  of later-higher pairs minus later-lower pairs; its p-value is
  :func:`scipy.stats.kendalltau`'s (the exact permutation distribution when no two figures tie,
  otherwise the normal approximation with the tie-corrected variance), which is the
  Mann-Kendall p-value, Kendall's tau-b being S scaled.
- seasonal Mann-Kendall test (Hirsch, Slack and Smith 1982, Water Resources Research 18(1)):
  ``S`` summed over the quarters of the year, each quarter compared only with the same quarter
  of other years, so a seasonal pattern is not read as a trend; variance summed likewise
  (with the tie correction), ``Z = (S - sign(S)) / sqrt(Var S)`` against the normal
  distribution, as ``pymannkendall.seasonal_test`` (Hussain and Mahmud 2019). It is used when
  every quarter of the year present has at least ``seasonal_min_years`` figures: with two a
  quarter the test cannot reach 95% (the largest possible ``|Z|`` with four quarters is 1.5).
- Sen's slope (Sen 1968; :func:`scipy.stats.theilslopes`): the median of the pairwise slopes
  (within each quarter of the year for the seasonal test), per period of ``times``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.inputs import check_confidence, to_float_array

__all__ = ["QUARTERLY_TREND_COLUMNS", "mann_kendall_s", "quarterly_trend"]

QUARTERLY_TREND_COLUMNS = [
    "method",
    "points_used",
    "points_left_out",
    "statistic",
    "variance",
    "tau",
    "p_value",
    "slope",
    "direction",
    "trend",
    "reason",
]
"""Columns of :func:`quarterly_trend`'s one-row result."""


def mann_kendall_s(values) -> tuple[int, float]:
    """Mann-Kendall ``S`` of values in time order, and its variance under no trend.

    ``S = sum over i < j of sign(x_j - x_i)``; ``Var(S) = [n(n-1)(2n+5) - sum over groups of
    tied values of t(t-1)(2t+5)] / 18`` (Kendall 1975, as Hirsch et al. 1982, eq. 2).

    Args:
        values: the figures, oldest first, with no missing value.

    Returns:
        ``(S, variance)``.

    Raises:
        InvalidArgumentError: a missing or non-numeric value.

    Example:
        >>> mann_kendall_s([1, 3, 2, 5, 4])
        (6, 16.666666666666668)
    """
    series = to_float_array(values, "values")
    if np.isnan(series).any():
        raise InvalidArgumentError("values must have no missing figure; leave gaps out first.")
    n = len(series)
    upper = np.triu_indices(n, k=1)
    differences = series[upper[1]] - series[upper[0]]
    s = int(np.sign(differences).sum())
    _, ties = np.unique(series, return_counts=True)
    variance = (n * (n - 1) * (2 * n + 5) - (ties * (ties - 1) * (2 * ties + 5)).sum()) / 18
    return s, float(variance)


def _seasonal_slope(series: np.ndarray, times: np.ndarray, seasons: np.ndarray) -> float:
    """Seasonal Sen's slope: the median of the pairwise slopes within each season."""
    slopes = []
    for season in np.unique(seasons):
        own = seasons == season
        x, t = series[own], times[own]
        upper = np.triu_indices(len(x), k=1)
        slopes.append((x[upper[1]] - x[upper[0]]) / (t[upper[1]] - t[upper[0]]))
    pooled = np.concatenate(slopes) if slopes else np.array([])
    return float(np.median(pooled)) if len(pooled) else math.nan


def _seasonal_test(series: np.ndarray, times: np.ndarray, seasons: np.ndarray) -> dict:
    total_s, total_variance, pairs = 0, 0.0, 0
    for season in np.unique(seasons):
        own = series[seasons == season]
        s, variance = mann_kendall_s(own)
        total_s, total_variance = total_s + s, total_variance + variance
        pairs += len(own) * (len(own) - 1) // 2
    if total_variance <= 0:
        z, p_value = math.nan, math.nan
    else:
        z = (total_s - np.sign(total_s)) / math.sqrt(total_variance)
        p_value = float(2 * scipy_stats.norm.sf(abs(z)))
    return {
        "method": "seasonal_mann_kendall",
        "statistic": total_s,
        "variance": total_variance,
        "tau": total_s / pairs if pairs else math.nan,
        "p_value": p_value,
        "slope": _seasonal_slope(series, times, seasons),
    }


def _plain_test(series: np.ndarray, times: np.ndarray) -> dict:
    s, variance = mann_kendall_s(series)
    if len(np.unique(series)) == 1:
        tau, p_value, slope = math.nan, math.nan, 0.0
    else:
        result = scipy_stats.kendalltau(times, series)
        tau, p_value = float(result.statistic), float(result.pvalue)
        slope = float(scipy_stats.theilslopes(series, times).slope)
    return {
        "method": "mann_kendall",
        "statistic": s,
        "variance": variance,
        "tau": tau,
        "p_value": p_value,
        "slope": slope,
    }


def _positions(times: object, seasons: object, length: int) -> tuple[np.ndarray, np.ndarray | None]:
    time_array = np.arange(length, dtype=float) if times is None else to_float_array(times, "times")
    if len(time_array) != length or np.isnan(time_array).any():
        raise InvalidArgumentError(
            f"times must give one position for each of the {length} values (no missing one)."
        )
    if (np.diff(time_array) <= 0).any():
        raise InvalidArgumentError(
            "times must increase strictly: put the figures in time order, oldest first, one "
            "per period."
        )
    if seasons is None:
        return time_array, None
    season_array = np.asarray(list(seasons), dtype=object)
    if len(season_array) != length or pd.isna(season_array).any():
        raise InvalidArgumentError(
            f"seasons must give the quarter of the year (1-4) of each of the {length} values, "
            "or be None for no seasonal test."
        )
    return time_array, season_array


def quarterly_trend(
    values,
    *,
    times=None,
    seasons=None,
    confidence=0.95,
    min_points=6,
    seasonal_min_years=3,
) -> pd.DataFrame:
    """Trend of a short quarterly series: Mann-Kendall, seasonal when the series allows.

    Missing figures (NaN: missing, suppressed, not returned) are left out and counted in
    ``points_left_out``; the others keep their place in time (``times``). The seasonal test
    (Hirsch et al. 1982) is used when ``seasons`` is given, names at least two quarters of
    the year, and every one of them has at least ``seasonal_min_years`` figures; otherwise
    the plain Mann-Kendall test (exact p-value from :func:`scipy.stats.kendalltau` when no
    figures tie). A trend is "increasing" or "decreasing" when the two-sided p-value is
    below ``1 - confidence``; the direction is the sign of ``S``.

    Args:
        values: the figures, oldest first (percentages, rates, counts: the test uses only
            their order).
        times: the position of each figure in time (e.g. the quarter index), strictly
            increasing; None: 0, 1, 2, ...
        seasons: the quarter of the year (1-4, or the half) of each figure; None: no seasonal
            test.
        confidence: fraction strictly between 0.9 and 1 (0.95 by default).
        min_points: fewest figures the test is run on (at least 4; 6 by default: with 4
            figures no exact two-sided p-value is below 0.08).
        seasonal_min_years: fewest figures in every quarter of the year for the seasonal test.

    Returns:
        One-row DataFrame (:data:`QUARTERLY_TREND_COLUMNS`): ``method`` ("mann_kendall" or
        "seasonal_mann_kendall"), ``points_used``, ``points_left_out``, ``statistic`` (S),
        ``variance`` (of S), ``tau`` (Kendall's tau-b; for the seasonal test S over the
        number of pairs), ``p_value`` (two-sided), ``slope`` (Sen's, per unit of ``times``),
        ``direction`` ("up", "down", "flat" or None), ``trend`` ("increasing",
        "decreasing", "no_significant_change", "cannot_be_calculated") and ``reason``.
        ``attrs["confidence"]`` holds the level.

    Raises:
        InvalidArgumentError: a non-numeric value, times not strictly increasing or not one
            per value, seasons not one per value, a confidence outside (0.9, 1), or
            ``min_points`` below 4 or ``seasonal_min_years`` below 2.

    Example:
        >>> result = quarterly_trend([20, 21, 23, 22, 25, 26, 28, 27]).iloc[0]
        >>> result["method"], int(result["statistic"]), result["trend"]
        ('mann_kendall', 24, 'increasing')
    """
    level = check_confidence(confidence)
    if isinstance(min_points, bool) or not isinstance(min_points, int) or min_points < 4:
        raise InvalidArgumentError(
            f"min_points must be a whole number of 4 or more; got {min_points!r}."
        )
    if (
        isinstance(seasonal_min_years, bool)
        or not isinstance(seasonal_min_years, int)
        or seasonal_min_years < 2
    ):
        raise InvalidArgumentError(
            f"seasonal_min_years must be a whole number of 2 or more; got {seasonal_min_years!r}."
        )
    series = to_float_array(values, "values")
    time_array, season_array = _positions(times, seasons, len(series))
    kept = ~np.isnan(series)
    used, left_out = int(kept.sum()), int((~kept).sum())
    series, time_array = series[kept], time_array[kept]
    if season_array is not None:
        season_array = season_array[kept]
    row: dict = dict.fromkeys(QUARTERLY_TREND_COLUMNS, math.nan)
    row.update(method="mann_kendall", points_used=used, points_left_out=left_out)
    if used < min_points:
        row.update(
            direction=None,
            trend="cannot_be_calculated",
            reason=f"{used} figure{'s' if used != 1 else ''}; the test needs at least {min_points}",
        )
        return _frame(row, level)
    counts = pd.Series(season_array).value_counts() if season_array is not None else None
    if counts is not None and len(counts) >= 2 and counts.min() >= seasonal_min_years:
        row.update(_seasonal_test(series, time_array, season_array))
    else:
        row.update(_plain_test(series, time_array))
    s = row["statistic"]
    row["direction"] = "up" if s > 0 else "down" if s < 0 else "flat"
    if np.isnan(row["p_value"]):
        row.update(
            trend="no_significant_change", reason="no change: the figures compared are equal"
        )
    elif row["p_value"] < 1 - level:
        row.update(
            trend="increasing" if s > 0 else "decreasing",
            reason=f"significant at {level:.0%}",
        )
    else:
        row.update(trend="no_significant_change", reason="no significant trend")
    return _frame(row, level)


def _frame(row: dict, level: float) -> pd.DataFrame:
    frame = pd.DataFrame([row], columns=QUARTERLY_TREND_COLUMNS)
    frame.attrs.update(confidence=level)
    return frame
